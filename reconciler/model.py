"""The one state type: what an org looks like, whether read from YAML or from Zoho.

`config.load()` and `live.read()` both return an `OrgState`; `diff(live, desired)` compares
two of them. Objects are identified by natural keys (territory name compared
case-insensitively, user email, (module, rule name)); Zoho ids ride along on the live side
only and never take part in a comparison.

A field the YAML leaves out is *unmanaged*. Pydantic records which fields were given in
`model_fields_set`, and `managed_fields()` reads it, so "absent" and "explicitly null"
stay distinct without a sentinel value.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from enum import StrEnum
from functools import cached_property
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from reconciler import limits

MAX_TERRITORIES = limits.TERRITORIES_PER_ORG
MAX_TERRITORY_NAME = limits.TERRITORY_NAME_CHARS
MAX_DESCRIPTION = limits.DESCRIPTION_CHARS
MIN_GROUP, MAX_GROUP = limits.CRITERIA_GROUP_MIN, limits.CRITERIA_GROUP_MAX
MAX_LIST_VALUES = limits.LIST_VALUES


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    def managed_fields(self) -> frozenset[str]:
        """The fields this object states (given in YAML, or every field on the live side)."""
        return frozenset(self.model_fields_set)


class Permission(StrEnum):
    """Access a territory's members get to its records."""

    read_write_delete = "read_write_delete"
    read_only = "read_only"


class Access(StrEnum):
    """Access a sharing rule grants (Zoho's enum differs from the territory one)."""

    read = "read"
    read_write_delete = "read_write_delete"


class ShareType(StrEnum):
    """Org-wide default access to a module's records."""

    private = "private"
    public_read_only = "public_read_only"
    public_read_write = "public_read_write"
    public = "public"


class Comparator(StrEnum):
    """Comparators of Zoho's criteria grammar (REFERENCE §3.3)."""

    equal = "equal"
    not_equal = "not_equal"
    like = "like"
    not_like = "not_like"
    starts_with = "starts_with"
    ends_with = "ends_with"
    contains = "contains"
    not_contains = "not_contains"
    less_than = "less_than"
    less_equal = "less_equal"
    greater_than = "greater_than"
    greater_equal = "greater_equal"
    between = "between"
    not_between = "not_between"
    in_ = "in"
    not_in = "not_in"
    include_all = "include_all"
    include_any = "include_any"
    exclude_all = "exclude_all"
    exclude_any = "exclude_any"


SCALAR_ONLY = frozenset(
    {
        Comparator.less_than,
        Comparator.less_equal,
        Comparator.greater_than,
        Comparator.greater_equal,
    }
)
PAIR_ONLY = frozenset({Comparator.between, Comparator.not_between})
LIST_ONLY = frozenset({Comparator.in_, Comparator.not_in})

# Standard modules whose org-wide default can be set (REFERENCE §5). Custom modules are
# org-specific and can only be checked against the live org.
DATA_SHARING_MODULES = (
    "Leads",
    "Accounts",
    "Contacts",
    "Deals",
    "Campaigns",
    "Tasks",
    "Events",
    "Calls",
    "Cases",
    "Solutions",
    "Products",
    "Vendors",
    "Price_Books",
    "Quotes",
    "Sales_Orders",
    "Purchase_Orders",
    "Invoices",
    "Appointments__s",
    "Appointments_Rescheduled_History__s",
    "Services__s",
)
# Modules that accept sharing rules (REFERENCE §6.1).
SHARING_RULE_MODULES = (
    "Leads",
    "Contacts",
    "Accounts",
    "Deals",
    "Tasks",
    "Events",
    "Calls",
    "Products",
    "Quotes",
    "Sales_Orders",
    "Purchase_Orders",
    "Invoices",
    "Campaigns",
    "Vendors",
    "Price_Books",
    "Cases",
    "Solutions",
)

Scalar = str | bool
Value = Scalar | tuple[Scalar, ...]


