"""Keeping OAuth secrets out of every message the tool produces.

Secrets are registered as soon as they are known (the client secret and refresh token when
credentials are built, each access token when it is issued). `redact()` replaces every
registered secret, and anything shaped like one (a `Zoho-oauthtoken` header value, a Zoho
`1000.<hex>.<hex>` token, a `refresh_token=` or `"access_token": "..."` pair), with
`[redacted]`. Exceptions, log lines and reprs built by auth, session and client go through it.
"""

from __future__ import annotations

import re
import threading
from typing import Any

MASK = "[redacted]"
SHORTEST_SECRET = 8  # shorter values would mask ordinary words

_lock = threading.Lock()
_secrets: set[str] = set()

_PATTERNS = (
    re.compile(r"((?:Zoho-oauthtoken|Bearer)\s+)[^\s\"',;]+", re.IGNORECASE),
    re.compile(r"\b1000\.[0-9a-f]{16,}\.[0-9a-f]{16,}\b"),
    re.compile(
        r"((?:access_token|refresh_token|client_secret|authorization)[\"']?\s*[=:]\s*[\"']?)"
        r"[^\s\"'&,;}]+",
        re.IGNORECASE,
    ),
)


def register(*values: str | None) -> None:
    """Remember secret values so that `redact` masks them wherever they appear."""
    with _lock:
        _secrets.update(v for v in values if v and len(v) >= SHORTEST_SECRET)


def redact(text: str) -> str:
    """`text` with every known secret, and everything that looks like one, masked."""
    with _lock:
        known = sorted(_secrets, key=len, reverse=True)
    for secret in known:
        if secret in text:
            text = text.replace(secret, MASK)
    for pattern in _PATTERNS:
        text = pattern.sub(lambda m: (m.group(1) if m.groups() else "") + MASK, text)
    return text


def redact_value(value: Any) -> Any:
    """A JSON-like value with every string in it redacted (for error details)."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {key: redact_value(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [redact_value(item) for item in value]
    return value
