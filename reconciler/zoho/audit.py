"""Reading the audit log with the fewest calls (REFERENCE §7.6): one export job per run,
polled with growing waits, then its one file downloaded and read as it streams.

    POST /settings/audit_log_export          1 call (the window as criteria)
    GET  /settings/audit_log_export/{id}     until the job is finished: 1 + polls
    GET  {download link}                     1 call: AuditLog.csv, or AuditLog.zip of CSVs

A window of up to 180 days is sent as criteria; a longer one (up to three years, all Zoho
keeps) is sent without, which exports everything, and is cut here. Only the entries of the
settings areas drift is about are kept while the file is read, so a million-line log never
sits in memory. A job that fails, never finishes within `limit` seconds, or cannot be
scheduled because another is queued (ALREADY_SCHEDULED) raises `AuditLogUnavailable`."""

from __future__ import annotations

import csv
import io
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import IO
from urllib.parse import urlsplit

from reconciler.errors import AuditLogUnavailable
from reconciler.plan.attribution import AREAS, AuditEntry
from reconciler.zoho import wire
from reconciler.zoho.domains import API_TLDS
from reconciler.zoho.session import Session

TEMPLATE = "settings/audit_log_export"
DOWNLOAD = "GET {download link}"
MAX_WINDOW = timedelta(days=180)
HISTORY = timedelta(days=3 * 365)
SPOOL_BYTES = 8 * 1024 * 1024  # a bigger file goes to a temporary file while it is read
# Zoho's own domains, where its download servers live (download.zoho.com, ...).
TRUSTED = tuple(f"zoho.{tld}" for tld in API_TLDS if tld != "ca") + ("zohocloud.ca",)


@dataclass(frozen=True)
class Polling:
    """Waits between polls of a job: `first`, doubled each time up to `cap`; give up when
    the next wait would pass `limit` seconds since the job was scheduled."""

    first: float = 1.0
    cap: float = 30.0
    limit: float = 600.0

    def scaled(self, factor: float) -> Polling:
        return Polling(self.first * factor, self.cap * factor, self.limit * factor)


DEFAULT_POLLING = Polling()


async def read_log(
    session: Session,
    since: datetime,
    until: datetime,
    polling: Polling | None = None,
) -> list[AuditEntry]:
    """The settings entries audited between `since` and `until`, oldest first."""
    job = await _schedule(session, since, until)
    link = await _wait(session, job, polling or DEFAULT_POLLING)
    _check_host(link, session)
    keep = _window(since, until)
    with tempfile.SpooledTemporaryFile(SPOOL_BYTES) as spool:
        await session.download(link, spool, DOWNLOAD)
        spool.seek(0)
        entries = [e for e in _entries(spool) if keep(e)]
    return sorted(entries, key=lambda e: e.time)


async def _schedule(session: Session, since: datetime, until: datetime) -> str:
    body = wire.audit_window(since, until) if until - since <= MAX_WINDOW else None
    answer = await session.call("POST", TEMPLATE, json=body, key=wire.AUDIT_KEY)
    code, job = wire.audit_code(answer.body), wire.audit_job_id(answer.body)
    if code == "ALREADY_SCHEDULED":
        raise AuditLogUnavailable(
            f"Zoho is still running another audit-log export (job {job}) and runs one at a "
            "time; try again when it has finished",
            code=code,
            status=answer.status,
            request=f"POST {TEMPLATE}",
        )
    if answer.status >= 400 or job is None:
        raise AuditLogUnavailable(
            f"Zoho refused the audit-log export ({answer.status} {code}); "
            "check --since (Zoho keeps three years and exports six months a job)",
            code=code,
            status=answer.status,
            request=f"POST {TEMPLATE}",
        )
    return job


async def _wait(session: Session, job: str, polling: Polling) -> str:
    """Poll the job until it has a download link."""
    started, wait = session.clock(), polling.first
    while True:
        answer = await session.call("GET", TEMPLATE + "/{id}", ids={"id": job})
        status, links = wire.audit_job(answer.body)
        if status == "finished" and links:
            return links[0]
        if status in ("failed", "deleted", "suspended"):
            raise AuditLogUnavailable(
                f"Zoho's audit-log export job {job} ended {status}; run again later",
                code=status.upper(),
                request=f"GET {TEMPLATE}/{{id}}",
            )
        if session.clock() - started + wait > polling.limit:
            raise AuditLogUnavailable(
                f"Zoho's audit-log export job {job} did not finish within "
                f"{polling.limit:g}s (still {status or 'unknown'}); run again later",
                code="TIMEOUT",
                request=f"GET {TEMPLATE}/{{id}}",
            )
        session.stats.polls += 1
        await session.sleep(wait)
        wait = min(wait * 2, polling.cap)


def _check_host(link: str, session: Session) -> None:
    """The token goes only to Zoho over HTTPS, or to the server the API calls already go to
    (a sandbox, which `domains` admitted)."""
    parts = urlsplit(link)
    host = (parts.hostname or "").lower()
    api = urlsplit(session.api_domain or "").hostname
    zoho = parts.scheme == "https" and any(host == d or host.endswith("." + d) for d in TRUSTED)
    if not (zoho or host == api):
        raise AuditLogUnavailable(
            f"the audit-log download link points at {host or repr(link)}, which is not Zoho's; "
            "the token was not sent there",
            request=DOWNLOAD,
        )


def _window(since: datetime, until: datetime) -> Callable[[AuditEntry], bool]:
    """Settings entries in the window, at the whole-second precision of Zoho's times."""
    start = since.replace(microsecond=0)
    return lambda e: e.area in AREAS and start <= e.time <= until


def _entries(file: IO[bytes]) -> Iterator[AuditEntry]:
    """Every entry of a CSV, or of each CSV inside a ZIP, read as it streams."""
    head = file.read(4)
    file.seek(0)
    if head.startswith(b"PK"):
        with zipfile.ZipFile(file) as archive:
            for name in sorted(archive.namelist()):
                with archive.open(name) as part:
                    yield from _csv(part)
    else:
        yield from _csv(file)


def _csv(raw: IO[bytes]) -> Iterator[AuditEntry]:
    text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
    reader = csv.DictReader(text)
    columns = wire.audit_columns(reader.fieldnames or [])
    for row in reader:
        entry = wire.audit_entry(row, columns)
        if entry is not None:
            yield entry
    text.detach()
