"""`reconciler apply` saves a snapshot and says where; `reconciler rollback` puts the org back
from it, after the same review as apply, or writes the way back as a plan (`--plan-only`).
A snapshot holds no secret, and one of another org or a damaged one is refused plainly."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from reconciler.config.snapshot import loads
from tests.cli_orgs import CliOrg
from tests.harness import SCENARIOS
from tests.test_cli_apply import org

__all__ = ["org"]  # the demo org with 01 applied, as apply's tests have it
BEFORE, AFTER = SCENARIOS / "01_from_nothing.yaml", SCENARIOS / "02_reorg.yaml"


def apply_reorg(org: CliOrg) -> Path:
    result = org.invoke("apply", str(AFTER), "--auto-approve", "--format", "json")
    assert result.exit_code == 0, result.stderr
    return Path(json.loads(result.stdout)["snapshot"])


def test_apply_saves_a_snapshot_named_after_the_org_and_the_time(org: CliOrg) -> None:
    result = org.invoke("apply", str(AFTER), "--auto-approve")
    assert result.exit_code == 0, result.stderr
    said = result.stderr.split("snapshot taken before the first write: ")[1].splitlines()[0]
    snapshot = Path(said)
    assert snapshot.parent == org.snapshots
    text = snapshot.read_text(encoding="utf-8")
    _, meta = loads(text, said)
    assert re.fullmatch(rf"{meta.org_id}-\d{{8}}T\d{{6}}Z(-\d+)?\.yaml", snapshot.name)
    assert not [s for s in org.secrets() if s in text]
    assert "EMEA" in text  # the deleted region, with its members
    assert "emma.schulz@zylker.example" in text


def test_rollback_puts_the_org_back_after_confirmation(org: CliOrg) -> None:
    snapshot = apply_reorg(org)
    refused = org.invoke("rollback", str(snapshot))
    assert refused.exit_code == 1 and "no terminal to confirm on" in refused.stderr
    result = org.invoke("rollback", str(snapshot), "--auto-approve", "--allow-deletes")
    assert result.exit_code == 0, result.stderr
    assert "Apply complete" in result.stdout
    assert "No changes" in org.invoke("plan", str(BEFORE)).stdout
    assert "No changes" in org.invoke("rollback", str(snapshot), "--auto-approve").stderr


def test_rollback_plan_only_writes_a_plan_that_apply_takes(org: CliOrg, tmp_path: Path) -> None:
    snapshot = apply_reorg(org)
    out = tmp_path / "back.json"
    result = org.invoke("rollback", str(snapshot), "--plan-only", "--out", str(out))
    assert result.exit_code == 0, result.stderr
    assert "North America" in result.stdout  # renamed back to Americas
    assert "No changes" in org.invoke("plan", str(AFTER)).stdout  # nothing was written
    applied = org.invoke("apply", str(out), "--allow-deletes")
    assert applied.exit_code == 0, applied.stderr
    assert "No changes" in org.invoke("plan", str(BEFORE)).stdout


def first_snapshot(org: CliOrg) -> Path:
    """The snapshot the fixture's apply of 01 took."""
    (snapshot,) = org.snapshots.iterdir()
    return snapshot


def test_a_snapshot_of_another_org_is_refused(org: CliOrg) -> None:
    snapshot = first_snapshot(org)
    text = snapshot.read_text(encoding="utf-8")
    org_id = text.split("org_id: ")[1].split()[0].strip("'\"")
    snapshot.write_text(text.replace(org_id, "999"), encoding="utf-8")
    result = org.invoke("rollback", str(snapshot), "--auto-approve")
    assert result.exit_code == 1
    assert f"{snapshot} is a snapshot of" in result.stderr and "but the target is" in result.stderr


@pytest.mark.parametrize(
    ("damage", "said"),
    [
        (lambda t: t.split("snapshot:")[0], "it has no `snapshot:` section"),
        (lambda t: t.replace("taken_at:", "taken_at: [", 1), "`snapshot:` section is damaged"),
        (lambda t: t.replace("format_version: 1", "format_version: 9"), "snapshot format 9"),
    ],
    ids=["no-meta", "damaged-meta", "newer"],
)
def test_a_damaged_snapshot_is_refused_plainly(org: CliOrg, damage: object, said: str) -> None:
    snapshot = first_snapshot(org)
    snapshot.write_text(damage(snapshot.read_text(encoding="utf-8")), encoding="utf-8")  # type: ignore[operator]
    result = org.invoke("rollback", str(snapshot))
    assert result.exit_code == 1 and said in result.stderr, result.stderr
    assert "Traceback" not in result.stderr


def test_an_apply_that_cannot_save_its_snapshot_writes_nothing(org: CliOrg, tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("not a directory")
    blocked = tmp_path / "a-file" / "snapshots"
    org.sandbox.reset_stats()
    result = org.invoke("apply", str(AFTER), "--auto-approve", "--snapshot-dir", str(blocked))
    assert result.exit_code == 1
    assert f"cannot save the snapshot in {blocked}" in result.stderr and "Traceback" not in (
        result.stderr
    )
    assert org.sandbox.stats()["writes"] == 0
