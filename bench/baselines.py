"""The same change made the two ways a user would otherwise make it, over the same client
and the same served sandbox:

* `script`: a hand-written script, one call per object in sequence (a territory, one user
  added to or removed from one territory, a rule, one module's default), rules module by
  module as a person would loop over them. For a change it writes only what changes; to
  check an org (no-op, export) it reads each object once.
* `terraform`: a typical Terraform provider, parallelism 10: one read per object to refresh
  its state plus one write per changed object. For a rollout there is nothing to refresh, so
  each create is read back (what providers do after a create). Objects wait only for the
  objects they refer to (a child for its parent, a member for its territory).

Both walk the kinds of object in order (territories, memberships, rules, defaults). A kind
that would take longer than `budget` seconds is sampled: its first objects are done for
`budget` seconds and the rest is extrapolated from the measured time and calls per object
(each object costs the same calls at the same latency, so the extrapolation is linear);
`budget=None` runs everything.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from reconciler.apply.calls import Calls, Unresolved, call_for, id_of
from reconciler.errors import ApiError
from reconciler.model import OrgState
from reconciler.plan.build import Plan
from reconciler.plan.steps import (
    CreateTerritories,
    DeleteTerritories,
    Ref,
    RuleFlag,
    RuleWrite,
    SetDefaults,
    Step,
    TerritoryUsers,
    UpdateTerritories,
    UserTerritories,
)

KINDS = ("territories", "memberships", "rules", "defaults")
PARALLELISM = 10
Read = tuple[str, dict[str, str], dict[str, str]]  # template, path ids, query
TERRITORY = "settings/territories/{id}"
MEMBER = "settings/territories/{t}/users/{u}"
RULE = "settings/data_sharing/rules/{id}"
DEFAULTS = "settings/data_sharing"


@dataclass(frozen=True)
class Op:
    """One object's work: a one-object write step, and/or a read (`read`, or derived from
    the write's result when `read_back`)."""

    kind: str
    step: Step | None = None
    read: Read | None = None
    read_back: bool = False


@dataclass
class KindFigures:
    total: int
    done: int = 0
    failed: int = 0
    calls: int = 0
    seconds: float = 0.0

    @property
    def share(self) -> float:
        return self.done / self.total if self.total else 1.0

    @property
    def estimated_seconds(self) -> float:
        return self.seconds / self.share if self.done else 0.0

    @property
    def estimated_calls(self) -> float:
        return self.calls / self.share if self.done else 0.0


@dataclass
class Figures:
    """What one baseline did, per kind of object, and its extrapolated totals."""

    name: str
    kinds: dict[str, KindFigures] = field(default_factory=dict)

    @property
    def seconds(self) -> float:
        return sum(k.estimated_seconds for k in self.kinds.values())

    @property
    def calls(self) -> int:
        return round(sum(k.estimated_calls for k in self.kinds.values()))

    @property
    def measured_share(self) -> float:
        total = sum(k.total for k in self.kinds.values())
        return sum(k.done for k in self.kinds.values()) / total if total else 1.0

    @property
    def failed(self) -> int:
        return sum(k.failed for k in self.kinds.values())


def kind_of(step: Step) -> str:
    if isinstance(step, CreateTerritories | UpdateTerritories | DeleteTerritories):
        return "territories"
    if isinstance(step, TerritoryUsers | UserTerritories):
        return "memberships"
    if isinstance(step, SetDefaults):
        return "defaults"
    return "rules"


def one_object_steps(step: Step) -> list[Step]:
    """`step` split into steps of one object each (same id, so created ids resolve)."""
    if isinstance(step, CreateTerritories | UpdateTerritories | DeleteTerritories | SetDefaults):
        return [step.model_copy(update={"items": (item,)}) for item in step.items]
    if isinstance(step, TerritoryUsers):
        return [step.model_copy(update={"users": (user,)}) for user in step.users]
    if isinstance(step, UserTerritories):
        return [step.model_copy(update={"territories": (t,)}) for t in step.territories]
    return [step]


def writes(plan: Plan, read_back: bool, by_module: bool) -> list[Op]:
    """One op per object the plan changes, in plan order (rules module by module when
    `by_module`, as a hand-written loop would go)."""
    ops = [
        Op(kind_of(part), step=part, read_back=read_back)
        for step in plan.steps
        for part in one_object_steps(step)
    ]
    if by_module:
        rules = [o for o in ops if o.kind == "rules"]
        rules.sort(key=lambda o: getattr(o.step, "module", ""))
        ops = [o for o in ops if o.kind != "rules"] + rules
    return ops


def reads(live: OrgState, managed: OrgState | None = None) -> list[Op]:
    """One read per object of the live org (of what `managed` manages, when given): what a
    refresh, or a check, costs."""
    users = {u.email.casefold(): u.id for u in live.directory.users}
    rule_modules = None if managed is None else set(managed.sharing_rules or {})
    default_modules = None if managed is None else set(managed.data_sharing or {})
    ops = []
    for t in live.territories or ():
        ops.append(Op("territories", read=(TERRITORY, {"id": t.id or ""}, {})))
    for t in live.territories or ():
        for email in t.users or ():
            ops.append(Op("memberships", read=(MEMBER, {"t": t.id or "", "u": users[email]}, {})))
    for module, rules in (live.sharing_rules or {}).items():
        if rule_modules is None or module in rule_modules:
            for rule in rules:
                ops.append(Op("rules", read=(RULE, {"id": rule.id or ""}, {"module": module})))
    for module in live.data_sharing or {}:
        if default_modules is None or module in default_modules:
            ops.append(Op("defaults", read=(DEFAULTS, {}, {})))
    return ops


