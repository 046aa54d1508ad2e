"""The live suite: tests that talk to a real Zoho CRM org (README, "Running the live tests
against a real org"). Every test here is marked `live` and skipped unless ZOHO_CLIENT_ID,
ZOHO_CLIENT_SECRET and ZOHO_REFRESH_TOKEN are set, and unless the run asks for it by name
(`pytest tests/live` or `-m live`): a shell holding credentials for the CLI must not write to
an org when it runs the whole suite. The target comes from the environment as for the CLI
(ZOHO_DC, or ZOHO_API_DOMAIN + ZOHO_ACCOUNTS_URL).

RECONCILER_LIVE_CUSTOM_DOMAIN=1 allows a ZOHO_API_DOMAIN outside Zoho's own domains, to
rehearse the suite against a served sandbox (`reconciler sandbox serve`)."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from reconciler.cli import workflow
from reconciler.zoho.target import CREDENTIALS

HERE = Path(__file__).parent


def missing() -> list[str]:
    return [name for name in CREDENTIALS if not os.environ.get(name, "").strip()]


def asked_for(config: pytest.Config) -> bool:
    """Whether the run names the live tests: `-m live`, or a path inside tests/live."""
    if "live" in (config.option.markexpr or ""):
        return True
    paths = [Path(str(arg).split("::")[0]).resolve() for arg in config.args]
    return any(path == HERE or HERE in path.parents for path in paths)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    lacking, asked = missing(), asked_for(config)
    for item in items:
        if HERE not in item.path.parents:
            continue
        item.add_marker(pytest.mark.live)
        if lacking:
            reason = f"live tests need a Zoho org: {', '.join(lacking)} not set"
        elif not asked:
            reason = "live tests run only when asked for: pytest tests/live, or -m live"
        else:
            continue
        readme = " (README: Running the live tests against a real org)"
        item.add_marker(pytest.mark.skip(reason=reason + readme))


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
