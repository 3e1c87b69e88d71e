"""Cross-document event clusters: matched pairs of event mentions closed into events.

The pairs come from SQL (int_event_pairs: blocked candidates that pass the match rules); this
step takes their connected components with union-find by array (hook and shortcut) instead of
recursive SQL, in two phases so an undated mention cannot chain two dated events that differ.
"""

from __future__ import annotations

import numpy as np
import polars as pl


def components(n: int, src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """Label of each of n nodes: the smallest node in its connected component.

    components(4, np.array([3, 1]), np.array([1, 0])) -> [0, 0, 2, 0]
    """
    label = np.arange(n)
    while True:
        low = np.minimum(label[src], label[dst])
        hooked = label.copy()
        # Hook both ends and the nodes they point at, so whole trees merge in one round.
        for ends in (src, dst, label[src], label[dst]):
            np.minimum.at(hooked, ends, low)
        while True:  # shortcut: point every node at its root
            jumped = hooked[hooked]
            if np.array_equal(jumped, hooked):
                break
            hooked = jumped
        if np.array_equal(hooked, label):
            return label
        label = hooked


def event_groups(events: pl.DataFrame, pairs: pl.DataFrame) -> pl.DataFrame:
    """Each event mention's group, named by the group's smallest dated member (else smallest member).

    Dated mentions are grouped first; an undated mention joins the one dated group it matches,
    only when exactly one; undated mentions left over are grouped among themselves.
    events (event_mention_id, is_dated) a True, b True, u False, v False; pairs (event_mention_id,
    other_event_mention_id) a-b, b-u -> a: a, b: a, u: a, v: v (event_mention_id, group_mention_id).
    """
    nodes = events.select("event_mention_id", "is_dated").unique("event_mention_id", keep="first")
    nodes = nodes.sort("event_mention_id")
    ids = nodes["event_mention_id"]
    index = nodes.select("event_mention_id", i=pl.int_range(pl.len(), dtype=pl.Int64))
    edges = (
        pairs.select("event_mention_id", "other_event_mention_id")
        .join(index, on="event_mention_id")
        .join(index.select(other_event_mention_id="event_mention_id", j="i"), on="other_event_mention_id")
    )
    i, j = edges["i"].to_numpy(), edges["j"].to_numpy()
    dated = nodes["is_dated"].fill_null(False).to_numpy()

    both_dated = dated[i] & dated[j]
    label = components(len(ids), i[both_dated], j[both_dated])

    one_dated = dated[i] != dated[j]
    undated = np.where(dated[i], j, i)[one_dated]
    dated_group = label[np.where(dated[i], i, j)[one_dated]]
    attached = (
        pl.DataFrame({"node": undated, "group": dated_group})
        .group_by("node")
        .agg(pl.col("group").first(), groups=pl.col("group").n_unique())
        .filter(pl.col("groups") == 1)
    )
    label[attached["node"].to_numpy()] = attached["group"].to_numpy()

    loose = ~dated
    loose[attached["node"].to_numpy()] = False
    both_loose = loose[i] & loose[j]
    label = np.where(loose, components(len(ids), i[both_loose], j[both_loose]), label)
    return pl.DataFrame({"event_mention_id": ids, "group_mention_id": ids.gather(label)})
