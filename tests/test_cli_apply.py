"""`reconciler apply` on the command line, against a sandbox org in a temporary file: a saved
plan applied exactly, or refused when the org moved; a configuration planned, shown and
confirmed (`--auto-approve`; refused without a terminal); the `--allow-deletes` gate before
any write; the report as text and JSON; exit codes; a plain progress line per step in CI.
"""

from __future__ import annotations

import json
import re
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import Result

from reconciler.apply.report import StepReport
from reconciler.plan.steps import Step
from reconciler.render.progress import PlainProgress
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


def step_lines(result: Result) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith("[")]


def test_a_saved_plan_is_applied_exactly(org: CliOrg, tmp_path: Path) -> None:
    saved = tmp_path / "plan.json"
    planned = org.invoke("plan", str(AFTER), "--out", str(saved), "--format", "json")
    assert planned.exit_code == 0, planned.stderr
    steps = json.loads(saved.read_text())["steps"]
    result = org.invoke("apply", str(saved))
    assert result.exit_code == 0, result.stderr
    assert result.stderr.splitlines()[0] == org.banner()
    assert result.stdout.startswith(f"Apply complete: {len(steps)} done, 0 failed, 0 skipped")
    lines = step_lines(result)  # one plain line per step, by completion: not a terminal
    assert [line.split("]")[0] for line in lines] == [
        f"[{n}/{len(steps)}" for n in range(1, len(steps) + 1)
    ]
    assert all("] done: " in line for line in lines)
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


ESC = "\x1b["


@pytest.mark.parametrize(
    ("env", "coloured"),
    [
        ({"FORCE_COLOR": "1", "NO_COLOR": None}, True),  # e.g. a CI log that shows ANSI
        ({"FORCE_COLOR": "1", "NO_COLOR": "1"}, False),  # NO_COLOR wins
        ({"FORCE_COLOR": "1", "NO_COLOR": None, "TERM": "dumb"}, False),
        ({"FORCE_COLOR": None, "NO_COLOR": None}, False),  # not a terminal
    ],
    ids=["FORCE_COLOR", "NO_COLOR", "TERM=dumb", "pipe"],
)
def test_colour_follows_the_conventions_for_the_plan_apply_shows(
    org: CliOrg, env: dict[str, str | None], coloured: bool
) -> None:
    result = org.invoke("apply", str(AFTER), "--auto-approve", env=env)
    assert result.exit_code == 0, result.stderr
    assert "North America" in result.stderr
    assert (ESC in result.stderr) is coloured
    plan = org.invoke("plan", str(BEFORE), env=env)
    assert (ESC in plan.stdout) is coloured


def test_declining_the_confirmation_says_not_applied(
    org: CliOrg, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("reconciler.cli.org.can_ask", lambda: True)
    result = org.invoke("apply", str(AFTER), input="n\n")
    assert result.exit_code == 0, result.stderr
    assert result.stderr.splitlines()[-1] == "Not applied."
    assert writes(org) == 0


def test_ctrl_c_during_apply_says_how_far_it_got_and_exits_130(
    org: CliOrg, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C after the first step ended: what was done, in flight and not started, and
    what to do; not click's bare `Aborted!`."""
    finished = PlainProgress.finished

    def interrupt_after_one(self: PlainProgress, step: Step, report: StepReport) -> None:
        finished(self, step, report)
        if self.completed == 1:
            signal.raise_signal(signal.SIGINT)  # as a Ctrl-C would: asyncio cancels the run

    monkeypatch.setattr(PlainProgress, "finished", interrupt_after_one)
    result = org.invoke("apply", str(AFTER), "--auto-approve")
    assert result.exit_code == 130, result.stderr
    assert "Aborted!" not in result.stderr
    [summary] = [line for line in result.stderr.splitlines() if line.startswith("Interrupted:")]
    counts = re.fullmatch(
        r"Interrupted: (\d+) done, 0 failed, 0 skipped, (\d+) in flight, (\d+) not started "
        r"\(of (\d+) steps\)\.",
        summary,
    )
    assert counts is not None, summary
    done, in_flight, waiting, total = map(int, counts.groups())
    assert done >= 1 and done + in_flight + waiting == total
    assert "apply converges when run again" in result.stderr
    monkeypatch.undo()
    assert org.invoke("apply", str(AFTER), "--auto-approve").exit_code == 0  # and converges
    assert "No changes" in org.invoke("plan", str(AFTER)).stdout


def test_refusals_answer_json_with_format_json(org: CliOrg, tmp_path: Path) -> None:
    """A tool reading stdout gets the refusal as data, in the report's shape."""
    saved = tmp_path / "plan.json"
    assert org.invoke("plan", str(AFTER), "--out", str(saved)).exit_code == 0
    moved = tmp_path / "moved.yaml"
    moved.write_text(
        BEFORE.read_text().replace(
            "- name: US West", "- name: US Pacific\n          previously: [US West]"
        )
    )
    assert org.invoke("apply", str(moved), "--auto-approve").exit_code == 0
    stale = org.invoke("apply", str(saved), "--format", "json")
    assert stale.exit_code == 1
    payload = json.loads(stale.stdout)
    assert (payload["ok"], payload["done"], payload["steps"]) == (False, 0, [])
    assert payload["refused"]["reason"] == "org_changed"
    assert "territory `US West` was changed" in payload["refused"]["objects"]
    assert "the org changed since the plan was made" in stale.stderr  # and in words
    nothing = tmp_path / "nothing.yaml"
    nothing.write_text(NOTHING)
    unsafe = org.invoke("apply", str(nothing), "--auto-approve", "--format", "json")
    assert json.loads(unsafe.stdout)["refused"]["reason"] == "unsafe"


@pytest.mark.parametrize("how", ["--verbose", "RECONCILER_LOG=debug"])
def test_the_debug_log_has_every_call_and_no_secret(org: CliOrg, how: str) -> None:
    args, env = (["--verbose"], {}) if how == "--verbose" else ([], {"RECONCILER_LOG": "debug"})
    result = org.invoke(*args, "apply", str(AFTER), "--auto-approve", env=env)
    assert result.exit_code == 0, result.stderr
    calls = [line for line in result.stderr.splitlines() if " DEBUG http: " in line]
    assert any(re.search(r"http: GET /crm/v8/org -> 200 in \d+ms$", line) for line in calls)
    assert any(" PUT /crm/v8/settings/territories" in line for line in calls)  # the writes
    secrets = org.client.credentials()
    for secret in (secrets.client_secret, secrets.refresh_token, "Zoho-oauthtoken"):
        assert secret not in result.stderr
    quiet = org.invoke("plan", str(AFTER))
    assert " DEBUG " not in quiet.stderr


def test_a_create_answered_500_reports_the_status_as_its_code(org: CliOrg) -> None:
    """Regression: the code was null, which the docs reserve for "no answer came"."""
    org.sandbox.faults.fail_endpoint("POST", "/crm/v8/settings/territories", 500, times=None)
    result = org.invoke("apply", str(AFTER), "--auto-approve", "--format", "json", checked=False)
    assert result.exit_code == 1
    (failed,) = [s for s in json.loads(result.stdout)["steps"] if s["status"] == "failed"]
    assert failed["action"] == "create_territories"
    assert failed["code"] == "HTTP_500"
