"""Files the commands write: the plan (`plan --out`), the export (`export -o`), the schema."""

from __future__ import annotations

import os
from pathlib import Path

import click

SCHEMA_PATH = Path("schemas/reconciler.schema.json")


def output_folder(path: Path, option: str) -> None:
    """Create the folder an output file goes in, before any work, so that a path that
    cannot be written is an error up front, not after the org was read."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise click.BadParameter(
            f"cannot create the folder {path.parent}: {exc.strerror}", param_hint=option
        ) from None


def schema_reference(output: Path | None) -> str:
    """Where the schema `reconciler schema` writes (run in the current folder) is, seen from
    the file `export` writes: editors resolve `$schema` against the file itself."""
    folder = (output.parent if output is not None else Path()).absolute()
    return Path(os.path.relpath(SCHEMA_PATH.absolute(), folder)).as_posix()
