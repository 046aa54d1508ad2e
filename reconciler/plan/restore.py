"""Records given back the territories a snapshot says they held (`rollback`): pure.

A snapshot keeps, for each record its apply realigns, the territories it held by hand and by
the rules, and those the apply gives it by hand (`RecordWas`). Rollback reads those records as
they are now (`HeldNow`) and works out, per record:

- `remove`: territories it holds by hand now that the apply gave it and it did not hold
  before; taken away before the configuration steps, while they exist (a territory the
  rollback deletes would hand them to its parent);
- `assign`: territories it held by hand before and does not hold by hand now, by the
  snapshot's names; given back after the configuration steps, which recreate a deleted one;
- per module, whether Zoho's Run Rules must run again (a rule-given territory differs),
  once the configuration steps have put the rules back.

A manual assignment the apply did not make is never touched."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from reconciler.model import Frozen, name_key


class RecordWas(Frozen):
    """A record before an apply realigned it: territories by the snapshot's names."""

    id: str
    manual: tuple[str, ...] = ()
    rules: tuple[str, ...] = ()
    added: tuple[str, ...] = ()  # what the apply was to assign it by hand


@dataclass(frozen=True)
class HeldNow:
    """A territory a record holds now."""

    id: str
    name: str
    manual: bool


class RecordBack(Frozen):
    id: str
    remove: tuple[str, ...] = ()  # territory ids, taken away before the configuration steps
    assign: tuple[str, ...] = ()  # territory names, given back after them


class ModuleBack(Frozen):
    module: str
    run_rules: bool = False
    records: tuple[RecordBack, ...] = ()


class RecordsBack(Frozen):
    """The `restore` part of a rollback's plan (docs/plan-format.md)."""

    modules: tuple[ModuleBack, ...] = ()


def records_back(
    was: Mapping[str, Sequence[RecordWas]],
    ids: Mapping[str, str],
    now: Mapping[str, Mapping[str, Sequence[HeldNow]]],
) -> RecordsBack | None:
    """What gives each record of `was` back its territories; `ids` the snapshot's territory
    ids by name, `now` what each record (by module and id) holds now. A record gone since is
    left out. None when nothing is to be done."""
    keyed = {name_key(name): ident for name, ident in ids.items()}
    modules = []
    for module, records in sorted(was.items()):
        held = now.get(module, {})
        backs, run = [], False
        for record in records:
            if record.id not in held:
                continue
            back, differs = _back(record, keyed, held[record.id])
            run = run or differs
            if back.remove or back.assign:
                backs.append(back)
        if backs or run:
            modules.append(ModuleBack(module=module, run_rules=run, records=tuple(backs)))
    return RecordsBack(modules=tuple(modules)) if modules else None


def _back(
    record: RecordWas, ids: Mapping[str, str], held: Sequence[HeldNow]
) -> tuple[RecordBack, bool]:
    """The record's way back, and whether its rule-given territories differ from before;
    `ids` by name key."""

    def ident(name: str) -> str:
        return ids.get(name_key(name), f"name:{name_key(name)}")  # no id: compare by name

    before = {ident(n) for n in (*record.manual, *record.rules)}
    added = {name_key(n) for n in record.added}
    by_hand = {h.id for h in held if h.manual}
    remove = tuple(
        h.id for h in held if h.manual and h.id not in before and name_key(h.name) in added
    )
    assign = tuple(n for n in record.manual if ident(n) not in by_hand)
    rules_now = {h.id for h in held if not h.manual}
    back = RecordBack(id=record.id, remove=remove, assign=assign)
    return back, rules_now != {ident(n) for n in record.rules}
