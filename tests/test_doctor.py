"""doctor: `diagnose` against an in-process sandbox (every answer checked against the official
schemas), its text rendering, and the `doctor` command on a sandbox database."""

from __future__ import annotations

import dataclasses
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner

from reconciler.cli.main import main
from reconciler.cli.target import sandbox_target
from reconciler.cli.workflow import Connection
from reconciler.doctor import probes as doctor
from reconciler.doctor.probes import diagnose, grants
from reconciler.doctor.verdict import Check, Status
from reconciler.render.doctor import doctor_text
from reconciler.sandbox import BUILT_IN_CREDENTIALS, Sandbox, SandboxSettings, SandboxTransport
from reconciler.sandbox.seed import SeedRefreshToken, demo_seed
from reconciler.zoho.auth import Credentials
from reconciler.zoho.client import ZohoClient
from reconciler.zoho.target import VARIABLES
from tests.cli_orgs import cli_org

Wrap = Callable[[httpx.AsyncBaseTransport], httpx.AsyncBaseTransport]
NAMES = [
    "credentials",
    "org",
    "edition",
    "scope: users",
    "scope: territories",
    "scope: data sharing",
    "scope: sharing rules",
    "scope: roles",
    "scope: groups",
    "scope: writes",
    "scope: audit log",
    "territory management",
    "API credits",
]
READ_ONLY = "read-only-refresh-token"


def seed(**org: Any) -> Any:
    """The demo org, with `org` fields changed and a refresh token that reads only a little."""
    base = demo_seed()
    client = base.oauth_clients[0]
    narrow = SeedRefreshToken(
        token=READ_ONLY,
        scopes=["ZohoCRM.org.READ", "ZohoCRM.users.READ", "ZohoCRM.settings.roles.READ"],
    )
    client = client.model_copy(update={"refresh_tokens": [*client.refresh_tokens, narrow]})
    return base.model_copy(
        update={"org": base.org.model_copy(update=org), "oauth_clients": [client]}
    )


async def run_doctor(sandbox: Sandbox, wrap: Wrap, refresh: str | None = None) -> list[Check]:
    target = sandbox_target(sandbox=sandbox)
    client_id, secret, token = BUILT_IN_CREDENTIALS
    target = dataclasses.replace(
        target,
        transport=wrap(SandboxTransport(sandbox)),
        credentials=Credentials(client_id, secret, refresh or token),
    )
    async with ZohoClient.for_target(target) as client:
        return await diagnose(Connection(target, client))


def by_name(checks: list[Check]) -> dict[str, Check]:
    return {check.name: check for check in checks}


pytestmark = pytest.mark.anyio


async def test_the_demo_org_passes_every_check(validating_transport: Wrap) -> None:
    with Sandbox() as sandbox:
        checks = await run_doctor(sandbox, validating_transport)
    assert [c.name for c in checks] == NAMES
    assert [c.status for c in checks] == [Status.ok] * len(NAMES), checks
    found = by_name(checks)
    assert found["org"].found.startswith("Zylker (org ")
    assert found["edition"].found == (
        "enterprise: up to 20 calls in flight, 75,000 API credits a day (50,000 + 25 users × 1,000)"
    )
    assert found["scope: users"].found.endswith("(the token acts as patricia.boyle@zylker.example)")
    assert found["scope: groups"].found == "may read user groups (4 groups)"


async def test_missing_scopes_fail_and_name_the_scope(validating_transport: Wrap) -> None:
    with Sandbox(seed=seed()) as sandbox:
        found = by_name(await run_doctor(sandbox, validating_transport, READ_ONLY))
    assert found["scope: users"].status is Status.ok and found["scope: roles"].status is Status.ok
    for name, scope in [
        ("scope: territories", "ZohoCRM.settings.territories.READ"),
        ("scope: data sharing", "ZohoCRM.settings.data_sharing.READ"),
        ("scope: groups", "ZohoCRM.settings.user_groups.READ"),
    ]:
        check = found[name]
        assert check.status is Status.fail and "401 OAUTH_SCOPE_MISMATCH" in check.found
        assert check.fix.startswith(f"add {scope} (or the .ALL scope of that area)")
    writes = found["scope: writes"]
    assert writes.status is Status.warn
    assert writes.found.startswith(
        "missing ZohoCRM.settings.territories.ALL, ZohoCRM.users.ALL, "
        "ZohoCRM.settings.data_sharing.ALL: plan works"
    )
    assert found["territory management"].status is Status.warn
    audit = found["scope: audit log"]
    assert audit.status is Status.warn
    assert audit.found == "drift cannot say who changed what (401 OAUTH_SCOPE_MISMATCH)"
    assert audit.fix.startswith("add ZohoCRM.settings.audit_logs.CREATE, ")


