"""The suite-wide check: every CRM answer a sandbox gives is checked as it leaves."""

from __future__ import annotations

from typing import Any

import pytest

from reconciler.sandbox import Sandbox
from reconciler.sandbox.exchange import Outcome, Request
from reconciler.sandbox.replies import Reply
from tests.contract.oas import Check, Contract
from tests.contract.plugin import checking
from tests.contract.samples import CREATED, TERRITORIES

pytestmark = pytest.mark.anyio
FAULT = {"code": "SERVICE_UNAVAILABLE", "details": {}, "message": "down", "status": "error"}


async def answer(oas: Contract, method: str, path: str, outcome: Outcome) -> list[Check]:
    async def handle(sandbox: Sandbox, request: Request) -> Outcome:
        return outcome

    checks: list[Check] = []
    request = Request(method, path, "", {}, b"", "http://sandbox.invalid")
    assert await checking(handle, oas, checks)(Sandbox(), request) is outcome
    return checks


@pytest.mark.parametrize(
    ("method", "outcome", "violations"),
    [
        ("POST", Outcome(Reply(201, CREATED)), 0),
        ("PUT", Outcome(Reply(201, CREATED)), 1),  # PUT answers 200, never 201
        ("GET", Outcome(Reply(503, FAULT)), 1),  # no Zoho answer declares 503...
        ("GET", Outcome(Reply(503, FAULT), injected=True), 0),  # ...an armed fault may (D26)
    ],
)
async def test_each_answer_is_checked(
    oas: Contract, method: str, outcome: Outcome, violations: int
) -> None:
    [check] = await answer(oas, method, TERRITORIES, outcome)
    assert len(check.violations) == violations


@pytest.mark.parametrize(
    ("path", "outcome"),
    [
        ("/oauth/v2/token", Outcome(Reply(200, {"error": "invalid_client"}))),  # not CRM
        (TERRITORIES, Outcome(Reply(500), drop=True)),  # the client never sees it
    ],
)
async def test_what_no_client_reads_as_a_crm_answer_is_not(
    oas: Contract, path: str, outcome: Any
) -> None:
    assert await answer(oas, "POST", path, outcome) == []
