"""The org directory's reads: roles, user groups (and their sources), profiles and the org
itself (REFERENCE §7.2-§7.5). Role, group and user writes are in role_writes, group_writes
and user_writes; group reads first finish the scheduled group deletions that are due."""

from __future__ import annotations

import sqlite3

from reconciler.sandbox.call import Call, as_id, split_ids
from reconciler.sandbox.clock import iso
from reconciler.sandbox.group_writes import settle
from reconciler.sandbox.replies import (
    JsonObj,
    Reply,
    ZohoError,
    info,
    invalid_path_id,
    listing,
    no_content,
)
from reconciler.sandbox.routing import Route, scopes
from reconciler.sandbox.store import fetch_one, get_meta
from reconciler.sandbox.users import admin_ref, user_name

SOURCE_TYPES = ("users", "roles", "groups", "territories")


def created_at(db: sqlite3.Connection) -> str:
    return iso(float(get_meta(db, "created_at") or "0"))


def role_json(db: sqlite3.Connection, row: sqlite3.Row) -> JsonObj:
    parent = db.execute("SELECT id, name FROM roles WHERE id = ?", (row["parent_id"],)).fetchone()
    admin, when = admin_ref(db), created_at(db)
    return {
        "id": row["id"],
        "name": row["name"],
        "display_label": row["name"],
        "reporting_to": None if parent is None else {"id": parent["id"], "name": parent["name"]},
        "share_with_peers": bool(row["share_with_peers"]),
        "description": row["description"],
        "forecast_manager": None,
        "created_by__s": admin,
        "modified_by__s": admin,
        "created_time__s": when,
        "modified_time__s": when,
    }


def list_roles(call: Call) -> Reply:
    rows = call.db.execute("SELECT * FROM roles ORDER BY seq").fetchall()
    return Reply(200, {"roles": [role_json(call.db, row) for row in rows]})


def get_role(call: Call) -> Reply:
    row = call.db.execute("SELECT * FROM roles WHERE id = ?", (call.params["role"],)).fetchone()
    return no_content() if row is None else Reply(200, {"roles": [role_json(call.db, row)]})


def group_json(db: sqlite3.Connection, row: sqlite3.Row, counts: bool) -> JsonObj:
    admin, when = admin_ref(db), iso(row["created_time"])
    body: JsonObj = {
        "id": row["id"],
        "name": row["name"],
        "description": row["description"],
        "created_by": admin,
        "modified_by": admin,
        "created_time": when,
        "modified_time": when,
    }
    if counts:
        rows = db.execute(
            "SELECT type, COUNT(*) AS n FROM group_sources WHERE group_id = ? GROUP BY type",
            (row["id"],),
        ).fetchall()
        body["sources_count"] = {r["type"]: r["n"] for r in rows}
    return body


def list_groups(call: Call) -> Reply:
    settle(call.db, call.now)
    page, per_page = call.page(200, 200)
    where, args = ["1"], []
    if call.query.get("name"):
        where.append("name = ? COLLATE NOCASE")
        args.append(call.query["name"])
    if call.query.get("ids"):
        ids = split_ids(call.query["ids"])
        where.append("id IN (" + ",".join("?" * len(ids)) + ")")
        args += ids
    rows = call.db.execute(
        f"SELECT * FROM groups WHERE {' AND '.join(where)} ORDER BY seq LIMIT ? OFFSET ?",
        (*args, per_page + 1, (page - 1) * per_page),
    ).fetchall()
    counts = call.query.get("include") == "sources_count"
    body = [group_json(call.db, row, counts) for row in rows[:per_page]]
    return listing("user_groups", body, page, per_page, len(rows) > per_page)


def _group(call: Call) -> sqlite3.Row | None:
    settle(call.db, call.now)
    ident = as_id(call.params["group"])
    if ident is None:
        raise invalid_path_id(2, "The provided group ID is invalid.")
    return fetch_one(call.db, "SELECT * FROM groups WHERE id = ?", (ident,))


