"""`SandboxTransport`: an httpx transport that drives the sandbox's ASGI app in-process, with no
socket. A dropped call surfaces as `httpx.RemoteProtocolError`, as it would over a socket.

    client = httpx.AsyncClient(transport=SandboxTransport(sandbox),
                               base_url="http://sandbox.invalid")
"""

from __future__ import annotations

from typing import Any

import httpx

from reconciler.sandbox.app import Host, Message, create_app


class SandboxTransport(httpx.AsyncBaseTransport):
    """`sandbox` is one org, or several (`Orgs`) told apart by the credentials each call
    carries."""

    def __init__(self, sandbox: Host) -> None:
        self.sandbox = sandbox
        self.app = create_app(sandbox)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        body = await request.aread()
        response = _Collector()
        delivered = False

        async def receive() -> Message:
            nonlocal delivered
            if delivered:
                return {"type": "http.disconnect"}
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(_scope(request), receive, response.send)
        if response.status is None or not response.complete:
            raise httpx.RemoteProtocolError(
                "peer closed connection without sending complete message body", request=request
            )
        return httpx.Response(
            response.status,
            headers=response.headers,
            content=b"".join(response.chunks),
            request=request,
        )


class _Collector:
    """Accumulates the ASGI response messages of one call."""

    def __init__(self) -> None:
        self.status: int | None = None
        self.headers: list[tuple[bytes, bytes]] = []
        self.chunks: list[bytes] = []
        self.complete = False

    async def send(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]
            self.headers = list(message.get("headers", []))
        elif message["type"] == "http.response.body":
            self.chunks.append(message.get("body", b""))
            self.complete = not message.get("more_body", False)


def _scope(request: httpx.Request) -> dict[str, Any]:
    url = request.url
    port = url.port or (443 if url.scheme == "https" else 80)
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": request.method,
        "scheme": url.scheme,
        "path": url.path,
        "raw_path": url.raw_path.split(b"?")[0],
        "query_string": url.query,
        "root_path": "",
        "headers": [(k.lower(), v) for k, v in request.headers.raw],
        "client": ("127.0.0.1", 50000),
        "server": (url.host, port),
    }
