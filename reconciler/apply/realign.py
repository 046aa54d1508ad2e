"""Realignment, after the configuration steps: move the records the plan named to where
the rules now put them (docs/record-impact.md).

- `full`: first the manual assignments an earlier realignment made that the rules no longer
  give are removed, then Zoho's Run Rules re-runs the module's rules over its records (a
  job, polled until it is done); rule-given territories are recomputed, contacts and deals
  follow their accounts, other manual assignments stay.
- `assign`: the territories the rules now give are assigned by hand, ten records a call;
  an answer that Zoho scheduled the work (202 SCHEDULED) is waited out by reading the
  records back until the territories show.

Every record that fails (the cap, a record deleted meanwhile) is an item of the module's
report entry; a job that does not finish in time fails the entry. Nothing is retried blind."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from reconciler.apply.report import ItemReport, Report, StepReport
from reconciler.errors import ApiError
from reconciler.model import Realign, name_key
from reconciler.plan.build import Plan
from reconciler.plan.impact import ModuleImpact
from reconciler.zoho import wire
from reconciler.zoho.client import ZohoClient
from reconciler.zoho.responses import ItemResult

T = TypeVar("T")
JOB_TIMEOUT_S = 900.0
FIRST_POLL_S, MAX_POLL_S = 2.0, 30.0
DONE, FAILED = "COMPLETED", "FAILED"


class JobTimeout(Exception):
    pass


@dataclass
class Waiting:
    """How long to wait for Zoho's jobs, and how to sleep (tests pass a fake)."""

    timeout_s: float = JOB_TIMEOUT_S
    first_poll_s: float = FIRST_POLL_S


async def realign(
    plan: Plan, report: Report, client: ZohoClient, waiting: Waiting | None = None
) -> Report:
    """Run the plan's realignments and add one report entry per module."""
    modules = [m for m in (plan.records.modules if plan.records else ()) if m.realign]
    if not modules:
        return report
    waiting = waiting or Waiting()
    level = max((s.level for s in report.steps), default=0) + 1
    entries = list(report.steps)
    ids: dict[str, str] | None = None
    for module in modules:
        step = len(entries) + 1
        if not report.ok:
            why = "not run: a configuration step failed"
            entries.append(
                StepReport(
                    step=step, level=level, action=_action(module), status="skipped", message=why
                )
            )
            continue
        if ids is None:
            rows = await client.list_territories(include_criteria=False)
            ids = {name_key(str(t.get("name"))): str(t.get("id")) for t in rows}
        entries.append(await _module(module, ids, client, waiting, step, level))
    return Report(steps=tuple(entries), seconds=report.seconds)


def _action(module: ModuleImpact) -> str:
    return f"realign {module.module} ({module.realign.value if module.realign else ''})"


async def _module(
    module: ModuleImpact,
    ids: dict[str, str],
    client: ZohoClient,
    waiting: Waiting,
    step: int,
    level: int,
) -> StepReport:
    started = client.session.clock()
    try:
        if module.realign is Realign.full:
            failed = await _full(module, ids, client, waiting)
        else:
            failed = await _assign(module, ids, client, waiting)
    except (ApiError, JobTimeout) as error:
        return StepReport(
            step=step,
            level=level,
            action=_action(module),
            status="failed",
            message=str(error),
            seconds=round(client.session.clock() - started, 3),
        )
    done = len(module.changes) - len(failed)
    return StepReport(
        step=step,
        level=level,
        action=_action(module),
        status="failed" if failed else "done",
        message=f"{done:,} of {len(module.changes):,} records realigned",
        items=tuple(failed),
        seconds=round(client.session.clock() - started, 3),
    )


async def _full(
    module: ModuleImpact, ids: dict[str, str], client: ZohoClient, waiting: Waiting
) -> list[ItemReport]:
    undo = [c for c in module.changes if c.remove]
    items = [wire.territory_items(c.id, [ids[name_key(t)] for t in c.remove]) for c in undo]
    results = await client.records.remove(module.module, items) if items else []
    failed = failures([c.id for c in undo], results)
    await rules_run(module.module, client, waiting)
    return failed


async def rules_run(module: str, client: ZohoClient, waiting: Waiting) -> None:
    """Zoho's Run Rules over every record of `module`, waited out; JobTimeout if it fails."""
    job = await client.records.run_rules(wire.run_rules_body(module))
    status = await until(
        lambda: client.records.rules_job(job),
        lambda s: s in (DONE, FAILED),
        client,
        waiting,
        f"Run Rules job {job}",
    )
    if status == FAILED:
        raise JobTimeout(f"Zoho's Run Rules job {job} for {module} failed")


async def _assign(
    module: ModuleImpact, ids: dict[str, str], client: ZohoClient, waiting: Waiting
) -> list[ItemReport]:
    adding = [c for c in module.changes if c.add]
    wanted = {c.id: {ids[name_key(t)] for t in c.add if name_key(t) in ids} for c in adding}
    return await assigned(module.module, wanted, client, waiting)


async def assigned(
    module: str, wanted: dict[str, set[str]], client: ZohoClient, waiting: Waiting
) -> list[ItemReport]:
    """Assign each record (by id) its territories (by id) by hand, ten records a call; an
    answer that Zoho scheduled the work is waited out by reading the records back."""
    records = list(wanted)
    items = [wire.territory_items(i, sorted(wanted[i])) for i in records]
    results = await client.records.assign(module, items)
    scheduled = [
        i for i, r in zip(records, results, strict=False) if r.ok and r.code == "SCHEDULED"
    ]
    if scheduled:
        fields = [wire.TERRITORIES_FIELD]

        async def landed() -> bool:
            rows = await client.records.by_ids(module, scheduled, fields)
            held = {str(r.get("id")): wire.held_territory_ids(r) for r in rows}
            return all(wanted[i] <= held.get(i, set()) for i in scheduled)

        await until(
            landed, bool, client, waiting, f"scheduled assignment of {len(scheduled)} records"
        )
    return failures(records, results)


def failures(records: list[str], results: list[ItemResult]) -> list[ItemReport]:
    """The records (by id) whose call failed; a territory already there is the goal met."""
    return [
        ItemReport(label=i, ok=False, code=r.code, message=r.message)
        for i, r in zip(records, results, strict=False)
        if not r.ok and not (r.code == "DUPLICATE_DATA")
    ]


async def until(
    poll: Callable[[], Awaitable[T]],
    done: Callable[[T], bool],
    client: ZohoClient,
    waiting: Waiting,
    what: str,
) -> T:
    """Poll until `done`, backing off from `first_poll_s` to 30 s; JobTimeout past the
    timeout."""
    session = client.session
    start, pause = session.clock(), waiting.first_poll_s
    while True:
        value = await poll()
        if done(value):
            return value
        if session.clock() - start + pause > waiting.timeout_s:
            raise JobTimeout(f"the {what} did not finish within {waiting.timeout_s:.0f} s")
        await session.sleep(pause)
        pause = min(pause * 2, MAX_POLL_S)
