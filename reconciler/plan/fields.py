"""What every kind of change in a plan shares: a field's change, a node's depth in a tree."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol

from deepdiff import DeepDiff

from reconciler.model import Frozen, name_key


class Node(Protocol):
    """A territory or a role: a key and the name of its parent."""

    @property
    def key(self) -> str: ...
    @property
    def parent(self) -> str | None: ...


class FieldChange(Frozen):
    """One field's old and new value, with a word-level explanation for criteria."""

    field: str
    before: Any
    after: Any
    detail: tuple[str, ...] = ()


def field_change(name: str, before: Any, after: Any) -> FieldChange:
    detail: tuple[str, ...] = ()
    if isinstance(before, Frozen) and isinstance(after, Frozen):
        explained = DeepDiff(before.model_dump(mode="json"), after.model_dump(mode="json"))
        detail = tuple(explained.pretty().splitlines())
    return FieldChange(field=name, before=before, after=after, detail=detail)


def depths(nodes: Iterable[Node]) -> dict[str, int]:
    """Depth of each node by key (root 0); unreachable ones count from their top."""
    parent = {t.key: name_key(t.parent) if t.parent else None for t in nodes}
    found: dict[str, int] = {}
    for key in parent:
        chain = []
        current: str | None = key
        while current is not None and current not in found and current not in chain:
            chain.append(current)
            current = parent.get(current)
        base = found.get(current, -1) if current is not None else -1
        for offset, item in enumerate(reversed(chain), start=1):
            found[item] = base + offset
    return found
