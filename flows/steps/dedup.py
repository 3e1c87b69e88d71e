"""MinHash signatures of articles, and the near-duplicate search over them (int_documents).

An article's shingles are its character 5-grams after dropping white space and punctuation. Its
signature is a one-permutation MinHash (Li, Owen and Zhang, 2012) of 64 values: each shingle is
hashed once to 64 bits, the top 6 bits pick one of 64 bins, and a bin keeps the least low 32 bits
of its shingles. A bin no shingle fell in (a short article) takes the value of the first filled bin
in a fixed order of its own (optimal densification, Shrivastava 2017), so that two articles with
the same shingles still agree there. The share of equal positions in two signatures estimates the
Jaccard similarity of their shingle sets; int_documents calls two articles near-duplicates at an
estimate >= 0.8.
"""

from __future__ import annotations

import math

import numpy as np
import polars as pl

from flows.steps import codepoints

SHINGLE = 5
PERMUTATIONS = 64  # bins: values of a signature
_BIN_SHIFT = np.uint64(64 - 6)  # the top log2(PERMUTATIONS) bits of a shingle's hash pick its bin
_LOW = np.uint64(0xFFFFFFFF)
_EMPTY = np.uint64(1 << 32)  # above every 32-bit value: a bin no shingle fell in
_NOISE = r"[\s\p{P}\p{S}]"
# A shingle's code points folded into 64 bits (c0 * B^4 + c1 * B^3 + ... + c4, mod 2^64), then mixed
# by MurmurHash3's 64-bit finalizer, so that every bit of the hash depends on every character.
_BASE = np.uint64(0x9E3779B97F4A7C15)
_MIX = (np.uint64(0xFF51AFD7ED558CCD), np.uint64(0xC4CEB9FE1A85EC53))


def _mixed(x: np.ndarray) -> np.ndarray:
    """MurmurHash3's fmix64 of each uint64 (wrapping arithmetic)."""
    x = x ^ (x >> np.uint64(33))
    x = x * _MIX[0]
    x = x ^ (x >> np.uint64(33))
    x = x * _MIX[1]
    mixed: np.ndarray = x ^ (x >> np.uint64(33))
    return mixed


def _borrow_order(empty: int) -> list[int]:
    """The bins an empty bin takes its value from, first filled one first: every other bin, in an order
    fixed by a hash of the pair (the same for every article, so equal shingle sets give equal values)."""
    others = np.array([b for b in range(PERMUTATIONS) if b != empty], dtype=np.uint64)
    keys = _mixed(np.uint64(empty) * np.uint64(PERMUTATIONS) + others + np.uint64(1))
    return [int(b) for b in others[np.argsort(keys, kind="stable")]]


_BORROW = [_borrow_order(b) for b in range(PERMUTATIONS)]


def signatures(documents: pl.DataFrame) -> pl.DataFrame:
    """doc_id -> signature (list of 64 UInt32; null for a null text); identical texts get identical
    signatures. One hash per shingle, as arrays: 64 seeded hashes of every shingle (the MinHash of
    earlier releases) were 0.29 s of CPU in each batch of 2,000 files, a seventh of all its work."""
    dense = documents.select(pl.col("text").str.replace_all(_NOISE, ""))["text"]
    present = dense.is_not_null().to_numpy()
    lengths = dense.str.len_chars().fill_null(0).to_numpy().astype(np.int64)
    texts = dense.fill_null("").to_list()
    bins = np.full((len(texts), PERMUTATIONS), _EMPTY, dtype=np.uint64)
    for first, last, points in codepoints.chunks(texts, lengths):
        bins[first:last] = _bins(points, lengths[first:last], present[first:last])
    values = _densified(bins)
    signature = pl.Series("signature", values.astype(np.uint32)).cast(pl.List(pl.UInt32))
    return documents.select("doc_id").with_columns(signature=pl.when(pl.Series(present)).then(signature))