async def test_audit_scopes_the_token_lacks_are_named(validating_transport: Wrap) -> None:
    base = demo_seed()
    reads = SeedRefreshToken(token="audit-read", scopes=["ZohoCRM.settings.ALL"])
    client = base.oauth_clients[0]
    client = client.model_copy(update={"refresh_tokens": [*client.refresh_tokens, reads]})
    with Sandbox(seed=base.model_copy(update={"oauth_clients": [client]})) as sandbox:
        found = by_name(await run_doctor(sandbox, validating_transport, "audit-read"))
    audit = found["scope: audit log"]
    assert audit.status is Status.warn
    assert audit.found == (
        "missing ZohoFiles.files.READ: drift is reported without who changed what"
    )


@pytest.mark.parametrize(
    ("org", "fix"),
    [
        ({"territory_management": "disabled"}, "Territory Management"),
        (
            {"edition": "professional", "territory_management": None},  # off by default
            "Enterprise edition or above; this org is professional",
        ),
    ],
)
async def test_territory_management_off_fails_with_the_way_to_enable_it(
    validating_transport: Wrap, org: dict[str, str], fix: str
) -> None:
    with Sandbox(seed=seed(**org)) as sandbox:
        found = by_name(await run_doctor(sandbox, validating_transport))
    check = found["territory management"]
    assert check.status is Status.fail and "FEATURE_NOT_ENABLED" in check.found
    assert check.fix.startswith("enable it in Setup > Users and Control > Territory Management")
    assert fix in check.fix
    assert found["scope: territories"].status is Status.ok  # the scope itself was accepted


async def test_remaining_credits_are_reported_once_zoho_says(validating_transport: Wrap) -> None:
    settings = SandboxSettings(daily_credit_limit=20)
    with Sandbox(settings=settings) as sandbox:
        first = by_name(await run_doctor(sandbox, validating_transport))
        assert first["API credits"].status is Status.ok
        assert first["API credits"].found.startswith("Zoho did not say")
        used = sandbox.stats()["credits_used_24h"]
        second = by_name(await run_doctor(sandbox, validating_transport))
    credits = second["API credits"]
    assert credits.status is Status.warn, credits  # far below 10% of the edition's 75,000
    assert credits.found.startswith(f"{20 - 2 * used:,} of 75,000 left")
    assert "wait for credits to free up" in credits.fix


async def test_refused_credentials_stop_after_the_first_check(validating_transport: Wrap) -> None:
    with Sandbox() as sandbox:
        checks = await run_doctor(sandbox, validating_transport, "1000.not-a-refresh-token")
    assert [(c.name, c.status) for c in checks] == [("credentials", Status.fail)]
    assert "refused the refresh token (invalid_code)" in checks[0].found


@pytest.mark.parametrize(
    ("granted", "needed", "expected"),
    [
        ("ZohoCRM.settings.ALL", "ZohoCRM.settings.territories.ALL", True),
        ("ZohoCRM.settings.territories.all", "ZohoCRM.settings.territories.ALL", True),
        ("ZohoCRM.settings.territories.ALL", "ZohoCRM.settings.territories.READ", True),
        ("ZohoCRM.settings.territories.READ", "ZohoCRM.settings.territories.ALL", False),
        ("ZohoCRM.users.READ", "ZohoCRM.users.ALL", False),
        ("ZohoCRM.settings.roles.ALL", "ZohoCRM.settings.territories.ALL", False),
        ("ZohoCRM.modules.ALL", "ZohoCRM.settings.data_sharing.ALL", False),
    ],
)
def test_grants(granted: str, needed: str, expected: bool) -> None:
    assert grants(granted, needed) is expected


