"""Territory steps: creates parent-first, updates (renames, field changes and moves, ordered
so that no move forms a cycle), then transfer-and-deletes child-first.

Why moves need an order: Zoho refuses to hang a territory under one of its own descendants.
A move waits for the moves of the territories above its new place (see
`move_dependencies`); most moves wait for nothing and share the first level.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar, cast

from reconciler.limits import chunks
from reconciler.model import TERRITORY_FIELDS, OrgState, Territory, name_key
from reconciler.plan.diff import Changes, TerritoryChange
from reconciler.plan.steps import (
    Action,
    CreateTerritories,
    DeleteTerritories,
    Limits,
    NewTerritory,
    Ref,
    Step,
    StepBase,
    TerritoryRemoval,
    TerritoryUpdate,
    UpdateTerritories,
)

S = TypeVar("S", bound=StepBase)
T = TypeVar("T")


class Builder:
    """Collects steps, numbering them; `finish()` assigns levels from the dependencies."""

    def __init__(self) -> None:
        self._steps: list[StepBase] = []

    def add(self, cls: type[S], after: Iterable[int] = (), **fields: Any) -> S:
        step = cls(id=len(self._steps) + 1, after=tuple(sorted(set(after))), **fields)
        self._steps.append(step)
        return step

    def ids(self) -> list[int]:
        """Every step added so far."""
        return [s.id for s in self._steps]

    def finish(self) -> tuple[Step, ...]:
        levels: dict[int, int] = {}
        by_id = {s.id: s for s in self._steps}
        for step in self._steps:
            _level(step.id, by_id, levels)
        leveled = [s.model_copy(update={"level": levels[s.id]}) for s in self._steps]
        ordered = sorted(leveled, key=lambda s: (s.level, s.id))
        return tuple(cast(Step, s) for s in ordered)


def _level(step_id: int, by_id: dict[int, StepBase], levels: dict[int, int]) -> int:
    if step_id not in levels:
        deps = by_id[step_id].after
        levels[step_id] = 1 + max((_level(d, by_id, levels) for d in deps), default=0)
    return levels[step_id]


def territory_steps(
    builder: Builder, changes: Changes, live: OrgState, limits: Limits
) -> dict[str, Ref]:
    """Add the territory steps; return how later steps refer to each desired territory."""
    refs = {t.key: Ref(name=t.name, id=t.id) for t in live.territories or ()}
    by_live = dict(refs)
    for change in changes.territories:
        if change.action == "update" and change.live is not None:
            refs.pop(change.live.key, None)
            refs[change.key] = Ref(name=change.name, id=change.live.id)
    creating = [c for c in changes.territories if c.action == "create"]
    deleting = [c for c in changes.territories if c.action == "delete"]
    total = len(live.territories or ()) + len(creating)
    deletes_first = total > limits.territories_per_org
    delete_ids = _deletes(builder, deleting, refs, by_live, limits, {}) if deletes_first else []
    _creates(builder, creating, refs, live, limits, after=delete_ids)
    moved_by = _updates(builder, changes, refs, live, limits, after=delete_ids)
    if not deletes_first:
        leaving = _leaving(changes, moved_by)
        _deletes(builder, deleting, refs, by_live, limits, leaving=leaving)
    return refs


def _leaving(changes: Changes, moved_by: dict[str, int]) -> dict[str, list[int]]:
    """For each live territory, the steps that move its children out from under it: a
    delete waits for them so the children land where the YAML says, not on the heir."""
    leaving: dict[str, list[int]] = {}
    for change in changes.territories:
        if change.key in moved_by and change.live and change.live.parent:
            leaving.setdefault(name_key(change.live.parent), []).append(moved_by[change.key])
    return leaving


def _creates(
    builder: Builder,
    creating: list[TerritoryChange],
    refs: dict[str, Ref],
    live: OrgState,
    limits: Limits,
    after: list[int],
) -> list[int]:
    new = {c.key: c for c in creating}
    generation = {key: _generation(key, new) for key in new}
    ids: list[int] = []
    for gen in sorted(set(generation.values())):
        wave = sorted((c for c in creating if generation[c.key] == gen), key=lambda c: c.key)
        for batch in chunks(wave, limits.territories_per_call):
            parents = [refs[name_key(c.parent or "")] for c in batch]
            waits = [p.created_by for p in parents if p.created_by is not None]
            items = tuple(_new(c, p, live) for c, p in zip(batch, parents, strict=True))
            step = builder.add(
                CreateTerritories,
                after=[*after, *waits],
                action=Action.create_territories,
                items=items,
            )
            for change in batch:
                refs[change.key] = Ref(name=change.name, created_by=step.id)
            ids.append(step.id)
    return ids


def _generation(key: str, new: dict[str, TerritoryChange]) -> int:
    depth = 0
    parent = new[key].parent
    while parent is not None and name_key(parent) in new:
        depth += 1
        parent = new[name_key(parent)].parent
    return depth


def _new(change: TerritoryChange, parent: Ref, live: OrgState) -> NewTerritory:
    desired = change.desired
    assert desired is not None
    fields = _fields(desired, desired.managed_fields(), live)
    return NewTerritory(name=change.name, parent=parent, **fields)


def _fields(desired: Territory, names: Iterable[str], live: OrgState) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name in TERRITORY_FIELDS:
        if name not in names:
            continue
        value = getattr(desired, name)
        if name == "manager" and value is not None:
            user = live.directory.user_by_email(value)
            value = Ref(name=value, id=user.id if user else None)
        values[name] = value
    return values


def _updates(
    builder: Builder,
    changes: Changes,
    refs: dict[str, Ref],
    live: OrgState,
    limits: Limits,
    after: list[int],
) -> dict[str, int]:
    """Add the update steps; return which step moves each moved territory."""
    updates = [c for c in changes.territories if c.action == "update"]
    waits_on = move_dependencies(changes, live)
    generation: dict[str, int] = {}
    for change in sorted(updates, key=lambda c: (c.depth, c.key)):
        earlier = [generation[k] for k in waits_on.get(change.key, ())]
        generation[change.key] = 1 + max(earlier, default=-1)
    moved_by: dict[str, int] = {}
    for gen in sorted(set(generation.values())):
        wave = sorted(
            (c for c in updates if generation[c.key] == gen), key=lambda c: (c.depth, c.key)
        )
        for batch in chunks(wave, limits.territories_per_call):
            items = tuple(_update(c, refs, live) for c in batch)
            waits = [
                i.parent.created_by for i in items if i.parent and i.parent.created_by is not None
            ]
            waits += [moved_by[k] for c in batch for k in waits_on.get(c.key, ())]
            step = builder.add(
                UpdateTerritories,
                after=[*after, *waits],
                action=Action.update_territories,
                items=items,
            )
            moved_by.update({c.key: step.id for c in batch if c.moved_from is not None})
    return moved_by


def _update(change: TerritoryChange, refs: dict[str, Ref], live: OrgState) -> TerritoryUpdate:
    assert change.desired is not None and change.live is not None
    values = _fields(change.desired, {f.field for f in change.fields}, live)
    if change.renamed_from is not None:
        values["name"] = change.name
    if change.moved_from is not None:
        values["parent"] = refs[name_key(change.parent or "")]
    return TerritoryUpdate(territory=Ref(name=change.live.name, id=change.live.id), **values)


def move_dependencies(changes: Changes, live: OrgState) -> dict[str, list[str]]:
    """For each moved territory, the moved territories on its new parent's final chain of
    ancestors: they move first. Then every move lands under a chain that is already final,
    and a final chain cannot contain the territory being moved, so no move makes a cycle
    however the calls of one level interleave. The chain runs through territories the plan
    leaves alone too, so it starts from the live tree (under the names the plan gives)."""
    parent = _final_parents(changes, live)
    moved = {c.key for c in changes.territories if c.moved_from is not None}
    waits: dict[str, list[str]] = {}
    for key in sorted(moved):
        chain, current = [], parent.get(key)
        while current is not None and current not in chain:
            if current in moved:
                chain.append(current)
            current = parent.get(current)
        if chain:
            waits[key] = chain
    return waits


def _final_parents(changes: Changes, live: OrgState) -> dict[str, str | None]:
    """Each territory's parent once the plan is done, by key: the live tree, renamed and
    moved as the changes say."""
    renamed = {c.live.key: c.key for c in changes.territories if c.live is not None}
    parent: dict[str, str | None] = {}
    for t in live.territories or ():
        above = name_key(t.parent) if t.parent else None
        parent[renamed.get(t.key, t.key)] = renamed.get(above, above) if above else None
    parent.update({c.key: name_key(c.parent) if c.parent else None for c in changes.territories})
    return parent


def _deletes(
    builder: Builder,
    deleting: list[TerritoryChange],
    refs: dict[str, Ref],
    by_live: dict[str, Ref],
    limits: Limits,
    leaving: dict[str, list[int]],
) -> list[int]:
    """Transfer-and-delete, children before parents; each waits only for what it must."""
    gone = {c.key: c for c in deleting}
    height = {key: _height(key, gone) for key in gone}
    deleted_by: dict[str, int] = {}
    for level in sorted(set(height.values())):
        wave = sorted((c for c in deleting if height[c.key] == level), key=lambda c: c.key)
        for batch in chunks(wave, limits.deletes_per_call):
            items = tuple(
                TerritoryRemoval(
                    territory=by_live[c.key], transfer_to=refs[name_key(c.transfer_to or "")]
                )
                for c in batch
            )
            keys = {c.key for c in batch}
            waits = [w for c in batch for w in leaving.get(c.key, [])]
            waits += [i for k, i in deleted_by.items() if name_key(gone[k].parent or "") in keys]
            step = builder.add(
                DeleteTerritories, after=waits, action=Action.delete_territories, items=items
            )
            deleted_by.update({c.key: step.id for c in batch})
    return sorted(set(deleted_by.values()))


def _height(key: str, gone: dict[str, TerritoryChange]) -> int:
    """0 for a deleted territory with no deleted children, else one more than its
    tallest deleted child: children are removed before their parents."""
    children = [c for c in gone.values() if name_key(c.parent or "") == key]
    return 1 + max((_height(c.key, gone) for c in children), default=-1)
