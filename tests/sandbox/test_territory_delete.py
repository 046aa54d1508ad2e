"""Deleting territories: the root and parents are refused; transfer-and-delete moves children
and record assignments and drops user associations."""

from __future__ import annotations

import httpx
import pytest

from reconciler.sandbox import Sandbox, SandboxSettings
from tests.sandbox.conftest import FakeClock, Org, create_territory, make_client

pytestmark = pytest.mark.anyio
URL = "/crm/v8/settings/territories"
TRANSFER = f"{URL}/actions/transfer_and_delete"


async def assign(client: httpx.AsyncClient, module: str, record: str, territory: str) -> None:
    response = await client.post(
        f"/crm/v8/{module}/{record}/actions/assign_territories",
        json={"data": [{"Territories": [{"id": territory}]}]},
    )
    assert response.status_code == 200, response.text


async def record_territories(client: httpx.AsyncClient, module: str, record: str) -> list[str]:
    body = (await client.get(f"/crm/v8/{module}/{record}")).json()
    return [t["Name"] for t in body["data"][0]["Territories"]]


async def test_a_leaf_territory_can_be_deleted(client: httpx.AsyncClient, org: Org) -> None:
    a = await create_territory(client, "A", org.root)
    response = await client.delete(URL, params={"ids": a})
    assert response.status_code == 200
    assert response.json() == {
        "territories": [
            {
                "code": "SUCCESS",
                "details": {"id": a},
                "message": "Given Territory Removed Successfully",
                "status": "success",
            }
        ]
    }
    assert (await client.get(f"{URL}/{a}")).status_code == 204


async def test_delete_refuses_parents_and_the_root_per_item(
    client: httpx.AsyncClient, org: Org
) -> None:
    a = await create_territory(client, "A", org.root)
    await create_territory(client, "A1", a)
    response = await client.delete(URL, params={"ids": f"{a},{org.root},12"})
    assert response.status_code == 400
    assert response.json()["territories"] == [
        {
            "code": "NOT_ALLOWED",
            "details": {"id": a},
            "message": "Territory can't be deleted as it's having child",
            "status": "error",
        },
        {
            "code": "NOT_ALLOWED",
            "details": {"id": org.root},
            "message": "Org Territory cannot be deleted",
            "status": "error",
        },
        {
            "code": "INVALID_DATA",
            "details": {"id": "12"},
            "message": "Invalid Territory Id",
            "status": "error",
        },
    ]


async def test_delete_by_id_errors_are_request_level(client: httpx.AsyncClient, org: Org) -> None:
    a = await create_territory(client, "A", org.root)
    await create_territory(client, "A1", a)
    response = await client.delete(f"{URL}/{a}")
    assert response.json() == {
        "code": "NOT_ALLOWED",
        "details": {"resource_path_index": 2},
        "message": "Territory can't be deleted as it's having child",
        "status": "error",
    }
    response = await client.delete(f"{URL}/{org.root}")
    assert response.json()["message"] == "Org Territory cannot be deleted"


async def test_delete_needs_ids(client: httpx.AsyncClient) -> None:
    response = await client.delete(URL)
    assert response.status_code == 400
    assert response.json() == {
        "code": "REQUIRED_PARAM_MISSING",
        "details": {"param_name": "ids"},
        "message": "mandatory param missing",
        "status": "error",
    }


async def test_delete_takes_at_most_10_ids_by_default(client: httpx.AsyncClient, org: Org) -> None:
    ids = ",".join(str(4150868000000900000 + n) for n in range(11))
    response = await client.delete(URL, params={"ids": ids})
    assert response.status_code == 400
    assert response.json()["code"] == "INVALID_REQUEST"


async def test_delete_limit_is_configurable(org: Org, clock: FakeClock) -> None:
    sandbox = Sandbox(clock=clock, settings=SandboxSettings(delete_batch_limit=100))
    async with make_client(sandbox) as client:
        ids = ",".join(str(4150868000000900000 + n) for n in range(11))
        response = await client.delete(URL, params={"ids": ids})
    assert response.status_code == 400
    assert len(response.json()["territories"]) == 11


async def test_delete_drops_memberships_and_record_assignments(
    client: httpx.AsyncClient, org: Org
) -> None:
    a = await create_territory(client, "A", org.root)
    amy = org.user("amy@zylker.example")
    await client.put(f"{URL}/{a}/users", json={"users": [{"id": amy}]})
    account = org.record("Accounts", "Account_Name", "Acme Rockets")
    await assign(client, "Accounts", account, a)
    await client.delete(f"{URL}/{a}")
    assert (await client.get(f"/crm/v8/users/{amy}/territories")).status_code == 204
    assert await record_territories(client, "Accounts", account) == []


async def test_transfer_and_delete_moves_children_and_records(
    client: httpx.AsyncClient, org: Org
) -> None:
    americas = await create_territory(client, "Americas", org.root)
    north = await create_territory(client, "North America", americas)
    await create_territory(client, "US West", north)
    await create_territory(client, "Canada", north)
    amy = org.user("amy@zylker.example")
    await client.put(f"{URL}/{north}/users", json={"users": [{"id": amy}]})
    account = org.record("Accounts", "Account_Name", "Maple Freight")
    await assign(client, "Accounts", account, north)
    response = await client.post(
        TRANSFER, json={"territories": [{"id": north, "transfer_to_id": americas}]}
    )
    assert response.status_code == 200
    assert response.json()["territories"][0] == {
        "code": "SUCCESS",
        "details": {"id": north},
        "message": "Territory Transferred And Deleted Successfully",
        "status": "success",
    }
    children = (await client.get(f"{URL}/{americas}/__child_territories")).json()["territories"]
    assert [c["name"] for c in children] == ["US West", "Canada"]
    assert await record_territories(client, "Accounts", account) == ["Americas"]
    assert (await client.get(f"/crm/v8/users/{amy}/territories")).status_code == 204


