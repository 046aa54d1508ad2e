"""An apply's report: what was done, what failed with Zoho's code and message, what was
skipped and why; as text for people and JSON for tools."""

from __future__ import annotations

import json
from typing import TextIO

from reconciler.apply.report import Report, StepReport
from reconciler.errors import PlanFileError, ReconcilerError, StalePlan, UnsafePlan

ACTIONS = {
    "create_territories": "create territories",
    "update_territories": "update territories",
    "delete_territories": "delete territories",
    "add_users_to_territory": "add users to a territory",
    "remove_users_from_territory": "remove users from a territory",
    "add_territories_to_user": "add a user to territories",
    "remove_territories_from_user": "remove a user from territories",
    "set_defaults": "set data-sharing defaults",
    "create_rule": "create a sharing rule",
    "update_rule": "update a sharing rule",
    "delete_rule": "delete a sharing rule",
    "activate_rule": "activate a sharing rule",
    "deactivate_rule": "deactivate a sharing rule",
}


def report_text(report: Report, out: TextIO) -> None:
    """Failures and skips in full, then one summary line."""
    for step in report.steps:
        if step.status != "done":
            out.write(_problem(step))
    if report.interference:
        out.write("changed by someone else during this apply:\n")
        out.write("".join(f"  - {what}\n" for what in report.interference))
    done, failed, skipped = (report.count(s) for s in ("done", "failed", "skipped"))
    verdict = "Apply complete" if report.ok else "Apply incomplete"
    out.write(
        f"{verdict}: {done} done, {failed} failed, {skipped} skipped in {report.seconds:.1f}s.\n"
    )
    if report.interference:
        out.write(
            "Another apply or a person changed these while this one ran: let one apply run "
            "at a time (docs/apply.md), then run plan again.\n"
        )
    elif not report.ok:
        out.write("Run plan again to see what is left; apply converges when run again.\n")


def _problem(step: StepReport) -> str:
    what = ACTIONS.get(step.action, step.action)
    head = f"{step.status}: step {step.step} ({what})"
    if step.status == "skipped":
        return f"{head}: {step.message}\n"
    lines = [f"{head}: {step.code or 'error'}: {step.message}"]
    lines += [
        f"    {item.label}: {item.code}: {item.message}" for item in step.items if not item.ok
    ]
    return "\n".join(lines) + "\n"


REPORT_VERSION = 1


def report_json(report: Report, out: TextIO) -> None:
    """The report as data (docs/apply.md): versioned, one object per step."""
    payload = {
        "format_version": REPORT_VERSION,
        "ok": report.ok,
        "done": report.count("done"),
        "failed": report.count("failed"),
        "skipped": report.count("skipped"),
        "seconds": report.seconds,
        "snapshot": report.snapshot,
        "changed_during_apply": list(report.interference),
        "steps": [s.model_dump(mode="json") for s in report.steps],
    }
    out.write(json.dumps(payload, indent=2) + "\n")


def refusal_json(error: ReconcilerError, out: TextIO) -> None:
    """An apply refused before its first write, as data in the report's shape: nothing done,
    and why (`org_changed` with the objects, `unsafe` with the reasons, `plan_file`, or
    `refused`)."""
    reason, objects = "refused", []
    if isinstance(error, StalePlan):
        reason, objects = "org_changed", error.changed
    elif isinstance(error, UnsafePlan):
        reason, objects = "unsafe", error.reasons
    elif isinstance(error, PlanFileError):
        reason = "plan_file"
    payload = {
        "format_version": REPORT_VERSION,
        "ok": False,
        "refused": {"reason": reason, "message": str(error), "objects": objects},
        "done": 0,
        "failed": 0,
        "skipped": 0,
        "seconds": 0.0,
        "steps": [],
    }
    out.write(json.dumps(payload, indent=2, ensure_ascii=False) + "\n")
