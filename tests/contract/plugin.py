"""pytest fixtures for contract checks, usable from any test directory.

Registered for the whole suite by `pytest_plugins = ["tests.contract.plugin"]` in
tests/conftest.py. Every answer any sandbox gives during any test (in-process or served) is
checked against the official specs: a test whose sandbox answered outside them fails at
teardown, listing each violation. Deviations are allowed only through deviations.py.

    def test_something(validating_transport):
        transport = validating_transport(SandboxTransport(sandbox))
        ...  # use it; any contract violation fails the test at teardown

    def test_one_response(oas):
        assert oas.validate_response("GET", "/crm/v8/org", 200, body) == []
"""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from reconciler.sandbox.exchange import Outcome, Request
from reconciler.sandbox.sandbox import Sandbox
from tests.contract.location import REQUIRE_ENV, REQUIRED_FILES, find_missing, require_specs
from tests.contract.location import spec_dir as default_spec_dir
from tests.contract.oas import Check, Contract
from tests.contract.transport import CRM_PREFIX, ValidatingTransport, report

Wrap = Callable[[httpx.AsyncBaseTransport], ValidatingTransport]


@pytest.fixture(scope="session")
def oas_dir() -> Path:
    """The spec folder; skips (fails when RECONCILER_REQUIRE_OAS=1) when it is missing."""
    return require_specs()


@pytest.fixture(scope="session")
def oas(oas_dir: Path) -> Contract:
    """The loaded contract (both spec families), parsed once per process."""
    return Contract.load(oas_dir)


@pytest.fixture
def validating_transport(oas: Contract) -> Iterator[Wrap]:
    """A factory wrapping transports; fails the test at teardown if any saw a violation."""
    with checked_transports(oas) as wrap:
        yield wrap


@contextmanager
def checked_transports(contract: Contract) -> Iterator[Wrap]:
    """Yield a wrapping factory; on exit, fail if any wrapped transport recorded a violation."""
    made: list[ValidatingTransport] = []

    def wrap(inner: httpx.AsyncBaseTransport) -> ValidatingTransport:
        made.append(ValidatingTransport(inner, contract))
        return made[-1]

    yield wrap
    violations = [v for transport in made for v in transport.violations]
    if violations:
        pytest.fail(report(violations), pytrace=False)


@pytest.fixture(scope="session")
def sandbox_contract() -> Contract | None:
    """The contract every sandbox answer is checked against; None (no checks) when the spec
    files are missing, unless RECONCILER_REQUIRE_OAS=1 makes that an error. Loaded up front,
    so no test's own timing pays for the parsing."""
    directory = default_spec_dir()
    if find_missing(directory, REQUIRED_FILES) is not None:
        return Contract.load(require_specs()) if os.environ.get(REQUIRE_ENV) == "1" else None
    return Contract.load(directory)


@pytest.fixture(autouse=True)
def _sandbox_answers_follow_the_contract(
    sandbox_contract: Contract | None, monkeypatch: pytest.MonkeyPatch
) -> Iterator[list[Check]]:
    """Check each answer of every sandbox the test drives; fail the test on a violation."""
    checks: list[Check] = []
    if sandbox_contract is not None:
        monkeypatch.setattr(Sandbox, "handle", checking(Sandbox.handle, sandbox_contract, checks))
    yield checks
    violations = [v for check in checks for v in check.violations]
    if violations:
        pytest.fail(report(violations), pytrace=False)


Handle = Callable[[Sandbox, Request], Awaitable[Outcome]]


def checking(handle: Handle, contract: Contract, checks: list[Check]) -> Handle:
    """`Sandbox.handle`, recording the contract check of every CRM answer it gives (a dropped
    call gives none: the client never sees an answer)."""

    async def checked_handle(sandbox: Sandbox, request: Request) -> Outcome:
        outcome = await handle(sandbox, request)
        if request.path.startswith(CRM_PREFIX) and not outcome.drop:
            status, headers, body = outcome.encoded()
            content_type = dict(headers).get("content-type")
            method, path, fault = request.method, request.path, outcome.injected
            checks.append(contract.check_response(method, path, status, body, content_type, fault))
        return outcome

    return checked_handle
