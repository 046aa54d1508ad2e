"""`GET /users` (with its `type` filters, `ids`, paging, `If-Modified-Since`) and
`GET /users/{id}`, plus the user JSON shared with the territory-membership endpoints."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from reconciler.sandbox.call import Call, as_id, split_ids
from reconciler.sandbox.clock import iso, parse_http_date
from reconciler.sandbox.replies import JsonObj, Reply, ZohoError, listing, no_content
from reconciler.sandbox.routing import Route, scopes
from reconciler.sandbox.store import fetch_one, get_meta

USER_SELECT = """
SELECT u.*, r.name AS role_name, r.parent_id AS role_parent, p.name AS profile_name,
       p.admin AS is_admin, b.id AS boss_id,
       TRIM(COALESCE(b.first_name, '') || ' ' || b.last_name) AS boss_name
FROM users u JOIN roles r ON r.id = u.role_id JOIN profiles p ON p.id = u.profile_id
LEFT JOIN users b ON b.id = u.reports_to
"""

# SQL conditions per `type` value (OAS2 enum); `:me` and `:role` are the caller and its role.
TYPE_FILTERS = {
    "AllUsers": "u.status != 'deleted'",
    "ActiveUsers": "u.status = 'active'",
    "AllActiveUsers": "u.status = 'active'",
    "DeactiveUsers": "u.status = 'inactive'",
    "DeletedUsers": "u.status = 'deleted'",
    "ActiveAndDeactive": "u.status IN ('active', 'inactive')",
    "ConfirmedUsers": "u.confirmed = 1 AND u.status != 'deleted'",
    "NotConfirmedUsers": "u.confirmed = 0 AND u.status != 'deleted'",
    "ActiveConfirmedUsers": "u.confirmed = 1 AND u.status = 'active'",
    "AdminUsers": "p.admin = 1 AND u.status != 'deleted'",
    "ActiveConfirmedAdmins": "p.admin = 1 AND u.confirmed = 1 AND u.status = 'active'",
    "CurrentUser": "u.id = :me",
    "DeveloperUsers": "0",
    "ActiveLiteUser": "0",
    "ChildRoleUsers": "r.parent_id = :role",
    "ParentRoleUsers": "r.id = (SELECT parent_id FROM roles WHERE id = :role)",
    "SubordinateRoleUsers": "r.id IN (WITH RECURSIVE sub(id) AS (SELECT id FROM roles "
    "WHERE parent_id = :role UNION SELECT roles.id FROM roles JOIN sub ON roles.parent_id = "
    "sub.id) SELECT id FROM sub)",
    "ConfirmedReportingUsers": "u.reports_to = :me AND u.confirmed = 1",
}


def ref(ident: str | None, name: str | None) -> JsonObj | None:
    return None if ident is None else {"id": ident, "name": name or ""}


def full_name(row: sqlite3.Row) -> str:
    return " ".join(part for part in (row["first_name"], row["last_name"]) if part)


def user_json(db: sqlite3.Connection, row: sqlite3.Row, full: bool = True) -> JsonObj:
    """A user as Zoho prints it. `full=False` is the narrower shape of the territory-users
    endpoints (OAS2 forbids `Reporting_To` and `type__s` there)."""
    creator = admin_ref(db)
    body: JsonObj = {
        "id": row["id"],
        "first_name": row["first_name"],
        "last_name": row["last_name"],
        "full_name": full_name(row),
        "email": row["email"],
        "status": row["status"],
        "confirm": bool(row["confirmed"]),
        "category": "regular_user",
        "zuid": row["zuid"],
        "role": {"id": row["role_id"], "name": row["role_name"]},
        "profile": {"id": row["profile_id"], "name": row["profile_name"]},
        "language": "en_US",
        "locale": "en_US",
        "time_zone": org_setting(db, "time_zone"),
        "created_by": creator,
        "created_time": iso(row["created_time"]),
        "Modified_By": creator,
        "Modified_Time": iso(row["modified_time"]),
    }
    if full:
        body["Reporting_To"] = ref(row["boss_id"], row["boss_name"])
        body["type__s"] = "Regular User"
    return body


def org_setting(db: sqlite3.Connection, key: str) -> Any:
    return json.loads(get_meta(db, "org") or "{}").get(key)


def admin_ref(db: sqlite3.Connection) -> JsonObj:
    admin = get_meta(db, "admin_user") or ""
    return {"id": admin, "name": user_name(db, admin)}


def user_name(db: sqlite3.Connection, user_id: str | None) -> str:
    row = db.execute("SELECT first_name, last_name FROM users WHERE id = ?", (user_id,)).fetchone()
    return "" if row is None else full_name(row)


def find_user(db: sqlite3.Connection, user_id: str | None) -> sqlite3.Row | None:
    if user_id is None:
        return None
    return fetch_one(db, USER_SELECT + " WHERE u.id = ?", (user_id,))


def list_users(call: Call) -> Reply:
    where, args = _filters(call)
    page, per_page = call.page(200, 200)
    rows = call.db.execute(
        f"{USER_SELECT} WHERE {where} ORDER BY u.seq LIMIT :limit OFFSET :offset",
        {**args, "limit": per_page + 1, "offset": (page - 1) * per_page},
    ).fetchall()
    if _not_modified(call, where, args):
        return Reply(304)
    body = [user_json(call.db, row) for row in rows[:per_page]]
    return listing("users", body, page, per_page, len(rows) > per_page)


def _filters(call: Call) -> tuple[str, dict[str, Any]]:
    kind = call.query.get("type") or "AllUsers"
    if kind not in TYPE_FILTERS:
        raise ZohoError(400, "INVALID_DATA", "the given value is invalid", {"param_name": "type"})
    me = find_user(call.db, call.user_id)
    args: dict[str, Any] = {"me": call.user_id, "role": me["role_id"] if me else None}
    where = [TYPE_FILTERS[kind]]
    if call.query.get("ids"):
        ids = split_ids(call.query["ids"])
        if len(ids) > call.settings.ids_limit:
            raise too_many_ids()
        args.update({f"id{n}": ident for n, ident in enumerate(ids)})
        where.append("u.id IN (" + ",".join(f":id{n}" for n in range(len(ids))) + ")")
    if call.query.get("role_id"):
        args["role_id"] = call.query["role_id"]
        where.append("u.role_id = :role_id")
    return " AND ".join(f"({w})" for w in where), args


def _not_modified(call: Call, where: str, args: dict[str, Any]) -> bool:
    since = parse_http_date(call.headers.get("if-modified-since", ""))
    if since is None:
        return False
    row = call.db.execute(
        f"SELECT MAX(u.modified_time) AS m FROM users u JOIN roles r ON "
        f"r.id = u.role_id JOIN profiles p ON p.id = u.profile_id WHERE {where}",
        args,
    ).fetchone()
    return row["m"] is None or float(row["m"]) <= since


def too_many_ids() -> ZohoError:
    message = (
        "unable to process your request. please verify whether you have entered proper "
        "method name, parameter and parameter values."
    )
    return ZohoError(400, "INVALID_REQUEST", message)


def get_user(call: Call) -> Reply:
    row = find_user(call.db, as_id(call.params["user"]))
    if row is None:
        return no_content()
    return Reply(200, {"users": [user_json(call.db, row)]})


ROUTES = [
    Route("GET", "/users", list_users, scopes("ZohoCRM.users.READ")),
    Route("GET", "/users/{user}", get_user, scopes("ZohoCRM.users.READ")),
]
