"""The org's rate limits (REFERENCE §10): a cap on calls in flight and a rolling 24-hour
credit budget, both answered with 429 TOO_MANY_REQUESTS. Zoho publishes no message text or
Retry-After header for either; the messages below are the sandbox's own."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from reconciler.sandbox import log
from reconciler.sandbox.replies import ZohoError
from reconciler.sandbox.settings import SandboxSettings, edition_concurrency, edition_credits
from reconciler.sandbox.users import org_setting


class Gate:
    """Counts calls in flight across every way in (asyncio tasks and the served thread)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.in_flight = 0

    @contextmanager
    def enter(self, limit: int) -> Iterator[int | None]:
        """Yields the in-flight count including this call, or None when over `limit`."""
        with self._lock:
            admitted = None if self.in_flight >= limit else self.in_flight + 1
            if admitted is not None:
                self.in_flight = admitted
        try:
            yield admitted
        finally:
            if admitted is not None:
                with self._lock:
                    self.in_flight -= 1


def edition(db: sqlite3.Connection, settings: SandboxSettings) -> str:
    return settings.edition or str(org_setting(db, "edition") or "enterprise")


def concurrency_limit(db: sqlite3.Connection, settings: SandboxSettings) -> int:
    if settings.concurrency_limit is not None:
        return settings.concurrency_limit
    return edition_concurrency(edition(db, settings))


def credit_limit(db: sqlite3.Connection, settings: SandboxSettings) -> int | None:
    if settings.daily_credit_limit is not None:
        return settings.daily_credit_limit
    users = db.execute("SELECT COUNT(*) AS n FROM users WHERE status = 'active'").fetchone()["n"]
    return edition_credits(edition(db, settings), int(users))


def check_credits(db: sqlite3.Connection, settings: SandboxSettings, now: float) -> None:
    limit = credit_limit(db, settings)
    if limit is not None and log.credits_since(db, now - log.DAY) + 1 > limit:
        raise ZohoError(
            429, "TOO_MANY_REQUESTS", "the API credit limit of the organization has been exceeded"
        )


def credit_headers(db: sqlite3.Connection, settings: SandboxSettings, now: float) -> dict[str, str]:
    """`X-API-CREDITS-REMAINING` once more than half the day's credits are spent, counting
    the call being answered (a third party's account, REFERENCE §10.3); else nothing."""
    limit = credit_limit(db, settings)
    if limit is None:
        return {}
    remaining = max(0, limit - log.credits_since(db, now - log.DAY) - 1)
    return {"X-API-CREDITS-REMAINING": str(remaining)} if remaining * 2 < limit else {}


def too_many_in_flight() -> ZohoError:
    return ZohoError(429, "TOO_MANY_REQUESTS", "the concurrency limit has been exceeded")
