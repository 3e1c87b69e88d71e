"""MinHash signatures (one permutation), the code-point chunks they are computed over, and the relevance rule."""

import numpy as np
import polars as pl

from flows.steps import codepoints
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


_WORD = 2**64


def _fmix(x: int) -> int:  # MurmurHash3's 64-bit finalizer, in Python integers
    x ^= x >> 33
    x = x * 0xFF51AFD7ED558CCD % _WORD
    x ^= x >> 33
    x = x * 0xC4CEB9FE1A85EC53 % _WORD
    return x ^ (x >> 33)


def _one_permutation(windows: list[str]) -> list[int]:
    """The signature as the module's docstring defines it, one window at a time."""
    bins: list[int | None] = [None] * PERMUTATIONS
    for window in windows:
        folded = 0
        for character in window:
            folded = (folded * 0x9E3779B97F4A7C15 + ord(character)) % _WORD
        hashed = _fmix(folded)
        b, value = hashed >> 58, hashed & 0xFFFFFFFF
        bins[b] = value if bins[b] is None else min(bins[b], value)
    out = []
    for b, value in enumerate(bins):
        if value is None:  # the first filled bin in this bin's own order of the others
            order = sorted((o for o in range(PERMUTATIONS) if o != b), key=lambda o: _fmix(b * PERMUTATIONS + o + 1))
            value = next(bins[o] for o in order if bins[o] is not None)
        out.append(value)
    return out


def test_a_signature_is_the_one_permutation_minhash_of_the_five_character_windows_of_its_article():
    long = "".join(chr(0x4E00 + i * 7 % 5000) for i in range(600))  # about 600 windows: every bin filled
    texts = ["甲乙，丙丁 戊己庚𠮷辛。", "短。", "", "子丑寅卯辰巳午未申酉戌亥", None, long]
    dense = ["甲乙丙丁戊己庚𠮷辛", "短", "", "子丑寅卯辰巳午未申酉戌亥", None, long]
    ids = ["a", "b", "c", "d", "e", "f"]
    got = signatures(pl.DataFrame({"doc_id": ids, "text": texts}, schema={"doc_id": pl.String, "text": pl.String}))
    assert got["doc_id"].to_list() == ids
    for text, signature in zip(dense, got["signature"].to_list(), strict=True):
        if text is None:
            assert signature is None
            continue
        windows = [text[i : i + 5] for i in range(max(len(text) - 4, 1))]  # a shorter text is its one window
        assert signature == _one_permutation(windows), text


def test_signatures_do_not_depend_on_the_other_articles_of_the_batch(monkeypatch):
    texts = [BASE, "短", None, BASE[5:], "", BASE * 3]
    ids = list("abcdef")
    schema = {"doc_id": pl.String, "text": pl.String}
    whole = signatures(pl.DataFrame({"doc_id": ids, "text": texts}, schema=schema))
    alone = [
        signatures(pl.DataFrame({"doc_id": [d], "text": [t]}, schema=schema)) for d, t in zip(ids, texts, strict=True)
    ]
    assert whole.equals(pl.concat(alone))
    monkeypatch.setattr(codepoints, "CHUNK_CHARS", 40)  # a few articles per chunk of arrays, one longer than a chunk
    assert signatures(pl.DataFrame({"doc_id": ids, "text": texts}, schema=schema)).equals(whole)


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


def test_code_point_chunks_cover_every_text_once_in_order():
    texts = ["ab", "", "𠮷cd", "efghij", "k"]
    lengths = np.array([len(t) for t in texts])
    got = list(codepoints.chunks(texts, lengths, 3))
    assert [(first, last) for first, last, _ in got] == [(0, 2), (2, 3), (3, 4), (4, 5)]  # "efghij" alone: over 3
    assert "".join("".join(map(chr, points)) for _, _, points in got) == "".join(texts)
