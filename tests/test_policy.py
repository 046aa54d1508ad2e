"""Each policy check denies (or warns) with its message at the offending object's place, and
passes when respected. Plans are made against the demo org with 01 applied (read only)."""

from __future__ import annotations

import shutil
import textwrap
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from reconciler.config.load import load_documents
from reconciler.errors import ConfigError, PolicyDenied
from reconciler.plan.policy import Finding, refuse_denied
from tests.harness import SCENARIOS, Org, open_org
from tests.test_crash_resume import org_before

__all__ = ["org_before"]
pytestmark = pytest.mark.anyio
REORG = (SCENARIOS / "02_reorg.yaml").read_text(encoding="utf-8")  # deletes EMEA, S. Europe


@pytest.fixture
async def org(org_before: Path, tmp_path: Path) -> AsyncIterator[Org]:
    async with open_org(db=Path(shutil.copy(org_before, tmp_path / "org.sqlite3"))) as org:
        yield org


async def findings(org: Org, text: str) -> tuple[Finding, ...]:
    config = load_documents([("org.yaml", textwrap.dedent(text).lstrip().encode())])
    return (await org.plan(config)).findings


def reorg_with(policy: str) -> tuple[str, int]:
    """02_reorg with one policy appended; the line its check key is on."""
    block = "policies:\n  - name: the policy\n" + textwrap.indent(policy.strip(), "    ") + "\n"
    return REORG + block, len(REORG.splitlines()) + 3


def one(found: tuple[Finding, ...]) -> Finding:
    assert len(found) == 1, found
    return found[0]


# (check, breaking YAML, message, line:column of the object, respecting YAML)
DESIRED = {
    "data_sharing_at_most": (
        """
        version: 1
        data_sharing:
          Accounts: public_read_write
        policies:
          - name: the policy
            data_sharing_at_most: {"*": public_read_only}
        """,
        "Accounts is `public_read_write`, wider than `public_read_only`",
        (3, 3),
        "public_read_write",
        "public_read_only",
    ),
    "no_read_write_delete_for_all_users": (
        """
        version: 1
        sharing_rules:
          Accounts:
            - name: Everyone edits
              from: {role: CEO}
              to: {all_users: true}
              access: read_write_delete
        policies:
          - name: the policy
            no_read_write_delete_for_all_users: true
        """,
        "sharing rule `Everyone edits` (Accounts) grants all users read_write_delete",
        (6, 11),
        "access: read_write_delete",
        "access: read",
    ),
    "manager_is_member": (
        """
        version: 1
        territories:
          name: Zylker
          children:
            - name: Americas
              manager: amy@zylker.example
              users: [victor.hale@zylker.example]
        policies:
          - name: the policy
            manager_is_member: true
        """,
        "the manager of `Americas`, amy@zylker.example, is not one of its users",
        (6, 16),
        "users: [victor.hale@zylker.example]",
        "users: [amy@zylker.example]",
    ),
    "manager_is_member:none": (
        """
        version: 1
        territories:
          name: Zylker
          children:
            - name: Americas
              users: [amy@zylker.example]
        policies:
          - name: the policy
            manager_is_member: true
        """,
        "territory `Americas` has no manager",
        (5, 13),
        "users: [amy@zylker.example]",
        "users: [amy@zylker.example]\n              manager: amy@zylker.example",
    ),
    "max_depth": (
        """
        version: 1
        territories:
          name: Zylker
          children:
            - name: Americas
              children:
                - name: US East
        policies:
          - name: the policy
            max_depth: 1
        """,
        "territory `US East` is at depth 2, deeper than 1",
        (7, 17),
        "max_depth: 1",
        "max_depth: 2",
    ),
}


@pytest.mark.parametrize("check", DESIRED)
async def test_a_check_on_the_desired_state_denies_at_the_object_and_passes_when_kept(
    org: Org, check: str
) -> None:
    text, message, (line, column), breaking, respecting = DESIRED[check]
    found = one(await findings(org, text))
    assert (found.message, found.line, found.column) == (message, line, column)
    assert str(found) == f"org.yaml:{line}:{column}: error: policy `the policy`: {message}"
    with pytest.raises(PolicyDenied) as denied:
        refuse_denied((found,))
    assert str(denied.value.diagnostics[0]).startswith(f"org.yaml:{line}:{column}: error:")
    assert await findings(org, text.replace(breaking, respecting)) == ()


PLANNED = {
    "max_deletes": (
        "max_deletes: 1",
        "the plan deletes 2 objects, more than 1: territory `Southern Europe`, territory `EMEA`",
        ("max_deletes: 1", "max_deletes: 2"),
    ),
    "max_memberships_removed": (
        "max_memberships_removed: 10%",
        "the plan removes 2 memberships, more than 10% of 17, i.e. 1",
        ("10%", "20%"),
    ),
    "max_memberships_removed:count": (
        "max_memberships_removed: 1",
        "the plan removes 2 memberships, more than 1",
        ("removed: 1", "removed: 2"),
    ),
    "protected": (
        "protected: [Americas, EMEA]",
        "the plan deletes territory `EMEA`",
        ("EMEA]", "APAC]"),
    ),
}


@pytest.mark.parametrize("check", PLANNED)
async def test_a_check_on_the_plan_denies_at_the_policy_and_passes_when_kept(
    org: Org, check: str
) -> None:
    policy, message, (breaking, respecting) = PLANNED[check]
    text, line = reorg_with(policy)
    found = one(await findings(org, text))
    assert found.message == message
    check = check.split(":")[0]
    column = 5 + (policy.index("EMEA") if check == "protected" else 0)
    assert (found.file, found.line, found.column) == ("org.yaml", line, column)
    assert await findings(org, text.replace(breaking, respecting)) == ()


async def test_warn_findings_do_not_refuse(org: Org) -> None:
    text, _ = reorg_with("enforce: warn\nmax_deletes: 0")
    found = one(await findings(org, text))
    assert found.enforce == "warn" and ": warning: policy `the policy`:" in str(found)
    refuse_denied((found,))  # a warning refuses nothing


@pytest.mark.parametrize(
    ("policy", "said"),
    [
        ("max_depth: 2\nmax_deletes: 1", "exactly one check (found `max_deletes`, `max_depth`)"),
        ("enforce: warn", "exactly one check (found none)"),
        ("max_memberships_removed: lots", "`lots` is neither a count nor a share such as `10%`"),
    ],
)
def test_a_policy_written_wrong_is_a_config_error(policy: str, said: str) -> None:
    text, _ = reorg_with(policy)
    with pytest.raises(ConfigError) as error:
        load_documents([("org.yaml", text.encode())])
    assert said in str(error.value.diagnostics)


def test_a_policy_named_twice_is_an_error_naming_both_places() -> None:
    block = "version: 1\npolicies:\n  - name: P\n    max_depth: 3\n"
    with pytest.raises(ConfigError) as error:
        load_documents([("a.yaml", block.encode()), ("b.yaml", block.encode())])
    (problem,) = error.value.diagnostics
    assert (problem.file, problem.line) == ("b.yaml", 3)
    assert "policy `P` is declared twice" in problem.message and "a.yaml:3:" in str(problem)
