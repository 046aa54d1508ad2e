"""Realignment after apply: manual assignment in batches with Zoho's scheduled jobs waited
out, Run Rules polled, and every failure (the cap, a job that never ends, a failed
configuration step) reported rather than half-applied."""

from __future__ import annotations

import pytest

from reconciler.apply.realign import realign
from reconciler.apply.report import Report, StepReport
from reconciler.cli import workflow
from reconciler.sandbox import SandboxSettings
from tests.harness import failures, open_org, yaml

pytestmark = pytest.mark.anyio

TREE = """
    territories:
      name: Zylker
      children:
        - name: North America
          account_rule: {field: Billing_Country, in: [USA, Canada]}
        - name: Europe
          account_rule: {field: Billing_Country, in: [Germany, France]}
    realign: {Accounts: %s}
"""


async def test_assign_waits_for_scheduled_jobs_and_reports_the_records() -> None:
    settings = SandboxSettings(schedule_territory_jobs=True, territory_job_s=5.0)
    async with open_org(settings) as org:
        saved = await workflow.make_plan(yaml(TREE % "assign"), org.connection)
        report = await workflow.apply_saved(saved, org.connection, allow_deletes=False)
        assert report.ok, failures(report)
        entry = report.steps[-1]
        assert (entry.action, entry.message) == (
            "realign Accounts (assign)",
            "4 of 4 records realigned",
        )
        async with org.http() as http:
            params = {"fields": "Account_Name,Territories"}
            rows = (await http.get("/crm/v8/Accounts", params=params)).json()["data"]
        held = {
            r["Account_Name"]: [(t["Name"], t["$assigned"]) for t in r["Territories"]] for r in rows
        }
        assert held["Acme Rockets"] == [("North America", "manually")]
        assert org.time.sleeps  # the scheduled assignment was waited for


async def test_a_record_filled_up_meanwhile_is_a_reported_failure() -> None:
    async with open_org() as org:
        await org.converge(yaml(TREE.replace("realign: {Accounts: %s}", "")))
        saved = await workflow.make_plan(yaml(TREE % "assign"), org.connection)
        # Behind the plan's back, Acme gets ten territories by hand: no room for the rule's.
        async with org.http() as http:
            root = {"id": await org.territory_id("Zylker")}
            hands = [
                {"name": f"Hand {n}", "reporting_to": root, "permission_type": "read_only"}
                for n in range(10)
            ]
            await http.post("/crm/v8/settings/territories", json={"territories": hands})
        for n in range(10):
            await org.assign("Accounts", "Account_Name", "Acme Rockets", f"Hand {n}")
        # (As if it happened after apply checked the plan against the org.)
        report = await workflow.apply_saved(
            saved, org.connection, allow_deletes=False, verify=False
        )
        entry = report.steps[-1]
        assert entry.status == "failed"
        assert entry.message == "3 of 4 records realigned"
        assert [(i.code, i.message) for i in entry.items] == [
            ("LIMIT_EXCEEDED", "Maximum limit of territories for that record exceeds")
        ]


async def test_a_run_rules_job_that_never_finishes_fails_its_entry() -> None:
    async with open_org(SandboxSettings(territory_job_s=1e9)) as org:
        report = await org.apply(yaml(TREE % "full"))
        entry = report.steps[-1]
        assert entry.status == "failed"
        assert entry.message is not None and "did not finish within 900 s" in entry.message
        assert all(s.status == "done" for s in report.steps[:-1])


async def test_no_realignment_after_a_failed_configuration_step() -> None:
    async with open_org() as org:
        saved = await workflow.make_plan(yaml(TREE % "full"), org.connection)
        failed = StepReport(step=1, level=1, action="create territories", status="failed")
        report = await realign(saved.plan, Report(steps=(failed,), seconds=0.0), org.client)
        assert [(s.status, s.message) for s in report.steps] == [
            ("failed", None),
            ("skipped", "not run: a configuration step failed"),
        ]
