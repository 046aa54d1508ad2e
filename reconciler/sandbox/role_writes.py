"""Role create, update (by id) and transfer-and-delete (REFERENCE §7.2; roles.yaml): one role
per call, as roles.yaml's `maxItems: 1` says. A change to the hierarchy (a move, a deletion)
starts the sharing recomputation of every module with rules (recompute.start_all).

Choices where the sources are silent (docs/sandbox.md, Roles): deleting a role moves its users
and its child roles to the transfer role; the transfer role may not be the role itself or one
of its subordinates; the root role (no `reporting_to`) cannot be moved or deleted; a role still
named by a sharing rule or a group source cannot be deleted."""

from __future__ import annotations

import sqlite3
from typing import Any

from reconciler.sandbox import recompute
from reconciler.sandbox.call import Call, as_id, field_error, id_ref, item_path
from reconciler.sandbox.replies import (
    ItemError,
    JsonObj,
    Reply,
    ZohoError,
    batch,
    each,
    invalid_path_id,
    required_param,
    success_item,
)
from reconciler.sandbox.routing import Route, scopes
from reconciler.sandbox.store import fetch_one, new_id, next_seq

NAME_MAX, DESCRIPTION_MAX = 200, 250
ADDED, UPDATED, DELETED = "Role added", "Role updated", "Role Deleted"
BAD_ID = "the id given seems to be invalid"


def _fail(code: str, message: str, field: str, **extra: Any) -> ItemError:
    return ItemError(field_error(code, message, field, item_path("roles", 0, field), **extra))


def _missing(field: str) -> ZohoError:
    details = {"api_name": field}
    return ZohoError(400, "MANDATORY_PARAM_MISSING", "Required parameter is missing", details)


def find_role(db: sqlite3.Connection, ident: str | None) -> sqlite3.Row | None:
    return fetch_one(db, "SELECT * FROM roles WHERE id = ?", (ident,))


def subtree(db: sqlite3.Connection, ident: str) -> set[str]:
    """`ident` and every role below it."""
    rows = db.execute(
        "WITH RECURSIVE sub(id) AS (SELECT ? UNION SELECT roles.id FROM roles "
        "JOIN sub ON roles.parent_id = sub.id) SELECT id FROM sub",
        (ident,),
    ).fetchall()
    return {row["id"] for row in rows}


