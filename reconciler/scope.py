"""What a read of the live org covers: pure, so that the plan file can hold it and the
planner can derive it without loading the client."""

from __future__ import annotations

from collections.abc import Iterable

from reconciler.model import RULE_KINDS, Frozen, OrgState, SourceKind, Territory, name_key


class Scope(Frozen):
    """What to read. `members_of` holds the keys of territories whose membership is
    managed, under their names and former names; `root_members` whether the root's is (the
    root is matched whatever its name); `keep` the desired names (and former names) so that
    territories about to be deleted have their members read too (who loses access)."""

    territories: bool = False
    members_of: tuple[str, ...] | None = ()  # None: every territory
    root_members: bool = False
    keep: tuple[str, ...] | None = None  # None: nothing is deleted (export)
    data_sharing: bool = False
    rule_modules: tuple[str, ...] | None = ()  # None: every module
    field_modules: tuple[str, ...] = ()
    roles: bool = False
    groups: bool = False
    users: bool = False

    @classmethod
    def everything(cls) -> Scope:
        return cls(
            territories=True,
            members_of=None,
            data_sharing=True,
            rule_modules=None,
            roles=True,
            groups=True,
            users=True,
        )

    @classmethod
    def for_config(cls, desired: OrgState) -> Scope:
        territories = desired.territories
        # Sorted tuples, not sets: the scope is saved in the plan file, byte for byte.
        # A territory about to be renamed is still live under a former name.
        members = _keys(t for t in territories or () if t.users is not None)
        keep = _keys(territories or ())
        return cls(
            territories=territories is not None or _territory_sources(desired),
            members_of=members,
            root_members=any(t.is_root and t.users is not None for t in territories or ()),
            keep=keep if territories is not None else None,
            data_sharing=desired.data_sharing is not None,
            rule_modules=_rule_modules(desired),
            field_modules=criteria_modules(desired),
            roles=desired.roles is not None,
            groups=desired.groups is not None,
            users=desired.users is not None,
        )


def _keys(territories: Iterable[Territory]) -> tuple[str, ...]:
    """The keys of the territories' names and former names, sorted."""
    return tuple(sorted({name_key(n) for t in territories for n in (t.name, *t.previously)}))


def criteria_modules(desired: OrgState) -> tuple[str, ...]:
    """Modules whose fields the desired criteria name (their fields are checked)."""
    found = {RULE_KINDS[k] for t in desired.territories or () for k in RULE_KINDS if getattr(t, k)}
    for module, rules in (desired.sharing_rules or {}).items():
        if any(r.criteria is not None for r in rules):
            found.add(module)
    return tuple(sorted(found))


def _rule_modules(desired: OrgState) -> tuple[str, ...] | None:
    """The managed modules' rules; every module's when groups are pruned (a rule nobody
    manages may still share with a group about to go)."""
    if desired.prune_groups and desired.groups is not None:
        return None
    return tuple(sorted(desired.sharing_rules)) if desired.sharing_rules is not None else ()


def _territory_sources(desired: OrgState) -> bool:
    """Groups drawing on territories need the territories' ids, even when the tree is not
    managed."""
    return any(s.kind is SourceKind.territory for g in desired.groups or () for s in g.sources)
