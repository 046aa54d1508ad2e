"""A small record store (REFERENCE §4.3): records from the seed, read back with their
`Territories`, and the assign/remove-territories actions, so that territory deletion and
transfer have record assignments to drop or move."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from reconciler.sandbox.call import Call, as_id, field_error
from reconciler.sandbox.clock import iso
from reconciler.sandbox.metadata import find_module
from reconciler.sandbox.replies import (
    ItemError,
    JsonObj,
    Reply,
    ZohoError,
    batch,
    each,
    listing,
    no_content,
    success_item,
)
from reconciler.sandbox.routing import Feature, Route, scopes
from reconciler.sandbox.store import fetch_one, next_seq
from reconciler.sandbox.users import user_name

ASSIGNED = "the territories data updated successfully"
REMOVED = "the territories data removed successfully"
BAD_ID = "the id given seems to be invalid"


def _module(call: Call, for_territories: bool) -> sqlite3.Row:
    module = find_module(call.db, call.params["module"])
    if module is None:
        raise ZohoError(
            400,
            "INVALID_MODULE",
            "the module name given seems to be invalid",
            {"resource_path_index": 0},
        )
    if for_territories and not module["territories"]:
        raise ZohoError(
            400,
            "NOT_SUPPORTED",
            "the api is not supported for this module",
            {"resource_path_index": 0},
        )
    return module


def record_json(db: sqlite3.Connection, row: sqlite3.Row) -> JsonObj:
    territories = db.execute(
        "SELECT t.id, t.name FROM record_territories r JOIN territories t ON t.id = "
        "r.territory_id WHERE r.module = ? AND r.record_id = ? ORDER BY r.seq",
        (row["module"], row["id"]),
    ).fetchall()
    owner = row["owner_id"]
    return {
        "id": row["id"],
        **json.loads(row["data"]),
        "Owner": {"id": owner, "name": user_name(db, owner)},
        "Created_Time": iso(row["created_time"]),
        "Modified_Time": iso(row["modified_time"]),
        "Territories": [{"id": t["id"], "name": t["name"]} for t in territories],
    }


def list_records(call: Call) -> Reply:
    module = _module(call, for_territories=False)
    page, per_page = call.page(200, 200)
    rows = call.db.execute(
        "SELECT * FROM records WHERE module = ? ORDER BY seq LIMIT ? OFFSET ?",
        (module["api_name"], per_page + 1, (page - 1) * per_page),
    ).fetchall()
    body = [record_json(call.db, row) for row in rows[:per_page]]
    return listing("data", body, page, per_page, len(rows) > per_page)


def get_record(call: Call) -> Reply:
    module = _module(call, for_territories=False)
    row = _find(call.db, module["api_name"], as_id(call.params["record"]))
    return no_content() if row is None else Reply(200, {"data": [record_json(call.db, row)]})


def _find(db: sqlite3.Connection, module: str, ident: str | None) -> sqlite3.Row | None:
    return fetch_one(db, "SELECT * FROM records WHERE module = ? AND id = ?", (module, ident))


def assign(call: Call) -> Reply:
    return _bulk(call, _assign_one)


def remove(call: Call) -> Reply:
    return _bulk(call, _remove_one)


def _bulk(call: Call, step: Any) -> Reply:
    module = _module(call, for_territories=True)
    items = call.items("data", 1 if "record" in call.params else call.settings.record_batch_limit)
    results = [each(step, call, module, item, i) for i, item in enumerate(items)]
    return batch("data", results, 200, call.settings.mixed_batch_status)


def _targets(
    call: Call, module: sqlite3.Row, item: Any, index: int
) -> tuple[sqlite3.Row, list[str]]:
    """The record an item names and the territory ids it lists, both checked to exist."""
    if not isinstance(item, dict):
        raise ItemError(
            field_error(
                "INVALID_DATA",
                "invalid data",
                "data",
                f"$.data[{index}]",
                expected_data_type="jsonobject",
            )
        )
    raw_id = call.params.get("record", item.get("id"))
    if raw_id is None:
        raise ItemError(
            field_error(
                "MANDATORY_NOT_FOUND", "required field not found", "id", f"$.data[{index}].id"
            )
        )
    record = _find(call.db, module["api_name"], as_id(raw_id))
    if record is None:
        raise ItemError(field_error("INVALID_DATA", BAD_ID, "id", f"$.data[{index}].id"))
    listed = item.get("Territories")
    if not isinstance(listed, list) or not listed:
        raise ItemError(
            field_error(
                "MANDATORY_NOT_FOUND",
                "required field not found",
                "Territories",
                f"$.data[{index}].Territories",
            )
        )
    return record, [
        _territory_id(call, t, f"$.data[{index}].Territories[{j}].id") for j, t in enumerate(listed)
    ]


def _territory_id(call: Call, entry: Any, at: str) -> str:
    if not isinstance(entry, dict) or "id" not in entry:
        raise ItemError(field_error("MANDATORY_NOT_FOUND", "required field not found", "id", at))
    row = call.db.execute(
        "SELECT id FROM territories WHERE id = ?", (as_id(entry["id"]),)
    ).fetchone()
    if row is None:
        raise ItemError(field_error("INVALID_DATA", BAD_ID, "id", at))
    return str(row["id"])


def _assigned(db: sqlite3.Connection, record: sqlite3.Row) -> list[str]:
    rows = db.execute(
        "SELECT territory_id FROM record_territories WHERE module = ? AND record_id = ?",
        (record["module"], record["id"]),
    ).fetchall()
    return [str(r["territory_id"]) for r in rows]


def _assign_one(call: Call, module: sqlite3.Row, item: Any, index: int) -> JsonObj:
    record, wanted = _targets(call, module, item, index)
    current = _assigned(call.db, record)
    for j, ident in enumerate(wanted):
        if ident in current or ident in wanted[:j]:
            raise ItemError(
                field_error(
                    "DUPLICATE_DATA",
                    "Given Territory already exists for that record",
                    "id",
                    f"$.data[{index}].Territories[{j}].id",
                )
            )
    cap = module["record_territory_cap"] or call.settings.record_territory_cap
    if len(current) + len(wanted) > cap:
        raise ItemError(
            field_error(
                "LIMIT_EXCEEDED",
                "Maximum limit of territories for that record exceeds",
                "Territories",
                f"$.data[{index}].Territories",
                limit=cap,
            )
        )
    for ident in wanted:
        call.db.execute(
            "INSERT INTO record_territories VALUES (?, ?, ?, ?)",
            (record["module"], record["id"], ident, next_seq(call.db, "record_territories")),
        )
    return success_item(ASSIGNED, {"id": record["id"]})


def _remove_one(call: Call, module: sqlite3.Row, item: Any, index: int) -> JsonObj:
    record, wanted = _targets(call, module, item, index)
    current = _assigned(call.db, record)
    for j, ident in enumerate(wanted):
        if ident not in current:
            raise ItemError(
                field_error("INVALID_DATA", BAD_ID, "id", f"$.data[{index}].Territories[{j}].id")
            )
    call.db.executemany(
        "DELETE FROM record_territories WHERE module = ? AND record_id = ? AND territory_id = ?",
        [(record["module"], record["id"], t) for t in wanted],
    )
    return success_item(REMOVED, {"id": record["id"]})


READ = scopes("ZohoCRM.modules.READ", "ZohoCRM.modules.{module}.READ")
UPDATE = scopes("ZohoCRM.modules.UPDATE", "ZohoCRM.modules.{module}.UPDATE")
ROUTES = [
    Route("GET", "/{module}", list_records, READ),
    Route("GET", "/{module}/{record}", get_record, READ),
    Route(
        "POST", "/{module}/actions/assign_territories", assign, UPDATE, True, Feature.TERRITORIES
    ),
    Route(
        "POST",
        "/{module}/{record}/actions/assign_territories",
        assign,
        UPDATE,
        True,
        Feature.TERRITORIES,
    ),
    Route(
        "POST", "/{module}/actions/remove_territories", remove, UPDATE, True, Feature.TERRITORIES
    ),
    Route(
        "POST",
        "/{module}/{record}/actions/remove_territories",
        remove,
        UPDATE,
        True,
        Feature.TERRITORIES,
    ),
]
