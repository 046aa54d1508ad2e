"""Role create, update and transfer-and-delete: Zoho's shapes and the hierarchy's rules."""

from __future__ import annotations

import pytest

from tests.sandbox.test_sharing_rules import owner_rule

pytestmark = pytest.mark.anyio
ROLES = "/crm/v8/settings/roles"


def shared_with_role(org, role):
    """A rule sharing everyone's records with `role`."""
    to = {"type": "roles", "resource": {"id": org.role(role)}}
    return owner_rule(org, f"To {role}", shared_from={"type": "all_users"}, shared_to=to)


async def create(client, **item):
    return await client.post(ROLES, json={"roles": [item]})


async def role(client, ident):
    response = await client.get(f"{ROLES}/{ident}")
    return None if response.status_code == 204 else response.json()["roles"][0]


async def test_a_created_role_reports_to_its_parent(client, org):
    response = await create(
        client, name="LATAM Sales", reporting_to={"id": org.role("VP Sales")}, description="d"
    )
    assert response.status_code == 201
    [item] = response.json()["roles"]
    assert (item["code"], item["message"], item["status"]) == ("SUCCESS", "Role added", "success")
    made = await role(client, item["details"]["id"])
    assert made["reporting_to"]["name"] == "VP Sales"
    assert (made["description"], made["share_with_peers"]) == ("d", False)


async def test_one_role_per_call(client, org):
    parent = {"id": org.role("CEO")}
    body = {"roles": [{"name": "A", "reporting_to": parent}, {"name": "B", "reporting_to": parent}]}
    response = await client.post(ROLES, json=body)
    assert response.status_code == 400
    assert response.json()["details"]["maximum_length"] == 1


@pytest.mark.parametrize("missing", ["name", "reporting_to"])
async def test_name_and_parent_are_mandatory(client, org, missing):
    item = {"name": "Lonely", "reporting_to": {"id": org.role("CEO")}}
    del item[missing]
    response = await create(client, **item)
    assert response.status_code == 400
    assert response.json() == {
        "code": "MANDATORY_PARAM_MISSING",
        "details": {"api_name": missing},
        "message": "Required parameter is missing",
        "status": "error",
    }


@pytest.mark.parametrize(
    ("item", "code", "field"),
    [
        ({"name": "finance"}, "DUPLICATE_DATA", "name"),
        ({"name": "x" * 201}, "INVALID_DATA", "name"),
        ({"name": "Ok", "reporting_to": {"id": "123"}}, "INVALID_DATA", "reporting_to"),
        ({"name": "Ok", "description": "d" * 251}, "INVALID_DATA", "description"),
        ({"name": "Ok", "share_with_peers": "yes"}, "INVALID_DATA", "share_with_peers"),
    ],
)
async def test_bad_role_items_name_their_field(client, org, item, code, field):
    response = await create(client, **{"reporting_to": {"id": org.role("CEO")}, **item})
    assert response.status_code == 400
    [error] = response.json()["roles"]
    assert (error["code"], error["details"]["api_name"]) == (code, field)
    assert error["details"]["json_path"] == f"$.roles[0].{field}"


async def test_rename_and_move(client, org):
    ident = org.role("Sales Operations")
    body = {"roles": [{"name": "Revenue Operations", "reporting_to": {"id": org.role("VP Sales")}}]}
    response = await client.put(f"{ROLES}/{ident}", json=body)
    assert response.status_code == 200
    assert response.json()["roles"][0]["message"] == "Role updated"
    moved = await role(client, ident)
    assert (moved["name"], moved["reporting_to"]["name"]) == ("Revenue Operations", "VP Sales")


@pytest.mark.parametrize("under", ["EMEA Sales", "EMEA Sales Manager"])
async def test_a_role_cannot_move_under_itself_or_below(client, org, under):
    ident = org.role("EMEA Sales Manager")
    body = {"roles": [{"reporting_to": {"id": org.role(under)}}]}
    response = await client.put(f"{ROLES}/{ident}", json=body)
    assert response.status_code == 400
    assert response.json()["roles"][0]["details"]["api_name"] == "reporting_to"


async def test_the_root_role_cannot_move(client, org):
    body = {"roles": [{"reporting_to": {"id": org.role("Finance")}}]}
    response = await client.put(f"{ROLES}/{org.role('CEO')}", json=body)
    assert response.status_code == 400


