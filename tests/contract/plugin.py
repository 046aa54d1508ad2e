"""pytest fixtures for contract checks, usable from any test directory.

Registered for the whole suite by `pytest_plugins = ["tests.contract.plugin"]` in
tests/conftest.py.

    def test_something(validating_transport):
        transport = validating_transport(SandboxTransport(sandbox))
        ...  # use it; any contract violation fails the test at teardown

    def test_one_response(oas):
        assert oas.validate_response("GET", "/crm/v8/org", 200, body) == []
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from tests.contract.location import require_specs
from tests.contract.oas import Contract
from tests.contract.transport import ValidatingTransport, report

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