def get_group(call: Call) -> Reply:
    row = _group(call)
    if row is None:
        return no_content()
    counts = call.query.get("include") == "sources_count"
    return Reply(
        200, {"user_groups": [group_json(call.db, row, counts)], "info": info(1, 200, 1, False)}
    )


def group_sources(call: Call) -> Reply:
    row = _group(call)
    if row is None:
        raise invalid_path_id(2, "The provided group ID is invalid.")
    kind = call.query.get("type")
    if kind is not None and kind not in SOURCE_TYPES:
        raise ZohoError(
            400,
            "PATTERN_NOT_MATCHED",
            "invalid data",
            {"regex": "|".join(SOURCE_TYPES), "param_name": "type"},
        )
    page, per_page = call.page(200, 200)
    rows = call.db.execute(
        "SELECT * FROM group_sources WHERE group_id = ? AND (? IS NULL OR type = ?) "
        "ORDER BY seq LIMIT ? OFFSET ?",
        (row["id"], kind, kind, per_page + 1, (page - 1) * per_page),
    ).fetchall()
    body = [source_json(call.db, src) for src in rows[:per_page]]
    return listing("sources", body, page, per_page, len(rows) > per_page)


def source_json(db: sqlite3.Connection, src: sqlite3.Row) -> JsonObj:
    kind, ident = src["type"], src["source_id"]
    if kind == "users":
        name = user_name(db, ident)
    else:
        table = {"roles": "roles", "territories": "territories", "groups": "groups"}[kind]
        found = db.execute(f"SELECT name FROM {table} WHERE id = ?", (ident,)).fetchone()
        name = "" if found is None else found["name"]
    body: JsonObj = {"source": {"id": ident, "name": name}, "type": kind}
    if kind == "roles":
        body["subordinates"] = bool(src["subordinates"])
    if kind == "territories":
        body["sub_territories"] = bool(src["subordinates"])
    return body


def profile_json(db: sqlite3.Connection, row: sqlite3.Row) -> JsonObj:
    admin, when = admin_ref(db), created_at(db)
    body: JsonObj = {
        "id": row["id"],
        "name": row["name"],
        "display_label": row["name"],
        "description": row["description"] or "",  # profiles.json: a string, never null
        "default": not row["custom"],
        "custom": bool(row["custom"]),
        "type": "normal_profile",
        "category": False,
        "permission_type": "crm_admin" if row["admin"] else "crm_standard",
        "created_by": admin,
        "modified_by": admin,
        "created_time": when,
        "modified_time": when,
        # The sandbox models no profile permissions; the keys are there, empty.
        "permissions_details": [],
        "sections": [],
    }
    return body


def list_profiles(call: Call) -> Reply:
    rows = call.db.execute("SELECT * FROM profiles ORDER BY seq").fetchall()
    return Reply(200, {"profiles": [profile_json(call.db, row) for row in rows]})


def get_profile(call: Call) -> Reply:
    row = call.db.execute(
        "SELECT * FROM profiles WHERE id = ?", (call.params["profile"],)
    ).fetchone()
    return no_content() if row is None else Reply(200, {"profiles": [profile_json(call.db, row)]})


ROUTES = [
    Route("GET", "/settings/roles", list_roles, scopes("ZohoCRM.settings.roles.READ")),
    Route("GET", "/settings/roles/{role}", get_role, scopes("ZohoCRM.settings.roles.READ")),
    Route("GET", "/settings/user_groups", list_groups, scopes("ZohoCRM.settings.user_groups.READ")),
    Route(
        "GET",
        "/settings/user_groups/{group}",
        get_group,
        scopes("ZohoCRM.settings.user_groups.READ"),
    ),
    Route(
        "GET",
        "/settings/user_groups/{group}/sources",
        group_sources,
        scopes("ZohoCRM.settings.user_groups.READ"),
    ),
    Route("GET", "/settings/profiles", list_profiles, scopes("ZohoCRM.settings.profiles.READ")),
    Route(
        "GET", "/settings/profiles/{profile}", get_profile, scopes("ZohoCRM.settings.profiles.READ")
    ),
]
