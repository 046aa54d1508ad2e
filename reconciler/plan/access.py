"""The diff of the access model: roles, user groups and users' roles and profiles. Pure, like
`diff.py`, whose `Changes` carries what it finds.

Identity: roles and groups by name (ignoring case), then by a former name (`previously`);
the top role is always the top role. A desired role with `transfer_to` is a tombstone: the
live role of that name is deleted, its users moving to that role. A live role the
configuration neither declares nor tombstones is a deletion without an heir, which
`config/names.py` refuses before any plan is made. Groups not listed are deleted only with
`prune: true`. Group sources are compared as sets, with the names of the live roles and
territories the same configuration renames read under their new names, so a rename alone
never rewrites a group. Access impact: a group's change lists the users who join or leave it
(as far as the live org's roles and known territory members tell), a role's move the users
who gain or lose sight of its users' records through the hierarchy.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from reconciler.model import (
    Directory,
    Frozen,
    GroupSource,
    OrgState,
    Role,
    SourceKind,
    UserAccess,
    UserGroup,
    name_key,
)
from reconciler.plan.fields import FieldChange, depths, field_change

# With `plan --base`: made by the configuration edit under review, or undoing a change made
# in the org by hand (`origin.label`). None when the plan was made without a base.
Origin = Literal["change", "drift"]

ROLE_COMPARED = ("description", "share_with_peers")


class RoleChange(Frozen):
    """A role to create, update (fields, rename, move) or delete (handing its users over).

    `depth` is the role's depth in the tree it ends up in (the live tree for a delete);
    `gaining`/`losing` the users who gain or lose sight of its users' records (a move)."""

    action: Literal["create", "update", "delete"]
    name: str
    depth: int
    parent: str | None = None
    live: Role | None = None
    desired: Role | None = None
    renamed_from: str | None = None
    moved_from: str | None = None
    fields: tuple[FieldChange, ...] = ()
    transfer_to: str | None = None
    users_moved: tuple[str, ...] = ()
    gaining: tuple[str, ...] = ()
    losing: tuple[str, ...] = ()
    origin: Origin | None = None

    @property
    def key(self) -> str:
        return name_key(self.name)


class GroupChange(Frozen):
    """A user group to create, update or delete, and who joins or leaves it."""

    action: Literal["create", "update", "delete"]
    name: str
    live: UserGroup | None = None
    desired: UserGroup | None = None
    renamed_from: str | None = None
    fields: tuple[FieldChange, ...] = ()
    sources_added: tuple[GroupSource, ...] = ()
    sources_removed: tuple[GroupSource, ...] = ()
    joining: tuple[str, ...] = ()
    leaving: tuple[str, ...] = ()
    origin: Origin | None = None

    @property
    def key(self) -> str:
        return name_key(self.name)


class UserChange(Frozen):
    """A user's new role or profile."""

    email: str
    fields: tuple[FieldChange, ...]
    origin: Origin | None = None


def match_by_name(live: Iterable[Role], desired: Iterable[Role]) -> dict[str, Role]:
    """Desired role key -> the live role it is (by name, then by a former name; the top
    role is the top role whatever its name). Tombstones match nothing."""
    live = list(live)
    by_key = {r.key: r for r in live}
    top = next((r for r in live if r.parent is None), None)
    matched: dict[str, Role] = {}
    wanted = [r for r in desired if not r.deleted]
    for role in wanted:
        found = top if role.parent is None else by_key.get(role.key)
        if found is not None and (role.parent is None or found.parent is not None):
            matched[role.key] = found
    taken = {r.key for r in matched.values()}
    for role in wanted:
        for old in role.previously if role.key not in matched else ():
            found = by_key.get(name_key(old))
            if found is not None and found.key not in taken and found.parent is not None:
                matched[role.key] = found
                taken.add(found.key)
                break
    return matched


