"""Guardrails and scoped plans on the command line: a `deny` policy refuses `plan --out` and
`apply` with the policy's name at file:line:col and writes nothing; a `warn` is printed and
shown in the PR comment; a scoped plan says it is partial, in the text, the comment and the
plan file; a scope that cuts a dependency is refused plainly."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli_orgs import CliOrg
from tests.harness import SCENARIOS
from tests.test_cli_apply import org

__all__ = ["org"]  # the demo org with 01 applied, as apply's tests have it
BEFORE, AFTER = SCENARIOS / "01_from_nothing.yaml", SCENARIOS / "02_reorg.yaml"


def reorg_with(tmp_path: Path, policy: str) -> tuple[Path, int]:
    """02_reorg in a directory with a policy file of its own; the policy's check line."""
    folder = tmp_path / "org"
    folder.mkdir()
    (folder / "territories.yaml").write_text(AFTER.read_text(encoding="utf-8"))
    (folder / "policies.yaml").write_text(
        f"version: 1\npolicies:\n  - name: keep regions\n    {policy}\n", encoding="utf-8"
    )
    return folder, 4


def test_a_deny_policy_refuses_plan_out_and_apply_and_writes_nothing(
    org: CliOrg, tmp_path: Path
) -> None:
    folder, line = reorg_with(tmp_path, "protected: [EMEA]")
    out = tmp_path / "plan.json"
    planned = org.invoke("plan", str(folder), "--out", str(out))
    where = f"{folder / 'policies.yaml'}:{line}:17"
    said = f"{where}: error: policy `keep regions`: the plan deletes territory `EMEA`"
    assert planned.exit_code == 1 and said in planned.stderr, planned.stderr
    assert not out.exists()
    applied = org.invoke("apply", str(folder), "--auto-approve")
    assert applied.exit_code == 1 and said in applied.stderr
    assert org.sandbox.stats()["writes"] == 0
    shown = org.invoke("plan", str(folder), "--format", "markdown")  # a review still shows it
    assert shown.exit_code == 0 and "**Denied** by policy keep regions" in shown.stdout


def test_a_warn_policy_is_printed_and_in_the_comment_and_refuses_nothing(
    org: CliOrg, tmp_path: Path
) -> None:
    folder, line = reorg_with(tmp_path, "enforce: warn\n    max_deletes: 1")
    planned = org.invoke("plan", str(folder), "--out", str(tmp_path / "plan.json"))
    assert planned.exit_code == 0, planned.stderr
    assert f"policies.yaml:{line + 1}:5: warning: policy `keep regions`" in planned.stdout
    comment = org.invoke("plan", str(folder), "--format", "markdown").stdout
    assert "**Warning** by policy keep regions: the plan deletes 2 objects" in comment


def test_a_scoped_plan_says_it_is_partial_everywhere(org: CliOrg, tmp_path: Path) -> None:
    out = tmp_path / "plan.json"
    result = org.invoke("plan", str(AFTER), "--target", "Americas", "--out", str(out))
    assert result.exit_code == 0, result.stderr
    assert "Partial plan: only `Americas`;" in result.stdout
    assert "left out: delete territory `EMEA`" in result.stdout
    partial = json.loads(out.read_text())["partial"]
    assert partial["targets"] == ["Americas"] and partial["left_out"]
    comment = org.invoke("plan", str(AFTER), "--exclude", "Asia", "--format", "markdown").stdout
    assert "> **Partial plan:** without `Asia`;" in comment
    applied = org.invoke("apply", str(out))
    assert applied.exit_code == 0, applied.stderr
    assert "Partial plan" not in org.invoke("plan", str(AFTER)).stdout  # the rest, whole


def test_a_scope_that_cuts_a_dependency_is_refused(org: CliOrg) -> None:
    result = org.invoke("plan", str(AFTER), "--exclude", "Europe")
    assert result.exit_code == 1
    assert result.stderr.splitlines()[1:] == [
        "error: the scope cuts what the plan needs:",
        "  - delete territory `EMEA` needs change territory `DACH` under it, which is left out",
        "  - delete territory `EMEA` needs change territory `UK and Ireland` under it, which is "
        "left out",
    ]
    moved = org.invoke("plan", str(AFTER), "--target", "DACH")
    assert "change territory `DACH` needs `Europe`, whose creation is left out" in moved.stderr
    unknown = org.invoke("plan", str(AFTER), "--target", "Atlantis")
    assert unknown.exit_code == 1 and "`Atlantis` names no section" in unknown.stderr


def test_a_saved_plan_cannot_be_scoped_again(org: CliOrg, tmp_path: Path) -> None:
    out = tmp_path / "plan.json"
    assert org.invoke("plan", str(AFTER), "--out", str(out)).exit_code == 0
    result = org.invoke("apply", str(out), "--target", "EMEA")
    assert result.exit_code != 0 and "pass them to `plan`" in result.stderr
