"""An `OrgState` -> YAML that `validate` accepts and `plan` finds identical to the org.

Deterministic: children, members, modules and rules are sorted; the same org always gives
the same bytes. Every managed key is written (members as `[]` when a territory has none)
so drift on any of them shows in a later plan; values that are Zoho's defaults carry a
comment saying so.
"""

from __future__ import annotations

import io
import re
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from reconciler.model import (
    Access,
    Condition,
    Criteria,
    Group,
    OrgState,
    Permission,
    Principal,
    PrincipalKind,
    SharingRule,
    Territory,
    territory_key,
)

SCHEMA_COMMENT = "yaml-language-server: $schema=../schemas/reconciler.schema.json"
DEFAULT = "Zoho's default"
_INTEGER = re.compile(r"-?(0|[1-9][0-9]{0,17})")


def dump(state: OrgState, header: str | None = None) -> str:
    """The YAML text of `state`; `header` lines go after the schema comment."""
    document = CommentedMap()
    document["version"] = 1
    if state.territories is not None:
        document["territories"] = _tree(state.territories)
    if state.data_sharing is not None:
        document["data_sharing"] = CommentedMap(sorted(state.data_sharing.items()))
        for module, share in sorted(state.data_sharing.items()):
            document["data_sharing"][module] = share.value
    if state.sharing_rules is not None:
        document["sharing_rules"] = _rules(state.sharing_rules)
    lines = [SCHEMA_COMMENT, *(header.splitlines() if header else [])]
    document.yaml_set_start_comment("\n".join(lines))
    out = io.StringIO()
    yaml_writer().dump(document, out)
    return tidy(out.getvalue())


def yaml_writer() -> YAML:
    """The layout every file the tool writes has (`fmt` keeps files in it)."""
    yaml = YAML(typ="rt")
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.width = 100
    return yaml


def tidy(text: str) -> str:
    """No blanks at line ends: ruamel leaves one where it wraps a long flow list, and
    editors and pre-commit hooks strip it (export writes no block scalar, where they count)."""
    return "".join(line.rstrip() + "\n" for line in text.splitlines())


def _tree(territories: tuple[Territory, ...]) -> CommentedMap:
    children: dict[str | None, list[Territory]] = {}
    for t in territories:
        children.setdefault(territory_key(t.parent) if t.parent else None, []).append(t)
    root = next(t for t in territories if t.is_root)
    return _node(root, children)


def _node(territory: Territory, children: dict[str | None, list[Territory]]) -> CommentedMap:
    node = CommentedMap()
    node["name"] = territory.name
    if not territory.is_root:
        _territory_fields(node, territory)
    elif territory.users is not None:
        node["users"] = _flow(sorted(territory.users))
    below = sorted(children.get(territory.key, []), key=lambda t: t.key)
    if below:
        node["children"] = CommentedSeq([_node(c, children) for c in below])
    return node


def _territory_fields(node: CommentedMap, territory: Territory) -> None:
    if territory.manager is not None:
        node["manager"] = territory.manager
    node["permission"] = territory.permission.value
    if territory.permission is Permission.read_write_delete:
        node.yaml_add_eol_comment(DEFAULT, "permission", column=0)
    if territory.description:
        node["description"] = territory.description
    if territory.users is not None:
        node["users"] = _flow(sorted(territory.users))
    for kind in ("account_rule", "deal_rule", "lead_rule"):
        criteria = getattr(territory, kind)
        if criteria is not None:
            node[kind] = criteria_yaml(criteria)


def criteria_yaml(criteria: Criteria) -> Any:
    """The readable `{all: [...]}` / `{any: [...]}` / condition form of model criteria."""
    if isinstance(criteria, Group):
        key = "all" if criteria.operator == "and" else "any"
        group = CommentedMap()
        group[key] = CommentedSeq([criteria_yaml(c) for c in criteria.criteria])
        return group
    assert isinstance(criteria, Condition)
    condition = CommentedMap()
    condition["field"] = criteria.field
    condition[criteria.comparator.value] = _value(criteria.value)
    condition.fa.set_flow_style()
    return condition


def _value(value: Any) -> Any:
    if isinstance(value, tuple):
        return _flow([_value(v) for v in value])
    if isinstance(value, str) and _INTEGER.fullmatch(value):
        return int(value)  # loads back to the same text; reads better unquoted
    return value


def _flow(items: list[Any]) -> CommentedSeq:
    seq = CommentedSeq(items)
    seq.fa.set_flow_style()
    return seq


def _rules(rules: dict[str, tuple[SharingRule, ...]]) -> CommentedMap:
    by_module = CommentedMap()
    for module, items in sorted(rules.items()):
        by_module[module] = CommentedSeq([_rule(r) for r in sorted(items, key=lambda r: r.key)])
    return by_module


def _rule(rule: SharingRule) -> CommentedMap:
    node = CommentedMap()
    node["name"] = rule.name
    if rule.source is not None:
        node["from"] = _principal(rule.source)
    if rule.criteria is not None:
        node["criteria"] = criteria_yaml(rule.criteria)
    node["to"] = _principal(rule.target)
    node["access"] = rule.access.value
    node["superiors"] = rule.superiors
    node["active"] = rule.active
    for key, is_default in (
        ("access", rule.access is Access.read),
        ("superiors", not rule.superiors),
        ("active", rule.active),
    ):
        if is_default:
            node.yaml_add_eol_comment(DEFAULT, key, column=0)
    return node


def _principal(principal: Principal) -> CommentedMap:
    node = CommentedMap()
    if principal.kind is PrincipalKind.all_users:
        node["all_users"] = True
    else:
        node[principal.kind.value] = principal.name
        if principal.subordinates:
            node["subordinates"] = True
    node.fa.set_flow_style()
    return node
