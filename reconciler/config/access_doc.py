"""The file format of the access model: `roles:` (a tree like `territories:`), `groups:` and
`users:`. `config/access.py` turns validated documents into the state's roles, groups and
users' roles."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, model_validator

from reconciler.config.doc_base import Doc, Email, Name, Trimmed
from reconciler.model import MAX_DESCRIPTION, MAX_GROUP_NAME, MAX_GROUP_SOURCES, MAX_ROLE_NAME

RoleName = Annotated[str, Trimmed, Field(min_length=1, max_length=MAX_ROLE_NAME)]
GroupName = Annotated[str, Trimmed, Field(min_length=1, max_length=MAX_GROUP_NAME)]
Description = Annotated[str, Field(max_length=MAX_DESCRIPTION)]


class RoleDoc(Doc):
    """A role and the roles reporting to it. A key left out is left as it is in the org."""

    name: RoleName = Field(description="Unique in the org, compared case-insensitively.")
    parent: RoleName | None = Field(
        default=None,
        description="Only at the top of a file: hang this subtree under a role declared "
        "in another file.",
    )
    description: Description | None = None
    share_with_peers: bool | None = Field(
        default=None, description="Users of this role see the records of their peers."
    )
    previously: list[RoleName] = Field(
        default_factory=list,
        description="Former names: a live role with one of them is renamed, not deleted.",
    )
    transfer_to: RoleName | None = Field(
        default=None,
        description="Delete this role: its users (and any roles still under it) move to this "
        "role. Written where the role was, with no other key but `name`.",
    )
    children: list[RoleDoc] = Field(default_factory=list)


class SourceDoc(Doc):
    """Exactly one of `user`, `role` (with `subordinates`), `territory` (with
    `sub_territories`)."""

    user: Email | None = None
    role: RoleName | None = None
    territory: Name | None = None
    subordinates: bool | None = Field(default=None, description="With `role`: the roles below.")
    sub_territories: bool | None = Field(
        default=None, description="With `territory`: its sub-territories' members too."
    )

    @model_validator(mode="after")
    def _one_kind(self) -> SourceDoc:
        kinds = [k for k in ("user", "role", "territory") if getattr(self, k) is not None]
        if len(kinds) != 1:
            raise ValueError("give exactly one of `user`, `role` or `territory`")
        if self.subordinates is not None and kinds[0] != "role":
            raise ValueError(f"`subordinates` applies to a role, not to `{kinds[0]}`")
        if self.sub_territories is not None and kinds[0] != "territory":
            raise ValueError(f"`sub_territories` applies to a territory, not to `{kinds[0]}`")
        return self


class GroupDoc(Doc):
    """A user group: its members are the union of its sources."""

    name: GroupName = Field(description="Unique in the org, compared case-insensitively.")
    description: Description | None = None
    previously: list[GroupName] = Field(
        default_factory=list,
        description="Former names: a live group with one of them is renamed, not deleted.",
    )
    sources: list[SourceDoc] = Field(min_length=1, max_length=MAX_GROUP_SOURCES)


class GroupsDoc(Doc):
    """The user groups this configuration manages."""

    prune: bool = Field(
        default=False, description="Delete the org's groups that are not listed here."
    )
    items: list[GroupDoc] = Field(default_factory=list)


class UserDoc(Doc):
    """One user's role and profile; users not listed are left alone."""

    email: Email
    role: RoleName | None = None
    profile: Name | None = None
