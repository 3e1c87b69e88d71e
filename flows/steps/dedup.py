"""MinHash signatures of articles, and the near-duplicate search over them (int_documents).

An article's shingles are its character 5-grams after dropping white space and
punctuation; its signature is the minimum of 64 seeded hashes over those shingles (the
lower 32 bits). The share of equal positions in two signatures estimates the Jaccard
similarity of their shingle sets; int_documents calls two articles near-duplicates at
an estimate >= 0.8.
"""

from __future__ import annotations

import math

import numpy as np
import polars as pl

SHINGLE = 5
PERMUTATIONS = 64
_NOISE = r"[\s\p{P}\p{S}]"


def signatures(documents: pl.DataFrame) -> pl.DataFrame:
    """doc_id -> signature (list of 64 UInt32); identical texts get identical signatures."""
    # Grouped by the article's row number, not its doc_id: a string key costs a third of the time.
    dense = documents.select(
        _row=pl.int_range(pl.len(), dtype=pl.UInt32), dense=pl.col("text").str.replace_all(_NOISE, "")
    )
    length = pl.col("dense").str.len_chars()
    # Each shingle is five consecutive characters of the article, one row each, joined with the next four:
    # linear in the article's length. Slicing the text at each position read it again up to there (UTF-8
    # has no index by character): 4.9 s for a 1 MB article, 0.07 s this way; the same values.
    characters = (
        dense.filter(length >= SHINGLE)
        .select("_row", last=length - SHINGLE, character=pl.col("dense").str.split(""))
        .explode("character")
    )
    shingles = (
        characters.select(
            "_row",
            shingle=pl.concat_str([pl.col("character").shift(-k) for k in range(SHINGLE)]),
            first=pl.int_range(pl.len(), dtype=pl.Int64).over("_row") <= pl.col("last"),
        )
        .filter("first")
        .drop("first")
    )
    shorter = dense.filter(length < SHINGLE).select("_row", shingle="dense")  # the whole text is its one shingle
    minima = (
        pl.concat([shingles, shorter])
        .group_by("_row")
        .agg([(pl.col("shingle").hash(seed=seed) & 0xFFFFFFFF).min().alias(f"h{seed}") for seed in range(PERMUTATIONS)])
    )
    signed = minima.select(
        "_row", signature=pl.concat_list([f"h{seed}" for seed in range(PERMUTATIONS)]).cast(pl.List(pl.UInt32))
    )
    rows = documents.select("doc_id").with_row_index("_row")
    return rows.join(signed, on="_row", how="left").drop("_row")


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
