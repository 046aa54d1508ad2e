"""What `doctor` concludes, check by check: pure values, so render/ can show them without
loading the client."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Status(Enum):
    ok = "ok"
    warn = "warn"
    fail = "fail"


@dataclass(frozen=True)
class Check:
    """One verdict: `found` says what the org showed, `fix` what to do (empty when ok)."""

    name: str
    status: Status
    found: str
    fix: str = ""
