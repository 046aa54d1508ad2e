"""The drift report: how the org differs from the YAML, object by object, each with the
audit-log entries that explain it. Pure: built from a drift plan's changes and the entries.

Reverting the drift is `apply` (the plan is the revert); keeping it is `adopt`. The JSON form
is versioned (`DRIFT_VERSION`); docs/drift.md describes it."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Literal

from pydantic import Field

from reconciler.model import Frozen, OrgState
from reconciler.plan.attribution import AuditEntry, Change, entries_for
from reconciler.plan.diff import (
    Changes,
    DefaultChange,
    FieldChange,
    MemberChange,
    RuleChange,
    TerritoryChange,
)

DRIFT_VERSION = 1
Kind = Literal["territory", "members", "default", "rule"]


class DriftItem(Frozen):
    """One drifted object: what the org has that the YAML does not say, and who did it."""

    kind: Kind
    name: str = Field(description="The territory, module, or `module: rule` drifted.")
    summary: str = Field(description="What happened in the org, in words.")
    fields: tuple[FieldChange, ...] = Field(
        default=(), description="Per field: `before` is the org's value, `after` the YAML's."
    )
    entries: tuple[AuditEntry, ...] = ()


class Attribution(Frozen):
    """Whether the audit log was read, and over which window."""

    read: bool
    since: datetime
    until: datetime
    reason: str | None = Field(default=None, description="Why the log could not be read.")
    entries: int = 0


class DriftReport(Frozen):
    version: int = DRIFT_VERSION
    target: str
    attribution: Attribution
    items: tuple[DriftItem, ...] = ()

    @property
    def empty(self) -> bool:
        return not self.items


def report(
    changes: Changes,
    live: OrgState,
    log: Iterable[AuditEntry],
    attribution: Attribution,
    target: str,
) -> DriftReport:
    entries = list(log)
    renamed = {c.key: c.renamed_from for c in changes.territories if c.renamed_from is not None}
    items = [_item(change, live, entries, renamed) for change in _changes(changes)]
    return DriftReport(target=target, attribution=attribution, items=tuple(items))


def _changes(changes: Changes) -> Iterable[Change]:
    yield from changes.territories
    yield from changes.members
    yield from changes.defaults
    yield from changes.rules


def _item(
    change: Change, live: OrgState, log: list[AuditEntry], renamed: dict[str, str]
) -> DriftItem:
    entries = entries_for(change, live, log, renamed)
    if isinstance(change, TerritoryChange):
        return DriftItem(
            kind="territory",
            name=change.name,
            summary=_territory(change),
            fields=change.fields,
            entries=entries,
        )
    if isinstance(change, MemberChange):
        return DriftItem(
            kind="members", name=change.territory, summary=_members(change), entries=entries
        )
    if isinstance(change, DefaultChange):
        before = change.before.value if change.before else None
        field = FieldChange(field="share_type", before=before, after=change.after.value)
        return DriftItem(
            kind="default",
            name=change.module,
            summary=f"default access is {before} in the org, {change.after.value} in the YAML",
            fields=(field,),
            entries=entries,
        )
    return DriftItem(
        kind="rule",
        name=f"{change.module}: {change.name}",
        summary=_rule(change),
        fields=change.fields,
        entries=entries,
    )


def _territory(change: TerritoryChange) -> str:
    if change.action == "create":
        return "in the YAML but not in the org (deleted or renamed there)"
    if change.action == "delete":
        return f"in the org (under {change.parent}) but not in the YAML"
    parts = []
    if change.renamed_from is not None:
        parts.append(f"renamed {change.name} -> {change.renamed_from} in the org")
    if change.moved_from is not None:
        parts.append(f"moved under {change.moved_from} in the org (YAML: {change.parent})")
    if change.fields:
        parts.append("changed in the org: " + ", ".join(f.field for f in change.fields))
    return "; ".join(parts)


def _members(change: MemberChange) -> str:
    parts = []
    if change.added:
        parts.append("removed from the territory in the org: " + ", ".join(change.added))
    if change.removed:
        parts.append("added to the territory in the org: " + ", ".join(change.removed))
    return "; ".join(parts)


def _rule(change: RuleChange) -> str:
    if change.action == "create":
        return "in the YAML but not in the org (deleted or renamed there)"
    if change.action == "delete":
        return "in the org but not in the YAML"
    if change.action == "toggle":
        state = "inactive" if change.activation == "activate" else "active"
        return f"made {state} in the org"
    return "changed in the org: " + ", ".join(f.field for f in change.fields)
