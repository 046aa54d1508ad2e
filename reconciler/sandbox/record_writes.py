"""Record create and update (record.json: `POST /{module}`, `PUT /{module}`,
`PUT /{module}/{id}`), up to 100 records a call. Both run the territory assignment rules
(assignment.py), as Zoho does on every create and edit when Territory Management is on.

Stricter readings where the sources are silent: a field the module does not have is an
INVALID_DATA item (not silently dropped); an update must change at least one field; a lookup
(`Account_Name`, `Contact_Name`) must name an existing record of its module."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from reconciler.sandbox import territory_jobs
from reconciler.sandbox.assignment import reassign, record_cap
from reconciler.sandbox.call import Call, as_id, field_error, item_object
from reconciler.sandbox.clock import iso
from reconciler.sandbox.records import (
    STANDARD_LOOKUPS,
    field_names,
    find_record,
    module_row,
    named_record,
)
from reconciler.sandbox.replies import ItemError, JsonObj, Reply, batch, each, success_item
from reconciler.sandbox.routing import Route, scopes
from reconciler.sandbox.store import get_meta, new_id, next_seq
from reconciler.sandbox.users import user_name

LOOKUPS = {"Account_Name": "Accounts", "Contact_Name": "Contacts"}
READ_ONLY = ("id", "Owner", "Created_Time", "Modified_Time", "Territories")


def create(call: Call) -> Reply:
    module = module_row(call)
    items = call.items("data", call.settings.record_batch_limit)
    results = [each(_create_one, call, module, item, i) for i, item in enumerate(items)]
    return batch("data", results, 201, call.settings.mixed_batch_status)


def update(call: Call) -> Reply:
    module = module_row(call)
    limit = 1 if "record" in call.params else call.settings.record_batch_limit
    items = call.items("data", limit)
    results = [each(_update_one, call, module, item, i) for i, item in enumerate(items)]
    return batch("data", results, 200, call.settings.mixed_batch_status)


def _create_one(call: Call, module: sqlite3.Row, item: Any, index: int) -> JsonObj:
    data = _fields(call, module, item, index)
    ident = new_id(call.db)
    call.db.execute(
        "INSERT INTO records VALUES (?,?,?,?,?,?,?)",
        (
            module["api_name"],
            ident,
            json.dumps(data),
            call.user_id,
            call.now,
            call.now,
            next_seq(call.db, "records"),
        ),
    )
    _run_rules(call, module, ident, data)
    return success_item("record added", _details(call, ident))


def _update_one(call: Call, module: sqlite3.Row, item: Any, index: int) -> JsonObj:
    row = named_record(call, module["api_name"], item_object(item, index), index)
    changes = _fields(call, module, item, index)
    if not changes:
        raise ItemError(
            field_error(
                "EXPECTED_FIELD_MISSING", "Specify Atleast one field", "data", f"$.data[{index}]"
            )
        )
    data = {**json.loads(row["data"]), **changes}
    call.db.execute(
        "UPDATE records SET data = ?, modified_time = ? WHERE module = ? AND id = ?",
        (json.dumps(data), call.now, module["api_name"], row["id"]),
    )
    _run_rules(call, module, row["id"], data)
    return success_item("record updated", _details(call, row["id"], row["created_time"]))


def _fields(call: Call, module: sqlite3.Row, item: Any, index: int) -> JsonObj:
    """The item's field values, checked against the module's fields; lookups resolved."""
    item = item_object(item, index)
    known = field_names(call.db, module["api_name"])
    links = STANDARD_LOOKUPS.get(module["api_name"], ())
    data: JsonObj = {}
    for name, value in item.items():
        at = f"$.data[{index}].{name}"
        if name in READ_ONLY:
            continue
        if name not in known:
            raise ItemError(field_error("INVALID_DATA", "invalid data", name, at))
        data[name] = _lookup(call.db, name, value, at) if name in links else value
    return data


def _lookup(db: sqlite3.Connection, name: str, value: Any, at: str) -> Any:
    if value is None:
        return None
    ident = as_id(value.get("id")) if isinstance(value, dict) else None
    row = find_record(db, LOOKUPS[name], ident)
    if row is None:
        raise ItemError(field_error("INVALID_DATA", "the id given seems to be invalid", name, at))
    data = json.loads(row["data"])
    label = data.get("Account_Name") or data.get("Last_Name") or data.get("Email") or ""
    return {"id": row["id"], "name": label}


def _run_rules(call: Call, module: sqlite3.Row, ident: str, data: JsonObj) -> None:
    if not module["territories"] or get_meta(call.db, "territory_management") != "enabled":
        return
    territory_jobs.run_due(call.db, call.now, call.settings.record_territory_cap)
    cap = record_cap(module, call.settings.record_territory_cap)
    reassign(call.db, module["api_name"], ident, data, cap, call.now)


def _details(call: Call, ident: str, created: float | None = None) -> JsonObj:
    who = {"id": call.user_id, "name": user_name(call.db, call.user_id)}
    return {
        "Modified_Time": iso(call.now),
        "Modified_By": who,
        "Created_Time": iso(call.now if created is None else created),
        "id": ident,
        "Created_By": who,
    }


WRITE = scopes("ZohoCRM.modules.UPDATE", "ZohoCRM.modules.{module}.UPDATE")
CREATE = scopes("ZohoCRM.modules.CREATE", "ZohoCRM.modules.{module}.CREATE")
ROUTES = [
    Route("POST", "/{module}", create, CREATE, True),
    Route("PUT", "/{module}", update, WRITE, True),
    Route("PUT", "/{module}/{record}", update, WRITE, True),
]