class RoleItem:
    """One `roles[0]` object read into columns; `current` is the role an update changes."""

    def __init__(self, db: sqlite3.Connection, item: Any, current: sqlite3.Row | None) -> None:
        if not isinstance(item, dict):
            raise ItemError(field_error("INVALID_DATA", "invalid data", "roles", "$.roles[0]"))
        self.db, self.item, self.current = db, item, current

    def columns(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if "name" in self.item:
            out["name"] = self._name(self.item["name"])
        if "reporting_to" in self.item:
            out["parent_id"] = self._parent(self.item["reporting_to"])
        if "description" in self.item:
            out["description"] = self._description(self.item["description"])
        if "share_with_peers" in self.item:
            out["share_with_peers"] = self._peers(self.item["share_with_peers"])
        return out

    def _name(self, value: Any) -> str:
        if not isinstance(value, str) or not value.strip() or len(value) > NAME_MAX:
            raise _fail("INVALID_DATA", "Invalid role name", "name", maximum_length=NAME_MAX)
        name = value.strip()
        clash = fetch_one(
            self.db,
            "SELECT id FROM roles WHERE TRIM(name) = ? COLLATE NOCASE AND id IS NOT ?",
            (name, None if self.current is None else self.current["id"]),
        )
        if clash is not None:
            raise _fail("DUPLICATE_DATA", "duplicate data", "name")
        return name

    def _parent(self, value: Any) -> str:
        well_formed, ident = id_ref(value)
        parent = find_role(self.db, ident) if well_formed else None
        if parent is None or self._is_root():
            raise _fail("INVALID_DATA", "invalid data", "reporting_to")
        if self.current is not None and parent["id"] in subtree(self.db, self.current["id"]):
            raise _fail("INVALID_DATA", "invalid data", "reporting_to")
        return str(parent["id"])

    def _is_root(self) -> bool:
        return self.current is not None and self.current["parent_id"] is None

    def _description(self, value: Any) -> str | None:
        if value is None:
            return None
        if not isinstance(value, str) or len(value) > DESCRIPTION_MAX:
            limit = DESCRIPTION_MAX
            raise _fail("INVALID_DATA", "invalid data", "description", maximum_length=limit)
        return value

    def _peers(self, value: Any) -> int:
        if value is None and self.current is None:
            return 0
        if not isinstance(value, bool):
            raise _fail("INVALID_DATA", "invalid data", "share_with_peers")
        return int(value)


def create_role(call: Call) -> Reply:
    item = call.items("roles", 1)[0]
    if isinstance(item, dict):
        for field in ("name", "reporting_to"):
            if item.get(field) is None:
                raise _missing(field)
    result = each(_create, call, item)
    return batch("roles", [result], 201, call.settings.mixed_batch_status)


def _create(call: Call, item: Any) -> JsonObj:
    columns = {
        "description": None,
        "share_with_peers": 0,
        **RoleItem(call.db, item, None).columns(),
    }
    ident = new_id(call.db)
    call.db.execute(
        "INSERT INTO roles (id, name, parent_id, description, share_with_peers, seq) "
        "VALUES (:id, :name, :parent_id, :description, :share_with_peers, :seq)",
        {**columns, "id": ident, "seq": next_seq(call.db, "roles")},
    )
    return success_item(ADDED, {"id": ident})


def _path_role(call: Call) -> sqlite3.Row:
    role = find_role(call.db, as_id(call.params["role"]))
    if role is None:
        raise invalid_path_id(2, BAD_ID)
    return role


def update_role(call: Call) -> Reply:
    role = _path_role(call)
    result = each(_update, call, role, call.items("roles", 1)[0])
    return batch("roles", [result], 200, call.settings.mixed_batch_status)


def _update(call: Call, role: sqlite3.Row, item: Any) -> JsonObj:
    columns = RoleItem(call.db, item, role).columns()
    if columns:
        sets = ", ".join(f"{key} = :{key}" for key in columns)
        call.db.execute(f"UPDATE roles SET {sets} WHERE id = :id", {**columns, "id": role["id"]})
    if _reshapes_hierarchy(role, columns):
        recompute.start_all(call.db, call.now, call.settings.rule_recompute_s)
    return success_item(UPDATED, {"id": role["id"]})


def _reshapes_hierarchy(role: sqlite3.Row, columns: dict[str, Any]) -> bool:
    keys = ("parent_id", "share_with_peers")
    return any(key in columns and columns[key] != role[key] for key in keys)


def delete_role(call: Call) -> Reply:
    role = _path_role(call)
    raw = call.query.get("transfer_to_id")
    if raw is None or raw == "":
        raise required_param("transfer_to_id")
    result = each(_delete, call, role, as_id(raw))
    return batch("roles", [result], 200, call.settings.mixed_batch_status)


def _delete(call: Call, role: sqlite3.Row, transfer_id: str | None) -> JsonObj:
    if role["parent_id"] is None:
        raise _fail("INVALID_DATA", "the root role cannot be deleted", "id")
    target = find_role(call.db, transfer_id)
    if target is None or target["id"] in subtree(call.db, role["id"]):
        raise _fail("INVALID_DATA", "invalid transferToId", "transfer_to_id")
    _refuse_if_used(call.db, role["id"])
    moved = {"old": role["id"], "new": target["id"], "now": call.now}
    call.db.execute(
        "UPDATE users SET role_id = :new, modified_time = :now WHERE role_id = :old", moved
    )
    call.db.execute("UPDATE roles SET parent_id = :new WHERE parent_id = :old", moved)
    call.db.execute("DELETE FROM roles WHERE id = ?", (role["id"],))
    recompute.start_all(call.db, call.now, call.settings.rule_recompute_s)
    return success_item(DELETED, {"id": role["id"]})


def _refuse_if_used(db: sqlite3.Connection, ident: str) -> None:
    if recompute.rules_naming(db, "roles", ident):
        raise _fail("INVALID_DATA", "the role is used in data sharing rules", "id")
    source = fetch_one(
        db, "SELECT 1 FROM group_sources WHERE type = 'roles' AND source_id = ?", (ident,)
    )
    if source is not None:
        raise _fail("INVALID_DATA", "the role is a source of user groups", "id")


ROUTES = [
    Route("POST", "/settings/roles", create_role, scopes("ZohoCRM.settings.roles.CREATE"), True),
    Route(
        "PUT", "/settings/roles/{role}", update_role, scopes("ZohoCRM.settings.roles.UPDATE"), True
    ),
    Route(
        "DELETE",
        "/settings/roles/{role}",
        delete_role,
        scopes("ZohoCRM.settings.roles.DELETE"),
        True,
    ),
]
