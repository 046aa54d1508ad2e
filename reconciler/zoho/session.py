"""The HTTP engine under `ZohoClient`: one httpx.AsyncClient, the Authorization header, a
limit on calls in flight, per-attempt timeouts, one token refresh on a 401, and the retry
policy of `retry` (429, 5xx, dropped connections, timeouts). It counts every call it makes.

It knows status codes and envelopes, not endpoints: `call()` returns an `Answer` (status,
parsed JSON or None for an empty body, and whether an earlier attempt may have been applied)
or raises the `errors.py` class that fits."""

from __future__ import annotations

import asyncio
import json as jsonlib
import logging
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import IO, Any
from urllib.parse import quote

import httpx

from reconciler.errors import ApiError, RateLimited, Unavailable
from reconciler.zoho.auth import Auth
from reconciler.zoho.domains import USER_AGENT
from reconciler.zoho.redact import redact
from reconciler.zoho.responses import is_request_error, not_json, request_error
from reconciler.zoho.retry import Kind, MaybeApplied, RetryPolicy, Sleep, describe, may_have_arrived
from reconciler.zoho.slots import Slots

logger = logging.getLogger(__name__)
Accept = Callable[[int, Any], bool]
API_PATH = "/crm/v8/"
# REFERENCE §10.3: Zoho may say how many of the day's API credits are left (a third party
# says once half are spent). Optional; nothing depends on it but what `doctor` reports.
CREDITS_HEADER = "X-API-CREDITS-REMAINING"


@dataclass
class CallStats:
    """API calls made, by `METHOD template` (every attempt is a call and costs a credit),
    with the retries, rule-computation polls and token refreshes among them."""

    calls: dict[str, int] = field(default_factory=dict)
    retries: int = 0
    polls: int = 0
    refreshes: int = 0
    peak_in_flight: int = 0

    @property
    def total(self) -> int:
        return sum(self.calls.values())

    def as_dict(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "calls": dict(sorted(self.calls.items())),
            "retries": self.retries,
            "polls": self.polls,
            "refreshes": self.refreshes,
            "peak_in_flight": self.peak_in_flight,
        }


@dataclass(frozen=True)
class Answer:
    status: int
    body: Any  # parsed JSON; None for an empty body (204)
    replayed: bool = False  # an earlier attempt may have been applied


class _Failure(Exception):
    """One failed attempt that the policy may retry."""

    def __init__(
        self,
        text: str,
        rate_limited: bool,
        arrived: bool,
        status: int | None,
        timed_out: bool = False,
    ) -> None:
        super().__init__(text)
        self.rate_limited = rate_limited
        self.arrived = arrived
        self.status = status
        self.timed_out = timed_out


