"""Metadata sidecars (`<file>.meta.json`): every field checked against a declared schema.

A sidecar is optional and written by whoever scraped the file, so nothing in it is trusted:
a sidecar that is not a JSON object, or that has a field of the wrong type or shape, is
refused whole with its reason, and its file is processed without it. A date outside the
plausible window is dropped with a note and the rest is used. Unknown keys are ignored
with a note.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date
from urllib.parse import urlsplit

from flows.steps.constants import EARLIEST_PUBLISHED, PUBLISHED_MARGIN

# The same window as published_on everywhere (flows/steps/clean.py, expectations/documents.json).
MAX_URL = 2048
MAX_SOURCE = 200

FIELDS = {
    "published_on": "an ISO date (2025-09-19, or a timestamp starting with one)",
    "url": "an http(s) URL",
    "source": "the publisher's name as plain text",
}

_MARKUP = re.compile(r"<\s*/?\s*[A-Za-z!][^>]*>|&[A-Za-z#][A-Za-z0-9]*;")
_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:$|[T ])")


class SidecarRefused(ValueError):
    """The sidecar cannot be used; the message says why, in one line."""


@dataclass
class Sidecar:
    published_on: date | None = None
    url: str | None = None
    source: str | None = None
    notes: list[str] = field(default_factory=list)


def parse(data: bytes, today: date) -> Sidecar:
    """Checked metadata: `parse(b'{"source": "天津日报"}', date.today()).source` -> "天津日报".

    Raises SidecarRefused with the reason when the sidecar cannot be used at all.
    """
    try:
        meta = json.loads(_text(data))
    except json.JSONDecodeError as exc:
        raise SidecarRefused(f"not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})") from None
    except RecursionError:
        raise SidecarRefused("not a metadata object (JSON nested too deep to read)") from None
    if not isinstance(meta, dict):
        raise SidecarRefused(f"not a JSON object but {_kind(meta)}")
    sidecar = Sidecar()
    unknown = sorted(set(meta) - set(FIELDS))
    if unknown:
        sidecar.notes.append(f"unknown keys ignored: {', '.join(unknown)} (known: {', '.join(FIELDS)})")
    for key in FIELDS:
        value = meta.get(key)
        if value is None:
            continue
        if not isinstance(value, str):
            raise SidecarRefused(f"{key} must be {FIELDS[key]}, not {_kind(value)}")
        value = value.strip()
        if value:
            setattr(sidecar, key, _CHECKS[key](value, today, sidecar.notes))
    return sidecar


def _text(data: bytes) -> str:
    """UTF-8 (a BOM allowed), else GB18030: what sidecars written on Chinese Windows come in."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise SidecarRefused(f"neither UTF-8 nor GB18030 (invalid byte at {exc.start})") from None


def _published_on(value: str, today: date, notes: list[str]) -> date | None:
    match = _ISO_DATE.match(value)
    if not match:
        raise SidecarRefused(f"published_on must be {FIELDS['published_on']}, not {value[:40]!r}")
    try:
        day = date(*map(int, match.groups()))
    except ValueError:
        raise SidecarRefused(f"published_on {value[:10]} is not a calendar date") from None
    latest = today + PUBLISHED_MARGIN
    if not EARLIEST_PUBLISHED <= day <= latest:
        notes.append(f"published_on {day} dropped: outside {EARLIEST_PUBLISHED}..{latest}")
        return None
    return day


def _url(value: str, today: date, notes: list[str]) -> str:
    parts = urlsplit(value)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        raise SidecarRefused(f"url must be {FIELDS['url']}, not {value[:60]!r}")
    if len(value) > MAX_URL or not value.isprintable() or " " in value or "<" in value or ">" in value:
        raise SidecarRefused(
            f"url is not a clean http(s) URL (spaces, markup, control characters or over "
            f"{MAX_URL} characters): {value[:60]!r}"
        )
    return value


def _source(value: str, today: date, notes: list[str]) -> str:
    if _MARKUP.search(value):
        raise SidecarRefused(f"source must be {FIELDS['source']}, not markup: {value[:60]!r}")
    if not value.isprintable() or len(value) > MAX_SOURCE:
        raise SidecarRefused(f"source must be {FIELDS['source']} of at most {MAX_SOURCE} characters on one line")
    return value


_CHECKS = {"published_on": _published_on, "url": _url, "source": _source}


def _kind(value: object) -> str:
    if isinstance(value, bool):
        return f"a boolean ({json.dumps(value)})"
    if isinstance(value, (int, float)):
        return f"a number ({value})"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return f"a {type(value).__name__}"
