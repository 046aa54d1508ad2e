"""Reading the `sources` of a user-group write (user_groups.yaml, REFERENCE §7.3): at most
`group_sources_limit` entries, each `{type, source: {id}, subordinates?, sub_territories?}`
naming an existing user, role or territory. `subordinates` belongs to roles and
`sub_territories` to territories; either flag on another type is refused (the stricter reading
of a schema that only describes them per type)."""

from __future__ import annotations

import sqlite3
from typing import Any

from reconciler.sandbox.call import as_id, field_error
from reconciler.sandbox.replies import ItemError
from reconciler.sandbox.store import fetch_one

WRITABLE_TYPES = ("users", "roles", "territories")
FLAGS = {"roles": "subordinates", "territories": "sub_territories"}
BAD_SOURCE = {
    "users": "The User Id given seems to be Invalid",
    "roles": "The Role Id given seems to be Invalid",
    "territories": "The Territory Id given seems to be Invalid",
}
EXISTS = {
    "users": "SELECT 1 FROM users WHERE id = ? AND status != 'deleted'",
    "roles": "SELECT 1 FROM roles WHERE id = ?",
    "territories": "SELECT 1 FROM territories WHERE id = ?",
}

Source = tuple[str, str, bool]  # (type, id, subordinates or sub_territories)


def fail(code: str, message: str, field: str, path: str) -> ItemError:
    return ItemError(field_error(code, message, field, path))


def read_sources(db: sqlite3.Connection, value: Any, at: str, limit: int) -> list[Source]:
    """The sources of one group item at JSON path `at` (`$.user_groups[0]`)."""
    path = f"{at}.sources"
    if value is None:
        raise fail("MANDATORY_NOT_FOUND", "required field not found", "sources", path)
    if not isinstance(value, list) or not value or len(value) > limit:
        raise fail("INVALID_DATA", "invalid data", "sources", path)
    found: list[Source] = []
    for index, raw in enumerate(value):
        source = _source(db, raw, f"{path}[{index}]")
        if any(seen[:2] == source[:2] for seen in found):
            raise fail("DUPLICATE_DATA", "duplicate data", "source", f"{path}[{index}].source")
        found.append(source)
    return found


def _source(db: sqlite3.Connection, raw: Any, at: str) -> Source:
    if not isinstance(raw, dict):
        raise fail("INVALID_DATA", "invalid data", "sources", at)
    kind = raw.get("type")
    if kind not in WRITABLE_TYPES:
        raise fail("INVALID_DATA", "invalid data", "type", f"{at}.type")
    source = raw.get("source")
    ident = as_id(source.get("id")) if isinstance(source, dict) else None
    if ident is None or fetch_one(db, EXISTS[kind], (ident,)) is None:
        raise fail("INVALID_DATA", BAD_SOURCE[kind], "id", f"{at}.source.id")
    return kind, ident, _flag(raw, kind, at)


def _flag(raw: dict[str, Any], kind: str, at: str) -> bool:
    wanted = FLAGS.get(kind)
    for name in FLAGS.values():
        value = raw.get(name)
        if value is None:
            continue
        if name != wanted or not isinstance(value, bool):
            raise fail("INVALID_DATA", "invalid data", name, f"{at}.{name}")
    return bool(wanted and raw.get(wanted))


def store_sources(db: sqlite3.Connection, group_id: str, sources: list[Source]) -> None:
    """Replace the group's sources with `sources`, in their order."""
    db.execute("DELETE FROM group_sources WHERE group_id = ?", (group_id,))
    db.executemany(
        "INSERT INTO group_sources (group_id, type, source_id, subordinates, seq) "
        "VALUES (?, ?, ?, ?, ?)",
        [(group_id, kind, ident, int(flag), n) for n, (kind, ident, flag) in enumerate(sources, 1)],
    )


def current_sources(db: sqlite3.Connection, group_id: str) -> list[Source]:
    rows = db.execute(
        "SELECT type, source_id, subordinates FROM group_sources WHERE group_id = ? ORDER BY seq",
        (group_id,),
    ).fetchall()
    return [(row["type"], row["source_id"], bool(row["subordinates"])) for row in rows]
