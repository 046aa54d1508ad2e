"""Just before a step writes, read again what it writes and compare it with the plan.

The check before the first write (`cli/workflow.py`) compares the whole plan with the org,
but an apply can take minutes and Zoho has no lock: another apply or a person can change an
object after that check and before the step that writes it. So, immediately before a step
runs, the objects it writes (`trust.written`: a territory with its members, a data-sharing
default, a sharing rule, or for a create the list it adds to) are read again and compared
with the plan's fingerprints. A step whose object changed is not sent: it fails naming the
object, and the steps that wait on it are skipped.

Only an object's first write in this apply is checked: once a step of this apply has started
writing it (or a transfer-and-delete has moved it, as a child of a deleted territory), the
plan's fingerprint no longer describes it, and the read-back after the last write
(`plan/verify.py`) covers the rest. For a list (of territories, of a module's rules)
only additions count, since this apply's own renames and deletes change it too.

Steps that become ready at the same moment share one re-read, by the cheapest calls for what
they write (`Sizes.calls` computes the figure from the org's sizes):

    territories     ceil(n/100)   GET /settings/territories?ids=...&include=<criteria>, for
                                  the n territories; the whole list, ceil(T/200), instead
                                  when a create checks the list of territories
    members         ceil(m/100)   GET /settings/territories/{t}/users, for each of those
                                  territories whose members the plan read (1 when it has none)
    defaults        1             GET /settings/data_sharing
    sharing rules   ceil(R_M/200) GET /settings/data_sharing/rules?module=M, per module

The user directory, roles and groups are not read again: a step's call carries ids, and the
names inside a fingerprint (a parent territory, a manager's email, a rule's role or group)
are taken from the org as it was checked before the first write, as the plan's were.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

from reconciler import limits
from reconciler.errors import Rejected
from reconciler.live import Reader, concurrently
from reconciler.model import OrgState, Territory, name_key
from reconciler.plan.build import Fingerprint, Plan, fingerprints
from reconciler.plan.steps import DeleteTerritories, Step
from reconciler.plan.trust import written
from reconciler.zoho import wire

INDEX = "territories"
Prints = dict[str, Fingerprint]


class Client(Reader, Protocol):
    """What the re-check reads with (reconciler.zoho.client.ZohoClient provides it)."""

    async def territories_by_id(self, ids: list[str]) -> list[dict[str, Any]]: ...


@dataclass(frozen=True)
class Wanted:
    """What one ready set's steps write, by kind."""

    territories: tuple[str, ...] = ()  # ids
    index: bool = False  # the list of territories
    defaults: bool = False
    modules: tuple[str, ...] = ()  # whose rules

    @classmethod
    def of(cls, keys: Iterable[str]) -> Wanted:
        keys = sorted(keys)
        return cls(
            territories=tuple(k.split(":", 1)[1] for k in keys if k.startswith("territory:")),
            index=INDEX in keys,
            defaults=any(k.startswith("default:") for k in keys),
            modules=tuple(sorted({k.split(":")[1] for k in keys if k.startswith("rule")})),
        )


@dataclass(frozen=True)
class Sizes:
    """The org as checked before the first write: what the re-reads cost."""

    live: OrgState

    def calls(self, wanted: Wanted) -> int:
        """The fewest calls that read `wanted` again (the module docstring's formula)."""
        territories = {t.id: t for t in self.live.territories or ()}
        calls = 0
        if wanted.index:
            calls += _pages(len(territories), limits.PAGE_SIZE)
        elif wanted.territories:
            calls += _pages(len(wanted.territories), limits.TERRITORY_IDS_PER_GET)
        for ident in wanted.territories:
            users = territories[ident].users if ident in territories else None
            if users is not None:
                calls += _pages(len(users), limits.TERRITORY_USERS_PAGE)
        rules = self.live.sharing_rules or {}
        calls += sum(_pages(len(rules.get(m, ())), limits.PAGE_SIZE) for m in wanted.modules)
        return calls + int(wanted.defaults)


def _pages(count: int, size: int) -> int:
    return max(1, math.ceil(count / size))


