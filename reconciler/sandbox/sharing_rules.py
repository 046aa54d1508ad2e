"""Data-sharing rules, `/settings/data_sharing/rules` (REFERENCE §6): list, get, create,
update, delete, activate, deactivate and rerun. One rule per call; every write starts the
module's recomputation window, during which further writes answer CANNOT_PROCESS."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from reconciler.sandbox import recompute
from reconciler.sandbox.call import Call, as_id, field_error, item_path
from reconciler.sandbox.metadata import find_module
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
from reconciler.sandbox.routing import Route, scopes
from reconciler.sandbox.rule_fields import RuleItem
from reconciler.sandbox.store import fetch_one, new_id, next_seq

BAD_RULE = "the given sharing rule id seems invalid."


def module_param(call: Call, required: bool) -> sqlite3.Row | None:
    name = call.query.get("module")
    if not name:
        if required:
            raise required_param("module")
        return None
    module = find_module(call.db, name)
    if module is None or not module["sharing_rules"]:
        raise ZohoError(
            400,
            "INVALID_DATA",
            "the module name given seems to be invalid",
            {"param_name": "module"},
        )
    return module


def shared_json(db: sqlite3.Connection, stored: str | None) -> JsonObj | None:
    if stored is None:
        return None
    value = json.loads(stored)
    table = {"roles": "roles", "groups": "groups"}.get(value["type"])
    resource = None
    if table is not None:
        row = db.execute(f"SELECT id, name FROM {table} WHERE id = ?", (value["id"],)).fetchone()
        resource = {"id": value["id"], "name": "" if row is None else row["name"]}
    return {"resource": resource, "type": value["type"], "subordinates": value["subordinates"]}


def rule_json(db: sqlite3.Connection, row: sqlite3.Row) -> JsonObj:
    module = find_module(db, row["module"])
    assert module is not None
    return {
        "id": row["id"],
        "name": row["name"],
        "type": row["type"],
        "permission_type": row["permission_type"],
        "superiors_allowed": bool(row["superiors_allowed"]),
        "shared_from": shared_json(db, row["shared_from"]),
        "shared_to": shared_json(db, row["shared_to"]),
        "criteria": None if row["criteria"] is None else json.loads(row["criteria"]),
        "module": {
            "api_name": module["api_name"],
            "name": module["plural_label"],
            "id": module["id"],
        },
        "status": row["status"],
        "match_limit_exceeded": False,
    }


def list_rules(call: Call) -> Reply:
    module = module_param(call, required=False)
    name = None if module is None else module["api_name"]
    page, per_page = call.page(200, 200)
    rows = call.db.execute(
        "SELECT r.* FROM sharing_rules r JOIN modules m ON m.api_name = r.module "
        "WHERE ? IS NULL OR r.module = ? ORDER BY m.seq, r.seq LIMIT ? OFFSET ?",
        (name, name, per_page + 1, (page - 1) * per_page),
    ).fetchall()
    body = [rule_json(call.db, row) for row in rows[:per_page]]
    return listing("sharing_rules", body, page, per_page, len(rows) > per_page)


def path_rule(call: Call, module: sqlite3.Row | None) -> sqlite3.Row:
    row = fetch_one(
        call.db, "SELECT * FROM sharing_rules WHERE id = ?", (as_id(call.params["id"]),)
    )
    if row is None or (module is not None and row["module"] != module["api_name"]):
        raise invalid_path_id(3, BAD_RULE)
    return row


def get_rule(call: Call) -> Reply:
    row = path_rule(call, module_param(call, required=False))
    return Reply(200, {"sharing_rules": [rule_json(call.db, row)]})


def _writable_module(call: Call) -> sqlite3.Row:
    module = module_param(call, required=True)
    assert module is not None
    recompute.refuse_if_running(module, call.now)
    return module


def _recompute(call: Call, module: sqlite3.Row) -> None:
    recompute.start(call.db, module["api_name"], call.now, call.settings.rule_recompute_s)


def create_rule(call: Call) -> Reply:
    module = _writable_module(call)
    item = call.items("sharing_rules", 1)[0]
    result = each(_create, call, module, item)
    if result["status"] == "success":
        _recompute(call, module)
    return batch("sharing_rules", [result], 201, 400)


def _create(call: Call, module: sqlite3.Row, item: Any) -> JsonObj:
    columns = RuleItem(call.db, module, _object(item), 0).columns()
    cap = call.settings.sharing_rules_per_module_cap
    count = call.db.execute(
        "SELECT COUNT(*) AS n FROM sharing_rules WHERE module = ?", (module["api_name"],)
    ).fetchone()["n"]
    if count >= cap:
        raise ItemError(
            {
                "code": "INVALID_DATA",
                "details": {"limit": cap},
                "message": "Module limit exceeded",
                "status": "error",
            }
        )
    row = {
        "id": new_id(call.db),
        "module": module["api_name"],
        "shared_from": None,
        "criteria": None,
        **columns,
        "status": "active",
        "seq": next_seq(call.db, "sharing_rules"),
    }
    marks = ", ".join(f":{key}" for key in row)
    call.db.execute(f"INSERT INTO sharing_rules ({', '.join(row)}) VALUES ({marks})", row)
    return success_item("sharing rule is created successfully", {"id": row["id"]})


def _object(item: Any) -> JsonObj:
    if not isinstance(item, dict):
        raise ItemError(
            field_error(
                "INVALID_DATA",
                "invalid data",
                "sharing_rules",
                item_path("sharing_rules", 0),
                expected_data_type="jsonobject",
            )
        )
    return item


def update_rules(call: Call) -> Reply:
    return _update(call, path_id=None)


def update_rule(call: Call) -> Reply:
    return _update(call, path_id=call.params["id"])


def _update(call: Call, path_id: str | None) -> Reply:
    module = _writable_module(call)
    current = path_rule(call, module) if path_id is not None else None
    item = call.items("sharing_rules", 1)[0]
    result = each(_update_one, call, module, item, current)
    if result["status"] == "success":
        _recompute(call, module)
    return batch("sharing_rules", [result], 200, 400)


def _update_one(call: Call, module: sqlite3.Row, item: Any, current: sqlite3.Row | None) -> JsonObj:
    item = _object(item)
    at = item_path("sharing_rules", 0, "id")
    if current is None:
        if item.get("id") is None:
            raise ItemError(
                field_error("MANDATORY_NOT_FOUND", "required field not found", "id", at)
            )
        current = call.db.execute(
            "SELECT * FROM sharing_rules WHERE id = ? AND module = ?",
            (as_id(item["id"]), module["api_name"]),
        ).fetchone()
    elif "id" in item and as_id(item["id"]) != current["id"]:
        current = None
    if current is None:
        raise ItemError(field_error("INVALID_DATA", "the id given seems to be invalid", "id", at))
    columns = RuleItem(call.db, module, item, 0, current).columns()
    if columns:
        sets = ", ".join(f"{key} = :{key}" for key in columns)
        call.db.execute(
            f"UPDATE sharing_rules SET {sets} WHERE id = :id", {**columns, "id": current["id"]}
        )
    return success_item("sharing rule is updated successfully", {"id": current["id"]})


def delete_rule(call: Call) -> Reply:
    module = _writable_module(call)
    row = path_rule(call, module)
    call.db.execute("DELETE FROM sharing_rules WHERE id = ?", (row["id"],))
    _recompute(call, module)
    return batch(
        "sharing_rules", [success_item("Sharing Rule deleted", {"id": row["id"]})], 200, 400
    )


def activate_rule(call: Call) -> Reply:
    return _set_status(
        call,
        "active",
        "ID_ALREADY_ACTIVE",
        "data sharing rule is already activated.",
        "sharing rule is activated successfully",
    )


def deactivate_rule(call: Call) -> Reply:
    return _set_status(
        call,
        "inactive",
        "ID_ALREADY_DEACTIVATED",
        "data sharing rule is already deactivated.",
        "sharing rule is deactivated successfully",
    )


def _set_status(call: Call, status: str, code: str, already: str, done: str) -> Reply:
    module = _writable_module(call)
    row = path_rule(call, module)
    if row["status"] == status:
        raise ZohoError(400, code, already, {"resource_path_index": 3})
    call.db.execute("UPDATE sharing_rules SET status = ? WHERE id = ?", (status, row["id"]))
    _recompute(call, module)
    return batch("sharing_rules", [success_item(done, {"id": row["id"]})], 200, 400)


def rerun_rules(call: Call) -> Reply:
    module = _writable_module(call)
    count = call.db.execute(
        "SELECT COUNT(*) AS n FROM sharing_rules WHERE module = ?", (module["api_name"],)
    ).fetchone()["n"]
    if not count:
        return no_content()
    _recompute(call, module)
    message = "sharing rules recomputation scheduled successfully"
    return batch("sharing_rules", [success_item(message, {}, code="SCHEDULED")], 200, 400)


READ = scopes("ZohoCRM.settings.data_sharing.READ")
UPDATE = scopes("ZohoCRM.settings.data_sharing.UPDATE")
BASE = "/settings/data_sharing/rules"
ROUTES = [
    Route("GET", BASE, list_rules, READ),
    Route("GET", BASE + "/{id}", get_rule, READ),
    Route("POST", BASE, create_rule, scopes("ZohoCRM.settings.data_sharing.CREATE"), True),
    Route("PUT", BASE, update_rules, UPDATE, True),
    Route("PUT", BASE + "/{id}", update_rule, UPDATE, True),
    Route(
        "DELETE", BASE + "/{id}", delete_rule, scopes("ZohoCRM.settings.data_sharing.DELETE"), True
    ),
    Route("PUT", BASE + "/{id}/actions/activate", activate_rule, UPDATE, True),
    Route("DELETE", BASE + "/{id}/actions/activate", deactivate_rule, UPDATE, True),
    Route("POST", BASE + "/actions/run", rerun_rules, UPDATE, True),
]
