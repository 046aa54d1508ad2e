"""One SQLite file per emulated org. A single connection guarded by a lock: every request runs
in one transaction, so concurrent requests (asyncio tasks, the served thread, another test
client) see each other's work whole or not at all. WAL lets another process read the file
(`reconciler sandbox stats`) while a server writes it."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from reconciler.sandbox.schema import DDL, SCHEMA_VERSION

MEMORY = ":memory:"
SQLITE_HEADER = b"SQLite format 3\x00"
# Ids look like Zoho's: 19 decimal digits, an org prefix and a running number. Each org has
# its own prefix (the seed's `org.id_prefix`), so no id of one org is valid in another.
DEFAULT_ID_PREFIX = 4_150_868
ID_DIGITS = 12


class NotASandboxDatabase(ValueError):
    """The path given for the sandbox's database holds something else, or cannot be opened."""


class Store:
    """The org's database. Use `transaction()` for every read or write."""

    def __init__(self, path: str | Path = MEMORY) -> None:
        self.path = str(path)
        if self.path != MEMORY:
            check_path(Path(self.path))
        self._lock = threading.RLock()
        try:
            self._db = _connect(self.path)
        except sqlite3.Error as error:
            message = f"{self.path}: cannot open the sandbox database: {error}"
            raise NotASandboxDatabase(message) from None

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """Run a block atomically; an exception rolls everything in it back."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def is_empty(self) -> bool:
        """True for a new database: the caller seeds it."""
        with self.transaction() as db:
            return get_meta(db, "schema_version") is None

    def close(self) -> None:
        with self._lock:
            self._db.close()


def check_path(path: Path) -> None:
    """Refuse, before SQLite creates or touches anything, a path that is no sandbox database:
    a directory, a device, a YAML file given by mistake. A missing or empty file is new."""
    try:
        if path.is_dir() or (path.exists() and not path.is_file()):
            kind = "a directory" if path.is_dir() else "not a regular file"
            raise NotASandboxDatabase(f"{path} is {kind}; the sandbox database is a file")
        if path.is_file() and path.stat().st_size:
            with path.open("rb") as handle:
                if handle.read(len(SQLITE_HEADER)) != SQLITE_HEADER:
                    raise NotASandboxDatabase(
                        f"{path} is not an SQLite database; refusing to use it as the "
                        "sandbox's (give the path of a new or existing sandbox database)"
                    )
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise NotASandboxDatabase(f"{path}: {error.strerror or error}") from None


def _connect(path: str) -> sqlite3.Connection:
    db = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=30.0)
    try:
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master")}
        if tables and "meta" not in tables:
            raise NotASandboxDatabase(
                f"{path} is an SQLite database of something else; refusing to use it as the "
                "sandbox's"
            )
        db.row_factory = sqlite3.Row
        db.execute("PRAGMA foreign_keys = OFF")
        if path != MEMORY:
            db.execute("PRAGMA journal_mode = WAL")
            db.execute("PRAGMA synchronous = NORMAL")
        db.executescript(DDL)
    except BaseException:
        db.close()
        raise
    return db


def fetch_one(
    db: sqlite3.Connection, sql: str, args: tuple[object, ...] = ()
) -> sqlite3.Row | None:
    row: sqlite3.Row | None = db.execute(sql, args).fetchone()
    return row


def get_meta(db: sqlite3.Connection, key: str) -> str | None:
    row = db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    return None if row is None else str(row["value"])


def set_meta(db: sqlite3.Connection, key: str, value: str) -> None:
    db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))


def mark_initialised(db: sqlite3.Connection) -> None:
    set_meta(db, "schema_version", SCHEMA_VERSION)


def new_ids(db: sqlite3.Connection, count: int) -> list[str]:
    """Reserve `count` fresh ids in one step (seeding thousands of rows stays fast)."""
    start = int(get_meta(db, "next_id") or "1")
    set_meta(db, "next_id", str(start + count))
    base = int(get_meta(db, "id_prefix") or DEFAULT_ID_PREFIX) * 10**ID_DIGITS
    return [str(base + n) for n in range(start, start + count)]


def new_id(db: sqlite3.Connection) -> str:
    return new_ids(db, 1)[0]


def next_seq(db: sqlite3.Connection, table: str) -> int:
    """The next listing position in `table` (tables are fixed names, never user input)."""
    row = db.execute(f"SELECT COALESCE(MAX(seq), 0) + 1 AS n FROM {table}").fetchone()
    return int(row["n"])
