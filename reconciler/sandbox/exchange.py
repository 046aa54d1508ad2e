"""The transport-neutral request and outcome that both ways in (the in-process httpx
transport and the served ASGI app) hand to the sandbox, and the encoding of replies: JSON, or
the bytes of a file."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field

from reconciler.sandbox.replies import Reply

JSON_TYPE = "application/json;charset=UTF-8"


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    query: str
    headers: Mapping[str, str]  # lower-case names
    body: bytes
    base_url: str  # scheme://host[:port] the request came in on
    body_too_large: bool = False


@dataclass(frozen=True)
class Outcome:
    """A reply, and whether to cut the connection instead of finishing it. `injected` marks a
    reply made by an armed fault (a test control), not by the emulated org."""

    reply: Reply
    drop: bool = False
    extra_headers: dict[str, str] = field(default_factory=dict)
    injected: bool = False

    def encoded(self) -> tuple[int, list[tuple[str, str]], bytes]:
        """Status, headers and body bytes as they go on the wire."""
        reply = self.reply
        headers = []
        if isinstance(reply.body, bytes):  # a file (the audit-log download), typed by its reply
            body = reply.body
        elif reply.body is None:
            body = b""
        else:
            body = json.dumps(reply.body, separators=(",", ":"), ensure_ascii=False).encode()
            headers.append(("content-type", JSON_TYPE))
        headers.insert(0, ("content-length", str(len(body))))
        headers += [(k.lower(), v) for k, v in {**reply.headers, **self.extra_headers}.items()]
        return reply.status, headers, body
