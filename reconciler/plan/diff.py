"""The diff: a pure function of two `OrgState`s (live, desired) -> `Changes`.

Identity is by natural key: territories by name (case-insensitive; the root is always the
root, whatever its name; `previously` lets a live territory be matched by a former name and
renamed), memberships by (territory, email), defaults by module, sharing rules by (module,
name). Only what the desired side manages is compared: a section that is `None`, or a key a
territory leaves out, produces no change. deepdiff only explains criteria changes in words.
"""

from __future__ import annotations

from typing import Literal

from reconciler.model import (
    TERRITORY_FIELDS,
    Frozen,
    OrgState,
    ShareType,
    SharingRule,
    Territory,
    name_key,
)
from reconciler.plan.access import (
    GroupChange,
    RoleChange,
    UserChange,
    diff_groups,
    diff_roles,
    diff_users,
    renamed,
)
from reconciler.plan.access import (
    Origin as Origin,
)
from reconciler.plan.fields import FieldChange as FieldChange
from reconciler.plan.fields import depths as depths
from reconciler.plan.fields import field_change as field_change

RULE_COMPARED = ("name", "source", "criteria", "target", "access", "superiors")


class TerritoryChange(Frozen):
    """A territory to create, update (fields, rename, move) or delete.

    `name` is the territory's name once the change is made (its live name for a delete);
    `depth` is its depth in the tree it ends up in (in the live tree for a delete)."""

    action: Literal["create", "update", "delete"]
    name: str
    depth: int
    parent: str | None = None
    live: Territory | None = None
    desired: Territory | None = None
    renamed_from: str | None = None
    moved_from: str | None = None
    fields: tuple[FieldChange, ...] = ()
    transfer_to: str | None = None
    members_dropped: tuple[str, ...] = ()
    origin: Origin | None = None

    @property
    def key(self) -> str:
        return name_key(self.name)


class MemberChange(Frozen):
    """Users joining and leaving one territory (named as it will be called)."""

    territory: str
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    new_territory: bool = False
    before: int = 0
    origin: Origin | None = None


class DefaultChange(Frozen):
    module: str
    before: ShareType | None
    after: ShareType
    origin: Origin | None = None


class RuleChange(Frozen):
    """A sharing rule to create, update or delete, and whether to flip its `active` flag."""

    action: Literal["create", "update", "delete", "toggle"]  # toggle: only `active` flips
    module: str
    name: str
    live: SharingRule | None = None
    desired: SharingRule | None = None
    fields: tuple[FieldChange, ...] = ()
    activation: Literal["activate", "deactivate"] | None = None
    origin: Origin | None = None


class Changes(Frozen):
    territories: tuple[TerritoryChange, ...] = ()
    members: tuple[MemberChange, ...] = ()
    defaults: tuple[DefaultChange, ...] = ()
    rules: tuple[RuleChange, ...] = ()
    roles: tuple[RoleChange, ...] = ()
    groups: tuple[GroupChange, ...] = ()
    users: tuple[UserChange, ...] = ()

    @property
    def empty(self) -> bool:
        access = self.roles or self.groups or self.users
        return not (self.territories or self.members or self.defaults or self.rules or access)


def diff(live: OrgState, desired: OrgState) -> Changes:
    """What must change in `live` to make it `desired`, in a stable order."""
    territories: tuple[TerritoryChange, ...] = ()
    members: tuple[MemberChange, ...] = ()
    if desired.territories is not None:
        territories, members = _territories(live.territories or (), desired.territories)
    defaults = _defaults(live.data_sharing or {}, desired.data_sharing)
    rules = _rules(live.sharing_rules or {}, desired.sharing_rules)
    roles = diff_roles(live, desired)
    moved = renamed((t.renamed_from, t.name) for t in territories if t.renamed_from)
    return Changes(
        territories=territories,
        members=members,
        defaults=defaults,
        rules=rules,
        roles=roles,
        groups=diff_groups(live, desired, roles, moved),
        users=diff_users(live, desired, roles),
    )


def match(live: tuple[Territory, ...], desired: tuple[Territory, ...]) -> dict[str, Territory]:
    """Desired territory key -> the live territory it is (by name, then by a former name)."""
    by_key = {t.key: t for t in live}
    matched: dict[str, Territory] = {}
    taken: set[str] = set()
    live_root = next((t for t in live if t.is_root), None)
    for wanted in desired:
        found = live_root if wanted.is_root else by_key.get(wanted.key)
        if found is not None and (wanted.is_root or not found.is_root):
            matched[wanted.key] = found
            taken.add(found.key)
    for wanted in desired:
        if wanted.key in matched:
            continue
        for old in wanted.previously:
            found = by_key.get(name_key(old))
            if found is not None and found.key not in taken and not found.is_root:
                matched[wanted.key] = found
                taken.add(found.key)
                break
    return matched


def _territories(
    live: tuple[Territory, ...], desired: tuple[Territory, ...]
) -> tuple[tuple[TerritoryChange, ...], tuple[MemberChange, ...]]:
    matched = match(live, desired)
    live_names = {t.key: t.name for t in live}
    desired_depth = depths(desired)
    changes: list[TerritoryChange] = []
    members: list[MemberChange] = []
    for wanted in desired:
        found = matched.get(wanted.key)
        change = _territory(found, wanted, matched, live_names, desired_depth[wanted.key])
        if change is not None:
            changes.append(change)
        member = _members(found, wanted)
        if member is not None:
            members.append(member)
    changes += _deletions(live, desired, matched)
    changes.sort(key=_territory_order)
    members.sort(key=lambda m: name_key(m.territory))
    return tuple(changes), tuple(members)


