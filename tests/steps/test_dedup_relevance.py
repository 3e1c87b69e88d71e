"""MinHash signatures and the relevance rule."""

import polars as pl

from flows.steps.dedup import PERMUTATIONS, estimated_similarity, signatures
from flows.steps.relevance import relevance

BASE = "中新天津生态城举办绿色发展论坛，来自两国的三百多位代表参加，共同探讨绿色低碳发展路径与合作机制。"


def test_identical_and_reformatted_texts_share_a_signature():
    docs = pl.DataFrame(
        {
            "doc_id": ["a", "b", "c"],
            "text": [
                BASE,
                BASE.replace("，", ", ").replace("。", "!"),
                "完全无关的另一篇文章讲述足球比赛的过程与结果。",
            ],
        }
    )
    sig = dict(signatures(docs).iter_rows())
    assert len(sig["a"]) == PERMUTATIONS
    assert estimated_similarity(sig["a"], sig["b"]) == 1.0
    assert estimated_similarity(sig["a"], sig["c"]) < 0.2


def test_small_edit_keeps_similarity_high_but_not_total():
    edited = BASE.replace("三百多位", "四百余名")
    sig = dict(signatures(pl.DataFrame({"doc_id": ["a", "b"], "text": [BASE, edited]})).iter_rows())
    assert 0.5 < estimated_similarity(sig["a"], sig["b"]) < 1.0


def test_text_shorter_than_a_shingle_still_gets_a_signature():
    sig = signatures(pl.DataFrame({"doc_id": ["x"], "text": ["短"]}))["signature"][0]
    assert len(sig) == PERMUTATIONS


def _minima(windows: list[str]) -> list[int]:
    hashes = [pl.Series(windows, dtype=pl.String).hash(seed=seed) & 0xFFFFFFFF for seed in range(PERMUTATIONS)]
    return [int(h.min()) for h in hashes]


def test_a_signature_is_the_minimum_hash_of_every_five_character_window_of_its_article():
    texts = ["甲乙，丙丁 戊己庚𠮷辛。", "短。", "", "子丑寅卯辰巳午未申酉戌亥"]
    dense = ["甲乙丙丁戊己庚𠮷辛", "短", "", "子丑寅卯辰巳午未申酉戌亥"]  # no white space or punctuation
    got = signatures(pl.DataFrame({"doc_id": ["a", "b", "c", "d"], "text": texts}))
    assert got["doc_id"].to_list() == ["a", "b", "c", "d"]
    for text, signature in zip(dense, got["signature"].to_list(), strict=True):
        windows = [text[i : i + 5] for i in range(max(len(text) - 4, 1))]  # a shorter text is its one window
        assert signature == _minima(windows), text


def test_relevance_rule():
    docs = pl.DataFrame(
        {
            "doc_id": ["green", "titled", "sport"],
            "title": [None, "循环经济产业园开园", "足球联赛开幕"],
            "text": ["推动绿色低碳发展，助力碳达峰碳中和。", "园区开园。", "主队三比一获胜。"],
        }
    )
    out = {r["doc_id"]: r for r in relevance(docs).iter_rows(named=True)}
    assert out["green"]["is_relevant"] and out["green"]["topics"] == ["low_carbon", "green_development"]
    assert out["titled"]["is_relevant"] and out["titled"]["topics"] == ["circular_economy"]
    assert not out["sport"]["is_relevant"] and out["sport"]["topics"] == []
