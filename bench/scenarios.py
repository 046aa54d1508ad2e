"""The scenarios, each against a fresh copy of its starting org served from its own process
at a fixed latency per call and the Enterprise concurrency limit, reached through the real
client (`workflow.connect` with ZOHO_API_DOMAIN/ZOHO_ACCOUNTS_URL and the sandbox's demo
credentials):

1. rollout: the whole desired org into an org that has only users, roles and groups;
2. reorg: a 10% reorganisation of the rolled-out org (`orgs.reorg`);
3. no-op: plan again after the reorg (must be empty: this is also the convergence check);
4. export: the whole reorganised org written out as YAML.

For each: the read calls of `plan` against `bounds.read_bound`, the write calls of `apply`
against `bounds.write_bound`, the apply's wall time against `bounds.critical_path`, and the
same change done by the two baselines (`baselines`) from the same starting org.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench import baselines, bounds
from bench.generate import Generated, Size
from bench.measure import Recorder
from bench.server import Served, copy, create, serve
from reconciler.apply.run import execute
from reconciler.cli import workflow
from reconciler.config import names
from reconciler.live import read
from reconciler.model import OrgState
from reconciler.plan.build import Plan, build
from reconciler.plan.diff import diff
from reconciler.scope import Scope
from reconciler.zoho.client import ZohoClient
from reconciler.zoho.retry import DEFAULT_POLICY


@dataclass(frozen=True)
class Setup:
    """Where the databases go, and the org's latency, concurrency limit and sharing
    recomputation window; `budget` bounds each kind of object in a baseline (seconds)."""

    workdir: Path
    latency: float = 0.1
    concurrency: int = 20
    window: float = 1.0
    budget: float | None = 10.0
    retry_scale: float = 1.0  # the client's waits and time limits (fast mode: milliseconds)

    def settings(self, size: Size) -> dict[str, Any]:
        return {
            "latency_s": self.latency,
            "concurrency_limit": self.concurrency,
            "rule_recompute_s": self.window,
            "territory_cap": max(250, size.territories),
            "users_per_territory_cap": max(100, size.max_members),
        }


@dataclass
class Reading:
    """A plan's (or export's) reads: calls, their lower bound, wall time, and the CPU time of
    what follows the reads (name checks, diff, plan), by endpoint."""

    calls: int
    bound: int
    seconds: float
    by_endpoint: dict[str, int]
    cpu: float = 0.0


@dataclass
class Applying:
    steps: int
    levels: int
    writes: int
    bound: int
    writes_by_kind: dict[str, int]
    bound_by_kind: dict[str, int]
    polls: int
    retries: int
    seconds: float
    critical_path: float
    strict_bound: float
    peak_in_flight: int
    failed_steps: int
    server_calls: int
    client_calls: int


@dataclass
class Scenario:
    name: str
    plan: Reading
    summary: dict[str, int] = field(default_factory=dict)
    apply: Applying | None = None
    converged: bool | None = None
    baselines: dict[str, baselines.Figures] = field(default_factory=dict)


@dataclass
class _Planned:
    reading: Reading
    live: OrgState
    plan: Plan
    scope: Scope


def _calls(client: ZohoClient) -> dict[str, int]:
    return dict(client.stats.calls)


def _since(client: ZohoClient, before: dict[str, int]) -> dict[str, int]:
    now = client.stats.calls
    return {k: n - before.get(k, 0) for k, n in sorted(now.items()) if n - before.get(k, 0)}


async def plan_once(client: ZohoClient, desired: OrgState, record: Path | None = None) -> _Planned:
    """What `workflow.make_plan` does (read what is managed, check names, diff, build),
    keeping the live state for the bounds; `record` saves the answers `read` got."""
    before, started = _calls(client), time.monotonic()
    scope = Scope.for_config(desired)
    reader = Recorder(client) if record else client
    live = await read(reader, scope)  # type: ignore[arg-type]
    seconds = time.monotonic() - started
    if record is not None and isinstance(reader, Recorder):
        reader.save(record)
    cpu = time.process_time()
    names.check(desired, live, {})
    plan = build(live, desired, diff(live, desired))
    cpu = time.process_time() - cpu
    calls = _since(client, before)
    reading = Reading(sum(calls.values()), bounds.read_bound(live, scope), seconds, calls, cpu)
    return _Planned(reading, live, plan, scope)


async def apply_once(
    client: ZohoClient, server: Served, planned: _Planned, setup: Setup
) -> Applying:
    server.stats(clear=True)
    before, polls, retries = _calls(client), client.stats.polls, client.stats.retries
    started = time.monotonic()
    report = await execute(planned.plan, client)
    seconds = time.monotonic() - started
    calls = _since(client, before)
    log = server.stats()
    writes = {k: n for k, n in calls.items() if not k.startswith("GET ")}
    bound = bounds.write_bound(planned.plan.changes, planned.live)
    steps = planned.plan.steps
    return Applying(
        steps=len(steps),
        levels=max((s.level for s in steps), default=0),
        writes=sum(writes.values()),
        bound=sum(bound.values()),
        writes_by_kind=bounds.writes_by_kind(writes),
        bound_by_kind=bound,
        polls=client.stats.polls - polls,
        retries=client.stats.retries - retries,
        seconds=seconds,
        critical_path=bounds.critical_path(steps, setup.latency, setup.concurrency, setup.window),
        strict_bound=bounds.strict_bound(steps, setup.latency, setup.concurrency, setup.window),
        peak_in_flight=int(log["peak_concurrency"]),
        failed_steps=report.count("failed") + report.count("skipped"),
        server_calls=sum(
            e["count"] for t, e in log["endpoints"].items() if t.split(" ")[-1].startswith("/crm/")
        ),
        client_calls=sum(calls.values()),
    )


def _fresh(setup: Setup, start: Path) -> Path:
    """A copy of the org in `start` to run on, once no recomputation window its last
    writes opened can still be running."""
    db = setup.workdir / "run.sqlite3"
    copy(start, db)
    time.sleep(max(0.0, setup.window - (time.time() - start.stat().st_mtime)))
    return db


def _options(setup: Setup) -> workflow.Options:
    retry = DEFAULT_POLICY.scaled(setup.retry_scale)
    return workflow.Options(allow_custom_domain=True, concurrency=setup.concurrency, retry=retry)


@dataclass
class ToolRun:
    scenario: Scenario
    planned: _Planned
    after: _Planned | None = None
    export: Reading | None = None


def tool_run(
    setup: Setup,
    size: Size,
    start: Path,
    name: str,
    desired: OrgState,
    end: Path | None = None,
    record: Path | None = None,
    export: bool = False,
) -> ToolRun:
    """Plan and apply `desired` on a copy of `start`, plan again (convergence), optionally
    export; the org as it ends is kept in `end`."""
    db = _fresh(setup, start)
    with serve(db, setup.settings(size)) as server:
        result = asyncio.run(_tool(server, setup, name, desired, record, export))
    if end is not None:
        copy(db, end)
    return result


async def _tool(
    server: Served, setup: Setup, name: str, desired: OrgState, record: Path | None, export: bool
) -> ToolRun:
    async with workflow.connect(server.env, _options(setup)) as connection:
        client = connection.client
        planned = await plan_once(client, desired, record)
        scenario = Scenario(name, planned.reading, _summary(planned.plan))
        run = ToolRun(scenario, planned)
        if planned.plan.empty:
            return run
        scenario.apply = await apply_once(client, server, planned, setup)
        run.after = await plan_once(client, desired)
        scenario.converged = run.after.plan.empty
        if export:
            before, started = _calls(client), time.monotonic()
            await workflow.export_org(connection, workflow.SECTIONS)
            calls = _since(client, before)
            bound = bounds.read_bound(run.after.live, Scope.everything(), every_member=True)
            seconds = time.monotonic() - started
            run.export = Reading(sum(calls.values()), bound, seconds, calls)
    return run


def _summary(plan: Plan) -> dict[str, int]:
    keep = plan.summary.model_dump()
    return {k: v for k, v in keep.items() if isinstance(v, int) and v}


def baseline_run(
    setup: Setup, size: Size, start: Path, name: str, ops: list[baselines.Op], parallelism: int
) -> baselines.Figures:
    db = _fresh(setup, start)
    with serve(db, setup.settings(size)) as server:
        return asyncio.run(_baseline(server, setup, name, ops, parallelism))


async def _baseline(
    server: Served, setup: Setup, name: str, ops: list[baselines.Op], parallelism: int
) -> baselines.Figures:
    async with workflow.connect(server.env, _options(setup)) as connection:
        await connection.client.get_org()  # the token, as any script starts
        return await baselines.run(name, connection.client, ops, parallelism, setup.budget)


def reference(gen: Generated, reorged: OrgState, setup: Setup, say: Any) -> list[Scenario]:
    """The four scenarios on `gen`, with both baselines each. `say` logs progress."""
    work, size = setup.workdir, gen.size
    empty, rolled, moved = work / "empty.sqlite3", work / "rolled.sqlite3", work / "reorg.sqlite3"
    create(empty, gen.seed)
    say("rollout: reconciler")
    first = tool_run(setup, size, empty, "rollout", gen.desired, end=rolled)
    rollout = first.scenario
    plan = first.planned.plan
    say("rollout: script")
    rollout.baselines["script"] = baseline_run(
        setup, size, empty, "script", baselines.writes(plan, False, True), 1
    )
    say("rollout: terraform")
    rollout.baselines["terraform"] = baseline_run(
        setup, size, empty, "terraform", baselines.writes(plan, True, False), baselines.PARALLELISM
    )
    say("reorg, no-op, export: reconciler")
    record = work / "recording.json"
    second = tool_run(setup, size, rolled, "reorg", reorged, end=moved, record=record, export=True)
    reorg = second.scenario
    plan, live = second.planned.plan, second.planned.live
    say("reorg: script")
    reorg.baselines["script"] = baseline_run(
        setup, size, rolled, "script", baselines.writes(plan, False, True), 1
    )
    say("reorg: terraform")
    refresh = baselines.reads(live, reorged) + baselines.writes(plan, False, False)
    reorg.baselines["terraform"] = baseline_run(
        setup, size, rolled, "terraform", refresh, baselines.PARALLELISM
    )
    assert second.after is not None and second.export is not None
    noop = Scenario("no-op", second.after.reading, converged=second.after.plan.empty)
    export = Scenario("export", second.export)
    managed = baselines.reads(second.after.live, reorged)
    everything = baselines.reads(second.after.live)
    for scenario, ops in ((noop, managed), (export, everything)):
        if scenario is export and len(everything) == len(managed):
            export.baselines = dict(noop.baselines)  # the same objects: the same work
            continue
        for name, parallelism in (("script", 1), ("terraform", baselines.PARALLELISM)):
            say(f"{scenario.name}: {name}")
            scenario.baselines[name] = baseline_run(setup, size, moved, name, ops, parallelism)
    return [rollout, reorg, noop, export]


def rollout_only(gen: Generated, setup: Setup) -> Scenario:
    """The rollout scenario without baselines (the scaling runs)."""
    empty = setup.workdir / f"{gen.size.label}-empty.sqlite3"
    create(empty, gen.seed)
    return tool_run(setup, gen.size, empty, "rollout", gen.desired).scenario
