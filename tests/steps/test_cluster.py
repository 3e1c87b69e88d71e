"""Event clusters from matched pairs: connected components in two phases."""

import numpy as np
import polars as pl
import pytest

from flows.steps.cluster import components, event_groups


def _groups(dated: dict[str, bool], pairs: list[tuple[str, str]]) -> dict[str, str]:
    events = pl.DataFrame({"event_mention_id": list(dated), "is_dated": list(dated.values())})
    frame = pl.DataFrame(pairs or None, schema=["event_mention_id", "other_event_mention_id"], orient="row")
    return dict(event_groups(events, frame).iter_rows())


@pytest.mark.parametrize(
    ("n", "edges", "labels"),
    [
        (4, [(3, 1), (1, 0)], [0, 0, 2, 0]),
        (3, [], [0, 1, 2]),
        # a long chain given far end first still closes into one component
        (6, [(4, 5), (3, 4), (2, 3), (1, 2), (0, 1)], [0] * 6),
        (6, [(5, 3), (4, 2), (2, 0), (3, 1)], [0, 1, 0, 1, 0, 1]),
    ],
)
def test_components_label_every_node_with_the_smallest_of_its_component(n, edges, labels):
    src = np.array([a for a, _ in edges], dtype=np.int64)
    dst = np.array([b for _, b in edges], dtype=np.int64)
    assert components(n, src, dst).tolist() == labels


def test_dated_mentions_close_transitively_and_take_the_smallest_id():
    groups = _groups(
        {"d3/e0": True, "d1/e0": True, "d2/e0": True, "d4/e0": True}, [("d2/e0", "d3/e0"), ("d1/e0", "d3/e0")]
    )
    assert groups == {"d1/e0": "d1/e0", "d2/e0": "d1/e0", "d3/e0": "d1/e0", "d4/e0": "d4/e0"}


def test_an_undated_mention_joins_the_one_dated_group_it_matches_keeping_its_id():
    groups = _groups({"a": False, "b": True, "c": True}, [("a", "b"), ("a", "c"), ("b", "c")])
    assert groups == {"a": "b", "b": "b", "c": "b"}


def test_an_undated_mention_matching_two_dated_groups_joins_neither():
    groups = _groups({"b": True, "c": True, "u": False, "v": False}, [("b", "u"), ("c", "u"), ("u", "v")])
    assert groups == {"b": "b", "c": "c", "u": "u", "v": "u"}


def test_undated_mentions_do_not_chain_through_an_attached_one():
    # u joins b's group; v and w match only u (not a dated group) so they stay together, apart.
    groups = _groups({"b": True, "u": False, "v": False, "w": False}, [("b", "u"), ("u", "v"), ("v", "w")])
    assert groups == {"b": "b", "u": "b", "v": "v", "w": "v"}


def test_pairs_naming_unknown_mentions_are_ignored():
    assert _groups({"a": True}, [("a", "zz")]) == {"a": "a"}
