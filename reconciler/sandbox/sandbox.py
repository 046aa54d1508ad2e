"""The `Sandbox`: one emulated org (its SQLite store), its settings, faults, clock and request
log. Both ways in (`SandboxTransport`, the served app) call `Sandbox.handle`."""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path
from typing import Any

from reconciler.sandbox import dispatch, log
from reconciler.sandbox.clock import Clock, system_clock
from reconciler.sandbox.closing import Closing
from reconciler.sandbox.exchange import Outcome, Request
from reconciler.sandbox.faults import Faults
from reconciler.sandbox.limits import Gate
from reconciler.sandbox.oauth import issue
from reconciler.sandbox.populate import populate
from reconciler.sandbox.scopes import grants
from reconciler.sandbox.seed import ALL_SCOPES, Seed, check_seed, demo_seed
from reconciler.sandbox.seed_errors import Problem, SeedError
from reconciler.sandbox.settings import SandboxSettings, edition_concurrency
from reconciler.sandbox.store import MEMORY, Store, get_meta, set_meta

TERRITORY_STATES = ("enabled", "disabled", "not_enabled")


class Sandbox(Closing):
    """An emulated Zoho CRM org.

    `db` is a SQLite file (created and seeded when missing or empty) or ":memory:";
    `NotASandboxDatabase` when it holds something else. `seed` is used only when the database
    is new; the default is the demo org. A seed naming what it does not declare raises
    SeedError before anything is written.
    `clock` returns epoch seconds; tests pass a fake one and advance it instead of sleeping.
    """

    def __init__(
        self,
        db: str | Path = MEMORY,
        settings: SandboxSettings | None = None,
        clock: Clock = system_clock,
        seed: Seed | None = None,
    ) -> None:
        if seed is not None:
            check_seed(seed)
        self.store = Store(db)
        self.clock = clock
        self.faults = Faults()
        self.gate = Gate()
        self._settings = settings or SandboxSettings()
        if self.store.is_empty():
            with self.store.transaction() as tx:
                populate(tx, seed or demo_seed(), clock())
        with self.store.transaction() as tx:
            self._org_edition = str(json.loads(get_meta(tx, "org") or "{}").get("edition"))

    @property
    def settings(self) -> SandboxSettings:
        return self._settings

    def configure(self, **changes: Any) -> SandboxSettings:
        """Change settings at run time, e.g. `configure(latency_s=0.05)`."""
        self._settings = dataclasses.replace(self._settings, **changes)
        return self._settings

    def now(self) -> float:
        return self.clock()

    @property
    def org_id(self) -> str:
        """The org's id, as `GET /org` gives it."""
        with self.store.transaction() as db:
            return str(get_meta(db, "org_id"))

    def concurrency_limit(self) -> int:
        if self._settings.concurrency_limit is not None:
            return self._settings.concurrency_limit
        return edition_concurrency(self._settings.edition or self._org_edition)

    async def handle(self, request: Request) -> Outcome:
        return await dispatch.handle(self, request)

    def issue_token(self, client_id: str = "sandbox", scopes: list[str] | None = None) -> str:
        """An access token for `client_id` without the OAuth round trip (tests, the CLI)."""
        with self.store.transaction() as db:
            client = db.execute(
                "SELECT * FROM oauth_clients WHERE client_id = ?", (client_id,)
            ).fetchone()
            if client is None:
                raise KeyError(f"no OAuth client {client_id!r} in this sandbox")
            granted = scopes if scopes is not None else json.loads(client["scopes"])
            return issue(
                db,
                client_id,
                client["user_id"],
                granted,
                self.now(),
                self._settings.token_lifetime_s,
            )

    def local_credentials(self) -> tuple[str, str, str]:
        """Client id, secret and refresh token of a seeded client that may do everything
        reconciler does: the built-in `sandbox` client when the seed has it, else the first
        that grants every scope. SeedError naming the seed when no client does."""
        with self.store.transaction() as db:
            rows = db.execute(
                "SELECT c.client_id, c.client_secret, r.token, r.scopes FROM oauth_clients c "
                "JOIN refresh_tokens r ON r.client_id = c.client_id "
                "ORDER BY c.client_id != 'sandbox', c.rowid, r.rowid"
            ).fetchall()
            seed = get_meta(db, "seed") or None
        for client_id, secret, token, scopes in rows:
            held = json.loads(scopes)
            if all(any(grants(have, need) for have in held) for need in ALL_SCOPES):
                return client_id, secret, token
        raise SeedError([Problem(("oauth_clients",), self._no_client(seed))], seed)

    def _no_client(self, seed: str | None) -> str:
        return (
            f"no OAuth client of the sandbox org in {self.store.path} can serve the local "
            f"target: none has a refresh token granting {', '.join(ALL_SCOPES)}. Give the seed "
            "such a client (or leave `oauth_clients` out for the built-in one), then run "
            f"`reconciler sandbox reset{f' --seed {seed}' if seed else ''}`"
        )

    def set_territory_management(self, state: str) -> None:
        """Switch the org's Territory Management feature: enabled, disabled, not_enabled."""
        if state not in TERRITORY_STATES:
            raise ValueError(f"state must be one of {TERRITORY_STATES}")
        with self.store.transaction() as db:
            set_meta(db, "territory_management", state)

    def stats(self) -> dict[str, Any]:
        with self.store.transaction() as db:
            return log.stats(db, self.now())

    def reset_stats(self) -> None:
        with self.store.transaction() as db:
            log.reset(db)

    def close(self) -> None:
        self.store.close()


def reset(db_path: str | Path, seed: Seed | None = None) -> None:
    """Recreate the org in `db_path` from `seed` (the demo org by default), atomically: the
    new org is built beside the old one and then takes its place, so a bad seed (SeedError)
    or a crash leaves the old org as it was. A file that is no sandbox database is refused
    (NotASandboxDatabase), never replaced."""
    seed = seed or demo_seed()
    check_seed(seed)
    path = Path(db_path)
    Store(path).close()  # refuses a path that holds something else
    aside = path.with_name(f".{path.name}.{os.getpid()}.new")
    _remove(aside)
    try:
        Sandbox(aside, seed=seed).close()
        _remove(path, ("-wal", "-shm"))  # the old org's journal must not meet the new file
        os.replace(aside, path)
    finally:
        _remove(aside)


def _remove(path: Path, suffixes: tuple[str, ...] = ("", "-wal", "-shm")) -> None:
    for suffix in suffixes:
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def read_stats(db_path: str | Path, clear: bool = False) -> dict[str, Any]:
    """The request log of a sandbox database, e.g. one a server in another process writes."""
    store = Store(db_path)
    try:
        with store.transaction() as db:
            result = log.stats(db, system_clock())
            if clear:
                log.reset(db)
        return result
    finally:
        store.close()
