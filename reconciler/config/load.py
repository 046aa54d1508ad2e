"""YAML files -> one `OrgState`, reporting every problem at once with its position.

`load()` parses each file (`source`), validates it against the file format (`document`),
merges the files, runs the cross-object checks that need the whole picture (duplicate names
across files, renames that collide, the 250-territory cap) and converts the result into the
flat state the diff works on. Where each name was written is kept in a `SourceMap` so later
stages (reference checks against the live org) can point at the right line too.
"""

from __future__ import annotations

import difflib
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from pydantic import ValidationError

from reconciler.config import access_doc
from reconciler.config import document as doc
from reconciler.config.access import Access, finish_access
from reconciler.config.bounds import TooMuch, read_bounded
from reconciler.config.explain import data_path, field_names, prune
from reconciler.config.explain import diagnostics as explain
from reconciler.config.overlay import merge_tree
from reconciler.config.source import (
    Location,
    SourceFile,
    SourceMap,
    YamlPath,
    YamlProblem,
    parse,
    walk_files,
)
from reconciler.config.tree import Written, check_tree
from reconciler.errors import ConfigError, Diagnostic
from reconciler.model import (
    DATA_SHARING_MODULES,
    REALIGN_MODULES,
    SHARING_RULE_MODULES,
    Condition,
    Criteria,
    Group,
    OrgState,
    Principal,
    PrincipalKind,
    Realign,
    Records,
    ShareType,
    SharingRule,
    Territory,
    name_key,
)

T = TypeVar("T")
Document = tuple[str, bytes]  # a file's name as messages show it, and its bytes
KNOWN_KEYS = field_names(
    doc.ConfigDoc,
    doc.TerritoryDoc,
    doc.SharingRuleDoc,
    doc.PrincipalDoc,
    doc.ConditionDoc,
    access_doc.RoleDoc,
    access_doc.GroupsDoc,
    access_doc.GroupDoc,
    access_doc.SourceDoc,
    access_doc.UserDoc,
    doc.PolicyDoc,
) | {"all", "any"}


@dataclass(frozen=True)
class Policy:
    """A policy as written, and where: positions for the findings that blame the policy."""

    doc: doc.PolicyDoc
    source: SourceFile
    path: YamlPath

    def place(self, *below: str | int) -> Location:
        return self.source.place((*self.path, *below))

    def key_place(self, key: str) -> Location:
        return self.source.key_place((*self.path, key))


@dataclass
class Config:
    """A loaded configuration: the desired state and where each part of it was written."""

    state: OrgState
    sources: SourceMap
    files: tuple[str, ...]
    digest: str = ""
    policies: tuple[Policy, ...] = ()


@dataclass
class _Merge:
    diagnostics: list[Diagnostic] = field(default_factory=list)
    roots: list[Written] = field(default_factory=list)
    grafts: list[Written] = field(default_factory=list)
    nodes: list[Written] = field(default_factory=list)
    defaults: dict[str, tuple[ShareType, Location]] = field(default_factory=dict)
    rules: dict[str, dict[str, tuple[doc.SharingRuleDoc, Location, SourceFile, YamlPath]]] = field(
        default_factory=dict
    )
    sections: set[str] = field(default_factory=set)
    impact: bool = False
    realign: dict[str, tuple[Realign, Location]] = field(default_factory=dict)
    sources: SourceMap = field(default_factory=dict)
    overridden: SourceMap = field(default_factory=dict)  # where overlays restate a value
    policies: dict[str, Policy] = field(default_factory=dict)
    digests: list[str] = field(default_factory=list)
    access: Access = field(default_factory=Access)


def load(paths: Iterable[Path | str], overlays: Iterable[Path | str] = ()) -> Config:
    """Load one file or directories of `*.yaml` files, then `overlays` (an environment's
    files, merged over them: see `overlay`). Raises `ConfigError` listing all problems."""
    paths = list(paths)
    files = list(walk_files([Path(p) for p in paths]))
    if not files:
        where = ", ".join(str(p) for p in paths) or "."
        raise ConfigError([Diagnostic(where, 0, 0, "no YAML files found", "name a .yaml file")])
    merge = _Merge()
    documents = _read(merge, files)
    return _load(merge, documents, _read(merge, walk_files([Path(p) for p in overlays])))


