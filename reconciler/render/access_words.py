"""The access model's changes in words, for every renderer: one line per role, group or user
change, with the notes that say who gains or loses access."""

from __future__ import annotations

from reconciler.counts import plural
from reconciler.model import GroupSource, SourceKind
from reconciler.plan.access import GroupChange, RoleChange, UserChange

MARK = {"create": "+", "update": "~", "delete": "-"}
BELOW = {SourceKind.role: "and subordinates", SourceKind.territory: "and sub-territories"}


def role_line(change: RoleChange) -> tuple[str, list[str]]:
    """(`+ LATAM Sales (under VP Sales)`, notes)."""
    notes = [f"{f.field}: {f.before!r} → {f.after!r}" for f in change.fields]
    if change.renamed_from:
        notes.append(f"renamed from {change.renamed_from}")
    if change.moved_from:
        notes.append(f"moved from under {change.moved_from}")
    if change.action == "delete":
        users = plural(len(change.users_moved), "user")
        notes.append(f"its {users} and any roles under it move to {change.transfer_to}")
    notes += _who(change.gaining, "user gains", "users gain", "sight of its users' records")
    notes += _who(change.losing, "user loses", "users lose", "sight of its users' records")
    where = f" (under {change.parent})" if change.parent and change.action != "delete" else ""
    return f"{MARK[change.action]} {change.name}{where}", notes


def group_line(change: GroupChange) -> tuple[str, list[str]]:
    notes = [f"{f.field}: {f.before!r} → {f.after!r}" for f in change.fields]
    if change.renamed_from:
        notes.append(f"renamed from {change.renamed_from}")
    notes += [f"+ source {source_text(s)}" for s in change.sources_added]
    notes += [f"- source {source_text(s)}" for s in change.sources_removed]
    notes += _who(change.joining, "user joins", "users join", "(and what is shared to it)")
    notes += _who(change.leaving, "user leaves", "users leave", "(and what is shared to it)")
    return f"{MARK[change.action]} {change.name}", notes


def user_line(change: UserChange) -> str:
    said = ", ".join(f"{f.field} {f.before} → {f.after}" for f in change.fields)
    return f"~ {change.email}: {said}"


def source_text(source: GroupSource) -> str:
    below = f" {BELOW[source.kind]}" if source.below and source.kind in BELOW else ""
    return f"{source.kind.value} {source.name}{below}"


def _who(emails: tuple[str, ...], one: str, many: str, what: str) -> list[str]:
    if not emails:
        return []
    shown = ", ".join(emails[:5]) + (f" and {len(emails) - 5:,} more" if len(emails) > 5 else "")
    return [f"{plural(len(emails), one, many)} {what}: {shown}"]