def diff_roles(live: OrgState, desired: OrgState) -> tuple[RoleChange, ...]:
    if desired.roles is None:
        return ()
    current, wanted = live.roles or (), desired.roles
    matched = match_by_name(current, wanted)
    live_names = {r.key: r.name for r in current}
    depth = depths(r for r in wanted if not r.deleted)
    changes = []
    for role in wanted:
        if role.deleted:
            continue
        found = matched.get(role.key)
        if found is None:
            changes.append(
                RoleChange(
                    action="create",
                    name=role.name,
                    depth=depth[role.key],
                    parent=role.parent,
                    desired=role,
                )
            )
            continue
        change = _role_update(found, role, matched, live_names, depth[role.key], live)
        if change is not None:
            changes.append(change)
    changes += _role_deletions(current, wanted, matched, live.directory)
    phase = {"create": 0, "update": 1, "delete": 2}
    changes.sort(
        key=lambda c: (phase[c.action], -c.depth if c.action == "delete" else c.depth, c.key)
    )
    return tuple(changes)


def _role_update(
    found: Role,
    role: Role,
    matched: dict[str, Role],
    live_names: dict[str, str],
    depth: int,
    live: OrgState,
) -> RoleChange | None:
    managed = role.managed_fields()
    fields = tuple(
        field_change(name, getattr(found, name), getattr(role, name))
        for name in ROLE_COMPARED
        if name in managed and getattr(found, name) != getattr(role, name)
    )
    renamed = found.name if found.name != role.name else None
    moved = None
    if role.parent is not None and found.parent is not None:
        new_parent = matched.get(name_key(role.parent))
        if new_parent is None or new_parent.key != name_key(found.parent):
            moved = live_names.get(name_key(found.parent), found.parent)
    if not fields and renamed is None and moved is None:
        return None
    gaining, losing = _sight(live, found, moved, role, matched) if moved else ((), ())
    return RoleChange(
        action="update",
        name=role.name,
        depth=depth,
        parent=role.parent,
        live=found,
        desired=role,
        renamed_from=renamed,
        moved_from=moved,
        fields=fields,
        gaining=gaining,
        losing=losing,
    )


