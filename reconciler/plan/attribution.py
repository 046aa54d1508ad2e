"""Who made each drift: audit-log entries matched to the changes of a drift plan. Pure.

An entry names a settings area (`Territories`, `Data_Sharing`, `Sharing_Rules`), the object
by id and by its name at the time, and, for an update, the field with its old and new value.
A change is matched by the live object's id where the org still has it, else by name (a
territory or rule deleted in the org, a member removed); for a field change only entries on
that field count. Nothing is guessed: a change no entry explains says so.

Zoho does not document which settings changes its audit log records (docs/drift.md), nor
the columns of its export; the area, field and column names are those `zoho.wire` reads.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime

from reconciler.model import Frozen, OrgState, Territory, name_key
from reconciler.plan.diff import Changes, DefaultChange, MemberChange, RuleChange, TerritoryChange

TERRITORIES = "Territories"
DATA_SHARING = "Data_Sharing"
SHARING_RULES = "Sharing_Rules"
AREAS = (TERRITORIES, DATA_SHARING, SHARING_RULES)
# A model field -> the field its audit entries name.
TERRITORY_FIELDS = {
    "name": "name",
    "parent": "reporting_to",
    "manager": "manager",
    "permission": "permission_type",
    "description": "description",
    "account_rule": "account_rule_criteria",
    "deal_rule": "deal_rule_criteria",
    "lead_rule": "lead_rule_criteria",
}
RULE_FIELDS = {
    "name": "name",
    "source": "shared_from",
    "target": "shared_to",
    "criteria": "criteria",
    "access": "permission_type",
    "superiors": "superiors_allowed",
    "active": "status",
}


class AuditEntry(Frozen):
    """One line of the audit log: who did what to which object, when."""

    time: datetime
    user: str
    user_id: str = ""
    action: str  # added, updated, deleted
    area: str
    record_id: str = ""
    record_name: str = ""
    field: str | None = None
    old: str | None = None
    new: str | None = None


Change = TerritoryChange | MemberChange | DefaultChange | RuleChange


def entries_for(
    change: Change,
    live: OrgState,
    log: Iterable[AuditEntry],
    renamed: Mapping[str, str] | None = None,
) -> tuple[AuditEntry, ...]:
    """The entries that explain `change`, oldest first. `renamed` maps the YAML name key of
    a territory renamed in the org to its live name (for its members)."""
    live_name = ""
    if isinstance(change, MemberChange):
        live_name = (renamed or {}).get(name_key(change.territory), change.territory)
    found = [entry for entry in log if _explains(change, live, entry, live_name)]
    return tuple(sorted(found, key=lambda e: e.time))


def _explains(change: Change, live: OrgState, entry: AuditEntry, live_name: str) -> bool:
    if isinstance(change, TerritoryChange):
        return entry.area == TERRITORIES and _territory(change, entry)
    if isinstance(change, MemberChange):
        return entry.area == TERRITORIES and _members(change, live, entry, live_name)
    if isinstance(change, DefaultChange):  # not the change that set the YAML's value
        return (
            entry.area == DATA_SHARING
            and name_key(entry.record_name) == name_key(change.module)
            and entry.new != change.after.value
        )
    return entry.area == SHARING_RULES and _rule(change, entry)


def _territory(change: TerritoryChange, entry: AuditEntry) -> bool:
    if entry.field == "users":
        return False
    if change.live is not None and change.live.id and entry.record_id != change.live.id:
        return False
    if change.action == "create":  # in the YAML, gone from the org: deleted or renamed away
        return _named(entry, change.name) or (
            entry.field == "name" and _same(entry.old, change.name)
        )
    if change.action == "delete":  # only in the org: who made it, and changed it since
        return True
    wanted = {TERRITORY_FIELDS[f.field] for f in change.fields if f.field in TERRITORY_FIELDS}
    if change.renamed_from is not None:
        wanted.add("name")
    if change.moved_from is not None:
        wanted.add("reporting_to")
    return entry.field in wanted


def _members(change: MemberChange, live: OrgState, entry: AuditEntry, live_name: str) -> bool:
    if entry.field != "users":
        return False
    territory = _live_territory(live, live_name)
    if territory is not None and territory.id:
        if entry.record_id != territory.id:
            return False
    elif not _named(entry, change.territory):
        return False
    # In the YAML but not the org: removed there; in the org but not the YAML: added there.
    removed = {name_key(u) for u in change.added}
    added = {name_key(u) for u in change.removed}
    return (entry.old is not None and name_key(entry.old) in removed) or (
        entry.new is not None and name_key(entry.new) in added
    )


def _rule(change: RuleChange, entry: AuditEntry) -> bool:
    if change.live is not None and change.live.id:
        if entry.record_id != change.live.id:
            return False
    elif not _named(entry, change.name):
        return False
    if change.action != "update" or entry.field is None:
        return True
    wanted = {RULE_FIELDS[f.field] for f in change.fields if f.field in RULE_FIELDS}
    if change.activation is not None:
        wanted.add("status")
    return entry.field in wanted or entry.field == "module"


def _live_territory(live: OrgState, name: str) -> Territory | None:
    return next((t for t in live.territories or () if t.key == name_key(name)), None)


def _named(entry: AuditEntry, name: str) -> bool:
    return _same(entry.record_name, name)


def _same(value: str | None, name: str) -> bool:
    return value is not None and name_key(value) == name_key(name)


def renames(changes: Changes, log: Iterable[AuditEntry]) -> dict[str, str]:
    """Territories renamed in the org: YAML name key -> live name. A territory only in the
    YAML and one only in the org are one territory when the log shows the org's being
    renamed from the YAML's name (directly or through names in between)."""
    wanted = {c.key: c.name for c in changes.territories if c.action == "create"}
    found: dict[str, str] = {}
    entries = list(log)
    for change in changes.territories:
        if change.action != "delete" or change.live is None or not change.live.id:
            continue
        for old in _former_names(change.live.id, entries):
            if name_key(old) in wanted and name_key(old) not in found:
                found[name_key(old)] = change.live.name
                break
    return found


def _former_names(ident: str, entries: list[AuditEntry]) -> Iterator[str]:
    for entry in sorted(entries, key=lambda e: e.time, reverse=True):
        if entry.area == TERRITORIES and entry.record_id == ident and entry.field == "name":
            if entry.old:
                yield entry.old


def with_renames(desired: OrgState, found: dict[str, str]) -> OrgState:
    """`desired` with each renamed territory also known by its live name (`previously`), so
    the diff matches it instead of deleting one and creating the other."""
    if not found or desired.territories is None:
        return desired
    territories = tuple(
        t.model_copy(update={"previously": (*t.previously, found[t.key])}) if t.key in found else t
        for t in desired.territories
    )
    return desired.model_copy(update={"territories": territories})
