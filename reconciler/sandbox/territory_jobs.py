"""Scheduled territory assignment (the 202 `SCHEDULED` answer of assign/remove territories):
the checked work waits in `territory_jobs` and is carried out by the first record call at or
after its due time. A client learns it landed by reading the records again."""

from __future__ import annotations

import json
import sqlite3

from reconciler.sandbox import rerun
from reconciler.sandbox.assignment import MANUAL, add
from reconciler.sandbox.call import Call
from reconciler.sandbox.store import new_id

Work = list[tuple[str, list[str]]]  # (record id, territory ids) per accepted item


def schedule(call: Call, module: str, action: str, work: Work) -> str:
    job = new_id(call.db)
    due = call.now + call.settings.territory_job_s
    call.db.execute(
        "INSERT INTO territory_jobs VALUES (?, ?, ?, ?, ?, ?, 0)",
        (job, module, action, json.dumps(work), call.user_id, due),
    )
    return job


def run_due(db: sqlite3.Connection, now: float, cap: int) -> None:
    """Carry out every job whose time has come, oldest first (`cap`: the default number of
    territories a record may hold)."""
    jobs = db.execute(
        "SELECT * FROM territory_jobs WHERE done = 0 AND due <= ? ORDER BY due, id", (now,)
    ).fetchall()
    for job in jobs:
        if job["action"] == "run_rules":
            rerun.carry_out(db, job["module"], json.loads(job["items"]), cap, now)
        else:
            work = [(str(r), list(t)) for r, t in json.loads(job["items"])]
            carry_out(db, job["module"], job["action"], work, job["user_id"], now)
        db.execute("UPDATE territory_jobs SET done = 1 WHERE id = ?", (job["id"],))


def carry_out(
    db: sqlite3.Connection, module: str, action: str, work: Work, user: str, now: float
) -> None:
    """Manual assignments in (skipping any the record holds by then), or manual ones out."""
    for record, territories in work:
        if action == "remove":
            db.executemany(
                "DELETE FROM record_territories WHERE module = ? AND record_id = ? AND "
                "territory_id = ? AND assigned = ?",
                [(module, record, t, MANUAL) for t in territories],
            )
            continue
        rows = db.execute(
            "SELECT territory_id FROM record_territories WHERE module = ? AND record_id = ?",
            (module, record),
        )
        have = {str(r[0]) for r in rows}
        for territory in territories:
            if territory not in have:
                add(db, module, record, territory, MANUAL, user, now)
