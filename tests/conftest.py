"""Shared fixtures. Async tests run on asyncio only (the client and sandbox are asyncio code)."""

from __future__ import annotations

import pytest


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"
