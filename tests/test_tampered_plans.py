"""A saved plan altered by someone who can write the file and recompute its checksum (the docs
show how): each tampering ends in a refusal or a clear error, quickly, and nothing is written.
`apply` trusts the steps only: it checks their graph, recomputes the safety verdict from them
against the live org, and re-reads everything they write."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from reconciler.sandbox import SandboxSettings
from tests.cli_orgs import CliOrg, cli_org
from tests.harness import SCENARIOS

BEFORE, AFTER = SCENARIOS / "01_from_nothing.yaml", SCENARIOS / "02_reorg.yaml"
Payload = dict[str, Any]


@pytest.fixture
def org(tmp_path: Path) -> Iterator[CliOrg]:
    with cli_org("in_process", tmp_path, settings=SandboxSettings(rule_recompute_s=0.05)) as org:
        assert org.invoke("apply", str(BEFORE), "--auto-approve").exit_code == 0
        org.sandbox.reset_stats()
        yield org


def saved_plan(org: CliOrg, tmp_path: Path, config: str | Path = AFTER) -> Path:
    if isinstance(config, str):
        (tmp_path / "config.yaml").write_text(config)
        config = tmp_path / "config.yaml"
    saved = tmp_path / "plan.json"
    result = org.invoke("plan", str(config), "--out", str(saved))
    assert result.exit_code == 0, result.stderr  # 2 only with --detailed-exitcode
    return saved


def tamper(saved: Path, edit: Callable[[Payload], None]) -> None:
    """Edit the plan and write a checksum that matches, as docs/plan-format.md describes."""
    payload = json.loads(saved.read_text())
    payload.pop("checksum")
    edit(payload)
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    payload["checksum"] = "sha256:" + hashlib.sha256(canonical.encode()).hexdigest()
    saved.write_text(json.dumps(payload, indent=2))


def refused(org: CliOrg, saved: Path, *args: str) -> str:
    started = time.monotonic()
    result = org.invoke("apply", str(saved), *args)
    assert time.monotonic() - started < 10
    assert result.exit_code == 1, result.stdout + result.stderr
    assert "internal error" not in result.stderr and "Traceback" not in result.stderr
    assert org.sandbox.stats()["writes"] == 0
    return result.stderr


def test_an_emptied_safety_verdict_is_recomputed_from_the_steps(org: CliOrg, tmp_path: Path):
    saved = saved_plan(org, tmp_path, "version: 1\nterritories: {name: Zylker}\n")
    assert json.loads(saved.read_text())["unsafe"]

    def forget(payload: Payload) -> None:
        payload["unsafe"] = []

    tamper(saved, forget)
    err = refused(org, saved)
    assert "refusing to apply" in err
    assert "deletes 11 of 12 territories (more than 3 needs --allow-deletes)" in err


def test_an_emptied_scope_and_fingerprints_do_not_hide_a_rename(org: CliOrg, tmp_path: Path):
    saved = saved_plan(org, tmp_path)

    def blind(payload: Payload) -> None:
        payload["scope"] = {}
        payload["fingerprints"] = {}

    tamper(saved, blind)
    moved = tmp_path / "moved.yaml"
    renamed = "- name: US Pacific\n          previously: [US West]"
    moved.write_text(BEFORE.read_text().replace("- name: US West", renamed))
    assert org.invoke("apply", str(moved), "--auto-approve").exit_code == 0
    org.sandbox.reset_stats()
    err = refused(org, saved)
    assert "error: the plan changes " in err and "territory `EMEA`" in err
    assert "does not record how it found them: it was altered after it was made" in err


def first_step_waiting(payload: Payload) -> Payload:
    step: Payload = next(s for s in payload["steps"] if s.get("after"))
    return step


@pytest.mark.parametrize(
    ("tampering", "message"),
    [
        ("waits for itself", "waits for itself"),
        ("waits for a step that does not exist", "waits for step 12345, which the plan lacks"),
        ("repeats a step", "appears 2 times"),
        ("has a cycle", "its steps wait for each other in a cycle"),
        ("uses what no step creates", "uses what step 999 creates, which the plan lacks"),
    ],
)
def test_a_step_graph_apply_cannot_run_is_refused(
    org: CliOrg, tmp_path: Path, tampering: str, message: str
):
    saved = saved_plan(org, tmp_path)

    def edit(payload: Payload) -> None:
        steps = payload["steps"]
        step = first_step_waiting(payload)
        if tampering == "waits for itself":
            step["after"] = [*step["after"], step["id"]]
        elif tampering == "waits for a step that does not exist":
            step["after"] = [12345]
        elif tampering == "repeats a step":
            steps.append(steps[-1])
        elif tampering == "has a cycle":
            waited = next(s for s in steps if s["id"] == step["after"][0])
            waited["after"] = [*waited.get("after", []), step["id"]]
        else:
            steps[0]["items"][0]["parent"] = {"name": "Nowhere", "created_by": 999}

    tamper(saved, edit)
    err = refused(org, saved)
    assert err.startswith(f"error: {saved} is not a valid plan: ")  # before the org is reached
    assert message in err