class Session:
    def __init__(
        self,
        api_domain: str | None,
        auth: Auth,
        *,
        transport: httpx.AsyncBaseTransport | None,
        concurrency: int,
        retry: RetryPolicy,
        timeout: float,
        sleep: Sleep,
        clock: Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
    ) -> None:
        self.api_domain = api_domain.rstrip("/") if api_domain else None
        self.auth = auth
        self.retry = retry
        self.timeout = timeout
        self.sleep = sleep
        self.clock = clock
        self.rng = rng or random.Random()
        self.stats = CallStats()
        self.credits_remaining: int | None = None  # the last CREDITS_HEADER seen
        self.limit(concurrency)
        self._in_flight = 0
        self._http = httpx.AsyncClient(
            transport=transport, timeout=timeout, headers={"User-Agent": USER_AGENT}
        )

    def limit(self, concurrency: int) -> None:
        """Allow at most `concurrency` calls in flight from now on."""
        if concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        self.concurrency = concurrency
        self._slots = Slots(concurrency)

    async def aclose(self) -> None:
        await self._http.aclose()
        await self.auth.aclose()

    async def call(
        self,
        method: str,
        template: str,
        *,
        ids: Mapping[str, str] | None = None,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        key: str | None = None,
        kind: Kind = Kind.READ,
        accept: Accept | None = None,
    ) -> Answer:
        """Make one API call. A 4xx whose body is the `{key: [...]}` envelope, or that
        `accept(status, body)` approves, is returned; any other 4xx is raised. 429, 5xx and
        transport failures are retried as `kind` allows."""
        path = template.format_map({k: quote(str(v), safe="") for k, v in (ids or {}).items()})
        request = f"{method} {template}"
        started, attempt, arrived, refreshed = self.clock(), 0, False, False
        while True:
            attempt += 1
            try:
                answer = await self._attempt(method, path, request, template, params, json)
            except _Failure as failure:
                arrived = arrived or failure.arrived
                if failure.arrived and kind is Kind.CREATE:
                    raise self._maybe_applied(request, failure) from None
                await self._wait_or_give_up(request, failure, attempt, started)
                continue
            except _Expired as expired:
                if refreshed:
                    raise expired.error from None
                refreshed, attempt = True, attempt - 1  # the refreshed try is not a retry
                self.stats.refreshes += 1
                logger.info("client: access token refused on %s, refreshing it", request)
                await self.auth.refresh(stale=expired.token)
                continue
            if answer.status >= 400 and not _expected(answer, key, accept):
                raise request_error(answer.status, answer.body, request, template)
            return Answer(answer.status, answer.body, replayed=arrived)

    async def download(self, url: str, sink: IO[bytes], what: str) -> None:
        """Stream the file at the absolute `url` into `sink`, sending the token (the caller
        has checked that the host is Zoho's). Counted as one call of `what`."""
        token = await self.auth.token()
        headers = {"Authorization": f"Zoho-oauthtoken {token}"}
        self.stats.calls[what] = self.stats.calls.get(what, 0) + 1
        async with self._slots:
            try:
                async with (
                    asyncio.timeout(self.timeout),
                    self._http.stream("GET", url, headers=headers) as response,
                ):
                    if response.status_code != 200:
                        body = _json(await response.aread())
                        raise request_error(response.status_code, body, what, what)
                    async for chunk in response.aiter_bytes():
                        sink.write(chunk)
            except (httpx.TransportError, TimeoutError) as error:
                raise Unavailable(
                    redact(f"the download of {what} failed: {describe(error, self.timeout)}"),
                    request=what,
                ) from None

    async def _attempt(
        self,
        method: str,
        path: str,
        request: str,
        template: str,
        params: Mapping[str, Any] | None,
        json: Any,
    ) -> Answer:
        token = await self.auth.token()
        domain = self.api_domain or await self.auth.api_domain()
        headers = {"Authorization": f"Zoho-oauthtoken {token}"}
        self.stats.calls[request] = self.stats.calls.get(request, 0) + 1
        async with self._slots:
            self._in_flight += 1
            self.stats.peak_in_flight = max(self.stats.peak_in_flight, self._in_flight)
            sent = self.clock()
            try:
                async with asyncio.timeout(self.timeout):
                    response = await self._http.request(
                        method, domain + API_PATH + path, params=params, json=json, headers=headers
                    )
                _log_call(method, path, params, str(response.status_code), self.clock() - sent)
            except (httpx.TransportError, TimeoutError) as error:
                _log_call(method, path, params, type(error).__name__, self.clock() - sent)
                failure = _Failure(
                    describe(error, self.timeout),
                    False,
                    may_have_arrived(error),
                    None,
                    timed_out=isinstance(error, TimeoutError | httpx.TimeoutException),
                )
                raise failure from None
            finally:
                self._in_flight -= 1
        return self._read(response, request, template, token)

    def _read(self, response: httpx.Response, request: str, template: str, token: str) -> Answer:
        status = response.status_code
        credits = response.headers.get(CREDITS_HEADER, "").strip()
        if credits.isdigit():
            self.credits_remaining = int(credits)
        body = _json(response.content)
        if body is _NOT_JSON:
            if status >= 500:
                raise _Failure(f"HTTP {status} with a body that is not JSON", False, True, status)
            raise not_json(request, status, response.url.host, response.content)
        said = f"{status} {body.get('code')}" if is_request_error(body) else f"HTTP {status}"
        if status == 429:
            raise _Failure(f"{said} ({_message(body)})", True, False, status)
        if status >= 500:
            raise _Failure(said, False, True, status)
        if status == 401 and is_request_error(body) and body["code"] != "OAUTH_SCOPE_MISMATCH":
            raise _Expired(request_error(status, body, request, template), token)
        return Answer(status, body)

    async def _wait_or_give_up(
        self, request: str, failure: _Failure, attempt: int, started: float
    ) -> None:
        wait = self.retry.delay(attempt, self.rng)
        spent = self.clock() - started
        if attempt >= self.retry.attempts or spent + wait > self.retry.total_time:
            raise self._gave_up(request, failure, attempt, spent)
        self.stats.retries += 1
        logger.warning(
            redact(
                f"client: retry {attempt}/{self.retry.attempts - 1} after {failure} "
                f"on {request} in {wait:.1f}s"
            )
        )
        await self.sleep(wait)

    def _gave_up(self, request: str, failure: _Failure, attempts: int, spent: float) -> ApiError:
        tried = f"gave up after {attempts} attempt{'s' if attempts > 1 else ''} over {spent:.1f}s"
        if failure.rate_limited:
            return RateLimited(
                redact(
                    f"Zoho kept refusing {request} with {failure}; {tried}. The org's limit "
                    "of concurrent calls or its daily API credits (a rolling 24-hour window) "
                    "is exhausted: lower --concurrency, or wait for credits to free up, and "
                    "run again"
                ),
                code="TOO_MANY_REQUESTS",
                status=429,
                request=request,
            )
        slow = ", or allow each call more time with --timeout" if failure.timed_out else ""
        return Unavailable(
            redact(
                f"Zoho did not complete {request}: {failure}; {tried}. Check the network and "
                f"Zoho's status page{slow}, then run again (plan and apply re-read the org, so "
                "a re-run is safe)"
            ),
            status=failure.status,
            request=request,
        )

    def _maybe_applied(self, request: str, failure: _Failure) -> MaybeApplied:
        logger.warning(redact(f"client: not resending {request} after {failure}"))
        return MaybeApplied(
            redact(
                f"{request} failed after it may have reached Zoho ({failure}), so the object "
                "may or may not have been created; it was not resent, since a blind resend "
                "could create a duplicate. Run plan or apply again: it re-reads the org and "
                "converges by name"
            ),
            status=failure.status,
            request=request,
            details={"maybe_applied": True},
        )