def _bins(codes: np.ndarray, lengths: np.ndarray, present: np.ndarray) -> np.ndarray:
    """(articles x 64) for articles whose code points are `codes`, end to end: each bin's least low 32
    bits over the article's shingles, _EMPTY where none fell (and for an article not `present`)."""
    points = codes.astype(np.uint64)
    # every position's five code points folded (zeros past the end); an article's shingles are the
    # positions whose five characters lie within it
    padded = np.concatenate([points, np.zeros(SHINGLE - 1, dtype=np.uint64)])
    folded = padded[: points.size].copy()
    for k in range(1, SHINGLE):
        folded = folded * _BASE + padded[k : k + points.size]
    windows = np.maximum(lengths - SHINGLE + 1, 0)
    owner = np.repeat(np.arange(len(lengths)), windows)
    starts = np.cumsum(lengths) - lengths
    at = np.repeat(starts - (np.cumsum(windows) - windows), windows) + np.arange(owner.size)
    keys, owners = folded[at], owner
    short = np.flatnonzero(present & (lengths < SHINGLE))
    if short.size:  # a text shorter than a shingle (even empty) is its one shingle: its code points alone
        alone = [_fold(points[starts[i] : starts[i] + lengths[i]]) for i in short]
        keys = np.concatenate([keys, np.array(alone, dtype=np.uint64)])
        owners = np.concatenate([owners, short])
    hashed = _mixed(keys)
    bins = np.full(len(lengths) * PERMUTATIONS, _EMPTY, dtype=np.uint64)
    np.minimum.at(bins, owners * PERMUTATIONS + (hashed >> _BIN_SHIFT).astype(np.int64), hashed & _LOW)
    return bins.reshape(len(lengths), PERMUTATIONS)


def _fold(points: np.ndarray) -> int:
    """Code points folded as the shingles are (c0 * B^(n-1) + ... + c(n-1), mod 2^64)."""
    folded = 0
    for point in points.tolist():
        folded = (folded * int(_BASE) + point) & 0xFFFFFFFFFFFFFFFF
    return folded


def _densified(bins: np.ndarray) -> np.ndarray:
    """Each article's empty bins (_EMPTY) filled from the first filled bin of their _BORROW order; an
    article with no bin filled (a null text) stays empty."""
    out = bins.copy()
    filled = (bins != _EMPTY).any(axis=1)
    for b in range(PERMUTATIONS):
        todo = np.flatnonzero((bins[:, b] == _EMPTY) & filled)
        for source in _BORROW[b]:
            if not todo.size:
                break
            taken = bins[todo, source]
            got = taken != _EMPTY
            out[todo[got], b] = taken[got]
            todo = todo[~got]
    return out


def estimated_similarity(a: list[int], b: list[int]) -> float:
    """Share of equal signature positions: two signatures of the same text -> 1.0."""
    return sum(x == y for x, y in zip(a, b)) / max(len(a), 1)


