"""Shared fixtures. Async tests run on asyncio only (the client and sandbox are asyncio code).

The contract plugin provides `oas` and `validating_transport`, so every test that talks to
the sandbox can check each response against the official Zoho OpenAPI schemas."""

from __future__ import annotations

import pytest

pytest_plugins = ["tests.contract.plugin"]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"
