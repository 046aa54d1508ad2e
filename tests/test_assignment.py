"""Zoho's assignment algorithm, as the planner evaluates it: comparators and the tree walk."""

from __future__ import annotations

from typing import Any

import pytest

from reconciler.model import Group
from reconciler.plan.assignment import Rules, land, matches
from tests.states import cond, want


@pytest.mark.parametrize(
    ("condition", "value", "expected"),
    [
        (cond("F", equal="usa"), "USA", True),
        (cond("F", in_=["USA", "Canada"]), "canada", True),
        (cond("F", not_equal="USA"), "Japan", True),
        (cond("F", not_equal="USA"), None, True),
        (cond("F", not_in=["USA"]), "USA", False),
        (cond("F", equal="100"), 100.0, True),
        (cond("F", greater_than=200), "300", True),
        (cond("F", greater_than=200), 20, False),
        (cond("F", less_than=200), 20, True),
        (cond("F", less_equal=200), 200, True),
        (cond("F", greater_equal="2025-01-01"), "2025-06-30", True),
        (cond("F", between=[10, 20]), 15, True),
        (cond("F", not_between=[10, 20]), 25, True),
        (cond("F", starts_with="Ac"), "Acme", True),
        (cond("F", ends_with="me"), "Acme", True),
        (cond("F", contains="cm"), "Acme", True),
        (cond("F", not_contains="x"), "Acme", True),
        (cond("F", like="%cm%"), "Acme", True),
        (cond("F", not_like="cm"), "Acme", False),
        (cond("F", equal="${EMPTY}"), "", True),
        (cond("F", equal="${NOTEMPTY}"), "x", True),
        (cond("F", not_equal="${EMPTY}"), None, False),
        (cond("F", equal="USA"), None, False),
        (cond("F", equal="true"), True, True),
        (cond("F", equal="Acme"), {"id": "7", "name": "Acme"}, True),
        (cond("F", equal="7"), {"id": "7", "name": "Acme"}, True),
        (cond("F", include_all=["a", "b"]), ["A", "B", "C"], True),
        (cond("F", include_any=["z", "b"]), ["A", "B"], True),
        (cond("F", exclude_all=["a", "b"]), ["A"], True),
        (cond("F", exclude_any=["a"]), ["A"], False),
    ],
)
def test_a_condition_tests_a_value_as_zoho_does(condition: Any, value: Any, expected: bool) -> None:
    assert matches(condition, {"F": value}) is expected


def test_groups_and_missing_rules() -> None:
    both = Group(operator="and", criteria=(cond("A", equal="1"), cond("B", equal="2")))
    either = Group(operator="or", criteria=(cond("A", equal="1"), cond("B", equal="2")))
    assert matches(both, {"A": "1", "B": "2"}) and not matches(both, {"A": "1"})
    assert matches(either, {"B": "2"})
    assert not matches(None, {"A": "1"})


USA = cond("Country", equal="USA")
TREE = Rules.of(
    [
        want("Org"),
        want("Americas", "Org", account_rule=cond("Country", in_=["USA", "Mexico"])),
        want("North", "Americas", account_rule=USA),
        want("Big", "Org", account_rule=cond("Staff", greater_than=100)),
        want("Huge", "Big", account_rule=USA),  # only reached through Big
        want("Ruleless", "Org"),
        want("Deals only", "Org", deal_rule=cond("Amount", greater_than=10)),
    ]
)


@pytest.mark.parametrize(
    ("record", "landed"),
    [
        ({"Country": "USA", "Staff": 5}, ["north"]),
        ({"Country": "USA", "Staff": 500}, ["north", "huge"]),
        ({"Country": "Mexico", "Staff": 500}, ["americas", "big"]),
        ({"Country": "Japan"}, []),
    ],
)
def test_the_walk_keeps_the_deepest_match_of_every_branch(
    record: dict[str, Any], landed: list[str]
) -> None:
    assert TREE.walk("Accounts", record) == landed


def test_deal_rules_filter_and_the_cap_keeps_manual_assignments_first() -> None:
    assert TREE.deal_allows("north", {"Amount": 1})
    assert not TREE.deal_allows("deals only", {"Amount": 1})
    assert land(["a", "b", "c"], ["m"], 3) == (["m", "a", "b"], ["c"])
    assert land(["a"], ["a"], 1) == (["a"], [])
