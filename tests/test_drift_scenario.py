"""The drift story end to end, on the command line against a sandbox org: apply the YAML;
someone else (a second OAuth client, i.e. another admin in Zoho's UI) renames a territory,
removes a member and changes a default; `drift` names each change with that user and time;
`adopt` writes exactly those three changes into the YAML, comments intact, after which
`plan --detailed-exitcode` finds nothing to do."""

from __future__ import annotations

import asyncio
import difflib
import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from reconciler.sandbox import IN_PROCESS_URL, Sandbox, SandboxSettings, SandboxTransport
from tests.cli_orgs import CliOrg, cli_org

CONFIG = """\
# yaml-language-server: $schema=../schemas/reconciler.schema.json
# The sales territories: reviewed in pull requests, applied by CI.
version: 1
territories:
  name: Zylker
  children:
    # Both Americas, one team.
    - name: Americas
      manager: amy@zylker.example
      users: [amy@zylker.example, bob@zylker.example]  # the two Americas reps
    - name: EMEA
      users: [emma.schulz@zylker.example, felix.martin@zylker.example]
data_sharing:
  Accounts: private  # accounts stay with their owners
  Deals: private
"""
VICTOR = "Victor Hale"


@pytest.fixture
def org(tmp_path: Path) -> Iterator[CliOrg]:
    settings = SandboxSettings(rule_recompute_s=0.05, audit_export_s=0.05)
    with cli_org("in_process", tmp_path, settings=settings) as org:
        yield org


@pytest.fixture
def config(tmp_path: Path, org: CliOrg) -> Path:
    folder = tmp_path / "org"
    folder.mkdir()
    path = folder / "territories.yaml"
    path.write_text(CONFIG, encoding="utf-8")
    formatted = org.invoke("fmt", "--check", str(path))
    assert formatted.exit_code == 0, formatted.stderr  # the file is already as fmt writes it
    applied = org.invoke("apply", str(folder), "--auto-approve")
    assert applied.exit_code == 0, applied.stderr
    return path


def colleague_changes(sandbox: Sandbox) -> None:
    """What another admin does in the org, through the API as Zoho's UI would."""

    async def act() -> None:
        token = sandbox.issue_token("sandbox-colleague")
        async with httpx.AsyncClient(
            transport=SandboxTransport(sandbox),
            base_url=IN_PROCESS_URL + "/crm/v8",
            headers={"Authorization": f"Zoho-oauthtoken {token}"},
        ) as http:
            listed = (await http.get("/settings/territories")).json()["territories"]
            ids = {t["name"]: t["id"] for t in listed}
            users = (await http.get("/users", params={"type": "AllUsers"})).json()["users"]
            felix = next(u["id"] for u in users if u["email"] == "felix.martin@zylker.example")
            rename = {"territories": [{"id": ids["Americas"], "name": "The Americas"}]}
            assert (await http.put("/settings/territories", json=rename)).status_code == 200
            removed = await http.delete(
                f"/settings/territories/{ids['EMEA']}/users", params={"ids": felix}
            )
            assert removed.status_code == 200
            modules = (await http.get("/settings/data_sharing")).json()["data_sharing"]
            accounts = next(m["module"] for m in modules if m["module"]["api_name"] == "Accounts")
            item = {"share_type": "public_read_only", "module": accounts}
            put = await http.put("/settings/data_sharing", json={"data_sharing": [item]})
            assert put.status_code == 200

    asyncio.run(act())


def test_drift_names_who_changed_what_and_adopt_keeps_it(org: CliOrg, config: Path) -> None:
    before = config.read_text(encoding="utf-8")
    colleague_changes(org.sandbox)

    shown = org.invoke("drift", str(config.parent), "--detailed-exitcode")
    assert shown.exit_code == 2, shown.stderr
    assert "renamed Americas -> The Americas in the org" in shown.stdout
    assert "removed from the territory in the org: felix.martin@zylker.example" in shown.stdout
    assert "default access is public_read_only in the org, private in the YAML" in shown.stdout
    assert shown.stdout.count(f"by {VICTOR} at ") == 3
    assert "no audit entry found" not in shown.stdout

    report = json.loads(org.invoke("drift", str(config.parent), "--format", "json").stdout)
    assert report["version"] == 1 and report["attribution"]["read"] is True
    assert [(i["kind"], i["name"]) for i in report["items"]] == [
        ("territory", "Americas"),
        ("members", "EMEA"),
        ("default", "Accounts"),
    ]
    entries = [e for item in report["items"] for e in item["entries"]]
    assert {e["user"] for e in entries} == {VICTOR}
    assert [(e["field"], e["old"], e["new"]) for e in entries] == [
        ("name", "Americas", "The Americas"),
        ("users", "felix.martin@zylker.example", None),
        ("share_type", "private", "public_read_only"),
    ]

    adopted = org.invoke("adopt", str(config.parent))
    assert adopted.exit_code == 0, adopted.stderr
    after = config.read_text(encoding="utf-8")
    changed = [
        line
        for line in difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="")
        if line.startswith(("+", "-")) and not line.startswith(("+++", "---"))
    ]
    assert changed == [
        "-    - name: Americas",
        "+    - name: The Americas",
        "-      users: [emma.schulz@zylker.example, felix.martin@zylker.example]",
        "+      users: [emma.schulz@zylker.example]",
        "-  Accounts: private  # accounts stay with their owners",
        "+  Accounts: public_read_only # accounts stay with their owners",
    ]
    assert "+    - name: The Americas" in adopted.stdout

    planned = org.invoke("plan", str(config.parent), "--detailed-exitcode")
    assert planned.exit_code == 0, planned.stdout + planned.stderr
    assert org.invoke("drift", str(config.parent), "--detailed-exitcode").exit_code == 0


def test_drift_over_http_reads_the_log_from_the_servers_own_link(tmp_path: Path) -> None:
    """Served on 127.0.0.1 and reached as a custom server: the job's download link names the
    same host, so the token may go there, and the file streams over a real socket."""
    settings = SandboxSettings(rule_recompute_s=0.05, audit_export_s=0.05)
    with cli_org("served", tmp_path, settings=settings) as org:
        folder = tmp_path / "org"
        folder.mkdir()
        (folder / "territories.yaml").write_text(CONFIG, encoding="utf-8")
        assert org.invoke("apply", str(folder), "--auto-approve").exit_code == 0
        colleague_changes(org.sandbox)
        result = org.invoke("drift", str(folder), "--format", "json")
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["attribution"]["read"] is True
    assert [len(item["entries"]) for item in report["items"]] == [1, 1, 1]
