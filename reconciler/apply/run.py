"""Execute a plan: every step once, as soon as the steps it waits for have succeeded.

A step starts when all the steps in its `after` are done; steps that are ready run
concurrently (the client bounds how many calls are in flight). That never waits longer
than running the plan level by level, and lets a long chain of rule writes in one module
proceed beside the territory work. When more calls are ready than may be in flight, those of
the steps with the longest chain still waiting on them go first (`slots.PRIORITY`), so a
rule chain is not held up behind hundreds of independent membership calls.

When a step fails, every step that waits on it, directly or not, is skipped; independent
work continues. Ids of territories and rules created earlier in the run are resolved for the
steps that use them. Nothing here decides what to change: that was the plan.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from reconciler.apply.calls import Calls, ItemOutcome, Unresolved, call_for
from reconciler.apply.recheck import Recheck
from reconciler.apply.report import ItemReport, Listener, Report, Silent, StepReport
from reconciler.errors import ApiError, AuthError
from reconciler.plan.build import Plan
from reconciler.plan.steps import Step
from reconciler.zoho.slots import PRIORITY

log = logging.getLogger(__name__)
# The accounts server's refusals of the client or its refresh token: no later call can work.
REFUSED_CREDENTIALS = ("invalid_code", "invalid_client")
CHANGED = "CHANGED_DURING_APPLY"  # our code for a step refused by its re-check


@dataclass
class _Run:
    plan: Plan
    client: Calls
    listener: Listener
    created: dict[tuple[int, str], str] = field(default_factory=dict)
    reports: dict[int, StepReport] = field(default_factory=dict)
    clock: Callable[[], float] = time.monotonic
    aborted: str | None = None  # why no further step can succeed (the credentials refused)
    recheck: Recheck | None = None  # what each step writes is read again just before it


async def execute(
    plan: Plan,
    client: Calls,
    listener: Listener | None = None,
    clock: Callable[[], float] = time.monotonic,
    recheck: Recheck | None = None,
) -> Report:
    """Run every step of `plan` against `client`; never raises for a failed step. With
    `recheck`, a step whose objects someone else changed since the plan is not sent
    (`recheck`), and what changed is the report's `interference`."""
    run = _Run(plan, client, listener or Silent(), clock=clock, recheck=recheck)
    start = clock()
    finished: dict[int, asyncio.Event] = {s.id: asyncio.Event() for s in plan.steps}
    chains = chain_below(plan.steps)
    async with asyncio.TaskGroup() as group:
        for step in plan.steps:
            group.create_task(_when_ready(run, step, finished, chains[step.id]))
    ordered = tuple(run.reports[s.id] for s in plan.steps)
    changed = tuple(recheck.found) if recheck is not None else ()
    return Report(steps=ordered, seconds=round(clock() - start, 3), interference=changed)


def chain_below(steps: tuple[Step, ...]) -> dict[int, int]:
    """For each step, the length of the longest chain of steps that waits on it (0 when
    none does): the priority of its calls."""
    below: dict[int, int] = {s.id: 0 for s in steps}
    for step in sorted(steps, key=lambda s: s.level, reverse=True):
        for dep in step.after:
            below[dep] = max(below[dep], below[step.id] + 1)
    return below


async def _when_ready(
    run: _Run, step: Step, finished: dict[int, asyncio.Event], priority: int
) -> None:
    PRIORITY.set(priority)  # this step's task only: its calls and polls inherit it
    try:
        for dep in step.after:
            await finished[dep].wait()
        blocked = [d for d in step.after if run.reports[d].status != "done"]
        if run.aborted is not None:
            run.reports[step.id] = _skipped(step, f"not attempted: {run.aborted}")
            run.listener.finished(step, run.reports[step.id])
        elif blocked:
            run.reports[step.id] = _skipped(
                step, f"waits for step {blocked[0]}, which did not succeed"
            )
            run.listener.finished(step, run.reports[step.id])
        else:
            run.listener.started(step)
            run.reports[step.id] = await _run_step(run, step)
            run.listener.finished(step, run.reports[step.id])
    finally:
        finished[step.id].set()


async def _run_step(run: _Run, step: Step) -> StepReport:
    begin = run.clock()
    try:
        call = call_for(step, run.created)
    except Unresolved as exc:
        return _skipped(step, str(exc))
    try:
        changed = await run.recheck.changed(step) if run.recheck is not None else []
        if changed:
            return _refused(step, changed, round(run.clock() - begin, 3))
        outcomes = await call(run.client)
    except ApiError as exc:
        log.warning("apply: step %d (%s) failed: %s", step.id, step.action.value, exc)
        if isinstance(exc, AuthError) and exc.code in REFUSED_CREDENTIALS:
            run.aborted = f"the accounts server refused the credentials ({exc.code})"
        return StepReport(
            step=step.id,
            level=step.level,
            action=step.action.value,
            status="failed",
            code=exc.code or (f"HTTP_{exc.status}" if exc.status else None),
            message=str(exc),
            seconds=round(run.clock() - begin, 3),
        )
    _remember(run, step, outcomes)
    items = tuple(
        ItemReport(label=o.label, ok=o.ok, code=o.code, message=o.message) for o in outcomes
    )
    failed = next((o for o in outcomes if not o.ok), None)
    return StepReport(
        step=step.id,
        level=step.level,
        action=step.action.value,
        status="failed" if failed else "done",
        code=failed.code if failed else None,
        message=failed.message if failed else None,
        items=items,
        seconds=round(run.clock() - begin, 3),
    )


def _remember(run: _Run, step: Step, outcomes: list[ItemOutcome]) -> None:
    """Keep the ids Zoho gave to what this step created, for the steps that use them."""
    for outcome in outcomes:
        if outcome.ok and outcome.created_id is not None:
            run.created[(step.id, outcome.label)] = outcome.created_id


def _refused(step: Step, changed: list[str], seconds: float) -> StepReport:
    """Not sent: what the step would overwrite was changed by someone else."""
    message = f"changed by someone else during this apply: {'; '.join(changed)}"
    return StepReport(
        step=step.id,
        level=step.level,
        action=step.action.value,
        status="failed",
        code=CHANGED,
        message=message,
        seconds=seconds,
    )


def _skipped(step: Step, why: str) -> StepReport:
    return StepReport(
        step=step.id, level=step.level, action=step.action.value, status="skipped", message=why
    )
