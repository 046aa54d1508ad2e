"""The YAML file format, as pydantic models: validation and the published JSON schema.

These models describe what a user writes (a nested tree, `from: {role: ...}`,
`{all: [...]}` criteria). `config.py` turns a validated document into the flat `OrgState`
the rest of the tool works on.
"""

from __future__ import annotations

import json
import re
from typing import Annotated, Any, Literal

from pydantic import (
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    ValidationError,
    field_validator,
    model_validator,
)

from reconciler.config.access_doc import GroupsDoc, RoleDoc, UserDoc
from reconciler.config.doc_base import Doc, Email, Name, Plain, Trimmed
from reconciler.model import (
    MAX_DESCRIPTION,
    MAX_GROUP,
    MAX_TERRITORY_NAME,
    MIN_GROUP,
    Access,
    Comparator,
    Condition,
    Permission,
    Realign,
    ShareType,
)

TerritoryName = Annotated[str, Trimmed, Field(min_length=1, max_length=MAX_TERRITORY_NAME), Plain]


class ConditionDoc(Doc):
    """One test on one field, with exactly one comparator key: `{field: X, in: [a, b]}`."""

    model_config = ConfigDict(json_schema_extra={"minProperties": 2, "maxProperties": 2})

    field: str = Field(min_length=1, description="The field's API name, e.g. Billing_Country.")
    equal: Any = None
    not_equal: Any = None
    like: Any = None
    not_like: Any = None
    starts_with: Any = None
    ends_with: Any = None
    contains: Any = None
    not_contains: Any = None
    less_than: Any = None
    less_equal: Any = None
    greater_than: Any = None
    greater_equal: Any = None
    between: Any = None
    not_between: Any = None
    in_: Any = Field(default=None, alias="in")
    not_in: Any = None
    include_all: Any = None
    include_any: Any = None
    exclude_all: Any = None
    exclude_any: Any = None

    @model_validator(mode="after")
    def _one_comparator(self) -> ConditionDoc:
        given = self.comparators()
        if len(given) != 1:
            found = ", ".join(f"`{c.value}`" for c in given) or "none"
            raise ValueError(f"a condition takes exactly one comparator (found {found})")
        try:
            self.to_condition()
        except ValidationError as exc:
            raise ValueError(exc.errors()[0]["msg"].removeprefix("Value error, ")) from None
        return self

    def to_condition(self) -> Condition:
        (comparator,) = self.comparators()
        return Condition(field=self.field, comparator=comparator, value=self.value())

    def comparators(self) -> list[Comparator]:
        names = self.model_fields_set - {"field"}
        return [Comparator(self.__class__.model_fields[n].alias or n) for n in sorted(names)]

    def value(self) -> Any:
        (comparator,) = self.comparators()
        return getattr(self, "in_" if comparator is Comparator.in_ else comparator.value)


GroupItems = Annotated[list["CriteriaDoc"], Field(min_length=MIN_GROUP, max_length=MAX_GROUP)]


class AllDoc(Doc):
    """Every criterion must hold (Zoho's `AND` group)."""

    all: GroupItems


class AnyDoc(Doc):
    """At least one criterion must hold (Zoho's `OR` group)."""

    any: GroupItems


def _criteria_tag(value: Any) -> str:
    if isinstance(value, dict):
        if "all" in value:
            return "all"
        if "any" in value:
            return "any"
    return "condition"


CriteriaDoc = Annotated[
    Annotated[AllDoc, Tag("all")]
    | Annotated[AnyDoc, Tag("any")]
    | Annotated[ConditionDoc, Tag("condition")],
    Discriminator(_criteria_tag),
]
AllDoc.model_rebuild()
AnyDoc.model_rebuild()


class TerritoryDoc(Doc):
    """A territory and its children. A key left out is left as it is in the org."""

    name: TerritoryName = Field(description="Unique in the org, compared case-insensitively.")
    parent: TerritoryName | None = Field(
        default=None,
        description="Only at the top of a file: hang this subtree under a territory "
        "declared in another file.",
    )
    manager: Email | None = Field(default=None, description="The manager's email; null: none.")
    permission: Permission | None = Field(
        default=None, description="What members may do with the territory's records."
    )
    description: Annotated[str, Field(max_length=MAX_DESCRIPTION)] | None = None
    previously: list[TerritoryName] = Field(
        default_factory=list,
        description="Former names: a live territory with one of them is renamed, not "
        "deleted and re-created.",
    )
    users: list[Email] | None = Field(
        default=None,
        description="Member emails. Present: membership is managed (others are removed).",
    )
    account_rule: CriteriaDoc | None = Field(default=None, description="Assigns Accounts.")
    deal_rule: CriteriaDoc | None = Field(default=None, description="Assigns Deals.")
    lead_rule: CriteriaDoc | None = Field(default=None, description="Assigns Leads.")
    children: list[TerritoryDoc] = Field(default_factory=list)


class PrincipalDoc(Doc):
    """Exactly one of `role` (optionally with its subordinates), `group`, `all_users`."""

    role: Name | None = None
    group: Name | None = None
    all_users: Literal[True] | None = None
    subordinates: bool | None = Field(
        default=None, description="With `role`: include the roles below it."
    )

    @model_validator(mode="after")
    def _one_kind(self) -> PrincipalDoc:
        kinds = [k for k in ("role", "group", "all_users") if getattr(self, k) is not None]
        if len(kinds) != 1:
            raise ValueError("give exactly one of `role`, `group` or `all_users: true`")
        if self.subordinates is not None and kinds[0] != "role":
            raise ValueError(f"`subordinates` applies to a role, not to `{kinds[0]}`")
        return self


