"""User updates, for the two fields the sandbox models: `role` and `profile` (REFERENCE §7.1;
users.yaml `PUT /users`, up to `users_batch_limit` users, and `PUT /users/{user}`). Any other
field is refused as invalid data rather than silently dropped, so a client never believes it
changed something the sandbox does not keep. A role change moves the user in the hierarchy,
so every module with sharing rules recomputes."""

from __future__ import annotations

import sqlite3
from typing import Any

from reconciler.sandbox import recompute
from reconciler.sandbox.call import Call, as_id, field_error, id_ref, item_path
from reconciler.sandbox.replies import (
    ItemError,
    JsonObj,
    Reply,
    batch,
    each,
    error_item,
    invalid_path_id,
    success_item,
)
from reconciler.sandbox.routing import Route, scopes
from reconciler.sandbox.store import fetch_one

UPDATED = "User updated"
BAD_ID = "the id given seems to be invalid"
BAD_ROLE = "invalid id in reporting to or roles provided"
WRITABLE = ("id", "role", "profile")
COLUMNS = {"role": ("role_id", "roles"), "profile": ("profile_id", "profiles")}


def _fail(index: int, message: str, field: str) -> ItemError:
    return ItemError(field_error("INVALID_DATA", message, field, item_path("users", index, field)))


def update_users(call: Call) -> Reply:
    items = call.items("users", call.settings.users_batch_limit)
    results = [each(_update, call, raw, index, None) for index, raw in enumerate(items)]
    return batch("users", results, 200, call.settings.mixed_batch_status)


def update_user(call: Call) -> Reply:
    path_id = as_id(call.params["user"])
    if _find(call.db, path_id) is None:
        raise invalid_path_id(1, BAD_ID)
    result = each(_update, call, call.items("users", 1)[0], 0, path_id)
    return batch("users", [result], 200, call.settings.mixed_batch_status)


def _find(db: sqlite3.Connection, ident: str | None) -> sqlite3.Row | None:
    return fetch_one(db, "SELECT * FROM users WHERE id = ?", (ident,))


def _update(call: Call, raw: Any, index: int, path_id: str | None) -> JsonObj:
    if not isinstance(raw, dict):
        raise ItemError(field_error("INVALID_DATA", "invalid data", "users", f"$.users[{index}]"))
    user = _target(call.db, raw, index, path_id)
    if user["status"] == "deleted":
        raise ItemError(error_item("CANNOT_UPDATE_DELETED_USER", "Deleted user cannot be updated"))
    for key in raw:
        if key not in WRITABLE:
            raise _fail(index, "invalid data", key)
    changes = {
        COLUMNS[key][0]: _reference(call.db, raw[key], index, key) for key in COLUMNS if key in raw
    }
    if changes:
        sets = ", ".join(f"{column} = :{column}" for column in changes)
        call.db.execute(
            f"UPDATE users SET {sets}, modified_time = :now WHERE id = :id",
            {**changes, "now": call.now, "id": user["id"]},
        )
    if changes.get("role_id", user["role_id"]) != user["role_id"]:
        recompute.start_all(call.db, call.now, call.settings.rule_recompute_s)
    return success_item(UPDATED, {"id": user["id"]})


def _target(
    db: sqlite3.Connection, raw: dict[str, Any], index: int, path_id: str | None
) -> sqlite3.Row:
    if "id" not in raw and path_id is None:
        path = item_path("users", index, "id")
        raise ItemError(field_error("MANDATORY_NOT_FOUND", "required field not found", "id", path))
    ident = as_id(raw["id"]) if "id" in raw else path_id
    user = _find(db, ident)
    if user is None or (path_id is not None and ident != path_id):
        raise _fail(index, BAD_ID, "id")
    return user


def _reference(db: sqlite3.Connection, value: Any, index: int, key: str) -> str:
    well_formed, ident = id_ref(value)
    table = COLUMNS[key][1]
    found = fetch_one(db, f"SELECT id FROM {table} WHERE id = ?", (ident,)) if ident else None
    if not well_formed or found is None:
        raise _fail(index, BAD_ROLE if key == "role" else "invalid data", key)
    return str(found["id"])


UPDATE = scopes("ZohoCRM.users.UPDATE")
ROUTES = [
    Route("PUT", "/users", update_users, UPDATE, True),
    Route("PUT", "/users/{user}", update_user, UPDATE, True),
]
