"""The sandbox over a real socket: same answers as in-process, and faults that cut the wire."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from reconciler.sandbox import (
    IN_PROCESS_URL,
    RemoteNotAllowed,
    Sandbox,
    SandboxTransport,
    serve,
    serve_in_thread,
)
from tests.sandbox.conftest import FakeClock

pytestmark = [pytest.mark.anyio, pytest.mark.served]
ROOT = "4150868000000000084"  # the demo org's root territory
AMY = "4150868000000000017"


def sequence() -> list[tuple[str, str, Any]]:
    """A mixed sequence of calls: writes, reads, paging, errors, 204s and bad requests."""
    territories = "/crm/v8/settings/territories"
    item = {"reporting_to": {"id": ROOT}, "permission_type": "read_only"}
    return [
        ("GET", territories, None),
        (
            "POST",
            territories,
            {
                "territories": [
                    {"name": "Americas", **item},
                    {"name": "EMEA", **item},
                    {"name": "emea", **item},
                ]
            },
        ),
        ("GET", territories + "?per_page=2&page=1", None),
        ("GET", territories + "?per_page=2&page=2", None),
        ("PUT", f"{territories}/{ROOT}/users", {"users": [{"id": AMY}, {"id": "1"}]}),
        ("GET", f"{territories}/{ROOT}/users", None),
        ("GET", f"/crm/v8/users/{AMY}/territories", None),
        ("DELETE", f"{territories}?ids={ROOT}", None),
        ("GET", f"{territories}/4150868000000999999", None),
        (
            "POST",
            "/crm/v8/settings/data_sharing/rules?module=Accounts",
            {
                "sharing_rules": [
                    {
                        "name": "Everyone reads",
                        "type": "Record_Owner_Based",
                        "superiors_allowed": False,
                        "permission_type": "read",
                        "shared_from": {"type": "all_users"},
                        "shared_to": {"type": "all_users"},
                    }
                ]
            },
        ),
        ("GET", "/crm/v8/settings/data_sharing/rules", None),
        ("GET", "/crm/v8/settings/data_sharing", None),
        ("GET", "/crm/v8/users?type=DeactiveUsers", None),
        ("GET", "/crm/v8/settings/user_groups?include=sources_count", None),
        ("GET", "/crm/v8/nothing/here/at/all", None),
        ("PATCH", territories, None),
        ("POST", territories, b"{not json"),
        ("GET", "/crm/v8/org", None),
    ]


async def replay(client: httpx.AsyncClient) -> list[tuple[str, str, int, str | None, bytes]]:
    answers = []
    for method, url, body in sequence():
        if isinstance(body, bytes):
            response = await client.request(method, url, content=body)
        else:
            response = await client.request(method, url, json=body)
        answers.append(
            (
                method,
                url,
                response.status_code,
                response.headers.get("content-type"),
                response.content,
            )
        )
    return answers


async def test_served_and_in_process_answer_the_same() -> None:
    in_process = Sandbox(clock=FakeClock())
    served = Sandbox(clock=FakeClock())
    headers = {"Authorization": f"Zoho-oauthtoken {in_process.issue_token()}"}
    async with httpx.AsyncClient(
        transport=SandboxTransport(in_process), base_url=IN_PROCESS_URL, headers=headers
    ) as client:
        expected = await replay(client)
    with serve_in_thread(served) as base_url:
        headers = {"Authorization": f"Zoho-oauthtoken {served.issue_token()}"}
        async with httpx.AsyncClient(
            transport=httpx.AsyncHTTPTransport(), base_url=base_url, headers=headers
        ) as client:
            actual = await replay(client)
    assert actual == expected
    statuses = [answer[2] for answer in expected]
    assert {200, 201, 204, 207, 400, 404} <= set(statuses)
    assert json.loads(expected[1][4])["territories"][2]["code"] == "DUPLICATE_DATA"


async def test_served_token_endpoint_names_the_served_domain() -> None:
    sandbox = Sandbox(clock=FakeClock())
    with serve_in_thread(sandbox) as base_url:
        async with httpx.AsyncClient(
            transport=httpx.AsyncHTTPTransport(), base_url=base_url
        ) as client:
            body = (
                await client.post(
                    "/oauth/v2/token",
                    data={
                        "grant_type": "refresh_token",
                        "client_id": "sandbox",
                        "client_secret": "sandbox-secret",
                        "refresh_token": "sandbox-refresh",
                    },
                )
            ).json()
    assert body["api_domain"] == base_url


@pytest.mark.parametrize("after_write", [False, True])
async def test_a_dropped_call_is_a_protocol_error_over_http(after_write: bool) -> None:
    sandbox = Sandbox(clock=FakeClock())
    headers = {"Authorization": f"Zoho-oauthtoken {sandbox.issue_token()}"}
    body = {
        "territories": [{"name": "A", "reporting_to": {"id": ROOT}, "permission_type": "read_only"}]
    }
    with serve_in_thread(sandbox) as base_url:
        async with httpx.AsyncClient(
            transport=httpx.AsyncHTTPTransport(), base_url=base_url, headers=headers
        ) as client:
            sandbox.faults.drop_nth_call(1, after_write=after_write)
            with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
                await client.post("/crm/v8/settings/territories", json=body)
            listed = (await client.get("/crm/v8/settings/territories")).json()["territories"]
    assert [t["name"] for t in listed] == (["Zylker", "A"] if after_write else ["Zylker"])


async def test_head_requests_get_headers_only() -> None:
    sandbox = Sandbox(clock=FakeClock())
    with serve_in_thread(sandbox) as base_url:
        async with httpx.AsyncClient(
            transport=httpx.AsyncHTTPTransport(), base_url=base_url
        ) as client:
            response = await client.head("/crm/v8/org")
    assert (response.status_code, response.content) == (400, b"")


def test_serving_beyond_loopback_needs_a_flag() -> None:
    with pytest.raises(RemoteNotAllowed):
        serve(Sandbox(), host="0.0.0.0", port=0)