def _canonical(value: Any) -> Any:
    """Numbers become strings: Zoho stores criteria values as text ("value": "1001")."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int | float):
        return format(value, "g") if isinstance(value, float) else str(value)
    if isinstance(value, list | tuple):
        return tuple(_canonical(v) for v in value)
    return value


class Condition(Frozen):
    """One test of one field: `{field: Billing_Country, in: [USA, Canada]}` in YAML."""

    field: Annotated[str, Field(min_length=1, max_length=100)]
    comparator: Comparator
    value: Value

    @field_validator("value", mode="before")
    @classmethod
    def _canonical_value(cls, value: Any) -> Any:
        return _canonical(value)

    @model_validator(mode="after")
    def _value_fits_comparator(self) -> Condition:
        is_list = isinstance(self.value, tuple)
        if self.comparator in SCALAR_ONLY and is_list:
            raise ValueError(f"`{self.comparator.value}` takes a single value, not a list")
        if self.comparator in PAIR_ONLY and (not is_list or len(self.value) != 2):  # type: ignore[arg-type]
            raise ValueError(f"`{self.comparator.value}` takes exactly two values: [low, high]")
        if self.comparator in LIST_ONLY and not is_list:
            raise ValueError(f"`{self.comparator.value}` takes a list of values")
        if is_list and len(self.value) > MAX_LIST_VALUES:  # type: ignore[arg-type]
            raise ValueError(f"at most {MAX_LIST_VALUES} values are allowed in one condition")
        return self


class Group(Frozen):
    """`all:` (AND) or `any:` (OR) over 2 to 25 criteria, nesting allowed."""

    operator: Literal["and", "or"]
    criteria: Annotated[tuple[Criteria, ...], Field(min_length=MIN_GROUP, max_length=MAX_GROUP)]


Criteria = Condition | Group
Group.model_rebuild()


# The fields of a territory that the diff compares and a write sets, besides its name and place.
TERRITORY_FIELDS = (
    "manager",
    "permission",
    "description",
    "account_rule",
    "deal_rule",
    "lead_rule",
)


class Territory(Frozen):
    """A node of the territory tree, flattened: `parent` names the parent territory.

    The root (the org territory) has `parent=None`. `users` holds member emails, sorted
    and lower-cased; `None` there means membership is unmanaged.
    """

    name: Annotated[str, Field(min_length=1, max_length=MAX_TERRITORY_NAME)]
    parent: str | None = None
    manager: str | None = None
    permission: Permission = Permission.read_write_delete
    description: Annotated[str, Field(max_length=MAX_DESCRIPTION)] | None = None
    previously: tuple[str, ...] = ()
    users: tuple[str, ...] | None = None
    account_rule: Criteria | None = None
    deal_rule: Criteria | None = None
    lead_rule: Criteria | None = None
    id: str | None = Field(default=None, exclude=True)

    @field_validator("users", mode="after")
    @classmethod
    def _members_as_set(cls, users: tuple[str, ...] | None) -> tuple[str, ...] | None:
        # Membership is a set; emails compare case-insensitively.
        return None if users is None else tuple(sorted({u.casefold() for u in users}))

    @field_validator("manager", mode="after")
    @classmethod
    def _email_case(cls, manager: str | None) -> str | None:
        return None if manager is None else manager.casefold()

    @property
    def key(self) -> str:
        return name_key(self.name)

    @property
    def is_root(self) -> bool:
        return self.parent is None


def name_key(name: str) -> str:
    """How Zoho compares the names of territories, rules, roles and groups: trimmed and
    case-insensitive (territory names are unique org-wide, REFERENCE §3.8). Unicode is
    normalised (NFC) first, so that `é` typed one way matches `é` typed the other."""
    return unicodedata.normalize("NFC", unicodedata.normalize("NFC", name).strip().casefold())


RULE_KINDS = {"account_rule": "Accounts", "deal_rule": "Deals", "lead_rule": "Leads"}


class PrincipalKind(StrEnum):
    role = "role"
    group = "group"
    all_users = "all_users"


class Principal(Frozen):
    """Who a sharing rule shares from or to: a role (and maybe its subordinates), a group,
    or every user."""

    kind: PrincipalKind
    name: str | None = None
    subordinates: bool = False

    @model_validator(mode="after")
    def _shape(self) -> Principal:
        if self.kind is PrincipalKind.all_users:
            if self.name is not None:
                raise ValueError("`all_users` names no role or group")
            if self.subordinates:
                raise ValueError("`subordinates` does not apply to `all_users`")
        elif not self.name:
            raise ValueError(f"a {self.kind.value} needs a name")
        elif self.kind is PrincipalKind.group and self.subordinates:
            raise ValueError("`subordinates` applies to roles only")
        return self


class SharingRule(Frozen):
    """A data-sharing rule of one module. Record-owner rules have `source`, criteria rules
    have `criteria`; never both."""

    name: Annotated[str, Field(min_length=1, max_length=100)]
    source: Principal | None = Field(default=None, alias="from")
    criteria: Criteria | None = None
    target: Principal = Field(alias="to")
    access: Access = Access.read
    superiors: bool = False
    active: bool = True
    id: str | None = Field(default=None, exclude=True)

    @model_validator(mode="after")
    def _one_basis(self) -> SharingRule:
        if (self.source is None) == (self.criteria is None):
            raise ValueError("a sharing rule needs exactly one of `from` and `criteria`")
        return self

    @property
    def key(self) -> str:
        return name_key(self.name)

    @property
    def kind(self) -> Literal["owner", "criteria"]:
        return "owner" if self.source is not None else "criteria"


class User(Frozen):
    """A CRM user, as the live org knows it (reference data: never written)."""

    id: str
    email: str
    name: str = ""
    status: str = "active"
    role: str | None = None
    profile: str | None = None

    @property
    def active(self) -> bool:
        return self.status == "active"


class Named(Frozen):
    """A role or user group: referenced by name in YAML, by id on the wire."""

    id: str
    name: str


class Directory(Frozen):
    """Who and what the live org has that YAML refers to by name. Empty on the desired side.

    `modules` are named by API name; `fields` maps a module's API name to its field API
    names, for the modules whose fields were read (criteria checks)."""

    users: tuple[User, ...] = ()
    roles: tuple[Named, ...] = ()
    groups: tuple[Named, ...] = ()
    profiles: tuple[Named, ...] = ()
    modules: tuple[Named, ...] = ()
    fields: dict[str, tuple[str, ...]] = Field(default_factory=dict)
    current_user: str | None = None
    org_id: str | None = None
    org_name: str | None = None
    edition: str | None = None

    def model_copy(
        self, *, update: Mapping[str, Any] | None = None, deep: bool = False
    ) -> Directory:
        copy = super().model_copy(update=update, deep=deep)
        for cache in ("_by_email", "_by_id"):  # built from the old users
            copy.__dict__.pop(cache, None)
        return copy

    @cached_property
    def _by_email(self) -> dict[str, User]:
        return {u.email.casefold(): u for u in self.users}

    @cached_property
    def _by_id(self) -> dict[str, User]:
        return {u.id: u for u in self.users}

    def user_by_email(self, email: str) -> User | None:
        return self._by_email.get(email.casefold())

    def user_by_id(self, user_id: str) -> User | None:
        return self._by_id.get(user_id)

    def current_user_email(self) -> str | None:
        user = self.user_by_id(self.current_user) if self.current_user else None
        return user.email.casefold() if user else None


# Modules whose records hold territories (REFERENCE §4.3); those with rules of their own can be
# realigned (contacts follow their accounts).
RECORD_MODULES = ("Accounts", "Contacts", "Deals", "Leads")
REALIGN_MODULES = ("Accounts", "Deals", "Leads")


class Realign(StrEnum):
    """How `apply` moves existing records to where the rules now put them."""

    assign = "assign"  # add the territories the rules now give
    full = "full"  # also drop what a record no longer earns (never others' manual ones)


class Records(Frozen):
    """The `records:` and `realign:` sections: whether plans show where records land, and
    which modules' records apply realigns."""

    impact: bool = False
    realign: dict[str, Realign] = Field(default_factory=dict)


