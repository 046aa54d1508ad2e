"""The seed format: a YAML or JSON description of an org (documented in docs/sandbox.md).

Users, roles, groups and territories refer to each other by email or name, never by id: ids
are assigned when the seed is loaded, deterministically, so the same seed always gives the
same ids."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator
from ruamel.yaml import YAML

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
    token: str
    scopes: list[str]


class SeedClient(_Model):
    client_id: str
    client_secret: str
    refresh_tokens: list[str | SeedRefreshToken] = []
    scopes: list[str] = list(ALL_SCOPES)
    user: str | None = None  # email of the user the tokens act as


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
    oauth_clients: list[SeedClient] = []


def load_seed(path: str | Path) -> Seed:
    """Read a seed file: `.json` as JSON, anything else as YAML."""
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    data = json.loads(text) if path.suffix == ".json" else YAML(typ="safe").load(text)
    return Seed.model_validate(data)


@cache
def demo_seed() -> Seed:
    """The demo org; parsed once per process (a Seed is immutable)."""
    return load_seed(DEMO_SEED)
