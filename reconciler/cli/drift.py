"""`drift` and `adopt`: the org's departures from the YAML, with who made them (the audit
log), and writing them into the YAML to keep them. Reverting them is `apply`."""

from __future__ import annotations

import difflib
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from reconciler.cli import drift_workflow, last_apply
from reconciler.cli.environment import chosen, load_config
from reconciler.cli.exits import EXIT_CHANGES, EXIT_OK, reports_errors
from reconciler.cli.org import org_options, run
from reconciler.errors import ReconcilerError
from reconciler.plan.drift import DriftReport
from reconciler.render.drift import drift_json, drift_markdown, drift_text
from reconciler.zoho.audit import Polling


def _since(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


SINCE = click.option(
    "--since",
    type=click.DateTime(["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M:%S%z"]),
    help="Read the audit log from this time (UTC unless an offset is given) [default: this "
    "machine's last apply to the org, else 7 days ago; at most 3 years back].",
)


AUDIT_TIMEOUT = click.option(
    "--audit-timeout",
    type=click.FloatRange(min=0, min_open=True),
    default=600.0,
    show_default=True,
    help="Seconds to wait for Zoho's audit-log export before reporting drift unattributed.",
)


def _applies(org: dict[str, Any]) -> Path:
    return last_apply.file_beside(org["sandbox_db"])


def _polling(org: dict[str, Any], timeout: float) -> Polling:
    return Polling(limit=timeout).scaled(org["retry_scale"])


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "markdown"]),
    default="text",
    show_default=True,
    help="json is versioned (docs/drift.md); markdown is for an issue or a pull request.",
)
@click.option("--detailed-exitcode", is_flag=True, help="Exit 2 when there is drift, 0 when none.")
@SINCE
@AUDIT_TIMEOUT
@org_options
@reports_errors
def drift(
    paths: tuple[Path, ...],
    fmt: str,
    detailed_exitcode: bool,
    since: datetime | None,
    audit_timeout: float,
    **org: Any,
) -> None:
    """Show where the org differs from the configuration, and who changed it.

    Each drifted object comes with the audit-log entries that explain it (who, when, what,
    old and new values), or "no audit entry found". One audit-log export job per run; without
    the audit-log scopes the drift is shown unattributed, with a warning. Keep the drift with
    `adopt`, undo it with `apply`.

    \b
    Example:
        reconciler drift org/
        reconciler drift org/ --since 2026-11-01 --format markdown > drift.md
        reconciler drift org/ --detailed-exitcode   # 0 no drift, 2 drift, 1 error
    """
    config = load_config(paths, chosen(org["env_name"]))
    found = run(
        org,
        lambda c: drift_workflow.find_drift(
            config, c, _since(since), _polling(org, audit_timeout), _applies(org)
        ),
    ).report
    if fmt == "json":
        drift_json(found, sys.stdout)
    elif fmt == "markdown":
        sys.stdout.write(drift_markdown(found))
    else:
        drift_text(found, sys.stdout)
    _warn(found)
    sys.exit(EXIT_CHANGES if detailed_exitcode and not found.empty else EXIT_OK)


def _warn(found: DriftReport, also: str = "") -> None:
    """One warning when the audit log could not be read."""
    if not found.attribution.read and found.attribution.reason != "no drift":
        click.echo(f"warning: drift is not attributed: {found.attribution.reason}{also}", err=True)


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--check", is_flag=True, help="Write nothing; print the diff only.")
@SINCE
@AUDIT_TIMEOUT
@org_options
@reports_errors
def adopt(
    paths: tuple[Path, ...], check: bool, since: datetime | None, audit_timeout: float, **org: Any
) -> None:
    """Write the org's drift into the configuration files, keeping everything else.

    Only the drifted objects change; comments and layout stay (files come out as `fmt`
    writes them). Prints the diff. Afterwards `plan --detailed-exitcode` exits 0.

    \b
    Example:
        reconciler adopt org/
        reconciler adopt org/ --check   # show the diff, write nothing
    """
    environment = chosen(org["env_name"])
    if environment is not None and (environment.overlays or environment.users is not None):
        raise ReconcilerError(
            f"adopt writes the shared YAML, but environment {environment.name!r} changes it "
            "(overlays or a user mapping); edit its overlay by hand, or adopt in an "
            "environment without them"
        )
    config = load_config(paths, environment)
    found, files = run(
        org,
        lambda c: drift_workflow.adopt_drift(
            config, paths, c, _since(since), _polling(org, audit_timeout), _applies(org)
        ),
    )
    _warn(found.report, "; a territory renamed in the org is adopted as one removed and one added")
    changed = [f for f in files if f.changed]
    for file in changed:
        sys.stdout.writelines(
            difflib.unified_diff(
                file.before.splitlines(keepends=True),
                file.after.splitlines(keepends=True),
                f"a/{file.name}",
                f"b/{file.name}",
            )
        )
        if not check:
            Path(file.name).write_text(file.after, encoding="utf-8")
    verb = "would change" if check else "changed"
    click.echo(f"adopt: {verb} {len(changed)} of {len(files)} files", err=True)
    sys.exit(EXIT_OK)
