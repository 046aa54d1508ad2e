"""Injected faults: failing or dropping the Nth call or write, an endpoint, a random share."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from reconciler.sandbox import Sandbox
from reconciler.sandbox.faults import Faults
from tests.sandbox.conftest import FakeClock, Org, make_client

pytestmark = pytest.mark.anyio
URL = "/crm/v8/settings/territories"


def new(name: str, org: Org) -> dict[str, Any]:
    return {
        "territories": [
            {"name": name, "reporting_to": {"id": org.root}, "permission_type": "read_only"}
        ]
    }


async def names(client: httpx.AsyncClient) -> list[str]:
    return [t["name"] for t in (await client.get(URL)).json()["territories"]]


async def test_the_nth_call_can_be_made_to_fail(
    sandbox: Sandbox, client: httpx.AsyncClient
) -> None:
    sandbox.faults.fail_nth_call(2)
    first, second, third = [await client.get("/crm/v8/org") for _ in range(3)]
    assert (first.status_code, second.status_code, third.status_code) == (200, 500, 200)
    assert second.json() == {
        "code": "INTERNAL_SERVER_ERROR",
        "details": {},
        "message": "Internal Server Error",
        "status": "error",
    }


async def test_a_fault_may_choose_its_status_code_and_message(
    sandbox: Sandbox, client: httpx.AsyncClient
) -> None:
    sandbox.faults.fail_nth_call(1, status=429)
    response = await client.get("/crm/v8/org")
    assert (response.status_code, response.json()["code"]) == (429, "TOO_MANY_REQUESTS")
    sandbox.faults.fail_nth_call(1, status=503, code="SERVICE_UNAVAILABLE", message="down")
    response = await client.get("/crm/v8/org")
    assert response.status_code == 503
    assert (response.json()["code"], response.json()["message"]) == ("SERVICE_UNAVAILABLE", "down")


async def test_the_nth_write_fault_skips_reads(
    sandbox: Sandbox, client: httpx.AsyncClient, org: Org
) -> None:
    sandbox.faults.fail_nth_write(2)
    assert (await client.post(URL, json=new("A", org))).status_code == 201
    assert (await client.get(URL)).status_code == 200
    assert (await client.post(URL, json=new("B", org))).status_code == 500
    assert (await client.post(URL, json=new("C", org))).status_code == 201
    assert await names(client) == ["Zylker", "A", "C"]


async def test_an_endpoint_can_fail_a_number_of_times(
    sandbox: Sandbox, client: httpx.AsyncClient, org: Org
) -> None:
    sandbox.faults.fail_endpoint("PUT", "/crm/v8/settings/territories/*/users", 429, times=2)
    url = f"{URL}/{org.root}/users"
    body = {"users": [{"id": org.user("amy@zylker.example")}]}
    statuses = [(await client.put(url, json=body)).status_code for _ in range(3)]
    assert statuses == [429, 429, 200]


async def test_endpoint_faults_match_templates_too(
    sandbox: Sandbox, client: httpx.AsyncClient, org: Org
) -> None:
    sandbox.faults.fail_endpoint("GET", "/crm/v8/settings/territories/{id}", 500, times=None)
    assert (await client.get(f"{URL}/{org.root}")).status_code == 500
    assert (await client.get(f"{URL}/{org.root}")).status_code == 500
    assert (await client.get(URL)).status_code == 200
    sandbox.faults.clear()
    assert (await client.get(f"{URL}/{org.root}")).status_code == 200


async def test_drop_before_the_write_changes_nothing(
    sandbox: Sandbox, client: httpx.AsyncClient, org: Org
) -> None:
    sandbox.faults.drop_nth_call(1)
    with pytest.raises(httpx.RemoteProtocolError):
        await client.post(URL, json=new("A", org))
    assert await names(client) == ["Zylker"]


async def test_drop_after_the_write_commits_it(
    sandbox: Sandbox, client: httpx.AsyncClient, org: Org
) -> None:
    sandbox.faults.drop_nth_write(1, after_write=True)
    with pytest.raises(httpx.RemoteProtocolError):
        await client.post(URL, json=new("A", org))
    assert await names(client) == ["Zylker", "A"]
    log = sandbox.stats()["log"]
    assert log[0] == {
        "method": "POST",
        "template": "/crm/v8/settings/territories",
        "path": "/crm/v8/settings/territories",
        "status": 201,
        "write": True,
        "dropped": True,
    }


async def test_a_dropped_endpoint_cuts_the_connection_once(
    sandbox: Sandbox, client: httpx.AsyncClient
) -> None:
    sandbox.faults.drop_endpoint("GET", "/crm/v8/org")
    with pytest.raises(httpx.RemoteProtocolError):
        await client.get("/crm/v8/org")
    assert (await client.get("/crm/v8/org")).status_code == 200


async def test_random_failures_are_reproducible(clock: FakeClock) -> None:
    async def run() -> list[int]:
        sandbox = Sandbox(clock=clock)
        sandbox.faults.random_failures(0.5, seed=7)
        async with make_client(sandbox) as client:
            return [(await client.get("/crm/v8/org")).status_code for _ in range(20)]

    first, second = await run(), await run()
    assert first == second
    assert set(first) == {200, 500}


async def test_the_token_endpoint_can_fail(sandbox: Sandbox) -> None:
    sandbox.faults.fail_endpoint("POST", "/oauth/v2/token", 500)
    async with make_client(sandbox) as client:
        response = await client.post("/oauth/v2/token", data={"grant_type": "refresh_token"})
    assert response.status_code == 500


def test_faults_count_from_one() -> None:
    sandbox = Sandbox()
    with pytest.raises(ValueError, match="counts from 1"):
        sandbox.faults.fail_nth_call(0)
    with pytest.raises(ValueError, match="probability"):
        sandbox.faults.random_failures(2.0)


async def test_two_faults_on_one_call_take_turns(
    sandbox: Sandbox, client: httpx.AsyncClient
) -> None:
    sandbox.faults.fail_nth_call(1, status=500)
    sandbox.faults.fail_nth_call(1, status=429)
    statuses = [(await client.get("/crm/v8/org")).status_code for _ in range(3)]
    assert statuses == [500, 429, 200]


async def test_held_writes_go_together_once_every_party_writes() -> None:
    """Two callers' first writes meet: neither goes before the other has come; then the
    hold is gone. Alone, a caller waits only until the deadline."""
    faults = Faults()
    with pytest.raises(ValueError):
        faults.hold_writes(parties=0)
    faults.hold_writes(parties=2, timeout_s=60)
    waiting = [asyncio.create_task(faults.meet("Zoho-oauthtoken a")) for _ in range(2)]
    await asyncio.sleep(0.05)
    assert not any(w.done() for w in waiting)  # one caller's writes wait for the other's
    await asyncio.wait_for(faults.meet("Zoho-oauthtoken b"), 5)
    await asyncio.wait_for(asyncio.gather(*waiting), 5)
    assert faults.met == 1
    faults.hold_writes(parties=2, timeout_s=0.05)
    await asyncio.wait_for(faults.meet("Zoho-oauthtoken a"), 5)  # the deadline let it go
    await faults.meet("Zoho-oauthtoken b")  # nothing armed any more
    assert faults.met == 1
    faults.hold_writes(parties=2)
    faults.clear()
    await asyncio.wait_for(faults.meet("Zoho-oauthtoken a"), 5)
