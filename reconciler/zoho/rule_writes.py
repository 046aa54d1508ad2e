"""Sharing-rule writes (REFERENCE §6): one rule per call, and Zoho's asynchronous rule
computation waited out.

After a rule write or a data-sharing change Zoho recomputes sharing for the module; until it
finishes, rule writes for that module answer CANNOT_PROCESS (§6.4, §6.5). So before writing to
a module that one of this client's own writes set computing, the client polls
`GET /settings/data_sharing` (the module's `rule_computation_running`) until it is done, and
only then writes: a refused write would cost a credit and a round trip for nothing.

When to poll: the first computation of a module is probed with short, growing waits
(`poll_delay / 8`, then half as long again each time, at most `max_delay`). After that the
client expects the next computation to end between the last time it was seen running and the
time it was seen done (`Computing.expected`, the middle), polls once at that moment, again a
moment later (a round trip, or 2% of the expected time) if it is still running, then with
growing waits (half way to the last "done" first). Each wait narrows the interval, so the
estimate closes in on the real time from both sides; a miss costs a poll, never a refused
write. A write that still meets CANNOT_PROCESS (a computation someone else started) is retried
after the same probing. One poll answers for every module,
so modules waiting at about the same time share it (`_observe`). The wait gives up after
`RetryPolicy.recompute_wait` in all; polls are counted in `stats.polls` and logged.

The one-rule endpoints name the rule in the URL, so Zoho reports that rule's own failure
(already active, already inactive, unknown id) at request level; those come back as a failed
`ItemResult` like any per-item error, not as an exception."""

from __future__ import annotations

import asyncio
import logging
import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from reconciler.errors import Unavailable
from reconciler.zoho import wire
from reconciler.zoho.base import Json
from reconciler.zoho.responses import ItemResult, is_request_error, item_results
from reconciler.zoho.retry import Kind
from reconciler.zoho.session import Session

logger = logging.getLogger(__name__)
RULES = "settings/data_sharing/rules"
RULE = RULES + "/{id}"
ACTIVATE = RULE + "/actions/activate"
RULE_ITEM_CODES = {"ID_ALREADY_ACTIVE", "ID_ALREADY_DEACTIVATED", "CANNOT_PROCESS"}
PROBE = 1 / 8  # the first probe of an unknown computation waits poll_delay * PROBE
NUDGE = 0.02  # after an expected computation's first "still running": again this much later


@dataclass
class Computing:
    """One module's sharing computation as this client knows it: since when (the return of
    the write that started it; None when none is pending), whether that start is only
    inferred from a refusal, how long the module's computations take (learned), and how long
    a call to Zoho takes (so that a poll answers at the moment aimed for)."""

    since: float | None = None
    inferred: bool = False
    running_for: float = 0.0  # the last computation was seen running this long after its start
    done_by: float | None = None  # and seen done this long after
    round_trip: float = 0.0

    @property
    def expected(self) -> float | None:
        """How long the next computation should take: the middle of what was last seen."""
        return None if self.done_by is None else (self.running_for + self.done_by) / 2


@dataclass
class _Shared:
    """The last answer of `GET /settings/data_sharing` (when it was sent and seen), and the
    poll in flight (with when it was sent)."""

    answer: dict[str, bool] = field(default_factory=dict)
    seen: float = -math.inf
    answer_sent: float = -math.inf
    sent: float = -math.inf
    task: asyncio.Future[dict[str, bool]] | None = None


