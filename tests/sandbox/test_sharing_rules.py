"""Data-sharing rules: one per call, `status` refused, the recomputation window."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from reconciler.sandbox import Sandbox
from tests.sandbox.conftest import FakeClock, Org

pytestmark = pytest.mark.anyio
URL = "/crm/v8/settings/data_sharing/rules"


def owner_rule(org: Org, name: str = "Managers see EMEA accounts", **fields: Any) -> dict[str, Any]:
    return {
        "name": name,
        "type": "Record_Owner_Based",
        "superiors_allowed": True,
        "permission_type": "read",
        "shared_from": {
            "type": "roles",
            "resource": {"id": org.role("EMEA Sales")},
            "subordinates": True,
        },
        "shared_to": {"type": "groups", "resource": {"id": org.group("Global Managers")}},
        **fields,
    }


def criteria_rule(org: Org, name: str = "Big deals to finance") -> dict[str, Any]:
    return {
        "name": name,
        "type": "Criteria_Based",
        "superiors_allowed": False,
        "permission_type": "read_write_delete",
        "criteria": {
            "field": {"api_name": "Annual_Revenue"},
            "comparator": "greater_than",
            "value": 1000000,
        },
        "shared_to": {"type": "roles", "resource": {"id": org.role("Finance")}},
    }


async def create(client: httpx.AsyncClient, rule: dict[str, Any], module: str = "Accounts") -> str:
    response = await client.post(URL, params={"module": module}, json={"sharing_rules": [rule]})
    assert response.status_code == 201, response.text
    return str(response.json()["sharing_rules"][0]["details"]["id"])


@pytest.fixture
def settle(clock: FakeClock) -> Callable[[], None]:
    """Let the module's recomputation finish (default window: 1 s)."""
    return lambda: clock.advance(1.5)


async def test_a_created_rule_reads_back_in_full(
    client: httpx.AsyncClient, org: Org, settle: Callable[[], None]
) -> None:
    rule_id = await create(client, owner_rule(org))
    settle()
    body = (await client.get(f"{URL}/{rule_id}")).json()["sharing_rules"][0]
    assert body == {
        "id": rule_id,
        "name": "Managers see EMEA accounts",
        "type": "Record_Owner_Based",
        "permission_type": "read",
        "superiors_allowed": True,
        "shared_from": {
            "resource": {"id": org.role("EMEA Sales"), "name": "EMEA Sales"},
            "type": "roles",
            "subordinates": True,
        },
        "shared_to": {
            "resource": {"id": org.group("Global Managers"), "name": "Global Managers"},
            "type": "groups",
            "subordinates": False,
        },
        "criteria": None,
        "module": {"api_name": "Accounts", "name": "Accounts", "id": org.module("Accounts")},
        "status": "active",
        "match_limit_exceeded": False,
    }
    listed = (await client.get(URL, params={"module": "Accounts"})).json()
    assert [r["id"] for r in listed["sharing_rules"]] == [rule_id]
    assert (await client.get(URL, params={"module": "Deals"})).status_code == 204


async def test_create_answers_201_with_a_success_message(
    client: httpx.AsyncClient, org: Org
) -> None:
    response = await client.post(
        URL, params={"module": "Accounts"}, json={"sharing_rules": [criteria_rule(org)]}
    )
    assert response.status_code == 201
    assert response.json()["sharing_rules"][0]["message"] == "sharing rule is created successfully"


async def test_more_than_one_rule_per_call_is_refused(client: httpx.AsyncClient, org: Org) -> None:
    response = await client.post(
        URL,
        params={"module": "Accounts"},
        json={"sharing_rules": [owner_rule(org), criteria_rule(org)]},
    )
    assert response.status_code == 400
    assert response.json() == {
        "code": "INVALID_DATA",
        "details": {
            "api_name": "sharing_rules",
            "json_path": "$.sharing_rules",
            "maximum_length": 1,
        },
        "message": "invalid data",
        "status": "error",
    }


async def test_status_is_refused(client: httpx.AsyncClient, org: Org) -> None:
    response = await client.post(
        URL,
        params={"module": "Accounts"},
        json={"sharing_rules": [owner_rule(org, status="active")]},
    )
    assert response.json()["sharing_rules"][0] == {
        "code": "NOT_ALLOWED",
        "details": {"api_name": "status", "json_path": "$.sharing_rules[0].status"},
        "message": "status is not allowed in this api",
        "status": "error",
    }


async def test_module_is_required_and_checked(client: httpx.AsyncClient, org: Org) -> None:
    response = await client.post(URL, json={"sharing_rules": [owner_rule(org)]})
    assert response.json() == {
        "code": "REQUIRED_PARAM_MISSING",
        "details": {"param_name": "module"},
        "message": "One of the expected parameter is missing",
        "status": "error",
    }
    response = await client.post(
        URL, params={"module": "Visits"}, json={"sharing_rules": [owner_rule(org)]}
    )
    assert response.json() == {
        "code": "INVALID_DATA",
        "details": {"param_name": "module"},
        "message": "the module name given seems to be invalid",
        "status": "error",
    }


