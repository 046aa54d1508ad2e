"""Whether a record meets a territory's rule criteria (REFERENCE §3.3), as the assignment
engine tests it. Criteria arrive as stored: already checked by `criteria.Criteria`.

Where Zoho's sources are silent (docs/record-impact.md lists each choice): text compares
case-insensitively; numbers compare as numbers when both sides read as numbers; a field the
record lacks or leaves empty matches only `${EMPTY}` and the negative comparators; a lookup
(`{"id", "name"}`) matches by id or by name."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from reconciler.sandbox.replies import JsonObj

EMPTY, NOT_EMPTY = "${EMPTY}", "${NOTEMPTY}"
NEGATIVE = {"not_equal", "not_in", "not_like", "not_contains", "not_between", "exclude_all"}
NEGATIVE |= {"exclude_any"}


def meets(criteria: JsonObj | None, data: JsonObj) -> bool:
    """True when `data` (a record's fields) satisfies `criteria`; no criteria, no match."""
    if criteria is None:
        return False
    if "group" in criteria:
        results = (meets(member, data) for member in criteria["group"])
        return all(results) if str(criteria["group_operator"]).lower() == "and" else any(results)
    return _condition(criteria["comparator"], data.get(criteria["field"]["api_name"]), criteria)


def _condition(comparator: str, actual: Any, criteria: JsonObj) -> bool:
    wanted = criteria["value"]
    if wanted in (EMPTY, NOT_EMPTY):
        empty = _is_empty(actual)
        hit = empty if wanted == EMPTY else not empty
        return hit if comparator in ("equal", "in") else not hit
    if _is_empty(actual):
        return comparator in NEGATIVE
    test = TESTS.get(comparator)
    return bool(test and test(_texts(actual), wanted))


def _is_empty(value: Any) -> bool:
    return value is None or value == "" or value == []


def _texts(value: Any) -> list[str]:
    """A field value as the texts it can be compared by (a lookup: its id and its name)."""
    if isinstance(value, dict):
        return [str(value[k]).casefold() for k in ("id", "name") if value.get(k) is not None]
    if isinstance(value, list):
        return [t for item in value for t in _texts(item)]
    if isinstance(value, bool):
        return [str(value).lower()]
    return [str(value).casefold()]


def _wanted(value: Any) -> list[str]:
    values = value if isinstance(value, list) else [value]
    return [t for v in values for t in _texts(v)]


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def _order(actual: str, wanted: str) -> int:
    """-1, 0 or 1: numerically when both are numbers, else as text (ISO dates sort)."""
    a, w = _number(actual), _number(wanted)
    if a is not None and w is not None:
        return (a > w) - (a < w)
    return (actual > wanted) - (actual < wanted)


def _equal(actual: list[str], wanted: Any) -> bool:
    return any(_order(a, w) == 0 for a in actual for w in _wanted(wanted))


def _text(op: Callable[[str, str], bool]) -> Callable[[list[str], Any], bool]:
    return lambda actual, wanted: any(op(a, w) for a in actual for w in _wanted(wanted))


def _compare(keep: Callable[[int], bool]) -> Callable[[list[str], Any], bool]:
    return lambda actual, wanted: any(keep(_order(a, _wanted(wanted)[0])) for a in actual)


def _between(actual: list[str], wanted: Any) -> bool:
    low, high = _wanted(wanted)[:2]
    return any(_order(a, low) >= 0 and _order(a, high) <= 0 for a in actual)


def _include_all(actual: list[str], wanted: Any) -> bool:
    return all(w in actual for w in _wanted(wanted))


def _include_any(actual: list[str], wanted: Any) -> bool:
    return any(w in actual for w in _wanted(wanted))


TESTS: dict[str, Callable[[list[str], Any], bool]] = {
    "equal": _equal,
    "in": _equal,
    "not_equal": lambda a, w: not _equal(a, w),
    "not_in": lambda a, w: not _equal(a, w),
    "starts_with": _text(str.startswith),
    "ends_with": _text(str.endswith),
    "contains": _text(lambda a, w: w in a),
    "like": _text(lambda a, w: w.strip("%*") in a),
    "not_contains": lambda a, w: not _text(lambda x, y: y in x)(a, w),
    "not_like": lambda a, w: not _text(lambda x, y: y.strip("%*") in x)(a, w),
    "less_than": _compare(lambda c: c < 0),
    "less_equal": _compare(lambda c: c <= 0),
    "greater_than": _compare(lambda c: c > 0),
    "greater_equal": _compare(lambda c: c >= 0),
    "between": _between,
    "not_between": lambda a, w: not _between(a, w),
    "include_all": _include_all,
    "include_any": _include_any,
    "exclude_all": lambda a, w: not _include_all(a, w),
    "exclude_any": lambda a, w: not _include_any(a, w),
}
