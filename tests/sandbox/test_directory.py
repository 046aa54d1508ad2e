"""Users (type filters, paging), roles, groups, profiles, org, modules and fields."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from reconciler.sandbox import Sandbox
from tests.sandbox.conftest import Org, make_client

pytestmark = pytest.mark.anyio


async def emails(client: httpx.AsyncClient, **params: Any) -> list[str]:
    response = await client.get("/crm/v8/users", params=params)
    if response.status_code == 204:
        return []
    return [u["email"] for u in response.json()["users"]]


async def test_users_default_to_everyone_not_deleted(client: httpx.AsyncClient) -> None:
    found = await emails(client)
    assert len(found) == 25
    assert found[0] == "patricia.boyle@zylker.example"


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("ActiveUsers", 23),
        ("DeactiveUsers", 2),
        ("NotConfirmedUsers", 1),
        ("ActiveConfirmedUsers", 22),
        ("AdminUsers", 3),
        ("CurrentUser", 1),
        ("DeletedUsers", 0),
        ("ParentRoleUsers", 0),
    ],
)
async def test_the_user_type_filter_selects_its_users(
    client: httpx.AsyncClient, kind: str, expected: int
) -> None:
    assert len(await emails(client, type=kind)) == expected


async def test_role_relative_filters_follow_the_callers_role(sandbox: Sandbox, org: Org) -> None:
    token, victor = sandbox.issue_token(), org.user("victor.hale@zylker.example")
    with sandbox.store.transaction() as db:
        db.execute("UPDATE access_tokens SET user_id = ? WHERE token = ?", (victor, token))
    async with make_client(sandbox, token) as client:
        children = await emails(client, type="ChildRoleUsers")
        parents = await emails(client, type="ParentRoleUsers")
        below = await emails(client, type="SubordinateRoleUsers")
        reports = await emails(client, type="ConfirmedReportingUsers")
    assert children == [
        "amy@zylker.example",
        "emma.schulz@zylker.example",
        "kenji.sato@zylker.example",
    ]
    assert parents == ["patricia.boyle@zylker.example"]
    assert len(below) == 18  # 3 managers and 15 reps
    assert reports == [
        "amy@zylker.example",
        "emma.schulz@zylker.example",
        "kenji.sato@zylker.example",
        "sam.okafor@zylker.example",
    ]


async def test_users_list_in_pages(client: httpx.AsyncClient) -> None:
    body = (await client.get("/crm/v8/users", params={"per_page": 10, "page": 3})).json()
    assert body["info"] == {"per_page": 10, "count": 5, "page": 3, "more_records": False}
    second = (await client.get("/crm/v8/users", params={"per_page": 10, "page": 2})).json()
    assert second["info"]["more_records"] is True


async def test_one_user_carries_role_profile_and_manager(
    client: httpx.AsyncClient, org: Org
) -> None:
    user = (await client.get(f"/crm/v8/users/{org.user('bob@zylker.example')}")).json()
    bob = user["users"][0]
    assert bob["full_name"] == "Bob Fischer"
    assert bob["role"] == {"id": org.role("Americas Sales"), "name": "Americas Sales"}
    assert bob["profile"]["name"] == "Sales Representative"
    assert bob["Reporting_To"] == {"id": org.user("amy@zylker.example"), "name": "Amy Ortega"}
    assert bob["status"] == "active"
    assert (await client.get("/crm/v8/users/4150868000000999999")).status_code == 204


async def test_users_can_be_fetched_by_ids(client: httpx.AsyncClient, org: Org) -> None:
    ids = f"{org.user('bob@zylker.example')},{org.user('amy@zylker.example')}"
    assert await emails(client, ids=ids) == ["amy@zylker.example", "bob@zylker.example"]


async def test_an_unknown_user_type_is_a_bad_parameter(client: httpx.AsyncClient) -> None:
    response = await client.get("/crm/v8/users", params={"type": "Robots"})
    assert response.status_code == 400
    assert response.json()["details"] == {"param_name": "type"}


async def test_if_modified_since_answers_304_when_nothing_changed(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get(
        "/crm/v8/users", headers={"If-Modified-Since": "Sat, 01 Jan 2050 00:00:00 GMT"}
    )
    assert response.status_code == 304
    assert response.content == b""
    response = await client.get("/crm/v8/users", headers={"If-Modified-Since": "2001-01-01"})
    assert response.status_code == 200


async def test_roles_form_the_seeded_tree(client: httpx.AsyncClient, org: Org) -> None:
    roles = (await client.get("/crm/v8/settings/roles")).json()["roles"]
    by_name = {r["name"]: r for r in roles}
    assert by_name["CEO"]["reporting_to"] is None
    assert by_name["EMEA Sales"]["reporting_to"] == {
        "id": org.role("EMEA Sales Manager"),
        "name": "EMEA Sales Manager",
    }
    one = (await client.get(f"/crm/v8/settings/roles/{org.role('Finance')}")).json()
    assert one["roles"][0]["name"] == "Finance"


async def test_groups_list_their_sources_and_filter_by_name(
    client: httpx.AsyncClient, org: Org
) -> None:
    body = (
        await client.get("/crm/v8/settings/user_groups", params={"include": "sources_count"})
    ).json()
    assert [g["name"] for g in body["user_groups"]] == [
        "Global Managers",
        "Finance",
        "Sales Operations",
        "Executives",
    ]
    assert body["user_groups"][2]["sources_count"] == {"roles": 1, "users": 1}
    group = org.group("Finance")
    sources = (await client.get(f"/crm/v8/settings/user_groups/{group}/sources")).json()
    assert sources["sources"] == [
        {
            "source": {"id": org.role("Finance"), "name": "Finance"},
            "type": "roles",
            "subordinates": True,
        }
    ]
    bad = await client.get(f"/crm/v8/settings/user_groups/{group}/sources", params={"type": "x"})
    assert bad.json() == {
        "code": "PATTERN_NOT_MATCHED",
        "details": {"regex": "users|roles|groups|territories", "param_name": "type"},
        "message": "invalid data",
        "status": "error",
    }
    named = await client.get("/crm/v8/settings/user_groups", params={"name": "finance"})
    assert [g["id"] for g in named.json()["user_groups"]] == [group]


async def test_org_carries_the_edition(client: httpx.AsyncClient) -> None:
    org = (await client.get("/crm/v8/org")).json()["org"][0]
    assert org["company_name"] == "Zylker"
    assert org["license_details"]["paid_type"] == "enterprise"


async def test_profiles_list_and_read_one_by_one(client: httpx.AsyncClient) -> None:
    profiles = (await client.get("/crm/v8/settings/profiles")).json()["profiles"]
    assert [p["name"] for p in profiles] == ["Administrator", "Standard", "Sales Representative"]
    one = (await client.get(f"/crm/v8/settings/profiles/{profiles[0]['id']}")).json()
    assert one["profiles"][0]["permissions_details"] == []


async def test_modules_list_and_fields_need_a_known_module(
    client: httpx.AsyncClient, org: Org
) -> None:
    modules = (await client.get("/crm/v8/settings/modules")).json()["modules"]
    accounts = next(m for m in modules if m["api_name"] == "Accounts")
    assert accounts["id"] == org.module("Accounts")
    assert accounts["singular_label"] == "Account"
    fields = (await client.get("/crm/v8/settings/fields", params={"module": "Accounts"})).json()
    revenue = next(f for f in fields["fields"] if f["api_name"] == "Annual_Revenue")
    assert (revenue["data_type"], revenue["field_label"]) == ("currency", "Annual Revenue")
    missing = await client.get("/crm/v8/settings/fields")
    assert missing.json()["code"] == "MANDATORY_NOT_FOUND"
    unknown = await client.get("/crm/v8/settings/fields", params={"module": "Rockets"})
    assert unknown.json()["code"] == "INVALID_MODULE"
