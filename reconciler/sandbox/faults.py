"""Fault injection for tests and benchmarks: fail or drop the Nth call (or the Nth write), a
chosen endpoint, or a random share of calls with a seed; or hold writes until several callers
write at once (two applies started apart made to overlap).

"Nth" counts from when the fault is armed: `fail_nth_call(1)` fails the very next API call.
Only CRM API calls are counted; the token endpoint can still be targeted by `*_endpoint`.
A drop with `after_write=True` commits the call's changes and then cuts the connection: the
client cannot know whether its write happened, which is what a re-run must survive."""

from __future__ import annotations

import asyncio
import random
import threading
import time
from dataclasses import dataclass, field
from fnmatch import fnmatchcase

DEFAULT_ERRORS = {
    429: ("TOO_MANY_REQUESTS", "too many requests, try again later"),
    500: ("INTERNAL_SERVER_ERROR", "Internal Server Error"),
}


@dataclass(frozen=True)
class Fault:
    """What happens to the chosen call: an error answer, or a dropped connection."""

    drop: bool = False
    after_write: bool = False
    status: int = 500
    code: str = "INTERNAL_SERVER_ERROR"
    message: str = "Internal Server Error"


@dataclass
class _Armed:
    fault: Fault
    countdown: int | None = None
    writes_only: bool = False
    method: str | None = None
    pattern: str | None = None
    times: int | None = 1

    def hits(self, method: str, paths: tuple[str, ...], counted: bool, write: bool) -> bool:
        if self.pattern is not None:
            return self.method in (None, "*", method) and any(
                fnmatchcase(p, self.pattern) for p in paths
            )
        if not counted or (self.writes_only and not write) or self.countdown is None:
            return False
        self.countdown -= 1
        return self.countdown == 0


@dataclass
class _Meeting:
    """Writes wait here until `parties` different callers have one waiting (or the deadline)."""

    parties: int
    deadline: float
    callers: set[str] = field(default_factory=set)
    open: bool = False


def error_fault(status: int, code: str | None, message: str | None) -> Fault:
    default_code, default_message = DEFAULT_ERRORS.get(status, DEFAULT_ERRORS[500])
    return Fault(status=status, code=code or default_code, message=message or default_message)


class Faults:
    """The armed faults of one sandbox. Thread-safe; `clear()` disarms everything."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._armed: list[_Armed] = []
        self._random: tuple[random.Random, float, Fault] | None = None
        self._meeting: _Meeting | None = None
        self.met = 0  # meetings that opened because every party came (not by the deadline)

    def _arm(self, armed: _Armed) -> None:
        if armed.countdown is not None and armed.countdown < 1:
            raise ValueError("n counts from 1 (the next call)")
        with self._lock:
            self._armed.append(armed)

    def fail_nth_call(
        self, n: int, status: int = 500, code: str | None = None, message: str | None = None
    ) -> None:
        self._arm(_Armed(error_fault(status, code, message), countdown=n))

    def fail_nth_write(
        self, n: int, status: int = 500, code: str | None = None, message: str | None = None
    ) -> None:
        self._arm(_Armed(error_fault(status, code, message), countdown=n, writes_only=True))

    def fail_endpoint(
        self,
        method: str,
        path_pattern: str,
        status: int = 500,
        code: str | None = None,
        message: str | None = None,
        times: int | None = 1,
    ) -> None:
        """Fail calls whose path or template matches the glob; `times=None` means forever."""
        fault = error_fault(status, code, message)
        self._arm(_Armed(fault, method=method.upper(), pattern=path_pattern, times=times))

    def drop_nth_call(self, n: int, after_write: bool = False) -> None:
        self._arm(_Armed(Fault(drop=True, after_write=after_write), countdown=n))

    def drop_nth_write(self, n: int, after_write: bool = False) -> None:
        self._arm(_Armed(Fault(drop=True, after_write=after_write), countdown=n, writes_only=True))

    def drop_endpoint(
        self, method: str, path_pattern: str, after_write: bool = False, times: int | None = 1
    ) -> None:
        fault = Fault(drop=True, after_write=after_write)
        self._arm(_Armed(fault, method=method.upper(), pattern=path_pattern, times=times))

    def random_failures(
        self,
        rate: float,
        seed: int = 0,
        status: int = 500,
        code: str | None = None,
        message: str | None = None,
    ) -> None:
        if not 0 <= rate <= 1:
            raise ValueError("rate is a probability between 0 and 1")
        with self._lock:
            self._random = (random.Random(seed), rate, error_fault(status, code, message))

    def hold_writes(self, parties: int = 2, timeout_s: float = 60.0) -> None:
        """Hold every write until writes of `parties` different callers (access tokens) are
        waiting together, then let all go, once: clients started apart are made to overlap
        at their first write. After `timeout_s` the writes go anyway."""
        if parties < 1:
            raise ValueError("parties counts from 1")
        with self._lock:
            self._meeting = _Meeting(parties, time.monotonic() + timeout_s)

    async def meet(self, caller: str) -> None:
        """Wait at the meeting `hold_writes` armed, if any (the pipeline calls this for each
        write, after the latency)."""
        with self._lock:
            meeting = self._meeting
            if meeting is None:
                return
            meeting.callers.add(caller)
            if len(meeting.callers) >= meeting.parties:
                meeting.open, self._meeting = True, None
                self.met += 1
        while not meeting.open and time.monotonic() < meeting.deadline:
            await asyncio.sleep(0.01)
        with self._lock:
            meeting.open = True
            if self._meeting is meeting:
                self._meeting = None

    def clear(self) -> None:
        with self._lock:
            self._armed.clear()
            self._random = None
            self._meeting = None

    def pick(self, method: str, paths: tuple[str, ...], counted: bool, write: bool) -> Fault | None:
        """The fault for this call, if any; every armed counter sees every counted call."""
        with self._lock:
            chosen = None
            for armed in list(self._armed):
                if not armed.hits(method, paths, counted, write):
                    continue
                if chosen is None:
                    chosen = armed.fault
                    self._spend(armed)
                elif armed.countdown == 0:
                    armed.countdown = 1  # two faults on one call: this one takes the next
            if chosen is None and self._random is not None and counted:
                rng, rate, fault = self._random
                chosen = fault if rng.random() < rate else None
            return chosen

    def _spend(self, armed: _Armed) -> None:
        if armed.pattern is None:
            self._armed.remove(armed)
        elif armed.times is not None:
            armed.times -= 1
            if armed.times <= 0:
                self._armed.remove(armed)
