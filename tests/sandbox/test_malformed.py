"""Malformed requests never get a 500: every answer is the Zoho error a real org would give.

Hypothesis sends each request - wrong JSON, wrong types, huge bodies, odd ids and queries,
unknown paths, bad methods - to two sandboxes that start alike: one in-process, one served
over a real socket. Both must answer below 500, Zoho-shaped, and the same; the suite's
contract check (tests/contract/plugin.py) holds every answer to the official specs, so
"the Zoho error a real org would give" is checked too, not only "no crash". Their state
carries over from example to example, so later requests meet territories, members and rules
earlier ones made."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reconciler.sandbox import (
    IN_PROCESS_URL,
    Sandbox,
    SandboxSettings,
    SandboxTransport,
    create_app,
    serve_in_thread,
)
from reconciler.sandbox.dispatch import ROUTER
from tests.sandbox.conftest import FakeClock

pytestmark = pytest.mark.served
MAX_BODY = 2048  # small, so that hypothesis reaches "too large" with cheap bodies
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
huge = st.builds(
    lambda key, size: json.dumps({key: [{"name": "x" * size}]}).encode(),
    st.sampled_from(KEYS),
    st.integers(MAX_BODY - 40, 2 * MAX_BODY),
)
bodies = st.one_of(
    st.none(),
    st.binary(max_size=60),  # not JSON, not UTF-8
    values.map(lambda v: json.dumps(v).encode()),  # JSON of any type
    st.builds(  # the right envelope, wrong items
        lambda k, v: json.dumps({k: v}).encode(),
        st.sampled_from(KEYS),
        st.lists(items, max_size=3) | values,
    ),
    huge,
)
# Encoded control characters (newline, carriage return, tab, escape, delete) as well: a
# router's path pattern can stop at them and answer for Zoho.
CONTROLS = ["%0A", "%0D", "%0D%0A", "%09", "%1B", "%7F"]
segments = st.sampled_from(
    [ROOT, AMY, "0", "-1", "abc", "9" * 30, "Accounts", "%00", "é", " ", f"{AMY}%0A", *CONTROLS]
)
# Words no Zoho path uses, and Zoho's own namespaces where they do not belong.
junk = st.sampled_from(["bogus", "nothing", "here", "v2", "settings", "org", "crm", "..", ROOT])


@st.composite
def routed_paths(draw: Any) -> tuple[str, str]:
    """A route's template with its parameters filled (well or badly); its method or another."""
    route = draw(st.sampled_from(ROUTER.routes))
    path = "/".join(draw(segments) if part.startswith("{") else part for part in route.segments)
    return route.method, f"/crm/v8/{path}"


@st.composite
def unknown_paths(draw: Any) -> tuple[str, str]:
    """A route's path with a junk segment put in, or a path of junk words altogether."""
    method, path = draw(routed_paths())
    parts = path.split("/")
    at = draw(st.integers(1, len(parts)))
    parts.insert(at, draw(junk))
    mangled = "/".join(parts)
    anywhere = "/" + "/".join(draw(st.lists(junk, max_size=4)))
    return method, draw(st.sampled_from([mangled, anywhere, "/crm/v8" + anywhere]))


@st.composite
def requests(draw: Any) -> tuple[str, str, bytes | None]:
    # Mostly a route's own method on a route's path, so that the handlers meet the bodies.
    method, path = draw(unknown_paths() if draw(st.integers(0, 3)) == 0 else routed_paths())
    if draw(st.booleans()):
        method = draw(st.sampled_from(["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"]))
    query = draw(
        st.dictionaries(
            st.sampled_from(
                ["ids", "page", "per_page", "module", "type", "include", "filters", "name"]
            ),
            st.text(max_size=20) | segments,
            max_size=3,
        )
    )
    return method, str(httpx.URL(path, params=query)), draw(bodies)


def new_sandbox() -> Sandbox:
    return Sandbox(clock=FakeClock(), settings=SandboxSettings(max_body_bytes=MAX_BODY))


IN_PROCESS = new_sandbox()
SERVED = new_sandbox()


@pytest.fixture(scope="module")
def served() -> Iterator[httpx.Client]:
    """A client of the served sandbox, kept across examples (one connection, kept alive)."""
    headers = {
        "Authorization": f"Zoho-oauthtoken {SERVED.issue_token()}",
        "Content-Type": "application/json",
    }
    with serve_in_thread(SERVED) as base_url:
        with httpx.Client(base_url=base_url, headers=headers) as client:
            yield client


