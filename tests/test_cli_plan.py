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


def test_out_into_a_missing_folder_creates_it(runner: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "missing" / "deeper" / "plan.json"
    result = runner.invoke(main, ["plan", str(EXAMPLE), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text())["format_version"] == FORMAT_VERSION


def test_out_where_no_folder_can_be_made_fails_before_the_org_is_read(
    runner: CliRunner, tmp_path: Path
) -> None:
    (tmp_path / "a-file").write_text("")
    result = runner.invoke(main, ["plan", str(EXAMPLE), "--out", str(tmp_path / "a-file" / "p")])
    assert result.exit_code == 1
    assert "internal error" not in result.stderr
    assert "cannot create the folder" in result.stderr
    assert not (tmp_path / "sandbox.sqlite3").exists()  # never reached the org


@pytest.mark.parametrize("name", ["tfplan", "plan.JSON", "reviewed.plan"])
def test_apply_knows_a_saved_plan_by_its_content(
    runner: CliRunner, tmp_path: Path, name: str
) -> None:
    saved = tmp_path / name
    assert runner.invoke(main, ["plan", str(EXAMPLE), "--out", str(saved)]).exit_code == 0
    result = runner.invoke(main, ["apply", str(saved)])
    assert result.exit_code == 0, result.output
    assert "unknown key" not in result.stderr
    assert result.stdout.startswith("Apply complete:")


def test_apply_of_a_damaged_json_plan_says_so(runner: CliRunner, tmp_path: Path) -> None:
    damaged = tmp_path / "plan.json"
    damaged.write_text('{"format_version": 2, "steps": [')
    result = runner.invoke(main, ["apply", str(damaged)])
    assert result.exit_code == 1
    assert "is not JSON" in result.stderr


def test_export_points_at_the_schema_from_where_it_writes(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert runner.invoke(main, ["export", "-o", "config/org/territories.yaml"]).exit_code == 0
    first = Path("config/org/territories.yaml").read_text().splitlines()[0]
    assert first == "# yaml-language-server: $schema=../../schemas/reconciler.schema.json"
    printed = runner.invoke(main, ["export"]).stdout.splitlines()[0]
    assert printed == "# yaml-language-server: $schema=schemas/reconciler.schema.json"
    assert runner.invoke(main, ["schema"]).exit_code == 0  # what the header tells adopters
    assert Path("config/org/../../schemas/reconciler.schema.json").is_file()


@pytest.mark.parametrize("fmt", ["text", "json", "markdown"])
def test_show_renders_a_saved_plan_as_plan_did(runner: CliRunner, tmp_path: Path, fmt: str) -> None:
    saved = tmp_path / "plan.json"
    planned = runner.invoke(main, ["plan", str(EXAMPLE), "--out", str(saved), "--format", fmt])
    shown = runner.invoke(main, ["show", str(saved), "--format", fmt])
    assert shown.exit_code == 0, shown.output
    assert shown.stdout == planned.stdout
    assert shown.stderr == ""  # offline: no target banner, no call


def test_show_refuses_an_altered_plan(runner: CliRunner, tmp_path: Path) -> None:
    saved = tmp_path / "plan.json"
    runner.invoke(main, ["plan", str(EXAMPLE), "--out", str(saved)])
    saved.write_text(saved.read_text().replace("Americas", "Amerigo"))
    shown = runner.invoke(main, ["show", str(saved)])
    assert shown.exit_code == 1
    assert "checksum mismatch" in shown.stderr


def test_doctor_json_gives_every_check_as_data(runner: CliRunner) -> None:
    text = runner.invoke(main, ["doctor"])
    result = runner.invoke(main, ["doctor", "--format", "json"])
    assert result.exit_code == text.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["format_version"] == 1 and payload["ready"] is True
    names = [line.split()[1] for line in text.stdout.splitlines()[:-1] if line[:6].strip()]
    assert [c["name"].split()[0] for c in payload["checks"]] == names
    assert {c["status"] for c in payload["checks"]} <= {"ok", "warn", "fail"}
    assert payload["summary"] == text.stdout.splitlines()[-1]
