"""Scoped plans: `--target NAME` / `--exclude NAME` keep part of the change and leave the rest.

A NAME is a section (`territories`, `data_sharing`, `sharing_rules`), one module of a section
(`sharing_rules.Accounts`, `data_sharing.Deals`), or a territory with its subtree (by its
name in the YAML or in the org, the tree as the YAML has it and, for a territory about to be
deleted, as the org has it). The diff is narrowed before any step is made, so no step can
wait for one outside the scope; a kept change that needs a left-out one (a territory created
under a parent the plan leaves out, a region deleted while a change under it is left out) is
refused, naming both, rather than planned half-way.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from reconciler.errors import ScopeError
from reconciler.model import (
    DATA_SHARING_MODULES,
    SHARING_RULE_MODULES,
    Frozen,
    OrgState,
    Territory,
    name_key,
)
from reconciler.plan.diff import (
    Changes,
    DefaultChange,
    MemberChange,
    RuleChange,
    TerritoryChange,
    match,
)

SECTIONS = ("territories", "data_sharing", "sharing_rules")
MODULES = {"data_sharing": DATA_SHARING_MODULES, "sharing_rules": SHARING_RULE_MODULES}


class Partial(Frozen):
    """What a scoped plan kept and left out; saved in the plan file and shown in reviews."""

    targets: tuple[str, ...] = ()
    excludes: tuple[str, ...] = ()
    left_out: tuple[str, ...] = ()

    def describe(self, quote: Callable[[str], str] = "`{}`".format) -> str:
        parts = []
        if self.targets:
            parts.append("only " + ", ".join(map(quote, self.targets)))
        if self.excludes:
            parts.append("without " + ", ".join(map(quote, self.excludes)))
        left = len(self.left_out)
        parts.append(f"{left} change{'s' if left != 1 else ''} left out")
        return "; ".join(parts)


Change = TerritoryChange | MemberChange | DefaultChange | RuleChange


@dataclass(frozen=True)
class _Tree:
    """Each territory's names (as desired, as live) and the names of all it hangs under."""

    under_desired: dict[str, set[str]]  # desired key -> keys (both names) of self and ancestors
    under_live: dict[str, set[str]]  # live key -> the same, in the live tree
    known: set[str]


def narrow(
    changes: Changes,
    live: OrgState,
    desired: OrgState,
    targets: Iterable[str] = (),
    excludes: Iterable[str] = (),
) -> tuple[Changes, Partial]:
    """The changes in scope, and what was left out. Raises `ScopeError` for a NAME that
    names nothing, or a kept change that needs one left out."""
    targets, excludes = tuple(targets), tuple(excludes)
    tree = _tree(live, desired)
    unknown = [n for n in (*targets, *excludes) if not _names_something(n, tree)]
    if unknown:
        raise ScopeError(
            [
                f"`{n}` names no section, module or territory (use a territory's name, "
                f"a section such as `sharing_rules`, or a module such as `sharing_rules.Accounts`)"
                for n in unknown
            ]
        )

    def kept(change: Change) -> bool:
        inside = not targets or any(_covers(t, change, tree) for t in targets)
        return inside and not any(_covers(e, change, tree) for e in excludes)

    every: list[Change] = [*changes.territories, *changes.members, *changes.defaults]
    every += changes.rules
    left = [c for c in every if not kept(c)]
    narrowed = Changes(
        territories=tuple(c for c in changes.territories if kept(c)),
        members=tuple(c for c in changes.members if kept(c)),
        defaults=tuple(c for c in changes.defaults if kept(c)),
        rules=tuple(c for c in changes.rules if kept(c)),
    )
    _refuse_cut(narrowed, [c for c in left if isinstance(c, TerritoryChange)], live)
    partial = Partial(targets=targets, excludes=excludes, left_out=tuple(map(_said, left)))
    return narrowed, partial