def near_duplicates(documents: pl.DataFrame, settings: pl.DataFrame, chunk: int = 100_000) -> pl.DataFrame:
    """The near-duplicate search of int_documents: (doc_id, duplicate_of, duplicate_similarity) for
    every article that has an earlier near-duplicate.

    documents: doc_id, position (the article's place: file, then index in the file), signature (only
    those of PERMUTATIONS values take part). settings: one row of band_width, bucket_originals and
    similarity (sql/macros.sql). Signatures are cut into bands of band_width values (LSH); an article
    is compared with the first bucket_originals articles (by position) of each band bucket it falls in,
    so a story reposted a thousand times, or boilerplate a whole site shares, does not make the pairs
    grow with the square of the bucket: the original of a group of copies comes first in their
    buckets, so each copy still finds it. A pair is a near-duplicate when at least `similarity` of the
    values agree (an estimated 5-gram Jaccard similarity that high); the later article points at the
    earliest such one, with the highest similarity it has with any.

    Arrays, not SQL: the bucket ranks, the pairs and their comparisons are a few sorts and vector
    comparisons here; in SQL, comparing the band lists of 3.1 million pairs at 100,000 articles took
    most of the model's 6.5 s. Pairs are compared `chunk` at a time, so memory stays bounded.
    """
    width, originals, similarity = settings.row(0)
    if not 1 <= width <= 4:
        raise ValueError(f"signature_band_width() is {width}: a band holds 1 to 4 values (two 64-bit keys)")
    docs = documents.filter(pl.col("signature").list.len() == PERMUTATIONS).sort("position")
    empty = pl.DataFrame(schema={"doc_id": pl.String, "duplicate_of": pl.String, "duplicate_similarity": pl.Float64})
    if docs.height < 2:
        return empty
    values = docs["signature"].list.to_array(PERMUTATIONS).to_numpy()
    bands = PERMUTATIONS // width
    # A band's values as two 64-bit keys (two 32-bit values each, or one and zeros): equal keys, equal band.
    slots = [values[:, min(k, width - 1) : bands * width : width].astype(np.uint64) for k in range(4)]
    slots[width:] = [np.zeros_like(slots[0])] * (4 - width)
    high, low = slots[0] << 32 | slots[1], slots[2] << 32 | slots[3]
    later, earlier, bucket = _bucket_pairs(high, low, originals)
    if len(later) == 0:
        return empty
    # The fewest equal bands a near-duplicate pair keeps: each differing value breaks at most one band.
    needed = bands - (PERMUTATIONS - math.ceil(round(similarity * PERMUTATIONS, 6)))
    found_later, found_earlier, found_share = [], [], []
    for start in range(0, len(later), chunk):
        a, b = later[start : start + chunk], earlier[start : start + chunk]
        # equal bands counted by bucket number: one int32 per band, not two 64-bit keys (a quarter of the
        # memory read for the 3.1 million pairs of 100,000 generated articles)
        close = (bucket[a] == bucket[b]).sum(axis=1) >= needed
        a, b = a[close], b[close]
        share = (values[a] == values[b]).sum(axis=1) / PERMUTATIONS
        kept = share >= similarity
        found_later.append(a[kept])
        found_earlier.append(b[kept])
        found_share.append(share[kept])
    pairs = pl.DataFrame(
        {"later": np.concatenate(found_later), "earlier": np.concatenate(found_earlier)},
        schema={"later": pl.Int64, "earlier": pl.Int64},
    ).with_columns(share=pl.Series(np.concatenate(found_share), dtype=pl.Float64))
    if pairs.is_empty():
        return empty
    ids = docs["doc_id"]
    firsts = pairs.group_by("later").agg(pl.col("earlier").min(), pl.col("share").max())
    return pl.DataFrame(
        {
            "doc_id": ids.gather(firsts["later"]),
            "duplicate_of": ids.gather(firsts["earlier"]),
            "duplicate_similarity": firsts["share"],
        }
    )


def _bucket_pairs(high: np.ndarray, low: np.ndarray, originals: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Distinct (later, earlier) row pairs, later > earlier, where earlier is among the first
    `originals` rows of a band bucket that later is in too (rows are in position order); and each
    row's bucket in each band, as a number (rows x bands, int32) equal for rows with equal keys."""
    rows, bands = high.shape
    keys = []
    bucket = np.empty((rows, bands), dtype=np.int32)
    for band in range(bands):
        order = np.lexsort((low[:, band], high[:, band]))  # stable: rows in order within a bucket
        h, lo = high[order, band], low[order, band]
        new = np.ones(rows, dtype=bool)
        new[1:] = (h[1:] != h[:-1]) | (lo[1:] != lo[:-1])
        start = np.maximum.accumulate(np.where(new, np.arange(rows), 0))
        bucket[order, band] = start
        rank = np.arange(rows) - start
        for k in range(originals):
            member = rank > k
            keys.append(order[member].astype(np.int64) * rows + order[start[member] + k])
    ordered = np.sort(np.concatenate(keys)) if keys else np.empty(0, dtype=np.int64)
    distinct = ordered[np.concatenate(([True], ordered[1:] != ordered[:-1]))] if len(ordered) else ordered
    return distinct // rows, distinct % rows, bucket