def _read(merge: _Merge, files: Iterable[Path]) -> list[Document]:
    documents = []
    for path in files:
        try:
            documents.append((str(path), read_bounded(path)))
        except TooMuch as exc:
            merge.diagnostics.append(Diagnostic(str(path), 0, 0, f"cannot read: {exc}"))
        except OSError as exc:
            merge.diagnostics.append(Diagnostic(str(path), 0, 0, f"cannot read: {exc.strerror}"))
    return documents


def load_documents(documents: Sequence[Document], overlays: Sequence[Document] = ()) -> Config:
    """Load files given as (name, bytes), e.g. read from git, with `overlays` merged over
    them: the same checks as `load`."""
    return _load(_Merge(), documents, overlays)


def check_document(name: str, raw: bytes) -> list[Diagnostic]:
    """The problems one file has on its own: YAML, the file format, names declared twice in
    it. The checks that need every file (the tree, grafts, caps) are left to `load`."""
    merge = _Merge()
    _add_file(merge, name, raw)
    return sorted(merge.diagnostics)


def _load(
    merge: _Merge, documents: Sequence[Document], overlays: Sequence[Document] = ()
) -> Config:
    for name, raw in documents:
        _add_file(merge, name, raw)
    for name, raw in overlays:
        _add_file(merge, name, raw, overlay=True)
    state = _finish(merge)
    merge.sources.update(merge.overridden)
    if merge.diagnostics:
        raise ConfigError(merge.diagnostics)
    names = tuple(name for name, _ in (*documents, *overlays))
    policies = tuple(merge.policies.values())
    return Config(state, merge.sources, names, _digest(names, merge.digests), policies)


def _add_file(merge: _Merge, name: str, raw: bytes, overlay: bool = False) -> None:
    try:
        source = parse(name, raw)
    except YamlProblem as problem:
        merge.diagnostics.append(problem.diagnostic)
        return
    merge.digests.append(source.digest)
    if not isinstance(source.data, dict):
        merge.diagnostics.append(
            source.place(()).error(
                "the top level must be a mapping", "start with `version: 1` and a section"
            )
        )
        return
    config = _validate(merge, source)
    if config is not None:
        _add_sections(merge, config, source, overlay)


def _validate(merge: _Merge, source: SourceFile) -> doc.ConfigDoc | None:
    """Validate a file; on errors, report them all, then keep checking what is left.

    The parts pydantic rejects are pruned and the rest validated again, so the cross-file
    checks (duplicate names, renames, caps) still run on everything that is well-formed.
    """
    data = source.data
    for attempt in range(_PRUNE_ROUNDS):
        try:
            return doc.ConfigDoc.model_validate(data)
        except ValidationError as exc:
            if attempt == 0:
                merge.diagnostics.extend(explain(exc, source, KNOWN_KEYS))
            data = prune(data, [data_path(data, e["loc"]) for e in exc.errors()])
    return None


_PRUNE_ROUNDS = 8


def _digest(names: tuple[str, ...], digests: list[str]) -> str:
    """One digest for the whole configuration, so a plan names exactly what it came from."""
    combined = hashlib.sha256()
    for name, digest in zip(names, digests, strict=True):
        combined.update(f"{name}\0{digest}\0".encode())
    return "sha256:" + combined.hexdigest()


def _add_sections(
    merge: _Merge, config: doc.ConfigDoc, source: SourceFile, overlay: bool = False
) -> None:
    if config.territories is not None:
        merge.sections.add("territories")
        nodes = _written(merge, config.territories, source)
        if overlay:
            merge_tree(
                merge.nodes,
                merge.grafts,
                nodes,
                merge.overridden,
                merge.diagnostics,
                _locate_fields,
            )
        else:
            (merge.grafts if nodes[0].parent is not None else merge.roots).append(nodes[0])
            merge.nodes.extend(nodes)
    if config.data_sharing is not None:
        merge.sections.add("data_sharing")
        _add_defaults(merge, config.data_sharing, source, overlay)
    if config.sharing_rules is not None:
        merge.sections.add("sharing_rules")
        _add_rules(merge, config.sharing_rules, source, overlay)
    if config.records is not None:
        merge.sections.add("records")
        merge.impact = merge.impact or config.records.impact
    if config.realign is not None:
        merge.sections.add("records")
        _add_realign(merge, config.realign, source)
    if config.roles is not None:
        merge.access.add_roles(config.roles, source)
    if config.groups is not None:
        merge.access.add_groups(config.groups, source)
    if config.users is not None:
        merge.access.add_users(config.users, source)
    for index, policy in enumerate(config.policies or ()):
        _add_policy(merge, Policy(policy, source, ("policies", index)))


