"""Checks one territory object of a create or update body (REFERENCE §3.2, §3.5) and turns it
into column values. The first problem found becomes the item's error, as Zoho reports one
error per input object."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import Any

from reconciler.sandbox import territory_db as tdb
from reconciler.sandbox.call import field_error, id_ref, item_path
from reconciler.sandbox.criteria import Criteria
from reconciler.sandbox.replies import ItemError, JsonObj, error_item
from reconciler.sandbox.territory_names import NAME_MAX, has_forbidden, name_key
from reconciler.sandbox.users import org_setting

PERMISSIONS = ["read_write_delete", "read_only"]
DESCRIPTION_MAX = 250
RULE_DISABLED = {
    "Leads": "Territory Lead Rule Disabled",
    "Deals": "Territory Deal Rule Disabled",
    "Accounts": "Unable to set rules criteria for disabled module",
}
CYCLE = (
    "Reporting_to id should not be the child of given territory. Chosse another territory "
    "as Reporing_to"
)
MANDATORY_ON_CREATE = ("name", "reporting_to", "permission_type")
ROOT_EDITABLE = {"id", "name"}


def territory_object(item: Any, index: int) -> JsonObj:
    """An item of a territory write (create, update, transfer-and-delete) that is no object:
    one answer for all three, in the form every one of their OAS2 400 schemas allows
    (`InvalidData`: `{api_name, json_path}` only, and this capitalised message)."""
    if not isinstance(item, dict):
        at = item_path("territories", index)
        raise ItemError(field_error("INVALID_DATA", "Invalid Data", "territories", at))
    return item


@dataclass
class TerritoryItem:
    """One body item at `index`; `current` is the stored row on update, None on create."""

    db: sqlite3.Connection
    item: JsonObj
    index: int
    current: sqlite3.Row | None = None

    def path(self, *names: str) -> str:
        return item_path("territories", self.index, *names)

    def fail(self, code: str, message: str, name: str, **extra: Any) -> ItemError:
        return ItemError(field_error(code, message, name, self.path(name), **extra))

    def columns(self) -> dict[str, Any]:
        """Column values for the keys present; raises ItemError on the first problem."""
        if self.current is None:
            for key in MANDATORY_ON_CREATE:
                if key not in self.item:
                    raise self.fail("MANDATORY_NOT_FOUND", "required field not found", key)
        elif self.current["parent_id"] is None and set(self.item) - ROOT_EDITABLE:
            raise ItemError(
                error_item("NOT_ALLOWED", "Cannot update the Org Territory except Name")
            )
        out: dict[str, Any] = {}
        for key, check in (
            ("name", self._name),
            ("reporting_to", self._parent),
            ("manager", self._manager),
            ("permission_type", self._permission),
            ("description", self._description),
        ):
            if key in self.item:
                out.update(check(self.item[key]))
        for key in tdb.CRITERIA_KEYS:
            if key in self.item:
                out[key] = self._criteria(key, self.item[key])
        return out

    def _name(self, value: Any) -> dict[str, Any]:
        if not isinstance(value, str):
            raise self.fail("INVALID_DATA", "invalid data", "name", expected_data_type="text")
        name = value.strip()
        if not name:
            raise self.fail("INVALID_DATA", "Territory Name cannot be empty", "name")
        if len(name) > NAME_MAX:
            raise self.fail(
                "INVALID_DATA",
                "the value of the field exceeds the maximum allowed length",
                "name",
                maximum_length=NAME_MAX,
            )
        if has_forbidden(name):
            raise self.fail("INVALID_DATA", "Special Characters in Territory Name", "name")
        owner = tdb.name_owner(self.db, name_key(name))
        if owner is not None and (self.current is None or owner != self.current["id"]):
            raise self.fail("DUPLICATE_DATA", "Given Territory name already exists", "name")
        return {"name": name, "name_key": name_key(name)}

    def _parent(self, value: Any) -> dict[str, Any]:
        well_formed, ident = id_ref(value)
        if not well_formed:
            raise self.fail(
                "INVALID_DATA", "invalid data", "reporting_to", expected_data_type="jsonobject"
            )
        if tdb.find(self.db, ident) is None:
            raise self.fail(
                "INVALID_DATA", "Given Reporting To Territory value is invalid", "reporting_to"
            )
        if self.current is not None and tdb.is_in_subtree(self.db, str(ident), self.current["id"]):
            raise self.fail("NOT_ALLOWED", CYCLE, "reporting_to")
        return {"parent_id": ident}

    def _manager(self, value: Any) -> dict[str, Any]:
        well_formed, ident = id_ref(value)
        if not well_formed:
            raise self.fail(
                "INVALID_DATA", "invalid data", "manager", expected_data_type="jsonobject"
            )
        if ident is None:
            return {"manager_id": None}
        row = self.db.execute("SELECT status FROM users WHERE id = ?", (ident,)).fetchone()
        if row is None:
            raise self.fail("INVALID_DATA", "the given value is invalid", "manager")
        if row["status"] != "active":
            raise self.fail("NOT_ALLOWED", "Inactive User", "manager")
        return {"manager_id": ident}

    def _permission(self, value: Any) -> dict[str, Any]:
        if value is None or value == "":
            raise self.fail(
                "INVALID_DATA", "Access value can't be Null or Empty", "permission_type"
            )
        if value not in PERMISSIONS:
            raise self.fail(
                "INVALID_DATA",
                "Given Permission_type value is invalid",
                "permission_type",
                supported_values=PERMISSIONS,
            )
        return {"permission_type": value}

    def _description(self, value: Any) -> dict[str, Any]:
        if value is not None and not isinstance(value, str):
            raise self.fail(
                "INVALID_DATA", "invalid data", "description", expected_data_type="text"
            )
        if value is not None and len(value) > DESCRIPTION_MAX:
            raise self.fail(
                "INVALID_DATA",
                "the value of the field exceeds the maximum allowed length",
                "description",
                maximum_length=DESCRIPTION_MAX,
            )
        return {"description": value}

    def _criteria(self, key: str, value: Any) -> str | None:
        if value is None:
            return None
        module = tdb.CRITERIA_MODULES[key]
        if module not in (org_setting(self.db, "territory_rule_modules") or []):
            raise self.fail("NOT_ALLOWED", RULE_DISABLED[module], key)
        checked = Criteria.for_module(self.db, module).check(value, self.path(key))
        return json.dumps(checked)
