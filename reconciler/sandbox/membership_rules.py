"""The rules both membership families share (REFERENCE §4): who may join a territory, the
users-per-territory cap, and adding or removing one association."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from reconciler.sandbox.settings import SandboxSettings
from reconciler.sandbox.store import next_seq

INACTIVE = "The user to whom you are trying to update is deleted."
FULL = "Maximum Users Limit reached for a territory"


@dataclass(frozen=True)
class Refusal:
    """Why a user cannot join: code, message and the extra details Zoho adds."""

    code: str
    message: str
    extra: dict[str, object]


def is_member(db: sqlite3.Connection, territory_id: str, user_id: str) -> bool:
    row = db.execute(
        "SELECT 1 FROM territory_users WHERE territory_id = ? AND user_id = ?",
        (territory_id, user_id),
    )
    return row.fetchone() is not None


def member_count(db: sqlite3.Connection, territory_id: str) -> int:
    row = db.execute(
        "SELECT COUNT(*) AS n FROM territory_users WHERE territory_id = ?", (territory_id,)
    ).fetchone()
    return int(row["n"])


def refusal(
    db: sqlite3.Connection,
    settings: SandboxSettings,
    territory_id: str,
    user: sqlite3.Row,
    duplicate_message: str,
) -> Refusal | None:
    """None when `user` may be added to the territory."""
    if user["status"] != "active":
        return Refusal("INVALID_DATA", INACTIVE, {"owner_status": user["status"]})
    if is_member(db, territory_id, user["id"]):
        return Refusal("DUPLICATE_DATA", duplicate_message, {})
    cap = settings.users_per_territory_cap
    if member_count(db, territory_id) >= cap:
        return Refusal("LIMIT_EXCEEDED", FULL, {"limit": cap})
    return None


def add(db: sqlite3.Connection, territory_id: str, user_id: str) -> None:
    db.execute(
        "INSERT INTO territory_users VALUES (?, ?, ?)",
        (territory_id, user_id, next_seq(db, "territory_users")),
    )


def remove(db: sqlite3.Connection, territory_id: str, user_id: str) -> None:
    db.execute(
        "DELETE FROM territory_users WHERE territory_id = ? AND user_id = ?",
        (territory_id, user_id),
    )
