"""ZohoClient against the in-process sandbox: reads with paging, writes with per-item results
and batch limits, sharing-rule writes that wait out CANNOT_PROCESS, the concurrency limit
and the call counter. Faults are in test_client_faults.py."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest

from reconciler.errors import ApiError, AuthError, Rejected, Unavailable
from reconciler.sandbox import SandboxSettings
from reconciler.zoho.client import ZohoClient, concurrency_for_edition
from reconciler.zoho.domains import USER_AGENT
from reconciler.zoho.retry import RetryPolicy
from tests.clients import World, world

pytestmark = pytest.mark.anyio


@pytest.fixture
def w() -> Iterator[World]:
    with world("in_process", SandboxSettings(territory_cap=300, rule_recompute_s=5)) as w:
        yield w


def territory(name: str, parent: str) -> dict[str, Any]:
    return {"name": name, "reporting_to": {"id": parent}, "permission_type": "read_only"}


def rule(name: str, role: str) -> dict[str, Any]:
    return {
        "name": name,
        "type": "Record_Owner_Based",
        "superiors_allowed": False,
        "permission_type": "read",
        "shared_from": {"type": "roles", "resource": {"id": role}, "subordinates": False},
        "shared_to": {"type": "all_users"},
    }


async def root_of(client: ZohoClient) -> str:
    return str((await client.list_territories(include_criteria=False))[0]["id"])


async def test_reads_return_zohos_objects(w: World) -> None:
    async with w.client() as client:
        org = await client.get_org()
        assert org["company_name"] and org["license_details"]["paid_type"] == "enterprise"
        assert [t["name"] for t in await client.list_territories()] == [org["company_name"]]
        users = await client.list_users()
        me = await client.current_user()
        assert me is not None and me["id"] in {u["id"] for u in users}
        assert await client.list_roles() and await client.list_groups()
        assert "Accounts" in {m["api_name"] for m in await client.list_modules()}
        assert await client.list_fields("Accounts")
        assert {"share_type", "rule_computation_running"} <= set(
            (await client.get_data_sharing())[0]
        )
        assert await client.list_sharing_rules("Accounts") == []  # 204 is empty
        assert await client.rules_summary() == []
        assert (await client.associated_user_counts())[0]["count"] == 0


async def test_lists_are_read_until_more_records_is_false(w: World) -> None:
    async with w.client() as client:
        root = await root_of(client)
        results = await client.create_territories([territory(f"T{i}", root) for i in range(205)])
        assert all(r.ok and r.id for r in results) and len(results) == 205
        assert client.stats.calls["POST settings/territories"] == 3  # 100 + 100 + 5
        listed = await client.list_territories()
        assert len(listed) == 206 and client.stats.calls["GET settings/territories"] == 3


async def test_writes_give_one_result_per_item_in_order(w: World) -> None:
    async with w.client() as client:
        root = await root_of(client)
        created = await client.create_territories(
            [territory("EMEA", root), territory("emea", root), territory("APAC", "1")]
        )
        assert [r.ok for r in created] == [True, False, False]
        assert created[1].code == "DUPLICATE_DATA" and created[1].status == 207
        assert created[2].code == "INVALID_DATA" and created[2].details["api_name"]
        assert created[0].id == created[0].details["id"]
        emea = str(created[0].id)
        updated = await client.update_territories([{"id": emea, "description": "Europe"}])
        assert updated[0].ok and updated[0].message == "Territory Updated Successfully"


async def test_memberships_both_ways(w: World) -> None:
    async with w.client() as client:
        root = await root_of(client)
        emea = str((await client.create_territories([territory("EMEA", root)]))[0].id)
        users = [str(u["id"]) for u in await client.list_users()][:4]
        assert all(r.ok for r in await client.add_territory_users(emea, users[:3]))
        again = await client.add_territory_users(emea, users[:1])
        assert again[0].code == "DUPLICATE_DATA" and not again[0].replayed
        assert len(await client.list_territory_users(emea)) == 3
        removed = await client.remove_territory_users(emea, users[:2])  # nested [[...]] answer
        assert [r.id for r in removed] == users[:2]
        assert all(r.ok for r in await client.add_user_territories(users[3], [emea]))
        assert all(r.ok for r in await client.remove_user_territories(users[3], [emea]))


async def test_deletes_are_sent_in_batches_of_ten(w: World) -> None:
    async with w.client() as client:
        root = await root_of(client)
        made = await client.create_territories([territory(f"T{i}", root) for i in range(12)])
        ids = [str(r.id) for r in made]
        parent = ids.pop()
        child = (await client.create_territories([territory("Child", parent)]))[0].id
        results = await client.delete_territories(ids)
        assert len(results) == 11 and all(r.ok for r in results)
        assert client.stats.calls["DELETE settings/territories"] == 2
        refused = await client.delete_territories([parent])
        assert refused[0].code == "NOT_ALLOWED"
        moved = await client.transfer_and_delete_territories(
            [{"id": parent, "transfer_to_id": root}]
        )
        assert moved[0].ok
        names = {t["name"]: t for t in await client.list_territories(include_criteria=False)}
        assert names["Child"]["reporting_to"]["id"] == root and child


async def test_data_sharing_update(w: World) -> None:
    async with w.client() as client:
        accounts = next(
            d for d in await client.get_data_sharing() if d["module"]["api_name"] == "Accounts"
        )
        item = {"share_type": "public_read_only", "module": {"id": accounts["module"]["id"]}}
        bad = {"share_type": "open", "module": {"id": accounts["module"]["id"]}}
        results = await client.update_data_sharing([item, bad])
        assert [r.ok for r in results] == [True, False] and results[1].details["api_name"]


async def test_sharing_rule_writes_wait_out_the_rule_computation(w: World) -> None:
    async with w.client(retry=RetryPolicy(poll_delay=1.0)) as client:
        role = str((await client.list_roles())[0]["id"])
        created = await client.create_sharing_rule("Accounts", rule("First", role))
        assert created.ok and created.id
        rule_id = str(created.id)
        assert (await client.rules_summary("Accounts"))[0]["rule_computation_status"] is True
        updated = await client.update_sharing_rule("Accounts", rule_id, {**rule("Renamed", role)})
        # The update waited for the 5 s computation before writing, never refused: probes of
        # 1/8 s growing by half each time, the last one past the 5 s.
        assert updated.ok and client.stats.calls["PUT settings/data_sharing/rules/{id}"] == 1
        assert w.time.sleeps[0] == 0.125 and 5 <= sum(w.time.sleeps) < 5 * 1.5
        assert client.stats.polls == len(w.time.sleeps)
        w.time.sandbox_clock.advance(10)
        deactivated = await client.deactivate_sharing_rule("Accounts", rule_id)
        w.time.sandbox_clock.advance(10)
        again = await client.deactivate_sharing_rule("Accounts", rule_id)
        assert deactivated.ok and not again.ok and again.code == "ID_ALREADY_DEACTIVATED"
        assert again.message == "data sharing rule is already deactivated."
        activated = await client.activate_sharing_rule("Accounts", rule_id)
        deleted = await client.delete_sharing_rule("Accounts", rule_id)
        assert activated.ok and deleted.ok and deleted.id == rule_id
        gone = await client.delete_sharing_rule("Accounts", rule_id)
        assert not gone.ok and gone.details == {"resource_path_index": 3}


async def test_a_rule_computation_that_never_ends_gives_up(w: World) -> None:
    w.sandbox.configure(rule_recompute_s=10_000)
    async with w.client(retry=RetryPolicy(poll_delay=1.0, max_delay=30, recompute_wait=120)) as c:
        role = str((await c.list_roles())[0]["id"])
        await c.create_sharing_rule("Accounts", rule("First", role))
        with pytest.raises(Unavailable, match="still computing sharing rules for Accounts"):
            await c.create_sharing_rule("Accounts", rule("Second", role))
    assert sum(w.time.sleeps) <= 120 and c.stats.polls >= 5


async def test_a_bad_module_is_a_request_level_rejection(w: World) -> None:
    async with w.client() as client:
        with pytest.raises(Rejected, match="rejected POST settings/data_sharing/rules"):
            await client.create_sharing_rule("Nope", rule("x", "1"))


def test_concurrency_per_edition() -> None:
    expected: dict[str | None, int] = {"Free": 5, "standard": 10, "Starter": 10, "professional": 15}
    expected |= {"enterprise": 20, "Zoho One": 20, "ultimate": 25, "CRM Plus": 25, None: 10}
    assert {k: concurrency_for_edition(k) for k in expected} == expected


async def test_the_org_edition_sets_the_concurrency_unless_fixed(w: World) -> None:
    async with w.client() as client:
        assert client.concurrency == 10
        await client.get_org()
        assert client.concurrency == 20
    async with w.client(concurrency=3) as client:
        await client.get_org()
        assert client.concurrency == 3


async def test_calls_in_flight_never_exceed_the_limit(w: World) -> None:
    w.sandbox.configure(latency_s=0.01, concurrency_limit=3)
    async with w.client(concurrency=3) as client:
        await asyncio.gather(*(client.list_roles() for _ in range(12)))
        assert client.stats.peak_in_flight == 3 and client.stats.retries == 0
    assert w.sandbox.stats()["peak_concurrency"] == 3


async def test_stats_and_user_agent(w: World) -> None:
    async with w.client() as client:
        await client.list_roles()
        await client.list_roles()
        assert client.stats.as_dict() == {
            "total": 2,
            "calls": {"GET settings/roles": 2},
            "retries": 0,
            "polls": 0,
            "refreshes": 0,
            "peak_in_flight": 1,
        }
    assert USER_AGENT.startswith("reconciler/") and w.recorder.user_agents == {USER_AGENT}


@pytest.mark.parametrize(
    ("status", "code", "kind", "says"),
    [
        (403, "NO_PERMISSION", Rejected, "Security Control > Profiles"),
        (404, "INVALID_URL_PATTERN", Rejected, "Check that the API domain"),
        (400, "INVALID_DATA", Rejected, "correct the input"),
        (401, "AUTHENTICATION_FAILURE", AuthError, "even after a refresh"),
    ],
)
async def test_request_level_errors_say_what_to_do(
    w: World, status: int, code: str, kind: type[ApiError], says: str
) -> None:
    w.sandbox.faults.fail_endpoint("GET", "*/settings/roles", status, code, "no", times=None)
    async with w.client() as client:
        with pytest.raises(kind, match=says) as info:
            await client.list_roles()
    assert (info.value.code, info.value.status) == (code, status)
    assert info.value.request == "GET settings/roles"
    assert client.stats.refreshes == (1 if status == 401 else 0)
