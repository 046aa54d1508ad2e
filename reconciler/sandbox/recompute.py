"""Asynchronous sharing recomputation per module (REFERENCE §6.5, §12). After a sharing-rule
write or a data-sharing change the module is "computing" for `rule_recompute_s` seconds of the
sandbox clock; meanwhile rule writes for it answer CANNOT_PROCESS."""

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
