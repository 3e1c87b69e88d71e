"""Rule tables: a decision as an ordered list of rules, each a small predicate with a one-line reason.

The first rule whose predicate holds decides; its reason says why, so a decision can be explained
(and tested) rule by rule instead of by reading a chain of ifs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Generic, NamedTuple, TypeVar

Case = TypeVar("Case")
Outcome = TypeVar("Outcome")


class Rule(NamedTuple, Generic[Case, Outcome]):
    """When `when(case)` holds, the decision is `then(case)`, for `reason`. (A tuple: a table is
    read for every candidate name in a text, and unpacking is cheaper than attribute lookups.)"""

    reason: str
    when: Callable[[Case], bool]
    then: Callable[[Case], Outcome]


def decide(rules: Sequence[Rule[Case, Outcome]], case: Case) -> tuple[Outcome, str]:
    """(outcome, reason) of the first rule that applies to `case`; the last rule of a table
    applies to every case: decide([Rule("short", lambda s: len(s) < 3, lambda s: False),
    Rule("long enough", lambda s: True, lambda s: True)], "兰州") -> (False, "short")."""
    for reason, when, then in rules:
        if when(case):
            return then(case), reason
    raise ValueError("no rule applies: a table must end with a rule for every case")


def always(_case: object) -> bool:
    """The predicate of a table's last rule."""
    return True


def accept(_case: object) -> bool:
    """The outcome of a rule that says yes."""
    return True


def reject(_case: object) -> bool:
    """The outcome of a rule that says no."""
    return False


def nothing(_case: object) -> None:
    """The outcome of a rule that finds no event."""
    return None
