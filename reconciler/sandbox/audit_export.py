"""Audit-log export jobs, `/settings/audit_log_export` (REFERENCE §7.6): schedule one, poll
it, then download its file from the job's link (audit_download.py).

A job is `scheduled` for the first half of `audit_export_s`, then `running`, then `finished`
with its links (or `failed` without, or `running` for ever when stalled: the fault control
`audit_job_outcome`, fixed when the job is created). Only one job may be queued or running at
a time; another POST meanwhile answers ALREADY_SCHEDULED naming it. What a job exports is
fixed when it is created: the entries logged until then that its criteria select, oldest
first, at most `audit_max_entries`. An Administrator-profile caller exports everyone's
entries; anyone else only their own (DOC create-export-audit-log, General Notes)."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from reconciler.sandbox import audit_criteria, audit_log
from reconciler.sandbox.audit_log import Where
from reconciler.sandbox.audit_schema import AREAS
from reconciler.sandbox.call import Call, field_error
from reconciler.sandbox.clock import iso
from reconciler.sandbox.replies import (
    ItemError,
    JsonObj,
    Reply,
    ZohoError,
    invalid_url,
    no_content,
    success_item,
)
from reconciler.sandbox.routing import Route, scopes
from reconciler.sandbox.settings import SandboxSettings
from reconciler.sandbox.store import fetch_one, get_meta, new_id, next_seq
from reconciler.sandbox.users import user_name

KEY = "audit_log_export"
SCHEDULED = "ExportAuditlog scheduled successfully."
ALREADY = "Export is already scheduled"
ONE_ONLY = "The audit_log_export jsonarray size should not exceed one"
DAY = 86_400.0
ACTIVE = ("scheduled", "running")


def create_job(call: Call) -> Reply:
    criteria = _criteria(call)
    _check(call, criteria)
    active = _active_job(call.db, call.now, call.settings)
    if active is not None:
        raise _wrapped(
            {
                "code": "ALREADY_SCHEDULED",
                "details": {"id": active},
                "message": ALREADY,
                "status": "error",
            }
        )
    ident = new_id(call.db)
    last = audit_log.latest_entry(call.db)
    call.db.execute(
        "INSERT INTO audit_jobs VALUES (?, ?, ?, ?, ?, ?, ?)",
        (
            ident,
            call.user_id,
            None if criteria is None else json.dumps(criteria),
            call.now,
            last,
            call.settings.audit_job_outcome,
            next_seq(call.db, "audit_jobs"),
        ),
    )
    return Reply(200, {KEY: [success_item(SCHEDULED, {"id": ident}, code="SCHEDULED")]})


def _criteria(call: Call) -> Any:
    """The job's criteria; None when the request has no body (export everything)."""
    body = call.body()
    if body is None:
        return None
    if not isinstance(body, dict) or KEY not in body:
        details = {"api_name": KEY, "json_path": f"$.{KEY}[0]"}
        raise ZohoError(400, "MANDATORY_NOT_FOUND", "Required field missing", details)
    items = body[KEY]
    if not isinstance(items, list) or not items:
        details = {"api_name": KEY, "json_path": f"$.{KEY}", "expected_data_type": "jsonarray"}
        raise ZohoError(400, "INVALID_DATA", "invalid data", details)
    if len(items) > 1:
        raise _wrapped(field_error("LIMIT_EXCEEDED", ONE_ONLY, KEY, f"$.{KEY}[1]", limit="1"))
    item = items[0]
    if not isinstance(item, dict) or "criteria" not in item:
        at = f"$.{KEY}[0].criteria"
        raise _wrapped(
            field_error("MANDATORY_NOT_FOUND", "required field not found", "criteria", at)
        )
    return item["criteria"]


def _check(call: Call, criteria: Any) -> None:
    """Refuse malformed criteria now; the download selects again from the stored ones."""
    try:
        selection(call.db, criteria, call.user_id, call.now, call.settings)
    except ItemError as bad:
        raise _wrapped(bad.item) from None


