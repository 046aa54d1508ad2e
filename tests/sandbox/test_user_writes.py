"""User role and profile updates, in bulk and by id."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.anyio
USERS = "/crm/v8/users"


async def user(client, ident):
    return (await client.get(f"{USERS}/{ident}")).json()["users"][0]


async def test_bulk_update_moves_role_and_profile(client, org):
    bob, lina = org.user("bob@zylker.example"), org.user("lina.wong@zylker.example")
    standard = org._one("SELECT id FROM profiles WHERE name = 'Standard'")
    body = {
        "users": [
            {"id": bob, "role": {"id": org.role("Finance")}},
            {"id": lina, "profile": {"id": standard}},
        ]
    }
    response = await client.put(USERS, json=body)
    assert response.status_code == 200
    assert [i["message"] for i in response.json()["users"]] == ["User updated"] * 2
    assert (await user(client, bob))["role"]["name"] == "Finance"
    assert (await user(client, lina))["profile"]["name"] == "Standard"


async def test_ten_users_per_call(client, org):
    items = [{"id": org.admin}] * 11
    response = await client.put(USERS, json={"users": items})
    assert response.status_code == 400
    assert response.json()["details"]["maximum_length"] == 10


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"role": {"id": "1"}}, "role", "invalid id in reporting to or roles provided"),
        ({"profile": {"id": "1"}}, "profile", "invalid data"),
        ({"first_name": "Bobby"}, "first_name", "invalid data"),
        ({"id": "1"}, "id", "the id given seems to be invalid"),
    ],
)
async def test_bad_updates_name_the_field(client, org, change, field, message):
    item = {"id": org.user("bob@zylker.example"), **change}
    response = await client.put(USERS, json={"users": [item]})
    assert response.status_code == 400
    [error] = response.json()["users"]
    assert (error["details"]["api_name"], error["message"]) == (field, message)


async def test_an_item_without_id(client):
    response = await client.put(USERS, json={"users": [{"role": {"id": "1"}}]})
    assert response.json()["users"][0]["code"] == "MANDATORY_NOT_FOUND"


async def test_update_by_id(client, org):
    bob = org.user("bob@zylker.example")
    body = {"users": [{"role": {"id": org.role("Finance")}}]}
    response = await client.put(f"{USERS}/{bob}", json=body)
    assert response.status_code == 200
    assert (await user(client, bob))["role"]["name"] == "Finance"
    wrong = await client.put(f"{USERS}/{bob}", json={"users": [{"id": org.admin}]})
    assert wrong.status_code == 400
    unknown = await client.put(f"{USERS}/77", json=body)
    assert unknown.json()["details"] == {"resource_path_index": 1}


async def test_deleted_users_cannot_be_updated(client, org, sandbox):
    bob = org.user("bob@zylker.example")
    with sandbox.store.transaction() as db:
        db.execute("UPDATE users SET status = 'deleted' WHERE id = ?", (bob,))
    response = await client.put(USERS, json={"users": [{"id": bob, "role": {"id": bob}}]})
    assert response.json()["users"][0]["code"] == "CANNOT_UPDATE_DELETED_USER"
