"""The transport-neutral request and outcome that both ways in (the in-process httpx
transport and the served ASGI app) hand to the sandbox, and the JSON encoding of replies."""

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
        body = (
            b""
            if reply.body is None
            else json.dumps(reply.body, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
        )
        headers = [("content-length", str(len(body)))]
        if reply.body is not None:
            headers.append(("content-type", JSON_TYPE))
        headers += [(k.lower(), v) for k, v in {**reply.headers, **self.extra_headers}.items()]
        return reply.status, headers, body
