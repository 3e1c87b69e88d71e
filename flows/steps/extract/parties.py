"""Parties (v0): organizations by the suffix of their name, people by a title before the name."""
from __future__ import annotations

import re

import polars as pl

from flows.schema import conform
from flows.steps.extract.text import sentences

ORG_SUFFIXES = {
    "government": ["人民政府", "管委会", "委员会", "部", "局", "厅", "办公室", "国务院"],
    "enterprise": ["有限责任公司", "股份有限公司", "有限公司", "集团", "公司"],
    "research_education": ["大学", "研究院", "学院", "研究所", "中心"],
    "association": ["协会", "商会", "联盟", "学会", "促进会", "联合会"],
}
_SUFFIX_TYPE = {s: t for t, suffixes in ORG_SUFFIXES.items() for s in suffixes}
_SUFFIX_RE = "|".join(sorted(_SUFFIX_TYPE, key=len, reverse=True))
# A name is a run of Chinese characters (and a bracketed place) that does not cross a
# function word: 由, 与, 和, 在, 是 … start a new phrase.
_ORG = re.compile(rf"[\u4e00-\u9fffA-Z()（）]{{2,24}}?(?:{_SUFFIX_RE})")
_BREAK = re.compile(r".*(?:由|与|和|及|在|是|为|对|向|从|将|把|被|、|了|的|等|于|赴|到|同|跟|并|联合|包括|共同|分别|签署|成立|举办|主办|承办|召开)")


def find_parties(documents: pl.DataFrame) -> pl.DataFrame:
    """Organization mentions: "由天津市商务局主办" -> 天津市商务局 (government)."""
    rows = []
    for doc_id, text in documents.select("doc_id", "text").iter_rows():
        for sent in sentences(text):
            for match in _ORG.finditer(sent.text):
                name = match.group()
                cut = _BREAK.match(name)
                offset = cut.end() if cut else 0
                name = name[offset:]
                if len(name) < 4:
                    continue
                suffix = next(s for s in sorted(_SUFFIX_TYPE, key=len, reverse=True) if name.endswith(s))
                start = sent.start + match.start() + offset
                rows.append({"doc_id": doc_id, "char_start": start, "char_end": start + len(name),
                             "evidence": sent.text, "surface": name, "name": name,
                             "party_type": _SUFFIX_TYPE[suffix]})
    return conform("party_mentions", pl.DataFrame(rows))