@dataclass
class _Run:
    client: Calls
    budget: float | None
    created: dict[tuple[int, str], str] = field(default_factory=dict)
    ready: dict[tuple[int, str], asyncio.Event] = field(default_factory=dict)


async def run(
    name: str, client: Calls, ops: list[Op], parallelism: int, budget: float | None
) -> Figures:
    """Do `ops` kind by kind, `parallelism` at a time, sampling a kind past `budget` s."""
    state = _Run(client, budget)
    for op in ops:
        if op.step is not None:
            for label in _labels(op.step):
                state.ready.setdefault((op.step.id, label), asyncio.Event())
    figures = Figures(name)
    for kind in KINDS:
        batch = [o for o in ops if o.kind == kind]
        if batch:
            figures.kinds[kind] = await _kind(state, batch, parallelism)
    return figures


async def _kind(state: _Run, ops: list[Op], parallelism: int) -> KindFigures:
    figures = KindFigures(total=len(ops))
    calls_before = state.client.stats.total
    start = time.monotonic()
    slots = asyncio.Semaphore(parallelism)

    async def one(op: Op) -> None:
        if op.step is not None:
            await _wait_for(state, op.step)
        async with slots:
            late = state.budget is not None and time.monotonic() - start > state.budget
            status = "skipped" if late else await _do(state, op)
        if op.step is not None:
            _created(state, op.step)
        if status != "skipped":
            figures.done += 1
            figures.failed += status == "failed"

    if parallelism == 1:
        for op in ops:
            await one(op)
    else:
        async with asyncio.TaskGroup() as group:
            for op in ops:
                group.create_task(one(op))
    figures.seconds = time.monotonic() - start
    figures.calls = state.client.stats.total - calls_before
    return figures


def _created(state: _Run, step: Step) -> None:
    """Wake whatever waits for the objects `step` creates, made or not."""
    for label in _labels(step):
        event = state.ready.get((step.id, label))
        if event is not None:
            event.set()


async def _wait_for(state: _Run, step: Step) -> None:
    """Wait until the objects `step` refers to are created (or never will be)."""
    for ref in _refs(step):
        event = state.ready.get((ref.created_by or 0, ref.name))
        if ref.created_by is not None and event is not None:
            await event.wait()


async def _do(state: _Run, op: Op) -> str:
    """Do one object's work: "ok", "failed", or "skipped" (it refers to an object that was
    not created, so no call was made)."""
    status, target = "ok", op.read
    if op.step is not None:
        try:
            outcomes = await call_for(op.step, state.created)(state.client)
        except Unresolved:
            return "skipped"
        except ApiError:
            outcomes, status = [], "failed"
        for outcome in outcomes:
            if outcome.ok and outcome.created_id is not None:
                state.created[(op.step.id, outcome.label)] = outcome.created_id
            status = status if outcome.ok else "failed"
        target = _read_back(op.step, state.created) if op.read_back and status == "ok" else None
    if target is not None:
        template, ids, params = target
        try:
            await state.client.session.call("GET", template, ids=ids, params=params)
        except ApiError:
            status = "failed"
    return status


def _labels(step: Step) -> list[str]:
    if isinstance(step, CreateTerritories):
        return [i.name for i in step.items]
    if isinstance(step, RuleWrite):
        return [step.rule.name]
    return []


def _refs(step: Step) -> Iterable[Ref]:
    """Every Ref a step holds (territories, users, rules), one level deep in its items."""
    values: list[Any] = [getattr(step, k) for k in type(step).model_fields]
    for value in list(values):
        if isinstance(value, tuple):
            values.extend(value)
    for value in list(values):
        if hasattr(value, "model_fields") and not isinstance(value, Ref):
            values.extend(getattr(value, k) for k in type(value).model_fields)
    return [v for v in values if isinstance(v, Ref)]


def _read_back(step: Step, created: dict[tuple[int, str], str]) -> Read | None:
    try:
        if isinstance(step, CreateTerritories):
            return TERRITORY, {"id": created[(step.id, step.items[0].name)]}, {}
        if isinstance(step, UpdateTerritories | DeleteTerritories):
            return TERRITORY, {"id": id_of(step.items[0].territory, created)}, {}
        if isinstance(step, TerritoryUsers):
            pair = {"t": id_of(step.territory, created), "u": id_of(step.users[0], created)}
            return MEMBER, pair, {}
        if isinstance(step, UserTerritories):
            pair = {"t": id_of(step.territories[0], created), "u": id_of(step.user, created)}
            return MEMBER, pair, {}
        if isinstance(step, RuleWrite | RuleFlag):
            rule_id = created.get((step.id, step.rule.name)) or id_of(step.rule, created)
            return RULE, {"id": rule_id}, {"module": step.module}
    except (KeyError, Unresolved):
        return None
    return DEFAULTS, {}, {}
