"""Metadata sidecars: each field checked against its declared shape; a refusal says why in one line."""

import json
from datetime import date

import pytest

from flows.ops.sidecar import SidecarRefused, parse

TODAY = date(2026, 1, 1)


def _json(meta) -> bytes:
    return json.dumps(meta, ensure_ascii=False).encode("utf-8")


def test_a_good_sidecar_is_read_as_is():
    meta = parse(_json({"published_on": "2025-09-19", "url": "https://example.cn/a.html", "source": "天津日报"}), TODAY)
    assert (meta.published_on, meta.url, meta.source, meta.notes) == (
        date(2025, 9, 19),
        "https://example.cn/a.html",
        "天津日报",
        [],
    )


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (b"\xef\xbb\xbf" + _json({"source": "天津日报"}), "utf-8-bom"),
        (json.dumps({"source": "天津日报"}, ensure_ascii=False).encode("gbk"), "gbk"),
    ],
    ids=["utf8-bom", "gbk"],
)
def test_bom_and_gbk_sidecars_are_read(data, encoding):
    assert parse(data, TODAY).source == "天津日报"


def test_a_timestamp_gives_its_date():
    assert parse(_json({"published_on": "2025-09-19T08:30:00+08:00"}), TODAY).published_on == date(2025, 9, 19)


@pytest.mark.parametrize("day", ["2099-12-31", "1850-01-01"])
def test_a_date_outside_the_window_is_dropped_with_a_note(day):
    meta = parse(_json({"published_on": day, "source": "天津日报"}), TODAY)
    assert (meta.published_on, meta.source) == (None, "天津日报")
    assert meta.notes == [f"published_on {day} dropped: outside 1990-01-01..2026-01-02"]


def test_unknown_keys_are_ignored_with_a_note():
    meta = parse(_json({"source": "天津日报", "author": "王睿"}), TODAY)
    assert meta.notes == ["unknown keys ignored: author (known: published_on, url, source)"]


@pytest.mark.parametrize(
    ("meta", "reason"),
    [
        ({"source": {"name": "x"}}, "source must be the publisher's name as plain text, not an object"),
        ({"url": ["a", "b"]}, "url must be an http(s) URL, not a list"),
        ({"url": "javascript:alert(1)"}, "url must be an http(s) URL, not 'javascript:alert(1)'"),
        (
            {"url": "https://example.cn/a b"},
            "url is not a clean http(s) URL (spaces, markup, control characters or "
            "over 2048 characters): 'https://example.cn/a b'",
        ),
        (
            {"source": "<script>alert(1)</script>"},
            "source must be the publisher's name as plain text, not markup: '<script>alert(1)</script>'",
        ),
        (
            {"source": "<b>天津日报</b>"},
            "source must be the publisher's name as plain text, not markup: '<b>天津日报</b>'",
        ),
        ({"source": 12345}, "source must be the publisher's name as plain text, not a number (12345)"),
        (
            {"published_on": True},
            "published_on must be an ISO date (2025-09-19, or a timestamp starting with one), not a boolean (true)",
        ),
        (
            {"published_on": 20250919},
            "published_on must be an ISO date (2025-09-19, or a timestamp starting with one), not a number (20250919)",
        ),
        (
            {"published_on": "19/09/2025"},
            "published_on must be an ISO date (2025-09-19, or a timestamp starting with one), not '19/09/2025'",
        ),
        ({"published_on": "2025-02-30"}, "published_on 2025-02-30 is not a calendar date"),
        (["not", "an", "object"], "not a JSON object but a list"),
    ],
    ids=[
        "object-source",
        "list-url",
        "javascript-url",
        "url-with-space",
        "script-source",
        "tag-source",
        "number-source",
        "boolean-date",
        "number-date",
        "non-iso-date",
        "impossible-date",
        "list",
    ],
)
def test_a_field_of_the_wrong_shape_refuses_the_sidecar(meta, reason):
    with pytest.raises(SidecarRefused) as refused:
        parse(_json(meta), TODAY)
    assert str(refused.value) == reason


def test_broken_json_is_refused_with_where():
    with pytest.raises(SidecarRefused, match=r"^not valid JSON \(Expecting ',' delimiter at line 1, column 16\)$"):
        parse(b'{"source": "a" "url": 1}', TODAY)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"[" * 100_000, "not a metadata object (JSON nested too deep to read)"),
        (
            _json({"url": "https://example.cn/a\u2028b"}),
            "url is not a clean http(s) URL (spaces, markup, control characters or over 2048 characters): "
            "'https://example.cn/a\\u2028b'",
        ),
        (
            _json({"source": "天津\n日报"}),
            "source must be the publisher's name as plain text of at most 200 characters on one line",
        ),
    ],
    ids=["nested-too-deep", "line-separator-in-url", "newline-in-source"],
)
def test_hostile_sidecars_are_refused_not_fatal(data, reason):
    with pytest.raises(SidecarRefused) as refused:
        parse(data, TODAY)
    assert str(refused.value) == reason
