"""examples/policy/reconciler.rego, the policies for conftest, judges real plan files: each
rule fires on a plan that breaks it and stays quiet on one that does not. Run by regopy, the
Rego interpreter, in-process (conftest runs the same Rego)."""

from __future__ import annotations

import json
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from regopy import Interpreter

from reconciler.config.load import load_documents
from reconciler.plan.file import dumps
from tests.harness import SCENARIOS, Org, open_org, scenario
from tests.test_crash_resume import org_before

__all__ = ["org_before"]
pytestmark = pytest.mark.anyio
REGO = Path(__file__).parent.parent / "examples" / "policy" / "reconciler.rego"


@pytest.fixture
async def org(org_before: Path, tmp_path: Path) -> AsyncIterator[Org]:
    async with open_org(db=Path(shutil.copy(org_before, tmp_path / "org.sqlite3"))) as org:
        yield org


def judge(plan_file: str) -> dict[str, list[str]]:
    rego = Interpreter()
    rego.add_module("reconciler", REGO.read_text(encoding="utf-8"))
    rego.set_input_term(plan_file)
    found = {}
    for kind in ("deny", "warn"):
        answer = json.loads(str(rego.query(f"x := data.main.{kind}")))
        found[kind] = sorted(answer["bindings"]["x"])
    return found


async def test_the_rego_policies_deny_and_warn_on_a_plan_that_breaks_them(org: Org) -> None:
    found = judge(dumps(await org.plan(scenario("07_everything_at_once"))))
    assert found["deny"] == [
        "accounts stay private: Accounts becomes `public_read_only`, wider than `private`",
        "regions stay: the plan deletes territory `EMEA`",
    ]
    assert (
        "managers are members: the manager of `Asia`, victor.hale@zylker.example, is not "
        "one of its users"
    ) in found["warn"]


async def test_the_rego_policies_pass_a_plan_that_keeps_them(org: Org) -> None:
    text = (SCENARIOS / "01_from_nothing.yaml").read_text(encoding="utf-8")
    edited = text.replace("description: North and South America", "description: The Americas")
    calm = load_documents([("calm.yaml", edited.encode())])
    saved = await org.plan(calm)
    assert saved.plan.steps  # the plan changes something, and breaks nothing
    assert judge(dumps(saved)) == {"deny": [], "warn": []}


@pytest.mark.parametrize(
    ("limit", "said"),
    [
        ("max_deletes := 5", "max_deletes := 2"),
        ("max_memberships_removed := 20", "max_memberships_removed := 4"),
        ("max_depth := 4", "max_depth := 1"),
    ],
)
async def test_the_rego_limits_are_enforced(
    org: Org, tmp_path: Path, limit: str, said: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    plan = dumps(await org.plan(scenario("07_everything_at_once")))
    before = judge(plan)["deny"]
    stricter = tmp_path / "stricter.rego"
    stricter.write_text(REGO.read_text(encoding="utf-8").replace(limit, said), encoding="utf-8")
    monkeypatch.setattr(f"{__name__}.REGO", stricter)
    added = set(judge(plan)["deny"]) - set(before)
    name = said.split(" ")[0]
    assert len(added) >= 1, name
