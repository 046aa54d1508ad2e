"""The request pipeline shared by both ways in, in Zoho's order of checks:

route (404 / 400 bad method) -> concurrency gate (429) -> latency -> held writes -> injected
faults -> token (401) -> scope (401) -> credits (429) -> feature switch -> handler -> log.

The handler and the log entry commit together; a request-level error rolls the handler's
writes back. Nothing a client sends can raise out of here: a bug becomes Zoho's 500."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl

from reconciler.sandbox import (
    audit_download,
    audit_export,
    audit_log,
    data_sharing,
    directory,
    group_writes,
    memberships,
    metadata,
    record_assign,
    record_writes,
    records,
    role_writes,
    rule_search,
    run_rules,
    sharing_rules,
    territories,
    territory_delete,
    territory_writes,
    user_territories,
    user_writes,
    users,
)
from reconciler.sandbox import log as request_log
from reconciler.sandbox.call import Call
from reconciler.sandbox.clock import iso
from reconciler.sandbox.exchange import Outcome, Request
from reconciler.sandbox.faults import Fault
from reconciler.sandbox.limits import check_credits, credit_headers, too_many_in_flight
from reconciler.sandbox.oauth import (
    Principal,
    authenticate,
    revoke,
    scope_mismatch,
    token_grant,
    token_params,
)
from reconciler.sandbox.replies import Reply, ZohoError, internal_error, invalid_method, invalid_url
from reconciler.sandbox.routing import API_PREFIX, Feature, Match, MethodNotAllowed, Router
from reconciler.sandbox.scopes import allowed

if TYPE_CHECKING:
    from reconciler.sandbox.sandbox import Sandbox

logger = logging.getLogger(__name__)
ROUTER = Router(
    [
        *territories.ROUTES,
        *territory_writes.ROUTES,
        *territory_delete.ROUTES,
        *memberships.ROUTES,
        *user_territories.ROUTES,
        *records.ROUTES,
        *record_writes.ROUTES,
        *record_assign.ROUTES,
        *data_sharing.ROUTES,
        *sharing_rules.ROUTES,
        *rule_search.ROUTES,
        *run_rules.ROUTES,
        *users.ROUTES,
        *directory.ROUTES,
        *role_writes.ROUTES,
        *group_writes.ROUTES,
        *user_writes.ROUTES,
        *metadata.ROUTES,
        *audit_export.ROUTES,
    ]
)
TOKEN_PATHS = {"/oauth/v2/token": "token", "/oauth/v2/token/revoke": "revoke"}
FEATURE_ERRORS = {
    (Feature.TERRITORIES, "not_enabled"): (
        400,
        "FEATURE_NOT_ENABLED",
        "Territory Management is not enabled",
    ),
    (Feature.TERRITORIES, "disabled"): (
        400,
        "FEATURE_NOT_ENABLED",
        "Territory Management is disabled",
    ),
    (Feature.TERRITORY_USERS, "not_enabled"): (
        403,
        "TERRITORY_NOT_ENABLED",
        "the territory feature is not enabled",
    ),
    (Feature.TERRITORY_USERS, "disabled"): (
        403,
        "TERRITORY_DISABLED",
        "the territory feature is disabled",
    ),
}


async def handle(sb: Sandbox, req: Request) -> Outcome:
    path = req.path.rstrip("/") or "/"
    if path in TOKEN_PATHS:
        return _token(sb, req, path)
    if audit_download.is_download(path):
        return _download(sb, req, path)
    try:
        match = _route(req.method, path)
    except ZohoError as error:
        return _unrouted(sb, req, error)
    with sb.gate.enter(sb.concurrency_limit()) as in_flight:
        if in_flight is None:
            return _finish(sb, req, match, too_many_in_flight().reply())
        if sb.settings.latency_s:
            await asyncio.sleep(sb.settings.latency_s)
        if match.route.write:
            await sb.faults.meet(req.headers.get("authorization", ""))
        return _api(sb, req, match, in_flight)


def _route(method: str, path: str) -> Match:
    if not path.startswith(API_PREFIX + "/"):
        raise invalid_url()
    try:
        match = ROUTER.match(method, path[len(API_PREFIX) :])
    except MethodNotAllowed:
        raise invalid_method() from None
    if match is None:
        raise invalid_url()
    return match


def _unrouted(sb: Sandbox, req: Request, error: ZohoError) -> Outcome:
    counted = req.path.startswith("/crm/")  # only API calls count towards "the Nth call"
    fault = sb.faults.pick(req.method, (req.path,), counted=counted, write=False)
    injected = _fault_reply(fault)
    reply = injected or error.reply()
    with sb.store.transaction() as db:
        request_log.record(
            db,
            request_log.Entry(sb.now(), req.method, "(unknown)", req.path, reply.status, 0, False),
        )
    return Outcome(reply, drop=fault is not None and fault.drop, injected=injected is not None)


def _api(sb: Sandbox, req: Request, match: Match, in_flight: int) -> Outcome:
    route = match.route
    fault = sb.faults.pick(req.method, (route.full_template, req.path), True, route.write)
    if fault is not None and not fault.drop:
        return _finish(sb, req, match, _fault_reply(fault), in_flight, injected=True)
    if fault is not None and not fault.after_write:
        return _finish(sb, req, match, None, in_flight)
    if req.body_too_large:
        return _finish(sb, req, match, body_too_large(sb.settings.max_body_bytes), in_flight)
    with sb.store.transaction() as db:
        reply, credits, headers = _run(sb, db, req, match)
        _log(sb, db, req, match, reply.status, credits, fault is not None, in_flight)
    return Outcome(reply, drop=fault is not None, extra_headers=headers)


def _fault_reply(fault: Fault | None) -> Reply | None:
    if fault is None or fault.drop:
        return None
    return ZohoError(fault.status, fault.code, fault.message).reply()


def _run(
    sb: Sandbox, db: sqlite3.Connection, req: Request, match: Match
) -> tuple[Reply, int, dict[str, str]]:
    """Admit and call the handler; returns (reply, credits charged, extra headers)."""
    principal: Principal | None = None
    db.execute("SAVEPOINT call")
    try:
        principal = _admit(sb, db, req, match)
        _check_feature(db, match)
        acting = audit_log.acting(db, principal.user_id, sb.now()) if match.route.write else None
        with acting or contextlib.nullcontext():
            reply = match.route.handler(_call(sb, db, req, match, principal))
    except ZohoError as error:
        db.execute("ROLLBACK TO call")
        reply = error.reply()
    except Exception:
        logger.exception("sandbox: %s %s failed", req.method, req.path)
        db.execute("ROLLBACK TO call")
        reply = internal_error().reply()
    db.execute("RELEASE call")
    if principal is None:
        return reply, 0, {}
    headers = {"X-ACCESSTOKEN-RESET": iso(principal.expires_at)}
    return reply, 1, headers | credit_headers(db, sb.settings, sb.now())


def _admit(sb: Sandbox, db: sqlite3.Connection, req: Request, match: Match) -> Principal:
    """The caller, once token, scope and credits allow the call (which then costs a credit)."""
    principal = authenticate(db, req.headers.get("authorization"), sb.now())
    if not allowed(principal.scopes, match.route.scopes, match.params):
        raise scope_mismatch()
    check_credits(db, sb.settings, sb.now())
    return principal


def _call(
    sb: Sandbox, db: sqlite3.Connection, req: Request, match: Match, principal: Principal
) -> Call:
    return Call(
        req.method,
        req.path,
        match.params,
        _query(req.query),
        req.body,
        db,
        sb.settings,
        sb.now(),
        principal.user_id,
        req.base_url,
        req.headers,
    )


def _query(raw: str) -> dict[str, str]:
    """Query parameters; a repeated name keeps its first value."""
    params: dict[str, str] = {}
    for name, value in parse_qsl(raw, keep_blank_values=True):
        params.setdefault(name, value)
    return params


def body_too_large(limit: int) -> Reply:
    return ZohoError(
        413, "LIMIT_EXCEEDED", "the request body is too large", {"maximum_length": limit}
    ).reply()


def _check_feature(db: sqlite3.Connection, match: Match) -> None:
    if match.route.feature is Feature.NONE:
        return
    state = db.execute("SELECT value FROM meta WHERE key = 'territory_management'").fetchone()
    found = FEATURE_ERRORS.get((match.route.feature, state["value"] if state else "enabled"))
    if found is not None:
        raise ZohoError(*found)


def _log(
    sb: Sandbox,
    db: sqlite3.Connection,
    req: Request,
    match: Match,
    status: int | None,
    credits: int,
    dropped: bool,
    in_flight: int,
) -> None:
    request_log.note_concurrency(db, in_flight)
    request_log.record(
        db,
        request_log.Entry(
            sb.now(),
            req.method,
            match.route.full_template,
            req.path,
            status,
            credits,
            match.route.write,
            dropped,
        ),
    )


def _finish(
    sb: Sandbox,
    req: Request,
    match: Match,
    reply: Reply | None,
    in_flight: int = 0,
    injected: bool = False,
) -> Outcome:
    """Log a call that never reached its handler; `reply=None` drops the connection."""
    with sb.store.transaction() as db:
        _log(
            sb, db, req, match, None if reply is None else reply.status, 0, reply is None, in_flight
        )
    return Outcome(reply or Reply(500), drop=reply is None, injected=injected)


def _token(sb: Sandbox, req: Request, path: str) -> Outcome:
    fault = sb.faults.pick(req.method, (path,), counted=False, write=False)
    if fault is not None and not (fault.drop and fault.after_write):
        return Outcome(_fault_reply(fault) or Reply(500), drop=fault.drop, injected=not fault.drop)
    params = token_params(req.query, req.body, req.headers.get("content-type", ""))
    with sb.store.transaction() as db:
        if req.method != "POST":
            reply = Reply(400, {"error": "invalid_request"})
        elif TOKEN_PATHS[path] == "revoke":
            reply = revoke(db, params)
        else:
            reply = token_grant(db, params, sb.now(), sb.settings.token_lifetime_s, req.base_url)
        request_log.record(
            db,
            request_log.Entry(
                sb.now(), req.method, path, path, reply.status, 0, False, fault is not None
            ),
        )
    return Outcome(reply, drop=fault is not None)


def _download(sb: Sandbox, req: Request, path: str) -> Outcome:
    """An export job's file (audit_download.py): a ZohoFiles call, so it costs no CRM credit."""
    fault = sb.faults.pick(req.method, (audit_download.TEMPLATE, path), True, False)
    injected = _fault_reply(fault)
    with sb.store.transaction() as db:
        if injected is not None:
            reply = injected
        elif req.method != "GET":
            reply = invalid_method().reply()
        else:
            reply = _file(sb, db, req, path)
        request_log.record(
            db,
            request_log.Entry(
                sb.now(), req.method, audit_download.TEMPLATE, path, reply.status, 0, False
            ),
        )
    return Outcome(reply, drop=fault is not None and fault.drop, injected=injected is not None)


def _file(sb: Sandbox, db: sqlite3.Connection, req: Request, path: str) -> Reply:
    try:
        principal = authenticate(db, req.headers.get("authorization"), sb.now())
        if not allowed(principal.scopes, audit_download.SCOPES, {}):
            raise scope_mismatch()
    except ZohoError as error:
        return error.reply()
    return audit_download.download(db, sb.settings, sb.now(), path)
