"""The validating transport: transparent to the client, recording every CRM exchange."""

from __future__ import annotations

import gzip
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from tests.contract.oas import Contract
from tests.contract.plugin import checked_transports
from tests.contract.samples import CREATED, TERRITORIES
from tests.contract.transport import ValidatingTransport


def upstream(request: httpx.Request) -> httpx.Response:
    """Streamed responses, as a real transport gives, that re-encoding would change."""
    if request.url.path == "/oauth/v2/token":  # not JSON-typed: outside the CRM contract
        return httpx.Response(200, stream=Chunks(b'{"access_token": "t"}'), headers={"x-odd": "1"})
    if request.url.path.endswith("/chunked"):
        chunks = Chunks(b'{"code": "INVALID_URL_PATTERN", "details": {}, ', b'"message": "x", ')
        chunks.parts.append(b'"status": "error"}')
        chunked = {"transfer-encoding": "chunked", "content-type": "application/json"}
        return httpx.Response(404, stream=chunks, headers=chunked)
    body = gzip.compress(json.dumps(CREATED).encode(), mtime=0)
    headers = [("content-encoding", "gzip"), ("set-cookie", "a=1"), ("set-cookie", "b=2")]
    headers.append(("content-type", "application/json;charset=UTF-8"))
    return httpx.Response(201, stream=Chunks(body[:9], body[9:]), headers=headers)


class Chunks(httpx.AsyncByteStream):
    def __init__(self, *parts: bytes) -> None:
        self.parts = list(parts)

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for part in self.parts:
            yield part


async def seen(transport: httpx.AsyncBaseTransport, method: str, path: str) -> tuple[Any, ...]:
    """Everything a client can observe: status, headers, raw and decoded body, extensions."""
    async with httpx.AsyncClient(transport=transport, base_url="https://z.example") as client:
        async with client.stream(method, path) as streamed:
            raw = b"".join([chunk async for chunk in streamed.aiter_raw()])
        response = await client.request(method, path)
        observed = (response.status_code, response.headers.multi_items(), response.extensions)
        return (*observed, raw, response.content, streamed.headers.multi_items())


async def fetch(transport: httpx.AsyncBaseTransport, method: str, path: str) -> None:
    async with httpx.AsyncClient(transport=transport, base_url="https://z.example") as client:
        await client.request(method, path)


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("method", "path"),
    [("POST", TERRITORIES), ("POST", "/oauth/v2/token"), ("GET", "/crm/v8/x/y/z/chunked")],
)
async def test_wrapper_returns_byte_identical_responses(
    oas: Contract, method: str, path: str
) -> None:
    plain = await seen(httpx.MockTransport(upstream), method, path)
    wrapper = ValidatingTransport(httpx.MockTransport(upstream), oas)
    wrapped = await seen(wrapper, method, path)
    assert wrapped == plain
    assert wrapper.violations == []


@pytest.mark.anyio
async def test_wrapper_records_crm_exchanges_and_skips_oauth(oas: Contract) -> None:
    wrapper = ValidatingTransport(httpx.MockTransport(upstream), oas)
    await fetch(wrapper, "POST", TERRITORIES)
    await fetch(wrapper, "POST", "/oauth/v2/token")
    crm, oauth = wrapper.exchanges
    assert crm.check is not None and crm.check.validated_by
    assert oauth.check is None


@pytest.mark.anyio
async def test_checked_transports_fail_on_a_violation(oas: Contract) -> None:
    with pytest.raises(pytest.fail.Exception, match="1 contract violation"):
        with checked_transports(oas) as wrap:
            await fetch(wrap(httpx.MockTransport(upstream)), "PUT", TERRITORIES)  # 201 to a PUT
