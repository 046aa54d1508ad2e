"""What every endpoint method of `ZohoClient` is built from: reading a paged list, and sending
a write in batches and reading one `ItemResult` per item."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from reconciler import limits
from reconciler.limits import chunks
from reconciler.zoho.responses import ItemResult, bad_shape, item_results
from reconciler.zoho.retry import Kind
from reconciler.zoho.session import Session

PER_PAGE = limits.PAGE_SIZE
MAX_PAGES = 10_000  # a server that always says more_records would otherwise loop forever
Json = dict[str, Any]


class Requests:
    """Reads of paged lists, and writes in batches that read one `ItemResult` per item: what
    every endpoint method of `ZohoClient` is built from."""

    def __init__(self, session: Session) -> None:
        self.session = session

    async def pages(
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

    async def write(
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

    async def batches(
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
            results += await self.write(
                method, template, key, len(chunk), body=body, ids=ids, kind=kind
            )
        return results


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
