"""The commands' work, one function each, composed from the library: load, connect, read,
check names, diff, plan, apply, export. The CLI parses arguments, calls one of these, and
renders what it returns; nothing here prints.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

from reconciler.apply.realign import realign
from reconciler.apply.recheck import Recheck
from reconciler.apply.report import Listener, Report
from reconciler.apply.restore import give_back, take_back
from reconciler.apply.run import execute
from reconciler.apply.snapshot import save_before
from reconciler.cli.environment import target_of
from reconciler.cli.target import SANDBOX_DB, exclusive, from_env
from reconciler.config import names
from reconciler.config.environments import Environment
from reconciler.config.export import SCHEMA_REFERENCE, dump
from reconciler.config.git import BaseConfig
from reconciler.config.load import Config
from reconciler.config.snapshot import loads as snapshot_loads
from reconciler.config.snapshot import way_back
from reconciler.errors import PlanFileError, SnapshotError, StalePlan, UnsafePlan
from reconciler.live import read
from reconciler.model import DATA_SHARING_MODULES, SHARING_RULE_MODULES, Directory, OrgState
from reconciler.plan import policy
from reconciler.plan.build import Plan, build, changed_since, fingerprints, relabel
from reconciler.plan.diff import diff
from reconciler.plan.file import Base as PlanBase
from reconciler.plan.file import PlannedOrg, SavedPlan
from reconciler.plan.origin import label
from reconciler.plan.partial import narrow
from reconciler.plan.restore import records_back
from reconciler.plan.trust import scope_of, unsafe_now, written
from reconciler.plan.verify import leftover
from reconciler.records import holdings, record_impact
from reconciler.scope import Scope
from reconciler.zoho.client import ZohoClient
from reconciler.zoho.retry import DEFAULT_POLICY, RetryPolicy
from reconciler.zoho.target import Target

SECTIONS = ("territories", "data_sharing", "sharing_rules", "roles", "groups", "users")
T = TypeVar("T")


@dataclass(frozen=True)
class Options:
    """How to reach the org (command-line flags; the rest comes from the environment).

    `target` is an org already resolved by the caller (a program embedding the CLI, or a
    test holding an in-process sandbox whose faults it arms): used as it is, never closed."""

    allow_custom_domain: bool = False
    concurrency: int | None = None
    sandbox_db: str = SANDBOX_DB
    timeout: float = 30.0
    retry: RetryPolicy = DEFAULT_POLICY
    target: Target | None = None
    environment: Environment | None = None


@dataclass
class Connection:
    target: Target
    client: ZohoClient


@asynccontextmanager
async def connect(env: Mapping[str, str], options: Options) -> AsyncIterator[Connection]:
    """A client for the org the environment names (the local sandbox when it names none)."""
    target = options.target or _target(env, options)
    try:
        async with ZohoClient.for_target(
            target, concurrency=options.concurrency, retry=options.retry, timeout=options.timeout
        ) as client:
            yield Connection(target, client)
    finally:
        if options.target is None:
            target.close()


def _target(env: Mapping[str, str], options: Options) -> Target:
    if options.environment is not None:
        allow = options.allow_custom_domain
        return target_of(options.environment, env, allow_custom_domain=allow)
    if options.sandbox_db != ":memory:":
        Path(options.sandbox_db).parent.mkdir(parents=True, exist_ok=True)
    return from_env(
        env, allow_custom_domain=options.allow_custom_domain, sandbox_db=options.sandbox_db
    )


async def plan_target(connection: Connection, directory: Directory) -> PlannedOrg:
    """How a plan names its org: never a secret, only where it is and which org it is."""
    domain = await connection.client.api_domain()
    sandbox = connection.target.is_sandbox
    return PlannedOrg(
        kind="sandbox" if sandbox else "zoho",
        label=connection.target.label if sandbox else f"Zoho CRM {domain}",
        api_domain=domain,
        org_id=directory.org_id,
        org_name=directory.org_name,
    )


@dataclass(frozen=True)
class Part:
    """A scoped plan's `--target` and `--exclude` NAMEs (none: the whole change)."""

    targets: tuple[str, ...] = ()
    excludes: tuple[str, ...] = ()