class _Expired(Exception):
    """A 401 after which the token was refreshed; `error` is raised if it happens twice."""

    def __init__(self, error: ApiError, token: str) -> None:
        super().__init__(str(error))
        self.error = error
        self.token = token


_NOT_JSON = object()


def _log_call(
    method: str, path: str, params: Mapping[str, Any] | None, outcome: str, seconds: float
) -> None:
    """The debug log's line for one attempt (`--verbose`, `RECONCILER_LOG=debug`): method,
    path and query, status (or the transport error), time. Headers and bodies never: the
    token is in one, and redact() guards the rest."""
    if logger.isEnabledFor(logging.DEBUG):
        query = "?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else ""
        logger.debug(
            redact(f"http: {method} {API_PATH}{path}{query} -> {outcome} in {seconds * 1000:.0f}ms")
        )


def _expected(answer: Answer, key: str | None, accept: Accept | None) -> bool:
    """Whether a 4xx answer is for the caller to read rather than an error to raise."""
    if key is not None and isinstance(answer.body, dict) and key in answer.body:
        return True
    return accept is not None and accept(answer.status, answer.body)


def _json(raw: bytes) -> Any:
    if not raw.strip():
        return None
    try:
        return jsonlib.loads(raw)
    except ValueError:
        return _NOT_JSON


def _message(body: Any) -> str:
    return str(body.get("message")) if is_request_error(body) else "no message"