def test_what_only_a_real_org_can_show() -> None:
    # The sandbox knows every edition and lists the granted scopes; Zoho might not.
    unknown = doctor._edition_check({"license_details": {"paid_type": "Galactic"}})
    assert unknown.status is Status.warn and "assuming 10 calls in flight" in unknown.found
    assert "--concurrency" in unknown.fix
    unlisted = doctor._write_scopes(None)
    assert unlisted.status is Status.warn and "ZohoCRM.settings.territories.ALL" in unlisted.fix
    plenty = doctor._credits(60_000, 75_000)
    assert plenty == Check(
        "API credits", Status.ok, "60,000 of 75,000 left in the rolling 24-hour window"
    )


def test_text_lines_fixes_and_summary() -> None:
    out = io.StringIO()
    doctor_text(
        [
            Check("credentials", Status.ok, "issued"),
            Check("scope: roles", Status.fail, "may not read roles", "add ZohoCRM.settings.roles"),
            Check("API credits", Status.warn, "12 left", "wait"),
        ],
        out,
    )
    assert out.getvalue().splitlines() == [
        "ok    credentials   issued",
        "fail  scope: roles  may not read roles",
        "                    fix: add ZohoCRM.settings.roles",
        "warn  API credits   12 left",
        "                    fix: wait",
        "doctor: 1 failed, 1 to look at, 1 passed: fix what is marked fail and run doctor again",
    ]
    out = io.StringIO()
    doctor_text([Check("API credits", Status.warn, "12 left", "wait")], out)
    assert out.getvalue().splitlines()[-1] == (
        "doctor: 1 to look at, 0 passed: plan and apply can run; see what is marked warn"
    )


# The command ---------------------------------------------------------------------------------


def doctor_cli(db: Path) -> Any:
    env: dict[str, str | None] = {name: None for name in VARIABLES}
    env["RECONCILER_SANDBOX_DB"] = str(db)
    return CliRunner().invoke(main, ["doctor"], env=env)


def test_doctor_on_the_local_sandbox_exits_0(tmp_path: Path) -> None:
    result = doctor_cli(tmp_path / "sandbox.sqlite3")
    assert result.exit_code == 0, result.output
    assert result.stderr == f"target: local sandbox ({tmp_path / 'sandbox.sqlite3'})\n"
    lines = result.stdout.splitlines()
    assert [line.split()[0] for line in lines[:-1]] == ["ok"] * len(NAMES)
    assert lines[-1] == "doctor: 13 passed: ready for plan and apply"


def test_doctor_exits_1_when_a_check_fails(tmp_path: Path) -> None:
    db = tmp_path / "sandbox.sqlite3"
    with Sandbox(db) as sandbox:  # the switch is kept in the database the CLI then opens
        sandbox.set_territory_management("not_enabled")
    result = doctor_cli(db)
    assert result.exit_code == 1
    assert "fail  territory management  not available in this org" in result.stdout
    assert "fix: enable it in Setup > Users and Control > Territory Management" in result.stdout
    assert result.stdout.splitlines()[-1].startswith("doctor: 1 failed, 12 passed")


class EchoesTheToken(httpx.AsyncBaseTransport):
    """A broken or hostile server: the org it describes is named after the caller's token."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        if request.url.path != "/crm/v8/org":
            return response
        body = json.loads(await response.aread())
        token = request.headers["authorization"].split(" ", 1)[1]
        body["org"][0]["company_name"] = f"Org {token}"
        return httpx.Response(response.status_code, json=body, request=request)


def test_a_token_a_server_echoes_is_never_printed(tmp_path: Path) -> None:
    with cli_org("in_process", tmp_path) as org:
        result = org.invoke("doctor", transport=EchoesTheToken, checked=False)
        secrets = org.secrets()
    printed = result.stdout + result.stderr
    assert "Org [redacted]" in printed
    assert not [secret for secret in secrets if secret in printed]