def _add_realign(merge: _Merge, realign: dict[str, Realign], source: SourceFile) -> None:
    for module, mode in realign.items():
        where = source.key_place(("realign", module))
        if module not in REALIGN_MODULES:
            hint = (
                "contacts follow their accounts: realign Accounts"
                if module == "Contacts"
                else f"only {', '.join(REALIGN_MODULES)} have territory rules to realign by"
            )
            merge.diagnostics.append(
                where.error(f"`{module}` records have no territory rules to realign", hint)
            )
            continue
        _claim(merge, merge.realign, ("realign", module), mode, where)


def _add_policy(merge: _Merge, policy: Policy) -> None:
    key = name_key(policy.doc.name)
    first = merge.policies.get(key)
    if first is not None:
        what = f"policy `{policy.doc.name}`"
        merge.diagnostics.append(_twice(policy.place("name"), what, first.place("name")))
        return
    merge.policies[key] = policy


def _written(merge: _Merge, top: doc.TerritoryDoc, source: SourceFile) -> list[Written]:
    """A file's territories, top first, then depth-first in the order written."""
    path: YamlPath = ("territories",)
    node = Written(top, top.parent, source.place((*path, "name")), source, path)
    nodes: list[Written] = []
    stack = [node]
    while stack:
        current = stack.pop()
        nodes.append(current)
        for index, child in reversed(list(enumerate(current.doc.children))):
            child_path = (*current.path, "children", index)
            if child.parent is not None:
                merge.diagnostics.append(
                    source.key_place((*child_path, "parent")).error(
                        "`parent` is only allowed on the top territory of a file",
                        "a nested territory's parent is the one it is nested under",
                    )
                )
            where = source.place((*child_path, "name"))
            stack.append(Written(child, current.doc.name, where, source, child_path))
    return nodes


def _add_defaults(
    merge: _Merge, defaults: dict[str, ShareType], source: SourceFile, overlay: bool = False
) -> None:
    for module, share in defaults.items():
        where = source.key_place(("data_sharing", module))
        if module not in DATA_SHARING_MODULES:
            merge.diagnostics.append(_unknown_module(where, module, DATA_SHARING_MODULES))
            continue
        _claim(merge, merge.defaults, ("data_sharing", module), share, where, overlay)


def _claim(
    merge: _Merge,
    taken: dict[str, tuple[T, Location]],
    key: tuple[str, str],
    value: T,
    where: Location,
    overlay: bool = False,
) -> None:
    """Record a module's setting of a section, or say it was set twice (an overlay may
    set it again)."""
    section, module = key
    if module in taken and not overlay:
        merge.diagnostics.append(_twice(where, f"{section} for `{module}`", taken[module][1]))
        return
    taken[module] = (value, where)
    merge.sources[key] = where


def _add_rules(
    merge: _Merge,
    rules: dict[str, list[doc.SharingRuleDoc]],
    source: SourceFile,
    overlay: bool = False,
) -> None:
    for module, items in rules.items():
        if module not in SHARING_RULE_MODULES:
            where = source.key_place(("sharing_rules", module))
            merge.diagnostics.append(_unknown_module(where, module, SHARING_RULE_MODULES))
            continue
        seen = merge.rules.setdefault(module, {})
        for index, rule in enumerate(items):
            path: YamlPath = ("sharing_rules", module, index)
            where = source.place((*path, "name"))
            key = name_key(rule.name)
            if key in seen and not overlay:
                merge.diagnostics.append(
                    _twice(where, f"sharing rule `{rule.name}` in {module}", seen[key][1])
                )
                continue
            seen[key] = (rule, where, source, path)


def _unknown_module(where: Location, module: str, known: Iterable[str]) -> Diagnostic:
    close = difflib.get_close_matches(module, list(known), n=1, cutoff=0.6)
    hint = f"did you mean `{close[0]}`?" if close else "use a module API name such as Accounts"
    return where.error(f"unknown module `{module}`", hint)


def _twice(where: Location, what: str, first: Location) -> Diagnostic:
    return where.error(f"{what} is declared twice", f"first declared at {first}")


