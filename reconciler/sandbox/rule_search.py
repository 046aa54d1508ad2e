"""Sharing-rule search and summary (REFERENCE §6.1, §6.3): `{"filters": [group]}` with the
documented keys and comparators, `${EMPTY}` standing for "not set"."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import Any

from reconciler.sandbox import recompute
from reconciler.sandbox.call import Call
from reconciler.sandbox.replies import (
    JsonObj,
    Reply,
    error_item,
    listing,
    mandatory_missing,
    no_content,
    too_many_items,
)
from reconciler.sandbox.routing import Route, scopes
from reconciler.sandbox.sharing_rules import module_param, rule_json

Test = Callable[[JsonObj], bool]
FILTER_KEYS = {
    "superiors_allowed": "equal",
    "status": "equal",
    "permission_type": "equal",
    "shared_to.type": "equal",
    "shared_from.type": "equal",
    "name": "like",
    "shared_to.resource.id": "in",
    "shared_from.resource.id": "in",
}
EMPTY = "${EMPTY}"


class FilterError(Exception):
    """A bad filter; sharing_rules.json reports these per item, under `sharing_rules`."""

    def __init__(self, code: str, message: str, **details: Any) -> None:
        super().__init__(message)
        self.reply = Reply(400, {"sharing_rules": [error_item(code, message, details)]})


def _bad(message: str, **details: Any) -> FilterError:
    return FilterError("INVALID_DATA", message, **details)


def _filter(call: Call) -> Test:
    body = call.body()
    filters = body.get("filters") if isinstance(body, dict) else None
    if not isinstance(filters, list) or not filters:
        raise mandatory_missing("filters")
    if len(filters) > 1:
        raise too_many_items("filters", 1)
    return _node(filters[0], "$.filters[0]")


def _node(node: Any, at: str) -> Test:
    if not isinstance(node, dict) or not node:
        expected = [{"api_name": k, "json_path": f"{at}.{k}"} for k in ("group_operator", "group")]
        raise FilterError(
            "EXPECTED_FIELD_MISSING",
            "one of the expected field is missing",
            expected_fields=expected,
        )
    if "group" not in node:
        return _condition(node, at)
    operator = node.get("group_operator")
    if operator not in ("and", "or", "AND", "OR") or not isinstance(node["group"], list):
        raise _bad(
            "the value given is invalid",
            api_name="group_operator",
            json_path=f"{at}.group_operator",
            supported_values=["or", "and"],
        )
    tests = [_node(child, f"{at}.group[{i}]") for i, child in enumerate(node["group"])]
    combine = all if str(operator).lower() == "and" else any
    return lambda rule: combine(test(rule) for test in tests)


def _condition(node: JsonObj, at: str) -> Test:
    field = node.get("field")
    key = field.get("api_name") if isinstance(field, dict) else None
    if key not in FILTER_KEYS:
        raise _bad(
            "the value given is invalid",
            api_name="api_name",
            json_path=f"{at}.field.api_name",
            supported_values=list(FILTER_KEYS),
        )
    if node.get("comparator") != FILTER_KEYS[key]:
        raise FilterError(
            "DEPENDENT_MISMATCH",
            "the comparator is not supported for the given field",
            api_name="comparator",
            json_path=f"{at}.comparator",
            dependee={"api_name": "field", "json_path": f"{at}.field"},
        )
    wanted = node.get("value")
    return lambda rule: _matches(_lookup(rule, str(key)), FILTER_KEYS[str(key)], wanted)


def _lookup(rule: JsonObj, key: str) -> Any:
    value: Any = rule
    for part in key.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def _matches(actual: Any, comparator: str, wanted: Any) -> bool:
    if wanted == EMPTY:
        return actual is None
    if comparator == "in":
        options = wanted if isinstance(wanted, list) else [wanted]
        return str(actual) in [str(v) for v in options]
    if comparator == "like":
        return str(wanted).strip("%*").lower() in str(actual or "").lower()
    return str(actual).lower() == str(wanted).lower()


def _rules(call: Call, module: sqlite3.Row | None) -> list[JsonObj]:
    name = None if module is None else module["api_name"]
    rows = call.db.execute(
        "SELECT r.* FROM sharing_rules r JOIN modules m ON m.api_name = r.module "
        "WHERE ? IS NULL OR r.module = ? ORDER BY m.seq, r.seq",
        (name, name),
    ).fetchall()
    return [rule_json(call.db, row) for row in rows]


def search_rules(call: Call) -> Reply:
    module = module_param(call, required=False)
    try:
        keep = _filter(call)
    except FilterError as bad:
        return bad.reply
    found = [rule for rule in _rules(call, module) if keep(rule)]
    page, per_page = call.page(200, 200)
    start = (page - 1) * per_page
    return listing(
        "sharing_rules",
        found[start : start + per_page],
        page,
        per_page,
        len(found) > start + per_page,
    )


def summary(call: Call) -> Reply:
    return _summary(call, lambda rule: True)


def search_summary(call: Call) -> Reply:
    try:
        return _summary(call, _filter(call))
    except FilterError as bad:
        return bad.reply


def _summary(call: Call, keep: Test) -> Reply:
    module = module_param(call, required=False)
    counts: dict[str, int] = {}
    for rule in _rules(call, module):
        if keep(rule):
            counts[rule["module"]["api_name"]] = counts.get(rule["module"]["api_name"], 0) + 1
    if not counts:
        return no_content()
    rows = call.db.execute("SELECT * FROM modules ORDER BY seq").fetchall()
    return Reply(
        200,
        {
            "sharing_rules_summary": [
                {
                    "module": {"api_name": row["api_name"], "id": row["id"]},
                    "rule_computation_status": recompute.running(row, call.now),
                    "rule_count": counts[row["api_name"]],
                }
                for row in rows
                if row["api_name"] in counts
            ]
        },
    )


READ = scopes("ZohoCRM.settings.data_sharing.READ")
BASE = "/settings/data_sharing/rules"
ROUTES = [
    Route("POST", BASE + "/search", search_rules, READ),
    Route("GET", BASE + "/actions/summary", summary, READ),
    Route("POST", BASE + "/actions/summary", search_summary, READ),
]
