"""Territory-centric membership, `/settings/territories/{territory}/users` (REFERENCE §4.1).

OAS2 shows successful single-user and removal results nested one array deeper
(`{"users": [[...]]}`) and its errors flat; a mixed answer is flat. `nested_user_results`
switches the nesting off."""

from __future__ import annotations

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
    error_item,
    info,
    invalid_path_id,
    is_success,
    listing,
    no_content,
    required_param,
    success_item,
)
from reconciler.sandbox.routing import Feature, Route, scopes
from reconciler.sandbox.users import USER_SELECT, find_user, user_json

ADDED = "Given User added to the mentioned territory Successfully"
REMOVED = "Given User Removed from the mentioned territory Successfully"
DUPLICATE = "Given user id already exists for that record"
BAD_ID = "the given id given seems to be invalid"
NOT_MEMBER = "Given user is not a member of this territory."
IDS_MAX_CHARS = 500


def _territory(call: Call) -> sqlite3.Row:
    row = tdb.find(call.db, as_id(call.params["territory"]))
    if row is None:
        raise invalid_path_id(2, BAD_ID)
    return row


def _path_user(call: Call) -> sqlite3.Row:
    row = find_user(call.db, as_id(call.params["user"]))
    if row is None:
        raise invalid_path_id(4, BAD_ID)
    return row


def _results(call: Call, items: list[JsonObj]) -> Reply:
    """OAS2 nests only an all-success answer (its 200); its errors are flat, and a mixed
    207 is read item by item against those two, so a mixed answer is flat too."""
    nested = call.settings.nested_user_results and all(is_success(i) for i in items)
    return batch("users", items, 200, call.settings.mixed_batch_status, nested)


def list_members(call: Call) -> Reply:
    territory = _territory(call)
    page, per_page = call.page(100, 100)
    rows = call.db.execute(
        f"{USER_SELECT} JOIN territory_users m ON m.user_id = u.id WHERE m.territory_id = ? "
        "ORDER BY m.seq LIMIT ? OFFSET ?",
        (territory["id"], per_page + 1, (page - 1) * per_page),
    ).fetchall()
    body = [user_json(call.db, row, full=False) for row in rows[:per_page]]
    return listing("users", body, page, per_page, len(rows) > per_page)


def get_member(call: Call) -> Reply:
    territory, user = _territory(call), _path_user(call)
    if not rules.is_member(call.db, territory["id"], user["id"]):
        return no_content()
    return Reply(
        200, {"users": [user_json(call.db, user, full=False)], "info": info(1, 100, 1, False)}
    )


def add_members(call: Call) -> Reply:
    territory = _territory(call)
    items = call.items("users", call.settings.territory_users_batch_limit)
    results = [each(_add_item, call, territory, item, i) for i, item in enumerate(items)]
    # OAS2: only this bulk form answers flat; the single-user and removal forms nest.
    return batch("users", results, 200, call.settings.mixed_batch_status)


def _add_item(call: Call, territory: sqlite3.Row, item: Any, index: int) -> JsonObj:
    at = item_path("users", index, "id")
    if not isinstance(item, dict) or "id" not in item:
        raise ItemError(field_error("MANDATORY_NOT_FOUND", "required field not found", "id", at))
    user = find_user(call.db, as_id(item["id"]))
    if user is None:
        raise ItemError(field_error("INVALID_DATA", "the id given seems to be invalid", "id", at))
    refused = rules.refusal(call.db, call.settings, territory["id"], user, DUPLICATE)
    if refused is not None:
        raise ItemError(field_error(refused.code, refused.message, "id", at, **refused.extra))
    rules.add(call.db, territory["id"], user["id"])
    return success_item(ADDED, {"id": user["id"]})


def add_member(call: Call) -> Reply:
    """OAS2 reports even this form's bad URL ids per item, under `users`."""
    try:
        territory, user = _territory(call), _path_user(call)
    except ZohoError as bad:
        return _results(call, [error_item(bad.code, bad.message, bad.details)])
    refused = rules.refusal(call.db, call.settings, territory["id"], user, DUPLICATE)
    if refused is not None:
        details = {"resource_path_index": 4, **refused.extra}
        return _results(call, [error_item(refused.code, refused.message, details)])
    rules.add(call.db, territory["id"], user["id"])
    return _results(call, [success_item(ADDED, {"id": user["id"]})])


def remove_members(call: Call) -> Reply:
    territory = _territory(call)
    raw = call.query.get("ids", "")
    if not split_ids(raw):
        raise required_param("ids", "mandatory param missing")
    if len(raw) > IDS_MAX_CHARS:
        # The request-level form the user-centric removal answers for too many ids.
        raise ZohoError(
            400,
            "LIMIT_EXCEEDED",
            "the ids limit exceeded for a request",
            {"param_name": "ids", "limit": IDS_MAX_CHARS},
        )
    results = [each(_remove_one, call, territory, ident) for ident in split_ids(raw)]
    return _results(call, results)


def _remove_one(call: Call, territory: sqlite3.Row, raw: str) -> JsonObj:
    user = find_user(call.db, as_id(raw))
    if user is None:
        raise ItemError(
            error_item("INVALID_DATA", "the given user id given seems to be invalid", {"id": raw})
        )
    if not rules.is_member(call.db, territory["id"], user["id"]):
        raise ItemError(error_item("INVALID_DATA", NOT_MEMBER, {"id": raw}))
    rules.remove(call.db, territory["id"], user["id"])
    return success_item(REMOVED, {"id": user["id"]})


def remove_member(call: Call) -> Reply:
    territory, user = _territory(call), _path_user(call)
    if not rules.is_member(call.db, territory["id"], user["id"]):
        raise invalid_path_id(4, NOT_MEMBER)
    rules.remove(call.db, territory["id"], user["id"])
    return _results(call, [success_item(REMOVED, {"id": user["id"]})])


READ = scopes("ZohoCRM.settings.territories.READ+ZohoCRM.users.READ")
WRITE = scopes("ZohoCRM.settings.territories.ALL+ZohoCRM.users.ALL")
BASE = "/settings/territories/{territory}/users"
ROUTES = [
    Route("GET", BASE, list_members, READ, feature=Feature.TERRITORY_USERS),
    Route("GET", BASE + "/{user}", get_member, READ, feature=Feature.TERRITORY_USERS),
    Route("PUT", BASE, add_members, WRITE, True, Feature.TERRITORY_USERS),
    Route("PUT", BASE + "/{user}", add_member, WRITE, True, Feature.TERRITORY_USERS),
    Route("DELETE", BASE, remove_members, WRITE, True, Feature.TERRITORY_USERS),
    Route("DELETE", BASE + "/{user}", remove_member, WRITE, True, Feature.TERRITORY_USERS),
]
