"""live.read: the number of API calls it makes, counted by the sandbox per endpoint, equals
the lower bound `live.lower_bound` computes from the org's size and the endpoints' page sizes
(the formula is in live.py's docstring), for orgs below and above one page of everything."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from reconciler.cli.target import sandbox_target
from reconciler.live import lower_bound, read
from reconciler.model import name_key
from reconciler.sandbox import Sandbox, SandboxTransport, Seed, demo_seed
from reconciler.scope import Scope
from reconciler.zoho.client import ZohoClient
from tests.rich_org import SETTINGS, enrich, rich_seed

pytestmark = pytest.mark.anyio
Wrap = Callable[[httpx.AsyncBaseTransport], httpx.AsyncBaseTransport]


def big_seed(users: int = 260, territories: int = 250) -> Seed:
    """More than a page (200) of users and of territories (250 is Zoho's cap, root included);
    member counts from 0 to the 100 a territory may hold, in a tree three levels deep."""
    emails = [f"user{n}@big.example" for n in range(users)]
    sizes = [100 if t == 7 else (t * 7) % 23 for t in range(territories - 1)]
    flat = [
        {"name": f"Territory {t}", "users": [emails[(t + k) % users] for k in range(size)]}
        for t, size in enumerate(sizes)
    ]
    for t in reversed(range(10, len(flat))):  # 10 top level, the rest below them
        flat[t // 10 - 1].setdefault("children", []).insert(0, flat[t])
    demo = demo_seed()
    return Seed.model_validate(
        {
            "org": {"name": "Big", "edition": "enterprise"},
            "roles": [{"name": "CEO", "children": [{"name": "Rep"}]}],
            "users": [
                {"email": "ceo@big.example", "first_name": "C", "last_name": "Eo", "role": "CEO"}
            ]
            + [
                {"email": e, "first_name": "U", "last_name": f"U{n}", "role": "Rep"}
                for n, e in enumerate(emails)
            ],
            "groups": [{"name": f"Group {g}", "sources": [{"role": "Rep"}]} for g in range(3)],
            "modules": [m.model_dump() for m in demo.modules],
            "territories": flat[:10],
            "oauth_clients": [demo.oauth_clients[0].model_dump()],  # the demo admin's client
        }
    )


def size(sandbox: Sandbox) -> dict[str, Any]:
    """The org's size, straight from the sandbox's store."""
    with sandbox.store.transaction() as db:

        def count(sql: str) -> int:
            return int(db.execute(sql).fetchone()[0])

        members = {
            str(row[0]): int(row[1])
            for row in db.execute(
                "SELECT t.name, COUNT(tu.user_id) FROM territories t "
                "LEFT JOIN territory_users tu ON tu.territory_id = t.id GROUP BY t.id"
            )
        }
        return {
            "users": count("SELECT COUNT(*) FROM users WHERE status != 'deleted'"),
            "territories": len(members),
            "members": members,
            "groups": count("SELECT COUNT(*) FROM groups"),
            "sources": [
                int(row[0])
                for row in db.execute(
                    "SELECT COUNT(s.group_id) FROM groups g "
                    "LEFT JOIN group_sources s ON s.group_id = g.id GROUP BY g.id"
                )
            ],
            "rules": count("SELECT COUNT(*) FROM sharing_rules"),
        }


async def calls_of_read(sandbox: Sandbox, wrap: Wrap, scope: Scope) -> tuple[int, int]:
    """(calls the sandbox counted, calls the client counted) for one read."""
    target = dataclasses.replace(
        sandbox_target(sandbox=sandbox), transport=wrap(SandboxTransport(sandbox))
    )
    async with ZohoClient.for_target(target) as client:
        await client.session.auth.token()
        sandbox.reset_stats()
        await read(client, scope)
        endpoints = sandbox.stats()["endpoints"]
        counted = sum(e["count"] for t, e in endpoints.items() if " /crm/" in t)
        return counted, client.stats.total


async def enriched(sandbox: Sandbox, wrap: Wrap) -> None:
    target = dataclasses.replace(
        sandbox_target(sandbox=sandbox), transport=wrap(SandboxTransport(sandbox))
    )
    async with ZohoClient.for_target(target) as client:
        await enrich(client)


@pytest.mark.parametrize("org", ["demo", "rich", "big"])
async def test_reading_everything_costs_the_lower_bound(
    validating_transport: Wrap, org: str
) -> None:
    seeds = {"demo": demo_seed, "rich": rich_seed, "big": big_seed}
    with Sandbox(seed=seeds[org](), settings=SETTINGS) as sandbox:
        if org == "rich":
            await enriched(sandbox, validating_transport)
        measured, ours = await calls_of_read(sandbox, validating_transport, Scope.everything())
        org_size = size(sandbox)
    bound = lower_bound(
        org_size["users"],
        org_size["territories"],
        org_size["members"].values(),
        groups=org_size["groups"],
        rules=org_size["rules"],
        rule_modules=1,  # every module, in one listing
        defaults=True,
        roles=True,
        group_sources=org_size["sources"],
        profiles=True,
    )
    assert measured == ours == bound, (org, org_size["users"], org_size["territories"])
    if org == "big":  # paging was exercised: 2 pages of users, territories and counts
        assert org_size["users"] > 200 and org_size["territories"] == 250
        read_members = sum(1 for n in org_size["members"].values() if n)
        groups = len(org_size["sources"])  # one sources listing each, and the profiles
        assert bound == 1 + 2 + 1 + 2 * 2 + read_members + 1 + 3 + groups + 1


async def test_a_plan_reads_only_the_members_it_manages(validating_transport: Wrap) -> None:
    with Sandbox(seed=big_seed(), settings=SETTINGS) as sandbox:
        org_size = size(sandbox)
        names = sorted(org_size["members"])
        managed = names[:20]  # a config managing these memberships, keeping every territory
        scope = Scope(
            territories=True,
            members_of=tuple(sorted(name_key(n) for n in managed)),
            keep=tuple(sorted(name_key(n) for n in names)),
            data_sharing=True,
            field_modules=("Accounts", "Deals"),
        )
        measured, ours = await calls_of_read(sandbox, validating_transport, scope)
    bound = lower_bound(
        org_size["users"],
        org_size["territories"],
        [org_size["members"][n] for n in managed],
        defaults=True,
        field_modules=2,
    )
    assert measured == ours == bound
