"""Who is acting on the org, for the audit log's triggers (audit_schema.py), and reading the
entries an export job covers.

Each OAuth client acts as one user (the seed's `oauth_clients[].user`), so a second client is
"someone else, in Zoho's UI" to reconciler."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from reconciler.sandbox.clock import iso
from reconciler.sandbox.store import set_meta

# The CSV's columns. Zoho documents none (REFERENCE §7.6 gives the criteria fields only), so
# the criteria's api names lead and the rest say what the entry changed (docs/sandbox.md).
COLUMNS = (
    "audited_time",
    "done_by",
    "done_by_id",
    "action",
    "module",
    "record_id",
    "record_name",
    "field",
    "old_value",
    "new_value",
)


@contextmanager
def acting(db: sqlite3.Connection, user_id: str, now: float) -> Iterator[None]:
    """Log the writes made inside the block as `user_id`'s, at `now`."""
    set_meta(db, "audit_actor", user_id)
    set_meta(db, "audit_time", repr(now))
    try:
        yield
    finally:
        db.execute("DELETE FROM meta WHERE key IN ('audit_actor', 'audit_time')")


@dataclass(frozen=True)
class Where:
    """An SQL condition on `audit_entries` and its parameters."""

    sql: str
    args: tuple[object, ...] = ()

    def both(self, other: Where) -> Where:
        return Where(f"({self.sql}) AND ({other.sql})", self.args + other.args)


def latest_entry(db: sqlite3.Connection) -> int:
    row = db.execute("SELECT COALESCE(MAX(seq), 0) AS n FROM audit_entries").fetchone()
    return int(row["n"])


def count(db: sqlite3.Connection, where: Where) -> int:
    row = db.execute(f"SELECT COUNT(*) AS n FROM audit_entries WHERE {where.sql}", where.args)
    return int(row.fetchone()["n"])


def rows(db: sqlite3.Connection, where: Where, limit: int) -> Iterator[tuple[str, ...]]:
    """The entries as CSV rows, oldest first, at most `limit`."""
    cursor = db.execute(
        f"SELECT * FROM audit_entries WHERE {where.sql} ORDER BY seq LIMIT ?",
        (*where.args, limit),
    )
    for row in cursor:
        values = {key: row[key] for key in row.keys()}
        values["audited_time"] = iso(row["audited_time"])
        yield tuple("" if values[name] is None else str(values[name]) for name in COLUMNS)
