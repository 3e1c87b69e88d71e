"""Texts as arrays of Unicode code points, a bounded share of a batch at a time, for the steps that
count or hash characters with numpy (dedup.signatures, clean.script_of) instead of a regex or a
hash per character in Polars."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

# Characters per chunk: the arrays of a chunk (a few MB) stay in the caches; a whole batch at once
# was slower, and could be gigabytes for a batch of large files.
CHUNK_CHARS = 1 << 18


def chunks(texts: list[str], lengths: np.ndarray, size: int | None = None) -> Iterator[tuple[int, int, np.ndarray]]:
    """(first, last, points): texts[first:last] end to end as uint32 code points, about `size`
    characters at a time (a longer text alone); `lengths` are the texts' lengths in characters:
    list(chunks(["ab", "c"], np.array([2, 1]), 2)) -> [(0, 1, [97, 98]), (1, 2, [99])]."""
    size = size or CHUNK_CHARS
    ends = np.cumsum(lengths)
    first = 0
    while first < len(texts):
        last = max(int(np.searchsorted(ends, ends[first] - lengths[first] + size, side="right")), first + 1)
        yield first, last, np.frombuffer("".join(texts[first:last]).encode("utf-32-le"), dtype=np.uint32)
        first = last
