"""Territory rows: lookups, the tree walks the rules need (descendants, cycles), deletion with
everything that hangs off a territory, and the territory JSON Zoho prints."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable

from reconciler.sandbox.clock import iso
from reconciler.sandbox.replies import JsonObj
from reconciler.sandbox.store import fetch_one
from reconciler.sandbox.users import user_name

CRITERIA_KEYS = ("account_rule_criteria", "lead_rule_criteria", "deal_rule_criteria")
CRITERIA_MODULES = {
    "account_rule_criteria": "Accounts",
    "lead_rule_criteria": "Leads",
    "deal_rule_criteria": "Deals",
}
# OAS2's manager.status enum has no "inactive"; Zoho reports deactivated users as disabled.
MANAGER_STATUS = {"active": "active", "inactive": "disabled", "deleted": "deleted"}


def find(db: sqlite3.Connection, ident: str | None) -> sqlite3.Row | None:
    if ident is None:
        return None
    return fetch_one(db, "SELECT * FROM territories WHERE id = ?", (ident,))


def has_children(db: sqlite3.Connection, ident: str) -> bool:
    row = db.execute("SELECT 1 FROM territories WHERE parent_id = ? LIMIT 1", (ident,))
    return row.fetchone() is not None


def is_in_subtree(db: sqlite3.Connection, candidate: str, top: str) -> bool:
    """Whether `candidate` is `top` or one of its descendants (a parent there is a cycle)."""
    row = db.execute(
        "WITH RECURSIVE sub(id) AS (SELECT ? UNION SELECT t.id FROM territories t "
        "JOIN sub ON t.parent_id = sub.id) SELECT 1 FROM sub WHERE id = ?",
        (top, candidate),
    )
    return row.fetchone() is not None


def count(db: sqlite3.Connection) -> int:
    return int(db.execute("SELECT COUNT(*) AS n FROM territories").fetchone()["n"])


def name_owner(db: sqlite3.Connection, key: str) -> str | None:
    row = db.execute("SELECT id FROM territories WHERE name_key = ?", (key,)).fetchone()
    return None if row is None else str(row["id"])


def delete(db: sqlite3.Connection, ident: str) -> None:
    """Remove a territory with its memberships, record assignments and group sources."""
    db.execute("DELETE FROM territory_users WHERE territory_id = ?", (ident,))
    db.execute("DELETE FROM record_territories WHERE territory_id = ?", (ident,))
    db.execute("DELETE FROM group_sources WHERE type = 'territories' AND source_id = ?", (ident,))
    db.execute("DELETE FROM territories WHERE id = ?", (ident,))


def territory_json(
    db: sqlite3.Connection, row: sqlite3.Row, include: Iterable[str] = (), inner: Iterable[str] = ()
) -> JsonObj:
    body: JsonObj = {
        "created_time": iso(row["created_time"]),
        "modified_time": iso(row["modified_time"]),
        "manager": _manager(db, row["manager_id"], set(inner)),
        "reporting_to": _parent(db, row["parent_id"]),
        "permission_type": row["permission_type"],
        "modified_by": {"name": user_name(db, row["modified_by"]), "id": row["modified_by"]},
        "description": row["description"],
        "id": row["id"],
        "created_by": {"name": user_name(db, row["created_by"]), "id": row["created_by"]},
        "name": row["name"],
        "api_name": row["api_name"],
    }
    for key in include:
        body[key] = None if row[key] is None else json.loads(row[key])
    return body


def _manager(db: sqlite3.Connection, user_id: str | None, inner: set[str]) -> JsonObj | None:
    if user_id is None:
        return None
    row = db.execute("SELECT * FROM users WHERE id = ?", (user_id,)).fetchone()
    body: JsonObj = {"name": user_name(db, user_id), "id": user_id}
    if "manager.zuid" in inner:
        body["zuid"] = row["zuid"]
    if "manager.status" in inner:
        body["status"] = MANAGER_STATUS[row["status"]]
    return body


def _parent(db: sqlite3.Connection, parent_id: str | None) -> JsonObj | None:
    parent = find(db, parent_id)
    return None if parent is None else {"name": parent["name"], "id": parent["id"]}