MAX_ROLE_NAME, MAX_GROUP_NAME = limits.ROLE_NAME_CHARS, limits.GROUP_NAME_CHARS
MAX_GROUP_SOURCES = limits.SOURCES_PER_GROUP


class Role(Frozen):
    """A node of the role tree, flattened: `parent` names the role it reports to; the top
    role (the CEO's) has none. A role with `transfer_to` is a tombstone: it is to be deleted,
    its users and remaining children moving to that role."""

    name: Annotated[str, Field(min_length=1, max_length=MAX_ROLE_NAME)]
    parent: str | None = None
    description: Annotated[str, Field(max_length=MAX_DESCRIPTION)] | None = None
    share_with_peers: bool = False
    previously: tuple[str, ...] = ()
    transfer_to: str | None = None
    id: str | None = Field(default=None, exclude=True)

    @property
    def key(self) -> str:
        return name_key(self.name)

    @property
    def is_root(self) -> bool:
        return self.parent is None and self.transfer_to is None

    @property
    def deleted(self) -> bool:
        return self.transfer_to is not None


class SourceKind(StrEnum):
    """What a user group draws its members from (REFERENCE §7.3)."""

    user = "user"
    role = "role"
    territory = "territory"


class GroupSource(Frozen):
    """One source of a group: a user (by email), a role or a territory (by name); for roles
    `subordinates`, for territories `sub_territories`, both as `below`."""

    kind: SourceKind
    name: str
    below: bool = False

    @property
    def key(self) -> tuple[str, str]:
        name = self.name.casefold() if self.kind is SourceKind.user else name_key(self.name)
        return self.kind.value, name


