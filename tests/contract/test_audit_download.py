"""The audit-log download is outside `/crm/`, so the suite-wide check does not see it:
audit_log_export.json declares it as `GET /{download_url}`, a file (200) or `Forbidden` (403).
Its refusals are held to that schema here."""

from __future__ import annotations

import httpx
import pytest

from reconciler.sandbox import IN_PROCESS_URL, Sandbox, SandboxTransport
from tests.contract.documents import OAS_URL
from tests.contract.oas import Contract

pytestmark = pytest.mark.anyio
FORBIDDEN = OAS_URL + "audit_log_export.json#/components/schemas/Forbidden"


async def test_a_refused_download_has_the_forbidden_shape(oas: Contract) -> None:
    with Sandbox() as sandbox:
        headers = {"Authorization": f"Zoho-oauthtoken {sandbox.issue_token()}"}
        async with httpx.AsyncClient(
            transport=SandboxTransport(sandbox), base_url=IN_PROCESS_URL, headers=headers
        ) as http:
            response = await http.get("/v2/crm/1/auditlog/2/AuditLog.csv")
    assert response.status_code == 403
    assert response.headers["content-type"].startswith("application/json")
    errors = list(oas.validator(FORBIDDEN).iter_errors(response.json()))
    assert errors == []
    assert set(response.json()) == {"x-error", "info", "status"}
