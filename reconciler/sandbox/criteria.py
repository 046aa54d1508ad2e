"""Rule criteria (REFERENCE §3.3): a simple condition or an AND/OR group of 2-25 criteria,
checked against the module's fields. Used by territory assignment rules and criteria-based
sharing rules. Returns the normalised criteria or the first error, with Zoho's details."""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from typing import Any

from reconciler.sandbox.call import field_error
from reconciler.sandbox.replies import ItemError, JsonObj

TEXT = (
    "equal",
    "not_equal",
    "like",
    "not_like",
    "starts_with",
    "ends_with",
    "contains",
    "not_contains",
    "in",
    "not_in",
)
CHOICE = ("equal", "not_equal", "in", "not_in")
NUMBER = (
    "equal",
    "not_equal",
    "less_than",
    "less_equal",
    "greater_than",
    "greater_equal",
    "between",
    "not_between",
    "in",
    "not_in",
)
DATE = (
    "equal",
    "not_equal",
    "less_than",
    "less_equal",
    "greater_than",
    "greater_equal",
    "between",
    "not_between",
)
MULTI = ("equal", "not_equal", "include_all", "include_any", "exclude_all", "exclude_any")
COMPARATORS_BY_TYPE = {
    "text": TEXT,
    "email": TEXT,
    "phone": TEXT,
    "textarea": TEXT,
    "website": TEXT,
    "autonumber": TEXT,
    "picklist": CHOICE,
    "lookup": CHOICE,
    "ownerlookup": CHOICE,
    "userlookup": CHOICE,
    "integer": NUMBER,
    "bigint": NUMBER,
    "currency": NUMBER,
    "double": NUMBER,
    "decimal": NUMBER,
    "percent": NUMBER,
    "date": DATE,
    "datetime": DATE,
    "boolean": ("equal",),
    "multiselectpicklist": MULTI,
}
ALL_COMPARATORS = set(TEXT + NUMBER + MULTI)
NUMERIC = {"integer", "bigint", "currency", "double", "decimal", "percent"}
EXPECTED = {
    "integer": "integer",
    "bigint": "bigint",
    "boolean": "boolean",
    "date": "date",
    "datetime": "datetime",
}
NOT_IN_CRITERIA = {"fileupload", "imageupload", "subform", "formula"}
PLACEHOLDER = re.compile(r"\$\{[A-Z_]+(:[0-9]+)?\}([+-][0-9]+)?")
VALUE_TYPES = ("value", "field", "merge_field", "pre_defined")


class CriteriaError(ItemError):
    """A criteria problem, reported as the item's error."""


@dataclass(frozen=True)
class Criteria:
    """Where criteria are checked: the module's fields and the criteria's JSON path."""

    fields: dict[str, sqlite3.Row]
    limit_message: str = "Maximum Territory Criteria Limit reached"
    max_group: int = 25

    @classmethod
    def for_module(cls, db: sqlite3.Connection, module: str, **kw: Any) -> Criteria:
        rows = db.execute("SELECT * FROM fields WHERE module = ?", (module,)).fetchall()
        return cls({row["api_name"]: row for row in rows}, **kw)

    def check(self, value: Any, path: str) -> JsonObj:
        """The normalised criteria; raises CriteriaError with the per-item error."""
        if not isinstance(value, dict):
            raise CriteriaError(_type_error(path, "jsonobject"))
        if "group" in value or "group_operator" in value:
            return self._group(value, path)
        return self._simple(value, path)

    def _group(self, value: JsonObj, path: str) -> JsonObj:
        operator, members = value.get("group_operator"), value.get("group")
        if operator is None or members is None:
            missing = "group_operator" if operator is None else "group"
            raise CriteriaError(
                field_error(
                    "MANDATORY_NOT_FOUND", "required field not found", missing, f"{path}.{missing}"
                )
            )
        if not isinstance(operator, str) or operator.lower() not in ("and", "or"):
            raise CriteriaError(
                field_error(
                    "INVALID_DATA",
                    "the given value is invalid",
                    "group_operator",
                    f"{path}.group_operator",
                    supported_values=["AND", "OR"],
                )
            )
        if not isinstance(members, list) or len(members) < 2:
            raise CriteriaError(_type_error(f"{path}.group", "jsonarray"))
        if len(members) > self.max_group:
            due = [{"api_name": "group", "json_path": f"{path}.group"}]
            raise CriteriaError(
                {
                    "code": "LIMIT_EXCEEDED",
                    "details": {"limit": self.max_group, "limit_due_to": due},
                    "message": self.limit_message,
                    "status": "error",
                }
            )
        group = [self.check(m, f"{path}.group[{i}]") for i, m in enumerate(members)]
        return {"group_operator": operator, "group": group}

    def _simple(self, value: JsonObj, path: str) -> JsonObj:
        field = self._field(value.get("field"), path)
        comparator = self._comparator(value, field, path)
        if "value" not in value:
            raise CriteriaError(_dependent_missing("value", path))
        _check_value(value["value"], comparator, field, path)
        out: JsonObj = {
            "comparator": comparator,
            "field": {"api_name": field["api_name"], "id": field["id"]},
            "value": value["value"],
        }
        if "type" in value:
            if value["type"] not in VALUE_TYPES:
                raise CriteriaError(
                    field_error(
                        "INVALID_DATA",
                        "the given value is invalid",
                        "type",
                        f"{path}.type",
                        supported_values=list(VALUE_TYPES),
                    )
                )
            out["type"] = value["type"]
        return out

    def _field(self, field: Any, path: str) -> sqlite3.Row:
        if field is None:
            raise CriteriaError(
                field_error(
                    "MANDATORY_NOT_FOUND", "required field not found", "field", f"{path}.field"
                )
            )
        if not isinstance(field, dict):
            raise CriteriaError(_type_error(f"{path}.field", "jsonobject"))
        name = field.get("api_name")
        at = f"{path}.field.api_name"
        if not isinstance(name, str) or name not in self.fields:
            raise CriteriaError(
                field_error(
                    "INVALID_DATA", "The given api_name seems to be invalid", "api_name", at
                )
            )
        row = self.fields[name]
        if row["data_type"] in NOT_IN_CRITERIA:
            message = "The given field api_name is not supported in criteria"
            raise CriteriaError(field_error("NOT_SUPPORTED", message, name, at))
        return row

    def _comparator(self, value: JsonObj, field: sqlite3.Row, path: str) -> str:
        comparator = value.get("comparator")
        if comparator is None:
            raise CriteriaError(_dependent_missing("comparator", path))
        at = f"{path}.comparator"
        if not isinstance(comparator, str) or comparator not in ALL_COMPARATORS:
            raise CriteriaError(
                field_error(
                    "INVALID_DATA", "The given comparator seems to be invalid", "comparator", at
                )
            )
        allowed = COMPARATORS_BY_TYPE.get(field["data_type"], TEXT)
        if comparator not in allowed:
            item = _dependent_mismatch(
                "comparator",
                path,
                "The comparator is not compatible with the given field",
                supported_values=list(allowed),
            )
            raise CriteriaError(item)
        return comparator


