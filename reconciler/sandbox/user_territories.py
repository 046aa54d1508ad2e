"""User-centric membership, `/users/{user}/territories` (REFERENCE §4.2). Its territory JSON
uses capitalised keys (`Name`, `Manager`, `Reporting_To`), unlike `/settings/territories`."""

from __future__ import annotations

import re
import sqlite3
from typing import Any

from reconciler.sandbox import membership_rules as rules
from reconciler.sandbox import territory_db as tdb
from reconciler.sandbox.call import Call, as_id, field_error, item_path, split_ids
from reconciler.sandbox.replies import (
    ItemError,
    JsonObj,
    Reply,
    ZohoError,
    batch,
    each,
    invalid_path_id,
    listing,
    no_content,
    required_param,
    success_item,
)
from reconciler.sandbox.routing import Feature, Route, scopes
from reconciler.sandbox.users import find_user, user_name

ASSOCIATED = "Territory associated to the user successfully"
REMOVED = "Territory removed from the user successfully"
DUPLICATE = "Territory already associated with the user"
BAD_TERRITORY = "Invalid Territory Id"
NOT_ASSOCIATED = "Territory not associated with the user"
IDS_PATTERN = re.compile(r"[0-9]+(,[0-9]+)*")
IDS_MAX_CHARS = 2000


def _user(call: Call) -> sqlite3.Row:
    row = find_user(call.db, as_id(call.params["user"]))
    if row is None:
        raise invalid_path_id(1, "the related id given seems to be invalid")
    return row


def _path_territory(call: Call) -> sqlite3.Row:
    row = tdb.find(call.db, as_id(call.params["territory"]))
    if row is None:
        raise invalid_path_id(3, BAD_TERRITORY)
    return row


def territory_json(db: sqlite3.Connection, row: sqlite3.Row) -> JsonObj:
    manager = row["manager_id"]
    parent = tdb.find(db, row["parent_id"])
    return {
        "id": row["id"],
        "Name": row["name"],
        "Manager": {} if manager is None else {"id": manager, "Name": user_name(db, manager)},
        "Reporting_To": None if parent is None else {"id": parent["id"], "Name": parent["name"]},
    }


def list_user_territories(call: Call) -> Reply:
    user = _user(call)
    page, per_page = call.page(200, 200)
    rows = call.db.execute(
        "SELECT t.* FROM territories t JOIN territory_users m ON m.territory_id = t.id "
        "WHERE m.user_id = ? ORDER BY m.seq LIMIT ? OFFSET ?",
        (user["id"], per_page + 1, (page - 1) * per_page),
    ).fetchall()
    body = [territory_json(call.db, row) for row in rows[:per_page]]
    return listing("territories", body, page, per_page, len(rows) > per_page)


def get_user_territory(call: Call) -> Reply:
    user, territory = _user(call), _path_territory(call)
    if not rules.is_member(call.db, territory["id"], user["id"]):
        return no_content()
    return listing("territories", [territory_json(call.db, territory)], 1, 200, False)


def add_territories(call: Call) -> Reply:
    user = _user(call)
    if user["id"] == call.user_id:
        raise ZohoError(403, "NOT_ALLOWED", "Logged in user can't update their territories")
    limit = call.settings.user_territories_batch_limit
    overflow = ZohoError(
        400,
        "LIMIT_EXCEEDED",
        "the territories limit exceeded for a request",
        {"api_name": "territories", "json_path": "$.territories", "limit": limit},
    )
    items = call.items("territories", limit, overflow)
    results = [each(_add_item, call, user, item, i) for i, item in enumerate(items)]
    return batch("territories", results, 200, call.settings.mixed_batch_status)


def _add_item(call: Call, user: sqlite3.Row, item: Any, index: int) -> JsonObj:
    at = item_path("territories", index, "id")
    # OAS2 allows only INVALID_DATA, DUPLICATE_DATA and PERMISSION_DENIED per item here,
    # so a missing id is reported as an invalid one.
    territory = tdb.find(call.db, as_id(item.get("id"))) if isinstance(item, dict) else None
    if territory is None:
        raise ItemError(field_error("INVALID_DATA", BAD_TERRITORY, "id", at))
    refused = rules.refusal(call.db, call.settings, territory["id"], user, DUPLICATE)
    if refused is not None:
        extra = {k: v for k, v in refused.extra.items() if k == "limit"}
        raise ItemError(field_error(refused.code, refused.message, "id", at, **extra))
    rules.add(call.db, territory["id"], user["id"])
    return success_item(ASSOCIATED, {"id": territory["id"]})


def remove_territories(call: Call) -> Reply:
    user = _user(call)
    raw = call.query.get("ids", "")
    if not raw:
        raise required_param("ids", "mandatory param missing")
    ids = split_ids(raw)
    if not IDS_PATTERN.fullmatch(raw.replace(" ", "")) or len(raw) > IDS_MAX_CHARS:
        raise ZohoError(400, "INVALID_DATA", "invalid data", {"param_name": "ids"})
    if len(ids) > call.settings.ids_limit:
        raise ZohoError(
            400,
            "LIMIT_EXCEEDED",
            "the territories limit exceeded for a request",
            {"param_name": "ids", "limit": call.settings.ids_limit},
        )
    results = [each(_remove_one, call, user, ident, i) for i, ident in enumerate(ids)]
    return batch("territories", results, 200, call.settings.mixed_batch_status)


def _remove_one(call: Call, user: sqlite3.Row, raw: str, index: int) -> JsonObj:
    at = item_path("territories", index, "id")
    territory = tdb.find(call.db, as_id(raw))
    if territory is None:
        raise ItemError(field_error("INVALID_DATA", BAD_TERRITORY, "id", at))
    if not rules.is_member(call.db, territory["id"], user["id"]):
        raise ItemError(field_error("INVALID_DATA", NOT_ASSOCIATED, "id", at))
    rules.remove(call.db, territory["id"], user["id"])
    return success_item(REMOVED, {"id": territory["id"]})


def remove_territory(call: Call) -> Reply:
    user, territory = _user(call), _path_territory(call)
    if not rules.is_member(call.db, territory["id"], user["id"]):
        raise invalid_path_id(3, NOT_ASSOCIATED)
    rules.remove(call.db, territory["id"], user["id"])
    return batch("territories", [success_item(REMOVED, {"id": territory["id"]})], 200, 400)


READ = scopes("ZohoCRM.settings.territories.READ+ZohoCRM.users.READ")
UPDATE = scopes("ZohoCRM.settings.territories.UPDATE", "ZohoCRM.users.UPDATE")
DELETE = scopes("ZohoCRM.settings.territories.DELETE", "ZohoCRM.users.DELETE")
BASE = "/users/{user}/territories"
ROUTES = [
    Route("GET", BASE, list_user_territories, READ, feature=Feature.TERRITORY_USERS),
    Route("GET", BASE + "/{territory}", get_user_territory, READ, feature=Feature.TERRITORY_USERS),
    Route("PUT", BASE, add_territories, UPDATE, True, Feature.TERRITORY_USERS),
    Route("DELETE", BASE, remove_territories, DELETE, True, Feature.TERRITORY_USERS),
    Route("DELETE", BASE + "/{territory}", remove_territory, DELETE, True, Feature.TERRITORY_USERS),
]
