"""The live suite: tests that talk to a real Zoho CRM org (README, "Running the live tests
against a real org"). Every test here is marked `live` and skipped unless ZOHO_CLIENT_ID,
ZOHO_CLIENT_SECRET and ZOHO_REFRESH_TOKEN are set; the target comes from the environment as
for the CLI (ZOHO_DC, or ZOHO_API_DOMAIN + ZOHO_ACCOUNTS_URL).

RECONCILER_LIVE_CUSTOM_DOMAIN=1 allows a ZOHO_API_DOMAIN outside Zoho's own domains, to
rehearse the suite against a served sandbox (`reconciler sandbox serve`)."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from reconciler import workflow
from reconciler.target import CREDENTIALS

HERE = Path(__file__).parent


def missing() -> list[str]:
    return [name for name in CREDENTIALS if not os.environ.get(name, "").strip()]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    lacking = missing()
    for item in items:
        if HERE not in item.path.parents:
            continue
        item.add_marker(pytest.mark.live)
        if lacking:
            item.add_marker(
                pytest.mark.skip(
                    reason=f"live tests need a Zoho org: {', '.join(lacking)} not set "
                    "(README: Running the live tests against a real org)"
                )
            )


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def connection() -> AsyncIterator[workflow.Connection]:
    """The org the environment names, as the CLI would reach it."""
    custom = os.environ.get("RECONCILER_LIVE_CUSTOM_DOMAIN") == "1"
    options = workflow.Options(allow_custom_domain=custom)
    async with workflow.connect(os.environ, options) as connected:
        yield connected
