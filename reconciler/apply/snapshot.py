"""Save a snapshot before an apply's first write (its content: `config/snapshot.py`)."""

from __future__ import annotations

import itertools
from datetime import datetime
from pathlib import Path

from reconciler.config.snapshot import Snapshot, dumps, take
from reconciler.errors import SnapshotError
from reconciler.model import OrgState
from reconciler.plan.build import Plan

SNAPSHOT_DIR = Path(".reconciler") / "snapshots"


def save_before(
    plan: Plan, live: OrgState, target: str, directory: Path, taken_at: datetime
) -> Path:
    """Write what `plan` is about to change in `live`; return the file's path."""
    return save(directory, take(plan, live, target, taken_at))


def save(directory: Path, snapshot: Snapshot) -> Path:
    """A new file in `directory`, never overwriting one: two applies in the same second
    get `-2`, `-3`... Raises `SnapshotError` when it cannot be written (nothing is applied
    without its snapshot)."""
    try:
        return _write(directory, snapshot)
    except OSError as exc:
        raise SnapshotError(
            f"cannot save the snapshot in {directory} ({exc.strerror or exc}); nothing was "
            "applied: choose another --snapshot-dir"
        ) from None


def _write(directory: Path, snapshot: Snapshot) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    name = Path(snapshot.meta.file_name())
    text = dumps(snapshot)
    for attempt in itertools.count(1):  # pragma: no branch
        path = directory / (name.name if attempt == 1 else f"{name.stem}-{attempt}{name.suffix}")
        try:
            with path.open("x", encoding="utf-8") as file:
                file.write(text)
        except FileExistsError:
            continue
        return path
    raise AssertionError("unreachable")  # pragma: no cover
