"""Shared fixtures. Async tests run on asyncio only (the client and sandbox are asyncio code).

The contract plugin provides `oas` and `validating_transport`, so every test that talks to
the sandbox can check each response against the official Zoho OpenAPI schemas."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

pytest_plugins = ["tests.contract.plugin"]
pytest.register_assert_rewrite("tests.harness")

from tests.harness import Org, open_org  # noqa: E402 (after the rewrite hook)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def zylker() -> AsyncIterator[Org]:
    """A fresh demo org in memory, reached through the real client with virtual time."""
    async with open_org() as org:
        yield org
