"""Rollback gives records back their territories: a reorg applied with realignment (accounts
`full`, leads `assign`) and rolled back leaves every account, contact, deal and lead holding
the territories it held before, each assigned as it was (by hand or by the rules), read over
plain HTTP rather than by reconciler's own code."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from reconciler.apply.report import Report, StepReport
from reconciler.apply.restore import give_back
from reconciler.cli import workflow
from reconciler.config.snapshot import loads
from reconciler.plan.build import Plan, Summary
from reconciler.plan.diff import Changes
from reconciler.plan.file import dumps
from reconciler.plan.file import loads as plan_loads
from reconciler.plan.restore import ModuleBack, RecordsBack
from reconciler.render.text import plan_text
from tests.harness import Org
from tests.test_records_scenario import AFTER, BEFORE, MODULES, record_org, records, yaml
from tests.test_rollback import always, apply_with_snapshot, roll_back, silent

pytestmark = pytest.mark.anyio
Held = dict[str, dict[str, set[tuple[str, bool]]]]


def realigning(text: str, modes: str) -> str:
    return text.replace("realign: {Accounts: full, Leads: full}", f"realign: {modes}")


async def held(org: Org) -> Held:
    """Every record's territories, each with whether it was assigned by hand."""
    found = await records(org)
    return {
        m: {i: {(n, n in r["_manual"]) for n in r["_held"]} for i, r in found[m].items()}
        for m in MODULES
    }


async def test_a_realigned_reorg_rolled_back_gives_every_record_its_territories_back(
    tmp_path: Path,
) -> None:
    async with record_org() as org:
        # Records held by hand by reconciler (an earlier `assign`), then by the rules.
        await org.converge(yaml(realigning(BEFORE, "{Accounts: assign, Leads: assign}")))
        await org.converge(yaml(BEFORE))
        before = await held(org)
        reorg = yaml(realigning(AFTER, "{Accounts: full, Leads: assign}"))
        snapshot = await apply_with_snapshot(org, reorg, tmp_path)
        moved = await held(org)
        changed = {m: {i for i in before[m] if before[m][i] != moved[m][i]} for m in MODULES}
        assert all(changed.values()), "the reorg moves records of every module"
        _, meta = loads(snapshot.read_text(encoding="utf-8"), str(snapshot))
        assert set(meta.records) == {"Accounts", "Leads"}

        org.sandbox.reset_stats()
        plan = await workflow.rollback_plan(
            snapshot.read_text(encoding="utf-8"), str(snapshot), org.connection
        )
        # The records are read again, 100 a call: the fewest the record API allows.
        log = org.sandbox.stats()["log"]
        lists = {f"/crm/v8/{module}" for module in meta.records}
        reads = [e for e in log if e["method"] == "GET" and e["path"] in lists]
        assert len(reads) == sum(-(-len(r) // 100) for r in meta.records.values())
        restore = plan.plan.restore
        assert restore is not None
        modules = {m.module: m for m in restore.modules}
        assert modules["Accounts"].run_rules  # the rules changed the accounts' territories
        assert any(r.assign for r in modules["Accounts"].records)  # `full` took these away
        assert any(r.remove for r in modules["Leads"].records)  # `assign` gave these

        # `rollback --plan-only` shows it, and its plan file carries it to `apply`.
        assert plan_loads(dumps(plan), "back.plan.json").plan.restore == restore
        shown = io.StringIO()
        plan_text(plan.plan, shown, color=False)
        assert "Records given back" in shown.getvalue()

        await roll_back(org, snapshot)
        assert await held(org) == before


async def test_records_are_not_given_back_after_a_configuration_step_failed(zylker: Org) -> None:
    back = RecordsBack(modules=(ModuleBack(module="Accounts", run_rules=True),))
    plan = Plan(summary=Summary(), changes=Changes(), steps=(), restore=back)
    step = StepReport(step=1, level=1, action="create_territories", status="failed")
    report = await give_back(plan, Report(steps=(step,), seconds=0.0), (), zylker.client)
    assert [(s.step, s.status) for s in report.steps] == [(1, "failed"), (2, "skipped")]


async def test_a_snapshot_of_realigned_records_costs_no_api_call(tmp_path: Path) -> None:
    """The records' territories come from the plan's own record reads."""
    calls = []
    for snapshots in (None, tmp_path):
        async with record_org() as org:
            await org.converge(yaml(BEFORE))
            org.sandbox.reset_stats()
            report = await workflow.apply_config(
                yaml(realigning(AFTER, "{Accounts: full, Leads: assign}")),
                org.connection,
                gate=workflow.Gate(True, always, silent, snapshots),
            )
            assert report is not None and report.ok
            assert (report.snapshot is None) == (snapshots is None)
            calls.append(org.sandbox.stats()["calls"])
    assert calls[0] == calls[1]


async def test_a_refused_run_rules_fails_its_entry_and_says_why(zylker: Org) -> None:
    back = RecordsBack(modules=(ModuleBack(module="Accounts", run_rules=True),))
    plan = Plan(summary=Summary(), changes=Changes(), steps=(), restore=back)
    zylker.sandbox.faults.fail_nth_write(1, 400, "INVALID_DATA", "refused")
    report = await give_back(plan, Report(steps=(), seconds=0.0), (), zylker.client)
    (entry,) = report.steps
    assert (entry.action, entry.status) == ("give back Accounts territories", "failed")
    assert "refused" in (entry.message or "")