class UserGroup(Frozen):
    """A user group; its sources form a set (order does not matter to Zoho)."""

    name: Annotated[str, Field(min_length=1, max_length=MAX_GROUP_NAME)]
    description: Annotated[str, Field(max_length=MAX_DESCRIPTION)] | None = None
    previously: tuple[str, ...] = ()
    sources: tuple[GroupSource, ...] = ()
    id: str | None = Field(default=None, exclude=True)

    @field_validator("sources", mode="after")
    @classmethod
    def _as_set(cls, sources: tuple[GroupSource, ...]) -> tuple[GroupSource, ...]:
        return tuple(sorted({s.key: s for s in sources}.values(), key=lambda s: s.key))

    @property
    def key(self) -> str:
        return name_key(self.name)


class UserAccess(Frozen):
    """A user's role and profile, by name; a field left out is not managed."""

    email: str
    role: str | None = None
    profile: str | None = None
    id: str | None = Field(default=None, exclude=True)

    @field_validator("email", mode="after")
    @classmethod
    def _email_case(cls, email: str) -> str:
        return email.casefold()


class OrgState(Frozen):
    """A whole org, desired or live. A section that is `None` is unmanaged."""

    territories: tuple[Territory, ...] | None = None
    data_sharing: dict[str, ShareType] | None = None
    sharing_rules: dict[str, tuple[SharingRule, ...]] | None = None
    records: Records | None = Field(default=None, exclude=True)
    roles: tuple[Role, ...] | None = None
    groups: tuple[UserGroup, ...] | None = None
    prune_groups: bool = False
    users: tuple[UserAccess, ...] | None = None
    directory: Directory = Field(default_factory=Directory, exclude=True)

    def root(self) -> Territory | None:
        return next((t for t in self.territories or () if t.is_root), None)

    def territory(self, name: str) -> Territory | None:
        key = name_key(name)
        return next((t for t in self.territories or () if t.key == key), None)