@dataclass
class Recheck:
    """The re-checks of one apply. `sets` counts the re-reads made (one per ready set that
    writes something the plan fingerprinted), `calls` what the formula says they cost."""

    client: Client
    plan: Plan
    live: OrgState
    found: list[str] = field(default_factory=list)
    sets: int = 0
    calls: int = 0
    _verdicts: dict[str, asyncio.Future[list[str]]] = field(default_factory=dict)
    _gathering: set[str] = field(default_factory=set)
    _reads: set[asyncio.Task[None]] = field(default_factory=set)

    async def changed(self, step: Step) -> list[str]:
        """What, of the objects `step` writes, someone else changed since the plan, in words
        (empty: write). Raises the `ApiError` of a re-read that failed."""
        keys = [k for k in written([step]) if k in self.plan.fingerprints]
        fresh = [k for k in keys if k not in self._verdicts]
        if fresh:
            self._gather(fresh)
        found: list[str] = []
        for key in keys:
            found += await self._verdicts[key]
        self.found += [f for f in found if f not in self.found]
        if not found and isinstance(step, DeleteTerritories):
            self._orphans(step)
        return found

    def _orphans(self, step: DeleteTerritories) -> None:
        """A transfer-and-delete moves the territory's remaining children to its heir: this
        apply has changed them, so a later step that writes one is not held to the plan's
        fingerprint (the read-back checks it)."""
        gone = {name_key(item.territory.name) for item in step.items}
        loop = asyncio.get_running_loop()
        for child in self.live.territories or ():
            key = f"territory:{child.id}"
            if child.parent and name_key(child.parent) in gone and key not in self._verdicts:
                self._verdicts[key] = loop.create_future()
                self._verdicts[key].set_result([])

    def _gather(self, keys: list[str]) -> None:
        """Add `keys` to the ready set being gathered; the first starts its re-read, which
        waits one turn of the loop so that every step made ready with it joins."""
        loop = asyncio.get_running_loop()
        for key in keys:
            self._verdicts[key] = loop.create_future()
        if not self._gathering:
            task = loop.create_task(self._read())
            self._reads.add(task)
            task.add_done_callback(self._reads.discard)
        self._gathering.update(keys)

    async def _read(self) -> None:
        await asyncio.sleep(0)
        keys, self._gathering = self._gathering, set()
        wanted = Wanted.of(keys)
        self.sets += 1
        self.calls += Sizes(self.live).calls(wanted)
        try:
            now, added = await self._now(wanted)
        except Exception as exc:  # every step of the set fails with it
            for key in keys:
                self._verdicts[key].set_exception(exc)
            return
        then = self.plan.fingerprints
        for key in keys:
            self._verdicts[key].set_result(_verdict(key, then[key], now.get(key), added))

    async def _now(self, wanted: Wanted) -> tuple[Prints, dict[str, list[str]]]:
        """The fingerprints of what `wanted` names as it is now, and what each list that was
        read holds that the plan did not know of."""
        parts = await concurrently(
            self._territories(wanted),
            self._defaults() if wanted.defaults else _nothing(),
            *(self._rules(m) for m in wanted.modules),
        )
        now: Prints = {}
        for part in parts:
            now |= part
        then = self.plan.fingerprints
        added = {
            index: [f"{now[k].name} was added" for k in sorted(now) if _new(k, prefix, then)]
            for index, prefix in _lists(wanted)
        }
        return now, added

    async def _territories(self, wanted: Wanted) -> Prints:
        if not wanted.index and not wanted.territories:
            return {}
        tracked = {t.id for t in self.live.territories or () if t.users is not None}
        members = [i for i in wanted.territories if i in tracked]
        listing = (
            self.client.list_territories(True)
            if wanted.index
            else self.client.territories_by_id(list(wanted.territories))
        )
        raw, *ids = await concurrently(listing, *(self._member_ids(i) for i in members))
        present = {wire.ident(t) for t in raw}
        gone = [i for i, m in zip(members, ids, strict=True) if isinstance(m, Rejected)]
        for ident, got in zip(members, ids, strict=True):
            if isinstance(got, Rejected) and ident in present:
                raise got  # the territory is there: its members could not be read
        known = {i: m for i, m in zip(members, ids, strict=True) if i not in gone}
        return fingerprints(OrgState(territories=self._built(raw, known)))

    async def _member_ids(self, territory_id: str) -> list[str] | Rejected:
        """A territory's member ids, or Zoho's refusal (the territory may be gone: the
        listing then says so)."""
        try:
            return wire.member_ids(await self.client.list_territory_users(territory_id))
        except Rejected as refused:
            return refused

    def _built(self, raw: list[dict[str, Any]], members: dict[str, Any]) -> tuple[Territory, ...]:
        """The territories as `live.read` builds them, named through the org as checked."""
        names = {t.id or "": t.name for t in self.live.territories or ()}
        emails = {u.id: u.email.casefold() for u in self.live.directory.users}
        built = []
        for item in raw:
            ids = members.get(wire.ident(item))
            users = None if ids is None else tuple(emails.get(i, i) for i in ids)
            built.append(wire.territory_from_wire(item, names, emails, users))
        return tuple(built)

    async def _defaults(self) -> Prints:
        shares = wire.defaults_from_wire(await self.client.get_data_sharing())
        return fingerprints(OrgState(data_sharing=shares))

    async def _rules(self, module: str) -> Prints:
        directory = self.live.directory
        names = {n.id: n.name for n in (*directory.roles, *directory.groups)}
        raw = await self.client.list_sharing_rules(module)
        rules = sorted((wire.rule_from_wire(r, names) for r in raw), key=lambda r: r.key)
        return fingerprints(OrgState(sharing_rules={module: tuple(rules)}))


def _new(key: str, prefix: str, then: Prints) -> bool:
    return key.startswith(prefix) and key not in then


async def _nothing() -> Prints:
    return {}


def _lists(wanted: Wanted) -> list[tuple[str, str]]:
    """Each list read in full, with the prefix of its members' keys."""
    found = [(INDEX, "territory:")] if wanted.index else []
    return found + [(f"rules:{m}", f"rule:{m}:") for m in wanted.modules]


def _verdict(
    key: str, then: Fingerprint, now: Fingerprint | None, added: dict[str, list[str]]
) -> list[str]:
    if key in added:
        return added[key]
    if now is None:
        return [f"{then.name} was removed"]
    return [] if now.digest == then.digest else [f"{then.name} was changed"]
