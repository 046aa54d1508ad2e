"""Territory deletion (REFERENCE §3.6) and transfer-and-delete (§3.7).

A plain delete refuses the root and any territory with children; its users and record
assignments go with it. Transfer-and-delete moves the children and the record assignments
to `transfer_to_id` first; user associations are dropped (users stay in other territories)."""

from __future__ import annotations

from typing import Any

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
    invalid_path_id,
    required_param,
    success_item,
)
from reconciler.sandbox.routing import Feature, Route, scopes
from reconciler.sandbox.territory_fields import CYCLE, territory_object
from reconciler.sandbox.users import too_many_ids

REMOVED = "Given Territory Removed Successfully"
TRANSFERRED = "Territory Transferred And Deleted Successfully"
HAS_CHILD = "Territory can't be deleted as it's having child"
ROOT = "Org Territory cannot be deleted"
NEEDS_TARGET = "This territory has its child. Please Give the transfer_to_id field value"


def delete_territories(call: Call) -> Reply:
    ids = split_ids(call.query.get("ids", ""))
    if not ids:
        raise required_param("ids", "mandatory param missing")
    if len(ids) > call.settings.delete_batch_limit:
        raise too_many_ids()
    _check_forecasts_param(call)
    results = [each(_delete_one, call, ident) for ident in ids]
    return batch("territories", results, 200, call.settings.mixed_batch_status)


def _check_forecasts_param(call: Call) -> None:
    if call.query.get("delete_previous_forecasts", "false").lower() not in ("true", "false"):
        raise ZohoError(
            400,
            "INVALID_DATA",
            "invalid data",
            {"expected_data_type": "boolean", "param_name": "delete_previous_forecasts"},
        )


def _delete_one(call: Call, raw: str) -> JsonObj:
    row = tdb.find(call.db, as_id(raw))
    if row is None:
        raise ItemError(error_item("INVALID_DATA", "Invalid Territory Id", {"id": raw}))
    if row["parent_id"] is None:
        raise ItemError(error_item("NOT_ALLOWED", ROOT, {"id": raw}))
    if tdb.has_children(call.db, row["id"]):
        raise ItemError(error_item("NOT_ALLOWED", HAS_CHILD, {"id": raw}))
    tdb.delete(call.db, row["id"])
    return success_item(REMOVED, {"id": row["id"]})


def delete_territory(call: Call) -> Reply:
    row = tdb.find(call.db, as_id(call.params["id"]))
    if row is None:
        raise invalid_path_id(2, "Invalid Territory Id")
    if row["parent_id"] is None:
        raise ZohoError(400, "NOT_ALLOWED", ROOT, {"resource_path_index": 2})
    if tdb.has_children(call.db, row["id"]):
        raise ZohoError(400, "NOT_ALLOWED", HAS_CHILD, {"resource_path_index": 2})
    _check_forecasts_param(call)
    tdb.delete(call.db, row["id"])
    return batch("territories", [success_item(REMOVED, {"id": row["id"]})], 200, 400)


def transfer_territories(call: Call) -> Reply:
    items = call.items("territories", call.settings.transfer_batch_limit)
    results = [each(_transfer, call, item, i, None) for i, item in enumerate(items)]
    return batch("territories", results, 200, call.settings.mixed_batch_status)


def transfer_territory(call: Call) -> Reply:
    path_id = as_id(call.params["id"])
    if tdb.find(call.db, path_id) is None:
        raise invalid_path_id(2, "Invalid Territory Id")
    items = call.items("territories", 1)
    result = each(_transfer, call, items[0], 0, path_id)
    return batch("territories", [result], 200, 400)