async def test_update_of_an_unknown_role_is_a_path_error(client):
    response = await client.put(f"{ROLES}/111", json={"roles": [{"name": "X"}]})
    assert response.status_code == 400
    assert response.json()["details"] == {"resource_path_index": 2}


async def test_delete_moves_users_and_children_to_the_transfer_role(client, org):
    vp = org.role("VP Sales")
    made = await create(client, name="LATAM Manager", reporting_to={"id": vp})
    manager = made.json()["roles"][0]["details"]["id"]
    made = await create(client, name="LATAM Sales", reporting_to={"id": manager})
    rep = made.json()["roles"][0]["details"]["id"]
    bob = org.user("bob@zylker.example")
    moved = await client.put(
        "/crm/v8/users", json={"users": [{"id": bob, "role": {"id": manager}}]}
    )
    assert moved.status_code == 200
    response = await client.delete(f"{ROLES}/{manager}", params={"transfer_to_id": vp})
    assert response.status_code == 200
    assert response.json()["roles"][0] == {
        "code": "SUCCESS",
        "details": {"id": manager},
        "message": "Role Deleted",
        "status": "success",
    }
    assert await role(client, manager) is None
    bob_now = (await client.get(f"/crm/v8/users/{bob}")).json()["users"][0]
    assert bob_now["role"] == {"id": vp, "name": "VP Sales"}
    assert (await role(client, rep))["reporting_to"]["id"] == vp


async def test_delete_needs_transfer_to_id(client, org):
    response = await client.delete(f"{ROLES}/{org.role('Finance')}")
    assert response.status_code == 400
    assert response.json()["code"] == "REQUIRED_PARAM_MISSING"
    assert response.json()["details"] == {"param_name": "transfer_to_id"}


@pytest.mark.parametrize("target", ["Finance", "EMEA Sales", "unknown"])
async def test_transfer_to_itself_below_or_nowhere_is_refused(client, org, target):
    # Finance transfers to itself; EMEA Sales Manager to its own subordinate or to nothing.
    ident = org.role("EMEA Sales Manager") if target != "Finance" else org.role("Finance")
    transfer = "42" if target == "unknown" else org.role(target)
    response = await client.delete(f"{ROLES}/{ident}", params={"transfer_to_id": transfer})
    assert response.status_code == 400
    assert response.json()["roles"][0]["message"] == "invalid transferToId"


async def test_the_root_role_cannot_be_deleted(client, org):
    params = {"transfer_to_id": org.role("Finance")}
    response = await client.delete(f"{ROLES}/{org.role('CEO')}", params=params)
    assert response.status_code == 400
    assert response.json()["roles"][0]["details"]["api_name"] == "id"


async def test_a_role_used_by_a_group_or_rule_cannot_be_deleted(client, org):
    params = {"transfer_to_id": org.role("CEO")}
    response = await client.delete(f"{ROLES}/{org.role('Finance')}", params=params)
    assert response.status_code == 400
    assert response.json()["roles"][0]["message"] == "the role is a source of user groups"
    rule = shared_with_role(org, "APAC Sales")
    made = await client.post(
        "/crm/v8/settings/data_sharing/rules",
        params={"module": "Accounts"},
        json={"sharing_rules": [rule]},
    )
    assert made.status_code == 201, made.text
    response = await client.delete(f"{ROLES}/{org.role('APAC Sales')}", params=params)
    assert response.json()["roles"][0]["message"] == "the role is used in data sharing rules"


async def test_a_move_recomputes_sharing_but_a_rename_does_not(client, org, clock):
    rule = shared_with_role(org, "Finance")
    rules = "/crm/v8/settings/data_sharing/rules"
    made = await client.post(rules, params={"module": "Accounts"}, json={"sharing_rules": [rule]})
    assert made.status_code == 201
    clock.advance(60)

    async def computing():
        summary = await client.get(f"{rules}/actions/summary", params={"module": "Accounts"})
        return summary.json()["sharing_rules_summary"][0]["rule_computation_status"]

    ident = org.role("Sales Operations")
    await client.put(f"{ROLES}/{ident}", json={"roles": [{"name": "RevOps"}]})
    assert await computing() is False
    body = {"roles": [{"reporting_to": {"id": org.role("VP Sales")}}]}
    await client.put(f"{ROLES}/{ident}", json=body)
    assert await computing() is True
