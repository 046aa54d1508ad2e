"""The limit on calls in flight serves the most urgent call first (`slots.Slots`), and apply
marks each step's calls with the longest chain of steps waiting on it (`apply.chain_below`),
so a sharing-rule chain is not queued behind hundreds of independent membership calls; a
read runs its longest listing (the users, page after page) ahead of and beside the rest."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from reconciler.apply.run import chain_below
from reconciler.live import read
from reconciler.plan.steps import Action, Ref, RuleFlag, TerritoryUsers
from reconciler.scope import Scope
from reconciler.zoho.slots import PRIORITY, Slots

pytestmark = pytest.mark.anyio


async def test_a_freed_slot_goes_to_the_most_urgent_waiter_then_first_come() -> None:
    slots, served = Slots(1), []
    release = asyncio.Event()

    async def holder() -> None:
        async with slots:
            await release.wait()

    async def call(name: str, priority: int) -> None:
        PRIORITY.set(priority)
        async with slots:
            served.append(name)

    first = asyncio.create_task(holder())
    await asyncio.sleep(0)
    waiting = [call("bulk 1", 0), call("bulk 2", 0), call("chain", 5), call("bulk 3", 0)]
    tasks = [asyncio.create_task(c) for c in waiting]
    await asyncio.sleep(0)
    release.set()
    await asyncio.gather(first, *tasks)
    assert served == ["chain", "bulk 1", "bulk 2", "bulk 3"]


async def test_at_most_limit_calls_hold_a_slot() -> None:
    slots, inside, peak = Slots(3), 0, 0

    async def call() -> None:
        nonlocal inside, peak
        async with slots:
            inside += 1
            peak = max(peak, inside)
            await asyncio.sleep(0.001)
            inside -= 1

    await asyncio.gather(*(call() for _ in range(20)))
    assert peak == 3


async def test_a_cancelled_waiter_does_not_keep_a_slot() -> None:
    slots = Slots(1)
    release = asyncio.Event()

    async def holder() -> None:
        async with slots:
            await release.wait()

    first = asyncio.create_task(holder())
    await asyncio.sleep(0)
    cancelled = asyncio.create_task(slots.__aenter__())
    await asyncio.sleep(0)
    cancelled.cancel()
    release.set()
    await first
    async with asyncio.timeout(1):
        async with slots:
            pass


def test_a_step_s_priority_is_the_longest_chain_waiting_on_it() -> None:
    territory = Ref(name="EMEA", id="1")
    rule = Ref(name="r", id="9")
    chain = [
        RuleFlag(
            id=n,
            level=n,
            after=(n - 1,) if n > 1 else (),
            action=Action.activate_rule,
            module="Accounts",
            rule=rule,
        )
        for n in range(1, 5)
    ]
    members = TerritoryUsers(
        id=5, level=1, action=Action.add_users_to_territory, territory=territory, users=()
    )
    assert chain_below((*chain, members)) == {1: 3, 2: 2, 3: 1, 4: 0, 5: 0}


class SlowUsers:
    """A reader whose user listing is long (many pages), recording what starts when and at
    what priority its calls would wait for a slot."""

    def __init__(self) -> None:
        self.events: list[tuple[str, int]] = []

    async def get_org(self) -> dict[str, Any]:
        return {"id": "1", "company_name": "Zylker"}

    async def list_users(self, type_: str = "AllUsers") -> list[dict[str, Any]]:
        self.events.append(("users", PRIORITY.get()))
        await asyncio.sleep(0.02)
        self.events.append(("users done", PRIORITY.get()))
        return []

    async def current_user(self) -> dict[str, Any] | None:
        return None

    async def list_territories(self, include_criteria: bool = True) -> list[dict[str, Any]]:
        self.events.append(("territories", PRIORITY.get()))
        return []

    async def associated_user_counts(self) -> list[dict[str, Any]]:
        return []

    async def list_territory_users(self, territory_id: str) -> list[dict[str, Any]]:
        return []

    async def get_data_sharing(self) -> list[dict[str, Any]]:
        return []

    async def list_roles(self) -> list[dict[str, Any]]:
        return []

    async def list_groups(self) -> list[dict[str, Any]]:
        return []

    async def list_sharing_rules(self, module: str | None = None) -> list[dict[str, Any]]:
        return []

    async def list_fields(self, module: str) -> list[dict[str, Any]]:
        return []


async def test_read_lists_the_users_ahead_of_and_beside_the_territories() -> None:
    """The users come page after page, the longest listing of a read: the territories do
    not wait for it, and its pages go ahead of the member listings for a free slot."""
    reader = SlowUsers()
    await read(reader, Scope(territories=True, members_of=None))
    order = [name for name, _ in reader.events]
    assert order.index("territories") < order.index("users done")
    priorities = dict(reader.events)
    assert priorities["users"] > priorities["territories"] == 0