WHOLE = Part()


async def make_plan(
    config: Config,
    connection: Connection,
    base: BaseConfig | None = None,
    records: bool = False,
    part: Part = WHOLE,
) -> SavedPlan:
    """Read what the configuration manages, check its names, and plan the change. With a
    `base` (the configuration at a git revision) each change is labelled as the edit's or
    as drift. With `records` (or `records:`/`realign:` in the configuration) the plan also
    says where the records land and what apply realigns; with a `part`, only that part of
    the change is planned."""
    saved, _ = await planned(config, connection, base, records, part)
    return saved


async def planned(
    config: Config,
    connection: Connection,
    base: BaseConfig | None = None,
    records: bool = False,
    part: Part = WHOLE,
) -> tuple[SavedPlan, OrgState]:
    """The plan, and the live org it was made against (for the snapshot)."""
    scope = Scope.for_config(config.state)
    live = await read(connection.client, scope)
    names.check(config.state, live, config.sources)
    changes = diff(live, config.state)
    partial = None
    if part != WHOLE:
        changes, partial = narrow(changes, live, config.state, part.targets, part.excludes)
    plan = build(live, config.state, changes)
    wanted = config.state.records
    if records or (wanted is not None and (wanted.impact or wanted.realign)):
        impact = await record_impact(connection.client, live, config.state)
        plan = plan.model_copy(update={"records": impact})
    if base is not None:
        plan = relabel(plan, label(plan.changes, base.config.state))
    findings = policy.check(config.policies, policy.Facts(config.state, live, plan), config.sources)
    saved = SavedPlan(
        plan=plan,
        target=await plan_target(connection, live.directory),
        scope=scope,
        config_files=config.files,
        config_digest=config.digest,
        base=PlanBase(ref=base.ref, commit=base.commit) if base is not None else None,
        partial=partial,
        findings=findings,
    )
    return saved, live


Review = Callable[[SavedPlan], Awaitable[bool]]
# Makes the apply's listener from the plan and a way to ask what the client is waiting on.
ListenerFor = Callable[[Plan, Callable[[], list[str]]], Listener]


async def apply_saved(
    saved: SavedPlan,
    connection: Connection,
    *,
    allow_deletes: bool,
    listener_for: ListenerFor | None = None,
    verify: bool = True,
    snapshots: Path | None = None,
    live: OrgState | None = None,
    recheck: bool = True,
) -> Report:
    """Apply a reviewed plan, after checking that it is safe and that the org has not moved.

    `verify=False` is for a plan made moments ago in the same run (`apply PATH`), `live`
    the org it was made against. With `snapshots`, what the plan touches is saved there
    before the first write (docs/safety.md). With `recheck`, what each step writes is read
    again just before it (`apply/recheck.py`). The listener is made when the first write
    starts, so that its clock and the report's agree."""
    _safe(saved, allow_deletes)
    scope = scope_of(saved.plan.steps, saved.scope)
    if verify:
        live = await _still_true(saved, scope, connection, allow_deletes)
    if live is None and (snapshots is not None or recheck):
        live = await read(connection.client, scope)
    path = None
    if snapshots is not None and live is not None:
        now = datetime.now(UTC)
        path = save_before(saved.plan, live, saved.target.describe(), snapshots, now)
    client = connection.client
    listener = listener_for(saved.plan, client.rules.waiting) if listener_for else None
    checks = Recheck(client, saved.plan, live) if recheck and live is not None else None
    taken = await take_back(saved.plan, client)  # a rollback's records: before the steps
    report = await execute(saved.plan, client, listener, recheck=checks)
    if report.ok:  # what failed is the news otherwise; plan shows what is left
        after = await read(client, scope)
        report = report.model_copy(update={"interference": leftover(after, saved.plan.changes)})
    report = await realign(saved.plan, report, client)
    report = await give_back(saved.plan, report, taken, client)
    return report if path is None else report.model_copy(update={"snapshot": str(path)})


