"""The request log: per-endpoint counts, credits, the ordered calls, peak concurrency."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from reconciler.sandbox import Sandbox, read_stats
from tests.sandbox.conftest import Org, make_client

pytestmark = pytest.mark.anyio


async def test_stats_group_calls_by_endpoint_template(
    sandbox: Sandbox, client: httpx.AsyncClient, org: Org
) -> None:
    await client.get(f"/crm/v8/settings/territories/{org.root}")
    await client.get("/crm/v8/settings/territories/4150868000000999999")
    await client.put(
        f"/crm/v8/settings/territories/{org.root}/users",
        json={"users": [{"id": org.user("amy@zylker.example")}]},
    )
    stats = sandbox.stats()
    assert stats["endpoints"] == {
        "GET /crm/v8/settings/territories/{id}": {
            "count": 2,
            "credits": 2,
            "statuses": {"200": 1, "204": 1},
        },
        "PUT /crm/v8/settings/territories/{territory}/users": {
            "count": 1,
            "credits": 1,
            "statuses": {"200": 1},
        },
    }
    assert (stats["calls"], stats["writes"], stats["credits_used"]) == (3, 1, 3)
    assert [(c["method"], c["status"], c["write"]) for c in stats["log"]] == [
        ("GET", 200, False),
        ("GET", 204, False),
        ("PUT", 200, True),
    ]
    assert stats["peak_concurrency"] == 1


async def test_resetting_stats_clears_counts_and_log(
    sandbox: Sandbox, client: httpx.AsyncClient
) -> None:
    await client.get("/crm/v8/org")
    sandbox.reset_stats()
    stats = sandbox.stats()
    assert (stats["calls"], stats["credits_used"], stats["peak_concurrency"]) == (0, 0, 0)
    assert stats["log"] == []


async def test_another_reader_sees_the_log(tmp_path: Path) -> None:
    org = Sandbox(tmp_path / "org.sqlite3")
    async with make_client(org) as client:
        await client.get("/crm/v8/org")
        await client.get("/crm/v8/nowhere/at/all/really")
    stats = read_stats(tmp_path / "org.sqlite3")
    assert stats["calls"] == 2
    assert list(stats["endpoints"]) == ["GET /crm/v8/org", "GET (unknown)"]
    org.close()
