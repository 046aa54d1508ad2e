"""Every fault the issue lists, end to end: `plan`, `export` and `doctor` on the command line
against a sandbox org (in-process and served) with the fault armed by the sandbox's own
controls. Each must end in exit 1 and one paragraph on stderr that says what happened and what
to do, after the target banner, with no traceback. Afterwards everything printed and logged is
searched for the client secret, the refresh tokens and every access token issued."""

from __future__ import annotations

import asyncio
import http.server
import logging
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from click.testing import Result

from reconciler.sandbox import IN_PROCESS_URL, SandboxTransport
from reconciler.zoho.auth import Credentials
from tests.cli_orgs import EXAMPLE, CliOrg, cli_org
from tests.clients import Recorder

MODES = ["in_process", pytest.param("served", marks=pytest.mark.served)]
COMMANDS = {"plan": ("plan", str(EXAMPLE)), "export": ("export",)}
LOG_PREFIXES = ("client: ", "auth: ", "apply: ")


@pytest.fixture(params=MODES)
def org(
    request: pytest.FixtureRequest, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> Iterator[CliOrg]:
    """An org whose runs are searched for secrets at the end of the test; in-process, every
    answer is also checked against the official schemas."""
    caplog.set_level(logging.DEBUG)
    mode = request.param
    wrap = request.getfixturevalue("validating_transport") if mode == "in_process" else None
    with cli_org(mode, tmp_path, wrap=wrap) as made:
        yield made
        assert_no_secrets(made, caplog.text)


def assert_no_secrets(org: CliOrg, logged: str) -> None:
    known = org.secrets()
    issued = known - {org.client.secret, org.client.refresh, org.client.narrow}
    assert org.printed and issued, "nothing to search, or no token was ever issued"
    texts = [*org.printed, logged]
    leaks = {secret for secret in known for text in texts if secret in text}
    assert not leaks, f"secrets printed or logged: {leaks}"


def one_paragraph(org: CliOrg, result: Result, *expected: str) -> str:
    """The error paragraph of a failed run, checked for shape: the banner first, then at most
    log lines, then `error: ...` on a single line; no traceback anywhere."""
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    lines = result.stderr.splitlines()
    assert lines[0] == org.banner(), result.stderr
    assert lines[-1].startswith("error: "), result.stderr
    assert all(line.startswith(LOG_PREFIXES) for line in lines[1:-1]), result.stderr
    paragraph = lines[-1]
    assert 100 < len(paragraph) < 700, paragraph
    for text in expected:
        assert text in paragraph, paragraph
    return paragraph


@dataclass(frozen=True)
class Fault:
    """A fault: how to arm it, what the paragraph must say, what doctor's output must say."""

    arm: Callable[[CliOrg], None]
    says: tuple[str, ...]
    doctor_says: str
    credentials: Callable[[CliOrg], Credentials] | None = None
    timeout: str | None = None
    injected: bool = False  # answers that are not Zoho's (deviation D26)


def revoke(org: CliOrg) -> None:
    """Revoke the refresh token through the sandbox's own OAuth endpoint."""

    async def post() -> httpx.Response:
        transport = SandboxTransport(org.sandbox)
        async with httpx.AsyncClient(transport=transport, base_url=IN_PROCESS_URL) as http:
            return await http.post("/oauth/v2/token/revoke", data={"token": org.client.refresh})

    assert asyncio.run(post()).status_code == 200


FAULTS = {
    "revoked_refresh_token": Fault(
        arm=revoke,
        says=("refused the refresh token (invalid_code)", "set ZOHO_REFRESH_TOKEN"),
        doctor_says="refused the refresh token",
    ),
    "wrong_data_centre": Fault(
        arm=lambda org: None,
        credentials=lambda org: Credentials(
            "1000.REGISTEREDINTHEEUDC", org.client.secret, org.client.refresh
        ),
        says=("does not know this client (invalid_client)", "ZOHO_DC names the data centre"),
        doctor_says="does not know this client",
    ),
    "missing_scope": Fault(
        arm=lambda org: None,
        credentials=lambda org: org.client.credentials(org.client.narrow),
        says=("lacks the scope", "Add ZohoCRM.settings.territories.ALL", "ZOHO_REFRESH_TOKEN"),
        doctor_says="add ZohoCRM.settings.territories.READ",
    ),
    "territory_management_disabled": Fault(
        arm=lambda org: org.sandbox.set_territory_management("disabled"),
        says=("Territory Management is not available", "Enable Territory Management in Setup"),
        doctor_says="enable it in Setup > Users and Control > Territory Management",
    ),
    "territory_management_not_enabled": Fault(
        arm=lambda org: org.sandbox.set_territory_management("not_enabled"),
        says=("FEATURE_NOT_ENABLED", "Enable Territory Management in Setup"),
        doctor_says="not available in this org (400 FEATURE_NOT_ENABLED)",
    ),
    "429_storm": Fault(
        injected=True,
        arm=lambda org: org.sandbox.faults.fail_endpoint("GET", "/crm/v8/users", 429, times=None),
        says=("kept refusing GET users with 429 TOO_MANY_REQUESTS", "lower --concurrency"),
        doctor_says="kept refusing GET users with 429",
    ),
    "5xx_burst": Fault(
        injected=True,
        arm=lambda org: org.sandbox.faults.fail_endpoint("GET", "/crm/v8/users", 503, times=None),
        says=("Zoho did not complete GET users: 503 INTERNAL_SERVER_ERROR", "status page"),
        doctor_says="Zoho did not complete GET users",
    ),
    "dropped_connections": Fault(
        injected=True,
        arm=lambda org: org.sandbox.faults.drop_endpoint("GET", "/crm/v8/users", times=None),
        # How many attempts fit the (scaled) time budget depends on the machine's load.
        says=("Zoho did not complete GET users", "gave up after", "attempts over", "run again"),
        doctor_says="Zoho did not complete GET users",
    ),
    "slow_responses": Fault(
        injected=True,
        # Served, the sandbox keeps working on the calls the client gave up on: lift its
        # limit on calls in flight, or the retries meet 429s instead of slow answers.
        arm=lambda org: org.sandbox.configure(latency_s=1.5, concurrency_limit=1000),
        timeout="0.25",
        says=(
            "no answer within 0.25s",
            "gave up after",
            "allow each call more time with --timeout",
        ),
        doctor_says="no answer within 0.25s",
    ),
}


def run(org: CliOrg, fault: Fault, *args: str) -> Result:
    """Run a command against the org with the fault armed (arm it first)."""
    credentials = fault.credentials(org) if fault.credentials else None
    extra = ("--timeout", fault.timeout) if fault.timeout else ()
    return org.invoke(*args, *extra, credentials=credentials, checked=not fault.injected)


@pytest.mark.parametrize("name", sorted(FAULTS))
def test_a_fault_is_explained_by_every_command(org: CliOrg, name: str) -> None:
    fault = FAULTS[name]
    fault.arm(org)
    for command in COMMANDS.values():
        result = run(org, fault, *command)
        one_paragraph(org, result, *fault.says)
        assert result.stdout == "", command  # nothing half-done on stdout
    # doctor reports what it finds as checks on stdout, the fault among the failed ones.
    result = run(org, fault, "doctor")
    assert result.exit_code == 1, result.output
    lines = result.stderr.splitlines()
    assert lines[0] == org.banner() and all(line.startswith(LOG_PREFIXES) for line in lines[1:])
    assert any(line.startswith("fail ") for line in result.stdout.splitlines())
    assert fault.doctor_says in result.stdout, result.stdout
    assert result.stdout.rstrip().splitlines()[-1].endswith("run doctor again")


# Faults that end well: waited out within the retry budget --------------------------------------


@pytest.mark.parametrize(
    "arm",
    [
        lambda org: org.sandbox.faults.fail_endpoint("GET", "/crm/v8/users", 429, times=3),
        lambda org: org.sandbox.faults.fail_endpoint("GET", "/crm/v8/users", 500, times=3),
        lambda org: org.sandbox.faults.drop_endpoint("GET", "/crm/v8/users", times=2),
    ],
    ids=["429_storm", "5xx_burst", "dropped_connections"],
)
def test_a_passing_storm_is_waited_out(org: CliOrg, arm: Callable[[CliOrg], None]) -> None:
    arm(org)
    result = org.invoke("plan", str(EXAMPLE), "--detailed-exitcode", checked=False)
    assert result.exit_code == 2, result.output  # the plan, with its changes
    assert result.stderr.splitlines()[0] == org.banner()


# Malformed answers: the sandbox only speaks JSON, so the server is garbled or replaced -------


@pytest.fixture
def html_server() -> Iterator[str]:
    """A web server that answers every request with an HTML page (a proxy error page, or
    ZOHO_API_DOMAIN pointing at a website)."""

    class Page(http.server.BaseHTTPRequestHandler):
        def _page(self) -> None:
            body = b"<html><body><h1>502 Bad Gateway</h1></body></html>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = _page

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Page)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_malformed_json_from_the_server(org: CliOrg, html_server: str) -> None:
    for command in COMMANDS.values():
        if org.mode == "served":
            # The token comes from the sandbox; every API call reaches a server that is not
            # Zoho (ZOHO_API_DOMAIN pointing at a website, a proxy's error page).
            result = org.invoke(*command, env={"ZOHO_API_DOMAIN": html_server})
            banner = f"target: Zoho CRM {html_server} (custom server)"
            lines = result.stderr.splitlines()
            assert result.exit_code == 1 and lines[0] == banner and len(lines) == 2, lines
            paragraph = lines[-1]
        else:
            result = org.invoke(*command, transport=_garbler)
            paragraph = one_paragraph(org, result)
        assert "a body that is not JSON ('<html><body><h1>" in paragraph, paragraph
        assert "Check that the API domain points at Zoho CRM" in paragraph


