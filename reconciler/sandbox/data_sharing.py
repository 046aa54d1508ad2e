"""Organisation-wide default permissions per module, `/settings/data_sharing` (REFERENCE §5)."""

from __future__ import annotations

import sqlite3
from typing import Any

from reconciler.sandbox import recompute
from reconciler.sandbox.call import Call, as_id, field_error, item_path
from reconciler.sandbox.replies import ItemError, JsonObj, Reply, batch, each, success_item
from reconciler.sandbox.routing import Route, scopes
from reconciler.sandbox.store import fetch_one

SHARE_TYPES = ("private", "public_read_only", "public_read_write", "public")
UPDATED = "data sharing settings updated successfully"
PORTALS = "Cannot change the data sharing setting as module is made public in portals"


def setting_json(row: sqlite3.Row, now: float) -> JsonObj:
    return {
        "share_type": row["share_type"],
        "public_in_portals": bool(row["public_in_portals"]),
        "module": {"api_name": row["api_name"], "id": row["id"]},
        "rule_computation_running": recompute.running(row, now),
    }


def get_data_sharing(call: Call) -> Reply:
    rows = call.db.execute("SELECT * FROM modules WHERE share_type IS NOT NULL ORDER BY seq")
    return Reply(200, {"data_sharing": [setting_json(row, call.now) for row in rows]})


def put_data_sharing(call: Call) -> Reply:
    items = call.items("data_sharing", 100)
    results = [each(_update_one, call, item, i) for i, item in enumerate(items)]
    return batch("data_sharing", results, 200, call.settings.mixed_batch_status)


def _update_one(call: Call, item: Any, index: int) -> JsonObj:
    def fail(name: str, at: str, **extra: Any) -> ItemError:
        return ItemError(field_error("INVALID_DATA", "invalid data", name, at, **extra))

    # data_sharing.yaml allows `expected_data_type` text or bigint only, so what is no object
    # (an item, a module) is answered as invalid data without a type, as its examples are.
    if not isinstance(item, dict):
        raise fail("data_sharing", item_path("data_sharing", index))
    for key in ("share_type", "module"):
        if item.get(key) is None:
            raise ItemError(
                field_error(
                    "MANDATORY_NOT_FOUND",
                    "required field not found",
                    key,
                    item_path("data_sharing", index, key),
                )
            )
    share_type, at = item["share_type"], item_path("data_sharing", index, "share_type")
    if not isinstance(share_type, str):
        raise fail("share_type", at, expected_data_type="text")
    if share_type not in SHARE_TYPES:
        raise fail("share_type", at, regex="|".join(SHARE_TYPES))
    module = _module(call, item["module"], index)
    if module["share_type"] != share_type:
        call.db.execute(
            "UPDATE modules SET share_type = ? WHERE id = ?", (share_type, module["id"])
        )
        recompute.start(call.db, module["api_name"], call.now, call.settings.rule_recompute_s)
    return success_item(UPDATED, {"module": module["api_name"]})


def _module(call: Call, ref: Any, index: int) -> sqlite3.Row:
    at = item_path("data_sharing", index, "module")
    if not isinstance(ref, dict):
        raise ItemError(field_error("INVALID_DATA", "invalid data", "module", at))
    if ref.get("id") is None:
        raise ItemError(
            field_error("MANDATORY_NOT_FOUND", "required field not found", "id", f"{at}.id")
        )
    if as_id(ref["id"]) is None:
        raise ItemError(
            field_error(
                "INVALID_DATA", "invalid data", "id", f"{at}.id", expected_data_type="bigint"
            )
        )
    if "api_name" in ref and not isinstance(ref["api_name"], str):
        raise ItemError(
            field_error(
                "INVALID_DATA",
                "invalid data",
                "api_name",
                f"{at}.api_name",
                expected_data_type="text",
            )
        )
    row = fetch_one(
        call.db,
        "SELECT * FROM modules WHERE id = ? AND share_type IS NOT NULL",
        (as_id(ref["id"]),),
    )
    if row is None or ref.get("api_name", row["api_name"]).lower() != row["api_name"].lower():
        raise ItemError(field_error("INVALID_DATA", "invalid data", "module", at))
    if row["public_in_portals"]:
        raise ItemError(field_error("NOT_ALLOWED", PORTALS, "module", at))
    return row


ROUTES = [
    Route(
        "GET",
        "/settings/data_sharing",
        get_data_sharing,
        scopes("ZohoCRM.settings.data_sharing.READ"),
    ),
    Route(
        "PUT",
        "/settings/data_sharing",
        put_data_sharing,
        scopes("ZohoCRM.settings.data_sharing.UPDATE"),
        True,
    ),
]
