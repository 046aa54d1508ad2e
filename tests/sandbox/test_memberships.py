"""Both membership families: territory-centric and user-centric, which share one store."""

from __future__ import annotations

import httpx
import pytest

from reconciler.sandbox import Sandbox, SandboxSettings
from tests.sandbox.conftest import FakeClock, Org, create_territory, make_client

pytestmark = pytest.mark.anyio
URL = "/crm/v8/settings/territories"


async def test_members_can_be_added_listed_and_removed(client: httpx.AsyncClient, org: Org) -> None:
    a = await create_territory(client, "A", org.root)
    amy, bob = org.user("amy@zylker.example"), org.user("bob@zylker.example")
    response = await client.put(f"{URL}/{a}/users", json={"users": [{"id": amy}, {"id": bob}]})
    assert response.status_code == 200
    assert response.json() == {
        "users": [
            {
                "code": "SUCCESS",
                "details": {"id": amy},
                "message": "Given User added to the mentioned territory Successfully",
                "status": "success",
            },
            {
                "code": "SUCCESS",
                "details": {"id": bob},
                "message": "Given User added to the mentioned territory Successfully",
                "status": "success",
            },
        ]
    }
    listed = (await client.get(f"{URL}/{a}/users")).json()
    assert [u["email"] for u in listed["users"]] == ["amy@zylker.example", "bob@zylker.example"]
    assert "Reporting_To" not in listed["users"][0]
    response = await client.delete(f"{URL}/{a}/users", params={"ids": amy})
    assert response.json() == {
        "users": [
            [
                {
                    "code": "SUCCESS",
                    "details": {"id": amy},
                    "message": "Given User Removed from the mentioned territory Successfully",
                    "status": "success",
                }
            ]
        ]
    }


async def test_nesting_of_removal_results_is_a_setting(org: Org, clock: FakeClock) -> None:
    sandbox = Sandbox(clock=clock, settings=SandboxSettings(nested_user_results=False))
    async with make_client(sandbox) as client:
        amy = org.user("amy@zylker.example")
        await client.put(f"{URL}/{org.root}/users/{amy}")
        response = await client.delete(f"{URL}/{org.root}/users/{amy}")
    assert isinstance(response.json()["users"][0], dict)


async def test_each_bad_member_gets_its_own_error(client: httpx.AsyncClient, org: Org) -> None:
    a = await create_territory(client, "A", org.root)
    amy = org.user("amy@zylker.example")
    erin = org.user("erin.walsh@zylker.example")
    await client.put(f"{URL}/{a}/users", json={"users": [{"id": amy}]})
    response = await client.put(
        f"{URL}/{a}/users", json={"users": [{"id": amy}, {"id": erin}, {"id": "12"}, {}]}
    )
    assert response.status_code == 400
    assert response.json()["users"] == [
        {
            "code": "DUPLICATE_DATA",
            "details": {"api_name": "id", "json_path": "$.users[0].id"},
            "message": "Given user id already exists for that record",
            "status": "error",
        },
        {
            "code": "INVALID_DATA",
            "details": {"api_name": "id", "json_path": "$.users[1].id", "owner_status": "inactive"},
            "message": "The user to whom you are trying to update is deleted.",
            "status": "error",
        },
        {
            "code": "INVALID_DATA",
            "details": {"api_name": "id", "json_path": "$.users[2].id"},
            "message": "the id given seems to be invalid",
            "status": "error",
        },
        {
            "code": "MANDATORY_NOT_FOUND",
            "details": {"api_name": "id", "json_path": "$.users[3].id"},
            "message": "required field not found",
            "status": "error",
        },
    ]


