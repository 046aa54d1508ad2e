"""The file behind an export job's link (REFERENCE §7.6, DOC download-export-audit-log-result):
`GET {download-domain}/v2/crm/{org_id}/auditlog/{job_id}/AuditLog.csv` or `.zip`, scope
`ZohoFiles.files.READ`. Up to `audit_rows_per_file` entries (Zoho: 100,000) come as one CSV;
more as a ZIP of CSVs of that many rows each, `audit_max_entries` (1,000,000) at most.

The sandbox serves the link from its own host, so `{download-domain}` is wherever the client
reached it. A link that names no finished job of this org, the wrong file kind, or has expired
answers 403 in the shape audit_log_export.json gives the download (`Forbidden`: `x-error`,
`info`, `status`); its texts are not published, so they are the sandbox's."""

from __future__ import annotations

import csv
import io
import re
import sqlite3
import zipfile
from collections.abc import Iterator

from reconciler.sandbox import audit_export, audit_log
from reconciler.sandbox.replies import Reply
from reconciler.sandbox.settings import SandboxSettings
from reconciler.sandbox.store import fetch_one, get_meta

PATH = re.compile(r"/v2/crm/(?P<org>[0-9]+)/auditlog/(?P<job>[0-9]+)/AuditLog\.(?P<kind>csv|zip)")
TEMPLATE = "/v2/crm/{org_id}/auditlog/{job_id}/{file}"
SCOPES = (("ZohoFiles.files.READ",),)
CSV_TYPE = "text/csv;charset=UTF-8"
ZIP_TYPE = "application/zip"


def is_download(path: str) -> bool:
    return PATH.fullmatch(path) is not None


def forbidden(error: str, info: str) -> Reply:
    return Reply(403, {"x-error": error, "info": info, "status": "error"})


def download(db: sqlite3.Connection, settings: SandboxSettings, now: float, path: str) -> Reply:
    found = PATH.fullmatch(path)
    assert found is not None
    job = fetch_one(db, "SELECT * FROM audit_jobs WHERE id = ?", (found["job"],))
    if (
        job is None
        or found["org"] != get_meta(db, "org_id")
        or audit_export.status(job, now, settings) != "finished"
    ):
        return forbidden("FILE_NOT_FOUND", "no export file at this link")
    if audit_export.link_expired(job, now, settings):
        return forbidden("URL_EXPIRED", "the download link has expired")
    where = audit_export.entries(db, job, settings)
    total = min(audit_log.count(db, where), settings.audit_max_entries)
    per_file = settings.audit_rows_per_file
    if (found["kind"] == "zip") != (total > per_file):
        return forbidden("FILE_NOT_FOUND", "no export file at this link")
    rows = audit_log.rows(db, where, total)
    if total <= per_file:
        return Reply(200, _csv(rows, total), {"content-type": CSV_TYPE})
    return Reply(200, _zip(rows, total, per_file), {"content-type": ZIP_TYPE})


def _csv(rows: Iterator[tuple[str, ...]], count: int) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(audit_log.COLUMNS)
    for _ in range(count):
        row = next(rows, None)
        if row is None:
            break
        writer.writerow(row)
    return out.getvalue().encode("utf-8")


def _zip(rows: Iterator[tuple[str, ...]], total: int, per_file: int) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for part, start in enumerate(range(0, total, per_file), start=1):
            archive.writestr(f"AuditLog_{part}.csv", _csv(rows, min(per_file, total - start)))
    return out.getvalue()