def selection(
    db: sqlite3.Connection, criteria: Any, user_id: str, now: float, settings: SandboxSettings
) -> Where:
    """The entries a job with `criteria`, created by `user_id` at `now`, exports: of the
    settings areas, only those the org's log covers (`audited_areas`)."""
    skipped = [area for area in AREAS if area not in settings.audited_areas]
    where = Where(f"module NOT IN ({', '.join('?' for _ in skipped)})", tuple(skipped))
    if criteria is not None:
        where = audit_criteria.parse(db, criteria, f"$.{KEY}[0].criteria", now)
    if not audit_criteria.has_window(criteria):
        where = where.both(audit_criteria.default_window(now))
    admin = fetch_one(
        db,
        "SELECT p.admin FROM users u JOIN profiles p ON p.id = u.profile_id WHERE u.id = ?",
        (user_id,),
    )
    if admin is None or not admin["admin"]:
        where = where.both(Where("done_by_id = ?", (user_id,)))
    return where


def _wrapped(item: JsonObj) -> ZohoError:
    """A problem with the job's item, reported inside the `audit_log_export` array (OAS2)."""
    return ZohoError(400, item["code"], item["message"], item["details"], envelope=KEY)


def _active_job(db: sqlite3.Connection, now: float, settings: SandboxSettings) -> str | None:
    for row in db.execute("SELECT * FROM audit_jobs ORDER BY seq DESC"):
        if status(row, now, settings) in ACTIVE:
            return str(row["id"])
    return None


def status(job: sqlite3.Row, now: float, settings: SandboxSettings) -> str:
    elapsed = now - job["created_time"]
    if elapsed < settings.audit_export_s / 2:
        return "scheduled"
    if elapsed < settings.audit_export_s or job["outcome"] == "stalled":
        return "running"
    return str(job["outcome"])


def ended_at(job: sqlite3.Row, settings: SandboxSettings) -> float:
    return float(job["created_time"]) + settings.audit_export_s


def link_expired(job: sqlite3.Row, now: float, settings: SandboxSettings) -> bool:
    return now > ended_at(job, settings) + settings.audit_link_days * DAY


def job_json(call: Call, job: sqlite3.Row) -> JsonObj:
    state = status(job, call.now, call.settings)
    body: JsonObj = {
        "criteria": None if job["criteria"] is None else json.loads(job["criteria"]),
        "id": job["id"],
        "status": state,
        "created_by": {"name": user_name(call.db, job["created_by"]), "id": job["created_by"]},
        "download_links": None,
        "job_start_time": iso(job["created_time"]),
        "expiry_date": None,
    }
    if state in ("finished", "failed"):
        body["job_end_time"] = iso(ended_at(job, call.settings))
    if state == "finished":
        body["download_links"] = download_links(call, job)
        body["expiry_date"] = iso(
            ended_at(job, call.settings) + call.settings.audit_link_days * DAY
        )
    return body


def download_links(call: Call, job: sqlite3.Row) -> list[str]:
    """One link: the CSV, or the ZIP of CSVs when the job holds more than one file's rows."""
    where = entries(call.db, job, call.settings)
    total = min(audit_log.count(call.db, where), call.settings.audit_max_entries)
    name = "AuditLog.zip" if total > call.settings.audit_rows_per_file else "AuditLog.csv"
    org = get_meta(call.db, "org_id")
    return [f"{call.base_url}/v2/crm/{org}/auditlog/{job['id']}/{name}"]


def entries(db: sqlite3.Connection, job: sqlite3.Row, settings: SandboxSettings) -> Where:
    """What `job` exports: its criteria, over the entries logged before it was created."""
    criteria = None if job["criteria"] is None else json.loads(job["criteria"])
    where = selection(db, criteria, job["created_by"], job["created_time"], settings)
    return where.both(Where("seq <= ?", (job["last_entry"],)))


def list_jobs(call: Call) -> Reply:
    jobs = call.db.execute("SELECT * FROM audit_jobs ORDER BY seq DESC").fetchall()
    if not jobs:
        return no_content()
    return Reply(200, {KEY: [job_json(call, job) for job in jobs]})


def get_job(call: Call) -> Reply:
    job = fetch_one(call.db, "SELECT * FROM audit_jobs WHERE id = ?", (call.params["id"],))
    if job is None:
        raise invalid_url()
    return Reply(200, {KEY: [job_json(call, job)]})


READ = scopes("ZohoCRM.settings.audit_logs.READ")
ROUTES = [
    Route(
        "POST",
        "/settings/audit_log_export",
        create_job,
        scopes("ZohoCRM.settings.audit_logs.CREATE"),
    ),
    Route("GET", "/settings/audit_log_export", list_jobs, READ),
    Route("GET", "/settings/audit_log_export/{id}", get_job, READ),
]
