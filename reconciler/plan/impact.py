"""Record impact: where each record lands under the desired tree and rules, compared with
where it is, and who gains or loses access to how many records (pure).

Records arrive one page at a time (`Impact.add`) and are not kept: what is kept is, for
every account and contact, the territories it lands in (contacts and deals follow them; one
shared tuple for each distinct set), and for the records that change their id and the index
of how they change (plan/record_changes.py). Counts by territory and by user are worked out
once per distinct change, not per record. So a plan over 100,000 accounts stays small.

`after` is where a record lands: its manual territories stay, the rules fill what the cap
leaves. With `realign: assign` nothing is dropped (the rules' new territories are added);
with `realign: full` manual territories this tool's user assigned (an earlier realignment)
go when the rules no longer give them. Other manual assignments are never touched."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import Field

from reconciler.model import (
    RECORD_MODULES,
    Criteria,
    Frozen,
    Group,
    OrgState,
    Realign,
    Territory,
    name_key,
)
from reconciler.plan.assignment import RULE_OF, Rules, cap_of, land
from reconciler.plan.record_changes import Change, Names, RecordChanges

__all__ = ["Change", "RecordChanges"]  # re-exported: a module's changes are of these types

IMPACT_VERSION = 1
TOP_TERRITORIES = 20
Access = dict[str, list[int]]  # user -> [records gained, records lost]


@dataclass(frozen=True)
class Held:
    """One territory a record holds: by name, and how it got there."""

    name: str
    manual: bool = False
    ours: bool = False  # assigned by hand by the user reconciler acts as


@dataclass(frozen=True)
class RecordRow:
    """A record as the impact needs it: the rule fields, its links, what it holds."""

    id: str
    values: Mapping[str, Any]
    held: tuple[Held, ...] = ()
    account: str | None = None
    contact: str | None = None


class Flow(Frozen):
    territory: str
    gained: int = 0
    lost: int = 0


class ModuleImpact(Frozen):
    module: str
    read: int = 0
    gain: int = 0
    lose: int = 0
    move: int = 0
    over_cap: tuple[str, ...] = ()
    manual_kept: int = 0
    realign: Realign | None = None
    changes: RecordChanges = Field(default_factory=RecordChanges)
    territories: tuple[Flow, ...] = ()


class UserAccess(Frozen):
    user: str
    gains: int = 0
    loses: int = 0


class RecordImpact(Frozen):
    """The `records` part of a plan (docs/plan-format.md)."""

    version: int = IMPACT_VERSION
    modules: tuple[ModuleImpact, ...] = ()
    users: tuple[UserAccess, ...] = ()

    @property
    def changed(self) -> int:
        return sum(len(m.changes) for m in self.modules)


@dataclass
class _Module:
    name: str
    mode: Realign | None
    read: int = 0
    over_cap: list[str] = field(default_factory=list)
    manual_kept: int = 0
    changes: RecordChanges = field(default_factory=RecordChanges)


class Impact:
    """Feed it the records of each module in turn (Accounts before Contacts before Deals)."""

    def __init__(self, live: OrgState, desired: OrgState, realign: Mapping[str, Realign]) -> None:
        territories = effective(live, desired)
        self.rules = Rules.of(territories or ())
        self.names = _renames(territories or ())
        self.transfer = _transfers(live.territories or (), self.names)
        self.realign = realign
        self.members_before = _members(live.territories or (), live.territories or ())
        self.members_after = _members(territories or (), live.territories or ())
        # Where each account and contact lands, in order: contacts and deals follow them.
        self.landed: dict[str, dict[str, Names]] = {"Accounts": {}, "Contacts": {}}
        self.shared: dict[Names, Names] = {}  # one tuple for each set of territories
        self.modules: dict[str, _Module] = {}

    def add(self, module: str, rows: Iterable[RecordRow]) -> None:
        state = self.modules.setdefault(module, _Module(module, self.realign.get(module)))
        for row in rows:
            state.read += 1
            self._one(state, row)

    def _one(self, state: _Module, row: RecordRow) -> None:
        held = [Held(self.names.get(name_key(h.name), h.name), h.manual, h.ours) for h in row.held]
        before = [h.name for h in held]
        by_hand = tuple(dict.fromkeys(h.name for h in held if h.manual))
        # Once the configuration steps ran: a deleted territory's records are its parent's.
        held = [Held(self.transfer.get(name_key(h.name), h.name), h.manual, h.ours) for h in held]
        kept = list(dict.fromkeys(h.name for h in held))
        manual = list(dict.fromkeys(h.name for h in held if h.manual))
        earned = self._earned(state.name, row)
        landed, left_out = land(earned, manual, cap_of(state.name))
        if left_out:
            state.over_cap.append(row.id)
        state.manual_kept += sum(1 for t in manual if t not in earned)
        remove: list[str] = []
        add: list[str] = []
        if state.mode is Realign.assign:
            add = [t for t in landed if t not in kept]
            landed = kept + add
        elif state.mode is Realign.full:
            remove = [h.name for h in held if h.ours and h.name not in earned]
            landed = [t for t in landed if t not in remove]
        if state.name in self.landed:
            after = tuple(landed)
            self.landed[state.name][row.id] = self.shared.setdefault(after, after)
        if set(landed) != set(before):
            shape = (tuple(before), tuple(landed), tuple(remove), tuple(add), by_hand)
            state.changes.add(row.id, shape)

    def _earned(self, module: str, row: RecordRow) -> list[str]:
        if module in ("Accounts", "Leads"):
            return [self.rules.names[k] for k in self.rules.walk(module, row.values)]
        account = self.landed["Accounts"].get(row.account or "", ())
        if module == "Contacts":
            return list(account)
        source = self.landed["Contacts"].get(row.contact or "", ()) or account
        return [t for t in source if self.rules.deal_allows(name_key(t), row.values)]

    def _access(self, access: Access, before: Names, after: Names, records: int) -> None:
        had = {u for t in before for u in self.members_before.get(name_key(t), ())}
        has = {u for t in after for u in self.members_after.get(name_key(t), ())}
        for user in has - had:
            access.setdefault(user, [0, 0])[0] += records
        for user in had - has:
            access.setdefault(user, [0, 0])[1] += records

    def result(self) -> RecordImpact:
        access: Access = {}
        modules = tuple(
            self._finish(self.modules[m], access) for m in sorted(self.modules, key=_order)
        )
        users = tuple(
            UserAccess(user=u, gains=g, loses=lo) for u, (g, lo) in sorted(access.items())
        )
        return RecordImpact(modules=modules, users=users)

    def _finish(self, state: _Module, access: Access) -> ModuleImpact:
        """The module's counts, worked out once per distinct change; `access` gets the
        records each user gains and loses access to."""
        gain = lose = 0
        gained: Counter[str] = Counter()
        lost: Counter[str] = Counter()
        for (before, after, *_), records in state.changes.shapes().items():
            had, has = set(before), set(after)
            gain += records if has > had else 0
            lose += records if has < had else 0
            gained.update(dict.fromkeys(has - had, records))
            lost.update(dict.fromkeys(had - has, records))
            self._access(access, before, after, records)
        flows = sorted(
            (
                Flow(territory=t, gained=gained[t], lost=lost[t])
                for t in gained.keys() | lost.keys()
            ),
            key=lambda f: (-(f.gained + f.lost), f.territory.casefold()),
        )
        return ModuleImpact(
            module=state.name,
            read=state.read,
            gain=gain,
            lose=lose,
            move=len(state.changes) - gain - lose,
            over_cap=tuple(state.over_cap),
            manual_kept=state.manual_kept,
            realign=state.mode,
            changes=state.changes,
            territories=tuple(flows),
        )


def _order(module: str) -> int:
    return RECORD_MODULES.index(module)


def _transfers(live: Iterable[Territory], names: Mapping[str, str]) -> dict[str, str]:
    """Live territory key -> the desired name its records pass to when it is deleted (its
    nearest surviving ancestor: transfer-and-delete, DESIGN §5)."""
    parents = {t.key: t.parent for t in live}
    found: dict[str, str] = {}
    for key in parents:
        if key in names:
            continue
        up = parents[key]
        while up is not None and name_key(up) not in names:
            up = parents.get(name_key(up))
        if up is not None:
            found[key] = names[name_key(up)]
    return found


def _renames(desired: Iterable[Territory]) -> dict[str, str]:
    """Live territory name key -> the desired name (renames via `previously`)."""
    found = {t.key: t.name for t in desired}
    for territory in desired:
        for old in territory.previously:
            found.setdefault(name_key(old), territory.name)
    return found


def _members(
    territories: Iterable[Territory], live: Iterable[Territory]
) -> dict[str, tuple[str, ...]]:
    """Territory key -> member emails; unmanaged membership keeps the live members."""
    live_users = {t.key: t.users or () for t in live}
    return {
        t.key: t.users if t.users is not None else live_users.get(t.key, ()) for t in territories
    }


def effective(live: OrgState, desired: OrgState) -> tuple[Territory, ...]:
    """The tree after apply: the desired one, where a rule the YAML leaves out (unmanaged)
    keeps its live value."""
    if desired.territories is None:
        return live.territories or ()
    renames = _renames(desired.territories)
    current = {name_key(renames.get(t.key, t.name)): t for t in live.territories or ()}
    merged = []
    for territory in desired.territories:
        before = current.get(territory.key)
        kept = {
            kind: getattr(before, kind)
            for kind in RULE_OF.values()
            if before is not None and kind not in territory.managed_fields()
        }
        merged.append(territory.model_copy(update=kept) if kept else territory)
    return tuple(merged)


def modules_to_read(live: OrgState, desired: OrgState) -> tuple[str, ...]:
    """The modules whose records the plan reads: those whose rules or tree change, those to
    realign, and the contacts and deals that follow changed accounts."""
    realign = desired.records.realign if desired.records else {}
    renames = _renames(desired.territories or ())
    after = OrgState(territories=effective(live, desired))
    wanted = set(realign)
    if desired.territories is not None:
        for module, kind in RULE_OF.items():
            if _shape(live, kind, renames) != _shape(after, kind, renames):
                wanted.add(module)
    if "Accounts" in wanted:
        wanted |= {"Contacts", "Deals"}
    return tuple(m for m in RECORD_MODULES if m in wanted)


def _shape(state: OrgState, kind: str, renames: Mapping[str, str]) -> set[tuple[Any, ...]]:
    """The tree as one module's rules see it: (territory, parent, rule) by desired name."""

    def named(name: str | None) -> str | None:
        return None if name is None else name_key(renames.get(name_key(name), name))

    return {(named(t.name), named(t.parent), getattr(t, kind)) for t in state.territories or ()}


def rule_fields(desired: OrgState, module: str) -> set[str]:
    """The fields a module's rules read (deals: their deal rules)."""
    kind = RULE_OF.get(module)
    found: set[str] = set()
    for territory in desired.territories or ():
        criteria = getattr(territory, kind) if kind else None
        if criteria is not None:
            found |= _fields_of(criteria)
    return found


def _fields_of(criteria: Criteria) -> set[str]:
    if isinstance(criteria, Group):
        return {f for inner in criteria.criteria for f in _fields_of(inner)}
    return {criteria.field}
