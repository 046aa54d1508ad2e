"""Every line a command prints passes through the same redaction (zoho/redact.py), whatever
printed it: a message of ours, a rendered plan, or a value a broken or hostile server sent
back (an org named after the access token it was asked with). The streams are swapped for
the length of a command, so no renderer has to remember."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TextIO

from reconciler.zoho.redact import redact


class Redacting:
    """A text stream that writes everything redacted to the stream it wraps."""

    def __init__(self, inner: TextIO) -> None:
        self.inner = inner

    def write(self, text: str) -> int:
        self.inner.write(redact(text))
        return len(text)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)  # flush, isatty, encoding, fileno, buffer...


@contextmanager
def redacted_output() -> Iterator[None]:
    """sys.stdout and sys.stderr redacted until the block ends."""
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = Redacting(saved[0]), Redacting(saved[1])
    try:
        yield
    finally:
        sys.stdout, sys.stderr = saved
