"""When to try a request again, and how long to wait.

Each request declares what it is (`Kind`):

* `READ`: GETs and the POST searches. Retried on 429, 5xx, dropped connections and timeouts.
* `IDEMPOTENT`: writes whose repetition leaves the org as one run would (PUT updates and
  memberships, deletes, transfer-and-delete, activate/deactivate, PUT data sharing). Retried
  like reads. When an earlier attempt may have reached Zoho (the connection dropped after the
  request was sent, a timeout, a 5xx) the answer of the retry may describe the second run, e.g.
  `DUPLICATE_DATA` for a membership the first attempt added, or an unknown id for a
  territory it deleted; results of such an answer are flagged `replayed=True`.
* `CREATE`: POSTs that make a new object. Retried only when Zoho cannot have acted: a 429
  (refused before any work) or a connection that never opened. After a failure that may have
  reached Zoho they are never resent, since a blind resend could create a duplicate;
  `MaybeApplied` (an `Unavailable`) is raised instead. Apply re-plans against the live org and
  converges by name, so re-running is the safe recovery.

Waits grow exponentially with "equal jitter" (half fixed, half random), capped per wait, and a
request gives up after `attempts` tries or when the next wait would pass `total_time`.
"""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from enum import Enum

import httpx

from reconciler.errors import Unavailable

Sleep = Callable[[float], Awaitable[None]]


class Kind(Enum):
    READ = "read"
    IDEMPOTENT = "idempotent"
    CREATE = "create"


@dataclass(frozen=True)
class RetryPolicy:
    """Bounds on retrying one request, and on waiting out Zoho's rule computation."""

    attempts: int = 5  # tries per request, the first included
    base_delay: float = 0.5  # the first wait is between half this and this
    max_delay: float = 30.0  # no single wait is longer
    total_time: float = 120.0  # no retry starts later than this after the first try
    poll_delay: float = 2.0  # CANNOT_PROCESS: first wait before polling, doubled each time
    recompute_wait: float = 600.0  # CANNOT_PROCESS: longest total wait for the computation

    def __post_init__(self) -> None:
        if self.attempts < 1 or min(self.base_delay, self.max_delay, self.total_time) < 0:
            raise ValueError("attempts must be >= 1 and delays >= 0")

    def scaled(self, factor: float) -> RetryPolicy:
        """This policy with every wait and time limit multiplied by `factor` (the CLI's
        RECONCILER_RETRY_SCALE: tests run the real retries in milliseconds)."""
        if factor <= 0:
            raise ValueError("the retry scale must be positive")
        return replace(
            self,
            base_delay=self.base_delay * factor,
            max_delay=self.max_delay * factor,
            total_time=self.total_time * factor,
            poll_delay=self.poll_delay * factor,
            recompute_wait=self.recompute_wait * factor,
        )

    def delay(self, retry: int, rng: random.Random) -> float:
        """The wait before retry number `retry` (1 = the first retry)."""
        ceiling = min(self.max_delay, self.base_delay * 2.0 ** (retry - 1))
        return ceiling / 2 + rng.uniform(0, ceiling / 2)


DEFAULT_POLICY = RetryPolicy()


class MaybeApplied(Unavailable):
    """A create failed in a way that may have happened after Zoho made the object, so it was
    not resent. Re-running plan/apply finds out by reading the org."""


# Failures raised before the request left this machine: resending cannot duplicate anything.
NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.UnsupportedProtocol)


def may_have_arrived(error: BaseException) -> bool:
    """Whether a request that failed with `error` may have reached the server."""
    return not isinstance(error, NOT_SENT)


def describe(error: BaseException, timeout: float) -> str:
    """A short, secret-free account of a transport failure."""
    if isinstance(error, TimeoutError | httpx.TimeoutException):
        return f"no answer within {timeout:g}s"
    if isinstance(error, httpx.ConnectError):
        return "the connection could not be opened"
    if isinstance(error, httpx.RemoteProtocolError):
        return "the server closed the connection before answering in full"
    return f"the connection failed ({type(error).__name__})"
