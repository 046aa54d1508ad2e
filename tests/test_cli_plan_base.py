"""`reconciler plan --base REF` end to end: a git repository, a sandbox org, and a pull request.

The org was set up from the base revision, then changed by hand (a description, a default,
a member); the pull request edits the YAML (a new territory, a new member). Every output
format must put each change in its group: the edit's, or the drift.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from reconciler.cli.main import main
from tests.test_git import commit, git

BASE = """\
version: 1
territories:
  name: Zylker
  children:
    - name: Americas
      manager: amy@zylker.example
      users: [amy@zylker.example, carla.mendes@zylker.example]
    - name: EMEA
      description: Europe, Middle East and Africa
data_sharing:
  Leads: private
"""
BY_HAND = (
    BASE.replace("Europe, Middle East and Africa", "Edited in the CRM")
    .replace("Leads: private", "Leads: public")
    .replace(", carla.mendes@zylker.example", "")
)
PULL_REQUEST = BASE.replace(
    "      users: [amy@zylker.example, carla.mendes@zylker.example]\n",
    "      users: [amy@zylker.example, carla.mendes@zylker.example, bob@zylker.example]\n"
    "    - name: APAC\n"
    "      manager: kenji.sato@zylker.example\n",
)


@pytest.fixture
def pull_request(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[CliRunner, Path]:
    """A repository whose main is applied to a sandbox org, the org then edited by hand,
    and the working tree holding the pull request's edit."""
    for name in ("ZOHO_CLIENT_ID", "ZOHO_CLIENT_SECRET", "ZOHO_REFRESH_TOKEN", "ZOHO_DC"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("RECONCILER_SANDBOX_DB", str(tmp_path / "sandbox.sqlite3"))
    runner = CliRunner()
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    commit(repo, {"org/territories.yaml": BASE})
    org = repo / "org"
    for config in (org, _write(tmp_path / "by-hand.yaml", BY_HAND)):
        done = runner.invoke(main, ["apply", str(config), "--auto-approve"])
        assert done.exit_code == 0, done.output
    (org / "territories.yaml").write_text(PULL_REQUEST)
    return runner, org


def _write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def test_text_shows_the_edit_and_the_drift_apart(pull_request: tuple[CliRunner, Path]) -> None:
    runner, org = pull_request
    result = runner.invoke(main, ["plan", str(org), "--base", "main", "--detailed-exitcode"])
    assert result.exit_code == 2, result.output
    edit, drift = _split(result.stdout, "From this change\n", "Drift (the org differs from main")
    assert "+ APAC  (new)" in edit and "+ bob@zylker.example" in edit
    assert "EMEA" not in edit and "Leads" not in edit and "carla" not in edit
    assert '~ EMEA\n          description: "Edited in the CRM" → "Europe, Middle East' in drift
    assert "~ Leads: public → private" in drift and "+ carla.mendes@zylker.example" in drift
    assert "APAC" not in drift and "bob" not in drift
    assert "From this change: 2 changes; drift: 3 changes" in result.stdout


def test_json_labels_every_change(pull_request: tuple[CliRunner, Path], tmp_path: Path) -> None:
    runner, org = pull_request
    out = tmp_path / "plan.json"
    result = runner.invoke(
        main, ["plan", str(org), "--base", "main", "--format", "json", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    payload = json.loads(out.read_text())
    changes = payload["changes"]
    assert {(c["action"], c["name"], c["origin"]) for c in changes["territories"]} == {
        ("create", "APAC", "change"),
        ("update", "EMEA", "drift"),
    }
    members = {(m["territory"], tuple(m["added"]), m["origin"]) for m in changes["members"]}
    assert members == {
        ("Americas", ("bob@zylker.example",), "change"),
        ("Americas", ("carla.mendes@zylker.example",), "drift"),
    }
    assert [(d["module"], d["origin"]) for d in changes["defaults"]] == [("Leads", "drift")]
    assert (payload["summary"]["from_change"], payload["summary"]["drift"]) == (2, 3)
    head = git(org.parent, "rev-parse", "main")
    assert payload["config"]["base"] == {"ref": "main", "commit": head}
    applied = runner.invoke(main, ["apply", str(out)])  # the labels change nothing to apply
    assert applied.exit_code == 0, applied.output
    again = runner.invoke(main, ["plan", str(org), "--base", "main", "--detailed-exitcode"])
    assert again.exit_code == 0, again.output


def test_markdown_groups_the_details(pull_request: tuple[CliRunner, Path]) -> None:
    runner, org = pull_request
    result = runner.invoke(main, ["plan", str(org), "--base", "main", "--format", "markdown"])
    assert result.exit_code == 0, result.output
    edit, drift = _split(result.stdout, "### From this change\n", "### Drift (the org differs")
    assert "**APAC** — new" in edit and "adds bob@zylker.example" in edit
    assert "EMEA" not in edit and "Leads" not in edit
    drift = drift.split("<summary>API calls")[0]
    assert "**EMEA**" in drift and "**Leads**" in drift and "adds carla" in drift
    assert "APAC" not in drift and "bob" not in drift
    assert re.search(r'"EMEA<br/>description changed<br/>drift"\]:::updated', result.stdout)


def test_without_base_nothing_is_grouped(pull_request: tuple[CliRunner, Path]) -> None:
    runner, org = pull_request
    result = runner.invoke(main, ["plan", str(org)])
    assert result.exit_code == 0, result.output
    assert "From this change" not in result.stdout and "Drift" not in result.stdout


def test_a_bad_base_is_refused_before_the_org_is_read(
    pull_request: tuple[CliRunner, Path],
) -> None:
    runner, org = pull_request
    result = runner.invoke(main, ["plan", str(org), "--base", "no-such-branch"])
    assert result.exit_code == 1
    assert "error: unknown git revision `no-such-branch`" in result.stderr
    assert "target:" not in result.stderr


def _split(text: str, first: str, second: str) -> tuple[str, str]:
    assert first in text and second in text, text
    start, middle = text.index(first), text.index(second)
    assert start < middle
    return text[start:middle], text[middle:]


ACCESS_BASE = """\
version: 1
groups:
  items:
    - name: Closers
      description: Who closes deals
      sources: [{role: Americas Sales Manager}]
users:
  - {email: bob@zylker.example, role: Americas Sales}
"""
ACCESS_BY_HAND = ACCESS_BASE.replace("Who closes deals", "Edited in the CRM").replace(
    "role: Americas Sales}", "role: EMEA Sales}"
)
ACCESS_PULL_REQUEST = ACCESS_BASE.replace(
    "users:", "    - name: Openers\n      sources: [{role: EMEA Sales Manager}]\nusers:"
)


def test_access_changes_are_the_edits_or_drift_like_the_rest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The group the pull request adds is the edit's; the group description and bob's role,
    changed in the CRM after main was applied, are drift."""
    for name in ("ZOHO_CLIENT_ID", "ZOHO_CLIENT_SECRET", "ZOHO_REFRESH_TOKEN", "ZOHO_DC"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("RECONCILER_SANDBOX_DB", str(tmp_path / "sandbox.sqlite3"))
    runner, repo = CliRunner(), tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    commit(repo, {"org/access.yaml": ACCESS_BASE})
    for config in (repo / "org", _write(tmp_path / "by-hand.yaml", ACCESS_BY_HAND)):
        done = runner.invoke(main, ["apply", str(config), "--auto-approve"])
        assert done.exit_code == 0, done.output
    (repo / "org" / "access.yaml").write_text(ACCESS_PULL_REQUEST)
    result = runner.invoke(main, ["plan", str(repo / "org"), "--base", "main"])
    assert result.exit_code == 0, result.output
    edit, drift = _split(result.stdout, "From this change\n", "Drift (the org differs from main")
    assert "Openers" in edit and "Closers" not in edit and "bob" not in edit
    assert "Closers" in drift and "bob@zylker.example" in drift and "Openers" not in drift
    assert "From this change: 1 change; drift: 2 changes" in result.stdout
