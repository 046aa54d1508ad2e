"""The steps of a plan: one value per API call `apply` will make.

A step names what it acts on by name *and* by live id, or by the step that creates it
(`created_by`) when the object does not exist yet. Fields a step leaves unset are not sent:
pydantic's `model_fields_set` survives the JSON round trip of a plan file, so "not managed"
and "set to null" stay distinct.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal

from pydantic import Field

from reconciler import limits
from reconciler.model import (
    Access,
    Criteria,
    Frozen,
    Permission,
    PrincipalKind,
    ShareType,
    SourceKind,
)


class Limits(Frozen):
    """Batch sizes and caps. Where the sources disagree the smaller value is the default
    (REFERENCE §13); a faster org can be told otherwise."""

    territories_per_call: int = limits.TERRITORIES_PER_CALL
    deletes_per_call: int = limits.DELETES_PER_CALL
    users_per_territory_call: int = limits.USERS_PER_TERRITORY_CALL
    ids_chars: int = limits.IDS_CHARS
    territories_per_user_call: int = limits.TERRITORIES_PER_USER_CALL
    user_territory_ids_per_call: int = limits.USER_TERRITORY_IDS_PER_CALL
    defaults_per_call: int = limits.DEFAULTS_PER_CALL
    users_per_territory: int = limits.USERS_PER_TERRITORY
    territories_per_org: int = limits.TERRITORIES_PER_ORG
    groups_per_call: int = limits.GROUPS_PER_CALL
    users_per_call: int = limits.USERS_PER_CALL


class Ref(Frozen):
    """A territory, user, module or rule: by live id, or by the step that creates it."""

    name: str
    id: str | None = None
    created_by: int | None = None


class Action(StrEnum):
    create_territories = "create_territories"
    update_territories = "update_territories"
    delete_territories = "delete_territories"
    add_users_to_territory = "add_users_to_territory"
    remove_users_from_territory = "remove_users_from_territory"
    add_territories_to_user = "add_territories_to_user"
    remove_territories_from_user = "remove_territories_from_user"
    set_defaults = "set_defaults"
    create_rule = "create_rule"
    update_rule = "update_rule"
    delete_rule = "delete_rule"
    activate_rule = "activate_rule"
    deactivate_rule = "deactivate_rule"
    create_role = "create_role"
    update_role = "update_role"
    delete_role = "delete_role"
    create_groups = "create_groups"
    update_group = "update_group"
    delete_group = "delete_group"
    update_users = "update_users"


class TerritoryFields(Frozen):
    """What to set on a territory; only the fields given are sent."""

    name: str | None = None
    parent: Ref | None = None
    manager: Ref | None = None
    permission: Permission | None = None
    description: str | None = None
    account_rule: Criteria | None = None
    deal_rule: Criteria | None = None
    lead_rule: Criteria | None = None


class NewTerritory(TerritoryFields):
    name: str
    parent: Ref
    permission: Permission = Permission.read_write_delete


class TerritoryUpdate(TerritoryFields):
    territory: Ref


class TerritoryRemoval(Frozen):
    territory: Ref
    transfer_to: Ref


class DefaultSetting(Frozen):
    module: Ref
    share_type: ShareType


class PrincipalRef(Frozen):
    kind: PrincipalKind
    name: str | None = None
    id: str | None = None
    subordinates: bool = False
    created_by: int | None = None


class RulePayload(Frozen):
    """A whole sharing rule as Zoho takes it on create and update."""

    name: str
    source: PrincipalRef | None = None
    criteria: Criteria | None = None
    target: PrincipalRef
    access: Access
    superiors: bool


class StepBase(Frozen):
    id: int
    level: int = 0
    after: tuple[int, ...] = ()


class CreateTerritories(StepBase):
    action: Literal[Action.create_territories]
    items: tuple[NewTerritory, ...]


class UpdateTerritories(StepBase):
    action: Literal[Action.update_territories]
    items: tuple[TerritoryUpdate, ...]


class DeleteTerritories(StepBase):
    """Transfer-and-delete: records and any remaining children go to `transfer_to`."""

    action: Literal[Action.delete_territories]
    items: tuple[TerritoryRemoval, ...]


class TerritoryUsers(StepBase):
    action: Literal[Action.add_users_to_territory, Action.remove_users_from_territory]
    territory: Ref
    users: tuple[Ref, ...]


class UserTerritories(StepBase):
    action: Literal[Action.add_territories_to_user, Action.remove_territories_from_user]
    user: Ref
    territories: tuple[Ref, ...]


class SetDefaults(StepBase):
    action: Literal[Action.set_defaults]
    items: tuple[DefaultSetting, ...]


class RuleWrite(StepBase):
    action: Literal[Action.create_rule, Action.update_rule]
    module: str
    rule: Ref
    payload: RulePayload


class RuleFlag(StepBase):
    action: Literal[Action.delete_rule, Action.activate_rule, Action.deactivate_rule]
    module: str
    rule: Ref


class RoleFields(Frozen):
    """What to set on a role; only the fields given are sent."""

    name: str | None = None
    parent: Ref | None = None
    description: str | None = None
    share_with_peers: bool | None = None


class RoleWrite(StepBase):
    """Create (one role per call, REFERENCE §7.2) or update a role."""

    action: Literal[Action.create_role, Action.update_role]
    role: Ref
    fields: RoleFields


class RoleRemoval(StepBase):
    """Delete a role; its users (and any children) move to `transfer_to`."""

    action: Literal[Action.delete_role]
    role: Ref
    transfer_to: Ref


class SourceRef(Frozen):
    kind: SourceKind
    ref: Ref
    below: bool = False


class GroupPayload(Frozen):
    """A whole group as Zoho takes it: name, description and every source."""

    name: str
    description: str | None = None
    sources: tuple[SourceRef, ...]


class CreateGroups(StepBase):
    action: Literal[Action.create_groups]
    items: tuple[GroupPayload, ...]


class GroupWrite(StepBase):
    action: Literal[Action.update_group]
    group: Ref
    payload: GroupPayload


class GroupRemoval(StepBase):
    """Delete a group; Zoho may schedule it, and the call waits until it is gone."""

    action: Literal[Action.delete_group]
    group: Ref


class UserUpdate(Frozen):
    user: Ref
    role: Ref | None = None
    profile: Ref | None = None


class UpdateUsers(StepBase):
    action: Literal[Action.update_users]
    items: tuple[UserUpdate, ...]


Step = Annotated[
    CreateTerritories
    | UpdateTerritories
    | DeleteTerritories
    | TerritoryUsers
    | UserTerritories
    | SetDefaults
    | RuleWrite
    | RuleFlag
    | RoleWrite
    | RoleRemoval
    | CreateGroups
    | GroupWrite
    | GroupRemoval
    | UpdateUsers,
    Field(discriminator="action"),
]
