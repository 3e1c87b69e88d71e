"""Metrics (v0): an Arabic number with an optional multiplier, then a unit or a measure word."""
from __future__ import annotations

import re

import polars as pl

from flows.schema import conform
from flows.steps.extract.text import sentences

MULTIPLIERS = {"万亿": 1e12, "亿": 1e8, "万": 1e4, "千": 1e3, "百": 1e2}
UNITS = {"亿元": ("CNY", 1e8), "万元": ("CNY", 1e4), "元": ("CNY", 1), "美元": ("USD", 1), "欧元": ("EUR", 1),
         "%": ("percent", 1), "亩": ("mu", 1), "公顷": ("hectare", 1), "平方千米": ("km2", 1),
         "平方公里": ("km2", 1), "平方米": ("m2", 1), "公里": ("km", 1), "千米": ("km", 1),
         "吨标准煤": ("tce", 1), "万吨": ("t", 1e4), "吨": ("t", 1), "千瓦时": ("kWh", 1), "度": ("kWh", 1),
         "千瓦": ("kW", 1), "兆瓦": ("MW", 1), "吉瓦": ("GW", 1), "年": ("year", 1), "个月": ("month", 1),
         "天": ("day", 1)}
CLASSIFIERS = ["家", "个", "项", "位", "人", "名", "所", "张", "场", "台", "座", "件", "条", "次", "批"]
QUALIFIERS = [("多", "more_than"), ("余", "more_than"), ("超过", "more_than"), ("超", "more_than"),
              ("逾", "more_than"), ("以上", "more_than"), ("近", "nearly"), ("将近", "nearly"),
              ("约", "about"), ("左右", "about"), ("不超过", "at_most"), ("以内", "at_most"),
              ("至少", "at_least"), ("不少于", "at_least")]
_UNIT_RE = "|".join(sorted(list(UNITS) + CLASSIFIERS, key=len, reverse=True))
_NUMBER = re.compile(
    rf"(?P<pre>超过|不超过|不少于|将近|至少|超|逾|近|约)?(?P<num>\d+(?:\.\d+)?)(?P<mult>万亿|亿|万|千)?"
    rf"(?P<post>多|余)?(?P<unit>{_UNIT_RE})(?P<tail>以上|左右|以内)?"
)


def find_metrics(documents: pl.DataFrame) -> pl.DataFrame:
    """Quantities: "300多位" -> 300 count (位) more_than; "17.3万亿元" -> 1.73e13 CNY."""
    rows = []
    for doc_id, text in documents.select("doc_id", "text").iter_rows():
        for sent in sentences(text):
            for m in _NUMBER.finditer(sent.text):
                unit_word = m["unit"]
                if unit_word == "年" and not m["mult"] and len(m["num"]) == 4:
                    continue  # 2024年 is a date
                value = float(m["num"]) * MULTIPLIERS.get(m["mult"] or "", 1)
                if unit_word in UNITS:
                    unit, scale = UNITS[unit_word]
                    value *= scale
                    classifier = None
                else:
                    unit, classifier = "count", unit_word
                marker = m["pre"] or m["post"] or m["tail"]
                qualifier = dict(QUALIFIERS).get(marker, "exact") if marker else "exact"
                start = sent.start + m.start()
                rows.append({"doc_id": doc_id, "char_start": start, "char_end": start + len(m.group()),
                             "evidence": sent.text, "raw_text": m.group(), "value": value, "unit": unit,
                             "classifier": classifier, "qualifier": qualifier,
                             "indicator": sent.text[max(0, m.start() - 12):m.start()].lstrip("，,。；;")})
    return conform("metrics", pl.DataFrame(rows))
