"""The sandbox's database file: a path that holds something else is refused before SQLite
creates or touches anything, and a reset never replaces such a file."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from reconciler.sandbox import NotASandboxDatabase, Sandbox, reset


def not_databases(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    config = tmp_path / "territories.yaml"
    config.write_text("version: 1\nterritories: {name: Zylker}\n")
    other = tmp_path / "other.sqlite3"
    with sqlite3.connect(other) as db:
        db.execute("CREATE TABLE notes (text TEXT)")
    (tmp_path / "a-file").write_text("x")
    return {
        "a YAML file": (config, f"{config} is not an SQLite database; refusing to use it"),
        "a directory": (tmp_path, f"{tmp_path} is a directory; the sandbox database is a file"),
        "/dev/null": (Path("/dev/null"), "/dev/null is not a regular file"),
        "another program's SQLite": (other, f"{other} is an SQLite database of something else"),
        "a path under a file": (tmp_path / "a-file" / "db", f"{tmp_path / 'a-file' / 'db'}: "),
    }


@pytest.mark.parametrize(
    "what",
    ["a YAML file", "a directory", "/dev/null", "another program's SQLite", "a path under a file"],
)
def test_a_path_that_is_no_sandbox_database_is_refused_and_kept(tmp_path: Path, what: str) -> None:
    path, message = not_databases(tmp_path)[what]
    before = path.read_bytes() if path.is_file() else None
    for attempt in (lambda: Sandbox(path), lambda: reset(path)):
        with pytest.raises(NotASandboxDatabase) as refused:
            attempt()
        assert str(refused.value).startswith(message)
    assert (path.read_bytes() if path.is_file() else None) == before


def test_a_damaged_database_is_refused(tmp_path: Path) -> None:
    damaged = tmp_path / "org.sqlite3"
    damaged.write_bytes(b"SQLite format 3\x00" + b"\xff" * 4096)
    with pytest.raises(NotASandboxDatabase, match="cannot open the sandbox database"):
        Sandbox(damaged)


def test_an_empty_file_is_a_new_database(tmp_path: Path) -> None:
    empty = tmp_path / "org.sqlite3"
    empty.touch()
    with Sandbox(empty) as org, org.store.transaction() as db:
        assert db.execute("SELECT COUNT(*) FROM users").fetchone()[0] == 25
