"""The record store: assigning and removing territories on records."""

from __future__ import annotations

import httpx
import pytest

from tests.sandbox.conftest import Org, create_territory

pytestmark = pytest.mark.anyio


async def test_territories_are_assigned_and_removed_in_bulk(
    client: httpx.AsyncClient, org: Org
) -> None:
    a = await create_territory(client, "A", org.root)
    b = await create_territory(client, "B", org.root)
    acme = org.record("Accounts", "Account_Name", "Acme Rockets")
    response = await client.post(
        "/crm/v8/Accounts/actions/assign_territories",
        json={"data": [{"id": acme, "Territories": [{"id": a}, {"id": b}]}]},
    )
    assert response.status_code == 200
    assert response.json() == {
        "data": [
            {
                "code": "SUCCESS",
                "details": {"id": acme},
                "message": "the territories data updated successfully",
                "status": "success",
            }
        ]
    }
    record = (await client.get(f"/crm/v8/Accounts/{acme}")).json()["data"][0]
    assert record["Account_Name"] == "Acme Rockets"
    admin = {"id": org.admin, "name": "Patricia Boyle"}
    stamp = "2025-06-15T15:06:40+00:00"
    assert record["Territories"] == [
        {
            "id": t,
            "Name": n,
            "$assigned": "manually",
            "$assigned_by": admin,
            "$assigned_time": stamp,
        }
        for t, n in ((a, "A"), (b, "B"))
    ]
    response = await client.post(
        "/crm/v8/Accounts/actions/remove_territories",
        json={"data": [{"id": acme, "Territories": [{"id": a}]}]},
    )
    assert response.json()["data"][0]["message"] == "the territories data removed successfully"


async def test_assigning_a_duplicate_or_unknown_territory_is_an_error(
    client: httpx.AsyncClient, org: Org
) -> None:
    a = await create_territory(client, "A", org.root)
    acme = org.record("Accounts", "Account_Name", "Acme Rockets")
    url = f"/crm/v8/Accounts/{acme}/actions/assign_territories"
    await client.post(url, json={"data": [{"Territories": [{"id": a}]}]})
    response = await client.post(url, json={"data": [{"Territories": [{"id": a}]}]})
    assert response.json()["data"] == [
        {
            "code": "DUPLICATE_DATA",
            "details": {"api_name": "id", "json_path": "$.data[0].Territories[0].id"},
            "message": "Given Territory already exists for that record",
            "status": "error",
        }
    ]
    response = await client.post(url, json={"data": [{"Territories": [{"id": "12"}]}]})
    assert response.json()["data"][0]["message"] == "the id given seems to be invalid"


async def test_a_deal_holds_one_territory(client: httpx.AsyncClient, org: Org) -> None:
    a = await create_territory(client, "A", org.root)
    b = await create_territory(client, "B", org.root)
    deal = org.record("Deals", "Deal_Name", "Acme fleet renewal")
    response = await client.post(
        f"/crm/v8/Deals/{deal}/actions/assign_territories",
        json={"data": [{"Territories": [{"id": a}, {"id": b}]}]},
    )
    assert response.json()["data"][0] == {
        "code": "LIMIT_EXCEEDED",
        "details": {"api_name": "Territories", "json_path": "$.data[0].Territories", "limit": 1},
        "message": "Maximum limit of territories for that record exceeds",
        "status": "error",
    }


async def test_unsupported_and_unknown_modules_are_refused(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/crm/v8/Tasks/actions/assign_territories", json={"data": [{"id": "1"}]}
    )
    assert response.json() == {
        "code": "NOT_SUPPORTED",
        "details": {"resource_path_index": 0},
        "message": "the api is not supported for this module",
        "status": "error",
    }
    response = await client.get("/crm/v8/Spaceships/1")
    assert response.json()["code"] == "INVALID_MODULE"


async def test_records_list_in_pages(client: httpx.AsyncClient) -> None:
    params = {"per_page": 4, "fields": "Account_Name"}
    body = (await client.get("/crm/v8/Accounts", params=params)).json()
    assert len(body["data"]) == 4
    assert body["info"]["more_records"] is True
