"""Zoho's answers turned into values and exceptions: per-item results of a write become
`ItemResult`s (never exceptions: the caller decides), and request-level errors become the
`errors.py` class that says whether anything can help, with a message that says what
happened and what to do. Every message and detail is redacted."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from reconciler.errors import ApiError, AuthError, BadResponse, Rejected
from reconciler.zoho.redact import redact, redact_value

FEATURE_CODES = {"FEATURE_NOT_ENABLED", "TERRITORY_NOT_ENABLED", "TERRITORY_DISABLED"}
# The scopes each path family needs (REFERENCE §2), most specific first.
SCOPES = (
    ("settings/territories/{id}/users", "ZohoCRM.settings.territories.ALL and ZohoCRM.users.ALL"),
    ("users/{id}/territories", "ZohoCRM.settings.territories.ALL and ZohoCRM.users.ALL"),
    ("settings/territories", "ZohoCRM.settings.territories.ALL"),
    ("settings/data_sharing", "ZohoCRM.settings.data_sharing.ALL"),
    ("settings/roles", "ZohoCRM.settings.roles.READ"),
    ("settings/user_groups", "ZohoCRM.settings.user_groups.READ"),
    ("settings/profiles", "ZohoCRM.settings.profiles.READ"),
    ("settings/modules", "ZohoCRM.settings.modules.READ"),
    ("settings/fields", "ZohoCRM.settings.fields.READ"),
    ("users", "ZohoCRM.users.READ"),
    ("org", "ZohoCRM.org.READ"),
)
ALL_SCOPES = "ZohoCRM.settings.ALL, ZohoCRM.users.ALL and ZohoCRM.org.READ"


@dataclass(frozen=True)
class ItemResult:
    """What Zoho said about one input item of a write, in input order.

    `replayed` is true when an earlier attempt of the same call may already have been applied
    (see `retry`): an error such as DUPLICATE_DATA or an unknown id may then mean "done".
    """

    ok: bool
    code: str
    message: str
    details: dict[str, Any] = field(default_factory=dict)
    status: int = 200
    id: str | None = None
    replayed: bool = False

    @classmethod
    def from_item(cls, item: Any, status: int, replayed: bool = False) -> ItemResult:
        if not isinstance(item, dict):
            raise BadResponse(
                f"Zoho answered a per-item result that is not an object: {item!r:.80}"
            )
        details = item.get("details")
        details = redact_value(details) if isinstance(details, dict) else {}
        ident = details.get("id")
        return cls(
            ok=item.get("status") == "success",
            code=str(item.get("code") or ""),
            message=redact(str(item.get("message") or "")),
            details=details,
            status=status,
            id=None if ident is None else str(ident),
            replayed=replayed,
        )


def item_results(
    body: Any, key: str, status: int, expected: int, request: str, replayed: bool = False
) -> list[ItemResult]:
    """The `{key: [result, ...]}` envelope as ItemResults; a nested `[[...]]` (REFERENCE §13
    #13) is flattened. The count must match the number of items sent."""
    items = body.get(key) if isinstance(body, dict) else None
    if not isinstance(items, list):
        raise bad_shape(request, status, f"no {key!r} list in the answer")
    if len(items) == 1 and isinstance(items[0], list):
        items = items[0]
    if len(items) != expected:
        raise bad_shape(request, status, f"{len(items)} results for {expected} items")
    return [ItemResult.from_item(item, status, replayed) for item in items]


def is_request_error(body: Any) -> bool:
    return isinstance(body, dict) and isinstance(body.get("code"), str) and "status" in body


def request_error(status: int, body: Any, request: str, template: str) -> ApiError:
    """A terminal request-level error (4xx other than 429) as the right exception."""
    code = str(body.get("code")) if is_request_error(body) else None
    message = redact(str(body.get("message") or "")) if is_request_error(body) else ""
    details = redact_value(body.get("details")) if is_request_error(body) else None
    said = f"{status} {code or 'error'}{': ' + message if message else ''}"
    kw: dict[str, Any] = {"code": code, "status": status, "details": details, "request": request}
    if code == "OAUTH_SCOPE_MISMATCH":
        return AuthError(
            f"the OAuth token lacks the scope for {request} ({said}). Add {scope_for(template)} "
            f"to the Self Client's scopes (all of {ALL_SCOPES} covers every call), generate a "
            "new refresh token and set ZOHO_REFRESH_TOKEN",
            **kw,
        )
    if status == 401:
        return AuthError(
            f"Zoho refused the access token for {request} even after a refresh ({said}). The "
            "refresh token may have been revoked or belong to another data centre: generate a "
            "new one in the Zoho API console and set ZOHO_REFRESH_TOKEN, and check ZOHO_DC",
            **kw,
        )
    if code in FEATURE_CODES:
        return Rejected(
            f"Territory Management is not available in this org ({said}). Enable Territory "
            "Management in Setup > Users and Control > Territory Management (Enterprise "
            "edition and above), then run again",
            **kw,
        )
    if code == "NO_PERMISSION":
        return Rejected(
            f"the Zoho user behind the token may not do {request} ({said}; missing "
            f"{_permissions(details)}). Use the token of an administrator, or grant the "
            "permission to the user's profile in Setup > Security Control > Profiles",
            **kw,
        )
    if code == "INVALID_URL_PATTERN" or status == 404:
        return Rejected(
            f"the server does not know {request} ({said}). Check that the API domain is Zoho "
            "CRM's for your data centre (ZOHO_DC or ZOHO_API_DOMAIN)",
            **kw,
        )
    return Rejected(
        f"Zoho rejected {request} ({said}{'; details ' + str(details) if details else ''}). "
        "Retrying the same request cannot succeed: correct the input and run again",
        **kw,
    )


def bad_shape(request: str, status: int, what: str) -> BadResponse:
    return BadResponse(
        f"Zoho's answer to {request} (HTTP {status}) is not what its API documents: {what}. "
        "Check that the API domain points at Zoho CRM; if it does, report this with the "
        "request named here",
        status=status,
        request=request,
    )


def not_json(request: str, status: int, host: str, raw: bytes) -> BadResponse:
    snippet = redact(raw[:60].decode("utf-8", "replace")).replace("\n", " ")
    return BadResponse(
        f"the server at {host} answered {request} with HTTP {status} and a body that is not "
        f"JSON ({snippet!r}). Check that the API domain points at Zoho CRM (ZOHO_DC or "
        "ZOHO_API_DOMAIN); if it does, Zoho may be failing: try again later",
        status=status,
        request=request,
    )


def scope_for(template: str) -> str:
    for prefix, scope in SCOPES:
        if template == prefix or template.startswith(prefix + "/"):
            return scope
    return ALL_SCOPES


def _permissions(details: Any) -> str:
    found = details.get("permissions") if isinstance(details, dict) else None
    if isinstance(found, list) and found:
        return ", ".join(str(p) for p in found)
    return str(found) if found else "a profile permission"
