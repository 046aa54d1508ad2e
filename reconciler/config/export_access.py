"""The access model as YAML (`export` and, for a desired state, `as_written`): the role tree
with children sorted by name, groups with their sources, users' roles and profiles. The key
orders here are the ones `fmt` keeps."""

from __future__ import annotations

from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq

from reconciler.model import (
    GroupSource,
    OrgState,
    Role,
    SourceKind,
    UserAccess,
    UserGroup,
    name_key,
)

ROLE = (
    "name",
    "parent",
    "previously",
    "transfer_to",
    "description",
    "share_with_peers",
    "children",
)
GROUPS = ("prune", "items")
GROUP = ("name", "previously", "description", "sources")
SOURCE = ("user", "role", "territory", "subordinates", "sub_territories")
USER = ("email", "role", "profile")
BELOW = {SourceKind.role: "subordinates", SourceKind.territory: "sub_territories"}


def access_yaml(document: CommentedMap, state: OrgState, as_written: bool) -> None:
    """Add the access sections `state` manages to `document`."""
    if state.roles is not None and any(r.is_root for r in state.roles):
        document["roles"] = _roles(state.roles, as_written)
    if state.groups is not None:
        groups = CommentedMap()
        if state.prune_groups or not as_written:
            groups["prune"] = state.prune_groups
        groups["items"] = CommentedSeq([_group(g, as_written) for g in state.groups])
        document["groups"] = groups
    if state.users is not None:
        document["users"] = CommentedSeq(
            [_user(u, as_written) for u in sorted(state.users, key=lambda u: u.email)]
        )


def _roles(roles: tuple[Role, ...], as_written: bool) -> CommentedMap:
    children: dict[str | None, list[Role]] = {}
    for role in roles:
        parent = role.parent if not role.deleted else _tomb_parent(role, roles)
        children.setdefault(name_key(parent) if parent else None, []).append(role)
    top = next(r for r in roles if r.is_root)
    return _role(top, children, as_written)


def _tomb_parent(role: Role, roles: tuple[Role, ...]) -> str | None:
    return (
        role.transfer_to if any(r.key == name_key(role.transfer_to or "") for r in roles) else None
    )


def _role(role: Role, children: dict[str | None, list[Role]], as_written: bool) -> CommentedMap:
    node = CommentedMap()
    node["name"] = role.name
    managed = role.managed_fields() if as_written else {"description", "share_with_peers"}
    if role.previously and as_written:
        node["previously"] = _flow(list(role.previously))
    if role.deleted:
        node["transfer_to"] = role.transfer_to
    for key in ("description", "share_with_peers"):
        value = getattr(role, key)
        if key in managed and not role.deleted and (as_written or value):
            node[key] = value
    below = sorted(children.get(role.key, []), key=lambda r: r.key) if not role.deleted else []
    if below:
        node["children"] = CommentedSeq([_role(c, children, as_written) for c in below])
    return node


def _group(group: UserGroup, as_written: bool) -> CommentedMap:
    node = CommentedMap()
    node["name"] = group.name
    if group.previously and as_written:
        node["previously"] = _flow(list(group.previously))
    if "description" in group.managed_fields() if as_written else group.description is not None:
        node["description"] = group.description  # as written: `null` says "none"
    node["sources"] = CommentedSeq([_source(s) for s in group.sources])
    return node


def _source(source: GroupSource) -> CommentedMap:
    node = CommentedMap()
    node[source.kind.value] = source.name
    if source.kind in BELOW and source.below:
        node[BELOW[source.kind]] = True
    node.fa.set_flow_style()
    return node


def _user(user: UserAccess, as_written: bool) -> CommentedMap:
    node = CommentedMap()
    node["email"] = user.email
    for key in ("role", "profile"):
        value = getattr(user, key)
        if value is not None and (not as_written or key in user.managed_fields()):
            node[key] = value
    node.fa.set_flow_style()
    return node


def _flow(items: list[Any]) -> CommentedSeq:
    seq = CommentedSeq(items)
    seq.fa.set_flow_style()
    return seq
