"""OAuth for Zoho CRM: the refresh-token grant against the data centre's accounts server
(REFERENCE §8), the access token cached for its lifetime, and one forced refresh when Zoho
says the token is no longer valid.

    auth = Auth(Credentials(client_id, client_secret, refresh_token), "https://accounts.zoho.eu")
    token = await auth.token()          # cached until shortly before it expires
    domain = await auth.api_domain()    # the API domain the token response names

The grant is posted as a form body (never a query string, so no secret lands in a URL or a
log). Transient failures of the accounts server are retried like reads; refusals
(`invalid_client`, `invalid_code`) become an `AuthError` saying what to check. No secret ever
appears in an exception, a log line or a repr (see `redact`).
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

import httpx

from reconciler.errors import ApiError, AuthError, BadResponse, RateLimited, Unavailable
from reconciler.zoho.domains import USER_AGENT, check_api_domain
from reconciler.zoho.redact import redact, register
from reconciler.zoho.retry import DEFAULT_POLICY, RetryPolicy, Sleep, describe

logger = logging.getLogger(__name__)
TOKEN_PATH = "/oauth/v2/token"
REFUSALS = {
    "invalid_client": (
        "the accounts server {accounts} does not know this client (invalid_client). Check "
        "ZOHO_CLIENT_ID and ZOHO_CLIENT_SECRET, and that ZOHO_DC names the data centre where "
        "the client was registered in the Zoho API console"
    ),
    "invalid_code": (
        "the accounts server {accounts} refused the refresh token (invalid_code): it was "
        "revoked, mistyped, or belongs to another data centre. Generate a new one in the Zoho "
        "API console (Self Client) and set ZOHO_REFRESH_TOKEN, and check ZOHO_DC"
    ),
}
TOO_MANY = (
    "the accounts server {accounts} refused to issue another access token ({error}): Zoho "
    "allows 10 per refresh token per 10 minutes. Wait 10 minutes and run again; avoid running "
    "many reconciler processes with one refresh token at the same time"
)


@dataclass(frozen=True)
class Credentials:
    """A self client's id and secret and a refresh token. Secrets never show in its repr."""

    client_id: str
    client_secret: str = field(repr=False)
    refresh_token: str = field(repr=False)

    def __post_init__(self) -> None:
        register(self.client_secret, self.refresh_token)


@dataclass
class _Token:
    value: str
    api_domain: str
    expires_at: float