def _finish(merge: _Merge) -> OrgState:
    territories = _finish_territories(merge) if "territories" in merge.sections else None
    defaults = None
    if "data_sharing" in merge.sections:
        defaults = {m: share for m, (share, _) in sorted(merge.defaults.items())}
    rules = None
    if "sharing_rules" in merge.sections:
        rules = {m: _finish_rules(merge, m, r) for m, r in sorted(merge.rules.items())}
    records = None
    if "records" in merge.sections:
        realign = {m: mode for m, (mode, _) in sorted(merge.realign.items())}
        records = Records(impact=merge.impact, realign=realign)
    state = OrgState(
        territories=territories, data_sharing=defaults, sharing_rules=rules, records=records
    )
    state = finish_access(merge.access, state, merge.sources)
    merge.diagnostics.extend(merge.access.diagnostics)
    return state


def _finish_territories(merge: _Merge) -> tuple[Territory, ...]:
    merge.diagnostics.extend(check_tree(merge.roots, merge.grafts, merge.nodes))
    built = []
    for node in merge.nodes:
        territory = _territory(node, is_root=node in merge.roots, sources=merge.sources)
        if territory is not None:
            built.append(territory)
    return tuple(built)


def _territory(node: Written, is_root: bool, sources: SourceMap) -> Territory | None:
    given = node.doc.model_fields_set - {"children", "parent"}
    key = name_key(node.doc.name)
    sources.setdefault(("territory", key), node.where)
    for name in given:
        sources[("territory", key, name)] = node.source.place((*node.path, name))
    values: dict[str, Any] = {name: getattr(node.doc, name) for name in given}
    if node.doc.users is not None:
        for index, email in enumerate(node.doc.users):
            where = node.source.place((*node.path, "users", index))
            sources.setdefault(("territory", key, "users", email.casefold()), where)
    for kind in ("account_rule", "deal_rule", "lead_rule"):
        if values.get(kind) is not None:
            values[kind] = criteria(values[kind])
            address = ("territory", key, kind)
            _locate_fields(
                getattr(node.doc, kind), node.source, (*node.path, kind), address, sources
            )
    values["previously"] = tuple(node.doc.previously)
    return Territory(parent=None if is_root else node.parent, **values)


def criteria(written: Any) -> Criteria:
    """The file's `{all: [...]}` / `{any: [...]}` / condition form as model criteria."""
    if isinstance(written, doc.AllDoc):
        return Group(operator="and", criteria=tuple(criteria(c) for c in written.all))
    if isinstance(written, doc.AnyDoc):
        return Group(operator="or", criteria=tuple(criteria(c) for c in written.any))
    condition: Condition = written.to_condition()
    return condition


def _locate_fields(
    written: Any, source: SourceFile, path: YamlPath, address: tuple[str, ...], sources: SourceMap
) -> None:
    # Remember where each criteria field name is written, for "unknown field" errors later.
    if isinstance(written, doc.AllDoc | doc.AnyDoc):
        items = written.all if isinstance(written, doc.AllDoc) else written.any
        key = "all" if isinstance(written, doc.AllDoc) else "any"
        for index, item in enumerate(items):
            _locate_fields(item, source, (*path, key, index), address, sources)
    else:
        where = source.place((*path, "field"))
        sources.setdefault((*address, "field", written.field), where)


def _finish_rules(
    merge: _Merge,
    module: str,
    rules: dict[str, tuple[doc.SharingRuleDoc, Location, SourceFile, YamlPath]],
) -> tuple[SharingRule, ...]:
    built = []
    for key, (rule, where, source, path) in rules.items():
        address = ("rule", module, key)
        merge.sources[address] = where
        for part in ("from", "to"):
            merge.sources[(*address, part)] = source.place((*path, part))
        built.append(_rule(rule, address, source, path, merge.sources))
    return tuple(built)


def _rule(
    rule: doc.SharingRuleDoc,
    address: tuple[str, ...],
    source: SourceFile,
    path: YamlPath,
    sources: SourceMap,
) -> SharingRule:
    values: dict[str, Any] = {"name": rule.name, "target": principal(rule.target)}
    if rule.source is not None:
        values["source"] = principal(rule.source)
    if rule.criteria is not None:
        values["criteria"] = criteria(rule.criteria)
        _locate_fields(rule.criteria, source, (*path, "criteria"), (*address, "criteria"), sources)
    for name in ("access", "superiors", "active"):
        if name in rule.model_fields_set:
            values[name] = getattr(rule, name)
    return SharingRule(**values)


def principal(written: doc.PrincipalDoc) -> Principal:
    if written.all_users:
        return Principal(kind=PrincipalKind.all_users)
    if written.group is not None:
        return Principal(kind=PrincipalKind.group, name=written.group)
    return Principal(
        kind=PrincipalKind.role, name=written.role, subordinates=bool(written.subordinates)
    )
