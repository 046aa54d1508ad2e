"""Territory reads and writes: envelopes, paging, uniqueness, the cap, the root, cycles."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from reconciler.sandbox import Sandbox, SandboxSettings
from tests.sandbox.conftest import FakeClock, Org, create_territory, make_client

pytestmark = pytest.mark.anyio
URL = "/crm/v8/settings/territories"


def item(name: str, parent: str, **fields: Any) -> dict[str, Any]:
    return {"name": name, "reporting_to": {"id": parent}, "permission_type": "read_only", **fields}


async def test_root_territory_is_named_after_the_org(client: httpx.AsyncClient, org: Org) -> None:
    body = (await client.get(f"{URL}/{org.root}")).json()["territories"][0]
    assert body["name"] == "Zylker"
    assert body["reporting_to"] is None
    assert body["description"] == "Organization Parent Territory"
    assert body["account_rule_criteria"] is None


async def test_create_answers_201_with_one_result_per_item_in_order(
    client: httpx.AsyncClient, org: Org
) -> None:
    response = await client.post(
        URL, json={"territories": [item("Americas", org.root), item("EMEA", org.root)]}
    )
    assert response.status_code == 201
    results = response.json()["territories"]
    assert [r["message"] for r in results] == ["Territory Created Successfully"] * 2
    listed = (await client.get(URL)).json()["territories"]
    assert [t["name"] for t in listed] == ["Zylker", "Americas", "EMEA"]
    assert listed[1]["id"] == results[0]["details"]["id"]
    assert listed[1]["reporting_to"] == {"name": "Zylker", "id": org.root}


async def test_names_are_unique_case_insensitively_and_trimmed(
    client: httpx.AsyncClient, org: Org
) -> None:
    await create_territory(client, "Americas", org.root)
    response = await client.post(URL, json={"territories": [item("  aMERICAS ", org.root)]})
    assert response.status_code == 400
    assert response.json() == {
        "territories": [
            {
                "code": "DUPLICATE_DATA",
                "details": {"api_name": "name", "json_path": "$.territories[0].name"},
                "message": "Given Territory name already exists",
                "status": "error",
            }
        ]
    }


async def test_a_name_repeated_in_one_request_is_a_mixed_207(
    client: httpx.AsyncClient, org: Org
) -> None:
    response = await client.post(
        URL, json={"territories": [item("EMEA", org.root), item("emea", org.root)]}
    )
    assert response.status_code == 207
    first, second = response.json()["territories"]
    assert first["status"] == "success"
    assert second["code"] == "DUPLICATE_DATA"
    assert second["message"] == "Duplicate Territory Name Found"


async def test_mixed_batch_status_is_configurable(org: Org, clock: FakeClock) -> None:
    sandbox = Sandbox(clock=clock, settings=SandboxSettings(mixed_batch_status=400))
    async with make_client(sandbox) as client:
        response = await client.post(
            URL, json={"territories": [item("EMEA", org.root), item("emea", org.root)]}
        )
    assert response.status_code == 400
    assert [r["status"] for r in response.json()["territories"]] == ["success", "error"]


@pytest.mark.parametrize(
    ("missing", "code"),
    [("name", "MANDATORY_NOT_FOUND"), ("reporting_to", "MANDATORY_NOT_FOUND")],
)
async def test_create_requires_mandatory_fields(
    client: httpx.AsyncClient, org: Org, missing: str, code: str
) -> None:
    body = item("X", org.root)
    del body[missing]
    response = await client.post(URL, json={"territories": [body]})
    assert response.status_code == 400
    assert response.json()["territories"][0] == {
        "code": code,
        "details": {"api_name": missing, "json_path": f"$.territories[0].{missing}"},
        "message": "required field not found",
        "status": "error",
    }


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        pytest.param(
            {"permission_type": "read"},
            {
                "code": "INVALID_DATA",
                "message": "Given Permission_type value is invalid",
                "details": {
                    "api_name": "permission_type",
                    "json_path": "$.territories[0].permission_type",
                    "supported_values": ["read_write_delete", "read_only"],
                },
            },
        ),
        (
            {"name": "x" * 51},
            {
                "code": "INVALID_DATA",
                "message": "the value of the field exceeds the maximum allowed length",
                "details": {
                    "api_name": "name",
                    "json_path": "$.territories[0].name",
                    "maximum_length": 50,
                },
            },
        ),
        (
            {"description": "d" * 251},
            {
                "code": "INVALID_DATA",
                "message": "the value of the field exceeds the maximum allowed length",
                "details": {
                    "api_name": "description",
                    "json_path": "$.territories[0].description",
                    "maximum_length": 250,
                },
            },
        ),
        (
            {"reporting_to": {"id": "123"}},
            {
                "code": "INVALID_DATA",
                "message": "Given Reporting To Territory value is invalid",
                "details": {
                    "api_name": "reporting_to",
                    "json_path": "$.territories[0].reporting_to",
                },
            },
        ),
        (
            {"name": "Sales (North)"},
            {
                "code": "INVALID_DATA",
                "message": "Special Characters in Territory Name",
                "details": {"api_name": "name", "json_path": "$.territories[0].name"},
            },
        ),
        (
            {"name": 42},
            {
                "code": "INVALID_DATA",
                "message": "invalid data",
                "details": {
                    "api_name": "name",
                    "json_path": "$.territories[0].name",
                    "expected_data_type": "text",
                },
            },
        ),
    ],
)
async def test_create_validates_fields(
    client: httpx.AsyncClient, org: Org, fields: dict[str, Any], error: dict[str, Any]
) -> None:
    response = await client.post(URL, json={"territories": [{**item("X", org.root), **fields}]})
    assert response.status_code == 400
    assert response.json()["territories"] == [{**error, "status": "error"}]


async def test_manager_must_be_an_active_user(client: httpx.AsyncClient, org: Org) -> None:
    inactive = org.user("erin.walsh@zylker.example")
    response = await client.post(
        URL, json={"territories": [item("X", org.root, manager={"id": inactive})]}
    )
    assert response.json()["territories"][0] == {
        "code": "NOT_ALLOWED",
        "details": {"api_name": "manager", "json_path": "$.territories[0].manager"},
        "message": "Inactive User",
        "status": "error",
    }


async def test_territory_cap_counts_the_root(org: Org, clock: FakeClock) -> None:
    sandbox = Sandbox(clock=clock, settings=SandboxSettings(territory_cap=3))
    async with make_client(sandbox) as client:
        items = [item(f"T{n}", org.root) for n in range(3)]
        response = await client.post(URL, json={"territories": items})
    assert response.status_code == 207
    assert [r["status"] for r in response.json()["territories"]] == ["success"] * 2 + ["error"]
    assert response.json()["territories"][2] == {
        "code": "LIMIT_EXCEEDED",
        "details": {"limit": 3},
        "message": "Territory Limit reached",
        "status": "error",
    }


async def test_default_cap_is_250(client: httpx.AsyncClient, org: Org) -> None:
    items = [item(f"T{n}", org.root) for n in range(100)]
    for start in range(0, 249, 100):
        await client.post(URL, json={"territories": items[: min(100, 249 - start)]})
        items = [item(f"T{start + 100 + n}", org.root) for n in range(100)]
    response = await client.post(URL, json={"territories": [item("One too many", org.root)]})
    assert response.json()["territories"][0]["details"] == {"limit": 250}


async def test_more_than_100_items_is_a_request_level_error(
    client: httpx.AsyncClient, org: Org
) -> None:
    items = [item(f"T{n}", org.root) for n in range(101)]
    response = await client.post(URL, json={"territories": items})
    assert response.status_code == 400
    assert response.json() == {
        "code": "INVALID_DATA",
        "details": {"api_name": "territories", "json_path": "$.territories", "maximum_length": 100},
        "message": "invalid data",
        "status": "error",
    }


async def test_missing_body_key_is_mandatory_not_found(client: httpx.AsyncClient) -> None:
    response = await client.post(URL, json={"territory": []})
    assert response.status_code == 400
    assert response.json() == {
        "code": "MANDATORY_NOT_FOUND",
        "details": {"api_name": "territories", "json_path": "$.territories"},
        "message": "required field not found",
        "status": "error",
    }


async def test_update_renames_and_moves(client: httpx.AsyncClient, org: Org) -> None:
    a = await create_territory(client, "A", org.root)
    b = await create_territory(client, "B", org.root)
    response = await client.put(
        URL, json={"territories": [{"id": b, "name": "Bee", "reporting_to": {"id": a}}]}
    )
    assert response.status_code == 200
    assert response.json()["territories"][0]["message"] == "Territory Updated Successfully"
    body = (await client.get(f"{URL}/{b}")).json()["territories"][0]
    assert (body["name"], body["reporting_to"]["id"], body["api_name"]) == ("Bee", a, "B")


async def test_update_rejects_cycles(client: httpx.AsyncClient, org: Org) -> None:
    a = await create_territory(client, "A", org.root)
    b = await create_territory(client, "B", a)
    c = await create_territory(client, "C", b)
    response = await client.put(f"{URL}/{a}", json={"territories": [{"reporting_to": {"id": c}}]})
    assert response.status_code == 400
    assert response.json()["territories"][0] == {
        "code": "NOT_ALLOWED",
        "details": {"api_name": "reporting_to", "json_path": "$.territories[0].reporting_to"},
        "message": "Reporting_to id should not be the child of given territory. Chosse another"
        " territory as Reporing_to",
        "status": "error",
    }


async def test_a_territory_cannot_report_to_itself(client: httpx.AsyncClient, org: Org) -> None:
    a = await create_territory(client, "A", org.root)
    response = await client.put(URL, json={"territories": [{"id": a, "reporting_to": {"id": a}}]})
    assert response.json()["territories"][0]["code"] == "NOT_ALLOWED"


async def test_root_only_accepts_a_new_name(client: httpx.AsyncClient, org: Org) -> None:
    response = await client.put(URL, json={"territories": [{"id": org.root, "name": "Zylker Inc"}]})
    assert response.status_code == 200
    response = await client.put(URL, json={"territories": [{"id": org.root, "description": "x"}]})
    assert response.json()["territories"][0] == {
        "code": "NOT_ALLOWED",
        "details": {},
        "message": "Cannot update the Org Territory except Name",
        "status": "error",
    }


async def test_root_by_id_only_accepts_a_new_name(client: httpx.AsyncClient, org: Org) -> None:
    """The bulk form's NOT_ALLOWED, which the by-id form's spec omits (D33)."""
    response = await client.put(f"{URL}/{org.root}", json={"territories": [{"description": "x"}]})
    assert response.status_code == 400
    assert response.json()["territories"] == [
        {
            "code": "NOT_ALLOWED",
            "details": {},
            "message": "Cannot update the Org Territory except Name",
            "status": "error",
        }
    ]


async def test_there_is_only_one_root(client: httpx.AsyncClient, org: Org) -> None:
    a = await create_territory(client, "A", org.root)
    response = await client.put(URL, json={"territories": [{"id": a, "reporting_to": None}]})
    assert response.json()["territories"][0]["message"] == (
        "Given Reporting To Territory value is invalid"
    )


async def test_updating_an_unknown_territory_by_id_is_invalid(client: httpx.AsyncClient) -> None:
    response = await client.put(f"{URL}/4150868000000999999", json={"territories": [{"name": "Z"}]})
    assert response.status_code == 400
    assert response.json() == {
        "code": "INVALID_DATA",
        "details": {"resource_path_index": 2},
        "message": "Invalid Territory Id",
        "status": "error",
    }


async def test_update_needs_an_id_in_bulk_form(client: httpx.AsyncClient) -> None:
    response = await client.put(URL, json={"territories": [{"name": "Z"}]})
    assert response.json()["territories"][0]["code"] == "MANDATORY_NOT_FOUND"


async def test_null_clears_manager_and_description(client: httpx.AsyncClient, org: Org) -> None:
    a = await create_territory(client, "A", org.root, manager={"id": org.admin}, description="d")
    await client.put(f"{URL}/{a}", json={"territories": [{"manager": None, "description": None}]})
    body = (await client.get(f"{URL}/{a}")).json()["territories"][0]
    assert (body["manager"], body["description"]) == (None, None)


async def test_ids_may_be_numbers_and_are_returned_as_strings(
    client: httpx.AsyncClient, org: Org
) -> None:
    response = await client.post(
        URL, json={"territories": [{**item("N", org.root), "reporting_to": {"id": int(org.root)}}]}
    )
    assert response.status_code == 201
    assert isinstance(response.json()["territories"][0]["details"]["id"], str)


async def test_unknown_territory_by_id_is_204(client: httpx.AsyncClient) -> None:
    response = await client.get(f"{URL}/4150868000000999999")
    assert response.status_code == 204
    assert response.content == b""


async def test_territory_lists_page_with_info_and_end_in_204(
    client: httpx.AsyncClient, org: Org
) -> None:
    for n in range(4):
        await create_territory(client, f"T{n}", org.root)
    first = (await client.get(URL, params={"per_page": 2})).json()
    assert first["info"] == {"per_page": 2, "count": 2, "page": 1, "more_records": True}
    last = (await client.get(URL, params={"per_page": 2, "page": 3})).json()
    assert last["info"] == {"per_page": 2, "count": 1, "page": 3, "more_records": False}
    beyond = await client.get(URL, params={"per_page": 2, "page": 4})
    assert beyond.status_code == 204


async def test_exact_page_boundary_has_no_more_records(client: httpx.AsyncClient, org: Org) -> None:
    await create_territory(client, "T", org.root)
    body = (await client.get(URL, params={"per_page": 2})).json()
    assert body["info"]["more_records"] is False


async def test_per_page_is_clamped_to_200(client: httpx.AsyncClient) -> None:
    body = (await client.get(URL, params={"per_page": 2000})).json()
    assert body["info"]["per_page"] == 200


@pytest.mark.parametrize("value", ["0", "abc", "-1"])
async def test_bad_paging_values_are_invalid_data(client: httpx.AsyncClient, value: str) -> None:
    response = await client.get(URL, params={"page": value})
    assert response.status_code == 400
    assert response.json() == {
        "code": "INVALID_DATA",
        "details": {"expected_data_type": "integer", "param_name": "page"},
        "message": "invalid data",
        "status": "error",
    }


async def test_ids_returns_the_named_territories_without_info(
    client: httpx.AsyncClient, org: Org
) -> None:
    a = await create_territory(client, "A", org.root)
    body = (await client.get(URL, params={"ids": f"{a},4150868000000999999"})).json()
    assert [t["id"] for t in body["territories"]] == [a]
    assert "info" not in body


async def test_more_than_100_ids_is_invalid_request(client: httpx.AsyncClient) -> None:
    ids = ",".join(str(4150868000000900000 + n) for n in range(101))
    response = await client.get(URL, params={"ids": ids})
    assert response.status_code == 400
    assert response.json()["code"] == "INVALID_REQUEST"


async def test_include_embeds_criteria(client: httpx.AsyncClient, org: Org) -> None:
    criteria = {"field": {"api_name": "Billing_Country"}, "comparator": "equal", "value": "USA"}
    a = await create_territory(client, "A", org.root, account_rule_criteria=criteria)
    plain = (await client.get(URL, params={"ids": a})).json()["territories"][0]
    assert "account_rule_criteria" not in plain
    body = (await client.get(URL, params={"ids": a, "include": "account_rule_criteria"})).json()
    stored = body["territories"][0]["account_rule_criteria"]
    assert stored["field"]["api_name"] == "Billing_Country"
    assert stored["field"]["id"].isdigit()
    assert (stored["comparator"], stored["value"]) == ("equal", "USA")


async def test_include_inner_details_adds_manager_zuid_and_status(
    client: httpx.AsyncClient, org: Org
) -> None:
    params = {"include_inner_details": "manager.zuid,manager.status"}
    root = (await client.get(URL, params=params)).json()["territories"][0]
    assert set(root["manager"]) == {"id", "name", "zuid", "status"}
    assert root["manager"]["status"] == "active"


async def test_filters_match_names(client: httpx.AsyncClient, org: Org) -> None:
    await create_territory(client, "US West", org.root)
    await create_territory(client, "US East", org.root)
    await create_territory(client, "EMEA", org.root)
    filters = '{"field": {"api_name": "name"}, "comparator": "starts_with", "value": "us"}'
    body = (await client.get(URL, params={"filters": filters})).json()
    assert [t["name"] for t in body["territories"]] == ["US West", "US East"]


async def test_filtering_on_an_unsupported_field_is_refused(client: httpx.AsyncClient) -> None:
    filters = '{"field": {"api_name": "description"}, "comparator": "equal", "value": "x"}'
    response = await client.get(URL, params={"filters": filters})
    assert response.json() == {
        "code": "INVALID_DATA",
        "details": {"param_name": "filters"},
        "message": "The given api_name(description) is not supported",
        "status": "error",
    }


async def test_child_territories_lists_direct_children(client: httpx.AsyncClient, org: Org) -> None:
    a = await create_territory(client, "A", org.root)
    await create_territory(client, "A1", a)
    await create_territory(client, "A2", a)
    body = (await client.get(f"{URL}/{org.root}/__child_territories")).json()
    assert [t["name"] for t in body["territories"]] == ["A"]
    body = (await client.get(f"{URL}/{a}/__child_territories")).json()
    assert [t["name"] for t in body["territories"]] == ["A1", "A2"]
    leaf = await client.get(f"{URL}/{body['territories'][0]['id']}/__child_territories")
    assert leaf.status_code == 204


@pytest.mark.parametrize(
    ("filters", "code"),
    [("5", "INVALID_DATA"), ("{}", "EXPECTED_FIELD_MISSING"), ("{not json", "INVALID_DATA")],
)
async def test_child_territories_answer_filter_errors_as_the_list_does(
    client: httpx.AsyncClient, org: Org, filters: str, code: str
) -> None:
    """The list's filter errors, which the child listing's spec omits (D34)."""
    children = await client.get(
        f"{URL}/{org.root}/__child_territories", params={"filters": filters}
    )
    listed = await client.get(URL, params={"filters": filters})
    assert (children.status_code, children.json()["code"]) == (400, code)
    assert children.json() == listed.json()


async def test_child_territories_of_an_unknown_id_is_invalid(client: httpx.AsyncClient) -> None:
    response = await client.get(f"{URL}/4150868000000999999/__child_territories")
    assert response.status_code == 400
    assert response.json()["details"] == {"resource_path_index": 2}


async def test_associated_users_count_counts_members_per_territory(
    client: httpx.AsyncClient, org: Org
) -> None:
    a = await create_territory(client, "A", org.root)
    await client.put(f"{URL}/{a}/users", json={"users": [{"id": org.user("amy@zylker.example")}]})
    body = (await client.get(f"{URL}/actions/associated_users_count")).json()
    counts = {c["territory"]["name"]: c["count"] for c in body["associated_users_count"]}
    assert counts == {"Zylker": 0, "A": 1}
    assert body["info"]["count"] == 2


async def test_criteria_are_checked_against_the_module_fields(
    client: httpx.AsyncClient, org: Org
) -> None:
    criteria = {"field": {"api_name": "Nope"}, "comparator": "equal", "value": "x"}
    response = await client.post(
        URL, json={"territories": [item("A", org.root, account_rule_criteria=criteria)]}
    )
    assert response.json()["territories"][0] == {
        "code": "INVALID_DATA",
        "details": {
            "api_name": "api_name",
            "json_path": "$.territories[0].account_rule_criteria.field.api_name",
        },
        "message": "The given api_name seems to be invalid",
        "status": "error",
    }


async def test_criteria_comparator_must_fit_the_field_type(
    client: httpx.AsyncClient, org: Org
) -> None:
    criteria = {"field": {"api_name": "Annual_Revenue"}, "comparator": "starts_with", "value": "1"}
    response = await client.post(
        URL, json={"territories": [item("A", org.root, account_rule_criteria=criteria)]}
    )
    error = response.json()["territories"][0]
    assert error["code"] == "DEPENDENT_MISMATCH"
    assert error["message"] == "The comparator is not compatible with the given field"
    assert "greater_than" in error["details"]["supported_values"]


async def test_criteria_value_must_fit_the_field_type(client: httpx.AsyncClient, org: Org) -> None:
    criteria = {"field": {"api_name": "Annual_Revenue"}, "comparator": "greater_than", "value": "x"}
    response = await client.post(
        URL, json={"territories": [item("A", org.root, account_rule_criteria=criteria)]}
    )
    assert response.json()["territories"][0]["details"] == {
        "dependee": {
            "api_name": "field",
            "json_path": "$.territories[0].account_rule_criteria.field",
        },
        "api_name": "value",
        "json_path": "$.territories[0].account_rule_criteria.value",
        "expected_data_type": "double",
    }


async def test_criteria_groups_take_2_to_25_conditions(client: httpx.AsyncClient, org: Org) -> None:
    cond = {"field": {"api_name": "Billing_City"}, "comparator": "equal", "value": "Paris"}
    group = {"group_operator": "OR", "group": [cond] * 26}
    response = await client.post(
        URL, json={"territories": [item("A", org.root, account_rule_criteria=group)]}
    )
    assert response.json()["territories"][0] == {
        "code": "LIMIT_EXCEEDED",
        "details": {
            "limit": 25,
            "limit_due_to": [
                {"api_name": "group", "json_path": "$.territories[0].account_rule_criteria.group"}
            ],
        },
        "message": "Maximum Territory Criteria Limit reached",
        "status": "error",
    }
    ok = {"group_operator": "AND", "group": [cond, cond]}
    await create_territory(client, "B", org.root, account_rule_criteria=ok)


async def test_file_upload_fields_are_not_supported_in_criteria(
    client: httpx.AsyncClient, org: Org
) -> None:
    criteria = {"field": {"api_name": "Contract"}, "comparator": "equal", "value": "x"}
    response = await client.post(
        URL, json={"territories": [item("A", org.root, account_rule_criteria=criteria)]}
    )
    assert response.json()["territories"][0]["code"] == "NOT_SUPPORTED"


async def test_rules_for_a_disabled_module_are_refused(
    sandbox: Sandbox, client: httpx.AsyncClient, org: Org
) -> None:
    with sandbox.store.transaction() as db:
        db.execute(
            "UPDATE meta SET value = json_set(value, '$.territory_rule_modules', json('[]'))"
            " WHERE key = 'org'"
        )
    criteria = {"field": {"api_name": "Last_Name"}, "comparator": "equal", "value": "x"}
    response = await client.post(
        URL, json={"territories": [item("A", org.root, lead_rule_criteria=criteria)]}
    )
    assert response.json()["territories"][0]["message"] == "Territory Lead Rule Disabled"


@pytest.mark.parametrize(
    ("state", "message"),
    [
        ("not_enabled", "Territory Management is not enabled"),
        ("disabled", "Territory Management is disabled"),
    ],
)
async def test_territory_calls_fail_while_the_feature_is_off(
    sandbox: Sandbox, client: httpx.AsyncClient, state: str, message: str
) -> None:
    sandbox.set_territory_management(state)
    response = await client.get(URL)
    assert response.status_code == 400
    assert response.json() == {
        "code": "FEATURE_NOT_ENABLED",
        "details": {},
        "message": message,
        "status": "error",
    }


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ('{"field": {"api_name": "name"}, "comparator": "equal", "value": "emea"}', ["EMEA"]),
        (
            '{"field": {"api_name": "name"}, "comparator": "in", "value": ["US West", "EMEA"]}',
            ["US West", "EMEA"],
        ),
        (
            '{"field": {"api_name": "name"}, "comparator": "not_equal", "value": "Zylker"}',
            ["US West", "US East", "EMEA"],
        ),
        (
            '{"field": {"api_name": "name"}, "comparator": "ends_with", "value": "east"}',
            ["US East"],
        ),
        (
            '{"group_operator": "or", "group": ['
            '{"field": {"api_name": "name"}, "comparator": "contains", "value": "west"},'
            '{"field": {"api_name": "name"}, "comparator": "like", "value": "%MEA"}]}',
            ["US West", "EMEA"],
        ),
        (
            '{"group_operator": "and", "group": ['
            '{"field": {"api_name": "name"}, "comparator": "not_contains", "value": "west"},'
            '{"field": {"api_name": "name"}, "comparator": "not_like", "value": "zylker"}]}',
            ["US East", "EMEA"],
        ),
    ],
)
async def test_each_filter_comparator_matches_names(
    client: httpx.AsyncClient, org: Org, filters: str, expected: list[str]
) -> None:
    for name in ("US West", "US East", "EMEA"):
        await create_territory(client, name, org.root)
    body = (await client.get(URL, params={"filters": filters})).json()
    assert [t["name"] for t in body["territories"]] == expected


@pytest.mark.parametrize(
    ("filters", "code", "details"),
    [
        (
            "{not json",
            "INVALID_DATA",
            {"expected_data_type": "jsonobject", "param_name": "filters"},
        ),
        (
            "{}",
            "EXPECTED_FIELD_MISSING",
            {
                "expected_fields": [
                    {"api_name": "field", "json_path": "$.field"},
                    {"api_name": "comparator", "json_path": "$.comparator"},
                ],
                "param_name": "filters",
            },
        ),
        (
            '{"field": {"api_name": "name"}, "value": "x"}',
            "MANDATORY_NOT_FOUND",
            {"api_name": "comparator", "json_path": "$.comparator", "param_name": "filters"},
        ),
        (
            '{"field": {"api_name": "name"}, "comparator": "between", "value": "x"}',
            "INVALID_DATA",
            None,
        ),
        (
            '{"field": {"api_name": "api_name"}, "comparator": "equal", "value": "x"}',
            "NOT_SUPPORTED",
            {"api_name": "api_name", "json_path": "$.field.api_name", "param_name": "filters"},
        ),
        ('{"group_operator": "xor", "group": []}', "INVALID_DATA", None),
    ],
)
async def test_bad_filters_are_400_with_the_reason(
    client: httpx.AsyncClient, filters: str, code: str, details: dict[str, Any] | None
) -> None:
    response = await client.get(URL, params={"filters": filters})
    assert response.status_code == 400
    assert response.json()["code"] == code
    if details is not None:
        assert response.json()["details"] == details
