"""The `filters` query parameter of the territory lists: criteria JSON over the territory
`name` (the one field OAS2's error list lets through; description, manager and reporting_to
are named as unsupported). Yields a predicate over territory rows."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from typing import Any

from reconciler.sandbox.replies import JsonObj, ZohoError

Predicate = Callable[[sqlite3.Row], bool]
NAMED_UNSUPPORTED = ("description", "reporting_to", "manager")
COMPARATORS: dict[str, Callable[[str, Any], bool]] = {
    "equal": lambda name, v: _any(v, lambda x: name == x),
    "not_equal": lambda name, v: not _any(v, lambda x: name == x),
    "in": lambda name, v: _any(v, lambda x: name == x),
    "not_in": lambda name, v: not _any(v, lambda x: name == x),
    "starts_with": lambda name, v: _any(v, name.startswith),
    "ends_with": lambda name, v: _any(v, name.endswith),
    "contains": lambda name, v: _any(v, lambda x: x in name),
    "not_contains": lambda name, v: not _any(v, lambda x: x in name),
    "like": lambda name, v: _any(v, lambda x: x.strip("%*") in name),
    "not_like": lambda name, v: not _any(v, lambda x: x.strip("%*") in name),
}


def _any(value: Any, test: Callable[[str], bool]) -> bool:
    values = value if isinstance(value, list) else [value]
    return any(test(str(v).lower()) for v in values)


def parse_filters(raw: str | None) -> Predicate:
    if not raw:
        return lambda row: True
    try:
        tree = json.loads(raw)
    except ValueError:
        raise _error("INVALID_DATA", "invalid data", expected_data_type="jsonobject") from None
    return _node(tree, "$")


def _error(code: str, message: str, **details: Any) -> ZohoError:
    return ZohoError(400, code, message, {**details, "param_name": "filters"})


def _node(node: Any, path: str) -> Predicate:
    if not isinstance(node, dict):
        raise _error(
            "INVALID_DATA",
            "invalid data",
            api_name=path.rsplit(".", 1)[-1],
            json_path=path,
            expected_data_type="jsonobject",
        )
    if not node:
        expected = [{"api_name": k, "json_path": f"{path}.{k}"} for k in ("field", "comparator")]
        raise _error(
            "EXPECTED_FIELD_MISSING",
            "one of the expected field is missing",
            expected_fields=expected,
        )
    if "group" in node:
        return _group(node, path)
    return _simple(node, path)


def _group(node: JsonObj, path: str) -> Predicate:
    operator = str(node.get("group_operator", "")).lower()
    members = node["group"]
    if operator not in ("and", "or") or not isinstance(members, list) or not members:
        raise _error(
            "INVALID_DATA",
            "the given value is invalid",
            api_name="group_operator",
            json_path=f"{path}.group_operator",
            supported_values=["and", "or"],
        )
    tests = [_node(m, f"{path}.group[{i}]") for i, m in enumerate(members)]
    combine = all if operator == "and" else any
    return lambda row: combine(test(row) for test in tests)


def _simple(node: JsonObj, path: str) -> Predicate:
    field = node.get("field")
    name = field.get("api_name") if isinstance(field, dict) else None
    if name in NAMED_UNSUPPORTED:
        raise _error("INVALID_DATA", f"The given api_name({name}) is not supported")
    if name != "name":
        raise _error(
            "NOT_SUPPORTED",
            "the given field is not supported in filters",
            api_name=str(name),
            json_path=f"{path}.field.api_name",
        )
    comparator = node.get("comparator")
    if comparator is None:
        raise _error(
            "MANDATORY_NOT_FOUND",
            "required field not found",
            api_name="comparator",
            json_path=f"{path}.comparator",
        )
    if comparator not in COMPARATORS:
        raise _error(
            "INVALID_DATA",
            "the given comparator is invalid",
            api_name="comparator",
            json_path=f"{path}.comparator",
            supported_values=list(COMPARATORS),
        )
    test, value = COMPARATORS[comparator], node.get("value")
    lowered = [str(v).lower() for v in value] if isinstance(value, list) else str(value).lower()
    return lambda row: test(str(row["name"]).lower(), lowered)
