"""DESIGN §1: every command that talks to an org names it in the first line on stderr, before
anything else is said, whether it then succeeds or fails; in-process and served."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cli_orgs import EXAMPLE, CliOrg, cli_org

MODES = ["in_process", pytest.param("served", marks=pytest.mark.served)]


@pytest.fixture(params=MODES)
def org(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[CliOrg]:
    with cli_org(request.param, tmp_path) as made:
        yield made


def test_every_org_command_names_the_target_first(org: CliOrg, tmp_path: Path) -> None:
    saved = tmp_path / "plan.json"
    runs = {
        "plan": org.invoke("plan", str(EXAMPLE), "--out", str(saved)),
        "apply plan.json": org.invoke("apply", str(saved)),
        "apply PATH": org.invoke("apply", str(EXAMPLE), "--auto-approve"),
        "export": org.invoke("export"),
        "doctor": org.invoke("doctor"),
    }
    for command, result in runs.items():
        assert result.exit_code == 0, (command, result.output)
        assert result.stderr.splitlines()[0] == org.banner(), (command, result.stderr)


def test_the_target_comes_first_when_the_command_fails(org: CliOrg) -> None:
    org.sandbox.faults.fail_endpoint("GET", "/crm/v8/org", 400, "INVALID_DATA", "no", times=None)
    for args in (("plan", str(EXAMPLE)), ("export",), ("apply", str(EXAMPLE), "--auto-approve")):
        result = org.invoke(*args, checked=False)
        assert result.exit_code == 1
        assert result.stderr.splitlines()[0] == org.banner(), result.stderr
        assert result.stderr.splitlines()[-1].startswith("error: Zoho rejected GET org")
