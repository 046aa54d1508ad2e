"""The client waits out Zoho's sharing recomputation before a rule write, instead of sending
the write and meeting CANNOT_PROCESS: no refused (credit-costing) writes from its own chains,
the first computation probed with short growing waits, later ones expected from what was
learned, and a computation started elsewhere still handled. Virtual time throughout."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest

from reconciler.sandbox import SandboxSettings
from reconciler.zoho.client import ZohoClient
from reconciler.zoho.retry import RetryPolicy
from tests.clients import World, world

pytestmark = pytest.mark.anyio
WINDOW = 5.0
POST = "POST settings/data_sharing/rules"


@pytest.fixture
def w() -> Iterator[World]:
    with world("in_process", SandboxSettings(rule_recompute_s=WINDOW)) as w:
        yield w


def rule(name: str, role: str) -> dict[str, Any]:
    return {
        "name": name,
        "type": "Record_Owner_Based",
        "superiors_allowed": False,
        "permission_type": "read",
        "shared_from": {"type": "roles", "resource": {"id": role}, "subordinates": False},
        "shared_to": {"type": "all_users"},
    }


async def roles(client: ZohoClient) -> list[str]:
    return [str(r["id"]) for r in await client.list_roles()]


async def test_a_chain_of_rule_writes_is_never_refused_and_learns_the_window(w: World) -> None:
    async with w.client(retry=RetryPolicy(poll_delay=2.0)) as client:
        ids = await roles(client)
        links, polls = [], []
        for n in range(6):
            before, polled = w.time.now, client.stats.polls
            created = await client.create_sharing_rule("Accounts", rule(f"Rule {n}", ids[n]))
            assert created.ok, created
            links.append(w.time.now - before)
            polls.append(client.stats.polls - polled)
    assert client.stats.calls[POST] == 6  # not one CANNOT_PROCESS
    assert links[0] == 0 and all(link >= WINDOW for link in links[1:])
    assert polls[1] > 2  # the first computation is probed
    # Later ones are expected: one or two polls each, and little time past the window.
    assert all(p <= 2 for p in polls[3:]) and all(link <= WINDOW * 1.1 for link in links[3:])


async def test_a_default_change_makes_the_next_rule_write_wait(w: World) -> None:
    async with w.client() as client:
        accounts = next(
            d for d in await client.get_data_sharing() if d["module"]["api_name"] == "Accounts"
        )
        module = {"id": accounts["module"]["id"], "api_name": "Accounts"}
        changed = await client.update_data_sharing(
            [{"share_type": "public_read_only", "module": module}]
        )
        assert changed[0].ok
        start = w.time.now
        created = await client.create_sharing_rule(
            "Accounts", rule("After", (await roles(client))[0])
        )
    assert created.ok and client.stats.calls[POST] == 1 and w.time.now - start >= WINDOW


async def test_other_modules_do_not_wait(w: World) -> None:
    async with w.client() as client:
        ids = await roles(client)
        assert (await client.create_sharing_rule("Accounts", rule("A", ids[0]))).ok
        assert (await client.create_sharing_rule("Contacts", rule("C", ids[0]))).ok
    assert client.stats.polls == 0 and w.time.sleeps == []


async def test_a_computation_started_elsewhere_is_probed_then_the_write_retried(w: World) -> None:
    async with w.client() as other, w.client() as client:
        ids = await roles(other)
        assert (await other.create_sharing_rule("Accounts", rule("Theirs", ids[0]))).ok
        mine = await client.create_sharing_rule("Accounts", rule("Mine", ids[1]))
    assert mine.ok and client.stats.calls[POST] == 2  # refused once, then written
    assert client.stats.polls >= 1 and sum(w.time.sleeps) >= WINDOW


async def test_long_computations_are_waited_out_in_bounded_waits(w: World) -> None:
    w.sandbox.configure(rule_recompute_s=150)
    policy = RetryPolicy(max_delay=4.0, recompute_wait=600)
    async with w.client(retry=policy) as client:
        ids = await roles(client)
        for n in range(3):
            assert (await client.create_sharing_rule("Accounts", rule(f"R{n}", ids[n]))).ok
    assert client.stats.calls[POST] == 3 and max(w.time.sleeps) <= 4.0
    assert w.time.now >= 300


async def test_modules_waiting_together_share_their_polls(w: World) -> None:
    """One `GET /settings/data_sharing` says how every module stands."""
    modules = ("Accounts", "Contacts", "Deals", "Leads")

    async def chain(client: ZohoClient, module: str, ids: list[str], who: str) -> None:
        for n in range(2):
            made = await client.create_sharing_rule(module, rule(f"{who} {module} {n}", ids[n]))
            assert made.ok

    async with w.client() as alone:
        await chain(alone, "Accounts", (await roles(alone))[2:], "alone")
    w.time.sandbox_clock.advance(WINDOW)  # that computation is over
    async with w.client() as together:
        ids = await roles(together)
        await asyncio.gather(*(chain(together, m, ids[4:], "together") for m in modules))
    assert together.stats.calls[POST] == 2 * len(modules)
    assert 0 < together.stats.polls < alone.stats.polls * len(modules)
