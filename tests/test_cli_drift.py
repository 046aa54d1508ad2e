"""`reconciler drift` and `adopt` when the audit log cannot help: an export job that fails,
never finishes, or cannot be scheduled, a token without the audit-log scopes. Each ends in
one clear warning and the drift unattributed, never a traceback; plus the exit codes, the
formats and `--since`'s bounds."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from reconciler.sandbox import IN_PROCESS_URL, SandboxSettings, SandboxTransport
from reconciler.sandbox.seed import SeedClient, SeedRefreshToken, demo_seed
from reconciler.zoho.auth import Credentials
from tests.cli_orgs import CliOrg, cli_org
from tests.test_drift_scenario import CONFIG, colleague_changes

NO_AUDIT = [
    "ZohoCRM.org.ALL",
    "ZohoCRM.users.ALL",
    "ZohoCRM.settings.territories.ALL",
    "ZohoCRM.settings.data_sharing.ALL",
    "ZohoCRM.settings.roles.ALL",
    "ZohoCRM.settings.user_groups.ALL",
    "ZohoCRM.settings.modules.ALL",
    "ZohoCRM.settings.fields.ALL",
]
LIMITED = SeedClient(
    client_id="limited-client",
    client_secret="limited-secret",
    refresh_tokens=[
        SeedRefreshToken(token="limited-no-audit", scopes=NO_AUDIT),
        SeedRefreshToken(
            token="limited-no-files", scopes=[*NO_AUDIT, "ZohoCRM.settings.audit_logs.ALL"]
        ),
    ],
)


@pytest.fixture
def org(tmp_path: Path) -> Iterator[CliOrg]:
    seed = demo_seed().model_copy(update={"oauth_clients": [*demo_seed().oauth_clients, LIMITED]})
    settings = SandboxSettings(rule_recompute_s=0.05, audit_export_s=0.05)
    with cli_org("in_process", tmp_path, seed=seed, settings=settings) as org:
        yield org


@pytest.fixture
def folder(tmp_path: Path, org: CliOrg) -> Path:
    folder = tmp_path / "org"
    folder.mkdir()
    (folder / "territories.yaml").write_text(CONFIG, encoding="utf-8")
    assert org.invoke("apply", str(folder), "--auto-approve").exit_code == 0
    return folder


def test_no_drift_exits_0_and_reads_no_audit_log(org: CliOrg, folder: Path) -> None:
    org.sandbox.reset_stats()
    result = org.invoke("drift", str(folder), "--detailed-exitcode")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "No drift: the org matches the configuration.\n"
    markdown = org.invoke("drift", str(folder), "--format", "markdown").stdout
    assert markdown.endswith("\n\nNo drift: the org matches the configuration.\n")
    assert not any("audit_log" in e for e in org.sandbox.stats()["endpoints"])


@pytest.mark.parametrize(
    ("outcome", "reason"),
    [
        ("failed", "Zoho's audit-log export job {job} ended failed; run again later"),
        ("stalled", "Zoho's audit-log export job {job} did not finish within 0.5s (still running)"),
    ],
)
def test_a_job_that_fails_or_never_finishes(
    org: CliOrg, folder: Path, outcome: str, reason: str
) -> None:
    colleague_changes(org.sandbox)
    org.sandbox.configure(audit_job_outcome=outcome)
    result = org.invoke("drift", str(folder), "--detailed-exitcode", "--audit-timeout", "50")
    assert result.exit_code == 2, result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit)
    job = _last_job(org)
    assert f"warning: drift is not attributed: {reason.format(job=job)}" in result.stderr
    assert result.stderr.count("warning:") == 1
    assert "renamed Americas ->" not in result.stdout  # no rename can be told without the log
    assert "by Victor Hale" not in result.stdout and "no audit entry found" not in result.stdout


def _last_job(org: CliOrg) -> str:
    with org.sandbox.store.transaction() as db:
        return str(db.execute("SELECT id FROM audit_jobs ORDER BY seq DESC").fetchone()[0])


def test_another_job_already_scheduled(org: CliOrg, folder: Path) -> None:
    colleague_changes(org.sandbox)
    org.sandbox.configure(audit_job_outcome="stalled")

    async def schedule() -> None:
        token = org.sandbox.issue_token("sandbox-colleague")
        async with httpx.AsyncClient(
            transport=SandboxTransport(org.sandbox),
            base_url=IN_PROCESS_URL,
            headers={"Authorization": f"Zoho-oauthtoken {token}"},
        ) as http:
            assert (await http.post("/crm/v8/settings/audit_log_export")).status_code == 200

    asyncio.run(schedule())
    org.sandbox.configure(audit_job_outcome="finished")
    result = org.invoke("drift", str(folder), "--format", "json")
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["attribution"]["read"] is False
    assert report["attribution"]["reason"] == (
        f"Zoho is still running another audit-log export (job {_last_job(org)}) and runs one "
        "at a time; try again when it has finished"
    )
    assert all(item["entries"] == [] for item in report["items"])


@pytest.mark.parametrize("token", ["limited-no-audit", "limited-no-files"])
def test_missing_scopes_give_unattributed_drift_and_one_warning(
    org: CliOrg, folder: Path, token: str
) -> None:
    colleague_changes(org.sandbox)
    credentials = Credentials("limited-client", "limited-secret", token)
    result = org.invoke("drift", str(folder), credentials=credentials)
    assert result.exit_code == 0, result.stderr
    assert result.stderr.count("warning:") == 1
    assert "the token lacks the audit-log scopes" in result.stderr
    assert "reconciler doctor" in result.stderr
    assert "~ default Accounts" in result.stdout


def test_markdown_for_an_issue(org: CliOrg, folder: Path) -> None:
    colleague_changes(org.sandbox)
    result = org.invoke("drift", str(folder), "--format", "markdown")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("### Drift in local sandbox")
    assert "- **default Accounts**: default access is public\\_read\\_only in the org" in (
        result.stdout
    )
    assert "by Victor Hale at " in result.stdout
    assert "Keep it: `reconciler adopt`" in result.stdout


def test_adopt_check_writes_nothing(org: CliOrg, folder: Path) -> None:
    colleague_changes(org.sandbox)
    before = (folder / "territories.yaml").read_text()
    result = org.invoke("adopt", str(folder), "--check")
    assert result.exit_code == 0, result.stderr
    assert "+  Accounts: public_read_only" in result.stdout
    assert "adopt: would change 1 of 1 files" in result.stderr
    assert (folder / "territories.yaml").read_text() == before


@pytest.mark.parametrize(
    ("since", "message"),
    [
        ("2020-01-01", "is more than three years ago"),
        ("2999-01-01", "is in the future"),
    ],
)
def test_since_out_of_bounds(org: CliOrg, folder: Path, since: str, message: str) -> None:
    colleague_changes(org.sandbox)
    result = org.invoke("drift", str(folder), "--since", since)
    assert result.exit_code == 1
    assert message in result.stderr


def test_a_long_window_exports_everything_and_cuts_it_here(org: CliOrg, folder: Path) -> None:
    colleague_changes(org.sandbox)
    result = org.invoke("drift", str(folder), "--since", "2025-01-01", "--format", "json")
    assert result.exit_code == 0, result.stderr
    with org.sandbox.store.transaction() as db:
        criteria = db.execute("SELECT criteria FROM audit_jobs").fetchone()[0]
    assert criteria is None  # over 180 days: the whole log, no criteria
    assert json.loads(result.stdout)["attribution"]["read"] is True


def test_adopt_without_the_log_warns_that_renames_cannot_be_told(org: CliOrg, folder: Path) -> None:
    colleague_changes(org.sandbox)
    credentials = Credentials("limited-client", "limited-secret", "limited-no-audit")
    result = org.invoke("adopt", str(folder), "--check", credentials=credentials)
    assert result.exit_code == 0, result.stderr
    assert result.stderr.count("warning:") == 1
    assert "adopted as one removed and one added" in result.stderr
    assert "+    - name: The Americas" in result.stdout  # added under the root
    assert "-    - name: Americas" in result.stdout  # and the YAML's one removed


def test_the_window_starts_at_this_machines_last_apply(org: CliOrg, folder: Path) -> None:
    colleague_changes(org.sandbox)
    noted = json.loads((org.db.parent / "last-apply.json").read_text())
    [(target, when)] = noted.items()
    assert target == org.banner().removeprefix("target: ")
    report = json.loads(org.invoke("drift", str(folder), "--format", "json").stdout)
    assert report["attribution"]["since"].startswith(when.removesuffix("+00:00"))


def test_adopt_refuses_an_environment_that_changes_the_yaml(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from click.testing import CliRunner

    from reconciler.cli.main import main

    (tmp_path / "org").mkdir()
    (tmp_path / "org" / "t.yaml").write_text(CONFIG, encoding="utf-8")
    (tmp_path / "overlay").mkdir()
    (tmp_path / "reconciler.toml").write_text(
        '[environments.staging]\nlocal = "staging.sqlite3"\noverlays = ["overlay"]\n',
        encoding="utf-8",
    )
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["adopt", "org", "--env", "staging"])
    assert result.exit_code == 1
    assert "adopt writes the shared YAML, but environment 'staging' changes it" in result.stderr