def _sight(
    live: OrgState, found: Role, moved: str, role: Role, matched: dict[str, Role]
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Users above the role before and after the move: those only above it after gain
    sight of its users' records through the hierarchy, those only above before lose it."""
    parents = {r.key: name_key(r.parent) if r.parent else None for r in live.roles or ()}
    new_parent = matched.get(name_key(role.parent or ""))
    before = _ancestors(name_key(moved), parents)
    after = _ancestors(new_parent.key, parents) if new_parent else set()
    after.discard(found.key)
    users = live.directory.users
    above_before = {u.email for u in users if u.role and name_key(u.role) in before}
    above_after = {u.email for u in users if u.role and name_key(u.role) in after}
    return tuple(sorted(above_after - above_before)), tuple(sorted(above_before - above_after))


def _ancestors(key: str | None, parents: dict[str, str | None]) -> set[str]:
    found: set[str] = set()
    while key is not None and key not in found:
        found.add(key)
        key = parents.get(key)
    return found


def _role_deletions(
    current: Iterable[Role],
    wanted: tuple[Role, ...],
    matched: dict[str, Role],
    directory: Directory,
) -> list[RoleChange]:
    survivors = {r.key for r in matched.values()}
    tombstones = {r.key: r for r in wanted if r.deleted}
    depth = depths(current)
    changes = []
    for gone in current:
        if gone.key in survivors or gone.parent is None:
            continue
        tomb = tombstones.get(gone.key)
        users = tuple(
            sorted(u.email for u in directory.users if u.role and name_key(u.role) == gone.key)
        )
        changes.append(
            RoleChange(
                action="delete",
                name=gone.name,
                depth=depth[gone.key],
                parent=gone.parent,
                live=gone,
                transfer_to=tomb.transfer_to if tomb else None,
                users_moved=users,
            )
        )
    return changes


def renamed(pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Live key -> the name the configuration gives it, for renamed objects."""
    return {name_key(old): new for old, new in pairs if name_key(old) != name_key(new)}


def diff_groups(
    live: OrgState,
    desired: OrgState,
    roles: tuple[RoleChange, ...],
    territory_renames: dict[str, str],
) -> tuple[GroupChange, ...]:
    if desired.groups is None:
        return ()
    role_renames = renamed((c.renamed_from, c.name) for c in roles if c.renamed_from)
    by_key = {g.key: g for g in live.groups or ()}
    taken: set[str] = set()
    changes = []
    for group in desired.groups:
        found = by_key.get(group.key)
        for old in group.previously if found is None else ():
            found = by_key.get(name_key(old)) if name_key(old) not in taken else None
            if found is not None:
                break
        if found is not None:
            taken.add(found.key)
            found = _renamed_sources(found, role_renames, territory_renames)
        change = _group(found, group, live)
        if change is not None:
            changes.append(change)
    if desired.prune_groups:
        for gone in live.groups or ():
            if gone.key not in taken and gone.key not in {g.key for g in desired.groups}:
                changes.append(
                    GroupChange(
                        action="delete", name=gone.name, live=gone, leaving=members(gone, live)
                    )
                )
    changes.sort(key=lambda c: ({"create": 0, "update": 1, "delete": 2}[c.action], c.key))
    return tuple(changes)


def _renamed_sources(
    group: UserGroup, roles: dict[str, str], territories: dict[str, str]
) -> UserGroup:
    names = {SourceKind.role: roles, SourceKind.territory: territories}
    sources = tuple(
        s.model_copy(update={"name": names[s.kind].get(name_key(s.name), s.name)})
        if s.kind in names
        else s
        for s in group.sources
    )
    return group.model_copy(update={"sources": UserGroup(name=group.name, sources=sources).sources})


def _group(found: UserGroup | None, group: UserGroup, live: OrgState) -> GroupChange | None:
    if found is None:
        return GroupChange(
            action="create",
            name=group.name,
            desired=group,
            sources_added=group.sources,
            joining=members(group, live),
        )
    fields: tuple[FieldChange, ...] = ()
    if "description" in group.managed_fields() and found.description != group.description:
        fields = (field_change("description", found.description, group.description),)
    before, after = {s.key: s for s in found.sources}, {s.key: s for s in group.sources}
    added = tuple(s for k, s in after.items() if before.get(k) != s)
    removed = tuple(s for k, s in before.items() if after.get(k) != s)
    renamed_from = found.name if found.name != group.name else None
    if not fields and not added and not removed and renamed_from is None:
        return None
    old, new = set(members(found, live)), set(members(group, live))
    return GroupChange(
        action="update",
        name=group.name,
        live=found,
        desired=group,
        renamed_from=renamed_from,
        fields=fields,
        sources_added=added,
        sources_removed=removed,
        joining=tuple(sorted(new - old)),
        leaving=tuple(sorted(old - new)),
    )


def members(group: UserGroup, live: OrgState) -> tuple[str, ...]:
    """The emails the group's sources reach, as far as the live org tells: users, users of
    roles (and the roles below), members of territories whose members were read."""
    parents = {r.key: name_key(r.parent) if r.parent else None for r in live.roles or ()}
    territories = {t.key: t for t in live.territories or ()}
    found: set[str] = set()
    for source in group.sources:
        if source.kind is SourceKind.user:
            found.add(source.name.casefold())
        elif source.kind is SourceKind.role:
            roles = {name_key(source.name)}
            if source.below:
                roles |= {k for k in parents if name_key(source.name) in _ancestors(k, parents)}
            found |= {
                u.email.casefold()
                for u in live.directory.users
                if u.role and name_key(u.role) in roles
            }
        else:
            territory = territories.get(name_key(source.name))
            found |= set(territory.users or ()) if territory is not None else set()
    return tuple(sorted(found))


def diff_users(
    live: OrgState, desired: OrgState, roles: tuple[RoleChange, ...]
) -> tuple[UserChange, ...]:
    if desired.users is None:
        return ()
    role_renames = renamed((c.renamed_from, c.name) for c in roles if c.renamed_from)
    changes = []
    for wanted in desired.users:
        user = live.directory.user_by_email(wanted.email)
        if user is None:
            continue  # config/names.py reports it
        now = UserAccess(
            email=user.email,
            role=role_renames.get(name_key(user.role or ""), user.role),
            profile=user.profile,
        )
        fields = tuple(
            field_change(name, getattr(now, name), getattr(wanted, name))
            for name in ("role", "profile")
            if name in wanted.managed_fields()
            and name_key(getattr(now, name) or "") != name_key(getattr(wanted, name) or "")
        )
        if fields:
            changes.append(UserChange(email=wanted.email, fields=fields))
    return tuple(changes)
