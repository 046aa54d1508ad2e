"""A plan in words, shared by every rendering: the summary line, the tree of affected
territories, and a phrase for each kind of change.

Readers are CRM admins, so the words are names, emails and the YAML's own keys and values,
never Zoho ids.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from enum import Enum
from typing import Any

from pydantic import TypeAdapter

from reconciler.counts import plural
from reconciler.model import (
    TERRITORY_FIELDS,
    Comparator,
    Condition,
    Criteria,
    Group,
    Principal,
    PrincipalKind,
    SharingRule,
    name_key,
)
from reconciler.plan.build import Plan, Summary
from reconciler.plan.diff import FieldChange, Origin, RuleChange, TerritoryChange
from reconciler.plan.origin import ORIGINS, labelled, only

NO_CHANGES = "No changes. The org matches the configuration."
LONG = 100  # a field change longer than this puts "was" and "now" on lines of their own
MARKERS = {"added": "+", "removed": "-", "moved": "→", "renamed": "~", "updated": "~"}
STYLES = {"added": "green", "removed": "red", "moved": "cyan", "renamed": "magenta"}
STYLES |= {"updated": "yellow", "context": "dim"}
LEGEND = "+ new  ~ changed  → moved  - deleted"
SYMBOLS = {
    Comparator.equal: "=",
    Comparator.not_equal: "≠",
    Comparator.less_than: "<",
    Comparator.less_equal: "≤",
    Comparator.greater_than: ">",
    Comparator.greater_equal: "≥",
}
# Criteria and principals come back from a plan file as plain dicts (FieldChange values are
# untyped), so they are re-read before they are put into words.
_CRITERIA: TypeAdapter[Criteria] = TypeAdapter(Criteria)
FieldText = tuple[str, str | None, str]  # field, value before (None: newly set), value after


# -- the summary line -----------------------------------------------------------------------


def summary_line(s: Summary) -> str:
    """`Plan: 3 to create, ...; 14 users gain access, 2 lose it; ...; 9 API calls (...)`."""
    clauses = [_territory_clause(s), _access_clause(s), _other_clause(s), calls_text(s)]
    return "; ".join(c for c in clauses if c)


def _territory_clause(s: Summary) -> str:
    parts = [f"{s.create:,} to create", f"{s.update:,} to update"]
    if s.rename:  # rare, so only said when it happens
        parts.append(f"{s.rename:,} to rename")
    parts += [f"{s.move:,} to move", f"{s.delete:,} to delete"]
    return "Plan: " + ", ".join(parts)


def _access_clause(s: Summary) -> str:
    gain, lose = s.users_gaining, s.users_losing
    if gain and lose:
        return (
            f"{plural(gain, 'user gains', 'users gain')} access, {plural(lose, 'loses', 'lose')} it"
        )
    if gain:
        return f"{plural(gain, 'user gains', 'users gain')} access"
    if lose:
        return f"{plural(lose, 'user loses', 'users lose')} access"
    return ""


def _other_clause(s: Summary) -> str:
    parts = []
    removed = s.members_removed + s.members_dropped
    if s.members_added:
        parts.append(plural(s.members_added, "membership to add", "memberships to add"))
    if removed:
        many = "to remove" if s.members_added else "memberships to remove"
        parts.append(plural(removed, "membership to remove", many))
    if s.defaults:
        parts.append(
            plural(s.defaults, "data sharing default", "data sharing defaults") + " to change"
        )
    rules = s.rules_created + s.rules_updated + s.rules_deleted
    rules += s.rules_activated + s.rules_deactivated
    if rules:
        parts.append(plural(rules, "sharing rule change", "sharing rule changes"))
    for count, one in (
        (s.roles_created + s.roles_updated + s.roles_deleted, "role change"),
        (s.groups_created + s.groups_updated + s.groups_deleted, "group change"),
        (s.users_updated, "user role change"),
    ):
        if count:
            parts.append(plural(count, one))
    return ", ".join(parts)


def calls_text(s: Summary) -> str:
    calls = plural(s.api_calls, "API call", "API calls")
    credits = plural(s.credits, "credit", "credits")
    return f"{calls} ({credits}) in {plural(s.levels, 'level', 'levels')}"


# -- the affected part of the tree ----------------------------------------------------------


@dataclass(frozen=True)
class Node:
    name: str
    change: TerritoryChange | None
    children: tuple[Node, ...] = ()

    @property
    def key(self) -> str:
        return name_key(self.name)

    @property
    def kind(self) -> str:
        return change_kind(self.change) if self.change is not None else "context"


class TreeIndex:
    """`plan.tree` by key, completed from the changes (a plan from elsewhere may lack it)."""

    def __init__(self, plan: Plan) -> None:
        self.changes = {c.key: c for c in plan.changes.territories}
        self.names = {name_key(n): n for n in plan.tree}
        self.renamed = {
            name_key(c.renamed_from): c.key for c in self.changes.values() if c.renamed_from
        }
        given = {name_key(n): p for n, p in plan.tree.items()}
        for key, change in self.changes.items():
            self.names.setdefault(key, change.name)
            given.setdefault(key, change.parent)
        self.parents = {key: self._parent(key, parent) for key, parent in given.items()}

    def _parent(self, key: str, parent: str | None) -> str | None:
        # A deleted territory hangs under its live parent, by the parent's live name.
        deleted = key in self.changes and self.changes[key].action == "delete"
        return self.live_key(parent) if deleted else self.key_of(parent)

    def key_of(self, name: str | None) -> str | None:
        """The key of a territory named as in the desired tree (None: not in the tree)."""
        if name is None:
            return None
        key = name_key(name)
        return key if key in self.names else self.renamed.get(key)

    def live_key(self, name: str | None) -> str | None:
        """The key of a territory named as in the live org: a renamed one by its new name."""
        if name is None:
            return None
        key = name_key(name)
        return self.renamed.get(key, key if key in self.names else None)

    def affected(self, also: Iterable[str] = ()) -> tuple[Node, ...]:
        """Changed territories (and the keys in `also`) with their ancestors as context,
        children sorted by name."""
        keep: set[str] = set()
        for start in [*self.changes, *also]:
            key: str | None = start
            while key is not None and key not in keep:
                keep.add(key)
                key = self.parents.get(key)
        children: dict[str | None, list[str]] = {}
        for key in sorted(keep):
            parent = self.parents.get(key)
            children.setdefault(parent if parent in keep else None, []).append(key)
        return self._nodes(None, children)

    def _nodes(self, parent: str | None, children: dict[str | None, list[str]]) -> tuple[Node, ...]:
        return tuple(
            Node(self.names[key], self.changes.get(key), self._nodes(key, children))
            for key in children.get(parent, ())
        )


def walk(nodes: Iterable[Node]) -> Iterator[Node]:
    """Parents before children, so any prefix of the walk is a connected tree."""
    for node in nodes:
        yield node
        yield from walk(node.children)


def change_kind(change: TerritoryChange) -> str:
    """added, removed, moved, renamed or updated: a move outranks a rename outranks fields."""
    if change.action == "create":
        return "added"
    if change.action == "delete":
        return "removed"
    if change.moved_from is not None:
        return "moved"
    return "renamed" if change.renamed_from is not None else "updated"


# -- phrases --------------------------------------------------------------------------------


def territory_notes(change: TerritoryChange) -> list[str]:
    notes = []
    if change.action == "create":
        notes.append("new")
    if change.renamed_from is not None:
        notes.append(f"renamed from {change.renamed_from}")
    if change.moved_from is not None:
        notes.append(f"moved from {change.moved_from}")
    if change.action == "delete":
        notes.append(f"deleted; records and remaining children go to {change.transfer_to}")
    return notes


def territory_fields(change: TerritoryChange) -> list[FieldText]:
    """What a create sets, or each field an update changes, in words."""
    if change.action == "create" and change.desired is not None:
        desired = change.desired
        stated = [f for f in TERRITORY_FIELDS if f in desired.model_fields_set]
        values = [(f, getattr(desired, f)) for f in stated]
        return [(f, None, value_text(f, v)) for f, v in values if v is not None]
    return field_texts(change.fields)


def field_texts(fields: Iterable[FieldChange]) -> list[FieldText]:
    return [(f.field, value_text(f.field, f.before), value_text(f.field, f.after)) for f in fields]


def rule_marker(change: RuleChange) -> str:
    return {"create": "+", "delete": "-"}.get(change.action, "~")


def rule_notes(change: RuleChange) -> list[str]:
    if change.activation is None:
        return []
    if change.action == "create":
        return ["created inactive"]  # a rule is created active, then switched off
    return [f"to be {change.activation}d"]


def rule_description(change: RuleChange) -> str | None:
    """Whose records go to whom, for a rule created or deleted (an update lists fields)."""
    rule = change.desired if change.action == "create" else change.live
    if change.action not in ("create", "delete") or rule is None:
        return None
    return describe_rule(rule)


def describe_rule(rule: SharingRule) -> str:
    if rule.source is not None:
        basis = f"records owned by {principal_text(rule.source)}"
    else:
        assert rule.criteria is not None  # a rule has one of the two (SharingRule checks)
        basis = f"records matching {criteria_text(rule.criteria)}"
    text = f"{basis}, shared with {principal_text(rule.target)}: {rule.access.value} access"
    return text + (", superiors included" if rule.superiors else "")


def value_text(field: str, value: Any) -> str:
    """A field's value as a reviewer reads it: `(none)`, an email, `all(...)`, `yes`."""
    if value is None:
        return "(none)"
    if field in ("account_rule", "deal_rule", "lead_rule", "criteria"):
        return criteria_text(_CRITERIA.validate_python(value))
    if field in ("source", "target"):
        return principal_text(Principal.model_validate(value))
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Enum):
        return str(value.value)
    return json.dumps(value, ensure_ascii=False) if field == "description" else str(value)


