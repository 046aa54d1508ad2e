"""The org's audit log as SQLite tables and triggers (REFERENCE §7.6).

Every settings write the emulator makes is logged by a trigger on the table it changes, so no
handler can forget to: territories (create, each changed field, delete), memberships, the
data-sharing defaults and sharing rules. A trigger fires only while a call is acting
(`audit_log.acting` names the caller in `meta`), so seeding an org logs nothing.

Zoho publishes neither the area names nor the field names its entries carry for these
settings, nor whether it logs them at all (docs/drift.md, "What Zoho's audit log covers"):
the names below are the API's own (`Territories`, `share_type`, ...), a choice made here."""

from __future__ import annotations

ACTOR = "(SELECT value FROM meta WHERE key = 'audit_actor')"
_NOW = "CAST((SELECT value FROM meta WHERE key = 'audit_time') AS REAL)"
_ACTOR_NAME = (
    f"(SELECT TRIM(COALESCE(first_name, '') || ' ' || last_name) FROM users WHERE id = {ACTOR})"
)

TERRITORIES = "Territories"
DATA_SHARING = "Data_Sharing"
SHARING_RULES = "Sharing_Rules"
AREAS = (TERRITORIES, DATA_SHARING, SHARING_RULES)

TABLES = """
CREATE TABLE IF NOT EXISTS audit_entries (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, audited_time REAL NOT NULL, done_by_id TEXT NOT NULL,
    done_by TEXT, action TEXT NOT NULL, module TEXT NOT NULL, record_id TEXT NOT NULL,
    record_name TEXT, field TEXT, old_value TEXT, new_value TEXT);
CREATE INDEX IF NOT EXISTS audit_entries_time ON audit_entries (audited_time);

CREATE TABLE IF NOT EXISTS audit_jobs (
    id TEXT PRIMARY KEY, created_by TEXT NOT NULL, criteria TEXT, created_time REAL NOT NULL,
    last_entry INTEGER NOT NULL, outcome TEXT NOT NULL, seq INTEGER NOT NULL);
"""


def _insert(action: str, module: str, ident: str, name: str, fld: str, old: str, new: str) -> str:
    return (
        "INSERT INTO audit_entries (audited_time, done_by_id, done_by, action, module, "
        "record_id, record_name, field, old_value, new_value) "
        f"SELECT {_NOW}, {ACTOR}, {_ACTOR_NAME}, '{action}', '{module}', {ident}, {name}, "
        f"{fld}, {old}, {new} WHERE {ACTOR} IS NOT NULL"
    )


def _changes(module: str, ident: str, name: str, fields: dict[str, tuple[str, str]]) -> str:
    """One `updated` entry per field whose value changed (old and new as SQL expressions)."""
    return ";\n".join(
        _insert("updated", module, ident, name, f"'{fld}'", old, new)
        + f" AND ({old}) IS NOT ({new})"
        for fld, (old, new) in fields.items()
    )


def _user_email(column: str) -> str:
    return f"(SELECT email FROM users WHERE id = {column})"


def _territory_name(column: str) -> str:
    return f"(SELECT name FROM territories WHERE id = {column})"


def _trigger(name: str, event: str, table: str, body: str) -> str:
    return (
        f"CREATE TRIGGER IF NOT EXISTS audit_{name} AFTER {event} ON {table} "
        f"WHEN {ACTOR} IS NOT NULL BEGIN\n{body};\nEND;"
    )


_TERRITORY_FIELDS = {
    "name": ("OLD.name", "NEW.name"),
    "reporting_to": (_territory_name("OLD.parent_id"), _territory_name("NEW.parent_id")),
    "manager": (_user_email("OLD.manager_id"), _user_email("NEW.manager_id")),
    "permission_type": ("OLD.permission_type", "NEW.permission_type"),
    "description": ("OLD.description", "NEW.description"),
    "account_rule_criteria": ("OLD.account_rule_criteria", "NEW.account_rule_criteria"),
    "deal_rule_criteria": ("OLD.deal_rule_criteria", "NEW.deal_rule_criteria"),
    "lead_rule_criteria": ("OLD.lead_rule_criteria", "NEW.lead_rule_criteria"),
}
_RULE_FIELDS = {
    "name": ("OLD.name", "NEW.name"),
    "permission_type": ("OLD.permission_type", "NEW.permission_type"),
    "superiors_allowed": ("OLD.superiors_allowed", "NEW.superiors_allowed"),
    "shared_from": ("OLD.shared_from", "NEW.shared_from"),
    "shared_to": ("OLD.shared_to", "NEW.shared_to"),
    "criteria": ("OLD.criteria", "NEW.criteria"),
    "status": ("OLD.status", "NEW.status"),
}
_MEMBER_TERRITORY = ("NEW.territory_id", _territory_name("NEW.territory_id"))
_OLD_MEMBER_TERRITORY = ("OLD.territory_id", _territory_name("OLD.territory_id"))

TRIGGERS = "\n".join(
    [
        _trigger(
            "territory_added",
            "INSERT",
            "territories",
            _insert("added", TERRITORIES, "NEW.id", "NEW.name", "NULL", "NULL", "NEW.name"),
        ),
        _trigger(
            "territory_updated",
            "UPDATE",
            "territories",
            _changes(TERRITORIES, "NEW.id", "NEW.name", _TERRITORY_FIELDS),
        ),
        _trigger(
            "territory_deleted",
            "DELETE",
            "territories",
            _insert("deleted", TERRITORIES, "OLD.id", "OLD.name", "NULL", "OLD.name", "NULL"),
        ),
        _trigger(
            "member_added",
            "INSERT",
            "territory_users",
            _insert(
                "updated",
                TERRITORIES,
                *_MEMBER_TERRITORY,
                "'users'",
                "NULL",
                _user_email("NEW.user_id"),
            ),
        ),
        _trigger(
            "member_removed",
            "DELETE",
            "territory_users",
            _insert(
                "updated",
                TERRITORIES,
                *_OLD_MEMBER_TERRITORY,
                "'users'",
                _user_email("OLD.user_id"),
                "NULL",
            ),
        ),
        _trigger(
            "data_sharing_updated",
            "UPDATE OF share_type",
            "modules",
            _changes(
                DATA_SHARING,
                "NEW.id",
                "NEW.api_name",
                {"share_type": ("OLD.share_type", "NEW.share_type")},
            ),
        ),
        _trigger(
            "rule_added",
            "INSERT",
            "sharing_rules",
            _insert("added", SHARING_RULES, "NEW.id", "NEW.name", "'module'", "NULL", "NEW.module"),
        ),
        _trigger(
            "rule_updated",
            "UPDATE",
            "sharing_rules",
            _changes(SHARING_RULES, "NEW.id", "NEW.name", _RULE_FIELDS),
        ),
        _trigger(
            "rule_deleted",
            "DELETE",
            "sharing_rules",
            _insert(
                "deleted", SHARING_RULES, "OLD.id", "OLD.name", "'module'", "OLD.module", "NULL"
            ),
        ),
    ]
)

DDL = TABLES + TRIGGERS
