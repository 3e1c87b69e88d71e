"""Long articles: extracted in pieces cut at line breaks, with the same mentions as short ones."""

import pytest

from flows.steps.extract import PIECE_CHARS, pieces

BLOCK = (
    "2024年6月18日，天津市人民政府与中国石油化工集团有限公司在天津签署战略合作协议，"
    "双方将在滨海新区共建绿色低碳产业园。"
    "天津市副市长王凯表示，项目总投资120亿元，预计每年减少二氧化碳排放50万吨。\n"
)

PROJECTIONS = {
    "region_mentions": ("surface", "region_key"),
    "party_mentions": ("surface", "name", "party_type"),
    "metrics": ("raw_text", "value", "unit"),
    "events": ("surface", "event_type"),
}


def _by_block(frame, columns: tuple[str, ...]) -> dict[int, list[tuple]]:
    out: dict[int, list[tuple]] = {}
    for row in frame.iter_rows(named=True):
        block, start = divmod(row["char_start"], len(BLOCK))
        out.setdefault(block, []).append((start, row["char_end"] - row["char_start"], *(row[c] for c in columns)))
    return {block: sorted(rows) for block, rows in out.items()}


def test_every_block_of_a_long_article_has_the_mentions_of_the_block_alone(run):
    repeats = int(2.5 * PIECE_CHARS) // len(BLOCK) + 1
    text = BLOCK * repeats
    assert len(text) > 2 * PIECE_CHARS  # three pieces at least
    short, long = run(BLOCK), run(text)
    for name, columns in PROJECTIONS.items():
        alone = _by_block(short[name], columns)[0]
        assert alone, name  # the block has mentions of every kind
        blocks = _by_block(long[name], columns)
        assert sorted(blocks) == list(range(repeats)), name
        assert all(rows == alone for rows in blocks.values()), name
    evidence = {(r["evidence_start"], r["evidence_end"]): r["evidence"] for r in long["evidence"].iter_rows(named=True)}
    assert long["evidence"].height == len(evidence) == repeats * short["evidence"].height
    for name in ("region_mentions", "party_mentions", "events", "metrics"):
        for row in long[name].iter_rows(named=True):
            assert text[row["char_start"] : row["char_end"]] == row["surface" if name != "metrics" else "raw_text"]
            start, end = row["evidence_start"], row["evidence_end"]  # shifted from its piece as the span is
            assert evidence[start, end] == text[start:end] and start <= row["char_start"] < row["char_end"] <= end


def test_event_keys_of_a_long_article_stay_distinct_across_pieces(run):
    text = BLOCK * (int(2.5 * PIECE_CHARS) // len(BLOCK) + 1)
    facts = run(text)
    keys = set(facts["events"]["event_key"])
    assert len(keys) >= 3  # one per piece at least: keys are numbered on, not restarted at e0
    assert set(facts["event_parties"]["event_key"]) <= keys
    assert set(facts["metrics"]["event_key"].drop_nulls()) <= keys


@pytest.mark.parametrize(
    "text, size, expected",
    [
        ("甲。\n乙。\n丙。", 4, [(0, 3), (3, 6), (6, 8)]),  # after a line break
        ("甲乙。丙丁。戊", 3, [(0, 3), (3, 6), (6, 7)]),  # no line break: after a sentence end
        ("甲乙丙丁戊己", 4, [(0, 4), (4, 6)]),  # neither: at the size
        ("甲乙。", 4, [(0, 3)]),  # short enough: one piece
    ],
)
def test_pieces_cut_at_line_breaks_then_sentence_ends(text, size, expected):
    assert pieces(text, size) == expected
