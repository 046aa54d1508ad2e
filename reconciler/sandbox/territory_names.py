"""Territory names: the uniqueness key (case-insensitive, trimmed, REFERENCE §3.8 [INF]) and
the server-derived `api_name`."""

from __future__ import annotations

import re

NAME_MAX = 50
# Characters Zoho's validator names in "Special Characters in Territory Name" (OAS2).
FORBIDDEN = set("^~`#%&*()+={}[]|\\;\",'!<>")


def name_key(name: str) -> str:
    return name.strip().casefold()


def api_name_for(name: str) -> str:
    """Zoho derives `api_name` from the name at creation and keeps it across renames."""
    return re.sub(r"[^0-9A-Za-z]+", "_", name.strip()).strip("_") or "Territory"


def has_forbidden(name: str) -> bool:
    return any(ch in FORBIDDEN for ch in name)
