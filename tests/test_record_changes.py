"""A plan's record changes held compactly: a record id and a shared shape each, read back
as changes, written as the plan file's JSON lines, read from them strictly."""

from __future__ import annotations

import json

import pytest

from reconciler.plan.impact import ModuleImpact, RecordImpact
from reconciler.plan.record_changes import Change, RecordChanges, iter_changes

MOVES = [
    Change("1", ("East",), ("West",)),
    Change("2", ("East",), ("West",)),
    Change("3", (), ("Nord",), (), ("Nord",)),
    Change("4", ("Old",), (), ("Old",)),
]


def test_changes_come_back_in_order_with_their_shapes_shared() -> None:
    changes = RecordChanges(MOVES)
    assert list(changes) == MOVES
    assert (len(changes), changes[2]) == (4, MOVES[2])
    # The two records that move the same way share one shape.
    assert changes.shapes() == {
        (("East",), ("West",), (), (), ()): 2,
        ((), ("Nord",), (), ("Nord",), ()): 1,
        (("Old",), (), ("Old",), (), ()): 1,
    }


def test_each_change_is_one_json_line_and_its_canonical_text() -> None:
    for change, (line, canonical) in zip(MOVES, RecordChanges(MOVES).json_items(), strict=True):
        plain = {"id": change.id, **{k: list(v) for k, v in change._asdict().items() if k != "id"}}
        assert line == json.dumps(plain, ensure_ascii=False)
        assert canonical == json.dumps(plain, sort_keys=True, separators=(",", ":"))


def test_names_beyond_ascii_are_written_as_they_are() -> None:
    ((line, canonical),) = RecordChanges([Change("9", ("Zürich",), ("東京",))]).json_items()
    assert "Zürich" in line and "東京" in canonical


def test_json_round_trips_and_bad_entries_are_named() -> None:
    changes = RecordChanges(MOVES)
    assert RecordChanges.of_json(changes.to_json()) == changes
    # remove and add may be left out
    assert list(RecordChanges.of_json([{"id": "5", "before": [], "after": ["X"]}])) == [
        Change("5", (), ("X",))
    ]
    with pytest.raises(ValueError, match="record change 1 is not"):
        RecordChanges.of_json([{"id": "5", "before": [], "after": []}, {"id": "6"}])
    with pytest.raises(ValueError, match="record change 0: the id must be text"):
        RecordChanges.of_json([{"id": 5, "before": [], "after": []}])
    with pytest.raises(ValueError, match="lists of names"):
        RecordChanges.of_json([{"id": "5", "before": "East", "after": []}])
    with pytest.raises(ValueError, match="must be a list"):
        RecordChanges.of_json({"id": "5"})


def test_a_module_takes_changes_as_given_or_from_json() -> None:
    given = ModuleImpact(module="Accounts", changes=tuple(MOVES))
    assert ModuleImpact.model_validate(given.model_dump(mode="json")) == given
    assert given.changes != RecordChanges(MOVES[:1])
    assert given.changes.__eq__(MOVES) is NotImplemented
    assert hash(given.changes) == hash(RecordChanges(MOVES))
    assert "Change(id='1'" in repr(given.changes)


def test_iter_changes_walks_every_module_in_turn() -> None:
    impact = RecordImpact(
        modules=(
            ModuleImpact(module="Accounts", changes=tuple(MOVES[:2])),
            ModuleImpact(module="Leads", changes=tuple(MOVES[2:3])),
        )
    )
    assert [(m, c.id) for m, c in iter_changes(impact)] == [
        ("Accounts", "1"),
        ("Accounts", "2"),
        ("Leads", "3"),
    ]
    assert list(iter_changes(None)) == []
