"""`doctor`'s checks -> text: one line per check, the fix indented under it, a summary last.

ok    credentials           an access token was issued by ...
fail  scope: territories    the token may not make GET settings/territories (401 ...)
                            fix: add ZohoCRM.settings.territories.READ ...
doctor: 1 failed, 11 passed: fix what is marked fail and run doctor again
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TextIO

from reconciler.doctor.verdict import Check, Status


def doctor_text(checks: Sequence[Check], out: TextIO) -> None:
    width = max((len(c.name) for c in checks), default=0) + 2
    for check in checks:
        out.write(f"{check.status.value:<6}{check.name:<{width}}{check.found}\n")
        if check.fix:
            out.write(f"{'':<6}{'':<{width}}fix: {check.fix}\n")
    out.write(summary(checks) + "\n")


DOCTOR_VERSION = 1


def doctor_json(checks: Sequence[Check], out: TextIO) -> None:
    """The checks as data for tools: versioned; `ready` is false when any check failed."""
    payload = {
        "format_version": DOCTOR_VERSION,
        "ready": not any(c.status is Status.fail for c in checks),
        "checks": [
            {"name": c.name, "status": c.status.value, "found": c.found, "fix": c.fix or None}
            for c in checks
        ],
        "summary": summary(checks),
    }
    out.write(json.dumps(payload, indent=2, ensure_ascii=False) + "\n")


def summary(checks: Sequence[Check]) -> str:
    counts = {status: sum(c.status is status for c in checks) for status in Status}
    parts = [
        f"{counts[Status.fail]} failed" if counts[Status.fail] else "",
        f"{counts[Status.warn]} to look at" if counts[Status.warn] else "",
        f"{counts[Status.ok]} passed",
    ]
    said = ", ".join(p for p in parts if p)
    if counts[Status.fail]:
        return f"doctor: {said}: fix what is marked fail and run doctor again"
    if counts[Status.warn]:
        return f"doctor: {said}: plan and apply can run; see what is marked warn"
    return f"doctor: {said}: ready for plan and apply"
