"""The work of a Run Rules job (run_rules.py schedules it, territory_jobs.py carries it out
when due): each chosen record gets what an edit would give it (assignment.reassign), and
re-running the account rules re-derives the contacts and deals that follow those accounts."""

from __future__ import annotations

import json
import sqlite3

from reconciler.sandbox.assignment import WALK_RULES, Tree, reassign, record_cap
from reconciler.sandbox.record_match import meets
from reconciler.sandbox.replies import JsonObj


def carry_out(
    db: sqlite3.Connection, module: str, selection: JsonObj, cap: int, now: float
) -> None:
    """Re-run `module`'s rules over the chosen records (and what follows them)."""
    chosen = _chosen(db, module, selection)
    tree = Tree(db, WALK_RULES[module]) if module in WALK_RULES else None
    caps = {r["api_name"]: record_cap(r, cap) for r in db.execute("SELECT * FROM modules")}
    for ident, data in chosen:
        reassign(db, module, ident, data, caps[module], now, tree)
    if module != "Accounts":
        return
    accounts = [ident for ident, _ in chosen]
    contacts = _linked(db, "Contacts", "Account_Name", accounts)
    for ident, data in contacts:
        reassign(db, "Contacts", ident, data, caps.get("Contacts", cap), now)
    deals = _linked(db, "Deals", "Contact_Name", [c for c, _ in contacts])
    deals += _linked(db, "Deals", "Account_Name", accounts)
    for ident, data in dict(deals).items():
        reassign(db, "Deals", ident, data, caps.get("Deals", 1), now)


def _chosen(db: sqlite3.Connection, module: str, selection: JsonObj) -> list[tuple[str, JsonObj]]:
    rows = db.execute("SELECT id, data FROM records WHERE module = ? ORDER BY seq", (module,))
    records = [(str(r["id"]), json.loads(r["data"])) for r in rows]
    if "criteria" in selection:
        return [(i, d) for i, d in records if meets(selection["criteria"], {**d, "id": i})]
    scope = set(selection["territories"])
    if selection["include_child"]:
        scope = _with_children(db, scope)
    held = db.execute(
        "SELECT record_id, territory_id FROM record_territories WHERE module = ?", (module,)
    )
    inside = {str(r[0]) for r in held if str(r[1]) in scope}
    return [(i, d) for i, d in records if i in inside]


def _with_children(db: sqlite3.Connection, top: set[str]) -> set[str]:
    parents = {str(r[0]): r[1] for r in db.execute("SELECT id, parent_id FROM territories")}
    found = set(top)
    changed = True
    while changed:
        more = {t for t, p in parents.items() if p in found and t not in found}
        found |= more
        changed = bool(more)
    return found


def _linked(
    db: sqlite3.Connection, module: str, field: str, targets: list[str]
) -> list[tuple[str, JsonObj]]:
    wanted = set(targets)
    rows = db.execute(
        "SELECT id, data, json_extract(data, ?) AS link FROM records WHERE module = ?",
        (f"$.{field}.id", module),
    )
    return [(str(r["id"]), json.loads(r["data"])) for r in rows if r["link"] in wanted]