def _transfer(call: Call, item: Any, index: int, path_id: str | None) -> JsonObj:
    def fail(code: str, message: str, name: str, **extra: Any) -> ItemError:
        return ItemError(
            field_error(code, message, name, item_path("territories", index, name), **extra)
        )

    item = territory_object(item, index)
    row = _transfer_source(call, item, index, path_id)
    if item.get("delete_previous_forecasts") not in (None, True, False):
        raise fail(
            "INVALID_DATA",
            "invalid data",
            "delete_previous_forecasts",
            expected_data_type="boolean",
        )
    target = _transfer_target(call, item, index, row, path_id)
    if target is not None:
        _move_to(call, row["id"], target)
    tdb.delete(call.db, row["id"])
    return success_item(TRANSFERRED, {"id": row["id"]})


def _transfer_source(call: Call, item: JsonObj, index: int, path_id: str | None) -> Any:
    at = item_path("territories", index, "id")
    if path_id is None and "id" not in item:
        raise ItemError(field_error("MANDATORY_NOT_FOUND", "required field not found", "id", at))
    ident = path_id if path_id is not None and "id" not in item else as_id(item.get("id"))
    row = tdb.find(call.db, ident)
    if row is None or (path_id is not None and ident != path_id):
        raise ItemError(field_error("INVALID_DATA", "Given Territoryid isn't valid one", "id", at))
    if row["parent_id"] is None:
        raise ItemError(error_item("NOT_ALLOWED", ROOT, {"id": row["id"]}))
    return row


def _transfer_target(
    call: Call, item: JsonObj, index: int, row: Any, path_id: str | None
) -> str | None:
    at = item_path("territories", index, "transfer_to_id")
    if item.get("transfer_to_id") is None:
        if not tdb.has_children(call.db, row["id"]):
            return None  # OAS2: without a target the records are simply unassigned
        dependee = (
            {"resource_path_index": 2}
            if path_id is not None
            else {"api_name": "id", "json_path": item_path("territories", index, "id")}
        )
        raise ItemError(
            field_error(
                "DEPENDENT_FIELD_MISSING", NEEDS_TARGET, "transfer_to_id", at, dependee=dependee
            )
        )
    target = tdb.find(call.db, as_id(item["transfer_to_id"]))
    if target is None:
        raise ItemError(
            field_error(
                "INVALID_DATA", "Given transfer_to_id isn't valid one", "transfer_to_id", at
            )
        )
    if target["id"] == row["id"]:
        raise ItemError(
            field_error(
                "INVALID_DATA",
                "Territory id and Transfer_to_id are same.Please choose different transfer_to_id",
                "transfer_to_id",
                at,
            )
        )
    if tdb.is_in_subtree(call.db, target["id"], row["id"]):
        raise ItemError(field_error("NOT_ALLOWED", CYCLE, "transfer_to_id", at))
    return str(target["id"])


def _move_to(call: Call, source: str, target: str) -> None:
    """Children and record assignments follow the transfer; duplicates collapse."""
    call.db.execute(
        "UPDATE territories SET parent_id = ?, modified_time = ?, modified_by = ? "
        "WHERE parent_id = ?",
        (target, call.now, call.user_id, source),
    )
    call.db.execute(
        "INSERT OR IGNORE INTO record_territories SELECT module, record_id, ?, seq, assigned, "
        "assigned_by, assigned_time FROM record_territories WHERE territory_id = ?",
        (target, source),
    )


DELETE = scopes("ZohoCRM.settings.territories.DELETE")
ROUTES = [
    Route("DELETE", "/settings/territories", delete_territories, DELETE, True, Feature.TERRITORIES),
    Route(
        "DELETE", "/settings/territories/{id}", delete_territory, DELETE, True, Feature.TERRITORIES
    ),
    Route(
        "POST",
        "/settings/territories/actions/transfer_and_delete",
        transfer_territories,
        DELETE,
        True,
        Feature.TERRITORIES,
    ),
    Route(
        "POST",
        "/settings/territories/{id}/actions/transfer_and_delete",
        transfer_territory,
        DELETE,
        True,
        Feature.TERRITORIES,
    ),
]
