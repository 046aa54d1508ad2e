"""Scoped plans: for every scenario and every NAME (each territory, section and module), with
`--target` and with `--exclude`, the plan either is refused with a message naming what it
would cut, or holds only steps whose every reference is a live id or a step of the plan."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from reconciler.cli import workflow
from reconciler.errors import ScopeError
from reconciler.live import read
from reconciler.model import Frozen, OrgState
from reconciler.plan.build import Plan, build
from reconciler.plan.diff import Changes, diff
from reconciler.plan.partial import SECTIONS, narrow
from reconciler.plan.steps import Ref, RuleWrite
from reconciler.scope import Scope
from tests.harness import Org, scenario

pytestmark = pytest.mark.anyio
CASES = [
    (None, "01_from_nothing"),
    ("01_from_nothing", "02_reorg"),
    ("01_from_nothing", "07_everything_at_once"),
]


def refs(value: Any) -> Iterator[Ref]:
    if isinstance(value, Ref):
        yield value
    elif isinstance(value, Frozen):
        for name in type(value).model_fields:
            yield from refs(getattr(value, name))
    elif isinstance(value, tuple | list):
        for item in value:
            yield from refs(item)


def assert_self_contained(plan: Plan) -> None:
    ids = {s.id for s in plan.steps}
    for step in plan.steps:
        assert set(step.after) <= ids, step
        made = step.rule if isinstance(step, RuleWrite) and step.action == "create_rule" else None
        for ref in refs(step):
            if ref is not made:  # what the step creates has no id yet
                assert ref.id is not None or ref.created_by in ids, (step.id, ref)


def names(live: OrgState, desired: OrgState, changes: Changes) -> list[str]:
    territories = {t.name for t in (*(live.territories or ()), *(desired.territories or ()))}
    modules = {f"sharing_rules.{r.module}" for r in changes.rules}
    modules |= {f"data_sharing.{d.module}" for d in changes.defaults}
    return sorted(territories | modules | set(SECTIONS))


@pytest.mark.parametrize(("before", "after"), CASES, ids=lambda c: str(c))
async def test_a_scoped_plan_never_needs_a_step_outside_its_scope(
    zylker: Org, before: str | None, after: str
) -> None:
    if before is not None:
        await zylker.converge(scenario(before))
    desired = scenario(after).state
    live = await read(zylker.client, Scope.for_config(desired))
    changes = diff(live, desired)
    refused = planned = 0
    for name in names(live, desired, changes):
        for part in ({"targets": [name]}, {"excludes": [name]}):
            try:
                narrowed, partial = narrow(changes, live, desired, **part)
            except ScopeError as exc:
                assert all(" needs " in p and "left out" in p for p in exc.problems), exc
                refused += 1
                continue
            plan = build(live, desired, narrowed)
            assert_self_contained(plan)
            kept = len(plan.changes.territories) + len(plan.changes.members)
            kept += len(plan.changes.defaults) + len(plan.changes.rules)
            total = len(changes.territories) + len(changes.members)
            total += len(changes.defaults) + len(changes.rules)
            assert kept + len(partial.left_out) == total
            planned += 1
    assert planned and (refused or before is None)


async def test_a_name_that_names_nothing_is_refused(zylker: Org) -> None:
    with pytest.raises(ScopeError) as error:
        narrow(
            Changes(),
            OrgState(),
            OrgState(),
            targets=["Atlantis", "sharing_rules.Acounts"],
            excludes=["territories.X"],
        )
    named = [p.split("`")[1] for p in error.value.problems]
    assert named == ["Atlantis", "sharing_rules.Acounts", "territories.X"]


async def test_a_deleted_region_with_a_child_left_out_is_refused_naming_both(zylker: Org) -> None:
    await zylker.converge(scenario("01_from_nothing"))
    desired = scenario("02_reorg").state
    live = await read(zylker.client, Scope.for_config(desired))
    with pytest.raises(ScopeError) as error:
        narrow(diff(live, desired), live, desired, targets=["EMEA"])
    assert "delete territory `EMEA` needs" in str(error.value)


async def test_a_subtree_applied_alone_leaves_the_rest_for_the_next_plan(zylker: Org) -> None:
    await zylker.converge(scenario("01_from_nothing"))
    part = workflow.Part(targets=("Americas",))
    saved = await workflow.make_plan(scenario("02_reorg"), zylker.connection, part=part)
    assert saved.partial is not None and saved.partial.left_out
    assert {c.name for c in saved.plan.changes.territories} == {"North America"}
    report = await workflow.apply_saved(saved, zylker.connection, allow_deletes=True, verify=False)
    assert report.ok
    rest = await zylker.plan(scenario("02_reorg"))
    assert "North America" not in {c.name for c in rest.plan.changes.territories}
    await zylker.converge(scenario("02_reorg"))