class Auth:
    """Access tokens for one client; safe to share between concurrent tasks.

    `api_domain`, when given, overrides the domain the token response names (a custom server).
    Otherwise that domain is checked like a configured one: HTTPS (or loopback HTTP) and one
    of Zoho's own hosts unless `allow_custom_domain`.
    """

    def __init__(
        self,
        credentials: Credentials,
        accounts_url: str,
        *,
        api_domain: str | None = None,
        allow_custom_domain: bool = False,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float = 30.0,
        retry: RetryPolicy = DEFAULT_POLICY,
        sleep: Sleep = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
    ) -> None:
        self.credentials = credentials
        self.accounts_url = accounts_url.rstrip("/")
        self.fixed_api_domain = api_domain.rstrip("/") if api_domain else None
        self.allow_custom_domain = allow_custom_domain
        self.transport = transport
        self.timeout = timeout
        self.retry = retry
        self.sleep = sleep
        self.clock = clock
        self.rng = rng or random.Random()
        self.grants = 0  # access tokens obtained (each is a call to the accounts server)
        self.scopes: tuple[str, ...] | None = None  # granted, as the last token response said
        self._token: _Token | None = None
        self._refused: AuthError | None = None  # the accounts server's final word
        self._lock = asyncio.Lock()
        self._http: httpx.AsyncClient | None = None

    def __repr__(self) -> str:
        state = "cached" if self._token else "none"
        return (
            f"Auth(client_id={self.credentials.client_id!r}, "
            f"accounts_url={self.accounts_url!r}, token={state})"
        )

    async def token(self) -> str:
        """A valid access token: the cached one, or a new one when it is (nearly) expired."""
        current = self._token
        if current is not None and self.clock() < current.expires_at:
            return current.value
        return await self.refresh(stale=current.value if current else None)

    async def refresh(self, stale: str | None = None) -> str:
        """A new access token. With `stale`, only if the cached token is still that one, so
        many tasks that saw the same expired token cause a single grant."""
        async with self._lock:
            if self._refused is not None:
                # Zoho allows ten grants per refresh token in ten minutes: asking again after
                # a refusal cannot succeed and only spends them.
                raise AuthError(str(self._refused), code=self._refused.code)
            current = self._token
            if current is not None and stale is not None and current.value != stale:
                return current.value
            try:
                self._token = await self._grant()
            except AuthError as refused:
                self._refused = refused
                raise
            return self._token.value

    async def api_domain(self) -> str:
        """The API domain to call: the fixed one, or the one the token response names."""
        if self.fixed_api_domain:
            return self.fixed_api_domain
        await self.token()
        assert self._token is not None
        return self._token.api_domain

    async def aclose(self) -> None:
        if self._http is not None:
            await self._http.aclose()
            self._http = None

    async def __aenter__(self) -> Auth:
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    def _client(self) -> httpx.AsyncClient:
        if self._http is None:
            self._http = httpx.AsyncClient(
                transport=self.transport,
                timeout=self.timeout,
                headers={"User-Agent": USER_AGENT},
            )
        return self._http

    async def _grant(self) -> _Token:
        """One refresh-token grant, with transient failures retried within the policy."""
        started, attempt = self.clock(), 0
        while True:
            attempt += 1
            try:
                body = await self._post()
            except (Unavailable, RateLimited) as error:
                wait = self.retry.delay(attempt, self.rng)
                spent = self.clock() - started
                if attempt >= self.retry.attempts or spent + wait > self.retry.total_time:
                    raise type(error)(
                        f"{error} (gave up after {attempt} attempts over {spent:.1f}s)",
                        code=error.code,
                        status=error.status,
                        request=error.request,
                    ) from None
                logger.warning(
                    redact(
                        f"auth: retry {attempt}/{self.retry.attempts - 1} in {wait:.1f}s: {error}"
                    )
                )
                await self.sleep(wait)
                continue
            return self._accept(body)

    async def _post(self) -> dict[str, Any]:
        form = {
            "grant_type": "refresh_token",
            "client_id": self.credentials.client_id,
            "client_secret": self.credentials.client_secret,
            "refresh_token": self.credentials.refresh_token,
        }
        url = self.accounts_url + TOKEN_PATH
        request = f"POST {url}"
        try:
            async with asyncio.timeout(self.timeout):
                response = await self._client().post(url, data=form)
            logger.debug("http: %s -> %d (a new access token)", request, response.status_code)
        except (httpx.TransportError, TimeoutError) as error:
            raise Unavailable(
                redact(
                    f"the accounts server {self.accounts_url} could not be reached: "
                    f"{describe(error, self.timeout)}. Check the network and ZOHO_DC or "
                    "ZOHO_ACCOUNTS_URL"
                ),
                request=request,
            ) from None
        return self._read(response, request)

    def _read(self, response: httpx.Response, request: str) -> dict[str, Any]:
        status = response.status_code
        if status == 429 or status >= 500:
            kind: type[ApiError] = RateLimited if status == 429 else Unavailable
            raise kind(
                f"the accounts server {self.accounts_url} answered HTTP {status}",
                status=status,
                request=request,
            )
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict) or (status != 200 and "error" not in body):
            raise BadResponse(
                f"the accounts server {self.accounts_url} answered HTTP {status} with something "
                "that is not Zoho's JSON token response. Check ZOHO_DC or ZOHO_ACCOUNTS_URL: "
                "it must be the accounts server of your data centre (e.g. https://accounts.zoho.eu)",
                status=status,
                request=request,
            )
        return body

    def _accept(self, body: dict[str, Any]) -> _Token:
        error = body.get("error")
        if error is not None or not isinstance(body.get("access_token"), str):
            raise self._refusal(str(error or "no access_token in the answer"), body)
        value = body["access_token"]
        register(value)
        domain = self.fixed_api_domain or check_api_domain(
            str(body.get("api_domain") or ""), self.allow_custom_domain, "the token response"
        )
        lifetime = _number(body.get("expires_in"), 3600.0)
        margin = min(300.0, lifetime / 10)
        self.grants += 1
        if isinstance(body.get("scope"), str):
            self.scopes = tuple(body["scope"].replace(",", " ").split())
        logger.info(
            "auth: new access token from %s for %s, valid %.0fs",
            self.accounts_url,
            domain,
            lifetime,
        )
        return _Token(value, domain, self.clock() + lifetime - margin)

    def _refusal(self, error: str, body: dict[str, Any]) -> ApiError:
        accounts = self.accounts_url
        if error in REFUSALS:
            return AuthError(REFUSALS[error].format(accounts=accounts), code=error)
        described = redact(str(body.get("error_description") or ""))
        if "too many" in (described + error).lower() or error.lower() == "access denied":
            return RateLimited(TOO_MANY.format(accounts=accounts, error=redact(error)), code=error)
        return AuthError(
            f"the accounts server {accounts} refused the refresh-token grant "
            f"({redact(error)}{': ' + described if described else ''}). Check ZOHO_CLIENT_ID, "
            "ZOHO_CLIENT_SECRET, ZOHO_REFRESH_TOKEN and ZOHO_DC",
            code=error,
        )


def _number(value: Any, default: float) -> float:
    if isinstance(value, int | float) and not isinstance(value, bool) and value > 0:
        return float(value)
    return default
