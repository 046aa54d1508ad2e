"""Checks one sharing rule of a create or update body (REFERENCE §6.2, §6.4) and produces the
stored columns. `status` is refused: rules change state only through activate/deactivate."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import Any

from reconciler.sandbox.call import as_id, field_error, item_path
from reconciler.sandbox.criteria import Criteria
from reconciler.sandbox.replies import ItemError, JsonObj

RULE_TYPES = ["Record_Owner_Based", "Criteria_Based"]
PERMISSIONS = ["read", "read_write_delete"]
SHARE_TARGETS = ["roles", "groups", "all_users"]
NAME_MAX = 50
MANDATORY_ON_CREATE = ("name", "type", "superiors_allowed", "permission_type", "shared_to")
MANDATORY_ON_UPDATE = ("type", "superiors_allowed")


@dataclass
class RuleItem:
    """One rule object at `index` of `sharing_rules`; `current` is the stored rule on update."""

    db: sqlite3.Connection
    module: sqlite3.Row
    item: JsonObj
    index: int
    current: sqlite3.Row | None = None

    def path(self, *names: str) -> str:
        return item_path("sharing_rules", self.index, *names)

    def fail(
        self, code: str, message: str, name: str, at: str | None = None, **extra: Any
    ) -> ItemError:
        return ItemError(field_error(code, message, name, at or self.path(name), **extra))

    def columns(self) -> dict[str, Any]:
        if "status" in self.item:
            raise self.fail("NOT_ALLOWED", "status is not allowed in this api", "status")
        for key in MANDATORY_ON_CREATE if self.current is None else MANDATORY_ON_UPDATE:
            if self.item.get(key) is None:
                raise self.fail("MANDATORY_NOT_FOUND", "required field not found", key)
        out = self._scalars()
        kind = out.get("type") or self.current_value("type")
        out.update(self._shared(kind))
        out.update(self._criteria(kind))
        self._unique(out)
        return out

    def current_value(self, key: str) -> Any:
        return None if self.current is None else self.current[key]

    def _scalars(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if "name" in self.item:
            name = self.item["name"]
            if not isinstance(name, str) or not name.strip():
                raise self.fail("INVALID_DATA", "invalid data", "name", expected_data_type="text")
            if len(name.strip()) > NAME_MAX:
                raise self.fail("INVALID_DATA", "invalid data", "name", maximum_length=NAME_MAX)
            out["name"] = name.strip()
        for key, allowed in (("type", RULE_TYPES), ("permission_type", PERMISSIONS)):
            if key in self.item:
                if self.item[key] not in allowed:
                    raise self.fail(
                        "INVALID_DATA", "the value given is invalid", key, supported_values=allowed
                    )
                out[key] = self.item[key]
        if "superiors_allowed" in self.item:
            if not isinstance(self.item["superiors_allowed"], bool):
                raise self.fail(
                    "INVALID_DATA",
                    "invalid data",
                    "superiors_allowed",
                    expected_data_type="boolean",
                )
            out["superiors_allowed"] = int(self.item["superiors_allowed"])
        return out

    def _shared(self, kind: str) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if "shared_to" in self.item:
            out["shared_to"] = json.dumps(self._target("shared_to", self.item["shared_to"]))
        if kind == "Criteria_Based":
            out["shared_from"] = None
        elif self.item.get("shared_from") is not None:
            out["shared_from"] = json.dumps(self._target("shared_from", self.item["shared_from"]))
        elif self.current_value("shared_from") is None:
            raise self.fail("MANDATORY_NOT_FOUND", "required field not found", "shared_from")
        return out

    def _target(self, key: str, value: Any) -> JsonObj:
        """A `shared_from`/`shared_to`: `{type, resource: {id}, subordinates}`."""
        if not isinstance(value, dict):
            raise self.fail("INVALID_DATA", "invalid data", key, expected_data_type="jsonobject")
        kind, at = value.get("type"), self.path(key, "type")
        if kind is None:
            raise self.fail("MANDATORY_NOT_FOUND", "required field not found", "type", at)
        if kind not in SHARE_TARGETS:
            raise self.fail(
                "INVALID_DATA",
                "the value given is invalid",
                "type",
                at,
                supported_values=SHARE_TARGETS,
            )
        subordinates = value.get("subordinates", False)
        if not isinstance(subordinates, bool):
            raise self.fail(
                "INVALID_DATA",
                "invalid data",
                "subordinates",
                self.path(key, "subordinates"),
                expected_data_type="boolean",
            )
        ident = None if kind == "all_users" else self._resource(key, kind, value.get("resource"))
        return {"type": kind, "id": ident, "subordinates": subordinates}

    def _resource(self, key: str, kind: str, resource: Any) -> str:
        dependee = {"api_name": "type", "json_path": self.path(key, "type")}
        if not isinstance(resource, dict) or resource.get("id") is None:
            raise self.fail(
                "DEPENDENT_FIELD_MISSING",
                "required field not found",
                "resource",
                self.path(key, "resource"),
                dependee=dependee,
            )
        ident, at = as_id(resource["id"]), self.path(key, "resource", "id")
        own, other = ("roles", "groups") if kind == "roles" else ("groups", "roles")
        if self._exists(own, ident):
            return str(ident)
        if self._exists(other, ident):
            raise self.fail(
                "DEPENDENT_FIELD_MISMATCH",
                f"the given id is not one of the {kind}",
                "id",
                at,
                dependee=dependee,
            )
        raise self.fail("INVALID_DATA", "the id given seems to be invalid", "id", at)

    def _exists(self, table: str, ident: str | None) -> bool:
        row = self.db.execute(f"SELECT 1 FROM {table} WHERE id = ?", (ident,)).fetchone()
        return row is not None

    def _criteria(self, kind: str) -> dict[str, Any]:
        if kind != "Criteria_Based":
            return {"criteria": None} if "type" in self.item else {}
        value = self.item.get("criteria")
        if value is None:
            if self.current_value("criteria") is not None:
                return {}
            raise self.fail("MANDATORY_NOT_FOUND", "required field not found", "criteria")
        criteria = Criteria.for_module(
            self.db, self.module["api_name"], limit_message="Maximum Criteria Limit reached"
        )
        return {"criteria": json.dumps(criteria.check(value, self.path("criteria")))}

    def _unique(self, out: dict[str, Any]) -> None:
        me = self.current_value("id")
        name = out.get("name") or self.current_value("name")
        clash = self.db.execute(
            "SELECT 1 FROM sharing_rules WHERE module = ? AND name = ? COLLATE NOCASE AND id IS "
            "NOT ?",
            (self.module["api_name"], name, me),
        ).fetchone()
        if clash is not None:
            raise self.fail("DUPLICATE_DATA", "duplicate data", "name")
        source = out.get("shared_from", self.current_value("shared_from"))
        target = out.get("shared_to", self.current_value("shared_to"))
        if (
            source is not None
            and self.db.execute(
                "SELECT 1 FROM sharing_rules WHERE module = ? AND shared_from = ? "
                "AND shared_to = ? AND id IS NOT ?",
                (self.module["api_name"], source, target, me),
            ).fetchone()
        ):
            raise self.fail("DUPLICATE_DATA", "duplicate data", "shared_to")
