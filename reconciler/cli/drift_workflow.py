"""The work of `drift` and `adopt`: read what the YAML manages, diff, read the audit log once
for who changed what, and (adopt) write the org's values into the YAML.

Attribution is best effort: when the audit log cannot be read (a scope or profile permission
missing, a job that fails, never finishes, or cannot be scheduled), the drift is reported all
the same, unattributed, with the reason."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from reconciler.cli import last_apply
from reconciler.cli.workflow import Connection, plan_target
from reconciler.config import names
from reconciler.config.adopt import Adopted, adopt
from reconciler.config.load import Config
from reconciler.config.source import walk_files
from reconciler.errors import ApiError, ReconcilerError
from reconciler.live import read
from reconciler.model import OrgState
from reconciler.plan.attribution import AuditEntry, renames, with_renames
from reconciler.plan.diff import Changes, diff
from reconciler.plan.drift import Attribution, DriftReport, report
from reconciler.scope import Scope
from reconciler.zoho.audit import HISTORY, Polling

DEFAULT_WINDOW = timedelta(days=7)


@dataclass(frozen=True)
class Drift:
    """A drift run's findings: the report, and what adopt needs to write them."""

    report: DriftReport
    changes: Changes
    live: OrgState


def window_start(since: datetime | None, last: datetime | None, now: datetime) -> datetime:
    """`--since`, else the last apply this machine recorded for the org, else 7 days ago;
    never further back than the three years Zoho keeps."""
    start = since or last or now - DEFAULT_WINDOW
    if start < now - HISTORY:
        raise ReconcilerError(
            f"--since {start.date()} is more than three years ago; Zoho keeps the audit log "
            "for three years: choose a later date"
        )
    if start > now:
        raise ReconcilerError(f"--since {start.isoformat()} is in the future")
    return start


async def find_drift(
    config: Config,
    connection: Connection,
    since: datetime | None = None,
    polling: Polling | None = None,
    applies: Path | None = None,
    until: datetime | None = None,
) -> Drift:
    """The drift between the YAML and the org, attributed from the audit log. `applies` is
    the file where this machine notes its applies (`last_apply`); `until` ends the window
    (now; a benchmark in virtual time passes its own)."""
    live = await read(connection.client, Scope.for_config(config.state))
    names.check(config.state, live, config.sources)
    until = until or datetime.now(UTC)
    last = last_apply.recorded(applies, connection.target.label) if applies else None
    start = window_start(since, last, until)
    changes = diff(live, config.state)
    log: list[AuditEntry] = []
    attribution = Attribution(read=False, since=start, until=until, reason="no drift")
    if not changes.empty:
        log, attribution = await _read_log(connection, start, until, polling)
        found = renames(changes, log)
        if found:
            changes = diff(live, with_renames(config.state, found))
    target = (await plan_target(connection, live.directory)).describe()
    return Drift(report(changes, live, log, attribution, target), changes, live)


async def _read_log(
    connection: Connection, since: datetime, until: datetime, polling: Polling | None
) -> tuple[list[AuditEntry], Attribution]:
    try:
        log = await connection.client.read_audit_log(since, until, polling)
    except ApiError as error:
        return [], Attribution(read=False, since=since, until=until, reason=_reason(error))
    return log, Attribution(read=True, since=since, until=until, entries=len(log))


def _reason(error: ApiError) -> str:
    if error.code == "OAUTH_SCOPE_MISMATCH":
        return (
            "the token lacks the audit-log scopes: add ZohoCRM.settings.audit_logs.CREATE, "
            "ZohoCRM.settings.audit_logs.READ and ZohoFiles.files.READ to the Self Client "
            "(`reconciler doctor` checks them)"
        )
    return str(error)


async def adopt_drift(
    config: Config,
    paths: Sequence[Path],
    connection: Connection,
    since: datetime | None = None,
    polling: Polling | None = None,
    applies: Path | None = None,
) -> tuple[Drift, list[Adopted]]:
    """The drift, and the configuration files rewritten to hold it (not written here)."""
    found = await find_drift(config, connection, since, polling, applies)
    documents = [(str(path), path.read_bytes()) for path in walk_files(list(paths))]
    return found, adopt(documents, found.changes, found.live)
