"""Steps of the access model, ordered across kinds.

Roles are created parent-first, one per call (REFERENCE §7.2); a move waits for the steps
that create or move the roles above its new place, so no move forms a cycle. Groups are
created up to ten per call (§7.3) once the roles and territories they draw on exist; users
move (ten per call) once their new roles exist. Rules that share to a new group or role wait
for it (`principals`). Deletions come last: a group once every rule step is done (a rule may
still name it until then), a role once everything else is (users, groups and rules that name
it have moved off), children before parents.
"""

from __future__ import annotations

from reconciler.limits import chunks
from reconciler.model import (
    Directory,
    GroupSource,
    OrgState,
    PrincipalKind,
    SourceKind,
    UserGroup,
    name_key,
)
from reconciler.plan.access import RoleChange
from reconciler.plan.diff import Changes
from reconciler.plan.steps import (
    Action,
    CreateGroups,
    GroupPayload,
    GroupRemoval,
    GroupWrite,
    Limits,
    Ref,
    RoleFields,
    RoleRemoval,
    RoleWrite,
    SourceRef,
    UpdateUsers,
    UserUpdate,
)
from reconciler.plan.territories import Builder

Principals = dict[tuple[PrincipalKind, str], Ref]


def role_steps(
    builder: Builder, changes: Changes, live: OrgState, desired: OrgState
) -> dict[str, Ref]:
    """Creates and updates of roles; how later steps refer to each desired role."""
    # Roles as the org lists them (read for groups' role sources even when the tree is
    # not managed), then as this plan renames and creates them.
    refs = {name_key(r.name): Ref(name=r.name, id=r.id) for r in live.directory.roles}
    for change in changes.roles:
        if change.action == "update" and change.live is not None:
            refs.pop(change.live.key, None)
            refs[change.key] = Ref(name=change.name, id=change.live.id)
    placed: dict[str, int] = {}  # role key -> the step that creates or moves it
    # The whole desired tree, not only the changed roles: a role moving under an unchanged
    # one must still wait for the moves higher up that take that one out of its subtree.
    parents = {r.key: name_key(r.parent or "") for r in desired.roles or () if not r.deleted}
    for change in changes.roles:  # creates by depth, then updates by depth
        if change.action == "delete":
            continue
        waits = [placed[k] for k in _above(change.key, parents) if k in placed]
        fields = _role_fields(change, refs)
        action = Action.create_role if change.action == "create" else Action.update_role
        step = builder.add(
            RoleWrite,
            after=waits,
            action=action,
            role=refs.get(change.key, Ref(name=change.name)),
            fields=fields,
        )
        if change.action == "create":
            refs[change.key] = Ref(name=change.name, created_by=step.id)
        if change.action == "create" or change.moved_from is not None:
            placed[change.key] = step.id
    return refs


def _above(key: str, parents: dict[str, str]) -> list[str]:
    found: list[str] = []
    current = parents.get(key)
    while current and current not in found and current != key:
        found.append(current)
        current = parents.get(current)
    return found


def _role_fields(change: RoleChange, refs: dict[str, Ref]) -> RoleFields:
    desired = change.desired
    assert desired is not None
    values: dict[str, object] = {}
    if change.action == "create" or change.renamed_from is not None:
        values["name"] = change.name
    if change.action == "create" or change.moved_from is not None:
        values["parent"] = refs[name_key(desired.parent or "")]
    managed = desired.managed_fields()
    for name in ("description", "share_with_peers"):
        if name in managed and (
            change.action == "create" or any(f.field == name for f in change.fields)
        ):
            values[name] = getattr(desired, name)
    return RoleFields.model_validate(values)


