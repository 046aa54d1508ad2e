"""The accounts server's token endpoint (REFERENCE §8.1) and access-token checks for API calls.

Only the refresh-token grant issues tokens; a bad grant answers the Zoho-accounts style
`{"error": "invalid_code"}` with HTTP 200, as the docs describe. At most ten access tokens
live per refresh token (§8.2); issuing an eleventh retires the oldest."""

from __future__ import annotations

import json
import secrets
import sqlite3
from dataclasses import dataclass
from urllib.parse import parse_qsl

from reconciler.sandbox.replies import Reply, ZohoError

ACTIVE_TOKENS_PER_REFRESH = 10


@dataclass(frozen=True)
class Principal:
    """Who an access token acts as, and what it may do."""

    user_id: str
    scopes: tuple[str, ...]
    expires_at: float


def token_params(query: str, body: bytes, content_type: str) -> dict[str, str]:
    """Parameters may come in the query string or a form body (the docs recommend the body)."""
    params = dict(parse_qsl(query))
    if "json" not in content_type:
        try:
            params.update(parse_qsl(body.decode("utf-8")))
        except UnicodeDecodeError:
            pass
    return params


def token_grant(
    db: sqlite3.Connection, params: dict[str, str], now: float, lifetime: float, api_domain: str
) -> Reply:
    grant = params.get("grant_type")
    if grant not in ("refresh_token", "authorization_code"):
        return Reply(200, {"error": "unsupported_grant_type" if grant else "invalid_request"})
    client = db.execute(
        "SELECT * FROM oauth_clients WHERE client_id = ?", (params.get("client_id", ""),)
    ).fetchone()
    if client is None or not secrets.compare_digest(
        client["client_secret"], params.get("client_secret", "")
    ):
        return Reply(200, {"error": "invalid_client"})
    refresh = db.execute(
        "SELECT * FROM refresh_tokens WHERE token = ? AND client_id = ?",
        (params.get("refresh_token", ""), client["client_id"]),
    ).fetchone()
    if grant != "refresh_token" or refresh is None:
        return Reply(200, {"error": "invalid_code"})
    scopes = json.loads(refresh["scopes"])
    token = issue(
        db, client["client_id"], client["user_id"], scopes, now, lifetime, refresh["token"]
    )
    return Reply(
        200,
        {
            "access_token": token,
            "scope": " ".join(scopes),
            "api_domain": api_domain,
            "token_type": "Bearer",
            "expires_in": int(lifetime),
        },
    )


def issue(
    db: sqlite3.Connection,
    client_id: str,
    user_id: str,
    scopes: list[str],
    now: float,
    lifetime: float,
    refresh: str | None = None,
) -> str:
    token = secrets.token_urlsafe(32)
    db.execute(
        "INSERT INTO access_tokens VALUES (?, ?, ?, ?, ?, ?, ?)",
        (token, refresh, client_id, user_id, json.dumps(scopes), now, now + lifetime),
    )
    if refresh is not None:
        db.execute(
            "DELETE FROM access_tokens WHERE refresh_token = ? AND token NOT IN (SELECT "
            "token FROM access_tokens WHERE refresh_token = ? ORDER BY issued_at DESC, "
            "rowid DESC LIMIT ?)",
            (refresh, refresh, ACTIVE_TOKENS_PER_REFRESH),
        )
    return token


def revoke(db: sqlite3.Connection, params: dict[str, str]) -> Reply:
    token = params.get("token", "")
    db.execute("DELETE FROM access_tokens WHERE refresh_token = ? OR token = ?", (token, token))
    db.execute("DELETE FROM refresh_tokens WHERE token = ?", (token,))
    return Reply(200, {"status": "success"})


def authenticate(db: sqlite3.Connection, header: str | None, now: float) -> Principal:
    """The caller behind `Authorization: Zoho-oauthtoken <token>`; 401 otherwise."""
    prefix = "Zoho-oauthtoken "
    if not header or not header.startswith(prefix) or not header[len(prefix) :].strip():
        raise ZohoError(401, "AUTHENTICATION_FAILURE", "Authentication failed")
    row = db.execute(
        "SELECT * FROM access_tokens WHERE token = ?", (header[len(prefix) :].strip(),)
    ).fetchone()
    if row is None or row["expires_at"] <= now:
        raise ZohoError(401, "INVALID_TOKEN", "invalid oauth token")
    return Principal(row["user_id"], tuple(json.loads(row["scopes"])), row["expires_at"])


def scope_mismatch() -> ZohoError:
    return ZohoError(401, "OAUTH_SCOPE_MISMATCH", "invalid oauth scope to access this URL")


def has_client(db: sqlite3.Connection, client_id: str) -> bool:
    """Whether this org registered the OAuth client (an org's clients are its own)."""
    found = db.execute("SELECT 1 FROM oauth_clients WHERE client_id = ?", (client_id,))
    return found.fetchone() is not None


def holds_token(db: sqlite3.Connection, token: str) -> bool:
    """Whether this org issued `token`, as an access token or a refresh token."""
    found = db.execute(
        "SELECT 1 FROM access_tokens WHERE token = ? UNION ALL "
        "SELECT 1 FROM refresh_tokens WHERE token = ?",
        (token, token),
    )
    return found.fetchone() is not None