def zoho_shaped(response: httpx.Response) -> bool:
    if response.status_code in (204, 304) or response.request.method == "HEAD":
        return response.content == b""
    body = response.json()
    if response.status_code < 300:
        return isinstance(body, dict)
    envelope = body if "code" in body else next(iter(body.values()))
    while isinstance(envelope, list):  # per-item results, some nested one array deeper
        envelope = envelope[0]
    return {"code", "details", "message", "status"} <= set(envelope)


async def send(sandbox: Sandbox, request: Any) -> httpx.Response:
    """Send one request to a sandbox in-process."""
    method, url, body = request
    headers = {
        "Authorization": f"Zoho-oauthtoken {sandbox.issue_token()}",
        "Content-Type": "application/json",
    }
    async with httpx.AsyncClient(
        transport=SandboxTransport(sandbox), base_url=IN_PROCESS_URL, headers=headers
    ) as client:
        return await client.request(method, url, content=body)


@settings(
    max_examples=300,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(request=requests())
def test_no_malformed_request_gets_a_500(
    served: httpx.Client, request: tuple[str, str, bytes | None]
) -> None:
    in_process = asyncio.run(send(IN_PROCESS, request))
    assert in_process.status_code < 500, (request, in_process.text)
    assert zoho_shaped(in_process), (request, in_process.text)
    method, url, body = request
    over_http = served.request(method, url, content=body)
    assert (over_http.status_code, over_http.content) == (
        in_process.status_code,
        in_process.content,
    ), request


def answer(method: str, url: str, body: bytes | None = None) -> httpx.Response:
    sandbox = Sandbox(clock=FakeClock())
    return asyncio.run(send(sandbox, (method, url, body)))


def test_deeply_nested_json_is_invalid_data() -> None:
    response = answer("POST", "/crm/v8/settings/territories", b"[" * 100_000 + b"]" * 100_000)
    assert response.status_code == 400
    assert response.json()["code"] == "INVALID_DATA"


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/robots.txt",
        "/crm/v2/org",
        "/crm/v8/settings/nothing/here",
        "/crm/v8/settings/bogus",  # not record "bogus" of a module called "settings"
        "/crm/v8/settings",
        "/crm/v8/org/extra",
    ],
)
def test_unknown_paths_and_prefixes_are_404(url: str) -> None:
    response = answer("GET", url)
    assert response.status_code == 404, url
    assert response.json() == {
        "code": "INVALID_URL_PATTERN",
        "details": {},
        "message": "Please check if the URL trying to access is a correct one",
        "status": "error",
    }


def test_an_unknown_module_is_invalid_module() -> None:
    response = answer("GET", "/crm/v8/Spaceships")
    assert (response.status_code, response.json()["code"]) == (400, "INVALID_MODULE")


def test_non_utf8_bodies_and_query_strings_are_400() -> None:
    response = answer("PUT", "/crm/v8/settings/territories?page=%ff", b"\xff\xfe")
    assert response.status_code == 400


@pytest.mark.parametrize("control", CONTROLS)
@pytest.mark.parametrize(
    "template",
    ["/crm/v8/users/{}/territories", "/crm/v8/settings/territories/{}/users", "/crm/v8/{}"],
)
def test_control_characters_in_a_path_segment_get_zoho_answers(
    served: httpx.Client, template: str, control: str
) -> None:
    """Zoho's JSON, the same in-process and served; a missing token is 401 before any 404."""
    url = template.format(control)
    in_process = answer("GET", url)
    assert in_process.status_code in (400, 404), in_process.text
    assert zoho_shaped(in_process), in_process.text
    over_http = served.get(url)
    assert (over_http.status_code, over_http.json()) == (
        in_process.status_code,
        in_process.json(),
    )
    anonymous = served.get(url, headers={"Authorization": ""})
    assert (anonymous.status_code, anonymous.json()["code"]) == (401, "AUTHENTICATION_FAILURE")


def test_the_app_ignores_what_is_not_http() -> None:
    """Servers run the app with lifespan off; a stray lifespan or websocket scope gets no
    answer rather than a crash."""
    sent: list[Any] = []

    async def receive() -> dict[str, Any]:
        return {"type": "lifespan.startup"}

    async def send(message: Any) -> None:
        sent.append(message)

    app = create_app(new_sandbox())
    for kind in ("lifespan", "websocket"):
        asyncio.run(app({"type": kind}, receive, send))
    assert sent == []