async def test_users_beyond_the_per_territory_cap_are_refused(org: Org, clock: FakeClock) -> None:
    sandbox = Sandbox(clock=clock, settings=SandboxSettings(users_per_territory_cap=2))
    emails = ["amy@zylker.example", "bob@zylker.example", "carla.mendes@zylker.example"]
    async with make_client(sandbox) as client:
        users = [{"id": org.user(e)} for e in emails]
        response = await client.put(f"{URL}/{org.root}/users", json={"users": users})
    assert response.status_code == 207
    assert response.json()["users"][2] == {
        "code": "LIMIT_EXCEEDED",
        "details": {"api_name": "id", "json_path": "$.users[2].id", "limit": 2},
        "message": "Maximum Users Limit reached for a territory",
        "status": "error",
    }


async def test_more_than_100_users_in_one_call_is_refused(
    client: httpx.AsyncClient, org: Org
) -> None:
    users = [{"id": str(4150868000000900000 + n)} for n in range(101)]
    response = await client.put(f"{URL}/{org.root}/users", json={"users": users})
    assert response.json()["details"]["maximum_length"] == 100


async def test_a_mixed_removal_is_a_flat_207(client: httpx.AsyncClient, org: Org) -> None:
    """Only an all-success removal is nested (OAS2's 200); a mixed one is read item by item
    against the 200 and the flat 400, so it is flat."""
    amy = org.user("amy@zylker.example")
    await client.put(f"{URL}/{org.root}/users/{amy}")
    response = await client.delete(f"{URL}/{org.root}/users", params={"ids": f"{amy},12"})
    assert response.status_code == 207
    assert [item["status"] for item in response.json()["users"]] == ["success", "error"]


async def test_removal_ids_over_500_characters(client: httpx.AsyncClient, org: Org) -> None:
    ids = ",".join([org.user("amy@zylker.example")] * 30)
    response = await client.delete(f"{URL}/{org.root}/users", params={"ids": ids})
    assert (response.status_code, response.json()) == (
        400,
        {
            "code": "LIMIT_EXCEEDED",
            "details": {"param_name": "ids", "limit": 500},
            "message": "the ids limit exceeded for a request",
            "status": "error",
        },
    )


async def test_removal_reports_non_members_bad_ids_and_missing_ids(
    client: httpx.AsyncClient, org: Org
) -> None:
    amy = org.user("amy@zylker.example")
    response = await client.delete(f"{URL}/{org.root}/users", params={"ids": f"{amy},12"})
    assert response.json()["users"] == [
        {
            "code": "INVALID_DATA",
            "details": {"id": amy},
            "message": "Given user is not a member of this territory.",
            "status": "error",
        },
        {
            "code": "INVALID_DATA",
            "details": {"id": "12"},
            "message": "the given user id given seems to be invalid",
            "status": "error",
        },
    ]
    response = await client.delete(f"{URL}/{org.root}/users")
    assert response.json()["code"] == "REQUIRED_PARAM_MISSING"


async def test_one_user_can_be_added_read_and_removed_by_url(
    client: httpx.AsyncClient, org: Org
) -> None:
    amy = org.user("amy@zylker.example")
    assert (await client.get(f"{URL}/{org.root}/users/{amy}")).status_code == 204
    response = await client.put(f"{URL}/{org.root}/users/{amy}")
    assert response.status_code == 200
    assert response.json()["users"][0][0]["details"] == {"id": amy}
    again = await client.put(f"{URL}/{org.root}/users/{amy}")
    assert again.json()["users"] == [
        {
            "code": "DUPLICATE_DATA",
            "details": {"resource_path_index": 4},
            "message": "Given user id already exists for that record",
            "status": "error",
        }
    ]
    member = (await client.get(f"{URL}/{org.root}/users/{amy}")).json()
    assert member["users"][0]["id"] == amy
    assert (await client.delete(f"{URL}/{org.root}/users/{amy}")).status_code == 200
    gone = await client.delete(f"{URL}/{org.root}/users/{amy}")
    assert gone.json() == {
        "code": "INVALID_DATA",
        "details": {"resource_path_index": 4},
        "message": "Given user is not a member of this territory.",
        "status": "error",
    }


