"""The criteria of an audit-log export job (REFERENCE §7.6; OAS2 audit_log_export.yaml,
`AuditLogCriterion`): checked the way Zoho reports problems, turned into an SQL condition.

A criterion is one condition `{field: {api_name}, comparator, value}` or a group
`{group_operator: "and", group: [one or two criteria]}`, nested freely:

| field | comparators | value |
|---|---|---|
| action | equal / in | `added`, `updated`, `deleted` (in: 1-3 of them) |
| module | equal / in | `[{api_name and/or id}]` (equal: exactly 1; in: up to 500) |
| done_by | equal / in | `[{id, name?}]` (equal: exactly 1; in: up to 500) |
| audited_time | between | two ISO-8601 times with offset, at most 180 days apart |

A window reaching further back than three years is refused as well (the log keeps three)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import datetime
from typing import Any

from reconciler.sandbox.audit_log import Where
from reconciler.sandbox.audit_schema import AREAS
from reconciler.sandbox.call import as_id, field_error
from reconciler.sandbox.replies import ItemError, JsonObj

ACTIONS = ("added", "updated", "deleted")
COMPARATORS = {
    "action": ("equal", "in"),
    "module": ("equal", "in"),
    "done_by": ("equal", "in"),
    "audited_time": ("between",),
}
GROUP_LIMIT = 2
LIST_LIMIT = 500
DAY = 86_400.0
MAX_SPAN_DAYS = 180
HISTORY_DAYS = 3 * 365
SIX_MONTHS = "Logs only within 6 month intervals are allowed to be fetched"
INVALID = "invalid data"


def parse(db: sqlite3.Connection, criteria: Any, at: str, now: float) -> Where:
    """The condition `criteria` (found at JSON path `at`) selects; ItemError when malformed."""
    if not isinstance(criteria, dict):
        raise _error("INVALID_DATA", INVALID, "criteria", at, expected_data_type="jsonobject")
    if "group" in criteria or "group_operator" in criteria:
        return _group(db, criteria, at, now)
    if "field" not in criteria:
        raise _pointing(
            "EXPECTED_FIELD_MISSING",
            "one of the expected fields is missing",
            "expected_fields",
            {"field": f"{at}.field", "group": f"{at}.group"},
        )
    return _condition(db, criteria, at, now)


def default_window(now: float) -> Where:
    """No time condition: the last three years."""
    return Where("audited_time >= ?", (now - HISTORY_DAYS * DAY,))


def has_window(criteria: Any) -> bool:
    if not isinstance(criteria, dict):
        return False
    field = criteria.get("field")
    if isinstance(field, dict) and field.get("api_name") == "audited_time":
        return True
    group = criteria.get("group")
    return isinstance(group, list) and any(has_window(item) for item in group)


def _group(db: sqlite3.Connection, criteria: JsonObj, at: str, now: float) -> Where:
    operator = criteria.get("group_operator")
    if operator is None:
        raise _error("MANDATORY_NOT_FOUND", "required field not found", "group_operator", at)
    if not isinstance(operator, str) or operator.lower() != "and":
        raise _error(
            "INVALID_DATA",
            INVALID,
            "group_operator",
            f"{at}.group_operator",
            supported_values=["and"],
        )
    group = criteria.get("group")
    if not isinstance(group, list) or not group:
        raise _error(
            "INVALID_DATA", INVALID, "group", f"{at}.group", expected_data_type="jsonarray"
        )
    if len(group) > GROUP_LIMIT:
        raise _limit("group", f"{at}.group[{GROUP_LIMIT}]", GROUP_LIMIT)
    where = parse(db, group[0], f"{at}.group[0]", now)
    for index, item in enumerate(group[1:], start=1):
        where = where.both(parse(db, item, f"{at}.group[{index}]", now))
    return where


def _condition(db: sqlite3.Connection, criteria: JsonObj, at: str, now: float) -> Where:
    field = criteria["field"]
    name = field.get("api_name") if isinstance(field, dict) else None
    if name not in COMPARATORS:
        raise _error(
            "INVALID_DATA",
            INVALID,
            "api_name",
            f"{at}.field.api_name",
            supported_values=list(COMPARATORS),
        )
    comparator = criteria.get("comparator")
    if comparator is None:
        raise ItemError(
            field_error(
                "DEPENDENT_FIELD_MISSING",
                "dependent field missing",
                "comparator",
                f"{at}.comparator",
                dependee={"api_name": "field", "json_path": f"{at}.field"},
            )
        )
    if comparator not in COMPARATORS[name]:
        raise _error(
            "INVALID_DATA",
            INVALID,
            "comparator",
            f"{at}.comparator",
            supported_values=list(COMPARATORS[name]),
        )
    if "value" not in criteria:
        raise _error("MANDATORY_NOT_FOUND", "required field not found", "value", f"{at}.value")
    return READERS[name](db, comparator, criteria["value"], f"{at}.value", now)


def _values(comparator: str, value: Any, at: str, limit: int) -> list[Any]:
    """`in` takes a list; `equal` one value (or, for references, a list of exactly one)."""
    if not isinstance(value, list) or not 1 <= len(value) <= limit:
        raise ItemError(
            field_error(
                "DEPENDENT_MISMATCH",
                "the value does not suit the comparator",
                "value",
                at,
                dependee={
                    "api_name": "comparator",
                    "json_path": at[: -len(".value")] + ".comparator",
                },
                expected_data_type="jsonarray",
            )
        )
    return value


def _action(db: sqlite3.Connection, comparator: str, value: Any, at: str, now: float) -> Where:
    wanted = [value] if comparator == "equal" else _values(comparator, value, at, len(ACTIONS))
    for index, action in enumerate(wanted):
        if action not in ACTIONS:
            where = at if comparator == "equal" else f"{at}[{index}]"
            raise _error("INVALID_DATA", INVALID, "value", where, supported_values=list(ACTIONS))
    return _member("action", wanted)


def _module(db: sqlite3.Connection, comparator: str, value: Any, at: str, now: float) -> Where:
    limit = 1 if comparator == "equal" else LIST_LIMIT
    names = [
        _module_name(db, ref, f"{at}[{i}]")
        for i, ref in enumerate(_values(comparator, value, at, limit))
    ]
    return _member("module", names)


def _module_name(db: sqlite3.Connection, ref: Any, at: str) -> str:
    """A module by api_name and/or id: a CRM module or a settings area (which has no id)."""
    if not isinstance(ref, dict) or not ({"api_name", "id"} & ref.keys()):
        raise _error("INVALID_DATA", INVALID, "module", at, expected_data_type="jsonobject")
    by_name = ref.get("api_name")
    for area in AREAS:
        if isinstance(by_name, str) and by_name.lower() == area.lower() and "id" not in ref:
            return area
    by_id = _find(db, "id = ?", as_id(ref.get("id"))) if "id" in ref else None
    named = _find(db, "api_name = ? COLLATE NOCASE", by_name) if "api_name" in ref else None
    if by_id is not None and named is not None and by_id != named:
        raise _pointing(
            "AMBIGUITY_DURING_PROCESSING",
            "ambiguity during processing",
            "ambiguity_due_to",
            {"id": f"{at}.id", "api_name": f"{at}.api_name"},
        )
    found = by_id or named
    if found is None or ("id" in ref and by_id is None) or ("api_name" in ref and named is None):
        raise _error("INVALID_DATA", INVALID, "module", at)
    return found


def _find(db: sqlite3.Connection, condition: str, value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    row = db.execute(f"SELECT api_name FROM modules WHERE {condition}", (value,)).fetchone()
    return None if row is None else str(row["api_name"])


def _done_by(db: sqlite3.Connection, comparator: str, value: Any, at: str, now: float) -> Where:
    limit = 1 if comparator == "equal" else LIST_LIMIT
    ids = []
    for index, ref in enumerate(_values(comparator, value, at, limit)):
        ident = as_id(ref.get("id")) if isinstance(ref, dict) else None
        known = ident and db.execute("SELECT 1 FROM users WHERE id = ?", (ident,)).fetchone()
        if not known:
            raise _error("INVALID_DATA", INVALID, "id", f"{at}[{index}].id")
        ids.append(ident)
    return _member("done_by_id", ids)


def _between(db: sqlite3.Connection, comparator: str, value: Any, at: str, now: float) -> Where:
    if not isinstance(value, list) or len(value) != 2:
        _values(comparator, None, at, 2)
    start, end = (_time(item, f"{at}[{i}]") for i, item in enumerate(value))
    if end < start:
        raise _error("INVALID_DATA", INVALID, "value", at)
    if end - start > MAX_SPAN_DAYS * DAY or start < now - HISTORY_DAYS * DAY:
        raise _error("NOT_ALLOWED", SIX_MONTHS, "value", at)
    return Where("audited_time BETWEEN ? AND ?", (start, end))


def _time(value: Any, at: str) -> float:
    try:
        moment = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise _error("INVALID_DATA", INVALID, "value", at, expected_data_type="datetime")
    return moment.timestamp()


def _member(column: str, values: list[Any]) -> Where:
    marks = ", ".join("?" for _ in values)
    return Where(f"{column} IN ({marks})", tuple(values))


def _error(code: str, message: str, name: str, at: str, **extra: Any) -> ItemError:
    return ItemError(field_error(code, message, name, at, **extra))


def _pointing(code: str, message: str, key: str, fields: dict[str, str]) -> ItemError:
    """An error whose details list fields by api name and JSON path (OAS2's shapes)."""
    pointers = [{"api_name": name, "json_path": path} for name, path in fields.items()]
    return ItemError(
        {"code": code, "details": {key: pointers}, "message": message, "status": "error"}
    )


def _limit(name: str, at: str, limit: int) -> ItemError:
    return _error(
        "LIMIT_EXCEEDED",
        f"The {name} jsonarray size should not exceed {limit}",
        name,
        at,
        limit=str(limit),
    )


Reader = Callable[[sqlite3.Connection, str, Any, str, float], Where]
READERS: dict[str, Reader] = {
    "action": _action,
    "module": _module,
    "done_by": _done_by,
    "audited_time": _between,
}
