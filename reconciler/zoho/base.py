"""What every endpoint method of `ZohoClient` is built from: reading a paged list, and sending
a write in batches and reading one `ItemResult` per item. Also the client's lifecycle."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from types import TracebackType
from typing import Any, Self

import httpx

from reconciler.zoho.auth import Auth
from reconciler.zoho.responses import ItemResult, bad_shape, item_results
from reconciler.zoho.retry import DEFAULT_POLICY, Kind, RetryPolicy, Sleep
from reconciler.zoho.session import CallStats, Session

DEFAULT_CONCURRENCY = 10
PER_PAGE = 200
MAX_PAGES = 10_000  # a server that always says more_records would otherwise loop forever
Json = dict[str, Any]


class BaseClient:
    """The session, stats and lifecycle; `_pages`, `_write` and `_batches` for subclasses."""

    def __init__(
        self,
        api_domain: str | None,
        auth: Auth,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        concurrency: int | None = None,
        retry: RetryPolicy = DEFAULT_POLICY,
        timeout: float = 30.0,
        sleep: Sleep = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
    ) -> None:
        self.fixed_concurrency = concurrency is not None
        self.session = Session(
            api_domain,
            auth,
            transport=transport,
            concurrency=concurrency or DEFAULT_CONCURRENCY,
            retry=retry,
            timeout=timeout,
            sleep=sleep,
            clock=clock,
            rng=rng,
        )

    def __repr__(self) -> str:
        session = self.session
        return f"{type(self).__name__}(api_domain={session.api_domain!r}, auth={session.auth!r})"

    @property
    def stats(self) -> CallStats:
        """API calls made so far, by endpoint, with retries, polls and refreshes."""
        return self.session.stats

    @property
    def credits_remaining(self) -> int | None:
        """The org's API credits left, if Zoho said so (X-API-CREDITS-REMAINING)."""
        return self.session.credits_remaining

    @property
    def concurrency(self) -> int:
        return self.session.concurrency

    async def api_domain(self) -> str:
        """Where calls go: the fixed domain, or the one the token response named."""
        return self.session.api_domain or await self.session.auth.api_domain()

    async def aclose(self) -> None:
        await self.session.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def _pages(
        self,
        template: str,
        key: str,
        params: Mapping[str, str] | None = None,
        *,
        per_page: int | None = PER_PAGE,
        ids: Mapping[str, str] | None = None,
    ) -> list[Json]:
        """Every row of a list endpoint. `per_page=None` for endpoints that document no
        paging parameters: `page` is then sent only if the server says there are more."""
        rows: list[Json] = []
        for page in range(1, MAX_PAGES + 1):
            query: dict[str, Any] = dict(params or {})
            if per_page is not None:
                query.update(page=page, per_page=per_page)
            elif page > 1:
                query["page"] = page
            answer = await self.session.call("GET", template, ids=ids, params=query)
            if answer.body is None:
                return rows
            found = answer.body.get(key) if isinstance(answer.body, dict) else None
            if not isinstance(found, list) or not all(isinstance(row, dict) for row in found):
                raise bad_shape(f"GET {template}", answer.status, f"no {key!r} list of objects")
            rows += found
            if not (answer.body.get("info") or {}).get("more_records"):
                return rows
        raise bad_shape(f"GET {template}", 200, f"more_records still true after {MAX_PAGES} pages")

    async def _write(
        self,
        method: str,
        template: str,
        key: str,
        count: int,
        *,
        body: Any = None,
        params: Mapping[str, str] | None = None,
        ids: Mapping[str, str] | None = None,
        kind: Kind = Kind.IDEMPOTENT,
    ) -> list[ItemResult]:
        """One write call whose answer holds `count` per-item results under `key`."""
        answer = await self.session.call(
            method, template, ids=ids, params=params, json=body, key=key, kind=kind
        )
        request = f"{method} {template}"
        return item_results(answer.body, key, answer.status, count, request, answer.replayed)

    async def _batches(
        self,
        method: str,
        template: str,
        key: str,
        items: Sequence[Json],
        size: int,
        kind: Kind = Kind.IDEMPOTENT,
        ids: Mapping[str, str] | None = None,
    ) -> list[ItemResult]:
        """`{key: items}` sent `size` items at a time, results in input order."""
        results: list[ItemResult] = []
        for chunk in chunks(items, size):
            body = {key: list(chunk)}
            results += await self._write(
                method, template, key, len(chunk), body=body, ids=ids, kind=kind
            )
        return results


def chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def id_chunks(ids: Sequence[str], size: int, max_chars: int) -> Iterator[list[str]]:
    """Ids for an `ids=` parameter: at most `size` per call and `max_chars` once joined."""
    chunk: list[str] = []
    for ident in ids:
        if chunk and (len(chunk) == size or len(",".join([*chunk, ident])) > max_chars):
            yield chunk
            chunk = []
        chunk.append(ident)
    if chunk:
        yield chunk
