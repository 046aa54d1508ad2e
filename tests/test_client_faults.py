"""Every fault the client must survive or explain, made by the sandbox's own controls, both
in-process and over a served socket. After each test, everything logged and every exception
text is searched for the access and refresh tokens: none may appear."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import httpx
import pytest

from reconciler.errors import (
    ApiError,
    AuthError,
    BadResponse,
    RateLimited,
    Rejected,
    Unavailable,
)
from reconciler.sandbox import SandboxSettings
from reconciler.zoho.retry import MaybeApplied, RetryPolicy
from tests.clients import DEMO, NARROW_REFRESH, World, narrow_seed, world

pytestmark = pytest.mark.anyio
MODES = ["in_process", pytest.param("served", marks=pytest.mark.served)]


def checked_world(
    mode: str, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str], seed: Any
) -> Iterator[World]:
    """A world whose logs, output and kept exceptions are searched for secrets at the end."""
    caplog.set_level(logging.DEBUG)
    with world(mode, SandboxSettings(token_lifetime_s=3600), seed) as w:
        yield w
        assert_no_secrets(w, caplog, capsys)


@pytest.fixture(params=MODES)
def w(
    request: pytest.FixtureRequest,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> Iterator[World]:
    yield from checked_world(request.param, caplog, capsys, None)


@pytest.fixture(params=MODES)
def narrow(
    request: pytest.FixtureRequest,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> Iterator[World]:
    """The demo org plus a refresh token that may only read the org."""
    yield from checked_world(request.param, caplog, capsys, narrow_seed())


def assert_no_secrets(
    w: World, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    printed = capsys.readouterr()
    texts = [caplog.text, printed.out, printed.err]
    texts += [f"{e}\n{e!r}\n{getattr(e, 'details', '')}" for e in w.errors]
    secrets = w.secrets()
    assert w.used <= secrets  # the search always has the credentials to look for
    leaks = {s for s in secrets for text in texts if s in text}
    assert not leaks, f"secrets in messages: {leaks}"


async def fails(
    w: World, kind: type[ApiError], call: Callable[[], Awaitable[Any]], match: str | None = None
) -> ApiError:
    with pytest.raises(kind, match=match) as info:
        await call()
    w.keep(info.value)
    return info.value


def one_paragraph(error: BaseException) -> str:
    text = str(error)
    assert "\n" not in text and 80 < len(text) < 700
    return text


async def revoke(w: World) -> None:
    async with httpx.AsyncClient(transport=w.recorder, base_url=w.base) as http:
        await http.post("/oauth/v2/token/revoke", data={"token": DEMO[2]})  # not in a URL


# Credentials --------------------------------------------------------------------------------


async def test_an_expired_access_token_is_refreshed_once(w: World) -> None:
    async with w.client() as client:
        await client.list_roles()
        w.time.sandbox_clock.advance(4000)  # Zoho expired it; our clock still trusts it
        assert await client.list_roles()
        assert client.stats.refreshes == 1 and client.session.auth.grants == 2


async def test_a_revoked_refresh_token_is_explained(w: World) -> None:
    async with w.client() as client:
        await client.list_roles()
        await revoke(w)  # also invalidates the access tokens it issued
        error = await fails(w, AuthError, client.list_roles, "refused the refresh token")
        assert "ZOHO_REFRESH_TOKEN" in one_paragraph(error) and error.code == "invalid_code"


async def test_an_expired_refresh_token_at_start_is_explained(w: World) -> None:
    async with w.client((DEMO[0], DEMO[1], "1000.expired-refresh-token")) as client:
        error = await fails(w, AuthError, client.get_org, "revoked, mistyped")
        one_paragraph(error)


async def test_the_wrong_data_centre_is_explained(w: World) -> None:
    # An accounts server of another data centre does not know the client at all.
    async with w.client(("1000.REGISTERED-IN-EU", DEMO[1], DEMO[2])) as client:
        error = await fails(w, AuthError, client.get_org, "does not know this client")
        assert "ZOHO_DC" in one_paragraph(error) and error.code == "invalid_client"


async def test_a_missing_scope_names_the_scope(narrow: World) -> None:
    w = narrow
    async with w.client((DEMO[0], DEMO[1], NARROW_REFRESH)) as client:
        assert await client.get_org()
        error = await fails(w, AuthError, client.list_territories, "lacks the scope")
        assert "ZohoCRM.settings.territories.ALL" in one_paragraph(error)
        assert error.code == "OAUTH_SCOPE_MISMATCH" and client.stats.refreshes == 0
        members = lambda: client.list_territory_users("1")  # noqa: E731
        error = await fails(w, AuthError, members, "ZohoCRM.settings.territories.ALL and Zoho")


@pytest.mark.parametrize("state", ["not_enabled", "disabled"])
async def test_territory_management_disabled(w: World, state: str) -> None:
    w.sandbox.set_territory_management(state)
    async with w.client() as client:
        for call in (client.list_territories, lambda: client.list_territory_users("1")):
            error = await fails(w, Rejected, call, "(?i)enable Territory Management in Setup")
            assert error.code in {
                "FEATURE_NOT_ENABLED",
                "TERRITORY_NOT_ENABLED",
                "TERRITORY_DISABLED",
            }
            one_paragraph(error)


# 429 and 5xx ------------------------------------------------------------------------------


async def test_a_429_storm_is_waited_out_with_growing_waits(w: World) -> None:
    w.sandbox.faults.fail_endpoint("GET", "*/settings/roles", 429, times=3)
    async with w.client() as client:
        assert await client.list_roles()
        assert client.stats.retries == 3 and client.stats.calls["GET settings/roles"] == 4
    first, second, third = w.time.sleeps
    assert 0.25 <= first <= 0.5 and 0.5 <= second <= 1.0 and 1.0 <= third <= 2.0


async def test_an_endless_429_storm_ends_in_rate_limited(w: World) -> None:
    w.sandbox.faults.fail_endpoint("GET", "*/settings/roles", 429, times=None)
    async with w.client() as client:
        error = await fails(w, RateLimited, client.list_roles, "gave up after 4 attempts")
        assert "--concurrency" in one_paragraph(error) and error.status == 429
        assert error.code == "TOO_MANY_REQUESTS"


async def test_retries_stop_at_the_total_time(w: World) -> None:
    w.sandbox.faults.fail_endpoint("GET", "*/settings/roles", 503, times=None)
    policy = RetryPolicy(attempts=100, base_delay=1, max_delay=10, total_time=30)
    async with w.client(retry=policy) as client:
        error = await fails(w, Unavailable, client.list_roles, "Zoho did not complete")
    assert sum(w.time.sleeps) <= 30 and error.status == 503
    one_paragraph(error)


async def test_the_org_concurrency_limit_is_retried(w: World) -> None:
    import asyncio

    w.sandbox.configure(latency_s=0.1, concurrency_limit=1)
    policy = RetryPolicy(attempts=40, base_delay=0.02, max_delay=0.05)
    async with w.client(concurrency=3, retry=policy, sleep=asyncio.sleep) as client:
        results = await asyncio.gather(*(client.list_roles() for _ in range(3)))
        assert all(results) and client.stats.retries > 0
    assert w.sandbox.stats()["endpoints"]["GET /crm/v8/settings/roles"]["statuses"]["429"] > 0


async def test_a_5xx_burst_on_a_read_is_retried(w: World) -> None:
    for n in (1, 2, 3):
        w.sandbox.faults.fail_nth_call(n, 500)
    async with w.client() as client:
        assert await client.list_users()
        assert client.stats.retries == 3


async def test_a_5xx_on_an_update_is_retried_and_marked_replayed(w: World) -> None:
    async with w.client() as client:
        root = str((await client.list_territories())[0]["id"])
        item = {"name": "EMEA", "reporting_to": {"id": root}, "permission_type": "read_only"}
        emea = str((await client.create_territories([item]))[0].id)
        w.sandbox.faults.fail_nth_call(1, 502, "BAD_GATEWAY", "bad gateway")
        results = await client.update_territories([{"id": emea, "description": "x"}])
        assert results[0].ok and results[0].replayed


async def test_a_5xx_on_a_create_is_not_resent(w: World) -> None:
    async with w.client() as client:
        root = str((await client.list_territories())[0]["id"])
        w.sandbox.faults.fail_nth_call(1, 500)
        item = {"name": "EMEA", "reporting_to": {"id": root}, "permission_type": "read_only"}
        error = await fails(
            w, MaybeApplied, lambda: client.create_territories([item]), "not resent"
        )
        assert isinstance(error, Unavailable) and error.details == {"maybe_applied": True}
        assert client.stats.calls["POST settings/territories"] == 1
        one_paragraph(error)


# Dropped connections and timeouts ---------------------------------------------------------


async def test_a_dropped_read_is_retried(w: World) -> None:
    async with w.client() as client:
        await client.get_org()
        w.sandbox.faults.drop_nth_call(1)
        assert await client.list_groups() and client.stats.retries == 1


async def test_a_create_dropped_after_it_was_applied_is_not_duplicated(w: World) -> None:
    async with w.client() as client:
        root = str((await client.list_territories())[0]["id"])
        w.sandbox.faults.drop_nth_call(1, after_write=True)
        item = {"name": "EMEA", "reporting_to": {"id": root}, "permission_type": "read_only"}
        error = await fails(
            w, MaybeApplied, lambda: client.create_territories([item]), "Run plan or"
        )
        assert "closed the connection" in one_paragraph(error)
        names = [t["name"] for t in await client.list_territories()]
        assert names.count("EMEA") == 1  # it happened once, and was not sent again


async def test_a_membership_write_dropped_after_it_was_applied(w: World) -> None:
    async with w.client() as client:
        root = str((await client.list_territories())[0]["id"])
        users = [str(u["id"]) for u in await client.list_users()][:2]
        w.sandbox.faults.drop_nth_call(1, after_write=True)
        results = await client.add_territory_users(root, users)
        assert [r.code for r in results] == ["DUPLICATE_DATA"] * 2
        assert all(r.replayed for r in results)  # "already there" because attempt 1 worked


async def test_connection_failures_end_in_unavailable(w: World) -> None:
    for n in range(1, 5):
        w.sandbox.faults.drop_nth_call(n)
    async with w.client() as client:
        error = await fails(w, Unavailable, client.list_roles, "closed the connection")
        assert "gave up after 4 attempts" in one_paragraph(error)


# The timeouts leave a loaded CI machine room for the calls before the latency is set, and
# the latency is several timeouts long so that no slow answer squeezes in.


async def test_a_slow_response_times_out(w: World) -> None:
    async with w.client(timeout=0.25, retry=RetryPolicy(attempts=2)) as client:
        await client.get_org()
        w.sandbox.configure(latency_s=1.5)
        error = await fails(w, Unavailable, client.list_roles, "no answer within 0.25s")
        assert "gave up after 2 attempts" in one_paragraph(error)
        assert client.stats.calls["GET settings/roles"] == 2


async def test_a_slow_create_is_not_resent(w: World) -> None:
    async with w.client(timeout=0.25) as client:
        root = str((await client.list_territories())[0]["id"])
        w.sandbox.configure(latency_s=1.5)
        item = {"name": "EMEA", "reporting_to": {"id": root}, "permission_type": "read_only"}
        await fails(w, MaybeApplied, lambda: client.create_territories([item]), "no answer within")


# Malformed answers ------------------------------------------------------------------------


async def test_malformed_json_is_a_bad_response(w: World) -> None:
    async with w.client() as client:
        w.recorder.garble[w.recorder.crm_calls + 1] = 200
        error = await fails(w, BadResponse, client.list_roles, "not JSON")
        assert "Bad gateway" in one_paragraph(error) and error.status == 200
        assert client.stats.retries == 0


async def test_a_non_json_5xx_is_retried(w: World) -> None:
    async with w.client() as client:
        w.recorder.garble[w.recorder.crm_calls + 1] = 502
        assert await client.list_roles() and client.stats.retries == 1


# The secrets check, spelled out --------------------------------------------------------------


async def test_no_fault_message_or_log_line_contains_a_token(
    w: World, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    async with w.client() as client:
        await client.list_roles()
        w.time.sandbox_clock.advance(4000)
        w.sandbox.faults.fail_nth_call(1, 429)
        w.sandbox.faults.drop_nth_call(3)
        assert await client.list_roles()
        await revoke(w)
        await fails(w, AuthError, client.list_roles)
    assert len(w.recorder.tokens) >= 2 and client.stats.refreshes >= 1
    assert "Zoho-oauthtoken" not in caplog.text
    assert_no_secrets(w, caplog, capsys)
