"""Several orgs behind one address: each call reaches the org whose credentials it carries,
and nothing of one org (ids, tokens, writes) shows in another."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from reconciler.sandbox import (
    IN_PROCESS_URL,
    Orgs,
    Sandbox,
    SandboxTransport,
    demo_seed,
    named_org,
    open_orgs,
    serve_in_thread,
)
from tests.sandbox.conftest import FakeClock

pytestmark = pytest.mark.anyio
TOKEN = "/oauth/v2/token"
TERRITORIES = "/crm/v8/settings/territories"


@pytest.fixture
def orgs(clock: FakeClock) -> Iterator[Orgs]:
    with open_orgs({"staging": ":memory:", "prod": ":memory:"}, demo_seed(), clock=clock) as both:
        yield both


@pytest.fixture
async def anonymous(orgs: Orgs) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=SandboxTransport(orgs), base_url=IN_PROCESS_URL) as c:
        yield c


def grant(name: str) -> dict[str, str]:
    return {
        "grant_type": "refresh_token",
        "client_id": name,
        "client_secret": f"{name}-secret",
        "refresh_token": f"{name}-refresh",
    }


async def login(http: httpx.AsyncClient, name: str) -> dict[str, str]:
    body = (await http.post(TOKEN, data=grant(name))).json()
    return {"Authorization": f"Zoho-oauthtoken {body['access_token']}"}


async def org_id(http: httpx.AsyncClient, headers: dict[str, str]) -> str:
    return str((await http.get("/crm/v8/org", headers=headers)).json()["org"][0]["id"])


async def territory_names(http: httpx.AsyncClient, headers: dict[str, str]) -> list[str]:
    body = (await http.get(TERRITORIES, headers=headers)).json()
    return sorted(t["name"] for t in body["territories"])


async def test_each_org_has_its_own_id_and_its_own_object_ids(orgs, anonymous):
    staging, prod = await login(anonymous, "staging"), await login(anonymous, "prod")
    assert await org_id(anonymous, staging) == orgs["staging"].org_id
    assert await org_id(anonymous, prod) == orgs["prod"].org_id
    assert orgs["staging"].org_id != orgs["prod"].org_id
    roots = [
        (await anonymous.get(TERRITORIES, headers=h)).json()["territories"][0]["id"]
        for h in (staging, prod)
    ]
    assert roots[0] != roots[1]
    assert roots[0][:7] == orgs["staging"].org_id[:7]  # an org's ids share its prefix


async def test_a_write_lands_in_the_org_whose_token_made_it(anonymous):
    staging, prod = await login(anonymous, "staging"), await login(anonymous, "prod")
    root = (await anonymous.get(TERRITORIES, headers=staging)).json()["territories"][0]["id"]
    item = {"name": "Trial", "reporting_to": {"id": root}, "permission_type": "read_only"}
    created = await anonymous.post(TERRITORIES, headers=staging, json={"territories": [item]})
    assert created.status_code == 201
    assert "Trial" in await territory_names(anonymous, staging)
    assert "Trial" not in await territory_names(anonymous, prod)


async def test_an_id_of_one_org_is_unknown_in_another(anonymous):
    staging, prod = await login(anonymous, "staging"), await login(anonymous, "prod")
    root = (await anonymous.get(TERRITORIES, headers=staging)).json()["territories"][0]["id"]
    assert (await anonymous.get(f"{TERRITORIES}/{root}", headers=staging)).status_code == 200
    elsewhere = await anonymous.get(f"{TERRITORIES}/{root}", headers=prod)
    assert elsewhere.status_code == 204  # Zoho's answer for an id it has no territory for


async def test_credentials_no_org_knows_are_refused_as_one_org_would(anonymous):
    wrong = {**grant("staging"), "client_id": "nobody"}
    assert (await anonymous.post(TOKEN, data=wrong)).json() == {"error": "invalid_client"}
    mixed = {**grant("staging"), "client_secret": "prod-secret"}
    assert (await anonymous.post(TOKEN, data=mixed)).json() == {"error": "invalid_client"}
    headers = {"Authorization": "Zoho-oauthtoken not-a-token"}
    response = await anonymous.get("/crm/v8/org", headers=headers)
    assert (response.status_code, response.json()["code"]) == (401, "INVALID_TOKEN")


async def test_a_refresh_token_works_only_with_its_own_orgs_client(anonymous):
    borrowed = {**grant("prod"), "refresh_token": "staging-refresh"}
    assert (await anonymous.post(TOKEN, data=borrowed)).json() == {"error": "invalid_code"}


async def test_revoking_one_orgs_refresh_token_leaves_the_other_working(anonymous):
    revoked = await anonymous.post(f"{TOKEN}/revoke", params={"token": "prod-refresh"})
    assert revoked.json() == {"status": "success"}
    assert (await anonymous.post(TOKEN, data=grant("prod"))).json() == {"error": "invalid_code"}
    assert "access_token" in (await anonymous.post(TOKEN, data=grant("staging"))).json()


async def test_each_org_keeps_its_own_request_log(orgs, anonymous):
    staging = await login(anonymous, "staging")
    await org_id(anonymous, staging)
    assert orgs["staging"].stats()["endpoints"]["GET /crm/v8/org"]["count"] == 1
    assert "GET /crm/v8/org" not in orgs["prod"].stats()["endpoints"]


def test_orgs_that_share_an_oauth_client_cannot_be_served_together():
    a = named_org(demo_seed(), "a")
    clash = named_org(demo_seed(), "clash").model_copy(update={"oauth_clients": a.oauth_clients})
    with Sandbox(seed=a) as first, Sandbox(seed=clash) as second:
        with pytest.raises(ValueError, match="'a' and 'clash' share the OAuth client 'a'"):
            Orgs({"a": first, "clash": second})


def test_two_copies_of_one_org_cannot_be_served_together():
    one, other = Sandbox(), Sandbox()
    try:
        with pytest.raises(ValueError, match="'one' and 'other' share the org id"):
            Orgs({"one": one, "other": other})
    finally:
        one.close()
        other.close()


def test_orgs_need_at_least_one_org():
    with pytest.raises(ValueError, match="at least one org"):
        Orgs({})


@pytest.mark.parametrize("name", ["", "Prod", "-x", "a b", "x" * 41])
def test_org_names_are_plain(name):
    with pytest.raises(ValueError, match="lower-case letters"):
        named_org(demo_seed(), name)


def test_a_named_org_has_stable_ids_and_its_own_client():
    seed = named_org(demo_seed(), "staging")
    assert seed == named_org(demo_seed(), "staging")
    assert seed.org.id_prefix != demo_seed().org.id_prefix
    assert [(c.client_id, c.client_secret) for c in seed.oauth_clients] == [
        ("staging", "staging-secret")
    ]
    assert seed.users == demo_seed().users


def test_the_demo_org_keeps_its_documented_ids():
    with Sandbox() as org:
        assert org.org_id == "4150868000000000001"


def test_opening_stops_at_a_clash_and_closes_what_it_opened(tmp_path):
    dbs = {"a": tmp_path / "a.sqlite3", "b": tmp_path / "a.sqlite3"}
    with pytest.raises(ValueError, match="share the org id"):
        open_orgs(dbs, demo_seed())
    with open_orgs({"a": tmp_path / "a.sqlite3"}, demo_seed()) as reopened:
        assert reopened["a"].org_id == named_org_id(tmp_path / "a.sqlite3")


def named_org_id(path) -> str:
    with Sandbox(path) as org:
        return org.org_id


@pytest.mark.served
def test_one_port_serves_several_orgs(orgs):
    with serve_in_thread(orgs) as base:
        ids = []
        for name in ("staging", "prod"):
            token = httpx.post(f"{base}{TOKEN}", data=grant(name)).json()
            assert token["api_domain"] == base
            headers = {"Authorization": f"Zoho-oauthtoken {token['access_token']}"}
            ids.append(httpx.get(f"{base}/crm/v8/org", headers=headers).json()["org"][0]["id"])
    assert ids == [orgs["staging"].org_id, orgs["prod"].org_id]
