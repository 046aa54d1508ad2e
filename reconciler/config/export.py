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

from reconciler.config.export_access import access_yaml
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
    name_key,
)

SCHEMA_REFERENCE = "../schemas/reconciler.schema.json"  # from a file in a folder beside schemas/
DEFAULT = "Zoho's default"
_INTEGER = re.compile(r"-?(0|[1-9][0-9]{0,17})")


def dump(
    state: OrgState,
    header: str | None = None,
    *,
    as_written: bool = False,
    schema: str = SCHEMA_REFERENCE,
) -> str:
    """The YAML text of `state`; `header` lines go after the schema comment, which names
    `schema` (a path relative to the file written, or a URL).

    A live org (the default) is written whole, leaving out only empty managers and
    descriptions. `as_written` writes a desired state as a user would: exactly the keys it
    manages, `null` included, and its `previously` names."""
    document = CommentedMap()
    document["version"] = 1
    if state.territories is not None:
        document["territories"] = _tree(state.territories, as_written)
    if state.data_sharing is not None:
        document["data_sharing"] = CommentedMap(sorted(state.data_sharing.items()))
        for module, share in sorted(state.data_sharing.items()):
            document["data_sharing"][module] = share.value
    if state.sharing_rules is not None:
        document["sharing_rules"] = _rules(state.sharing_rules, as_written)
    access_yaml(document, state, as_written)
    lines = [f"yaml-language-server: $schema={schema}", *(header.splitlines() if header else [])]
    document.yaml_set_start_comment("\n".join(lines))
    out = io.StringIO()
    yaml_writer().dump(document, out)
    return tidy(out.getvalue())


def yaml_writer() -> YAML:
    """The layout every file the tool writes has (`fmt` keeps files in it)."""
    yaml = YAML(typ="rt")
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.width = 100
    # `[{name: A}]`, not ruamel's `[name: A]`: the same YAML, but readers take it for a list.
    yaml.brace_single_entry_mapping_in_flow_sequence = True
    # `manager: null` says "no manager" plainly; ruamel would write `manager:`.
    yaml.representer.add_representer(
        type(None), lambda r, _: r.represent_scalar("tag:yaml.org,2002:null", "null")
    )
    return yaml


def tidy(text: str) -> str:
    """No blanks at line ends: ruamel leaves one where it wraps a long flow list, and
    editors and pre-commit hooks strip it (export writes no block scalar, where they count)."""
    return "".join(line.rstrip() + "\n" for line in text.splitlines())


# The keys of a territory, in the canonical order `export` writes and `fmt` keeps.
FIELDS = (
    "previously",
    "manager",
    "permission",
    "description",
    "users",
    "account_rule",
    "deal_rule",
    "lead_rule",
)
ROOT_FIELDS = ("users",)


def _tree(territories: tuple[Territory, ...], as_written: bool) -> CommentedMap:
    children: dict[str | None, list[Territory]] = {}
    for t in territories:
        children.setdefault(name_key(t.parent) if t.parent else None, []).append(t)
    root = next(t for t in territories if t.is_root)
    return _node(root, children, as_written)


def _node(
    territory: Territory, children: dict[str | None, list[Territory]], as_written: bool
) -> CommentedMap:
    node = CommentedMap()
    node["name"] = territory.name
    for key in ROOT_FIELDS if territory.is_root else FIELDS:
        value = getattr(territory, key)
        if _writes(territory, key, value, as_written):
            node[key] = _field_yaml(key, value)
    if not as_written and territory.permission is Permission.read_write_delete:
        node.yaml_add_eol_comment(DEFAULT, "permission", column=0)
    below = sorted(children.get(territory.key, []), key=lambda t: t.key)
    if below:
        node["children"] = CommentedSeq([_node(c, children, as_written) for c in below])
    return node


def _writes(territory: Territory, key: str, value: Any, as_written: bool) -> bool:
    if as_written:
        return key in territory.managed_fields() and not (key == "previously" and not value)
    if key in ("previously", "manager", "description"):
        return bool(value)
    return key == "permission" or value is not None


def _field_yaml(key: str, value: Any) -> Any:
    if key in ("users", "previously"):
        return _flow(sorted(value) if key == "users" else list(value))
    if key.endswith("_rule") and value is not None:
        return criteria_yaml(value)
    return value.value if key == "permission" else value


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


def _rules(rules: dict[str, tuple[SharingRule, ...]], as_written: bool) -> CommentedMap:
    by_module = CommentedMap()
    for module, items in sorted(rules.items()):
        ordered = sorted(items, key=lambda r: r.key)
        by_module[module] = CommentedSeq([_rule(r, as_written) for r in ordered])
    return by_module


def _rule(rule: SharingRule, as_written: bool) -> CommentedMap:
    node = CommentedMap()
    node["name"] = rule.name
    if rule.source is not None:
        node["from"] = _principal(rule.source)
    if rule.criteria is not None:
        node["criteria"] = criteria_yaml(rule.criteria)
    node["to"] = _principal(rule.target)
    defaults = {
        "access": rule.access is Access.read,
        "superiors": not rule.superiors,
        "active": rule.active,
    }
    for key, is_default in defaults.items():
        if as_written and key not in rule.managed_fields():
            continue
        value = getattr(rule, key)
        node[key] = value.value if key == "access" else value
        if is_default and not as_written:
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


# -- pieces, for `adopt` ----------------------------------------------------------------------


def territory_yaml(territory: Territory) -> CommentedMap:
    """One live territory as `export` writes it, without its children."""
    return _node(territory, {}, as_written=False)


def rule_yaml(rule: SharingRule) -> CommentedMap:
    """One live sharing rule as `export` writes it."""
    return _rule(rule, as_written=False)


def field_yaml(key: str, value: Any) -> Any:
    """A territory field's live value as `export` writes it."""
    return None if value is None else _field_yaml(key, value)
