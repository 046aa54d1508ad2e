"""Helpers for the auth and client tests: virtual time, a recording (and optionally garbling)
transport, and a `World` that reaches one sandbox in-process or over a served socket.

Nothing here replaces our own client: faults come from the sandbox's controls, and the only
transport wrapper records traffic (so tests know every token that crossed the wire) or, for
the one fault the sandbox cannot make, turns a response body into non-JSON on its way back."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx

from reconciler.sandbox import (
    IN_PROCESS_URL,
    Sandbox,
    SandboxSettings,
    SandboxTransport,
    serve_in_thread,
)
from reconciler.sandbox.seed import SeedRefreshToken, demo_seed
from reconciler.zoho.auth import Auth, Credentials
from reconciler.zoho.client import ZohoClient
from reconciler.zoho.retry import RetryPolicy

START = 1_750_000_000.0
DEMO = ("sandbox", "sandbox-secret", "sandbox-refresh")
NARROW_REFRESH = "narrow-refresh-token"  # a refresh token granting only ZohoCRM.org.READ
FAST = RetryPolicy(attempts=4, base_delay=0.5, max_delay=4.0, total_time=60.0)


class SandboxClock:
    """The sandbox's clock, moved by hand (and by `Time.sleep`)."""

    def __init__(self, now: float = START) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class Time:
    """Virtual time for the client: `sleep` returns at once, moving this clock and the
    sandbox's by the time asked for."""

    sandbox_clock: SandboxClock
    now: float = 0.0
    sleeps: list[float] = field(default_factory=list)

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
        self.sandbox_clock.advance(seconds)
        await asyncio.sleep(0)


class Recorder(httpx.AsyncBaseTransport):
    """Passes everything through, remembering each access token sent or received; with
    `garble`, the body of the Nth CRM response (counted from 1) is replaced by HTML."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.tokens: set[str] = set()
        self.user_agents: set[str] = set()
        self.garble: dict[int, int] = {}  # nth CRM response -> status to answer with
        self.crm_calls = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.user_agents.add(request.headers.get("user-agent", ""))
        header = request.headers.get("authorization", "")
        if header:
            self.tokens.add(header.split(" ", 1)[-1])
        response = await self.inner.handle_async_request(request)
        body = await response.aread()
        if request.url.path.endswith("/oauth/v2/token") and body.startswith(b"{"):
            token = httpx.Response(200, content=body).json().get("access_token")
            if token:
                self.tokens.add(token)
        if request.url.path.startswith("/crm/"):
            self.crm_calls += 1
            if self.crm_calls in self.garble:
                status = self.garble[self.crm_calls]
                html = b"<html><body><h1>Bad gateway</h1></body></html>"
                headers = {"content-type": "text/html"}
                return httpx.Response(status, headers=headers, content=html, request=request)
        return httpx.Response(
            response.status_code, headers=response.headers, content=body, request=request
        )

    async def aclose(self) -> None:
        await self.inner.aclose()


def narrow_seed() -> Any:
    """The demo org, plus a refresh token whose access tokens may only read the org."""
    seed = demo_seed()
    client = seed.oauth_clients[0]
    narrow = SeedRefreshToken(token=NARROW_REFRESH, scopes=["ZohoCRM.org.READ"])
    client = client.model_copy(update={"refresh_tokens": [*client.refresh_tokens, narrow]})
    return seed.model_copy(update={"oauth_clients": [client]})


@dataclass
class World:
    """One sandbox, reached in-process or served, with virtual time and a recorder."""

    mode: str
    sandbox: Sandbox
    time: Time
    base: str
    recorder: Recorder
    errors: list[BaseException] = field(default_factory=list)
    used: set[str] = field(default_factory=set)  # client secrets and refresh tokens used

    def auth(self, credentials: tuple[str, str, str] = DEMO, **options: Any) -> Auth:
        options.setdefault("retry", FAST)
        self.used |= {credentials[1], credentials[2]}
        return Auth(
            Credentials(*credentials),
            self.base,
            api_domain=self.base if self.mode == "in_process" else None,
            allow_custom_domain=True,
            transport=self.recorder,
            sleep=self.time.sleep,
            clock=self.time.clock,
            rng=random.Random(1),
            **options,
        )

    def client(self, credentials: tuple[str, str, str] = DEMO, **options: Any) -> ZohoClient:
        options.setdefault("retry", FAST)
        options.setdefault("sleep", self.time.sleep)
        options.setdefault("clock", self.time.clock)
        auth = self.auth(credentials, retry=options["retry"])
        return ZohoClient(
            self.base if self.mode == "in_process" else None,
            auth,
            transport=self.recorder,
            rng=random.Random(2),
            **options,
        )

    def secrets(self) -> set[str]:
        with self.sandbox.store.transaction() as db:
            issued = {row[0] for row in db.execute("SELECT token FROM access_tokens")}
            refresh = {row[0] for row in db.execute("SELECT token FROM refresh_tokens")}
        return issued | refresh | self.recorder.tokens | self.used

    def keep(self, error: BaseException) -> BaseException:
        """Remember an exception whose text the secret check must also read."""
        self.errors.append(error)
        return error


@contextmanager
def world(mode: str, settings: SandboxSettings | None = None, seed: Any = None) -> Iterator[World]:
    clock = SandboxClock()
    sandbox = Sandbox(clock=clock, settings=settings or SandboxSettings(), seed=seed)
    try:
        if mode == "in_process":
            yield World(
                mode, sandbox, Time(clock), IN_PROCESS_URL, Recorder(SandboxTransport(sandbox))
            )
        else:
            with serve_in_thread(sandbox) as base:
                yield World(mode, sandbox, Time(clock), base, Recorder(httpx.AsyncHTTPTransport()))
    finally:
        sandbox.close()