def _type_error(path: str, expected: str) -> JsonObj:
    name = path.rsplit(".", 1)[-1].split("[")[0]
    return field_error("INVALID_DATA", "invalid data", name, path, expected_data_type=expected)


def _dependee(path: str) -> JsonObj:
    return {"api_name": "field", "json_path": f"{path}.field"}


def _dependent_missing(name: str, path: str) -> JsonObj:
    return field_error(
        "DEPENDENT_FIELD_MISSING",
        "required field not found",
        name,
        f"{path}.{name}",
        dependee=_dependee(path),
    )


def _dependent_mismatch(name: str, path: str, message: str, **extra: Any) -> JsonObj:
    details = {
        "dependee": _dependee(path),
        "api_name": name,
        "json_path": f"{path}.{name}",
        **extra,
    }
    return {"code": "DEPENDENT_MISMATCH", "details": details, "message": message, "status": "error"}


def _check_value(value: Any, comparator: str, field: sqlite3.Row, path: str) -> None:
    kind = field["data_type"]
    if comparator in ("between", "not_between"):
        ok = isinstance(value, list) and len(value) == 2 and all(_scalar_ok(v, kind) for v in value)
    elif comparator in ("in", "not_in", "include_all", "include_any", "exclude_all", "exclude_any"):
        ok = (
            isinstance(value, list)
            and 0 < len(value) <= 500
            and all(_scalar_ok(v, kind) for v in value)
        )
    elif isinstance(value, list) and comparator in ("equal", "not_equal"):
        ok = 0 < len(value) <= 500 and all(_scalar_ok(v, kind) for v in value)
    else:
        ok = _scalar_ok(value, kind)
    if not ok:
        expected = (
            "jsonarray"
            if comparator.endswith("between")
            else EXPECTED.get(kind, "double" if kind in NUMERIC else "text")
        )
        message = "The value is not compatible with the given field"
        raise CriteriaError(
            _dependent_mismatch("value", path, message, expected_data_type=expected)
        )


def _scalar_ok(value: Any, kind: str) -> bool:
    if isinstance(value, str) and PLACEHOLDER.fullmatch(value):
        return True
    if kind in NUMERIC:
        return _is_number(value)
    if kind == "boolean":
        return isinstance(value, bool) or value in ("true", "false")
    if kind in ("lookup", "ownerlookup", "userlookup"):
        return isinstance(value, str | dict) and bool(value)
    return isinstance(value, str) and len(value) <= 255


def _is_number(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int | float):
        return True
    if isinstance(value, str):
        try:
            float(value)
        except ValueError:
            return False
        return True
    return False