def group_steps(
    builder: Builder,
    changes: Changes,
    live: OrgState,
    roles: dict[str, Ref],
    territories: dict[str, Ref],
    limits: Limits,
) -> Principals:
    """Creates and updates of groups; how rules refer to every role and group by name."""
    principals: Principals = {(PrincipalKind.role, k): r for k, r in roles.items()}
    principals |= {
        (PrincipalKind.group, g.key): Ref(name=g.name, id=g.id) for g in live.groups or ()
    }
    pools = {SourceKind.role: roles, SourceKind.territory: territories}
    creating = [c for c in changes.groups if c.action == "create"]
    for batch in chunks(creating, limits.groups_per_call):
        payloads = [_payload(c.desired, live.directory, pools) for c in batch]  # type: ignore[arg-type]
        waits = [s.ref.created_by for p in payloads for s in p.sources if s.ref.created_by]
        step = builder.add(
            CreateGroups, after=waits, action=Action.create_groups, items=tuple(payloads)
        )
        for change in batch:
            principals[(PrincipalKind.group, change.key)] = Ref(
                name=change.name, created_by=step.id
            )
    for change in changes.groups:
        if change.action != "update" or change.live is None or change.desired is None:
            continue
        ref = Ref(name=change.name, id=change.live.id)
        principals.pop((PrincipalKind.group, change.live.key), None)
        principals[(PrincipalKind.group, change.key)] = ref
        payload = _payload(change.desired, live.directory, pools, change.live)
        waits = [s.ref.created_by for s in payload.sources if s.ref.created_by]
        builder.add(GroupWrite, after=waits, action=Action.update_group, group=ref, payload=payload)
    return principals


def _payload(
    group: UserGroup,
    directory: Directory,
    pools: dict[SourceKind, dict[str, Ref]],
    live: UserGroup | None = None,
) -> GroupPayload:
    description = group.description
    if live is not None and "description" not in group.managed_fields():
        description = live.description
    sources = tuple(
        SourceRef(kind=s.kind, ref=_source_ref(s, directory, pools), below=s.below)
        for s in group.sources
    )
    return GroupPayload(name=group.name, description=description, sources=sources)


def _source_ref(
    source: GroupSource, directory: Directory, pools: dict[SourceKind, dict[str, Ref]]
) -> Ref:
    if source.kind is SourceKind.user:
        user = directory.user_by_email(source.name)
        return Ref(name=source.name, id=user.id if user else None)
    return pools[source.kind].get(name_key(source.name), Ref(name=source.name))


def user_steps(
    builder: Builder, changes: Changes, live: OrgState, roles: dict[str, Ref], limits: Limits
) -> None:
    profiles = {name_key(p.name): p for p in live.directory.profiles}
    updates = []
    for change in changes.users:
        user = live.directory.user_by_email(change.email)
        values: dict[str, Ref] = {}
        for field in change.fields:
            name = str(field.after)
            if field.field == "role":
                values["role"] = roles.get(name_key(name), Ref(name=name))
            else:
                found = profiles.get(name_key(name))
                values["profile"] = Ref(name=name, id=found.id if found else None)
        updates.append(
            UserUpdate(user=Ref(name=change.email, id=user.id if user else None), **values)
        )
    for batch in chunks(updates, limits.users_per_call):
        waits = [r.created_by for u in batch for r in (u.role,) if r is not None and r.created_by]
        builder.add(UpdateUsers, after=waits, action=Action.update_users, items=tuple(batch))


def deletion_steps(builder: Builder, changes: Changes, roles: dict[str, Ref]) -> None:
    """Group deletes after every step so far; role deletes after those, children first."""
    before = builder.ids()
    group_ids = []
    for gone in changes.groups:
        if gone.action == "delete" and gone.live is not None:
            ref = Ref(name=gone.name, id=gone.live.id)
            group_ids.append(
                builder.add(GroupRemoval, after=before, action=Action.delete_group, group=ref).id
            )
    previous: list[int] = [*before, *group_ids]
    for change in changes.roles:  # deletes come last, deepest first
        if change.action != "delete" or change.live is None:
            continue
        heir = roles.get(name_key(change.transfer_to or ""), Ref(name=change.transfer_to or ""))
        ref = Ref(name=change.name, id=change.live.id)
        step = builder.add(
            RoleRemoval, after=previous, action=Action.delete_role, role=ref, transfer_to=heir
        )
        previous = [step.id]


def lower_bound(changes: Changes, limits: Limits) -> int:
    """The fewest calls Zoho's batch limits allow for the access changes: one per role
    created, updated or deleted (one role per call), one per `groups_per_call` groups
    created, one per group updated or deleted, one per `users_per_call` users moved."""
    creates = sum(c.action == "create" for c in changes.groups)
    return (
        len(changes.roles)
        + -(-creates // limits.groups_per_call)
        + len(changes.groups)
        - creates
        + -(-len(changes.users) // limits.users_per_call)
    )
