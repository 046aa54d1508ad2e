"""An httpx transport that checks every CRM response it passes on against the contract.

    transport = ValidatingTransport(SandboxTransport(sandbox), contract)
    async with httpx.AsyncClient(transport=transport, base_url=...) as client: ...
    assert not transport.violations

The client must see exactly what the inner transport sent: the inner response object is passed
on with its body buffered as the same raw (still encoded) bytes; validation works on a decoded
copy.
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from tests.contract.oas import Check, Contract, Violation

CRM_PREFIX = "/crm/"  # everything else (the OAuth token endpoint) is outside the CRM specs


@dataclass(frozen=True)
class Exchange:
    """One request/response pair as recorded; check is None for non-CRM paths."""

    method: str
    path: str
    status: int
    check: Check | None


class ValidatingTransport(httpx.AsyncBaseTransport):
    def __init__(self, inner: httpx.AsyncBaseTransport, contract: Contract) -> None:
        self.inner = inner
        self.contract = contract
        self.exchanges: list[Exchange] = []

    @property
    def violations(self) -> list[Violation]:
        return [v for e in self.exchanges if e.check for v in e.check.violations]

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        raw = await buffer_raw(response)
        self.exchanges.append(self._check(request, response, raw))
        return response

    def _check(self, request: httpx.Request, response: httpx.Response, raw: bytes) -> Exchange:
        method, path, status = request.method, request.url.path, response.status_code
        if not path.startswith(CRM_PREFIX):
            return Exchange(method, path, status, None)
        body, content_type = decoded(response, raw), response.headers.get("content-type", "")
        check = self.contract.check_response(method, path, status, body, content_type)
        return Exchange(method, path, status, check)

    async def aclose(self) -> None:
        await self.inner.aclose()


async def buffer_raw(response: httpx.Response) -> bytes:
    """Read the still-encoded body and put it back as a replayable stream.

    The response object itself goes back to the client, so status, headers, extensions and
    read state are untouched; only its stream is swapped for the same bytes, buffered (what
    httpx itself does when a request body is read). Iterating the stream directly, rather than
    with aiter_raw, keeps the response's own consumed flag as the inner transport left it.
    """
    stream = response.stream
    assert isinstance(stream, httpx.AsyncByteStream), "an async transport returns async streams"
    try:
        raw = b"".join([chunk async for chunk in stream])
    finally:
        await stream.aclose()
    response.stream = httpx.ByteStream(raw)
    return raw


def decoded(response: httpx.Response, raw: bytes) -> bytes:
    """The body with Content-Encoding undone, as the client will read it."""
    copy = httpx.Response(
        response.status_code, headers=response.headers, stream=httpx.ByteStream(raw)
    )
    try:
        return copy.read()
    except httpx.DecodingError:
        return raw  # then reported as a body that is not JSON


def report(violations: list[Violation]) -> str:
    lines = [f"{len(violations)} contract violation(s):"]
    lines += [f"  {v}" for v in violations]
    return "\n".join(lines)