async def _still_true(
    saved: SavedPlan, scope: Scope, connection: Connection, allow_deletes: bool
) -> OrgState:
    """Re-read what the steps write and refuse unless the plan still holds for the org as it
    is: the same org, a safe change by the steps themselves (not the file's `unsafe`), and
    every object the steps write fingerprinted in the plan and unchanged since."""
    steps = saved.plan.steps
    live = await read(connection.client, scope)
    _same_org(saved.target, await plan_target(connection, live.directory))
    verdict = unsafe_now(steps, live)
    if verdict and not allow_deletes:
        raise UnsafePlan(list(verdict))
    unrecorded = [
        what for key, what in written(steps).items() if key not in saved.plan.fingerprints
    ]
    if unrecorded:
        raise PlanFileError(
            f"the plan changes {', '.join(unrecorded)} but does not record how it found "
            "them: it was altered after it was made; run plan again"
        )
    changed = changed_since(saved.plan.fingerprints, fingerprints(live))
    if changed:
        raise StalePlan(changed)
    return live


async def apply_plan_file(
    saved: SavedPlan,
    connection: Connection,
    *,
    allow_deletes: bool,
    review: Review,
    listener_for: ListenerFor,
    snapshots: Path | None = None,
    recheck: bool = True,
) -> Report | None:
    """Apply a saved plan (read by `plan.file.loads`, so that a damaged file is refused
    before the org is reached) exactly, after checking it still describes the org."""
    if not await review(saved):
        return None
    with exclusive(connection.target):
        return await apply_saved(
            saved,
            connection,
            allow_deletes=allow_deletes,
            listener_for=listener_for,
            snapshots=snapshots,
            recheck=recheck,
        )


async def apply_config(
    config: Config, connection: Connection, *, gate: Gate, part: Part = WHOLE
) -> Report | None:
    """Plan, let `gate.review` show and confirm the plan (False: stop), then apply it. An
    unsafe plan, or one a policy denies, is refused before anyone is asked; an empty one is
    shown, never applied. A local sandbox is locked for the whole run."""
    with exclusive(connection.target):
        saved, live = await planned(config, connection, part=part)
        return await _reviewed_apply(saved, live, connection, gate)


@dataclass(frozen=True)
class Gate:
    """What stands between a fresh plan and the org: the deletes allowed, the review, the
    progress, where the snapshot goes, and whether each step is re-checked."""

    allow_deletes: bool
    review: Review
    listener_for: ListenerFor
    snapshots: Path | None
    recheck: bool = True


async def _reviewed_apply(
    saved: SavedPlan, live: OrgState, connection: Connection, gate: Gate
) -> Report | None:
    """Refuse an unsafe or denied plan before anyone is asked, let the review show and
    confirm it, then apply it against the `live` org it was made from; an empty plan is
    shown, never applied."""
    _safe(saved, gate.allow_deletes)
    policy.refuse_denied(saved.findings)
    approved = await gate.review(saved)
    if saved.plan.empty or not approved:
        return None
    return await apply_saved(
        saved,
        connection,
        allow_deletes=gate.allow_deletes,
        listener_for=gate.listener_for,
        verify=False,
        snapshots=gate.snapshots,
        live=live,
        recheck=gate.recheck,
    )


async def rollback_plan(text: str, source: str, connection: Connection) -> SavedPlan:
    """The plan from the org as it is now back to a snapshot (`rollback --plan-only`)."""
    saved, _ = await _rollback_planned(text, source, connection)
    return saved


async def _rollback_planned(
    text: str, source: str, connection: Connection
) -> tuple[SavedPlan, OrgState]:
    snapshot, meta = snapshot_loads(text, source)
    now = await read(connection.client, _followed(snapshot.state))
    if meta.org_id != now.directory.org_id:
        here = await plan_target(connection, now.directory)
        raise SnapshotError(
            f"{source} is a snapshot of {meta.target}, but the target is {here.describe()}"
        )
    back = replace(snapshot, state=way_back(snapshot.state, meta, now))
    saved, live = await planned(back, connection)
    if meta.records:
        held = await holdings(connection.client, meta.records)
        restore = records_back(meta.records, meta.territory_ids, held)
        plan = saved.plan.model_copy(update={"restore": restore})
        saved = saved.model_copy(update={"plan": plan})
    return saved, live


