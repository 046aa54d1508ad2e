"""Which changes of a plan the configuration edit under review makes, and which are drift.

`plan --base REF` also loads the configuration as it was at REF. A change is **drift** when
REF's configuration already asked for exactly what the change brings about, for the object
and the fields it touches: the org moved away from a state that was reviewed and applied
(someone edited the CRM by hand). Otherwise it is **from this change**, including when both
the edit and the org changed the same thing: the edit under review decides.

Origin is judged per field: a territory the edit renames while its manager, changed by hand
in the CRM, is put back, is two changes, the rename from this change and the manager drift.
A territory is found in REF's configuration under its name or, for a rename, its old name.

Roles, groups and users' roles are labelled by origin_access.py, by the same rule.

Pure: (changes, the desired state at REF) -> the same changes, labelled. A membership
change may split in two, the users the edit adds or removes and those it only restores.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, TypeVar

from reconciler.model import (
    TERRITORY_FIELDS,
    OrgState,
    SharingRule,
    Territory,
    name_key,
)
from reconciler.plan import origin_access
from reconciler.plan.diff import (
    Changes,
    DefaultChange,
    MemberChange,
    Origin,
    RuleChange,
    TerritoryChange,
)

ORIGINS: tuple[Origin, ...] = ("change", "drift")
C = TypeVar("C", TerritoryChange, DefaultChange, RuleChange)


def label(changes: Changes, base: OrgState) -> Changes:
    """`changes` with every change's `origin` set, judged against `base` (REF's desired
    state). Order is kept; a split membership change lists its edit part first."""
    return Changes(
        territories=tuple(t for c in changes.territories for t in _territories(c, base)),
        members=tuple(m for change in changes.members for m in _members(change, base)),
        defaults=tuple(_labelled(d, _default_drift(d, base)) for d in changes.defaults),
        rules=tuple(_labelled(r, _rule_drift(r, base)) for r in changes.rules),
        roles=origin_access.labelled(changes.roles, base),
        groups=origin_access.labelled(changes.groups, base),
        users=origin_access.labelled(changes.users, base),
    )


def labelled(changes: Changes) -> bool:
    """Whether the changes carry origins (the plan was made with a base)."""
    return any(c.origin is not None for c in _all(changes))


def only(changes: Changes, origin: Origin) -> Changes:
    """The changes of one origin."""
    return Changes(
        territories=tuple(c for c in changes.territories if c.origin == origin),
        members=tuple(m for m in changes.members if m.origin == origin),
        defaults=tuple(d for d in changes.defaults if d.origin == origin),
        rules=tuple(r for r in changes.rules if r.origin == origin),
        roles=tuple(r for r in changes.roles if r.origin == origin),
        groups=tuple(g for g in changes.groups if g.origin == origin),
        users=tuple(u for u in changes.users if u.origin == origin),
    )


def _all(changes: Changes) -> Iterator[Any]:
    yield from changes.territories
    yield from changes.members
    yield from changes.defaults
    yield from changes.rules
    yield from changes.roles
    yield from changes.groups
    yield from changes.users


def _labelled(change: C, drift: bool) -> C:
    origin: Origin = "drift" if drift else "change"
    return change.model_copy(update={"origin": origin})


# -- territories ----------------------------------------------------------------------------


def _territories(change: TerritoryChange, base: OrgState) -> Iterator[TerritoryChange]:
    """The change labelled; an update whose parts differ in origin split into the part
    from this change and the drift part (same territory, disjoint fields)."""
    if change.action != "update":
        yield _labelled(change, _territory_drift(change, base))
        return
    was = _was(base, change)
    if was is None or change.desired is None:
        yield _labelled(change, False)
        return
    drift_fields = tuple(f for f in change.fields if _asks(was, f.field, f.after))
    renamed_drift = change.renamed_from is not None and was.name == change.name
    moved_drift = change.moved_from is not None and _parent(was) == _parent(change.desired)
    own = change.model_copy(
        update={
            "fields": tuple(f for f in change.fields if f not in drift_fields),
            "renamed_from": None if renamed_drift else change.renamed_from,
            "moved_from": None if moved_drift else change.moved_from,
        }
    )
    drift = change.model_copy(
        update={
            "fields": drift_fields,
            "renamed_from": change.renamed_from if renamed_drift else None,
            "moved_from": change.moved_from if moved_drift else None,
        }
    )
    for part, is_drift in ((own, False), (drift, True)):
        if part.fields or part.renamed_from is not None or part.moved_from is not None:
            yield _labelled(part, is_drift)


def _territory_drift(change: TerritoryChange, base: OrgState) -> bool:
    if change.action == "delete":
        return _base_omits(change.live, base)
    was = base.territory(change.name)
    if was is None or change.desired is None:
        return False
    return (
        was.name == change.name
        and _parent(was) == _parent(change.desired)
        and (_stated(was) == _stated(change.desired))
    )


def _was(base: OrgState, change: TerritoryChange) -> Territory | None:
    """The territory in REF's configuration: by its name, or by a name it had."""
    olds = [change.renamed_from] if change.renamed_from else []
    olds += list(change.desired.previously) if change.desired is not None else []
    for name in (change.name, *olds):
        found = base.territory(name)
        if found is not None:
            return found
    return None


