"""Target resolution from the environment, the domain rules, and the OAuth token flow against
the sandbox's accounts endpoint."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from reconciler.cli.target import from_env, sandbox_target
from reconciler.errors import BadResponse, TargetError, Unavailable
from reconciler.sandbox import IN_PROCESS_URL, Sandbox, SandboxSettings, load_seed, reset
from reconciler.zoho.auth import Auth, Credentials
from reconciler.zoho.client import ZohoClient
from reconciler.zoho.domains import check_api_domain, data_centre_of
from reconciler.zoho.redact import MASK, redact, register
from reconciler.zoho.target import CREDENTIALS, zoho_target
from tests.clients import DEMO, world

CREDS = {"ZOHO_CLIENT_ID": "1000.CLIENT", "ZOHO_CLIENT_SECRET": "s3cret-value-xyz"}
ENV = {**CREDS, "ZOHO_REFRESH_TOKEN": "1000.refresh-token-value"}


# Target ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("dc", "accounts"),
    [
        ("us", "https://accounts.zoho.com"),
        ("eu", "https://accounts.zoho.eu"),
        ("in", "https://accounts.zoho.in"),
        ("au", "https://accounts.zoho.com.au"),
        ("jp", "https://accounts.zoho.jp"),
        ("ca", "https://accounts.zohocloud.ca"),
        ("sa", "https://accounts.zoho.sa"),
        ("cn", "https://accounts.zoho.com.cn"),
    ],
)
def test_each_data_centre_has_its_accounts_server(dc: str, accounts: str) -> None:
    target = zoho_target({**ENV, "ZOHO_DC": dc.upper()})
    assert (target.accounts_url, target.data_centre, target.api_domain) == (accounts, dc, None)
    assert not target.is_sandbox


def test_data_centre_defaults_to_us() -> None:
    assert zoho_target(ENV).accounts_url == "https://accounts.zoho.com"


def test_unknown_data_centre_lists_the_valid_ones() -> None:
    with pytest.raises(TargetError, match="ZOHO_DC='uk'.*us eu in au jp ca sa cn"):
        zoho_target({**ENV, "ZOHO_DC": "uk"})


def test_missing_credentials_are_named() -> None:
    with pytest.raises(TargetError, match="ZOHO_REFRESH_TOKEN is not set"):
        zoho_target(CREDS)


def test_no_zoho_variable_means_the_local_sandbox(tmp_path: Path) -> None:
    target = from_env({"HOME": "/x"}, sandbox_db=tmp_path / "org.sqlite3")
    try:
        assert target.is_sandbox and target.label.startswith("local sandbox (")
        assert (tmp_path / "org.sqlite3").exists()
    finally:
        target.close()


def test_a_variable_set_but_empty_is_an_error_naming_it(tmp_path: Path) -> None:
    empty = dict.fromkeys(CREDENTIALS, "")  # what CI gives for secrets nobody configured
    with pytest.raises(TargetError) as refused:
        from_env(empty, sandbox_db=tmp_path / "org.sqlite3")
    assert str(refused.value).startswith(
        "ZOHO_CLIENT_ID, ZOHO_CLIENT_SECRET, ZOHO_REFRESH_TOKEN are set but empty"
    )
    with pytest.raises(TargetError, match="^ZOHO_DC is set but empty"):
        from_env({**ENV, "ZOHO_DC": " "})
    assert not (tmp_path / "org.sqlite3").exists()


def seeded(tmp_path: Path, clients: str) -> Path:
    seed = tmp_path / "seed.yaml"
    seed.write_text(
        "org: {name: Acme}\nroles: [{name: R}]\n"
        "users: [{email: a@acme.example, last_name: A, role: R}]\n" + clients
    )
    reset(tmp_path / "org.sqlite3", load_seed(seed))
    return tmp_path / "org.sqlite3"


@pytest.mark.anyio
async def test_the_local_target_works_with_a_seed_of_other_clients(tmp_path: Path) -> None:
    db = seeded(
        tmp_path, "oauth_clients: [{client_id: ops, client_secret: s, refresh_tokens: [r]}]"
    )
    target = from_env({}, sandbox_db=db)
    try:
        async with ZohoClient.for_target(target) as client:
            assert (await client.current_user() or {}).get("email") == "a@acme.example"
    finally:
        target.close()


def test_a_seed_no_client_of_which_serves_the_local_target_is_named(tmp_path: Path) -> None:
    db = seeded(tmp_path, "oauth_clients: []\n")
    with pytest.raises(TargetError) as refused:
        from_env({}, sandbox_db=db)
    assert str(refused.value).startswith(
        f"the local sandbox (seeded from {tmp_path / 'seed.yaml'}): no OAuth client"
    )


def test_a_sandbox_database_path_holding_something_else_is_named(tmp_path: Path) -> None:
    config = tmp_path / "org.yaml"
    config.write_text("version: 1\n")
    with pytest.raises(TargetError, match=f"^the local sandbox: {config} is not an SQLite"):
        from_env({}, sandbox_db=config)
    assert config.read_text() == "version: 1\n"


def test_a_custom_server_needs_the_flag() -> None:
    env = {**ENV, "ZOHO_API_DOMAIN": "http://127.0.0.1:8765"}
    env["ZOHO_ACCOUNTS_URL"] = "http://127.0.0.1:8765/"
    with pytest.raises(TargetError, match="--allow-custom-domain"):
        from_env(env)
    target = from_env(env, allow_custom_domain=True)
    assert target.api_domain == target.accounts_url == "http://127.0.0.1:8765"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"ZOHO_API_DOMAIN": "https://www.zohoapis.eu"}, "ZOHO_ACCOUNTS_URL is not"),
        (
            {
                "ZOHO_API_DOMAIN": "https://www.zohoapis.eu",
                "ZOHO_ACCOUNTS_URL": "https://accounts.zoho.eu",
                "ZOHO_DC": "eu",
            },
            "not both",
        ),
        (
            {"ZOHO_API_DOMAIN": "http://zoho.example", "ZOHO_ACCOUNTS_URL": "http://zoho.example"},
            "plain HTTP",
        ),
        (
            {"ZOHO_API_DOMAIN": "ftp://x", "ZOHO_ACCOUNTS_URL": "https://accounts.zoho.eu"},
            "not an http",
        ),
        (
            {
                "ZOHO_API_DOMAIN": "https://u:p@www.zohoapis.eu",
                "ZOHO_ACCOUNTS_URL": "https://accounts.zoho.eu",
            },
            "without credentials",
        ),
    ],
)
def test_bad_custom_servers_are_refused(env: dict[str, str], message: str) -> None:
    with pytest.raises(TargetError, match=message):
        zoho_target({**ENV, **env}, allow_custom_domain=True)


def test_zoho_sandbox_and_developer_domains_are_known() -> None:
    for host in ("www.zohoapis.com.au", "sandbox.zohoapis.eu", "developer.zohoapis.ca"):
        assert check_api_domain(f"https://{host}/", allow_custom=False) == f"https://{host}"
    assert data_centre_of("https://sandbox.zohoapis.com.cn") == "cn"
    assert data_centre_of("https://www.zohoapis.com") == "us"
    assert data_centre_of("http://127.0.0.1:1") is None
    with pytest.raises(TargetError, match="not one of Zoho's own"):
        check_api_domain("https://www.zohoapis.evil.example", allow_custom=False)


def test_secrets_stay_out_of_reprs() -> None:
    target = zoho_target(ENV)
    shown = repr(target) + repr(target.credentials) + repr(target.auth())
    assert "s3cret" not in shown and "refresh-token-value" not in shown
    assert "1000.CLIENT" in shown


def test_redact_masks_known_and_token_shaped_values() -> None:
    register("a-registered-secret")
    # Built at run time so that no token-shaped literal sits in the repository.
    shaped = ".".join(["1000", "0123456789abcdef0123", "0123456789abcdef0123"])
    text = redact(
        'a-registered-secret Authorization: Zoho-oauthtoken abc.def "refresh_token": "xyz123" '
        + shaped
    )
    assert "a-registered-secret" not in text and "abc.def" not in text and "xyz123" not in text
    assert "0123456789abcdef0123" not in text and text.count(MASK) == 5


# Auth against the sandbox ------------------------------------------------------------------


@pytest.mark.anyio
@pytest.mark.parametrize("mode", ["in_process", "served"])
async def test_token_is_cached_for_its_lifetime(mode: str) -> None:
    with world(mode, SandboxSettings(token_lifetime_s=1000)) as w:
        async with w.auth() as auth:
            first = await auth.token()
            assert await auth.token() == first and auth.grants == 1
            w.time.now += 800  # within the lifetime less the safety margin
            assert await auth.token() == first
            w.time.now += 150  # into the margin: renewed before Zoho would refuse it
            assert await auth.token() != first and auth.grants == 2
            assert await auth.api_domain() == w.base


@pytest.mark.anyio
async def test_concurrent_refreshes_of_one_stale_token_make_one_grant() -> None:
    import asyncio

    with world("in_process") as w:
        async with w.auth() as auth:
            stale = await auth.token()
            fresh = await asyncio.gather(*(auth.refresh(stale=stale) for _ in range(5)))
            assert len(set(fresh)) == 1 and auth.grants == 2


@pytest.mark.anyio
async def test_the_token_endpoint_is_retried_when_it_fails() -> None:
    with world("in_process") as w:
        w.sandbox.faults.fail_endpoint("POST", "/oauth/v2/token", 503, times=2)
        async with w.auth() as auth:
            assert await auth.token()
        assert len(w.time.sleeps) == 2


@pytest.mark.anyio
async def test_an_unreachable_accounts_server_says_so() -> None:
    with world("in_process") as w:
        auth = Auth(
            Credentials(*DEMO), "http://127.0.0.1:9", sleep=w.time.sleep, clock=w.time.clock
        )
        async with auth:
            with pytest.raises(Unavailable, match="could not be reached.*gave up after 5") as info:
                await auth.token()
    assert "sandbox-secret" not in str(info.value)


@pytest.mark.anyio
async def test_an_accounts_url_that_is_not_zoho_answers_bad_response() -> None:
    with world("in_process") as w:
        w.recorder.garble[1] = 200  # the first CRM-path answer is garbled; the token is not one
        auth = Auth(Credentials(*DEMO), w.base + "/crm/v8", transport=w.recorder)
        async with auth:
            with pytest.raises(BadResponse, match="not Zoho's JSON.*ZOHO_ACCOUNTS_URL"):
                await auth.token()
            with pytest.raises(BadResponse, match="HTTP 404.*ZOHO_ACCOUNTS_URL"):
                await auth.token()


@pytest.mark.anyio
async def test_the_token_response_api_domain_is_checked() -> None:
    with world("served") as w:
        strict = Auth(Credentials(*DEMO), w.base, transport=w.recorder)
        async with strict:
            with pytest.raises(TargetError, match="token response.*--allow-custom-domain"):
                await strict.token()


@pytest.mark.anyio
async def test_sandbox_target_connects_with_the_demo_credentials() -> None:
    target = sandbox_target(sandbox=Sandbox())
    try:
        assert target.label == "local sandbox (in memory)" and target.api_domain == IN_PROCESS_URL
        async with ZohoClient.for_target(target) as client:
            assert (await client.current_user() or {}).get("email")
            assert client.stats.total == 1
    finally:
        target.close()


def test_transport_is_shared_by_auth_and_client() -> None:
    target = sandbox_target(sandbox=Sandbox())
    try:
        assert isinstance(target.transport, httpx.AsyncBaseTransport)
        assert target.auth().transport is target.transport
    finally:
        target.close()


@pytest.mark.anyio
@pytest.mark.served
async def test_a_served_sandbox_is_reached_through_the_environment() -> None:
    with world("served") as w:
        env = dict(zip(CREDENTIALS, DEMO, strict=True))
        env |= {"ZOHO_API_DOMAIN": w.base, "ZOHO_ACCOUNTS_URL": w.base}
        target = from_env(env, allow_custom_domain=True)
        assert target.label == f"Zoho CRM {w.base} (custom server)" and not target.is_sandbox
        async with ZohoClient.for_target(target) as client:
            assert (await client.get_org())["company_name"]
