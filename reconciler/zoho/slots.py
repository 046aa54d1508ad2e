"""The limit on calls in flight, serving the most urgent waiting call first.

A plain semaphore serves waiters first come, first served. In an apply that starves the
critical path: hundreds of independent membership calls become ready at once, and the next
write of a long sharing-rule chain (or its poll of Zoho's recomputation) queues behind all of
them. `apply` therefore marks each step's calls with the length of the longest chain of steps
still waiting on that step (`PRIORITY`, a context variable, so the calls and polls a step
makes inherit it), and `Slots` hands a freed slot to the waiting call of highest priority;
equal priorities go in arrival order, as with a semaphore.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
from contextvars import ContextVar
from types import TracebackType

PRIORITY: ContextVar[int] = ContextVar("reconciler_call_priority", default=0)


class Slots:
    """`async with slots:` holds one of `limit` slots; see the module docstring."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._used = 0
        self._waiting: list[tuple[int, int, asyncio.Future[None]]] = []
        self._arrivals = itertools.count()

    async def __aenter__(self) -> None:
        if self._used < self.limit and not self._waiting:
            self._used += 1
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._waiting, (-PRIORITY.get(), next(self._arrivals), future))
        try:
            await future  # resolved by `_release`, which hands its slot over
        except asyncio.CancelledError:
            if future.done() and not future.cancelled():
                self._release()  # handed a slot while being cancelled: pass it on
            raise

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self._release()

    def _release(self) -> None:
        while self._waiting:
            _, _, future = heapq.heappop(self._waiting)
            if not future.done():
                future.set_result(None)
                return
        self._used -= 1