async def test_bad_ids_in_the_url_are_invalid_data(client: httpx.AsyncClient, org: Org) -> None:
    response = await client.get(f"{URL}/12/users")
    assert response.json() == {
        "code": "INVALID_DATA",
        "details": {"resource_path_index": 2},
        "message": "the given id given seems to be invalid",
        "status": "error",
    }
    response = await client.put(f"{URL}/{org.root}/users/12")
    assert response.status_code == 400
    assert response.json()["users"] == [
        {
            "code": "INVALID_DATA",
            "details": {"resource_path_index": 4},
            "message": "the given id given seems to be invalid",
            "status": "error",
        }
    ]


async def test_member_lists_come_in_pages(client: httpx.AsyncClient, org: Org) -> None:
    emails = ["amy@zylker.example", "bob@zylker.example", "carla.mendes@zylker.example"]
    users = [{"id": org.user(e)} for e in emails]
    await client.put(f"{URL}/{org.root}/users", json={"users": users})
    page = (await client.get(f"{URL}/{org.root}/users", params={"per_page": 2, "page": 2})).json()
    assert page["info"] == {"per_page": 2, "count": 1, "page": 2, "more_records": False}
    assert page["users"][0]["email"] == "carla.mendes@zylker.example"


async def test_a_users_territories_can_be_added_listed_and_removed(
    client: httpx.AsyncClient, org: Org
) -> None:
    a = await create_territory(client, "A", org.root, manager={"id": org.admin})
    b = await create_territory(client, "B", a)
    bob = org.user("bob@zylker.example")
    response = await client.put(
        f"/crm/v8/users/{bob}/territories", json={"territories": [{"id": a}, {"id": b}]}
    )
    assert response.status_code == 200
    assert response.json()["territories"][0] == {
        "code": "SUCCESS",
        "details": {"id": a},
        "message": "Territory associated to the user successfully",
        "status": "success",
    }
    listed = (await client.get(f"/crm/v8/users/{bob}/territories")).json()
    assert listed["territories"] == [
        {
            "id": a,
            "Name": "A",
            "Manager": {"id": org.admin, "Name": "Patricia Boyle"},
            "Reporting_To": {"id": org.root, "Name": "Zylker"},
        },
        {"id": b, "Name": "B", "Manager": {}, "Reporting_To": {"id": a, "Name": "A"}},
    ]
    assert listed["info"] == {"per_page": 200, "count": 2, "page": 1, "more_records": False}
    members = (await client.get(f"{URL}/{b}/users")).json()["users"]
    assert [u["id"] for u in members] == [bob]
    response = await client.delete(f"/crm/v8/users/{bob}/territories", params={"ids": f"{a},{a}"})
    assert response.status_code == 207
    assert response.json()["territories"][1] == {
        "code": "INVALID_DATA",
        "details": {"api_name": "id", "json_path": "$.territories[1].id"},
        "message": "Territory not associated with the user",
        "status": "error",
    }
    single = await client.delete(f"/crm/v8/users/{bob}/territories/{b}")
    assert single.json()["territories"][0]["message"] == (
        "Territory removed from the user successfully"
    )


async def test_user_centric_calls_refuse_duplicates_and_bad_ids(
    client: httpx.AsyncClient, org: Org
) -> None:
    bob = org.user("bob@zylker.example")
    a = await create_territory(client, "A", org.root)
    await client.put(f"/crm/v8/users/{bob}/territories", json={"territories": [{"id": a}]})
    response = await client.put(
        f"/crm/v8/users/{bob}/territories", json={"territories": [{"id": a}, {"id": "12"}]}
    )
    assert [(r["code"], r["message"]) for r in response.json()["territories"]] == [
        ("DUPLICATE_DATA", "Territory already associated with the user"),
        ("INVALID_DATA", "Invalid Territory Id"),
    ]
    response = await client.get("/crm/v8/users/12/territories")
    assert response.json() == {
        "code": "INVALID_DATA",
        "details": {"resource_path_index": 1},
        "message": "the related id given seems to be invalid",
        "status": "error",
    }
    response = await client.get(f"/crm/v8/users/{bob}/territories/12")
    assert response.json()["details"] == {"resource_path_index": 3}


