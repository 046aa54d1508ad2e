"""The ASGI app: every HTTP request, whatever its path, goes to the sandbox, so Zoho's own
answers (401 before 404, JSON errors), never a framework's, reach the client. No router sits
in front: a path pattern such as Starlette's `{path:path}` does not match an encoded newline
(`/users/%0A/territories`), and the framework's plain-text 404 would answer instead. The
in-process transport and uvicorn drive this same app.

A dropped call sends its headers and half its body and then stops: uvicorn closes the
connection, the in-process transport raises, and the client sees a protocol error."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any, Protocol

from reconciler.sandbox.exchange import Outcome, Request
from reconciler.sandbox.settings import SandboxSettings

# The ASGI interface, as the specification defines it: with no router in front, these five
# names are all a web framework would have lent.
Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class Host(Protocol):
    """What answers requests: one org (`Sandbox`) or several behind one address (`Orgs`)."""

    @property
    def settings(self) -> SandboxSettings: ...

    async def handle(self, request: Request) -> Outcome: ...


class SandboxEndpoint:
    """The raw ASGI app: every method and path, unchanged, to `Sandbox.handle`."""

    def __init__(self, sandbox: Host) -> None:
        self.sandbox = sandbox

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":  # servers run it with lifespan off; no websockets
            return
        request = await read_request(scope, receive, self.sandbox.settings.max_body_bytes)
        outcome = await self.sandbox.handle(request)
        await send_outcome(send, outcome, head=scope["method"] == "HEAD")


def create_app(sandbox: Host) -> ASGIApp:
    return SandboxEndpoint(sandbox)


async def read_request(scope: Scope, receive: Receive, limit: int) -> Request:
    headers: dict[str, str] = {}
    for name, value in scope.get("headers", []):
        headers.setdefault(name.decode("latin-1").lower(), value.decode("latin-1"))
    body, too_large = await _read_body(receive, limit)
    host = headers.get("host") or "{}:{}".format(*scope.get("server") or ("localhost", 80))
    return Request(
        method=scope["method"],
        path=scope["path"],
        query=scope.get("query_string", b"").decode("latin-1"),
        headers=headers,
        body=body,
        base_url=f"{scope.get('scheme', 'http')}://{host}",
        body_too_large=too_large,
    )


async def _read_body(receive: Receive, limit: int) -> tuple[bytes, bool]:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return b"".join(chunks), False
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return b"", True
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks), False


async def send_outcome(send: Send, outcome: Outcome, head: bool = False) -> None:
    status, headers, body = outcome.encoded()
    if outcome.drop:
        # Promise more bytes than will ever come, so no client can mistake it for an answer.
        body = body or b"{}"
        headers = [("content-length", str(len(body) + 1))] + [
            h for h in headers if h[0] != "content-length"
        ]
    raw = [(name.encode("latin-1"), value.encode("latin-1")) for name, value in headers]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    if outcome.drop:
        await send(
            {"type": "http.response.body", "body": body[: len(body) // 2], "more_body": True}
        )
        return
    await send({"type": "http.response.body", "body": b"" if head else body})
