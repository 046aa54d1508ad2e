"""apply.execute against a sandbox org through the real client: steps run once their
prerequisites succeeded, independent calls in parallel up to the concurrency limit, ids of
what the run created resolved for later steps, failures skip exactly their dependents,
CANNOT_PROCESS and 429 waited out within bounds, and territories with children or records
removed by transfer-and-delete."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any

import pytest

from reconciler.apply.run import Report, StepReport, execute
from reconciler.cli import workflow
from reconciler.plan.build import Plan
from reconciler.plan.steps import Step
from reconciler.sandbox import SandboxSettings
from reconciler.zoho.retry import RetryPolicy
from tests.harness import POLICY, Org, failures, open_org, scenario

pytestmark = pytest.mark.anyio


@dataclass
class Recorder:
    """A progress listener remembering the order steps started and finished in."""

    events: list[tuple[str, int]] = field(default_factory=list)

    def started(self, step: Step) -> None:
        self.events.append(("start", step.id))

    def finished(self, step: Step, report: StepReport) -> None:
        self.events.append(("end", step.id))


async def test_a_step_starts_only_after_what_it_waits_for_has_finished(zylker: Org) -> None:
    saved = await zylker.plan(scenario("01_from_nothing"))
    recorder = Recorder()
    report = await execute(saved.plan, zylker.client, recorder)
    assert report.ok, failures(report)
    at = {event: index for index, event in enumerate(recorder.events)}
    for step in saved.plan.steps:
        assert all(at[("end", d)] < at[("start", step.id)] for d in step.after)
    assert saved.plan.summary.levels == 3  # parents, then children, then their members
    assert (await zylker.plan(scenario("01_from_nothing"))).plan.empty


async def test_independent_calls_run_in_parallel_up_to_the_limit() -> None:
    settings = SandboxSettings(latency_s=0.01, rule_recompute_s=30)
    async with open_org(settings=settings, concurrency=3) as org:
        report = await org.apply(scenario("01_from_nothing"))
        assert report.ok, failures(report)
        assert org.client.stats.peak_in_flight == 3
        assert org.sandbox.stats()["peak_concurrency"] == 3


def skipped_only_below(plan: Plan, report: Report) -> None:
    """Every skipped step waits, directly or not, for a failed one; nothing else is."""
    by_id = {s.id: s for s in plan.steps}
    failed = {s.step for s in report.steps if s.status == "failed"}

    def below_a_failure(step_id: int) -> bool:
        return any(d in failed or below_a_failure(d) for d in by_id[step_id].after)

    for step in report.steps:
        assert (step.status == "skipped") == (
            step.status != "failed" and below_a_failure(step.step)
        )


async def test_a_failure_skips_its_dependents_and_the_rest_goes_on() -> None:
    async with open_org() as org:  # injected faults: held to deviation D26 only
        org.sandbox.faults.fail_endpoint(
            "POST", "/crm/v8/settings/territories", 400, "INVALID_DATA", "refused", times=None
        )
        saved = await org.plan(scenario("01_from_nothing"))
        report = await execute(saved.plan, org.client)
        (failed,) = [s for s in report.steps if s.status == "failed"]
        assert (failed.action, failed.code) == ("create_territories", "INVALID_DATA")
        assert "refused" in (failed.message or "")
        skipped_only_below(saved.plan, report)
        done = {s.action for s in report.steps if s.status == "done"}
        assert done == {"set_defaults", "create_rule"}  # independent of the territories
        org.sandbox.faults.clear()
        await org.converge(scenario("01_from_nothing"))


async def test_a_rule_chain_waits_out_a_realistic_recomputation(zylker: Org) -> None:
    """Zoho recomputes a module's sharing for minutes after each rule write; the next write
    to that module polls until it is done, in bounded, growing waits."""
    zylker.sandbox.configure(rule_recompute_s=150)
    saved = await zylker.plan(scenario("04_rules"))
    chained = [s for s in saved.plan.steps if getattr(s, "module", None) == "Accounts"]
    assert len(chained) == 3  # two creates and a deactivation, one after the other
    report = await workflow.apply_saved(saved, zylker.connection, allow_deletes=False)
    assert report.ok, failures(report)
    assert zylker.client.stats.polls >= len(chained) - 1
    assert zylker.time.now >= 150 * (len(chained) - 1)
    assert max(zylker.time.sleeps) <= POLICY.max_delay
    assert (await zylker.plan(scenario("04_rules"))).plan.empty


async def test_recomputation_beyond_the_bound_fails_that_chain_only() -> None:
    policy = RetryPolicy(attempts=3, base_delay=0.5, max_delay=4.0, recompute_wait=60)
    settings = SandboxSettings(rule_recompute_s=600)
    async with open_org(settings=settings, retry=policy) as org:
        report = await org.apply(scenario("04_rules"))
        failed = [s for s in report.steps if s.status == "failed"]
        assert failed and {s.code for s in failed} == {"CANNOT_PROCESS"}
        assert all("run apply again later" in (s.message or "") for s in failed)
        assert org.time.now < 600  # gave up within the bound, per chain
        assert report.count("done") == 2  # each module's first write went through
        org.sandbox.configure(rule_recompute_s=1)
        org.time.sandbox_clock.advance(600)
        await org.converge(scenario("04_rules"))


async def test_429s_are_waited_out() -> None:
    """More calls in flight than the org allows: Zoho's 429s are retried after real (short)
    waits until the calls go through."""
    settings = SandboxSettings(concurrency_limit=2, latency_s=0.005, rule_recompute_s=0)
    policy = RetryPolicy(attempts=20, base_delay=0.01, max_delay=0.05, total_time=30)
    clock: dict[str, Any] = {"sleep": asyncio.sleep, "clock": time.monotonic}
    async with open_org(settings=settings, concurrency=8, retry=policy, **clock) as org:
        await org.converge(scenario("01_from_nothing"))
        assert org.client.stats.retries > 0
        assert 429 in [e["status"] for e in org.sandbox.stats()["log"]]


async def test_server_errors_on_writes_that_can_be_resent_are_retried_in_the_run() -> None:
    async with open_org() as org:
        await org.converge(scenario("02_reorg"))
        org.sandbox.faults.fail_endpoint(
            "PUT", "/crm/v8/settings/territories/*/users", 500, times=3
        )
        org.sandbox.faults.fail_endpoint("PUT", "/crm/v8/settings/territories", 503, times=1)
        report = await org.converge(scenario("03_memberships"))
        assert org.client.stats.retries == 4
        assert {s.action for s in report.steps} >= {"add_users_to_territory", "update_territories"}


async def test_a_region_with_children_and_records_is_transferred_then_deleted(
    zylker: Org,
) -> None:
    await zylker.converge(scenario("01_from_nothing"))
    rhein = await zylker.assign("Accounts", "Account_Name", "Rhein Werkzeug", "EMEA")
    lumiere = await zylker.assign("Accounts", "Account_Name", "Lumiere Studios", "Southern Europe")
    zylker.sandbox.reset_stats()
    await zylker.converge(scenario("02_reorg"))  # EMEA and Southern Europe go
    assert await zylker.record_territories("Accounts", rhein) == ["Zylker"]
    assert await zylker.record_territories("Accounts", lumiere) == ["Zylker"]
    deletes = {k: n for k, n in zylker.writes().items() if "DELETE" in k or "transfer" in k}
    # Southern Europe first, then its parent: never a plain delete
    assert deletes == {"POST /crm/v8/settings/territories/actions/transfer_and_delete": 2}