async def test_bad_rules_name_the_offending_field(
    client: httpx.AsyncClient, org: Org, settle: Callable[[], None]
) -> None:
    cases = [
        (owner_rule(org, type="Both"), "INVALID_DATA", "type"),
        (owner_rule(org, permission_type="read_only"), "INVALID_DATA", "permission_type"),
        (
            {k: v for k, v in owner_rule(org).items() if k != "shared_to"},
            "MANDATORY_NOT_FOUND",
            "shared_to",
        ),
        (
            {k: v for k, v in owner_rule(org).items() if k != "shared_from"},
            "MANDATORY_NOT_FOUND",
            "shared_from",
        ),
        (
            owner_rule(org, shared_to={"type": "roles", "resource": {"id": org.group("Finance")}}),
            "DEPENDENT_FIELD_MISMATCH",
            "id",
        ),
        (owner_rule(org, shared_to={"type": "roles"}), "DEPENDENT_FIELD_MISSING", "resource"),
        (
            owner_rule(org, shared_to={"type": "territories", "resource": {"id": org.root}}),
            "INVALID_DATA",
            "type",
        ),
    ]
    for rule, code, api_name in cases:
        response = await client.post(
            URL, params={"module": "Accounts"}, json={"sharing_rules": [rule]}
        )
        error = response.json()["sharing_rules"][0]
        assert (error["code"], error["details"]["api_name"]) == (code, api_name), error


async def test_names_are_unique_per_module(
    client: httpx.AsyncClient, org: Org, settle: Callable[[], None]
) -> None:
    await create(client, owner_rule(org))
    settle()
    response = await client.post(
        URL,
        params={"module": "Accounts"},
        json={"sharing_rules": [criteria_rule(org, name="MANAGERS SEE EMEA ACCOUNTS")]},
    )
    assert response.json()["sharing_rules"][0] == {
        "code": "DUPLICATE_DATA",
        "details": {"api_name": "name", "json_path": "$.sharing_rules[0].name"},
        "message": "duplicate data",
        "status": "error",
    }
    await create(client, owner_rule(org), module="Deals")


async def test_writes_wait_for_recomputation(
    client: httpx.AsyncClient, org: Org, clock: FakeClock, sandbox: Sandbox
) -> None:
    sandbox.configure(rule_recompute_s=10)
    rule_id = await create(client, owner_rule(org))
    busy = await client.post(
        URL, params={"module": "Accounts"}, json={"sharing_rules": [criteria_rule(org)]}
    )
    assert busy.status_code == 400
    assert busy.json()["code"] == "CANNOT_PROCESS"
    assert busy.json()["details"] == {}
    summary = (await client.get(f"{URL}/actions/summary")).json()["sharing_rules_summary"]
    assert summary == [
        {
            "module": {"api_name": "Accounts", "id": org.module("Accounts")},
            "rule_computation_status": True,
            "rule_count": 1,
        }
    ]
    other = await create(client, owner_rule(org), module="Deals")
    assert other
    clock.advance(9.9)
    assert (
        await client.delete(f"{URL}/{rule_id}", params={"module": "Accounts"})
    ).status_code == 400
    clock.advance(0.2)
    response = await client.delete(f"{URL}/{rule_id}", params={"module": "Accounts"})
    assert response.json()["sharing_rules"][0]["message"] == "Sharing Rule deleted"


async def test_data_sharing_change_blocks_rule_writes(
    client: httpx.AsyncClient, org: Org, sandbox: Sandbox
) -> None:
    sandbox.configure(rule_recompute_s=60)
    item = {"share_type": "public", "module": {"id": org.module("Accounts")}}
    await client.put("/crm/v8/settings/data_sharing", json={"data_sharing": [item]})
    response = await client.post(
        URL, params={"module": "Accounts"}, json={"sharing_rules": [owner_rule(org)]}
    )
    assert response.json()["code"] == "CANNOT_PROCESS"


async def test_a_rule_activates_and_deactivates_only_once(
    client: httpx.AsyncClient, org: Org, settle: Callable[[], None]
) -> None:
    rule_id = await create(client, owner_rule(org))
    settle()
    response = await client.put(f"{URL}/{rule_id}/actions/activate", params={"module": "Accounts"})
    assert response.json() == {
        "code": "ID_ALREADY_ACTIVE",
        "details": {"resource_path_index": 3},
        "message": "data sharing rule is already activated.",
        "status": "error",
    }
    response = await client.delete(
        f"{URL}/{rule_id}/actions/activate", params={"module": "Accounts"}
    )
    assert response.json()["sharing_rules"][0]["message"] == (
        "sharing rule is deactivated successfully"
    )
    settle()
    body = (await client.get(f"{URL}/{rule_id}")).json()["sharing_rules"][0]
    assert body["status"] == "inactive"
    again = await client.delete(f"{URL}/{rule_id}/actions/activate", params={"module": "Accounts"})
    assert again.json()["code"] == "ID_ALREADY_DEACTIVATED"