def _tree(live: OrgState, desired: OrgState) -> _Tree:
    live_t, desired_t = live.territories or (), desired.territories or ()
    matched = match(live_t, desired_t)
    aliases: dict[str, set[str]] = {}
    for key, found in matched.items():
        aliases.setdefault(key, {key}).add(found.key)
        aliases.setdefault(found.key, {found.key}).add(key)
    return _Tree(
        under_desired=_ancestry(desired_t, aliases),
        under_live=_ancestry(live_t, aliases),
        known={t.key for t in (*live_t, *desired_t)},
    )


def _ancestry(
    territories: tuple[Territory, ...], aliases: dict[str, set[str]]
) -> dict[str, set[str]]:
    parent = {t.key: name_key(t.parent) if t.parent else None for t in territories}
    found: dict[str, set[str]] = {}
    for key in parent:
        names: set[str] = set()
        current: str | None = key
        seen: set[str] = set()
        while current is not None and current not in seen:
            seen.add(current)
            names |= aliases.get(current, {current})
            current = parent.get(current)
        found[key] = names
    return found


def _names_something(name: str, tree: _Tree) -> bool:
    section, _, module = name.partition(".")
    if section in SECTIONS:
        return not module or module in MODULES.get(section, ())
    return name_key(name) in tree.known


def _covers(name: str, change: Change, tree: _Tree) -> bool:
    section, _, module = name.partition(".")
    if section in SECTIONS:
        kind = _section_of(change)
        if kind != section:
            return False
        return not module or getattr(change, "module", None) == module
    key = name_key(name)
    if isinstance(change, TerritoryChange):
        under = tree.under_live if change.action == "delete" else tree.under_desired
        lookup = change.live.key if change.action == "delete" and change.live else change.key
        return key in under.get(lookup, {lookup})
    if isinstance(change, MemberChange):
        territory = name_key(change.territory)
        return key in tree.under_desired.get(territory, {territory})
    return False


def _section_of(change: Change) -> str:
    if isinstance(change, TerritoryChange | MemberChange):
        return "territories"
    return "data_sharing" if isinstance(change, DefaultChange) else "sharing_rules"


def _refuse_cut(kept: Changes, left: list[TerritoryChange], live: OrgState) -> None:
    """Kept changes that need a left-out one: refused, each named with what it needs.
    (Memberships are always in the scope of their territory, so they cannot be cut off.)"""
    # Territories a kept change refers to by their new name: only there once created/renamed.
    appearing = {
        c.key: c
        for c in left
        if c.action == "create" or (c.action == "update" and c.renamed_from is not None)
    }
    problems = []
    for change in kept.territories:
        needed = change.transfer_to if change.action == "delete" else change.parent
        moving = change.action == "create" or change.moved_from is not None
        if needed and (moving or change.action == "delete"):
            cut = appearing.get(name_key(needed))
            if cut is not None:
                problems.append(
                    f"{_said(change)} needs `{needed}`, whose "
                    f"{'creation' if cut.action == 'create' else 'rename'} is left out"
                )
    problems += _deletes_cut(kept, left, live)
    if problems:
        raise ScopeError(problems)


def _deletes_cut(kept: Changes, left: list[TerritoryChange], live: OrgState) -> list[str]:
    """A kept delete whose live subtree has a left-out change: its children would land on
    the heir instead of where the YAML puts them."""
    parent = {t.key: name_key(t.parent) if t.parent else None for t in live.territories or ()}
    problems = []
    deleted = {c.live.key: c for c in kept.territories if c.action == "delete" and c.live}
    for change in left:
        start = change.live.key if change.live else None
        current = parent.get(start) if start else None
        while current is not None:
            if current in deleted:
                problems.append(
                    f"{_said(deleted[current])} needs {_said(change)} under it, which is left out"
                )
                break
            current = parent.get(current)
    return problems


def _said(change: Change) -> str:
    """A change in a few words, for the list of what a partial plan leaves out."""
    if isinstance(change, TerritoryChange):
        verb = {"create": "create", "update": "change", "delete": "delete"}[change.action]
        return f"{verb} territory `{change.name}`"
    if isinstance(change, MemberChange):
        return f"the members of `{change.territory}`"
    if isinstance(change, DefaultChange):
        return f"the {change.module} data-sharing default"
    return f"{change.action} sharing rule `{change.name}` ({change.module})"
