"""Origin (`plan --base`, see origin.py) for the access model: roles, user groups and users'
roles, judged as territories and rules are.

A change is **drift** when REF's configuration already asked for everything it brings about:
a role deleted that REF already tombstoned (someone re-created it by hand), a role or group
created that REF declared as it is now declared (someone deleted it), a group pruned that
REF's `prune: true` list already left out, an update whose rename, move, fields and sources
REF already asked for, a user's role or profile REF already gave them. Anything else is the
edit's: unlike a territory, an access change is not split when only some of its parts are
drift (Zoho takes a role or a group whole in one call), so the edit under review decides.
A role or group is found in REF's configuration under its name, its live name or a former one.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar

from reconciler.model import Frozen, OrgState, Role, UserGroup, name_key
from reconciler.plan.access import GroupChange, RoleChange, UserChange
from reconciler.plan.fields import FieldChange

A = TypeVar("A", RoleChange, GroupChange, UserChange)


def labelled(changes: tuple[A, ...], base: OrgState) -> tuple[A, ...]:
    """Each change with its origin set, judged against REF's desired state."""
    return tuple(c.model_copy(update={"origin": _origin(c, base)}) for c in changes)


def _origin(change: RoleChange | GroupChange | UserChange, base: OrgState) -> str:
    if isinstance(change, RoleChange):
        drift = _role_drift(change, base.roles)
    elif isinstance(change, GroupChange):
        drift = _group_drift(change, base)
    else:
        drift = _user_drift(change, base)
    return "drift" if drift else "change"


def _role_drift(change: RoleChange, roles: tuple[Role, ...] | None) -> bool:
    if roles is None:
        return False
    if change.action == "delete":
        return any(r.deleted and r.key == change.key for r in roles)
    was = _found(
        [r for r in roles if not r.deleted], change.name, change.renamed_from, change.desired
    )
    wanted = change.desired
    if was is None or wanted is None:
        return False
    same_place = _key(was.parent) == _key(wanted.parent)
    if change.action == "create":
        return was.name == wanted.name and same_place and _stated(was) == _stated(wanted)
    return (
        (change.renamed_from is None or was.name == wanted.name)
        and (change.moved_from is None or same_place)
        and _asks_all(was, change.fields)
    )


def _group_drift(change: GroupChange, base: OrgState) -> bool:
    groups = base.groups
    if groups is None:
        return False
    if change.action == "delete":
        named = {g.key for g in groups} | {name_key(old) for g in groups for old in g.previously}
        return base.prune_groups and change.key not in named
    was = _found(groups, change.name, change.renamed_from, change.desired)
    wanted = change.desired
    if was is None or wanted is None:
        return False
    same_sources = _sources(was) == _sources(wanted)
    if change.action == "create":
        return was.name == wanted.name and same_sources and _stated(was) == _stated(wanted)
    sources_changed = bool(change.sources_added or change.sources_removed)
    return (
        (change.renamed_from is None or was.name == wanted.name)
        and (not sources_changed or same_sources)
        and _asks_all(was, change.fields)
    )


def _user_drift(change: UserChange, base: OrgState) -> bool:
    """Roles and profiles are named ignoring case, as Zoho does."""
    was = next((u for u in base.users or () if u.email == change.email.casefold()), None)
    if was is None:
        return False
    stated = {name: name_key(getattr(was, name) or "") for name in was.managed_fields()}
    return all(stated.get(f.field) == name_key(str(f.after)) for f in change.fields)


R = TypeVar("R", Role, UserGroup)


def _found(items: Iterable[R], name: str, live_name: str | None, desired: R | None) -> R | None:
    """The role or group in REF's configuration: by its name, its live name, a former one."""
    olds: list[str] = [live_name] if live_name else []
    olds += list(desired.previously) if desired is not None else []
    by_key = {i.key: i for i in items}
    return next((by_key[name_key(n)] for n in (name, *olds) if name_key(n) in by_key), None)


def _asks_all(was: Frozen, fields: tuple[FieldChange, ...]) -> bool:
    managed = was.managed_fields()
    return all(f.field in managed and getattr(was, f.field) == f.after for f in fields)


def _stated(item: Role | UserGroup) -> dict[str, Any]:
    compared = {"description", "share_with_peers"} & item.managed_fields()
    return {name: getattr(item, name) for name in sorted(compared)}


def _sources(group: UserGroup) -> set[tuple[tuple[str, str], bool]]:
    return {(s.key, s.below) for s in group.sources}


def _key(name: str | None) -> str | None:
    return name_key(name) if name else None
