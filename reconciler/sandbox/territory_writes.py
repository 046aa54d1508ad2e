"""Territory create and update (bulk and by id). Items are processed one by one in input
order; each succeeds or fails on its own (REFERENCE §12)."""

from __future__ import annotations

from typing import Any

from reconciler.sandbox import territory_db as tdb
from reconciler.sandbox.call import Call, as_id, field_error, item_path
from reconciler.sandbox.replies import (
    ItemError,
    JsonObj,
    Reply,
    batch,
    each,
    invalid_path_id,
    success_item,
)
from reconciler.sandbox.routing import Feature, Route, scopes
from reconciler.sandbox.store import new_id, next_seq
from reconciler.sandbox.territory_fields import TerritoryItem, territory_object
from reconciler.sandbox.territory_names import api_name_for, name_key

CREATED = "Territory Created Successfully"
UPDATED = "Territory Updated Successfully"


def _same_request_duplicate(item: JsonObj, index: int, seen: set[str]) -> None:
    """A name repeated inside one request is reported as such, not as an existing clash."""
    name = item.get("name")
    if isinstance(name, str) and name.strip():
        if name_key(name) in seen:
            raise ItemError(
                field_error(
                    "DUPLICATE_DATA",
                    "Duplicate Territory Name Found",
                    "name",
                    item_path("territories", index, "name"),
                )
            )
        seen.add(name_key(name))


def create_territories(call: Call) -> Reply:
    items = call.items("territories", call.settings.territory_batch_limit)
    seen: set[str] = set()
    results = [each(_create, call, item, i, seen) for i, item in enumerate(items)]
    return batch("territories", results, 201, call.settings.mixed_batch_status)


def _create(call: Call, raw: Any, index: int, seen: set[str]) -> JsonObj:
    item = territory_object(raw, index)
    _same_request_duplicate(item, index, seen)
    columns = TerritoryItem(call.db, item, index).columns()
    if tdb.count(call.db) >= call.settings.territory_cap:
        raise ItemError(
            {
                "code": "LIMIT_EXCEEDED",
                "details": {"limit": call.settings.territory_cap},
                "message": "Territory Limit reached",
                "status": "error",
            }
        )
    ident = new_id(call.db)
    row = {
        "id": ident,
        "api_name": _unique_api_name(call, columns["name"]),
        "manager_id": None,
        "description": None,
        "account_rule_criteria": None,
        "deal_rule_criteria": None,
        "lead_rule_criteria": None,
        **columns,
        "created_by": call.user_id,
        "modified_by": call.user_id,
        "created_time": call.now,
        "modified_time": call.now,
        "seq": next_seq(call.db, "territories"),
    }
    names = ", ".join(row)
    marks = ", ".join(f":{key}" for key in row)
    call.db.execute(f"INSERT INTO territories ({names}) VALUES ({marks})", row)
    return success_item(CREATED, {"id": ident})


def _unique_api_name(call: Call, name: str) -> str:
    base, candidate, n = api_name_for(name), api_name_for(name), 1
    while call.db.execute("SELECT 1 FROM territories WHERE api_name = ?", (candidate,)).fetchone():
        n += 1
        candidate = f"{base}_{n}"
    return candidate


def update_territories(call: Call) -> Reply:
    items = call.items("territories", call.settings.territory_batch_limit)
    seen: set[str] = set()
    results = [each(_update, call, item, i, seen, None) for i, item in enumerate(items)]
    return batch("territories", results, 200, call.settings.mixed_batch_status)


def update_territory(call: Call) -> Reply:
    path_id = as_id(call.params["id"])
    if tdb.find(call.db, path_id) is None:
        raise invalid_path_id(2, "Invalid Territory Id")
    items = call.items("territories", 1)
    result = each(_update, call, items[0], 0, set(), path_id)
    return batch("territories", [result], 200, call.settings.mixed_batch_status)


def _update(call: Call, raw: Any, index: int, seen: set[str], path_id: str | None) -> JsonObj:
    item = territory_object(raw, index)
    ident = _target(item, index, path_id)
    current = tdb.find(call.db, ident)
    if current is None:
        raise _bad_id(index)
    _same_request_duplicate(item, index, seen)
    columns = TerritoryItem(call.db, item, index, current).columns()
    columns.update({"modified_by": call.user_id, "modified_time": call.now, "id": current["id"]})
    assignments = ", ".join(f"{key} = :{key}" for key in columns if key != "id")
    call.db.execute(f"UPDATE territories SET {assignments} WHERE id = :id", columns)
    return success_item(UPDATED, {"id": current["id"]})


def _target(item: JsonObj, index: int, path_id: str | None) -> str | None:
    """The territory an update item names: its `id`, which must match the URL's if given."""
    if "id" not in item:
        if path_id is not None:
            return path_id
        raise ItemError(
            field_error(
                "MANDATORY_NOT_FOUND",
                "required field not found",
                "id",
                item_path("territories", index, "id"),
            )
        )
    ident = as_id(item["id"])
    if ident is None or (path_id is not None and ident != path_id):
        raise _bad_id(index)
    return ident


def _bad_id(index: int) -> ItemError:
    return ItemError(
        field_error(
            "INVALID_DATA",
            "The Territory Id given seems to be invalid",
            "id",
            item_path("territories", index, "id"),
        )
    )


UPDATE = scopes("ZohoCRM.settings.territories.UPDATE")
ROUTES = [
    Route(
        "POST",
        "/settings/territories",
        create_territories,
        scopes("ZohoCRM.settings.territories.CREATE"),
        True,
        Feature.TERRITORIES,
    ),
    Route("PUT", "/settings/territories", update_territories, UPDATE, True, Feature.TERRITORIES),
    Route("PUT", "/settings/territories/{id}", update_territory, UPDATE, True, Feature.TERRITORIES),
]
