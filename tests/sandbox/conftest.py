"""Fixtures for the sandbox tests: a fake clock, a demo-org sandbox in memory, and an httpx
client that reaches it in-process with a valid token.

Every answer a sandbox gives in any test is checked against the official Zoho specs
(tests/contract/plugin.py); the allowed deviations are in tests/contract/deviations.py."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from reconciler.sandbox import IN_PROCESS_URL, Sandbox, SandboxSettings, SandboxTransport

START = 1_750_000_000.0


class FakeClock:
    """A clock tests move by hand instead of sleeping."""

    def __init__(self, now: float = START) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def settings() -> SandboxSettings:
    return SandboxSettings()


@pytest.fixture
def sandbox(clock: FakeClock, settings: SandboxSettings) -> Sandbox:
    return Sandbox(clock=clock, settings=settings)


def make_client(sandbox: Sandbox, token: str | None = None) -> httpx.AsyncClient:
    headers = {"Authorization": f"Zoho-oauthtoken {token or sandbox.issue_token()}"}
    return httpx.AsyncClient(
        transport=SandboxTransport(sandbox), base_url=IN_PROCESS_URL, headers=headers
    )


@pytest.fixture
async def client(sandbox: Sandbox) -> AsyncIterator[httpx.AsyncClient]:
    async with make_client(sandbox) as http:
        yield http


@dataclass
class Org:
    """Ids of the demo org's objects, looked up by name or email."""

    sandbox: Sandbox

    def _one(self, sql: str, *args: Any) -> str:
        with self.sandbox.store.transaction() as db:
            row = db.execute(sql, args).fetchone()
        assert row is not None, (sql, args)
        return str(row[0])

    @property
    def root(self) -> str:
        return self._one("SELECT id FROM territories WHERE parent_id IS NULL")

    def user(self, email: str) -> str:
        return self._one("SELECT id FROM users WHERE email = ?", email)

    def role(self, name: str) -> str:
        return self._one("SELECT id FROM roles WHERE name = ?", name)

    def group(self, name: str) -> str:
        return self._one("SELECT id FROM groups WHERE name = ?", name)

    def module(self, api_name: str) -> str:
        return self._one("SELECT id FROM modules WHERE api_name = ?", api_name)

    def record(self, module: str, field: str, value: str) -> str:
        return self._one(
            "SELECT id FROM records WHERE module = ? AND json_extract(data, ?) = ?",
            module,
            f"$.{field}",
            value,
        )

    @property
    def admin(self) -> str:
        return self.user("patricia.boyle@zylker.example")


@pytest.fixture
def org(sandbox: Sandbox) -> Org:
    return Org(sandbox)


async def create_territory(client: httpx.AsyncClient, name: str, parent: str, **fields: Any) -> str:
    """Create one territory and return its id (asserting success)."""
    item = {
        "name": name,
        "reporting_to": {"id": parent},
        "permission_type": "read_write_delete",
        **fields,
    }
    response = await client.post("/crm/v8/settings/territories", json={"territories": [item]})
    assert response.status_code == 201, response.text
    return str(response.json()["territories"][0]["details"]["id"])