def _garbler(inner: httpx.AsyncBaseTransport) -> httpx.AsyncBaseTransport:
    recorder = Recorder(inner)
    recorder.garble[1] = 200  # the first API answer becomes an HTML page
    return recorder


@pytest.mark.parametrize("org", [pytest.param("served", marks=pytest.mark.served)], indirect=True)
def test_a_wrong_accounts_server_is_explained(org: CliOrg, html_server: str) -> None:
    result = org.invoke("plan", str(EXAMPLE), env={"ZOHO_ACCOUNTS_URL": html_server})
    assert result.exit_code == 1
    paragraph = result.stderr.splitlines()[-1]
    assert "is not Zoho's JSON token response" in paragraph
    assert "Check ZOHO_DC or ZOHO_ACCOUNTS_URL" in paragraph


# The secrets check, spelled out ------------------------------------------------------------------


def test_no_token_in_anything_printed_or_logged(
    org: CliOrg, caplog: pytest.LogCaptureFixture
) -> None:
    # Runs that touch every token path: good runs (tokens issued and used), retries logged,
    # a missing scope, then a revoked refresh token.
    assert org.invoke("plan", str(EXAMPLE)).exit_code == 0
    org.sandbox.faults.fail_endpoint("GET", "/crm/v8/users", 429, times=2)
    assert org.invoke("export", checked=False).exit_code == 0
    assert "client: retry 1/4 after 429 TOO_MANY_REQUESTS" in caplog.text
    assert run(org, FAULTS["missing_scope"], "plan", str(EXAMPLE)).exit_code == 1
    revoke(org)
    assert run(org, FAULTS["revoked_refresh_token"], "doctor").exit_code == 1
    assert len(org.secrets()) >= 5  # client secrets, refresh tokens and issued access tokens
    assert_no_secrets(org, caplog.text)
    assert "Zoho-oauthtoken" not in caplog.text and "[redacted]" not in "".join(org.printed)