async def test_rules_update_by_body_and_by_path(
    client: httpx.AsyncClient, org: Org, settle: Callable[[], None]
) -> None:
    rule_id = await create(client, owner_rule(org))
    settle()
    update = {
        "id": rule_id,
        "type": "Record_Owner_Based",
        "superiors_allowed": False,
        "permission_type": "read_write_delete",
    }
    response = await client.put(
        URL, params={"module": "Accounts"}, json={"sharing_rules": [update]}
    )
    assert response.json()["sharing_rules"][0]["message"] == "sharing rule is updated successfully"
    settle()
    response = await client.put(
        f"{URL}/{rule_id}",
        params={"module": "Accounts"},
        json={
            "sharing_rules": [
                {"type": "Record_Owner_Based", "superiors_allowed": True, "name": "Renamed"}
            ]
        },
    )
    assert response.status_code == 200
    settle()
    body = (await client.get(f"{URL}/{rule_id}")).json()["sharing_rules"][0]
    assert (body["name"], body["permission_type"], body["superiors_allowed"]) == (
        "Renamed",
        "read_write_delete",
        True,
    )
    response = await client.put(
        f"{URL}/{rule_id}",
        params={"module": "Accounts"},
        json={"sharing_rules": [{"name": "No type"}]},
    )
    assert response.json()["sharing_rules"][0]["code"] == "MANDATORY_NOT_FOUND"


async def test_an_unknown_rule_id_is_invalid_data(client: httpx.AsyncClient) -> None:
    response = await client.get(f"{URL}/4150868000000999999")
    assert response.json() == {
        "code": "INVALID_DATA",
        "details": {"resource_path_index": 3},
        "message": "the given sharing rule id seems invalid.",
        "status": "error",
    }


async def test_a_rerun_is_scheduled_once_and_needs_rules(
    client: httpx.AsyncClient, org: Org, settle: Callable[[], None]
) -> None:
    response = await client.post(f"{URL}/actions/run", params={"module": "Accounts"})
    assert response.status_code == 204
    await create(client, owner_rule(org))
    settle()
    response = await client.post(f"{URL}/actions/run", params={"module": "Accounts"})
    assert response.json()["sharing_rules"][0]["code"] == "SCHEDULED"
    again = await client.post(f"{URL}/actions/run", params={"module": "Accounts"})
    assert again.json()["code"] == "CANNOT_PROCESS"


async def test_search_filters_rules_by_their_fields(
    client: httpx.AsyncClient, org: Org, settle: Callable[[], None]
) -> None:
    owner = await create(client, owner_rule(org))
    settle()
    await create(client, criteria_rule(org))
    settle()
    group = {"field": {"api_name": "shared_to.type"}, "comparator": "equal", "value": "roles"}
    body = (await client.post(f"{URL}/search", json={"filters": [group]})).json()
    assert [r["name"] for r in body["sharing_rules"]] == ["Big deals to finance"]
    empty = {"field": {"api_name": "shared_from.type"}, "comparator": "equal", "value": "${EMPTY}"}
    name = {"field": {"api_name": "name"}, "comparator": "like", "value": "managers"}
    filters = [{"group_operator": "or", "group": [empty, name]}]
    body = (await client.post(f"{URL}/search", json={"filters": filters})).json()
    assert len(body["sharing_rules"]) == 2
    ids = {
        "field": {"api_name": "shared_from.resource.id"},
        "comparator": "in",
        "value": [org.role("EMEA Sales")],
    }
    body = (await client.post(f"{URL}/search", json={"filters": [ids]})).json()
    assert [r["id"] for r in body["sharing_rules"]] == [owner]


async def test_bad_search_filters_are_errors(client: httpx.AsyncClient) -> None:
    response = await client.post(f"{URL}/search", json={"filters": [{}]})
    assert response.json()["sharing_rules"][0]["code"] == "EXPECTED_FIELD_MISSING"
    bad = {"field": {"api_name": "owner"}, "comparator": "equal", "value": "x"}
    response = await client.post(f"{URL}/search", json={"filters": [bad]})
    assert response.status_code == 400
    assert response.json()["sharing_rules"][0]["message"] == "the value given is invalid"
    mismatch = {"field": {"api_name": "name"}, "comparator": "equal", "value": "x"}
    response = await client.post(f"{URL}/search", json={"filters": [mismatch]})
    assert response.json()["sharing_rules"][0]["code"] == "DEPENDENT_MISMATCH"
    response = await client.post(f"{URL}/search", json={})
    assert response.json()["code"] == "MANDATORY_NOT_FOUND"


async def test_the_summary_filters_by_rule_fields_and_module(
    client: httpx.AsyncClient, org: Org, settle: Callable[[], None]
) -> None:
    await create(client, owner_rule(org))
    settle()
    await create(client, criteria_rule(org), module="Leads")
    settle()
    cond = {"field": {"api_name": "permission_type"}, "comparator": "equal", "value": "read"}
    body = (await client.post(f"{URL}/actions/summary", json={"filters": [cond]})).json()
    assert [s["module"]["api_name"] for s in body["sharing_rules_summary"]] == ["Accounts"]
    assert (
        await client.get(f"{URL}/actions/summary", params={"module": "Deals"})
    ).status_code == 204