async def test_transfer_without_target_needs_no_children(
    client: httpx.AsyncClient, org: Org
) -> None:
    a = await create_territory(client, "A", org.root)
    account = org.record("Accounts", "Account_Name", "Acme Rockets")
    await assign(client, "Accounts", account, a)
    response = await client.post(TRANSFER, json={"territories": [{"id": a}]})
    assert response.status_code == 200
    assert await record_territories(client, "Accounts", account) == []


async def test_transfer_with_children_needs_a_target(client: httpx.AsyncClient, org: Org) -> None:
    a = await create_territory(client, "A", org.root)
    await create_territory(client, "A1", a)
    response = await client.post(TRANSFER, json={"territories": [{"id": a}]})
    assert response.json()["territories"][0] == {
        "code": "DEPENDENT_FIELD_MISSING",
        "details": {
            "api_name": "transfer_to_id",
            "json_path": "$.territories[0].transfer_to_id",
            "dependee": {"api_name": "id", "json_path": "$.territories[0].id"},
        },
        "message": "This territory has its child. Please Give the transfer_to_id field value",
        "status": "error",
    }
    response = await client.post(
        f"{URL}/{a}/actions/transfer_and_delete", json={"territories": [{}]}
    )
    assert response.json()["territories"][0]["details"]["dependee"] == {"resource_path_index": 2}


async def test_transfer_target_cannot_be_itself_or_a_descendant(
    client: httpx.AsyncClient, org: Org
) -> None:
    a = await create_territory(client, "A", org.root)
    a1 = await create_territory(client, "A1", a)
    response = await client.post(
        TRANSFER,
        json={
            "territories": [
                {"id": a, "transfer_to_id": a},
                {"id": a, "transfer_to_id": a1},
                {"id": a, "transfer_to_id": "4150868000000999999"},
                {"id": "4150868000000999999", "transfer_to_id": org.root},
            ]
        },
    )
    codes = [(r["code"], r["message"]) for r in response.json()["territories"]]
    assert codes == [
        (
            "INVALID_DATA",
            "Territory id and Transfer_to_id are same.Please choose different transfer_to_id",
        ),
        (
            "NOT_ALLOWED",
            "Reporting_to id should not be the child of given territory. Chosse another"
            " territory as Reporing_to",
        ),
        ("INVALID_DATA", "Given transfer_to_id isn't valid one"),
        ("INVALID_DATA", "Given Territoryid isn't valid one"),
    ]


async def test_transfer_refuses_the_root(client: httpx.AsyncClient, org: Org) -> None:
    a = await create_territory(client, "A", org.root)
    response = await client.post(
        TRANSFER, json={"territories": [{"id": org.root, "transfer_to_id": a}]}
    )
    assert response.json()["territories"][0] == {
        "code": "NOT_ALLOWED",
        "details": {"id": org.root},
        "message": "Org Territory cannot be deleted",
        "status": "error",
    }


async def test_transfer_batch_limit_defaults_to_10(client: httpx.AsyncClient, org: Org) -> None:
    items = [{"id": str(4150868000000900000 + n)} for n in range(11)]
    response = await client.post(TRANSFER, json={"territories": items})
    assert response.status_code == 400
    assert response.json()["details"] == {
        "api_name": "territories",
        "json_path": "$.territories",
        "maximum_length": 10,
    }


async def test_transferring_an_unknown_territory_by_id_is_invalid(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(
        f"{URL}/4150868000000999999/actions/transfer_and_delete", json={"territories": [{}]}
    )
    assert response.json() == {
        "code": "INVALID_DATA",
        "details": {"resource_path_index": 2},
        "message": "Invalid Territory Id",
        "status": "error",
    }


@pytest.mark.parametrize("by_id", [False, True])
async def test_transfer_item_that_is_no_object(
    client: httpx.AsyncClient, org: Org, by_id: bool
) -> None:
    """Reported at the item itself, as create and update report it: `$.territories[0]`."""
    a = await create_territory(client, "A", org.root)
    url = f"{URL}/{a}/actions/transfer_and_delete" if by_id else TRANSFER
    response = await client.post(url, json={"territories": [5]})
    assert response.status_code == 400
    assert response.json()["territories"] == [
        {
            "code": "INVALID_DATA",
            "details": {"api_name": "territories", "json_path": "$.territories[0]"},
            "message": "Invalid Data",
            "status": "error",
        }
    ]
    created = await client.post(URL, json={"territories": ["A"]})
    assert created.json()["territories"] == response.json()["territories"]


async def test_transfer_by_id_refuses_the_root(client: httpx.AsyncClient, org: Org) -> None:
    """The bulk form's NOT_ALLOWED `{id}`, which the by-id form's spec omits (D32)."""
    a = await create_territory(client, "A", org.root)
    response = await client.post(
        f"{URL}/{org.root}/actions/transfer_and_delete",
        json={"territories": [{"transfer_to_id": a}]},
    )
    assert response.status_code == 400
    assert response.json()["territories"] == [
        {
            "code": "NOT_ALLOWED",
            "details": {"id": org.root},
            "message": "Org Territory cannot be deleted",
            "status": "error",
        }
    ]