def criteria_text(criteria: Criteria) -> str:
    """`all(Billing_Country in [USA, Canada], Annual_Revenue > 1000)`, like the YAML."""
    if isinstance(criteria, Group):
        word = "all" if criteria.operator == "and" else "any"
        return f"{word}({', '.join(criteria_text(c) for c in criteria.criteria)})"
    return f"{criteria.field} {_comparison(criteria)}"


def _comparison(c: Condition) -> str:
    if c.comparator in (Comparator.between, Comparator.not_between) and isinstance(c.value, tuple):
        low, high = (_scalar(v) for v in c.value)
        return f"{c.comparator.value.replace('_', ' ')} {low} and {high}"
    op = SYMBOLS.get(c.comparator, c.comparator.value.replace("_", " "))
    if isinstance(c.value, tuple):
        return f"{op} [{', '.join(_scalar(v) for v in c.value)}]"
    return f"{op} {_scalar(c.value)}"


def _scalar(value: str | bool) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    # Quote a value only where it could be misread: empty, padded, or holding list syntax.
    if not value or value != value.strip() or any(ch in value for ch in ',[]()"\n'):
        return json.dumps(value, ensure_ascii=False)
    return value


def principal_text(principal: Principal) -> str:
    if principal.kind is PrincipalKind.all_users:
        return "all users"
    text = f"{principal.kind.value} {principal.name}"
    return text + " and subordinates" if principal.subordinates else text