def _territory(
    found: Territory | None,
    wanted: Territory,
    matched: dict[str, Territory],
    live_names: dict[str, str],
    depth: int,
) -> TerritoryChange | None:
    if found is None:
        return TerritoryChange(
            action="create", name=wanted.name, depth=depth, parent=wanted.parent, desired=wanted
        )
    fields = field_changes(found, wanted)
    renamed = found.name if found.name != wanted.name else None
    moved = _moved_from(found, wanted, matched, live_names)
    if not fields and renamed is None and moved is None:
        return None
    return TerritoryChange(
        action="update",
        name=wanted.name,
        depth=depth,
        parent=wanted.parent,
        live=found,
        desired=wanted,
        renamed_from=renamed,
        moved_from=moved,
        fields=fields,
    )


def _moved_from(
    found: Territory,
    wanted: Territory,
    matched: dict[str, Territory],
    live_names: dict[str, str],
) -> str | None:
    """The live parent's name when the territory is to hang under a different one."""
    if wanted.is_root or found.parent is None:
        return None
    new_parent = matched.get(name_key(wanted.parent or ""))
    if new_parent is not None and new_parent.key == name_key(found.parent):
        return None
    return live_names.get(name_key(found.parent), found.parent)


def field_changes(found: Territory, wanted: Territory) -> tuple[FieldChange, ...]:
    managed = wanted.managed_fields()
    changes = []
    for name in TERRITORY_FIELDS:
        if name in managed and getattr(found, name) != getattr(wanted, name):
            changes.append(field_change(name, getattr(found, name), getattr(wanted, name)))
    return tuple(changes)


def _members(found: Territory | None, wanted: Territory) -> MemberChange | None:
    if wanted.users is None:
        return None
    current = set(found.users or ()) if found is not None else set()
    added = tuple(sorted(set(wanted.users) - current))
    removed = tuple(sorted(current - set(wanted.users)))
    if not added and not removed:
        return None
    return MemberChange(
        territory=wanted.name,
        added=added,
        removed=removed,
        new_territory=found is None,
        before=len(current),
    )


def _deletions(
    live: tuple[Territory, ...], desired: tuple[Territory, ...], matched: dict[str, Territory]
) -> list[TerritoryChange]:
    survivors = {t.key: d for d in desired if (t := matched.get(d.key)) is not None}
    by_key = {t.key: t for t in live}
    live_depth = depths(live)
    changes = []
    for gone in live:
        if gone.key in survivors or gone.is_root:
            continue
        changes.append(
            TerritoryChange(
                action="delete",
                name=gone.name,
                depth=live_depth[gone.key],
                parent=gone.parent,
                live=gone,
                transfer_to=_heir(gone, by_key, survivors),
                members_dropped=gone.users or (),
            )
        )
    return changes


def _heir(gone: Territory, by_key: dict[str, Territory], survivors: dict[str, Territory]) -> str:
    """The nearest live ancestor that survives, by the name it will have: it takes the
    deleted territory's records and any children still under it."""
    current = gone
    while current.parent is not None:
        current = by_key[name_key(current.parent)]
        if current.key in survivors:
            return survivors[current.key].name
    return current.name


def _territory_order(change: TerritoryChange) -> tuple[int, int, str]:
    phase = {"create": 0, "update": 1, "delete": 2}[change.action]
    depth = -change.depth if change.action == "delete" else change.depth
    return phase, depth, change.key


def _defaults(
    live: dict[str, ShareType], desired: dict[str, ShareType] | None
) -> tuple[DefaultChange, ...]:
    if desired is None:
        return ()
    return tuple(
        DefaultChange(module=module, before=live.get(module), after=share)
        for module, share in sorted(desired.items())
        if live.get(module) != share
    )


def _rules(
    live: dict[str, tuple[SharingRule, ...]], desired: dict[str, tuple[SharingRule, ...]] | None
) -> tuple[RuleChange, ...]:
    changes: list[RuleChange] = []
    for module, wanted in sorted((desired or {}).items()):
        current = {r.key: r for r in live.get(module, ())}
        for rule in wanted:
            change = rule_change(module, current.pop(rule.key, None), rule)
            if change is not None:
                changes.append(change)
        changes += [
            RuleChange(action="delete", module=module, name=r.name, live=r)
            for r in current.values()
        ]
    changes.sort(key=lambda c: (c.module, c.action != "delete", name_key(c.name)))
    return tuple(changes)


def rule_change(module: str, found: SharingRule | None, wanted: SharingRule) -> RuleChange | None:
    if found is None:
        activation = "deactivate" if not wanted.active else None
        return RuleChange(
            action="create", module=module, name=wanted.name, desired=wanted, activation=activation
        )
    managed = wanted.managed_fields() | {"name", "source", "criteria", "target"}
    fields = tuple(
        field_change(name, getattr(found, name), getattr(wanted, name))
        for name in RULE_COMPARED
        if name in managed and getattr(found, name) != getattr(wanted, name)
    )
    activation = None
    if "active" in wanted.managed_fields() and found.active != wanted.active:
        activation = "activate" if wanted.active else "deactivate"
    if not fields and activation is None:
        return None
    return RuleChange(
        action="update" if fields else "toggle",
        module=module,
        name=wanted.name,
        live=found,
        desired=wanted,
        fields=fields,
        activation=activation,
    )
