"""What every kind of change in a plan shares: a field's change, a node's depth in a tree."""

from __future__ import annotations

import json
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
        detail = explain(before.model_dump(mode="json"), after.model_dump(mode="json"))
    return FieldChange(field=name, before=before, after=after, detail=detail)


def explain(before: Any, after: Any) -> tuple[str, ...]:
    """What changed inside a value, in the project's own words, built from deepdiff's
    structured result (never its `pretty()` text, which changes between its versions): one
    line per difference, sorted, e.g. `all[0].in[1]: "WA" → "OR"`, `any[2]: removed {...}`,
    so the plan's bytes are the same wherever it is made."""
    lines = []
    for kind, levels in DeepDiff(before, after).tree.items():
        for level in levels:
            where = _path(level.path(output_format="list"))
            if kind.endswith("_added"):
                lines.append(f"{where}: added {_value(level.t2)}")
            elif kind.endswith("_removed"):
                lines.append(f"{where}: removed {_value(level.t1)}")
            else:  # values_changed, type_changes, ...
                lines.append(f"{where}: {_value(level.t1)} → {_value(level.t2)}")
    return tuple(sorted(lines))


def _path(keys: list[Any]) -> str:
    text = "".join(f"[{k}]" if isinstance(k, int) else f".{k}" for k in keys)
    return text.lstrip(".") or "(the whole value)"


def _value(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(", ", ": "))


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
