"""The request log, kept in the org's database so another process can read it
(`reconciler sandbox stats --db FILE`): every call with its endpoint template and status,
the credits it cost, and the peak number of calls in flight."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Any

from reconciler.sandbox.store import get_meta, set_meta

DAY = 86_400.0


@dataclass(frozen=True)
class Entry:
    at: float
    method: str
    template: str
    path: str
    status: int | None
    credits: int
    write: bool
    dropped: bool = False


def record(db: sqlite3.Connection, entry: Entry) -> None:
    db.execute(
        "INSERT INTO call_log (at, method, template, path, status, credits, write, dropped) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            entry.at,
            entry.method,
            entry.template,
            entry.path,
            entry.status,
            entry.credits,
            int(entry.write),
            int(entry.dropped),
        ),
    )


def note_concurrency(db: sqlite3.Connection, in_flight: int) -> None:
    if in_flight > int(get_meta(db, "peak_concurrency") or "0"):
        set_meta(db, "peak_concurrency", str(in_flight))


def credits_since(db: sqlite3.Connection, since: float) -> int:
    row = db.execute(
        "SELECT COALESCE(SUM(credits), 0) AS n FROM call_log WHERE at > ?", (since,)
    ).fetchone()
    return int(row["n"])


def stats(db: sqlite3.Connection, now: float) -> dict[str, Any]:
    rows = db.execute("SELECT * FROM call_log ORDER BY seq").fetchall()
    endpoints: dict[str, dict[str, Any]] = {}
    for row in rows:
        entry = endpoints.setdefault(
            f"{row['method']} {row['template']}", {"count": 0, "credits": 0, "statuses": {}}
        )
        entry["count"] += 1
        entry["credits"] += row["credits"]
        key = "dropped" if row["status"] is None else str(row["status"])
        entry["statuses"][key] = entry["statuses"].get(key, 0) + 1
    return {
        "calls": len(rows),
        "writes": sum(row["write"] for row in rows),
        "credits_used": sum(row["credits"] for row in rows),
        "credits_used_24h": credits_since(db, now - DAY),
        "peak_concurrency": int(get_meta(db, "peak_concurrency") or "0"),
        "endpoints": endpoints,
        "log": [
            {
                "method": row["method"],
                "template": row["template"],
                "path": row["path"],
                "status": row["status"],
                "write": bool(row["write"]),
                "dropped": bool(row["dropped"]),
            }
            for row in rows
        ],
    }


def reset(db: sqlite3.Connection) -> None:
    """Forget the log, the credits it holds and the concurrency peak."""
    db.execute("DELETE FROM call_log")
    set_meta(db, "peak_concurrency", "0")