class SharingRuleDoc(Doc):
    """Share a module's records: by owner (`from`) or by `criteria`, never both."""

    name: Name = Field(max_length=100)
    source: PrincipalDoc | None = Field(
        default=None, alias="from", description="Records owned by these users."
    )
    criteria: CriteriaDoc | None = Field(default=None, description="Records matching this.")
    target: PrincipalDoc = Field(alias="to", description="Who gets access.")
    access: Access | None = None
    superiors: bool | None = Field(
        default=None, description="Superiors of the receiving users get access too."
    )
    active: bool | None = None

    @model_validator(mode="after")
    def _one_basis(self) -> SharingRuleDoc:
        if self.source is not None and self.criteria is not None:
            raise ValueError("a rule shares either `from` owners or by `criteria`, not both")
        if self.source is None and self.criteria is None:
            raise ValueError("a rule needs `from` (owners) or `criteria`")
        return self


class RecordsDoc(Doc):
    impact: bool = Field(
        default=False,
        description="Plans read the records the territory changes touch and report where "
        "they land (as `plan --records` does).",
    )


PERCENT = re.compile(r"[0-9]+(\.[0-9]+)?%")
POLICY_CHECKS = (
    "data_sharing_at_most",
    "no_read_write_delete_for_all_users",
    "manager_is_member",
    "max_deletes",
    "max_memberships_removed",
    "max_depth",
    "protected",
)


class PolicyDoc(Doc):
    """A guardrail on the plan and the desired state, with exactly one check: `deny`
    refuses `plan --out` and `apply`; `warn` is printed and shown in the PR comment."""

    name: Name = Field(max_length=100)
    enforce: Literal["deny", "warn"] = "deny"
    data_sharing_at_most: dict[str, ShareType] | None = Field(
        default=None,
        description="Per module (or `*` for every module), the widest default allowed.",
    )
    no_read_write_delete_for_all_users: Literal[True] | None = Field(
        default=None, description="No sharing rule grants read_write_delete to all users."
    )
    manager_is_member: Literal[True] | None = Field(
        default=None, description="Every territory but the root has a manager among its users."
    )
    max_deletes: Annotated[int, Field(ge=0)] | None = Field(
        default=None, description="At most this many territories and sharing rules deleted."
    )
    max_memberships_removed: int | str | None = Field(
        default=None, description="At most this many memberships removed, or this share: `10%`."
    )
    max_depth: Annotated[int, Field(ge=1)] | None = Field(
        default=None, description="No territory deeper than this below the root (depth 1)."
    )
    protected: list[TerritoryName] | None = Field(
        default=None, description="Territories that must never be deleted."
    )

    @field_validator("max_memberships_removed", mode="before")
    @classmethod
    def _count_or_share(cls, value: Any) -> Any:
        if value is None or (type(value) is int and value >= 0):
            return value
        if isinstance(value, str) and PERCENT.fullmatch(value):
            return value
        raise ValueError(f"`{value}` is neither a count nor a share such as `10%`")

    @model_validator(mode="after")
    def _one_check(self) -> PolicyDoc:
        given = [c for c in POLICY_CHECKS if getattr(self, c) is not None]
        if len(given) != 1:
            found = ", ".join(f"`{c}`" for c in given) or "none"
            raise ValueError(f"a policy takes exactly one check (found {found})")
        return self

    @property
    def check(self) -> str:
        return next(c for c in POLICY_CHECKS if getattr(self, c) is not None)


class ConfigDoc(Doc):
    """One reconciler YAML file. A section left out is not managed."""

    model_config = ConfigDict(title="reconciler configuration")

    version: Literal[1] = 1
    territories: TerritoryDoc | None = Field(
        default=None, description="The territory tree from the org's root territory down."
    )
    data_sharing: dict[str, ShareType] | None = Field(
        default=None, description="Org-wide default access per module (only those listed)."
    )
    sharing_rules: dict[str, list[SharingRuleDoc]] | None = Field(
        default=None, description="Sharing rules per module (only the modules listed)."
    )
    records: RecordsDoc | None = Field(
        default=None, description="What plans say about records (docs/record-impact.md)."
    )
    realign: dict[str, Realign] | None = Field(
        default=None,
        description="Per module, how apply moves existing records to where the territory "
        "rules now put them: assign (add) or full (add and drop).",
    )
    roles: RoleDoc | None = Field(
        default=None, description="The role tree from the top role down (all roles managed)."
    )
    groups: GroupsDoc | None = Field(
        default=None, description="User groups (those listed; `prune: true` deletes the rest)."
    )
    users: list[UserDoc] | None = Field(
        default=None, description="Users' roles and profiles (only the users listed)."
    )
    policies: list[PolicyDoc] | None = Field(
        default=None, description="Checks every plan must pass (docs/safety.md)."
    )


SCHEMA_ID = "https://reconciler.dev/schemas/reconciler.schema.json"


def json_schema() -> dict[str, Any]:
    """The JSON schema editors use to complete and check the YAML."""
    schema = ConfigDoc.model_json_schema(by_alias=True)
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": SCHEMA_ID, **schema}


def schema_text() -> str:
    """The schema as the committed file holds it: stable key order, trailing newline."""
    return json.dumps(json_schema(), indent=2, sort_keys=True) + "\n"