async def test_the_caller_cannot_change_their_own_territories(
    client: httpx.AsyncClient, org: Org
) -> None:
    response = await client.put(
        f"/crm/v8/users/{org.admin}/territories", json={"territories": [{"id": org.root}]}
    )
    assert response.status_code == 403
    assert response.json() == {
        "code": "NOT_ALLOWED",
        "details": {},
        "message": "Logged in user can't update their territories",
        "status": "error",
    }


async def test_more_than_100_territories_for_a_user_is_refused(
    client: httpx.AsyncClient, org: Org
) -> None:
    bob = org.user("bob@zylker.example")
    items = [{"id": str(4150868000000900000 + n)} for n in range(101)]
    response = await client.put(f"/crm/v8/users/{bob}/territories", json={"territories": items})
    assert response.status_code == 400
    assert response.json()["code"] == "LIMIT_EXCEEDED"
    assert response.json()["details"]["limit"] == 100


async def test_the_root_territory_has_no_parent_in_the_user_view(
    client: httpx.AsyncClient, org: Org
) -> None:
    bob = org.user("bob@zylker.example")
    await client.put(f"{URL}/{org.root}/users/{bob}")
    body = (await client.get(f"/crm/v8/users/{bob}/territories/{org.root}")).json()
    assert body["territories"][0]["Reporting_To"] is None


@pytest.mark.parametrize(
    ("state", "code", "message"),
    [
        ("not_enabled", "TERRITORY_NOT_ENABLED", "the territory feature is not enabled"),
        ("disabled", "TERRITORY_DISABLED", "the territory feature is disabled"),
    ],
)
async def test_membership_feature_errors_are_403(
    sandbox: Sandbox, client: httpx.AsyncClient, org: Org, state: str, code: str, message: str
) -> None:
    sandbox.set_territory_management(state)
    response = await client.get(f"{URL}/{org.root}/users")
    assert response.status_code == 403
    assert response.json() == {"code": code, "details": {}, "message": message, "status": "error"}


@pytest.mark.parametrize(
    ("ids", "code"),
    [("", "REQUIRED_PARAM_MISSING"), ("1,a", "INVALID_DATA"), ("1," * 101 + "1", "LIMIT_EXCEEDED")],
)
async def test_user_centric_removal_checks_ids(
    client: httpx.AsyncClient, org: Org, ids: str, code: str
) -> None:
    bob = org.user("bob@zylker.example")
    response = await client.delete(f"/crm/v8/users/{bob}/territories", params={"ids": ids})
    assert (response.status_code, response.json()["code"]) == (400, code)


async def test_removing_territories_a_user_lacks_is_an_error(
    client: httpx.AsyncClient, org: Org
) -> None:
    bob = org.user("bob@zylker.example")
    response = await client.delete(f"/crm/v8/users/{bob}/territories", params={"ids": "12"})
    assert response.json()["territories"][0]["message"] == "Invalid Territory Id"
    response = await client.delete(f"/crm/v8/users/{bob}/territories/{org.root}")
    assert response.json() == {
        "code": "INVALID_DATA",
        "details": {"resource_path_index": 3},
        "message": "Territory not associated with the user",
        "status": "error",
    }
    assert (await client.get(f"/crm/v8/users/{bob}/territories/{org.root}")).status_code == 204


async def test_user_centric_add_checks_each_item(client: httpx.AsyncClient, org: Org) -> None:
    erin = org.user("erin.walsh@zylker.example")
    response = await client.put(
        f"/crm/v8/users/{erin}/territories", json={"territories": [{"id": org.root}, {}]}
    )
    assert [r["message"] for r in response.json()["territories"]] == [
        "The user to whom you are trying to update is deleted.",
        "Invalid Territory Id",
    ]