def _followed(state: OrgState) -> Scope:
    """What rollback reads to follow a snapshot's objects by id: its territories, roles and
    groups (and the territories and roles groups name)."""
    groups = state.groups is not None
    return Scope(
        territories=state.territories is not None or groups,
        roles=state.roles is not None or groups,
        groups=groups,
    )


async def rollback(
    text: str,
    source: str,
    connection: Connection,
    *,
    allow_deletes: bool,
    review: Review,
    listener_for: ListenerFor,
    snapshots: Path | None = None,
    recheck: bool = True,
) -> Report | None:
    """Plan the way back to a snapshot, let `review` confirm it, apply it (itself after a
    snapshot of its own, so a rollback can be rolled back)."""
    saved, live = await _rollback_planned(text, source, connection)
    gate = Gate(allow_deletes, review, listener_for, snapshots, recheck)
    return await _reviewed_apply(saved, live, connection, gate)


def _safe(saved: SavedPlan, allow_deletes: bool) -> None:
    if saved.plan.unsafe and not allow_deletes:
        raise UnsafePlan(list(saved.plan.unsafe))


def _same_org(planned: PlannedOrg, current: PlannedOrg) -> None:
    if (planned.kind, planned.org_id) != (current.kind, current.org_id):
        raise PlanFileError(
            f"this plan was made for {planned.describe()}, but the target is "
            f"{current.describe()}; run plan against this org instead"
        )
    if planned.api_domain != current.api_domain:
        raise PlanFileError(
            f"this plan was made through {planned.api_domain}, but the target is reached "
            f"through {current.api_domain} (the same org id in another data centre, or a "
            "copy of the org?); run plan against this target instead"
        )


async def export_org(
    connection: Connection, sections: Sequence[str], schema: str = SCHEMA_REFERENCE
) -> str:
    """The live org's managed sections as YAML for `validate` and `plan`; `schema` is the
    path of the JSON schema as seen from the file written."""
    everything = Scope.everything()
    scope = Scope(
        territories="territories" in sections,
        members_of=everything.members_of,
        data_sharing="data_sharing" in sections,
        rule_modules=None if "sharing_rules" in sections else (),
        roles="roles" in sections,
        groups="groups" in sections,
        users="users" in sections,
    )
    live = await read(connection.client, scope)
    target = await plan_target(connection, live.directory)
    state, skipped = _sections(live, sections)
    header = [
        f"Exported from {target.describe()} by reconciler export.",
        "Editors complete and check this file once `reconciler schema` has written the schema.",
    ]
    if skipped:
        header.append(f"Not exported (Zoho does not let these be set): {', '.join(skipped)}.")
    return dump(state, header="\n".join(header), schema=schema)


def _sections(live: OrgState, sections: Sequence[str]) -> tuple[OrgState, list[str]]:
    """The chosen sections, without modules whose sharing the API cannot change (e.g.
    Visits, public in portals)."""
    defaults = live.data_sharing if "data_sharing" in sections else None
    rules = live.sharing_rules if "sharing_rules" in sections else None
    skipped = sorted(m for m in defaults or {} if m not in DATA_SHARING_MODULES)
    skipped += sorted(
        m for m in rules or {} if m not in SHARING_RULE_MODULES and rules and rules[m]
    )
    state = OrgState(
        territories=live.territories if "territories" in sections else None,
        data_sharing=_only(defaults, DATA_SHARING_MODULES),
        sharing_rules=_only(rules, SHARING_RULE_MODULES),
        roles=live.roles if "roles" in sections else None,
        groups=live.groups if "groups" in sections else None,
        users=live.users if "users" in sections else None,
    )
    return state, sorted(set(skipped))


def _only(section: dict[str, T] | None, modules: Sequence[str]) -> dict[str, T] | None:
    return None if section is None else {m: v for m, v in section.items() if m in modules}
