"""The access model in a snapshot (`config/snapshot.py`): roles, groups and users' roles.

- Roles: Zoho's role tree is managed whole (a live role the YAML does not name is an
  error), so a plan that changes roles keeps the whole tree, each role by name and place, and
  every role it changes or deletes with its fields.
- Groups: every group the plan changes or deletes, as the org has it (sources under their
  live names), and the ids of all the org's groups, so that rollback knows which were
  created since.
- Users: the role and profile the plan changes, and the role of each user of a role it
  deletes (Zoho hands them to the heir).

On the way back, a role or group renamed since (same id) is renamed back; a role created
since is deleted, its users and children handed to its nearest ancestor the snapshot has; a
group created since is deleted (the groups of the org then all listed, `prune`)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import NamedTuple

from reconciler.model import (
    GroupSource,
    OrgState,
    Role,
    SourceKind,
    Territory,
    UserAccess,
    UserGroup,
    name_key,
)
from reconciler.plan.build import Plan


def taken(plan: Plan, live: OrgState) -> dict[str, object]:
    """The access sections of a snapshot of `plan` against `live` (None: not touched)."""
    changes = plan.changes
    roles = None
    if changes.roles and live.roles is not None:
        touched = {c.live.id for c in changes.roles if c.live is not None}
        roles = tuple(_role(r, r.id in touched) for r in live.roles)
    groups = None
    if changes.groups and live.groups is not None:
        by_id = {g.id: g for g in live.groups}
        groups = tuple(by_id[c.live.id] for c in changes.groups if c.live is not None)
    users = _users(plan, live)
    return {"roles": roles, "groups": groups, "users": users or None}


def _role(role: Role, whole: bool) -> Role:
    values: dict[str, object] = {"name": role.name, "parent": role.parent, "id": role.id}
    if whole:
        values |= {"description": role.description, "share_with_peers": role.share_with_peers}
    return Role.model_validate(values)


def _users(plan: Plan, live: OrgState) -> tuple[UserAccess, ...]:
    found: dict[str, dict[str, object]] = {}
    directory = live.directory
    for change in plan.changes.users:
        user = directory.user_by_email(change.email)
        for field in change.fields if user is not None else ():
            found.setdefault(change.email, {})[field.field] = getattr(user, field.field)
    for role in plan.changes.roles:
        for email in role.users_moved:
            found.setdefault(email, {})["role"] = role.name
    return tuple(
        UserAccess.model_validate({"email": e, **{k: v for k, v in f.items() if v is not None}})
        for e, f in sorted(found.items())
    )


def group_ids(state: OrgState, live: OrgState) -> dict[str, str]:
    """The ids of every group of the org, when the snapshot holds groups (those missing
    from it were created since)."""
    return {g.name: g.id for g in live.groups or () if g.id} if state.groups is not None else {}


def way_back(state: OrgState, ids: Ids, now: OrgState) -> OrgState:
    """The snapshot's access sections as a desired state against `now`."""
    update: dict[str, object] = {}
    if state.roles is not None:
        update["roles"] = _roles_back(state.roles, ids.roles, now)
    if state.groups is not None:
        update |= _groups_back(state.groups, ids, now)
    return state.model_copy(update=update) if update else state


class Ids(NamedTuple):
    """A snapshot's live ids by name: territories, roles, groups."""

    territories: Mapping[str, str]
    roles: Mapping[str, str]
    groups: Mapping[str, str]


def _roles_back(roles: tuple[Role, ...], ids: Mapping[str, str], now: OrgState) -> tuple[Role, ...]:
    current = {r.id: r for r in now.roles or () if r.id}
    back = [_renamed_back(r, current.get(ids.get(r.name, ""))) for r in roles]
    then = {ident: name for name, ident in ids.items()}
    top = next(r.name for r in roles if r.is_root)
    named = {r.key: r.name for r in roles}
    by_name = {r.key: r for r in now.roles or ()}

    def snapshot_name(role: Role) -> str | None:  # by id, else by name (recreated since)
        return then.get(role.id or "") or named.get(role.key)

    for role in now.roles or ():
        if snapshot_name(role) is not None or role.parent is None:
            continue
        heir = by_name.get(name_key(role.parent))
        while heir is not None and snapshot_name(heir) is None and heir.parent is not None:
            heir = by_name.get(name_key(heir.parent))
        heir_name = snapshot_name(heir) if heir is not None else None
        back.append(Role(name=role.name, transfer_to=heir_name or top))
    return tuple(back)


def _renamed_back(role: Role, current: Role | None) -> Role:
    if current is None or current.key == role.key or role.is_root:
        return role
    return role.model_copy(update={"previously": (current.name,)})


def _groups_back(groups: tuple[UserGroup, ...], ids: Ids, now: OrgState) -> dict[str, object]:
    current = {g.id: g for g in now.groups or () if g.id}
    back = []
    for group in groups:
        found = current.get(ids.groups.get(group.name, ""))
        if found is not None and found.key != group.key:
            group = group.model_copy(update={"previously": (found.name,)})
        back.append(group)
    # A group is the snapshot's by id, or by name (one a later rollback recreated).
    snapshot = _Known(set(ids.groups.values()), {name_key(n) for n in ids.groups})
    if all(snapshot.has(g) for g in now.groups or ()):
        return {"groups": tuple(back)}
    # Groups created since go: every other group is listed, as it is (the roles and
    # territories it names under the names the snapshot gives them), and the rest pruned.
    listed = _Known(
        {ids.groups.get(g.name, "") for g in groups},
        {name_key(n) for g in back for n in (g.name, *g.previously)},
    )
    names = {
        SourceKind.role: _names_back(ids.roles, now.roles or ()),
        SourceKind.territory: _names_back(ids.territories, now.territories or ()),
    }
    others = [
        _sources_back(g, names) for g in now.groups or () if snapshot.has(g) and not listed.has(g)
    ]
    return {"groups": tuple(back + others), "prune_groups": True}


class _Known(NamedTuple):
    ids: set[str]
    keys: set[str]

    def has(self, group: UserGroup) -> bool:
        return group.id in self.ids or group.key in self.keys


def _names_back(ids: Mapping[str, str], current: Iterable[Role | Territory]) -> dict[str, str]:
    """Current name key -> the snapshot's name, for those the snapshot names by id."""
    then = {ident: name for name, ident in ids.items()}
    return {item.key: then[item.id] for item in current if item.id in then}


def _sources_back(group: UserGroup, names: dict[SourceKind, dict[str, str]]) -> UserGroup:
    sources = tuple(
        GroupSource(
            kind=s.kind, name=names.get(s.kind, {}).get(name_key(s.name), s.name), below=s.below
        )
        for s in group.sources
    )
    return group.model_copy(update={"sources": sources})
