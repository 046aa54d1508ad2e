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
# Ids look like Zoho's: 19 decimal digits, an org prefix and a running number. Each org has
# its own prefix (the seed's `org.id_prefix`), so no id of one org is valid in another.
DEFAULT_ID_PREFIX = 4_150_868
ID_DIGITS = 12


class Store:
    """The org's database. Use `transaction()` for every read or write."""

    def __init__(self, path: str | Path = MEMORY) -> None:
        self.path = str(path)
        if self.path != MEMORY:
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        self._db = sqlite3.connect(
            self.path, check_same_thread=False, isolation_level=None, timeout=30.0
        )
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA foreign_keys = OFF")
        if self.path != MEMORY:
            self._db.execute("PRAGMA journal_mode = WAL")
            self._db.execute("PRAGMA synchronous = NORMAL")
        self._db.executescript(DDL)

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
        with self.transaction() as db:
            return get_meta(db, "schema_version") is None

    def close(self) -> None:
        with self._lock:
            self._db.close()


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
