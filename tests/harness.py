"""The apply tests' world: a demo-org sandbox in memory, reached through the real client over
its in-process httpx transport, with virtual time, and the scenario library in
tests/scenarios/. Every answer the sandbox gives is checked against the official schemas by
the contract plugin (tests/contract/plugin.py).

Virtual time: the client's `sleep` returns at once and moves both the client's clock and the
sandbox's, so Zoho's rule recomputation (`CANNOT_PROCESS` for `rule_recompute_s` seconds
after each rule write) is waited out as it would be, in no real time.
"""

from __future__ import annotations

import random
import textwrap
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import httpx

from reconciler.apply.report import Report
from reconciler.cli import workflow
from reconciler.cli.target import sandbox_target
from reconciler.config.load import Config, load, load_documents
from reconciler.live import read
from reconciler.model import OrgState
from reconciler.plan.file import SavedPlan
from reconciler.sandbox import IN_PROCESS_URL, Sandbox, SandboxSettings, SandboxTransport
from reconciler.scope import Scope
from reconciler.zoho.client import ZohoClient
from reconciler.zoho.retry import RetryPolicy
from tests.clients import SandboxClock, Time

SCENARIOS = Path(__file__).parent / "scenarios"
# Zoho takes seconds to minutes to recompute sharing; 30 s of virtual time per rule write.
RECOMPUTE_S = 30.0
POLICY = RetryPolicy(attempts=3, base_delay=0.5, max_delay=4.0, total_time=30.0)


@cache
def scenario(name: str) -> Config:
    """A scenario of the library by file stem (`01_from_nothing`); read once per process."""
    return load([SCENARIOS / f"{name}.yaml"])


def yaml(text: str) -> Config:
    """A configuration written inline (dedented), as if it were `inline.yaml`."""
    return load_documents([("inline.yaml", textwrap.dedent(text).encode())])


def config(state: OrgState) -> Config:
    """A configuration of a state built in code."""
    return Config(state=state, sources={}, files=())


def scenario_names() -> list[str]:
    return sorted(p.stem for p in SCENARIOS.glob("*.yaml"))


@dataclass
class Org:
    """One sandbox org and a connection to it through the real client."""

    sandbox: Sandbox
    time: Time
    connection: workflow.Connection

    @property
    def client(self) -> ZohoClient:
        return self.connection.client

    async def plan(self, config: Config) -> SavedPlan:
        return await workflow.make_plan(config, self.connection)

    async def apply(self, config: Config, *, allow_deletes: bool = True) -> Report:
        """Plan and apply in one go (`apply PATH --auto-approve`): against the org the plan
        was made from, as the command does."""
        saved, live = await workflow.planned(config, self.connection)
        return await workflow.apply_saved(
            saved, self.connection, allow_deletes=allow_deletes, verify=False, live=live
        )

    async def converge(self, config: Config) -> Report:
        """Apply `config`; the apply must succeed and a second plan must be empty."""
        report = await self.apply(config)
        assert report.ok, failures(report)
        again = await self.plan(config)
        assert again.plan.empty, f"not converged: {again.plan.changes}"
        return report

    async def live(self) -> OrgState:
        """Everything in the org, members of every territory included."""
        return await read(self.client, Scope.everything())

    def http(self) -> httpx.AsyncClient:
        """A plain HTTP client on the org: for what reconciler never does (records), or to
        change the org behind its back."""
        token = self.sandbox.issue_token()
        return httpx.AsyncClient(
            transport=SandboxTransport(self.sandbox),
            base_url=IN_PROCESS_URL,
            headers={"Authorization": f"Zoho-oauthtoken {token}"},
        )

    async def assign(self, module: str, field: str, value: str, territory: str) -> str:
        """Assign the record whose `field` is `value` to a territory; return the record id."""
        async with self.http() as http:
            rows = (await http.get(f"/crm/v8/{module}", params={"fields": field})).json()["data"]
            record = next(str(r["id"]) for r in rows if r.get(field) == value)
            body = {"data": [{"Territories": [{"id": await self.territory_id(territory)}]}]}
            url = f"/crm/v8/{module}/{record}/actions/assign_territories"
            assert (await http.post(url, json=body)).status_code == 200
        return record

    async def record_territories(self, module: str, record: str) -> list[str]:
        async with self.http() as http:
            body = (await http.get(f"/crm/v8/{module}/{record}")).json()
        return [t["Name"] for t in body["data"][0]["Territories"]]

    async def territory_id(self, name: str) -> str:
        found = (await self.live()).territory(name)
        assert found is not None and found.id is not None, name
        return found.id

    def writes(self) -> Counter[str]:
        """Write calls in the sandbox's log, by `METHOD template`."""
        log = self.sandbox.stats()["log"]
        return Counter(f"{e['method']} {e['template']}" for e in log if e["write"])


def failures(report: Report) -> list[str]:
    return [
        f"step {s.step} {s.action} {s.status}: {s.code} {s.message}"
        for s in report.steps
        if s.status != "done"
    ]


@asynccontextmanager
async def open_org(
    settings: SandboxSettings | None = None, db: Path | None = None, **client: Any
) -> AsyncIterator[Org]:
    """A fresh demo org in memory (or the org saved in `db`); `client` are ZohoClient
    keywords (concurrency, retry...)."""
    clock = SandboxClock()
    settings = settings or SandboxSettings(rule_recompute_s=RECOMPUTE_S)
    sandbox = Sandbox(db or ":memory:", clock=clock, settings=settings)
    time = Time(clock)
    target = sandbox_target(sandbox=sandbox)
    client.setdefault("retry", POLICY)
    options = {"sleep": time.sleep, "clock": time.clock, "rng": random.Random(0), **client}
    try:
        async with ZohoClient.for_target(target, **options) as zoho:
            yield Org(sandbox, time, workflow.Connection(target, zoho))
    finally:
        sandbox.close()
