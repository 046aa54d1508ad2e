"""Asynchronous sharing recomputation per module (REFERENCE §6.5, §12). After a sharing-rule
write or a data-sharing change the module is "computing" for `rule_recompute_s` seconds of the
sandbox clock; meanwhile rule writes for it answer CANNOT_PROCESS. A change to the role
hierarchy or to a group's sources starts the same computation for the modules it affects."""

from __future__ import annotations

import sqlite3

from reconciler.sandbox.replies import ZohoError

BUSY = "the scheduler is currently running for this module, please try again later"


def start(db: sqlite3.Connection, module: str, now: float, seconds: float) -> None:
    db.execute(
        "UPDATE modules SET computing_until = MAX(computing_until, ?) WHERE api_name = ?",
        (now + seconds, module),
    )


def running(module: sqlite3.Row, now: float) -> bool:
    return float(module["computing_until"]) > now


def refuse_if_running(module: sqlite3.Row, now: float) -> None:
    if running(module, now):
        raise ZohoError(400, "CANNOT_PROCESS", BUSY)


def start_all(db: sqlite3.Connection, now: float, seconds: float) -> None:
    """A change in the role hierarchy moves who sees records through it in every module that
    has sharing rules (the stricter reading: Zoho recomputes them all)."""
    modules = db.execute("SELECT DISTINCT module FROM sharing_rules ORDER BY module").fetchall()
    for row in modules:
        start(db, row["module"], now, seconds)


def start_for_group(db: sqlite3.Connection, group_id: str, now: float, seconds: float) -> None:
    """A group's members changed: every module with a rule sharing from or to it recomputes."""
    for row in rules_naming(db, "groups", group_id):
        start(db, row["module"], now, seconds)


def rules_naming(db: sqlite3.Connection, kind: str, ident: str) -> list[sqlite3.Row]:
    """The sharing rules whose `shared_from` or `shared_to` is role or group `ident`."""
    rows: list[sqlite3.Row] = db.execute(
        "SELECT id, module, name FROM sharing_rules WHERE "
        "(json_extract(shared_to, '$.type') = :kind AND json_extract(shared_to, '$.id') = :id) "
        "OR (json_extract(shared_from, '$.type') = :kind "
        "AND json_extract(shared_from, '$.id') = :id) ORDER BY seq",
        {"kind": kind, "id": ident},
    ).fetchall()
    return rows
