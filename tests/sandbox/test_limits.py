"""Rate limits: concurrency (429 beyond the limit, latency counts as in flight) and credits."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from reconciler.sandbox import Sandbox, SandboxSettings
from reconciler.sandbox.settings import edition_concurrency, edition_credits
from tests.sandbox.conftest import FakeClock, make_client

pytestmark = pytest.mark.anyio


async def test_calls_beyond_the_concurrency_limit_get_429(
    sandbox: Sandbox, client: httpx.AsyncClient
) -> None:
    sandbox.configure(concurrency_limit=3, latency_s=0.05)
    responses = await asyncio.gather(*(client.get("/crm/v8/org") for _ in range(5)))
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200, 200, 200, 429, 429]
    refused = next(r for r in responses if r.status_code == 429)
    assert refused.json() == {
        "code": "TOO_MANY_REQUESTS",
        "details": {},
        "message": "the concurrency limit has been exceeded",
        "status": "error",
    }
    stats = sandbox.stats()
    assert stats["peak_concurrency"] == 3
    assert stats["credits_used"] == 3


async def test_sequential_calls_never_hit_the_limit(
    sandbox: Sandbox, client: httpx.AsyncClient
) -> None:
    sandbox.configure(concurrency_limit=1)
    for _ in range(3):
        assert (await client.get("/crm/v8/org")).status_code == 200


async def test_daily_credits_run_out_and_free_up_after_24_hours(
    sandbox: Sandbox, clock: FakeClock
) -> None:
    sandbox.configure(daily_credit_limit=2, token_lifetime_s=10 * 86_400)
    async with make_client(sandbox) as client:
        assert (await client.get("/crm/v8/org")).status_code == 200
        clock.advance(3600)
        assert (await client.get("/crm/v8/org")).status_code == 200
        response = await client.get("/crm/v8/org")
        assert response.status_code == 429
        assert response.json()["code"] == "TOO_MANY_REQUESTS"
        clock.advance(86_400 - 3600 + 1)  # the first credit frees up 24 h after it was spent
        assert (await client.get("/crm/v8/org")).status_code == 200


async def test_errors_after_authentication_cost_a_credit(
    sandbox: Sandbox, client: httpx.AsyncClient
) -> None:
    await client.get("/crm/v8/settings/territories", params={"page": "x"})
    await client.get("/crm/v8/org", headers={"Authorization": "Zoho-oauthtoken nope"})
    assert sandbox.stats()["credits_used"] == 1


def test_limits_default_to_the_editions_figures() -> None:
    assert [
        edition_concurrency(e)
        for e in ("free", "standard", "professional", "enterprise", "ultimate")
    ] == [5, 10, 15, 20, 25]
    assert edition_credits("free", 100) == 5_000
    assert edition_credits("enterprise", 25) == 75_000
    assert edition_credits("professional", 10_000) == 3_000_000
    assert edition_credits("ultimate", 10_000) == 20_050_000
    assert edition_concurrency("Zoho One") == 20


def test_the_edition_setting_overrides_the_org(clock: FakeClock) -> None:
    sandbox = Sandbox(clock=clock, settings=SandboxSettings(edition="free"))
    assert sandbox.concurrency_limit() == 5
    assert Sandbox(clock=clock).concurrency_limit() == 20


def test_settings_are_validated() -> None:
    with pytest.raises(ValueError, match="unknown edition"):
        SandboxSettings(edition="platinum")
    with pytest.raises(ValueError, match="mixed_batch_status"):
        SandboxSettings(mixed_batch_status=201)


async def test_huge_bodies_are_refused(sandbox: Sandbox, client: httpx.AsyncClient) -> None:
    sandbox.configure(max_body_bytes=1000)
    body = {"territories": [{"name": "x" * 2000}]}
    response = await client.post("/crm/v8/settings/territories", json=body)
    assert response.status_code == 413
    assert response.json() == {
        "code": "LIMIT_EXCEEDED",
        "details": {"maximum_length": 1000},
        "message": "the request body is too large",
        "status": "error",
    }