def _base_omits(live: Territory | None, base: OrgState) -> bool:
    """Whether REF's configuration manages the tree and has no place for `live` in it."""
    if live is None or base.territories is None:
        return False
    names = {t.key for t in base.territories}
    names |= {name_key(old) for t in base.territories for old in t.previously}
    return live.key not in names


def _parent(territory: Territory) -> str | None:
    return name_key(territory.parent) if territory.parent else None


def _stated(territory: Territory) -> dict[str, Any]:
    managed = territory.managed_fields()
    return {name: getattr(territory, name) for name in TERRITORY_FIELDS if name in managed}


def _asks(was: Territory | SharingRule, field: str, value: Any) -> bool:
    return field in was.managed_fields() and getattr(was, field) == value


# -- memberships ----------------------------------------------------------------------------


def _members(change: MemberChange, base: OrgState) -> Iterator[MemberChange]:
    was = base.territory(change.territory)
    listed = set(was.users) if was is not None and was.users is not None else None
    if listed is None:
        yield change.model_copy(update={"origin": "change"})
        return
    parts = {
        "change": (
            tuple(e for e in change.added if e not in listed),
            tuple(e for e in change.removed if e in listed),
        ),
        "drift": (
            tuple(e for e in change.added if e in listed),
            tuple(e for e in change.removed if e not in listed),
        ),
    }
    for origin, (added, removed) in parts.items():
        if added or removed:
            yield change.model_copy(update={"added": added, "removed": removed, "origin": origin})


# -- defaults and rules ---------------------------------------------------------------------


def _default_drift(change: DefaultChange, base: OrgState) -> bool:
    return (base.data_sharing or {}).get(change.module) == change.after


def _rule_drift(change: RuleChange, base: OrgState) -> bool:
    rules = (base.sharing_rules or {}).get(change.module)
    if change.action == "delete":
        assert change.live is not None  # a delete carries the live rule (diff)
        return rules is not None and all(r.key != change.live.key for r in rules)
    was = next((r for r in rules or () if r.key == name_key(change.name)), None)
    if was is None or change.desired is None:
        return False
    if change.action == "create":
        return _rule_stated(was) == _rule_stated(change.desired)
    fields_drift = all(_asks(was, f.field, f.after) for f in change.fields)
    active = change.activation is None or _asks(was, "active", change.desired.active)
    return fields_drift and active


def _rule_stated(rule: SharingRule) -> dict[str, Any]:
    managed = rule.managed_fields() | {"name", "source", "criteria", "target"}
    return {name: getattr(rule, name) for name in sorted(managed) if name != "id"}
