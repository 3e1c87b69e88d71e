"""The near-duplicate search (dedup.near_duplicates, the step of intermediate.int_documents)."""

import math
import random

import polars as pl
import pytest

from flows.steps.dedup import PERMUTATIONS, near_duplicates

SETTINGS = pl.DataFrame({"band_width": [4], "bucket_originals": [8], "similarity": [0.8]})


def _documents(signatures):
    return pl.DataFrame(
        {
            "doc_id": [f"d{i:03}" for i in range(len(signatures))],
            "position": list(range(1, len(signatures) + 1)),
            "signature": signatures,
        },
        schema={"doc_id": pl.String, "position": pl.Int64, "signature": pl.List(pl.UInt32)},
    )


def _found(documents, settings=SETTINGS):
    rows = near_duplicates(documents, settings).sort("doc_id").iter_rows()
    return {doc: (original, share) for doc, original, share in rows}


def _brute_force(signatures, width=4, similarity=0.8):
    """Every earlier article compared with every later one: the earliest near-duplicate among those
    sharing a band, with the highest share among all the near-duplicates found (no bucket cap)."""
    bands = PERMUTATIONS // width
    needed = bands - (PERMUTATIONS - math.ceil(round(similarity * PERMUTATIONS, 6)))
    found = {}
    for i, later in enumerate(signatures):
        hits = []
        for j, earlier in enumerate(signatures[:i]):
            same = [later[b * width : (b + 1) * width] == earlier[b * width : (b + 1) * width] for b in range(bands)]
            share = sum(x == y for x, y in zip(later, earlier)) / PERMUTATIONS
            if sum(same) >= needed and share >= similarity:
                hits.append((j, share))
        if hits:
            found[f"d{i:03}"] = (f"d{hits[0][0]:03}", max(share for _, share in hits))
    return found


@pytest.mark.parametrize("width", [4, 3, 1])
def test_the_search_finds_what_comparing_every_pair_finds_when_no_bucket_is_crowded(width):
    rng = random.Random(11)
    stories = [[rng.randrange(2**32) for _ in range(PERMUTATIONS)] for _ in range(6)]
    signatures = []
    for _ in range(40):  # copies of six stories, each with 0 to 16 values changed, and some unrelated texts
        story = list(rng.choice(stories))
        for position in rng.sample(range(PERMUTATIONS), rng.randrange(17)):
            story[position] = rng.randrange(2**32)
        signatures.append(story if rng.random() < 0.8 else [rng.randrange(2**32) for _ in range(PERMUTATIONS)])
    settings = SETTINGS.with_columns(bucket_originals=pl.lit(1000), band_width=pl.lit(width))
    expected = _brute_force(signatures, width)
    assert len(expected) >= 8 and any(share < 1 for _, share in expected.values())
    assert _found(_documents(signatures), settings) == expected


def test_copies_of_one_story_in_crowded_buckets_all_point_at_the_first():
    story = list(range(PERMUTATIONS))
    copies = [story] * 30  # each band bucket holds 30 articles; only the first 8 are compared with
    assert _found(_documents(copies)) == {f"d{i:03}": ("d000", 1.0) for i in range(1, 30)}


def test_only_the_first_articles_of_a_crowded_bucket_are_compared_with():
    # Eleven articles share bands 0-3 (values 0-15) and differ elsewhere, but for the last two: they
    # also agree on 36 of the other 48 values, one value differing in each of bands 4-15 (52 of 64
    # equal, 0.8125). They share no band but the crowded ones, where the tenth article is past the first 8.
    rng = random.Random(3)
    signatures = [[*range(16), *(rng.randrange(2**32) for _ in range(PERMUTATIONS - 16))] for _ in range(10)]
    signatures.append([v + 1 if i >= 16 and i % 4 == 0 else v for i, v in enumerate(signatures[9])])
    assert _found(_documents(signatures)) == {}
    uncapped = SETTINGS.with_columns(bucket_originals=pl.lit(1000))
    assert _found(_documents(signatures), uncapped) == {"d010": ("d009", 0.8125)}


def test_articles_without_a_full_signature_take_no_part_and_a_wide_band_is_refused():
    story = list(range(PERMUTATIONS))
    assert _found(_documents([story, story[:10], story])) == {"d002": ("d000", 1.0)}
    assert _found(_documents([story, [v + 1 for v in story]])) == {}  # no band in common: no pair at all
    with pytest.raises(ValueError, match="signature_band_width"):
        near_duplicates(_documents([story, story]), SETTINGS.with_columns(band_width=pl.lit(8)))
