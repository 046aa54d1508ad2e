"""A refresh token revoked in the middle of an apply: Zoho allows ten grants per refresh token
in ten minutes, so after the accounts server says `invalid_code` reconciler asks no more: the
remaining steps are not attempted, and the report says why."""

from __future__ import annotations

import json
from pathlib import Path

import httpx

from reconciler.sandbox import Sandbox
from tests.cli_orgs import cli_org
from tests.harness import SCENARIOS


class RevokeAfterFirstWrite(httpx.AsyncBaseTransport):
    """Passes calls through; once the first write has been answered, revokes every token of
    the org, as an admin revoking the client in Zoho's console would."""

    def __init__(self, inner: httpx.AsyncBaseTransport, sandbox: Sandbox) -> None:
        self.inner, self.sandbox = inner, sandbox
        self.grants_after = 0
        self.revoked = False

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self.revoked and request.url.path.endswith("/oauth/v2/token"):
            self.grants_after += 1
        response = await self.inner.handle_async_request(request)
        if request.method != "GET" and request.url.path.startswith("/crm/") and not self.revoked:
            with self.sandbox.store.transaction() as db:
                db.execute("DELETE FROM access_tokens")
                db.execute("DELETE FROM refresh_tokens")
            self.revoked = True
        return response


def test_after_invalid_code_no_more_tokens_are_asked_for(tmp_path: Path) -> None:
    with cli_org("in_process", tmp_path) as org:
        revoker: list[RevokeAfterFirstWrite] = []

        def wrap(inner: httpx.AsyncBaseTransport) -> httpx.AsyncBaseTransport:
            revoker.append(RevokeAfterFirstWrite(inner, org.sandbox))
            return revoker[0]

        config = SCENARIOS / "01_from_nothing.yaml"
        result = org.invoke("apply", str(config), "--auto-approve", "--format", "json",
                            transport=wrap, checked=False)  # fmt: skip
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert revoker[0].grants_after == 1
    skipped = [s for s in report["steps"] if s["status"] == "skipped"]
    assert len(report["steps"]) > 5 and skipped
    assert any(
        s["message"] == "not attempted: the accounts server refused the credentials (invalid_code)"
        for s in skipped
    )
    assert sum(s["code"] == "invalid_code" for s in report["steps"]) >= 1
