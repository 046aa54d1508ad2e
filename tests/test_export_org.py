"""`reconciler export` then `reconciler plan --detailed-exitcode` on a rich org, on the command
line: the exported YAML describes the org exactly (exit 0, no changes), with every kind of
thing the org holds in it. In-process, so every answer is checked against the official
schemas (tests/test_cli_target.py runs export and plan served)."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from reconciler.cli.target import sandbox_target
from reconciler.sandbox import SandboxTransport
from reconciler.zoho.client import ZohoClient
from tests.cli_orgs import CliOrg, cli_org
from tests.rich_org import SETTINGS, enrich, rich_seed

Wrap = Callable[[httpx.AsyncBaseTransport], httpx.AsyncBaseTransport]


@pytest.fixture
def org(tmp_path: Path, validating_transport: Wrap) -> Iterator[CliOrg]:
    with cli_org(
        "in_process", tmp_path, seed=rich_seed(), wrap=validating_transport, settings=SETTINGS
    ) as made:
        yield made


async def populate(org: CliOrg) -> None:
    assert org.wrap is not None
    target = dataclasses.replace(
        sandbox_target(sandbox=org.sandbox), transport=org.wrap(SandboxTransport(org.sandbox))
    )
    async with ZohoClient.for_target(target) as client:
        await enrich(client)


# What the export must hold for the round trip to mean something.
EXPECTED = [
    "  name: Globex\n  users: [hank.scorpio@globex.example]\n",  # the root's members
    "- name: Boston Metro\n",  # four levels: Globex > North > North East > Boston Metro
    "manager: nina.north@globex.example",
    "permission: read_only",
    "description: City accounts only",
    "users: []",  # a territory whose (empty) membership is managed
    "account_rule:",
    "deal_rule:",
    "lead_rule:",
    "any:",  # a nested OR group
    "between: [1000000, 5000000]",
    "from: {role: North Manager, subordinates: true}",
    "from: {group: Field Sales}",
    "to: {all_users: true}",
    "to: {role: Controller, subordinates: true}",
    "access: read_write_delete",
    "superiors: true",
    "active: false",
    "criteria:",
    "Contacts: public\n",
    "Deals: public_read_write\n",
    "Leads: public_read_only\n",
    "Accounts: private\n",
    "Not exported (Zoho does not let these be set): Visits.",
    "roles:\n  name: ",  # the role tree from its top role
    "groups:\n  prune: false\n  items:\n",
    "users:\n  - {email: ",
]


def test_export_then_plan_shows_no_changes(org: CliOrg, tmp_path: Path) -> None:
    asyncio.run(populate(org))
    exported = tmp_path / "org" / "globex.yaml"
    result = org.invoke("export", "-o", str(exported))
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines() == [org.banner(), f"wrote {exported}"]
    text = exported.read_text()
    missing = [snippet for snippet in EXPECTED if snippet not in text]
    assert not missing, f"{missing} not in:\n{text}"
    plan = org.invoke("plan", str(exported), "--detailed-exitcode")
    assert plan.exit_code == 0, plan.output
    assert plan.stdout == "No changes. The org matches the configuration.\n"
    # The same org always gives the same bytes; only the schema's path is seen from where
    # the file is (here the working directory, for standard output).
    printed = org.invoke("export").stdout
    assert printed.split("\n", 1)[1] == text.split("\n", 1)[1]
