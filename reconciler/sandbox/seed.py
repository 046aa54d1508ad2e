"""The seed format: a YAML or JSON description of an org (documented in docs/sandbox.md).

Users, roles, groups and territories refer to each other by email or name, never by id: ids
are assigned when the seed is loaded, deterministically, so the same seed always gives the
same ids."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, field_validator

from reconciler.sandbox.criteria import COMPARATORS_BY_TYPE, NOT_IN_CRITERIA
from reconciler.sandbox.seed_errors import Problem, SeedError, validation_problems
from reconciler.sandbox.seed_file import SeedText
from reconciler.sandbox.seed_refs import reference_problems
from reconciler.sandbox.settings import normalise_edition
from reconciler.sandbox.store import DEFAULT_ID_PREFIX

DEMO_SEED = Path(__file__).with_name("demo_seed.yaml")

ShareType = Literal["private", "public_read_only", "public_read_write", "public"]
FeatureState = Literal["enabled", "disabled", "not_enabled"]
ALL_SCOPES = (
    "ZohoCRM.settings.ALL",
    "ZohoCRM.users.ALL",
    "ZohoCRM.org.ALL",
    "ZohoCRM.modules.ALL",
    "ZohoFiles.files.READ",
)
FIELD_TYPES = (*COMPARATORS_BY_TYPE, *sorted(NOT_IN_CRITERIA))


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SeedOrg(_Model):
    name: str = Field(min_length=1, max_length=50)
    edition: str = "enterprise"
    domain: str = "zylker.example"
    primary_email: str | None = None
    country_code: str = "US"
    currency: str = "USD"
    time_zone: str = "America/Los_Angeles"
    territory_management: FeatureState | None = None
    territory_rule_modules: list[str] = ["Accounts", "Deals", "Leads"]
    admin: str | None = None  # email of the user OAuth tokens act as; default: first admin
    # The first digits of every id in the org (Zoho's ids carry an org-specific prefix), so
    # two orgs made from one seed can be told apart: give each its own.
    id_prefix: int = Field(DEFAULT_ID_PREFIX, ge=1_000_000, le=9_199_999)

    @field_validator("edition")
    @classmethod
    def _edition(cls, value: str) -> str:
        return normalise_edition(value)

    def territories_state(self) -> FeatureState:
        """Territory Management is an Enterprise-and-above feature unless the seed says."""
        if self.territory_management is not None:
            return self.territory_management
        return "enabled" if self.edition in ("enterprise", "ultimate") else "not_enabled"


class SeedProfile(_Model):
    name: str
    description: str | None = None
    admin: bool = False
    custom: bool = False


class SeedRole(_Model):
    name: str
    description: str | None = None
    share_with_peers: bool = True
    children: list[SeedRole] = []


class SeedUser(_Model):
    email: str = Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    first_name: str | None = None
    last_name: str
    role: str
    profile: str = "Standard"
    status: Literal["active", "inactive", "deleted"] = "active"
    confirmed: bool = True
    reports_to: str | None = None


class SeedSource(_Model):
    """One member of a user group: exactly one of user, role, territory, group."""

    user: str | None = None
    role: str | None = None
    territory: str | None = None
    group: str | None = None
    subordinates: bool = False


class SeedGroup(_Model):
    name: str
    description: str | None = None
    sources: list[SeedSource] = []


class SeedField(_Model):
    api_name: str
    label: str | None = None
    type: str = "text"

    @field_validator("type")
    @classmethod
    def _type(cls, value: str) -> str:
        if value not in FIELD_TYPES:
            raise ValueError(f"unknown field type {value!r}; one of {', '.join(FIELD_TYPES)}")
        return value


class SeedModule(_Model):
    api_name: str
    singular: str | None = None
    plural: str | None = None
    share_type: ShareType | None = "private"
    public_in_portals: bool = False
    sharing_rules: bool = True
    territories: bool = False
    record_territory_cap: int | None = None
    fields: list[SeedField] = []


class SeedTerritory(_Model):
    name: str
    manager: str | None = None
    permission_type: Literal["read_write_delete", "read_only"] = "read_write_delete"
    description: str | None = None
    users: list[str] = []
    children: list[SeedTerritory] = []


class SeedRefreshToken(_Model):
    token: str = Field(min_length=1)
    scopes: list[str] | None = None  # None: the client's


class SeedClient(_Model):
    client_id: str = Field(min_length=1)
    client_secret: str
    refresh_tokens: list[SeedRefreshToken] = []
    scopes: list[str] = list(ALL_SCOPES)
    user: str | None = None  # email of the user the tokens act as

    @field_validator("refresh_tokens", mode="before")
    @classmethod
    def _plain_tokens(cls, value: Any) -> Any:
        """A plain string is a token with the client's scopes."""
        if not isinstance(value, list):
            return value
        return [{"token": item} if isinstance(item, str) else item for item in value]


# What a seed that leaves `oauth_clients` out gets, so the local target always has a client.
BUILT_IN_CREDENTIALS = ("sandbox", "sandbox-secret", "sandbox-refresh")
BUILT_IN_CLIENT = SeedClient(
    client_id=BUILT_IN_CREDENTIALS[0],
    client_secret=BUILT_IN_CREDENTIALS[1],
    refresh_tokens=[BUILT_IN_CREDENTIALS[2]],
)


class Seed(_Model):
    org: SeedOrg
    profiles: list[SeedProfile] = [
        SeedProfile(name="Administrator", admin=True),
        SeedProfile(name="Standard"),
    ]
    roles: list[SeedRole]
    users: list[SeedUser] = Field(min_length=1)
    groups: list[SeedGroup] = []
    modules: list[SeedModule] = []
    records: dict[str, list[dict[str, Any]]] = {}
    territories: list[SeedTerritory] = []
    root_users: list[str] = []
    oauth_clients: list[SeedClient] = [BUILT_IN_CLIENT]
    _source: str | None = PrivateAttr(default=None)  # the file it came from, for messages

    @property
    def source(self) -> str | None:
        return self._source


def load_seed(path: str | Path) -> Seed:
    """Read a seed file (`.json` as JSON, anything else as YAML) and check it whole.
    SeedError lists every problem at FILE:LINE:COL."""
    source = SeedText.read(Path(path))
    if not isinstance(source.data, dict):
        raise source.error([_not_a_mapping(source.data)])
    try:
        seed = Seed.model_validate(source.data)
    except ValidationError as error:
        raise source.error(validation_problems(error, Seed)) from None
    problems = reference_problems(seed)
    if problems:
        raise source.error(problems)
    seed._source = source.name
    return seed


def _not_a_mapping(data: Any) -> Problem:
    if data is None:
        return Problem((), "the seed is empty; it needs at least `org`, `roles` and `users`")
    return Problem((), "a seed is a mapping with `org`, `roles` and `users` at the top")


def check_seed(seed: Seed) -> None:
    """SeedError naming every dangling or repeated name of a seed built in code."""
    problems = reference_problems(seed)
    if problems:
        raise SeedError(problems)


@cache
def demo_seed() -> Seed:
    """The demo org; parsed once per process (a Seed is immutable)."""
    return load_seed(DEMO_SEED)