class RuleWriter:
    """Sharing-rule writes through `session`, and what they know of each module's sharing
    computation: the client owns one, so its state lives as long as the client."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._shared = _Shared()
        self._computing: dict[str, Computing] = {}
        self._waiting: Counter[str] = Counter()  # writes waiting out each module's computation

    def waiting(self) -> list[str]:
        """The modules whose sharing computation a write is waiting out now (for progress)."""
        return sorted(module for module, writes in self._waiting.items() if writes)

    async def create(self, module: str, item: Json) -> ItemResult:
        return await self._rule(module, "POST", RULES, None, item, Kind.CREATE)

    async def update(self, module: str, rule_id: str, item: Json) -> ItemResult:
        return await self._rule(module, "PUT", RULE, rule_id, item)

    async def delete(self, module: str, rule_id: str) -> ItemResult:
        return await self._rule(module, "DELETE", RULE, rule_id)

    async def activate(self, module: str, rule_id: str) -> ItemResult:
        return await self._rule(module, "PUT", ACTIVATE, rule_id)

    async def deactivate(self, module: str, rule_id: str) -> ItemResult:
        return await self._rule(module, "DELETE", ACTIVATE, rule_id)

    async def _computations(self) -> dict[str, bool]:
        """Every module's `rule_computation_running`, by lower-cased API name."""
        answer = await self.session.call("GET", "settings/data_sharing")
        rows = answer.body.get("data_sharing") if isinstance(answer.body, dict) else None
        return wire.computing_by_module(rows)

    async def _observe(self, module: str, since: float, target: float) -> tuple[bool, float, bool]:
        """Whether `module` is computing as seen at `target` or later, by a poll sent after
        `since` (so after the write that started the computation): the last poll if it
        qualifies, or one in flight sent no earlier than this module would send its own, else
        a new poll. Returns (running, when seen, whether this call polled): one poll serves
        every module waiting at the time."""
        shared = self._shared
        clock, ahead = self.session.clock, self.computing(module).round_trip
        if shared.seen >= target and shared.answer_sent > since:
            return shared.answer.get(module.lower(), False), shared.seen, False
        fresh = shared.sent > since and shared.sent >= target - ahead
        polled = shared.task is None or shared.task.done() or not fresh
        if polled:
            shared.sent = clock()
            shared.task = asyncio.ensure_future(self._computations())
        task, sent = shared.task, shared.sent
        assert task is not None
        answer = await asyncio.shield(task)
        seen = clock()
        if polled:
            self.computing(module).round_trip = seen - sent
        if seen > shared.seen:
            shared.answer, shared.seen, shared.answer_sent = answer, seen, sent
        return answer.get(module.lower(), False), seen, polled

    def computing_started(self, modules: Iterable[str], inferred: bool = False) -> None:
        """Note that Zoho has started computing sharing for `modules` (after a rule write or a
        default change of ours): the next rule write to each waits until it is done."""
        now = self.session.clock()
        for module in modules:
            state = self.computing(module)
            state.since, state.inferred = now, inferred

    def computing(self, module: str) -> Computing:
        """What this client knows of `module`'s sharing computation."""
        return self._computing.setdefault(module.lower(), Computing())

    async def _rule(
        self,
        module: str,
        method: str,
        template: str,
        rule_id: str | None,
        item: Json | None = None,
        kind: Kind = Kind.IDEMPOTENT,
    ) -> ItemResult:
        request = f"{method} {template}"
        started, replayed = self.session.clock(), False
        while True:
            await self._until_computed(module, request, started)
            sent = self.session.clock()
            result = await self._rule_call(module, method, template, rule_id, item, kind)
            self.computing(module).round_trip = self.session.clock() - sent
            # An attempt that may have been applied (its connection dropped) may be what
            # set the module computing: the answer after the wait may describe a second run.
            replayed = replayed or result.replayed
            if result.code != "CANNOT_PROCESS":
                if result.ok:
                    self.computing_started([module])
                return replace(result, replayed=replayed)
            self.computing_started([module], inferred=True)

    async def _until_computed(self, module: str, request: str, started: float) -> None:
        """Wait until `module`'s pending computation is done (nothing to wait for if none)."""
        if self.computing(module).since is None:
            return
        self._waiting[module] += 1
        try:
            await self._wait_out(module, request, started)
        finally:
            self._waiting[module] -= 1

    async def _wait_out(self, module: str, request: str, started: float) -> None:
        state = self.computing(module)
        assert state.since is not None
        policy = self.session.retry
        since, probing = state.since, state.inferred or state.expected is None
        gap = policy.poll_delay * PROBE
        target = since + (gap if probing or state.expected is None else state.expected)
        running_at: float | None = None
        polls = 0
        while True:
            try:
                await self._sleep_until(target - state.round_trip, module, request, started, polls)
            except Unavailable:
                state.inferred = True  # when it started no longer tells when it will end
                raise
            running, seen, polled = await self._observe(module, since, target)
            polls += 1
            self.session.stats.polls += polled
            logger.info(
                "client: %s %d of %s rule computation before %s: %s",
                "poll" if polled else "shared poll",
                polls,
                module,
                request,
                "still running" if running else "done",
            )
            if not running:
                break
            target = self._next_poll(state, since, seen, probing or running_at is not None, gap)
            running_at, gap = seen, target - seen
        if not state.inferred:  # when it started is known: learn how long it took
            _learn(state, seen - since, None if running_at is None else running_at - since)
        state.since, state.inferred = None, False

    def _next_poll(
        self, state: Computing, since: float, seen: float, searching: bool, gap: float
    ) -> float:
        """When to poll next after `seen` said still running. After the first miss of an
        expected end: half way to when the last computation was seen done, and not sooner
        than a moment later (or just that moment when the last "done" is no later). While
        probing, or once past that: growing waits."""
        policy = self.session.retry
        expected = state.expected
        if state.done_by is not None and expected is not None:
            soon = seen + max(state.round_trip, expected * NUDGE)
            if since + state.done_by > soon:
                return max(soon, (seen + since + state.done_by) / 2)
            if not searching:
                return soon
        return seen + min(max(gap * 1.5, policy.poll_delay * PROBE), policy.max_delay)

    async def _sleep_until(
        self, when: float, module: str, request: str, started: float, polls: int
    ) -> None:
        """Sleep until `when` in waits of at most `max_delay`; give up once `recompute_wait`
        has passed since `started` (never before a first poll)."""
        policy, clock = self.session.retry, self.session.clock
        deadline = started + policy.recompute_wait
        if polls and clock() >= deadline:
            raise Unavailable(
                f"Zoho was still computing sharing rules for {module} after {polls} "
                f"polls over {clock() - started:.0f}s, so {request} could not be made "
                "(CANNOT_PROCESS). Large orgs can take a while: run apply again later",
                code="CANNOT_PROCESS",
                status=400,
                request=request,
            )
        while (wait := min(when, deadline) - clock()) > 0:
            await self.session.sleep(min(wait, policy.max_delay))

    async def _rule_call(
        self,
        module: str,
        method: str,
        template: str,
        rule_id: str | None,
        item: Json | None,
        kind: Kind,
    ) -> ItemResult:
        answer = await self.session.call(
            method,
            template,
            ids=None if rule_id is None else {"id": rule_id},
            params={"module": module},
            json=None if item is None else {"sharing_rules": [item]},
            key="sharing_rules",
            kind=kind,
            accept=_rule_refusal,
        )
        if is_request_error(answer.body):
            return ItemResult.from_item(answer.body, answer.status, answer.replayed)
        request = f"{method} {template}"
        return item_results(answer.body, "sharing_rules", answer.status, 1, request)[0]


def _rule_refusal(status: int, body: Any) -> bool:
    """A request-level answer that is really about the one rule (or the module being busy)."""
    if status != 400 or not is_request_error(body):
        return False
    details = body.get("details")
    names_rule = isinstance(details, dict) and details.get("resource_path_index") == 3
    return body["code"] in RULE_ITEM_CODES or names_rule


def _learn(state: Computing, done: float, running: float | None) -> None:
    """Narrow down how long the module's computations take, from one that was seen done
    `done` seconds after it started and, just before, still running after `running`."""
    state.done_by = done
    if running is not None:
        state.running_for = running
    elif state.running_for >= done:  # done sooner than it was once seen running
        state.running_for = done * 0.9