@dataclass(frozen=True)
class Membership:
    """The users joining and leaving one territory, including those of a deleted one."""

    territory: str
    note: str | None
    added: tuple[str, ...]
    removed: tuple[str, ...]


def memberships(plan: Plan) -> list[Membership]:
    found = [
        Membership(m.territory, "new territory" if m.new_territory else None, m.added, m.removed)
        for m in plan.changes.members
    ]
    found += [
        Membership(c.name, "deleted territory", (), c.members_dropped)
        for c in plan.changes.territories
        if c.action == "delete" and c.members_dropped
    ]
    return sorted(found, key=lambda m: name_key(m.territory))


# -- from this change, or drift (plan --base) -----------------------------------------------

NONE = "None."
NOTES: dict[Origin, str] = {
    "change": "What the configuration edit under review does.",
    "drift": "Not from this edit: the org differs from the configuration already in place "
    "(changed by hand, or never applied). Applying this plan puts these back.",
}


@dataclass(frozen=True)
class Part:
    """The changes of one origin as a plan of their own (the steps stay the whole plan's);
    `heading` is None when the plan was made without a base, and `plan` is all of it."""

    heading: str | None
    note: str | None
    plan: Plan


def parts(plan: Plan, base: str | None = None) -> list[Part]:
    """The plan split by origin, the edit's changes first; one untitled part if unlabelled.
    `base` names the revision the labels were judged against (`Base.describe()`)."""
    if not labelled(plan.changes):
        return [Part(None, None, plan)]
    return [
        Part(
            origin_heading(origin, base),
            NOTES[origin],
            plan.model_copy(update={"changes": only(plan.changes, origin)}),
        )
        for origin in ORIGINS
    ]


def origin_heading(origin: Origin, base: str | None) -> str:
    if origin == "change":
        return "From this change"
    return f"Drift (the org differs from {base or 'the base revision'})"


def origin_line(s: Summary) -> str:
    """`From this change: 3 changes; drift: 1 change`, for a plan made with a base."""
    return (
        f"From this change: {plural(s.from_change, 'change', 'changes')}; "
        f"drift: {plural(s.drift, 'change', 'changes')}"
    )
