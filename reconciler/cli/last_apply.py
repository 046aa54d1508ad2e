"""When this machine last applied a plan to an org, for `drift --since`'s default: a small
JSON file beside the local sandbox's database (`.reconciler/last-apply.json` by default),
target -> time. No other state is kept; a CI runner without the file starts its drift window
seven days back."""

from __future__ import annotations

import json
from collections.abc import Awaitable
from datetime import UTC, datetime
from pathlib import Path

from reconciler.apply.report import Report

NAME = "last-apply.json"


def file_beside(sandbox_db: str) -> Path:
    return Path(sandbox_db).parent / NAME


def recorded(path: Path, target: str) -> datetime | None:
    try:
        found = json.loads(path.read_text(encoding="utf-8")).get(target)
        return datetime.fromisoformat(found) if isinstance(found, str) else None
    except (OSError, ValueError, AttributeError):
        return None


def record(path: Path, target: str, when: datetime) -> None:
    try:
        known = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        known = {}
    if not isinstance(known, dict):
        known = {}
    known[target] = when.isoformat(timespec="seconds")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(known, indent=2, sort_keys=True) + "\n", encoding="utf-8")


async def noted(path: Path, target: str, applying: Awaitable[Report | None]) -> Report | None:
    """The apply's report; a complete apply is recorded."""
    report = await applying
    if report is not None and report.ok:
        record(path, target, datetime.now(UTC))
    return report
