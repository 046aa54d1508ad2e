"""OAuth: the refresh-token grant, token expiry, the Zoho-oauthtoken header and scopes."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from reconciler.sandbox import IN_PROCESS_URL, Sandbox, SandboxTransport
from tests.sandbox.conftest import FakeClock, Org, make_client

pytestmark = pytest.mark.anyio
TOKEN_URL = "/oauth/v2/token"
GRANT = {
    "grant_type": "refresh_token",
    "client_id": "sandbox",
    "client_secret": "sandbox-secret",
    "refresh_token": "sandbox-refresh",
}


@pytest.fixture
async def anonymous(sandbox: Sandbox) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(
        transport=SandboxTransport(sandbox), base_url="http://127.0.0.1:9999"
    ) as client:
        yield client


async def test_refresh_grant_issues_a_token(anonymous: httpx.AsyncClient) -> None:
    response = await anonymous.post(TOKEN_URL, data=GRANT)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"access_token", "scope", "api_domain", "token_type", "expires_in"}
    assert body["api_domain"] == "http://127.0.0.1:9999"
    assert (body["token_type"], body["expires_in"]) == ("Bearer", 3600)
    assert "ZohoCRM.settings.ALL" in body["scope"].split()
    headers = {"Authorization": f"Zoho-oauthtoken {body['access_token']}"}
    assert (await anonymous.get("/crm/v8/org", headers=headers)).status_code == 200


async def test_grant_parameters_may_be_in_the_query(anonymous: httpx.AsyncClient) -> None:
    response = await anonymous.post(TOKEN_URL, params=GRANT)
    assert "access_token" in response.json()


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"client_secret": "wrong"}, "invalid_client"),
        ({"client_id": "nobody"}, "invalid_client"),
        ({"refresh_token": "stale"}, "invalid_code"),
        ({"grant_type": "authorization_code", "code": "x"}, "invalid_code"),
        ({"grant_type": "password"}, "unsupported_grant_type"),
    ],
)
async def test_bad_grants_answer_200_with_an_error(
    anonymous: httpx.AsyncClient, change: dict[str, str], error: str
) -> None:
    response = await anonymous.post(TOKEN_URL, data={**GRANT, **change})
    assert response.status_code == 200
    assert response.json() == {"error": error}


async def test_missing_header_is_authentication_failure(anonymous: httpx.AsyncClient) -> None:
    response = await anonymous.get("/crm/v8/settings/territories")
    assert response.status_code == 401
    assert response.json() == {
        "code": "AUTHENTICATION_FAILURE",
        "details": {},
        "message": "Authentication failed",
        "status": "error",
    }


async def test_a_bearer_prefix_is_authentication_failure(
    anonymous: httpx.AsyncClient, sandbox: Sandbox
) -> None:
    headers = {"Authorization": f"Bearer {sandbox.issue_token()}"}
    response = await anonymous.get("/crm/v8/org", headers=headers)
    assert response.json()["code"] == "AUTHENTICATION_FAILURE"


async def test_unknown_token_is_invalid_token(anonymous: httpx.AsyncClient) -> None:
    headers = {"Authorization": "Zoho-oauthtoken not-a-token"}
    response = await anonymous.get("/crm/v8/org", headers=headers)
    assert response.status_code == 401
    assert response.json() == {
        "code": "INVALID_TOKEN",
        "details": {},
        "message": "invalid oauth token",
        "status": "error",
    }


async def test_tokens_expire_and_refresh(
    anonymous: httpx.AsyncClient, sandbox: Sandbox, clock: FakeClock
) -> None:
    sandbox.configure(token_lifetime_s=60)
    token = (await anonymous.post(TOKEN_URL, data=GRANT)).json()["access_token"]
    headers = {"Authorization": f"Zoho-oauthtoken {token}"}
    response = await anonymous.get("/crm/v8/org", headers=headers)
    assert response.headers["x-accesstoken-reset"] == "2025-06-15T15:07:40+00:00"
    clock.advance(60)
    expired = await anonymous.get("/crm/v8/org", headers=headers)
    assert (expired.status_code, expired.json()["code"]) == (401, "INVALID_TOKEN")
    fresh = (await anonymous.post(TOKEN_URL, data=GRANT)).json()
    assert fresh["expires_in"] == 60
    headers = {"Authorization": f"Zoho-oauthtoken {fresh['access_token']}"}
    assert (await anonymous.get("/crm/v8/org", headers=headers)).status_code == 200


async def test_at_most_ten_live_tokens_per_refresh_token(anonymous: httpx.AsyncClient) -> None:
    tokens = [
        (await anonymous.post(TOKEN_URL, data=GRANT)).json()["access_token"] for _ in range(11)
    ]
    oldest = {"Authorization": f"Zoho-oauthtoken {tokens[0]}"}
    newest = {"Authorization": f"Zoho-oauthtoken {tokens[-1]}"}
    assert (await anonymous.get("/crm/v8/org", headers=oldest)).status_code == 401
    assert (await anonymous.get("/crm/v8/org", headers=newest)).status_code == 200


async def test_revoke_ends_the_refresh_token(anonymous: httpx.AsyncClient) -> None:
    token = (await anonymous.post(TOKEN_URL, data=GRANT)).json()["access_token"]
    await anonymous.post(f"{TOKEN_URL}/revoke", params={"token": "sandbox-refresh"})
    assert (await anonymous.post(TOKEN_URL, data=GRANT)).json() == {"error": "invalid_code"}
    headers = {"Authorization": f"Zoho-oauthtoken {token}"}
    assert (await anonymous.get("/crm/v8/org", headers=headers)).status_code == 401


async def test_scopes_are_checked_per_endpoint(sandbox: Sandbox) -> None:
    token = sandbox.issue_token(scopes=["ZohoCRM.settings.territories.read", "ZohoCRM.org.all"])
    async with make_client(sandbox, token) as client:
        assert (await client.get("/crm/v8/settings/territories")).status_code == 200
        assert (await client.get("/crm/v8/org")).status_code == 200
        response = await client.post("/crm/v8/settings/territories", json={"territories": [{}]})
        assert response.status_code == 401
        assert response.json() == {
            "code": "OAUTH_SCOPE_MISMATCH",
            "details": {},
            "message": "invalid oauth scope to access this URL",
            "status": "error",
        }
        assert (await client.get("/crm/v8/users")).status_code == 401


async def test_membership_writes_need_both_areas(sandbox: Sandbox, org: Org) -> None:
    token = sandbox.issue_token(scopes=["ZohoCRM.settings.territories.ALL"])
    async with make_client(sandbox, token) as client:
        response = await client.put(f"/crm/v8/settings/territories/{org.root}/users", json={})
    assert response.json()["code"] == "OAUTH_SCOPE_MISMATCH"


async def test_a_module_scoped_token_reads_only_its_module(sandbox: Sandbox, org: Org) -> None:
    token = sandbox.issue_token(scopes=["ZohoCRM.modules.accounts.READ"])
    async with make_client(sandbox, token) as client:
        assert (await client.get("/crm/v8/Accounts", params={"fields": "Employees"})).is_success
        assert (await client.get("/crm/v8/Deals", params={"fields": "Amount"})).status_code == 401


async def test_seeded_refresh_tokens_may_carry_narrower_scopes(clock: FakeClock) -> None:
    from reconciler.sandbox import Sandbox, demo_seed

    seed = demo_seed().model_copy(deep=True)
    data = seed.model_dump()
    data["oauth_clients"][0]["refresh_tokens"].append(
        {"token": "read-only", "scopes": ["ZohoCRM.settings.territories.READ"]}
    )
    sandbox = Sandbox(clock=clock, seed=type(seed).model_validate(data))
    async with httpx.AsyncClient(
        transport=SandboxTransport(sandbox), base_url=IN_PROCESS_URL
    ) as client:
        body = (await client.post(TOKEN_URL, data={**GRANT, "refresh_token": "read-only"})).json()
    assert body["scope"] == "ZohoCRM.settings.territories.READ"
