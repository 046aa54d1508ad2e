"""A rollback's records given back their territories (plan/restore.py), through realignment's
calls: before the configuration steps, the manual assignments the rolled-back apply made are
taken away (ten records a call), while their territories exist; after them, once every step
succeeded, the manual assignments it removed are given back by name (a territory the steps
recreated has a new id), then Zoho's Run Rules re-runs the rules the steps put back, where
a record's rule-given territories differ. One report entry per module and phase."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from reconciler.apply.realign import JobTimeout, Waiting, assigned, failures, rules_run
from reconciler.apply.report import ItemReport, Report, StepReport
from reconciler.errors import ApiError
from reconciler.model import name_key
from reconciler.plan.build import Plan
from reconciler.plan.restore import ModuleBack, RecordBack
from reconciler.zoho import wire
from reconciler.zoho.client import ZohoClient

Work = Callable[[], Awaitable[list[ItemReport]]]


async def take_back(plan: Plan, client: ZohoClient) -> tuple[StepReport, ...]:
    """Before the configuration steps: what the apply assigned by hand, taken away."""
    entries: list[StepReport] = []
    for module in plan.restore.modules if plan.restore else ():
        records = [r for r in module.records if r.remove]
        if not records:
            continue

        action = f"take back {module.module} assignments"
        work = _removing(module.module, records, client)
        entries.append(await _entry(client, action, len(records), work, 0))
    return tuple(entries)


async def give_back(
    plan: Plan,
    report: Report,
    taken: tuple[StepReport, ...],
    client: ZohoClient,
    waiting: Waiting | None = None,
) -> Report:
    """After the configuration steps: `taken` (the entries of `take_back`) joins the
    report, then each module's records get their manual assignments and rules back."""
    modules = plan.restore.modules if plan.restore else ()
    if not modules:
        return report
    waiting = waiting or Waiting()
    level = max((s.level for s in report.steps), default=0) + 1
    entries = [*report.steps, *(t.model_copy(update={"step": 0}) for t in taken)]
    ids: dict[str, str] | None = None
    for module in modules:
        action = f"give back {module.module} territories"
        if not report.ok:
            why = "not run: a configuration step failed"
            entries.append(
                StepReport(step=0, level=level, action=action, status="skipped", message=why)
            )
            continue
        if ids is None:
            rows = await client.list_territories(include_criteria=False)
            ids = {name_key(str(t.get("name"))): str(t.get("id")) for t in rows}
        work = _giving(module, ids, client, waiting)
        entries.append(await _entry(client, action, len(module.records), work, level))
    numbered = tuple(e.model_copy(update={"step": n}) for n, e in enumerate(entries, 1))
    return report.model_copy(update={"steps": numbered})


def _removing(module: str, records: list[RecordBack], client: ZohoClient) -> Work:
    async def work() -> list[ItemReport]:
        items = [wire.territory_items(r.id, r.remove) for r in records]
        return failures([r.id for r in records], await client.records.remove(module, items))

    return work


def _giving(module: ModuleBack, ids: dict[str, str], client: ZohoClient, waiting: Waiting) -> Work:
    async def work() -> list[ItemReport]:
        wanted = {
            r.id: {ids[name_key(t)] for t in r.assign if name_key(t) in ids}
            for r in module.records
            if r.assign
        }
        failed = await assigned(module.module, wanted, client, waiting) if wanted else []
        if module.run_rules:
            await rules_run(module.module, client, waiting)
        return failed

    return work


async def _entry(client: ZohoClient, action: str, count: int, work: Work, level: int) -> StepReport:
    started = client.session.clock()
    try:
        failed = await work()
    except (ApiError, JobTimeout) as error:
        status, message, failed = "failed", str(error), []
    else:
        status = "failed" if failed else "done"
        message = f"{count - len(failed):,} of {count:,} records given back"
    return StepReport(
        step=0,
        level=level,
        action=action,
        status=status,
        message=message,
        items=tuple(failed),
        seconds=round(client.session.clock() - started, 3),
    )
