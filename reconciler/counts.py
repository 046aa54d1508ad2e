"""Counting in words, the same way in every message: "1 territory", "1,204 territories"."""

from __future__ import annotations


def plural(n: int, one: str, many: str | None = None) -> str:
    """`n` and the noun that agrees with it; `many` defaults to `one` + "s"."""
    return f"{n:,} {one if n == 1 else (many or one + 's')}"
