"""`reconciler apply` on the command line, against a sandbox org in a temporary file: a saved
plan applied exactly, or refused when the org moved; a configuration planned, shown and
confirmed (`--auto-approve`; refused without a terminal); the `--allow-deletes` gate before
any write; the report as text and JSON; exit codes; a plain progress line per level in CI.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import Result

from reconciler.sandbox import SandboxSettings
from tests.cli_orgs import CliOrg, cli_org
from tests.harness import SCENARIOS

BEFORE, AFTER = SCENARIOS / "01_from_nothing.yaml", SCENARIOS / "02_reorg.yaml"
NOTHING = "version: 1\nterritories: {name: Zylker}\n"


@pytest.fixture
def org(tmp_path: Path) -> Iterator[CliOrg]:
    """The demo org, with 01 applied; recomputation short, as the CLI waits in real time."""
    with cli_org("in_process", tmp_path, settings=SandboxSettings(rule_recompute_s=0.05)) as org:
        assert org.invoke("apply", str(BEFORE), "--auto-approve").exit_code == 0
        org.sandbox.reset_stats()
        yield org


def writes(org: CliOrg) -> int:
    return int(org.sandbox.stats()["writes"])


def level_lines(result: Result) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith("level ")]


def test_a_saved_plan_is_applied_exactly(org: CliOrg, tmp_path: Path) -> None:
    saved = tmp_path / "plan.json"
    planned = org.invoke("plan", str(AFTER), "--out", str(saved), "--format", "json")
    assert planned.exit_code == 0, planned.stderr
    steps = json.loads(saved.read_text())["steps"]
    result = org.invoke("apply", str(saved))
    assert result.exit_code == 0, result.stderr
    assert result.stderr.splitlines()[0] == org.banner()
    assert result.stdout.startswith(f"Apply complete: {len(steps)} done, 0 failed, 0 skipped")
    levels = max(s["level"] for s in steps)
    assert len(level_lines(result)) == levels  # one plain line per level: not a terminal
    assert level_lines(result)[-1].startswith(f"level {levels}/{levels}: ")
    assert writes(org) == len(steps)
    assert "No changes" in org.invoke("plan", str(AFTER)).stdout


def test_a_saved_plan_is_refused_when_the_org_moved(org: CliOrg, tmp_path: Path) -> None:
    saved = tmp_path / "plan.json"
    assert org.invoke("plan", str(AFTER), "--out", str(saved)).exit_code == 0
    moved = tmp_path / "moved.yaml"
    renamed = "- name: US Pacific\n          previously: [US West]"
    moved.write_text(BEFORE.read_text().replace("- name: US West", renamed))
    assert org.invoke("apply", str(moved), "--auto-approve").exit_code == 0
    org.sandbox.reset_stats()
    result = org.invoke("apply", str(saved))
    assert result.exit_code == 1
    assert "the org changed since the plan was made" in result.stderr
    assert "  - territory `US West` was changed" in result.stderr.splitlines()
    assert writes(org) == 0


def test_a_configuration_is_shown_then_applied_with_auto_approve(org: CliOrg) -> None:
    result = org.invoke("apply", str(AFTER), "--auto-approve")
    assert result.exit_code == 0, result.stderr
    assert "~ North America" in result.stderr  # the plan, shown before it is applied
    assert result.stdout.startswith("Apply complete:")
    assert "No changes" in org.invoke("plan", str(AFTER)).stdout


def test_without_a_terminal_and_without_auto_approve_nothing_is_applied(org: CliOrg) -> None:
    result = org.invoke("apply", str(AFTER))  # CliRunner's stdin is not a terminal
    assert result.exit_code == 1
    assert "no terminal to confirm on; pass --auto-approve" in result.stderr
    assert writes(org) == 0


def test_an_empty_plan_says_so_and_applies_nothing(org: CliOrg) -> None:
    """Regression: an empty plan was not shown, so `apply` printed nothing but the banner."""
    result = org.invoke("apply", str(BEFORE))
    assert result.exit_code == 0, result.stderr
    assert "No changes" in result.stderr and result.stdout == ""
    assert writes(org) == 0


@pytest.mark.parametrize("approve", [["--auto-approve"], []], ids=["auto-approve", "asking"])
def test_too_many_deletes_are_refused_before_any_write(
    org: CliOrg, tmp_path: Path, approve: list[str]
) -> None:
    """Regression: the gate came after the confirmation, so a user was asked to confirm a
    plan that would then be refused (and without a terminal, told to pass --auto-approve)."""
    nothing = tmp_path / "nothing.yaml"
    nothing.write_text(NOTHING)
    result = org.invoke("apply", str(nothing), *approve)
    assert result.exit_code == 1
    assert "refusing to apply" in result.stderr
    assert "deletes 11 of 12 territories (more than 3 needs --allow-deletes)" in result.stderr
    assert writes(org) == 0
    allowed = org.invoke("apply", str(nothing), "--auto-approve", "--allow-deletes")
    assert allowed.exit_code == 0, allowed.stderr


def test_a_partial_failure_is_reported_in_json_and_exits_1(org: CliOrg) -> None:
    org.sandbox.faults.fail_endpoint(
        "POST", "/crm/v8/settings/territories", 400, "INVALID_DATA", "refused", times=None
    )
    result = org.invoke("apply", str(AFTER), "--auto-approve", "--format", "json", checked=False)
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["ok"] is False and report["failed"] == 1 and report["skipped"] >= 1
    assert report["done"] + report["failed"] + report["skipped"] == len(report["steps"])
    (failed,) = [s for s in report["steps"] if s["status"] == "failed"]
    assert (failed["action"], failed["code"]) == ("create_territories", "INVALID_DATA")
    assert "refused" in failed["message"]
    skipped = [s for s in report["steps"] if s["status"] == "skipped"]
    assert all(s["message"].startswith("waits for step") for s in skipped)
    org.sandbox.faults.clear()
    again = org.invoke("apply", str(AFTER), "--auto-approve")
    assert again.exit_code == 0, again.stderr


def test_a_partial_failure_is_reported_in_text(org: CliOrg) -> None:
    org.sandbox.faults.fail_endpoint(
        "POST", "/crm/v8/settings/territories", 400, "INVALID_DATA", "refused", times=None
    )
    result = org.invoke("apply", str(AFTER), "--auto-approve", checked=False)
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0].startswith("failed: step ") and "INVALID_DATA" in lines[0]
    assert any(line.startswith("skipped: step ") for line in lines)
    assert lines[-2].startswith("Apply incomplete: ")
    assert lines[-1] == "Run plan again to see what is left; apply converges when run again."


def test_a_create_answered_500_reports_the_status_as_its_code(org: CliOrg) -> None:
    """Regression: the code was null, which the docs reserve for "no answer came"."""
    org.sandbox.faults.fail_endpoint("POST", "/crm/v8/settings/territories", 500, times=None)
    result = org.invoke("apply", str(AFTER), "--auto-approve", "--format", "json", checked=False)
    assert result.exit_code == 1
    (failed,) = [s for s in json.loads(result.stdout)["steps"] if s["status"] == "failed"]
    assert failed["action"] == "create_territories"
    assert failed["code"] == "HTTP_500"
