"""Whether two plans make the same change in two orgs, modulo Zoho ids and the user mapping:
the check `promote` makes between the plan applied to one org and the plan for the next.
Every kind counts: territories, memberships, defaults, rules, roles, groups, users' roles.

Each change is put into one line of plain words: what it touches (the object, the fields)
and what the org held before, with no ids and every email translated back to the
configuration's (`canonical`). The values a change sets are left out: they are the
configuration's, the same in both orgs but for the mapping and the overlays, which may
differ on purpose. Two changes are the same exactly when their lines are, so a change one
org needs and the other does not (someone edited it by hand) shows as a line of its own.
Objects only one environment's configuration declares (from its overlays) are not compared.
The lines are what `promote` shows when the plans differ. Pure.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from reconciler.model import GroupSource, OrgState, SourceKind, name_key
from reconciler.plan.access import GroupChange, RoleChange
from reconciler.plan.diff import (
    Changes,
    FieldChange,
    MemberChange,
    RuleChange,
    TerritoryChange,
)

Canonical = Callable[[str], str]
SYMBOLS = {"create": "+", "update": "~", "delete": "-", "none": "~"}
EMAIL_FIELDS = frozenset({"manager"})


@dataclass(frozen=True)
class Difference:
    """The changes only the first plan makes, and those only the second makes."""

    only_first: tuple[str, ...]
    only_second: tuple[str, ...]

    @property
    def same(self) -> bool:
        return not (self.only_first or self.only_second)


def compare(
    first: Changes,
    second: Changes,
    canon_first: Canonical,
    canon_second: Canonical,
    shared: Callable[[str], bool] = lambda key: True,
) -> Difference:
    """How `second` differs from `first`, each change's emails read through its org's
    `canon_*` (that org's email -> the configuration's). `shared(key)` says whether both
    configurations declare the object (`territory:<key>`, `rule:<module>:<key>`,
    `default:<module>`); changes to objects only one declares are left out."""
    a = [line for key, line in describe(first, canon_first) if shared(key)]
    b = [line for key, line in describe(second, canon_second) if shared(key)]
    return Difference(
        only_first=tuple(line for line in a if line not in b),
        only_second=tuple(line for line in b if line not in a),
    )


def describe(changes: Changes, canonical: Canonical) -> Iterator[tuple[str, str]]:
    """Each change as (the object's key, a line without ids or values set), emails in the
    configuration's terms."""
    for territory in changes.territories:
        yield f"territory:{territory.key}", _territory(territory, canonical)
    for members in changes.members:
        key = f"territory:{name_key(members.territory)}"
        yield key, _members(members, canonical)
    for default in changes.defaults:
        yield f"default:{default.module}", f"~ data sharing {default.module} (was {default.before})"
    for rule in changes.rules:
        yield f"rule:{rule.module}:{name_key(rule.name)}", _rule(rule)
    for role in changes.roles:
        yield f"role:{role.key}", _role(role, canonical)
    for group in changes.groups:
        yield f"group:{group.key}", _group(group, canonical)
    for user in changes.users:
        # Keyed by the configuration's email, so both orgs' changes to one user pair up.
        email = canonical(user.email)
        fields = "; ".join(_field(f, canonical) for f in user.fields)
        yield f"user:{email.casefold()}", f"~ user {email}; {fields}"


def _named(
    kind: str, change: TerritoryChange | RoleChange | GroupChange, canonical: Canonical
) -> list[str]:
    """How a change of a named object starts: the object, its rename and move (groups do
    not move), the fields it changes and from what."""
    parts = [f"{SYMBOLS[change.action]} {kind} {change.name}"]
    if change.renamed_from:
        parts.append(f"renamed from {change.renamed_from}")
    moved_from = getattr(change, "moved_from", None)
    if moved_from:
        parts.append(f"moved from under {moved_from}")
    return parts + [_field(f, canonical) for f in change.fields]


def _territory(change: TerritoryChange, canonical: Canonical) -> str:
    parts = _named("territory", change, canonical)
    if change.members_dropped:
        dropped = sorted(canonical(e) for e in change.members_dropped)
        parts.append("its members " + ", ".join(dropped))
    return "; ".join(parts)


def _members(change: MemberChange, canonical: Canonical) -> str:
    added = sorted("+" + canonical(e) for e in change.added)
    removed = sorted("-" + canonical(e) for e in change.removed)
    return f"~ members of {change.territory}: {' '.join(added + removed)}"


def _rule(change: RuleChange) -> str:
    parts = [f"{SYMBOLS[change.action]} sharing rule {change.module} / {change.name}"]
    parts += [_field(f, lambda email: email) for f in change.fields]
    if change.activation:
        parts.append(change.activation)
    return "; ".join(parts)


def _role(change: RoleChange, canonical: Canonical) -> str:
    parts = _named("role", change, canonical)
    if change.users_moved:
        moved = sorted(canonical(e) for e in change.users_moved)
        parts.append(f"its users {', '.join(moved)} to {change.transfer_to}")
    return "; ".join(parts)


def _group(change: GroupChange, canonical: Canonical) -> str:
    """The sources added are values the configuration sets, but name users: they are
    compared, each through its org's mapping, like a territory's members."""
    parts = _named("group", change, canonical)
    added = sorted("+" + _source(s, canonical) for s in change.sources_added)
    removed = sorted("-" + _source(s, canonical) for s in change.sources_removed)
    if added or removed:
        parts.append(f"sources {' '.join(added + removed)}")
    return "; ".join(parts)


def _source(source: GroupSource, canonical: Canonical) -> str:
    if source.kind is SourceKind.user:
        return f"user {canonical(source.name)}"
    below = " and below" if source.below else ""
    return f"{source.kind.value} {source.name}{below}"


def _field(change: FieldChange, canonical: Canonical) -> str:
    before = change.before
    if change.field in EMAIL_FIELDS and isinstance(before, str):
        before = canonical(before)
    return f"{change.field} (was {_value(before)})"


def _value(value: Any) -> str:
    if hasattr(value, "model_dump"):
        value = value.model_dump(mode="json")
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)


def emails_in(changes: Changes) -> set[str]:
    """Every email the changes name (managers before and after, members)."""
    found: set[str] = set()
    for territory in changes.territories:
        found.update(territory.members_dropped)
        for field in territory.fields:
            if field.field in EMAIL_FIELDS:
                found.update(v for v in (field.before, field.after) if isinstance(v, str))
    for members in changes.members:
        found.update(members.added)
        found.update(members.removed)
    for role in changes.roles:
        found.update(role.users_moved)
    for group in changes.groups:
        sources = (*group.sources_added, *group.sources_removed)
        found.update(s.name for s in sources if s.kind is SourceKind.user)
    found.update(user.email for user in changes.users)
    return found


def declared(state: OrgState) -> set[str]:
    """The keys (as `describe` names them) of every object a configuration declares; users
    are named by the org's email here, so they are always compared."""
    keys = {f"territory:{t.key}" for t in state.territories or ()}
    keys |= {f"role:{r.key}" for r in state.roles or ()}
    keys |= {f"group:{g.key}" for g in state.groups or ()}
    keys |= {f"default:{module}" for module in state.data_sharing or {}}
    for module, rules in (state.sharing_rules or {}).items():
        keys |= {f"rule:{module}:{rule.key}" for rule in rules}
    return keys
