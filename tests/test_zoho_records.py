"""The client's record calls against the sandbox: paging past 2,000 records, reads by id,
and Run Rules answers it cannot use."""

from __future__ import annotations

import random

import pytest

from reconciler.cli.target import sandbox_target
from reconciler.errors import ApiError
from reconciler.sandbox import Sandbox
from reconciler.sandbox.seed import demo_seed
from reconciler.zoho.client import ZohoClient
from tests.clients import SandboxClock, Time

pytestmark = pytest.mark.anyio


async def test_pages_go_past_two_thousand_records_and_ids_are_read_a_hundred_at_a_time() -> None:
    accounts = [{"Account_Name": f"A{n}", "Employees": n} for n in range(2_050)]
    seed = demo_seed().model_copy(update={"records": {"Accounts": accounts}})
    clock = SandboxClock()
    sandbox = Sandbox(clock=clock, seed=seed)
    time = Time(clock)
    options = {"sleep": time.sleep, "clock": time.clock, "rng": random.Random(0)}
    async with ZohoClient.for_target(sandbox_target(sandbox=sandbox), **options) as client:
        pages = [page async for page in client.records.pages("Accounts", ["Employees"])]
        assert [len(p) for p in pages][-2:] == [200, 50]
        assert [r["Employees"] for p in pages for r in p] == list(range(2_050))
        ids = [str(r["id"]) for p in pages for r in p][:150]
        rows = await client.records.by_ids("Accounts", ids, ["Employees"])
        assert [r["Employees"] for r in rows] == list(range(150))
        assert await client.records.rules_job("12") is None
        with pytest.raises(ApiError):
            await client.records.run_rules({"run_rules": {"module": {"api_name": "Tasks"}}})
        # This org has no leads: Zoho answers 204, and there is no page at all.
        assert [page async for page in client.records.pages("Leads", ["Country"])] == []
    sandbox.close()
