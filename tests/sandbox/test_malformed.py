"""Malformed requests never get a 500: every answer is Zoho-shaped JSON (or an empty 204/304).

Hypothesis drives every route template with wrong JSON, wrong types, odd ids, odd queries
and odd methods, against one long-lived sandbox whose state the examples keep changing."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reconciler.sandbox import IN_PROCESS_URL, Sandbox, SandboxTransport
from reconciler.sandbox.dispatch import ROUTER

SANDBOX = Sandbox()
TOKEN = SANDBOX.issue_token()
ROOT = "4150868000000000084"
AMY = "4150868000000000017"
KEYS = ["territories", "users", "data_sharing", "sharing_rules", "data", "filters"]
FIELDS = [
    "id",
    "name",
    "reporting_to",
    "manager",
    "permission_type",
    "description",
    "account_rule_criteria",
    "lead_rule_criteria",
    "deal_rule_criteria",
    "transfer_to_id",
    "delete_previous_forecasts",
    "share_type",
    "module",
    "type",
    "superiors_allowed",
    "shared_from",
    "shared_to",
    "criteria",
    "status",
    "Territories",
    "field",
    "comparator",
    "value",
    "group",
    "group_operator",
    "resource",
    "subordinates",
]

scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=30)
    | st.sampled_from([ROOT, AMY, "", "Accounts", "roles", "equal", "read_only"])
)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.sampled_from(FIELDS) | st.text(max_size=8), inner, max_size=5)
    ),
    max_leaves=20,
)
items = st.dictionaries(st.sampled_from(FIELDS), values, max_size=6)
bodies = st.one_of(
    st.none(),
    st.binary(max_size=60),
    values.map(lambda v: json.dumps(v).encode()),
    st.builds(
        lambda k, v: json.dumps({k: v}).encode(),
        st.sampled_from(KEYS),
        st.lists(items, max_size=3) | values,
    ),
)
segments = st.sampled_from([ROOT, AMY, "0", "-1", "abc", "9" * 30, "Accounts", "%00", "é", " "])


@st.composite
def requests(draw: Any) -> tuple[str, str, bytes | None]:
    route = draw(st.sampled_from(ROUTER.routes))
    path = "/".join(draw(segments) if part.startswith("{") else part for part in route.segments)
    method = draw(
        st.sampled_from([route.method, "GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"])
    )
    query = draw(
        st.dictionaries(
            st.sampled_from(
                ["ids", "page", "per_page", "module", "type", "include", "filters", "name"]
            ),
            st.text(max_size=20) | segments,
            max_size=3,
        )
    )
    url = httpx.URL(f"/crm/v8/{path}", params=query)
    return method, str(url), draw(bodies)


def zoho_shaped(response: httpx.Response) -> bool:
    if response.status_code in (204, 304) or response.request.method == "HEAD":
        return response.content == b""
    body = response.json()
    if response.status_code < 300:
        return isinstance(body, dict)
    envelope = body if "code" in body else next(iter(body.values()))[0]
    if isinstance(envelope, list):
        envelope = envelope[0]
    return {"code", "details", "message", "status"} <= set(envelope)


async def send(method: str, url: str, body: bytes | None) -> httpx.Response:
    headers = {"Authorization": f"Zoho-oauthtoken {TOKEN}", "Content-Type": "application/json"}
    async with httpx.AsyncClient(
        transport=SandboxTransport(SANDBOX), base_url=IN_PROCESS_URL, headers=headers
    ) as client:
        return await client.request(method, url, content=body)


@settings(
    max_examples=400, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
@given(requests())
def test_no_malformed_request_gets_a_500(request: tuple[str, str, bytes | None]) -> None:
    response = asyncio.run(send(*request))
    assert response.status_code < 500, (request, response.text)
    assert zoho_shaped(response), (request, response.text)


def test_deeply_nested_json_is_invalid_data() -> None:
    body = b"[" * 100_000 + b"]" * 100_000
    response = asyncio.run(send("POST", "/crm/v8/settings/territories", body))
    assert response.status_code == 400
    assert response.json()["code"] == "INVALID_DATA"


def test_unknown_paths_and_prefixes_are_404() -> None:
    for url in ("/", "/crm/v2/org", "/crm/v8/settings/nothing/here", "/robots.txt"):
        response = asyncio.run(send("GET", url, None))
        assert response.status_code == 404, url
        assert response.json()["code"] == "INVALID_URL_PATTERN"


def test_non_utf8_bodies_and_query_strings() -> None:
    response = asyncio.run(send("PUT", "/crm/v8/settings/territories?page=%ff", b"\xff\xfe"))
    assert response.status_code == 400
