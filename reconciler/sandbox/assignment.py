"""Zoho's territory assignment engine, run when a record is created or edited (help page
"Assigning Territories", REFERENCE §4.3):

- Accounts and Leads walk the tree from the root: a territory's children are tested only if
  the record meets the territory's rule; the record gets the deepest matching territory on
  every path, on as many branches as match. A territory without a rule for the module
  matches nothing (the stricter reading: Zoho assigns by criteria only).
- Contacts take the territories of their account (`Account_Name`).
- Deals take the territories of their contact (`Contact_Name`), else of their account, each
  kept only if the deal meets that territory's deal rule where one is set.
- Only rule-given ("automatically") assignments are recomputed; manual ones stay. A record
  holds at most the module's cap (10, a deal 1): manual ones first, then rule-given ones in
  walk order until the cap is reached."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from reconciler.sandbox.record_match import meets
from reconciler.sandbox.replies import JsonObj
from reconciler.sandbox.store import next_seq

AUTOMATIC, MANUAL = "automatically", "manually"
WALK_RULES = {"Accounts": "account_rule_criteria", "Leads": "lead_rule_criteria"}


def record_cap(module: sqlite3.Row, default: int) -> int:
    return int(module["record_territory_cap"] or default)


class Tree:
    """The territory tree with one module's rules, read once for many records."""

    def __init__(self, db: sqlite3.Connection, column: str) -> None:
        rows = db.execute(f"SELECT id, parent_id, {column} AS rule FROM territories ORDER BY seq")
        self.children: dict[str | None, list[tuple[str, JsonObj | None]]] = {}
        for row in rows:
            rule = json.loads(row["rule"]) if row["rule"] else None
            self.children.setdefault(row["parent_id"], []).append((str(row["id"]), rule))

    def walk(self, data: JsonObj) -> list[str]:
        found: list[str] = []

        def visit(parent: str) -> None:
            for child, rule in self.children.get(parent, []):
                if meets(rule, data):
                    before = len(found)
                    visit(child)
                    if len(found) == before:  # no deeper match on this path
                        found.append(child)

        for root, _ in self.children.get(None, []):
            visit(root)
        return found


def earned(
    db: sqlite3.Connection, module: str, data: JsonObj, tree: Tree | None = None
) -> list[str]:
    """The territory ids the rules give a record with these fields, in walk order."""
    if module in WALK_RULES:
        return (tree or Tree(db, WALK_RULES[module])).walk(data)
    if module == "Contacts":
        return held(db, "Accounts", _ref(data.get("Account_Name")))
    if module == "Deals":
        source = held(db, "Contacts", _ref(data.get("Contact_Name")))
        source = source or held(db, "Accounts", _ref(data.get("Account_Name")))
        return [t for t in source if _deal_rule_allows(db, t, data)]
    return []


def _deal_rule_allows(db: sqlite3.Connection, territory: str, data: JsonObj) -> bool:
    row = db.execute("SELECT deal_rule_criteria FROM territories WHERE id = ?", (territory,))
    rule = row.fetchone()
    return rule is None or rule[0] is None or meets(json.loads(rule[0]), data)


def _ref(value: Any) -> str | None:
    return str(value["id"]) if isinstance(value, dict) and value.get("id") else None


def held(db: sqlite3.Connection, module: str, record_id: str | None) -> list[str]:
    """The territories a record holds now, in the order they were assigned."""
    if record_id is None:
        return []
    rows = db.execute(
        "SELECT territory_id FROM record_territories WHERE module = ? AND record_id = ? "
        "ORDER BY seq",
        (module, record_id),
    )
    return [str(r[0]) for r in rows]


def reassign(
    db: sqlite3.Connection,
    module: str,
    record_id: str,
    data: JsonObj,
    cap: int,
    now: float,
    tree: Tree | None = None,
) -> None:
    """Run the rules for one record: replace its rule-given territories, keep manual ones."""
    rows = db.execute(
        "SELECT territory_id, assigned FROM record_territories WHERE module = ? AND "
        "record_id = ? ORDER BY seq",
        (module, record_id),
    ).fetchall()
    manual = [str(r[0]) for r in rows if r[1] == MANUAL]
    automatic = {str(r[0]) for r in rows if r[1] != MANUAL}
    wanted = [t for t in earned(db, module, data, tree) if t not in manual]
    wanted = wanted[: max(cap - len(manual), 0)]
    stale = automatic - set(wanted)
    db.executemany(
        "DELETE FROM record_territories WHERE module = ? AND record_id = ? AND territory_id = ?",
        [(module, record_id, t) for t in stale],
    )
    for territory in wanted:
        if territory not in automatic:
            add(db, module, record_id, territory, AUTOMATIC, None, now)


def add(
    db: sqlite3.Connection,
    module: str,
    record_id: str,
    territory: str,
    assigned: str,
    by: str | None,
    now: float,
) -> None:
    db.execute(
        "INSERT INTO record_territories VALUES (?, ?, ?, ?, ?, ?, ?)",
        (module, record_id, territory, next_seq(db, "record_territories"), assigned, by, now),
    )
