"""Organisation default permissions per module."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from reconciler.sandbox import Sandbox
from tests.sandbox.conftest import FakeClock, Org

pytestmark = pytest.mark.anyio
URL = "/crm/v8/settings/data_sharing"


async def test_each_module_is_listed_with_its_share_type(
    client: httpx.AsyncClient, org: Org
) -> None:
    body = (await client.get(URL)).json()["data_sharing"]
    accounts = next(s for s in body if s["module"]["api_name"] == "Accounts")
    assert accounts == {
        "share_type": "private",
        "public_in_portals": False,
        "module": {"api_name": "Accounts", "id": org.module("Accounts")},
        "rule_computation_running": False,
    }


async def test_an_update_starts_a_recomputation_that_ends(
    client: httpx.AsyncClient, org: Org, clock: FakeClock, sandbox: Sandbox
) -> None:
    sandbox.configure(rule_recompute_s=30)
    item = {"share_type": "public_read_only", "module": {"id": org.module("Accounts")}}
    response = await client.put(URL, json={"data_sharing": [item]})
    assert response.status_code == 200
    assert response.json() == {
        "data_sharing": [
            {
                "code": "SUCCESS",
                "details": {"module": "Accounts"},
                "message": "data sharing settings updated successfully",
                "status": "success",
            }
        ]
    }

    async def accounts() -> Any:
        body = (await client.get(URL)).json()["data_sharing"]
        return next(s for s in body if s["module"]["api_name"] == "Accounts")

    assert (await accounts())["rule_computation_running"] is True
    assert (await accounts())["share_type"] == "public_read_only"
    clock.advance(31)
    assert (await accounts())["rule_computation_running"] is False


async def test_each_bad_update_item_gets_its_own_error(client: httpx.AsyncClient, org: Org) -> None:
    accounts = org.module("Accounts")
    items = [
        {"share_type": "everyone", "module": {"id": accounts}},
        {"share_type": "public", "module": {"id": "12"}},
        {"share_type": "public", "module": {"id": org.module("Visits")}},
        {"module": {"id": accounts}},
        {"share_type": "public", "module": {"id": accounts, "api_name": 7}},
    ]
    response = await client.put(URL, json={"data_sharing": items})
    assert response.status_code == 400
    assert response.json()["data_sharing"] == [
        {
            "code": "INVALID_DATA",
            "details": {
                "api_name": "share_type",
                "json_path": "$.data_sharing[0].share_type",
                "regex": "private|public_read_only|public_read_write|public",
            },
            "message": "invalid data",
            "status": "error",
        },
        {
            "code": "INVALID_DATA",
            "details": {"api_name": "module", "json_path": "$.data_sharing[1].module"},
            "message": "invalid data",
            "status": "error",
        },
        {
            "code": "NOT_ALLOWED",
            "details": {"api_name": "module", "json_path": "$.data_sharing[2].module"},
            "message": "Cannot change the data sharing setting as module is made public in portals",
            "status": "error",
        },
        {
            "code": "MANDATORY_NOT_FOUND",
            "details": {"api_name": "share_type", "json_path": "$.data_sharing[3].share_type"},
            "message": "required field not found",
            "status": "error",
        },
        {
            "code": "INVALID_DATA",
            "details": {
                "api_name": "api_name",
                "json_path": "$.data_sharing[4].module.api_name",
                "expected_data_type": "text",
            },
            "message": "invalid data",
            "status": "error",
        },
    ]


async def test_more_than_100_modules_in_one_call_is_refused(
    client: httpx.AsyncClient, org: Org
) -> None:
    items = [{"share_type": "public", "module": {"id": org.module("Accounts")}}] * 101
    response = await client.put(URL, json={"data_sharing": items})
    assert response.json() == {
        "code": "INVALID_DATA",
        "details": {
            "api_name": "data_sharing",
            "json_path": "$.data_sharing",
            "maximum_length": 100,
        },
        "message": "invalid data",
        "status": "error",
    }


@pytest.mark.parametrize(
    ("item", "api_name", "at"),
    [
        ({"module": "Accounts", "share_type": "private"}, "module", "$.data_sharing[0].module"),
        ("Accounts", "data_sharing", "$.data_sharing[0]"),
    ],
)
async def test_what_is_no_object_is_invalid_data_without_a_type(
    client: httpx.AsyncClient, item: object, api_name: str, at: str
) -> None:
    """data_sharing.yaml allows `expected_data_type` text or bigint only."""
    response = await client.put(URL, json={"data_sharing": [item]})
    assert response.json()["data_sharing"] == [
        {
            "code": "INVALID_DATA",
            "details": {"api_name": api_name, "json_path": at},
            "message": "invalid data",
            "status": "error",
        }
    ]
