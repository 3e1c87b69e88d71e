"""Extraction basics that any version of the extractors must keep."""

from datetime import date

import polars as pl
import pytest

from flows.reference import load_all
from flows.steps.constants import EVIDENCE_CONTEXT
from flows.steps.extract import Evidence
from flows.steps.extract import extract as _extract
from flows.steps.extract.text import find_all, sentences


def _docs(*texts):
    return pl.DataFrame(
        {
            "doc_id": [f"d{i}" for i in range(len(texts))],
            "text": list(texts),
            "reference_date": [None] * len(texts),
            "context_year": [None] * len(texts),
        },
        schema_overrides={"reference_date": pl.Date, "context_year": pl.Int32},
    )


def extract(documents):
    return _extract(documents, load_all(), date(2026, 12, 1))


def test_sentences_keep_offsets():
    text = "第一句。第二句！\n第三句"
    assert [(s.start, s.end, s.text) for s in sentences(text)] == [
        (0, 4, "第一句。"),
        (4, 8, "第二句！"),
        (9, 12, "第三句"),
    ]


def test_find_all_gives_every_occurrence_of_every_name_in_character_offsets_by_end():
    documents = pl.DataFrame({"doc_id": ["a", "b", "c"], "text": ["𠮷天津市天津", "", "无"]})
    expected = {
        "a": [(1, 3, "天津"), (1, 4, "天津市"), (2, 4, "津市"), (4, 6, "天津")],  # 𠮷 is one character
        "b": [],
        "c": [],
    }
    assert find_all(documents, ["天津市", "天津", "津市"]) == expected
    assert find_all(documents, ["津市", "天津", "天津市"]) == expected  # the order of the names does not matter


@pytest.mark.parametrize(
    ("text", "raw", "value", "unit", "classifier", "qualifier"),
    [
        ("共有300多位代表参会。", "300多位", 300.0, "count", "位", "more_than"),
        ("生产总值达到17.3万亿元。", "17.3万亿元", 17.3e12, "CNY", None, "exact"),
        ("增长11.2%。", "11.2%", 11.2, "percent", None, "exact"),
        ("规划了863亩土地。", "863亩", 863.0, "mu", None, "exact"),
        ("约3900个新城新区。", "约3900个", 3900.0, "count", "个", "about"),
    ],
)
def test_metric_values_units_and_qualifiers(text, raw, value, unit, classifier, qualifier):
    metrics = extract(_docs(text))["metrics"]
    row = metrics.filter(pl.col("raw_text") == raw).row(0, named=True)
    assert (row["value"], row["unit"], row["classifier"], row["qualifier"]) == (value, unit, classifier, qualifier)
    assert text[row["char_start"] : row["char_end"]] == raw


def test_years_are_not_metrics():
    assert extract(_docs("2024年，项目启动。"))["metrics"].is_empty()


def test_region_found_with_its_code_and_span():
    text = "会议在浦东新区举行。"
    regions = extract(_docs(text))["region_mentions"]
    row = regions.row(0, named=True)
    assert (row["name"], row["admin_code"], row["level"]) == ("浦东新区", "310115", "county")
    assert text[row["char_start"] : row["char_end"]] == "浦东新区"


def test_organization_found_by_suffix():
    text = "活动由上海市商务局主办。"
    parties = extract(_docs(text))["party_mentions"]
    assert "上海市商务局" in parties["name"].to_list()
    row = parties.filter(pl.col("name") == "上海市商务局").row(0, named=True)
    assert (row["party_type"], text[row["char_start"] : row["char_end"]]) == ("government", "上海市商务局")


def test_every_extracted_span_slices_its_text_and_lies_in_its_evidence():
    text = "9月18日，2025中新绿色发展论坛在浦东新区举办，由上海市商务局主办，300多位代表参加。另一句。"
    facts = extract(_docs(text))
    evidence = {
        (r["evidence_start"], r["evidence_end"]): r["evidence"] for r in facts["evidence"].iter_rows(named=True)
    }
    for name in ("region_mentions", "party_mentions", "events", "metrics"):
        for row in facts[name].iter_rows(named=True):
            assert 0 <= row["char_start"] < row["char_end"] <= len(text)
            span = (row["evidence_start"], row["evidence_end"])
            assert span[0] <= row["char_start"] and row["char_end"] <= span[1], name
            assert evidence[span] == text[span[0] : span[1]] == text[: text.index("。") + 1], name


def test_each_evidence_is_one_row_however_many_rows_cite_it():
    text = "2024年，上海市与天津市签署协议，投资5亿元，浦东新区参与。"
    facts = extract(_docs(text))
    cited = sum(facts[name].height for name in ("region_mentions", "party_mentions", "events", "metrics"))
    assert cited > 3
    assert facts["evidence"].select("doc_id", "evidence_start", "evidence_end", "evidence").rows() == [
        ("d0", 0, len(text), text)
    ]


def test_a_span_across_sentences_cites_the_text_around_it():
    text = "前言。" + "甲" * 50 + "浦东新区。" + "乙" * 30
    ev = Evidence(sentences(text), text)
    a, b = text.index("新区"), text.index("新区") + 4  # "新区。乙" crosses the sentence end
    low = a - EVIDENCE_CONTEXT
    assert b + EVIDENCE_CONTEXT > len(text)  # the window stops at the end of the text
    assert ev(a, b) == {"evidence_start": low, "evidence_end": len(text)}
    assert ev(text.index("前言"), 2) == {"evidence_start": 0, "evidence_end": 3}  # within a sentence: the sentence
    assert ev.rows("d") == [
        {"doc_id": "d", "evidence_start": low, "evidence_end": len(text), "evidence": text[low:]},
        {"doc_id": "d", "evidence_start": 0, "evidence_end": 3, "evidence": "前言。"},
    ]
