"""Time as Zoho prints it: ISO-8601 with an offset, to the second. The sandbox keeps epoch
seconds from its injectable clock and renders them in UTC."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], float]


def system_clock() -> float:
    return time.time()


def iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="seconds")


def parse_http_date(text: str) -> float | None:
    """An `If-Modified-Since` value: RFC 1123 or ISO-8601; None when unreadable."""
    from email.utils import parsedate_to_datetime

    try:
        return parsedate_to_datetime(text).timestamp()
    except (TypeError, ValueError, IndexError):
        pass
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()
