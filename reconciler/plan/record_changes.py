"""The records whose territories a plan changes, held compactly (pure).

A reorg of a large org changes tens of thousands of records, but in a few ways only: most
records that move go from the same territories to the same others. So each change is kept
as its record id and the index of its *shape* (before, after, remove, add, manual) in a table of
the distinct shapes, not as an object of its own: a few bytes a record instead of a few
hundred, and the plan file is written from this one record a line (plan/file.py).

`iter_changes(impact)` is how other parts (apply's realignment, snapshots) read a plan's
record changes; a `Change` is made only while it is looked at."""

from __future__ import annotations

import json
from array import array
from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, NamedTuple

from pydantic_core import core_schema

if TYPE_CHECKING:
    from pydantic import GetCoreSchemaHandler

    from reconciler.plan.impact import RecordImpact

Names = tuple[str, ...]
Shape = tuple[Names, Names, Names, Names, Names]  # before, after, remove, add, manual
KEYS = ("id", "before", "after", "remove", "add", "manual")


class Change(NamedTuple):
    """One record whose territories change."""

    id: str
    before: Names
    after: Names
    remove: Names = ()  # earlier realignments to undo (`realign: full`)
    add: Names = ()  # what `realign: assign` assigns
    manual: Names = ()  # those of `before` held by hand (a snapshot keeps them)

    @property
    def shape(self) -> Shape:
        return (self.before, self.after, self.remove, self.add, self.manual)


class RecordChanges:
    """The changes of one module, in the order they were found."""

    __slots__ = ("_ids", "_index", "_shapes", "_which")

    def __init__(self, changes: Iterable[Change] = ()) -> None:
        self._ids: list[str] = []
        self._which = array("I")
        self._shapes: list[Shape] = []
        self._index: dict[Shape, int] = {}
        for change in changes:
            self.add(change.id, change.shape)

    def add(self, record: str, shape: Shape) -> None:
        which = self._index.get(shape)
        if which is None:
            which = self._index[shape] = len(self._shapes)
            self._shapes.append(shape)
        self._ids.append(record)
        self._which.append(which)

    def __len__(self) -> int:
        return len(self._ids)

    def __getitem__(self, i: int) -> Change:
        return Change(self._ids[i], *self._shapes[self._which[i]])

    def __iter__(self) -> Iterator[Change]:
        shapes = self._shapes
        for record, which in zip(self._ids, self._which, strict=True):
            yield Change(record, *shapes[which])

    def shapes(self) -> dict[Shape, int]:
        """Each distinct shape and how many records have it."""
        counts = [0] * len(self._shapes)
        for which in self._which:
            counts[which] += 1
        return dict(zip(self._shapes, counts, strict=True))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, RecordChanges):
            return NotImplemented
        return list(self) == list(other)

    def __hash__(self) -> int:
        return hash(tuple(self))

    def __repr__(self) -> str:
        return f"RecordChanges({list(self)!r})"

    def json_items(self) -> Iterator[tuple[str, str]]:
        """Each change as JSON text: (as the plan file shows it, on one line; canonical,
        keys sorted and no spaces, for the checksum). The text of a shape is made once."""
        texts = [_shape_texts(shape) for shape in self._shapes]
        for record, which in zip(self._ids, self._which, strict=True):
            ident = json.dumps(record, ensure_ascii=False)
            pretty, head, tail = texts[which]
            yield '{"id": ' + ident + pretty, head + ident + tail

    @classmethod
    def of_json(cls, items: Any) -> RecordChanges:
        """From the plan file's list of `{"id", "before", "after", "remove", "add", "manual"}`;
        ValueError naming the first entry that is not one."""
        if not isinstance(items, list):
            raise ValueError("record changes must be a list")
        found = cls()
        for n, item in enumerate(items):
            found.add(*_parsed(n, item))
        return found

    def to_json(self) -> list[dict[str, Any]]:
        return [dict(zip(KEYS, (c.id, *(list(v) for v in c.shape)), strict=True)) for c in self]

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: type[Any], handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_plain_validator_function(
            _validate,
            serialization=core_schema.plain_serializer_function_ser_schema(RecordChanges.to_json),
        )


def _validate(value: Any) -> RecordChanges:
    if isinstance(value, RecordChanges):
        return value
    if isinstance(value, tuple):
        return RecordChanges(value)
    return RecordChanges.of_json(value)


def _parsed(n: int, item: Any) -> tuple[str, Shape]:
    if not isinstance(item, Mapping) or not {"id", "before", "after"} <= item.keys() <= {*KEYS}:
        raise ValueError(f"record change {n} is not {{id, before, after, remove, add, manual}}")
    record = item["id"]
    lists = [item.get(k, []) for k in KEYS[1:]]
    if not isinstance(record, str) or not all(_names(v) for v in lists):
        raise ValueError(f"record change {n}: the id must be text and the rest lists of names")
    before, after, remove, add, manual = (tuple(v) for v in lists)
    return record, (before, after, remove, add, manual)


def _names(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def _shape_texts(shape: Shape) -> tuple[str, str, str]:
    """A shape's part of a change's JSON: after the id on the file's line; and the canonical
    text before the id (`add`, `after`, `before` sort first) and after it (`manual`,
    `remove`)."""
    before, after, remove, add, manual = (list(names) for names in shape)

    def text(names: list[str], separators: tuple[str, str]) -> str:
        return json.dumps(names, ensure_ascii=False, separators=separators)

    spaced, tight = (", ", ": "), (",", ":")
    pretty = "".join(
        f', "{key}": {text(names, spaced)}'
        for key, names in zip(KEYS[1:], (before, after, remove, add, manual), strict=True)
    )
    head = (
        f'{{"add":{text(add, tight)},"after":{text(after, tight)},'
        f'"before":{text(before, tight)},"id":'
    )
    tail = f',"manual":{text(manual, tight)},"remove":{text(remove, tight)}}}'
    return pretty + "}", head, tail


def iter_changes(impact: RecordImpact | None) -> Iterator[tuple[str, Change]]:
    """Every record change of a plan's record impact, as (module, change), module by
    module; nothing when the plan did not read records."""
    for module in impact.modules if impact is not None else ():
        for change in module.changes:
            yield module.module, change
