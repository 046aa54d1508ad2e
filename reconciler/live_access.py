"""The access model of a live read as state: the role tree, the groups with their sources,
users' roles and profiles, and the org's profiles (names for `users:`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from reconciler.model import OrgState, UserAccess
from reconciler.scope import Scope
from reconciler.zoho import wire, wire_access

if TYPE_CHECKING:
    from reconciler.live import Lists


def access_state(state: OrgState, scope: Scope, lists: Lists) -> OrgState:
    directory = state.directory
    values: dict[str, object] = {}
    if lists.roles is not None:
        names = {wire.ident(r): wire.name_of(r) for r in lists.roles}
        roles = tuple(wire_access.role_from_wire(r, names) for r in lists.roles)
        values["roles"] = roles if scope.roles else None
        named = tuple(wire.named_from_wire(r) for r in lists.roles)
        directory = directory.model_copy(update={"roles": directory.roles or named})
    if lists.groups is not None:
        emails = {u.id: u.email.casefold() for u in directory.users}
        values["groups"] = tuple(
            sorted(
                (wire_access.group_from_wire(g, s, emails) for g, s in lists.groups),
                key=lambda g: g.key,
            )
        )
    if lists.profiles is not None:
        profiles = tuple(wire_access.profile_from_wire(p) for p in lists.profiles)
        directory = directory.model_copy(update={"profiles": profiles})
    if scope.users:
        values["users"] = tuple(
            UserAccess(email=u.email, role=u.role, profile=u.profile, id=u.id)
            for u in directory.users
        )
    return state.model_copy(update={**values, "directory": directory})
