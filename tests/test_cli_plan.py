"""`reconciler plan` against the local sandbox: formats, the saved plan, exit codes, banner."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from reconciler.cli.main import main
from reconciler.plan.file import FORMAT_VERSION

EXAMPLE = Path(__file__).parent.parent / "examples" / "territories.yaml"


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    """A CLI with no Zoho credentials: it targets a fresh sandbox in tmp_path."""
    for name in ("ZOHO_CLIENT_ID", "ZOHO_CLIENT_SECRET", "ZOHO_REFRESH_TOKEN", "ZOHO_DC"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("RECONCILER_SANDBOX_DB", str(tmp_path / "sandbox.sqlite3"))
    return CliRunner()


def test_plan_names_the_target_first_and_shows_the_change(
    runner: CliRunner, tmp_path: Path
) -> None:
    result = runner.invoke(main, ["plan", str(EXAMPLE)])
    assert result.exit_code == 0, result.output
    assert (
        result.stderr.splitlines()[0] == f"target: local sandbox ({tmp_path / 'sandbox.sqlite3'})"
    )
    assert "+ Americas" in result.stdout
    assert result.stdout.rstrip().splitlines()[-1].startswith("Plan: 10 to create,")


def test_detailed_exitcode_is_2_with_changes_and_0_after_apply(
    runner: CliRunner, tmp_path: Path
) -> None:
    assert runner.invoke(main, ["plan", str(EXAMPLE), "--detailed-exitcode"]).exit_code == 2
    out = tmp_path / "plan.json"
    assert runner.invoke(main, ["plan", str(EXAMPLE), "--out", str(out)]).exit_code == 0
    applied = runner.invoke(main, ["apply", str(out)])
    assert applied.exit_code == 0, applied.output
    assert applied.stdout.startswith("Apply complete:")
    again = runner.invoke(main, ["plan", str(EXAMPLE), "--detailed-exitcode"])
    assert again.exit_code == 0
    assert again.stdout == "No changes. The org matches the configuration.\n"


def test_json_format_is_the_plan_file(runner: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "plan.json"
    result = runner.invoke(main, ["plan", str(EXAMPLE), "--format", "json", "--out", str(out)])
    assert result.exit_code == 0
    assert result.stdout == out.read_text()
    payload = json.loads(result.stdout)
    assert payload["format_version"] == FORMAT_VERSION and payload["target"]["kind"] == "sandbox"
    assert payload["summary"]["api_calls"] == len(payload["steps"])


def test_markdown_format_starts_with_the_summary(runner: CliRunner) -> None:
    result = runner.invoke(main, ["plan", str(EXAMPLE), "--format", "markdown"])
    assert result.exit_code == 0
    assert result.stdout.startswith("## Reconciler plan")
    assert "```mermaid" in result.stdout


def test_plan_reports_names_the_org_does_not_know(runner: CliRunner, tmp_path: Path) -> None:
    config = tmp_path / "org.yaml"
    config.write_text(
        "version: 1\nterritories:\n  name: Zylker\n  children:\n"
        "    - name: X\n      manager: nobody@zylker.example\n"
    )
    result = runner.invoke(main, ["plan", str(config)])
    assert result.exit_code == 1
    assert f"{config}:6:16: error: no user with email `nobody@zylker.example` in the org" in (
        result.stderr
    )
    assert "Traceback" not in result.output


def test_plan_refuses_a_broken_config_before_connecting(runner: CliRunner, tmp_path: Path) -> None:
    config = tmp_path / "org.yaml"
    config.write_text("version: 1\ndata_sharing: {Leads: open}\n")
    result = runner.invoke(main, ["plan", str(config)])
    assert result.exit_code == 1
    assert "is not a valid share type" in result.stderr
    assert not (tmp_path / "sandbox.sqlite3").exists()  # never reached the org


def test_export_then_plan_shows_no_changes(runner: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "plan.json"
    runner.invoke(main, ["plan", str(EXAMPLE), "--out", str(out)])
    runner.invoke(main, ["apply", str(out)])
    exported = tmp_path / "org" / "territories.yaml"
    result = runner.invoke(main, ["export", "-o", str(exported)])
    assert result.exit_code == 0, result.output
    again = runner.invoke(main, ["plan", str(exported), "--detailed-exitcode"])
    assert again.exit_code == 0, again.output


def test_plan_records_shows_where_records_land(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(main, ["plan", str(EXAMPLE), "--records"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    records = lines.index("Records  (where the rules put them)")
    assert lines[records + 1].startswith("  Accounts: 6 records read; ")
    markdown = runner.invoke(main, ["plan", str(EXAMPLE), "--records", "--format", "markdown"])
    assert "### Records" in markdown.stdout
    assert "| Territory | Records in | Records out |" in markdown.stdout
    payload = json.loads(
        runner.invoke(main, ["plan", str(EXAMPLE), "--records", "--format", "json"]).stdout
    )
    assert payload["records"]["version"] == 1
    modules = [m["module"] for m in payload["records"]["modules"]]
    assert modules == ["Accounts", "Contacts", "Deals", "Leads"]
