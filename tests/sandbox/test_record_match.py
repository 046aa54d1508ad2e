"""How the sandbox's assignment engine tests a record against rule criteria."""

from __future__ import annotations

from typing import Any

import pytest

from reconciler.sandbox.record_match import meets


def simple(comparator: str, value: Any) -> dict[str, Any]:
    return {"field": {"api_name": "F"}, "comparator": comparator, "value": value}


@pytest.mark.parametrize(
    ("comparator", "wanted", "value", "expected"),
    [
        ("equal", "usa", "USA", True),
        ("not_equal", "USA", "Japan", True),
        ("not_in", ["USA"], "USA", False),
        ("starts_with", "Ac", "Acme", True),
        ("ends_with", "me", "Acme", True),
        ("contains", "cm", "Acme", True),
        ("like", "%cm%", "Acme", True),
        ("not_contains", "x", "Acme", True),
        ("not_like", "cm", "Acme", False),
        ("less_than", "10", 5, True),
        ("less_equal", "10", 10, True),
        ("greater_equal", "2025-01-01", "2025-06-30", True),
        ("between", ["10", "20"], 15, True),
        ("not_between", ["10", "20"], 15, False),
        ("include_all", ["a", "b"], ["A", "B"], True),
        ("include_any", ["z"], ["A"], False),
        ("exclude_all", ["a"], ["B"], True),
        ("exclude_any", ["a"], ["A"], False),
        ("equal", "${EMPTY}", "", True),
        ("not_equal", "${NOTEMPTY}", None, True),
        ("equal", "Acme", {"id": "7", "name": "Acme"}, True),
        ("equal", "true", True, True),
        ("equal", "USA", None, False),
        ("not_equal", "USA", None, True),
        ("warp", "x", "x", False),
    ],
)
def test_a_condition_against_a_record(
    comparator: str, wanted: Any, value: Any, expected: bool
) -> None:
    assert meets(simple(comparator, wanted), {"F": value}) is expected


def test_groups_and_no_criteria() -> None:
    both = {"group_operator": "AND", "group": [simple("equal", "1"), simple("equal", "1")]}
    either = {"group_operator": "or", "group": [simple("equal", "2"), simple("equal", "1")]}
    assert meets(both, {"F": "1"}) and meets(either, {"F": "1"})
    assert not meets(None, {"F": "1"})
