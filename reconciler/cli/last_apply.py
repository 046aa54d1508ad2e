"""When this machine last applied a plan to an org, for `drift --since`'s default: a small
JSON file beside the local sandbox's (`.reconciler/last-apply.json`), org id -> time. No other
state is kept; a CI runner without the file starts its drift window seven days back."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

FILE = Path(".reconciler/last-apply.json")


def recorded(org_id: str | None, path: Path = FILE) -> datetime | None:
    try:
        found = json.loads(path.read_text(encoding="utf-8")).get(str(org_id))
        return datetime.fromisoformat(found) if isinstance(found, str) else None
    except (OSError, ValueError, AttributeError):
        return None


def record(org_id: str | None, when: datetime, path: Path = FILE) -> None:
    try:
        known = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        known = {}
    if not isinstance(known, dict):
        known = {}
    known[str(org_id)] = when.isoformat(timespec="seconds")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(known, indent=2, sort_keys=True) + "\n", encoding="utf-8")
