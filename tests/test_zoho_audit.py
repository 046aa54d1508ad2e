"""`zoho.audit`: one export job, polled with growing waits in virtual time, its file read as a
CSV or a ZIP of CSVs, and the token sent nowhere but Zoho."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from reconciler.errors import AuditLogUnavailable
from reconciler.sandbox import SandboxSettings
from reconciler.zoho.audit import Polling
from tests.harness import open_org
from tests.sandbox.conftest import create_territory

pytestmark = pytest.mark.anyio
EXPORT = "POST settings/audit_log_export"
POLL = "GET settings/audit_log_export/{id}"


def window(clock_now: float) -> tuple[datetime, datetime]:
    now = datetime.fromtimestamp(clock_now, UTC)
    return now - timedelta(days=1), now + timedelta(seconds=1)


async def territories(org, names: list[str]) -> None:  # noqa: ANN001
    token = org.sandbox.issue_token("sandbox-colleague")
    root = (await org.client.list_territories())[0]["id"]
    async with httpx.AsyncClient(
        transport=org.connection.target.transport,
        base_url="http://sandbox.invalid",
        headers={"Authorization": f"Zoho-oauthtoken {token}"},
    ) as http:
        for name in names:
            await create_territory(http, name, root)


async def test_one_job_polled_with_growing_waits_then_one_download() -> None:
    async with open_org(SandboxSettings(audit_export_s=20)) as org:
        await territories(org, ["EMEA", "APAC"])
        since, until = window(org.sandbox.now())
        entries = await org.client.read_audit_log(since, until)
        calls = org.client.stats.calls
    assert [(e.user, e.action, e.record_name) for e in entries] == [
        ("Victor Hale", "added", "EMEA"),
        ("Victor Hale", "added", "APAC"),
    ]
    assert calls[EXPORT] == 1 and calls["GET {download link}"] == 1
    assert calls[POLL] == 6  # after 0, 1, 3, 7, 15, 31 s: finished after 20 s
    assert org.client.stats.polls == 5


async def test_more_entries_than_one_file_come_as_a_zip() -> None:
    async with open_org(SandboxSettings(audit_export_s=0, audit_rows_per_file=2)) as org:
        await territories(org, ["A", "B", "C", "D", "E"])
        entries = await org.client.read_audit_log(*window(org.sandbox.now()))
    assert [e.record_name for e in entries] == ["A", "B", "C", "D", "E"]


async def test_a_job_that_never_finishes_gives_up_at_the_limit() -> None:
    async with open_org(SandboxSettings(audit_job_outcome="stalled")) as org:
        with pytest.raises(AuditLogUnavailable) as raised:
            await org.client.read_audit_log(*window(org.sandbox.now()), Polling(limit=60))
    assert "did not finish within 60s (still running)" in str(raised.value)


class Elsewhere(httpx.AsyncBaseTransport):
    """A server whose finished job links to a host that is not Zoho's."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        if request.method == "GET" and "/audit_log_export/" in request.url.path:
            body = json.loads(await response.aread())
            body["audit_log_export"][0]["download_links"] = ["https://files.example/AuditLog.csv"]
            return httpx.Response(200, json=body, request=request)
        return response


async def test_the_token_goes_to_no_other_host() -> None:
    async with open_org(SandboxSettings(audit_export_s=0)) as org:
        session = org.client.session
        session._http._transport = Elsewhere(session._http._transport)  # type: ignore[attr-defined]
        with pytest.raises(AuditLogUnavailable) as raised:
            await org.client.read_audit_log(*window(org.sandbox.now()))
    assert str(raised.value) == (
        "the audit-log download link points at files.example, which is not Zoho's; "
        "the token was not sent there"
    )
