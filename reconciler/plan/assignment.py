"""Where Zoho's assignment rules put a record, for a given territory tree (pure).

The algorithm is Zoho's help page "Assigning Territories" (docs/record-impact.md):
Accounts and Leads walk the tree from the root, testing a territory's children only when the
record meets its rule and keeping the deepest match of every path (every matching branch);
a territory without a rule for the module matches nothing. Contacts take their account's
territories; deals their contact's, else their account's, each kept only if the deal meets
that territory's deal rule where one is set. Manual assignments stay; rule-given ones fill
what the cap leaves (10 a record, 1 a deal), in walk order.

Values compare as Zoho's criteria do, in the reading the sandbox shares: text without regard
to case, numbers as numbers when both sides are numbers, lookups by id or by name, an empty
field only matching `${EMPTY}` and the negative comparators."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from reconciler.model import Comparator, Condition, Criteria, Group, Territory, name_key

CAPS = {"Deals": 1}
DEFAULT_CAP = 10
RULE_OF = {"Accounts": "account_rule", "Leads": "lead_rule", "Deals": "deal_rule"}
EMPTY, NOT_EMPTY = "${EMPTY}", "${NOTEMPTY}"
NEGATED = {
    Comparator.not_equal: Comparator.equal,
    Comparator.not_in: Comparator.in_,
    Comparator.not_like: Comparator.like,
    Comparator.not_contains: Comparator.contains,
    Comparator.not_between: Comparator.between,
    Comparator.exclude_all: Comparator.include_all,
    Comparator.exclude_any: Comparator.include_any,
}


def cap_of(module: str) -> int:
    return CAPS.get(module, DEFAULT_CAP)


def matches(criteria: Criteria | None, record: Mapping[str, Any]) -> bool:
    """Whether a record (field API name -> value as Zoho returns it) meets the criteria."""
    if criteria is None:
        return False
    if isinstance(criteria, Group):
        tests = (matches(inner, record) for inner in criteria.criteria)
        return all(tests) if criteria.operator == "and" else any(tests)
    return _holds(criteria, record.get(criteria.field))


def _holds(condition: Condition, raw: Any) -> bool:
    positive = NEGATED.get(condition.comparator)
    if positive is not None:
        return not _holds(condition.model_copy(update={"comparator": positive}), raw)
    wanted = condition.value if isinstance(condition.value, tuple) else (condition.value,)
    have = _comparable(raw)
    if wanted and str(wanted[0]) in (EMPTY, NOT_EMPTY):
        return (not have) == (str(wanted[0]) == EMPTY)
    if not have:
        return False
    targets = [str(w).casefold() for w in wanted]
    return _compare(condition.comparator, have, targets)


def _compare(comparator: Comparator, have: list[str], targets: list[str]) -> bool:
    if comparator in (Comparator.equal, Comparator.in_):
        return any(_order(h, t) == 0 for h in have for t in targets)
    if comparator is Comparator.include_all:
        return all(t in have for t in targets)
    if comparator is Comparator.include_any:
        return any(t in have for t in targets)
    if comparator is Comparator.between:
        low, high = targets[0], targets[1]
        return any(_order(h, low) >= 0 and _order(h, high) <= 0 for h in have)
    if comparator in ORDERED:
        return any(ORDERED[comparator](_order(h, targets[0])) for h in have)
    text = TEXT[comparator]
    return any(text(h, t) for h in have for t in targets)


ORDERED: dict[Comparator, Callable[[int], bool]] = {
    Comparator.less_than: lambda c: c < 0,
    Comparator.less_equal: lambda c: c <= 0,
    Comparator.greater_than: lambda c: c > 0,
    Comparator.greater_equal: lambda c: c >= 0,
}
TEXT: dict[Comparator, Callable[[str, str], bool]] = {
    Comparator.starts_with: str.startswith,
    Comparator.ends_with: str.endswith,
    Comparator.contains: lambda h, t: t in h,
    Comparator.like: lambda h, t: t.strip("%*") in h,
}


def _comparable(raw: Any) -> list[str]:
    """A field value as the lower-cased texts a condition may test (a lookup: id and name)."""
    if raw is None or raw == "":
        return []
    if isinstance(raw, dict):
        return [str(raw[k]).casefold() for k in ("id", "name") if raw.get(k) is not None]
    if isinstance(raw, list):
        return [text for item in raw for text in _comparable(item)]
    if isinstance(raw, bool):
        return ["true" if raw else "false"]
    return [str(raw).casefold()]


def _order(have: str, target: str) -> int:
    a, b = _number(have), _number(target)
    if a is None or b is None:
        return (have > target) - (have < target)
    return (a > b) - (a < b)


@lru_cache(maxsize=4096)
def _number(text: str) -> float | None:
    """The text as a number, or None. Cached: a large org's records repeat a few values
    (countries, stages), and a failed `float` costs an exception each time."""
    try:
        return float(text)
    except ValueError:
        return None


@dataclass(frozen=True)
class Rules:
    """A territory tree's rules, keyed by territory name key, children in tree order."""

    children: Mapping[str | None, Sequence[str]]
    rules: Mapping[tuple[str, str], Criteria]  # (territory key, rule kind) -> criteria
    names: Mapping[str, str]  # territory key -> name as written

    @classmethod
    def of(cls, territories: Iterable[Territory]) -> Rules:
        children: dict[str | None, list[str]] = {}
        rules: dict[tuple[str, str], Criteria] = {}
        names: dict[str, str] = {}
        for territory in territories:
            parent = None if territory.parent is None else name_key(territory.parent)
            children.setdefault(parent, []).append(territory.key)
            names[territory.key] = territory.name
            for kind in RULE_OF.values():
                criteria = getattr(territory, kind)
                if criteria is not None:
                    rules[(territory.key, kind)] = criteria
        return cls(children, rules, names)

    def walk(self, module: str, record: Mapping[str, Any]) -> list[str]:
        """The keys of the territories the rules give the record, in walk order. The walk
        starts below the root (the org territory, which carries no rules)."""
        kind = RULE_OF[module]
        found: list[str] = []

        def visit(parent: str) -> None:
            for key in self.children.get(parent, ()):
                if matches(self.rules.get((key, kind)), record):
                    before = len(found)
                    visit(key)
                    if len(found) == before:  # nothing deeper matched on this path
                        found.append(key)

        for root in self.children.get(None, ()):
            visit(root)
        return found

    def deal_allows(self, territory: str, deal: Mapping[str, Any]) -> bool:
        rule = self.rules.get((territory, "deal_rule"))
        return rule is None or matches(rule, deal)


def land(earned: Sequence[str], manual: Sequence[str], cap: int) -> tuple[list[str], list[str]]:
    """(what a record holds after the rules run, earned territories the cap leaves out)."""
    extra = [t for t in earned if t not in manual]
    room = max(cap - len(manual), 0)
    return [*manual, *extra[:room]], extra[room:]
