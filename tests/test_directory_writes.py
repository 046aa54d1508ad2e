"""A group deletion Zoho schedules is waited for by polling its job (user_groups.json
`…/actions/deletion_jobs`), not by reading the group: done once the job is COMPLETED, a
clear error past the client's time limit. Virtual time throughout."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from reconciler.errors import Unavailable
from reconciler.sandbox import SandboxSettings
from reconciler.zoho.client import ZohoClient
from reconciler.zoho.retry import RetryPolicy
from reconciler.zoho.wire_access import deletion_job_status
from tests.clients import World, world

pytestmark = pytest.mark.anyio
JOBS = "GET settings/user_groups/actions/deletion_jobs"


@pytest.fixture
def w() -> Iterator[World]:
    with world("in_process", SandboxSettings(group_deletion_s=20.0)) as w:
        yield w


async def a_group(client: ZohoClient) -> str:
    return str((await client.list_groups())[0]["id"])


async def test_a_scheduled_deletion_is_polled_until_its_job_completes(w: World) -> None:
    async with w.client() as client:
        group = await a_group(client)
        result = await client.directory.delete_group(group)
        assert result.ok, result
        assert w.time.now >= 20.0  # not before Zoho finished
        assert client.stats.calls[JOBS] >= 2
        assert "GET settings/user_groups/{id}" not in client.stats.calls
        assert group not in {str(g["id"]) for g in await client.list_groups()}


async def test_a_deletion_that_never_finishes_is_a_clear_error(w: World) -> None:
    w.sandbox.configure(group_deletion_s=10_000.0)
    async with w.client(retry=RetryPolicy(recompute_wait=60.0)) as client:
        group = await a_group(client)
        with pytest.raises(Unavailable, match=rf"user group {group} \(job \d+\).*run apply again"):
            await client.directory.delete_group(group)


def test_the_job_status_is_read_from_zohos_envelope() -> None:
    assert deletion_job_status({"deletion_jobs": [{"Status": "completed"}]}) == "COMPLETED"
    assert deletion_job_status({"deletion_jobs": [{"Status": "FAILED"}]}) == "FAILED"
    assert deletion_job_status(None) is None  # 204: Zoho knows no such job
    assert deletion_job_status({"deletion_jobs": []}) is None
    assert deletion_job_status({"deletion_jobs": [{"Status": ""}]}) is None
