"""`reconciler fmt`: configuration files in the canonical layout, comments kept.

Canonical is what `export` writes: keys in a fixed order for each kind of mapping, mappings
indented by two spaces, a block sequence's `- ` two spaces under its key, flow style for the
short things (`users` and `previously` lists, conditions, principals) and block style for
everything else. Values keep their quoting.

Comments stay with what they were written above or beside and move with it
(`config.comments`). The result is checked before anyone sees it: the same data, the same
comments, or an error.
"""

from __future__ import annotations

import difflib
import io
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from reconciler.config import comments
from reconciler.config import export_access as access
from reconciler.config.bounds import TooMuch, read_bounded
from reconciler.config.export import FIELDS, tidy, yaml_writer
from reconciler.config.load import Document, check_document
from reconciler.config.source import walk_files
from reconciler.errors import ConfigError, Diagnostic, ReconcilerError

TOP = (
    "version",
    "territories",
    "data_sharing",
    "sharing_rules",
    "records",
    "realign",
    "roles",
    "groups",
    "users",
)
TERRITORY = ("name", "parent", *FIELDS, "children")
RULE = ("name", "from", "criteria", "to", "access", "superiors", "active")
CONDITION = ("field",)  # then its comparator
PRINCIPAL = ("role", "group", "all_users", "subordinates")
CRITERIA_KEYS = ("account_rule", "deal_rule", "lead_rule")

Collection = CommentedMap | CommentedSeq


def format_document(name: str, raw: bytes) -> str:
    """The canonical text of one configuration file. Raises `ConfigError` (as `validate`
    reports it) for a file that does not parse or is not a valid configuration file."""
    return rewrite(name, raw)


Edit = Callable[[CommentedMap], None]


def rewrite(name: str, raw: bytes, edit: Edit | None = None) -> str:
    """`format_document`, after `edit` changed the loaded document in place (`adopt`): the
    comments of what stays stay with it, and the result holds exactly the edited data."""
    problems = check_document(name, raw)
    if problems:
        raise ConfigError(problems)
    # Line endings are the file's own (CRLF is git's default checkout on Windows): the work
    # is done on LF and the result written back with the ending the file had.
    ending = "\r\n" if b"\r\n" in raw else "\n"
    text = raw.decode("utf-8-sig").replace("\r\n", "\n")
    yaml = _yaml()
    data = yaml.load(text)
    notes = comments.collect(data, text)
    lost = comments.unplaced(text, comments.comment_lines(data, text)[1])
    if lost is not None:
        raise ReconcilerError(
            f"{name}:{lost}: fmt cannot keep this comment where it is (inside a list or "
            "mapping written on several lines in flow style); put it above the key"
        )
    if edit is not None:
        before = comments.items(notes)
        edit(data)
        notes = comments.reanchor(data, notes, before)
    comments.clear(data)
    _top(data)
    comments.attach(data, notes)
    out = io.StringIO()
    yaml.dump(data, out)
    formatted = _tidy_checked(yaml, out.getvalue(), data)
    if edit is None:
        _verify(name, yaml, text, formatted)
    elif _plain(yaml.load(formatted)) != _plain(data):
        raise ReconcilerError(
            f"{name}: the rewritten file does not hold the edit; please report it"
        )
    return formatted.replace("\n", ending)


def _yaml() -> YAML:
    yaml = yaml_writer()
    yaml.preserve_quotes = True
    return yaml


# -- the canonical shape --------------------------------------------------------------------


def _top(document: CommentedMap) -> None:
    _block(document, TOP)
    if isinstance(document.get("territories"), CommentedMap):
        _territory(document["territories"])
    if isinstance(document.get("data_sharing"), CommentedMap):
        _block(document["data_sharing"], ())
    rules = document.get("sharing_rules")
    if isinstance(rules, CommentedMap):
        _block(rules, ())
        for items in rules.values():
            _block(items, ())
            for rule in items:
                _rule(rule)
    if isinstance(document.get("roles"), CommentedMap):
        _role(document["roles"])
    groups = document.get("groups")
    if isinstance(groups, CommentedMap):
        _block(groups, access.GROUPS)
        for group in groups.get("items") or ():
            _block(group, access.GROUP)
            for source in group.get("sources") or () if isinstance(group, CommentedMap) else ():
                _reorder_flow(source, access.SOURCE)
    for user in document.get("users") or () if isinstance(document.get("users"), list) else ():
        _reorder_flow(user, access.USER)


def _role(node: CommentedMap) -> None:
    _block(node, access.ROLE)
    for child in node.get("children") or () if isinstance(node.get("children"), list) else ():
        if isinstance(child, CommentedMap):
            _role(child)


def _reorder_flow(node: Any, order: tuple[str, ...]) -> None:
    if isinstance(node, CommentedMap):
        _reorder(node, order)
        _flow(node)


def _territory(node: CommentedMap) -> None:
    _block(node, TERRITORY)
    for key in ("users", "previously"):
        if isinstance(node.get(key), CommentedSeq):
            node[key].fa.set_flow_style()
    for key in CRITERIA_KEYS:
        if key in node:
            _criteria(node[key])
    if isinstance(node.get("children"), CommentedSeq):
        _block(node["children"], ())
        for child in node["children"]:
            _territory(child)


def _rule(node: CommentedMap) -> None:
    _block(node, RULE)
    for key in ("from", "to"):
        if isinstance(node.get(key), CommentedMap):
            _reorder(node[key], PRINCIPAL)
            _flow(node[key])
    if "criteria" in node:
        _criteria(node["criteria"])


def _criteria(node: Any) -> None:
    if not isinstance(node, CommentedMap):
        return
    if "all" in node or "any" in node:
        _block(node, ())
        for items in node.values():
            _block(items, ())
            for item in items:
                _criteria(item)
    else:
        _reorder(node, CONDITION)
        _flow(node)


def _block(node: Any, order: tuple[str, ...]) -> None:
    if isinstance(node, CommentedMap):
        _reorder(node, order)
    if isinstance(node, CommentedMap | CommentedSeq):
        node.fa.set_block_style()


def _flow(node: Collection) -> None:
    node.fa.set_flow_style()
    for child in node.values() if isinstance(node, CommentedMap) else node:
        if isinstance(child, CommentedMap | CommentedSeq):
            _flow(child)


def _reorder(node: CommentedMap, order: tuple[str, ...]) -> None:
    rank = {key: i for i, key in enumerate(order)}
    for key in sorted(node, key=lambda k: rank.get(k, len(order))):  # stable: others keep
        node.move_to_end(key)  # their written order


# -- checks ---------------------------------------------------------------------------------


def _tidy_checked(yaml: YAML, text: str, data: Any) -> str:
    """`text` without trailing blanks (ruamel leaves some where it wraps a long flow list),
    unless they belong to a block scalar's value."""
    tidied = tidy(text)
    return tidied if _plain(yaml.load(tidied)) == _plain(data) else text


def _verify(name: str, yaml: YAML, before: str, after: str) -> None:
    old, new = yaml.load(before), yaml.load(after)
    kept = comments.comments(old, before) == comments.comments(new, after)
    if _plain(old) != _plain(new) or not kept:
        raise ReconcilerError(
            f"{name}: cannot be formatted without changing its data or losing a comment; "
            "this is a bug in reconciler fmt, please report it with the file"
        )


def _plain(node: Any) -> Any:
    """Data to compare, where key order does not count."""
    if isinstance(node, CommentedMap):
        return {key: _plain(value) for key, value in node.items()}
    if isinstance(node, CommentedSeq):
        return [_plain(item) for item in node]
    return node


# -- files ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Formatted:
    """A file and its canonical text; `changed` when that differs from what it holds."""

    name: str
    text: str
    changed: bool


def unified_diff(result: Formatted) -> str:
    """The change fmt makes to a file, as `diff -u` shows it (from what the file holds)."""
    before = Path(result.name).read_text(encoding="utf-8-sig").replace("\r\n", "\n")
    lines = difflib.unified_diff(
        before.splitlines(keepends=True),
        result.text.replace("\r\n", "\n").splitlines(keepends=True),
        fromfile=f"{result.name} (now)",
        tofile=f"{result.name} (formatted)",
    )
    return "".join(lines)


def format_paths(paths: Iterable[Path]) -> list[Formatted]:
    """The files named (directories: their `*.yaml` / `*.yml` files, as `load` reads them)
    formatted, or a `ConfigError` listing the problems of every file that does not parse
    (then nothing should be written)."""
    documents: list[Document] = []
    problems: list[Diagnostic] = []
    for path in walk_files(list(paths)):
        try:
            documents.append((str(path), read_bounded(path)))
        except TooMuch as exc:
            problems.append(Diagnostic(str(path), 0, 0, f"cannot read: {exc}"))
        except OSError as exc:
            problems.append(Diagnostic(str(path), 0, 0, f"cannot read: {exc.strerror}"))
    return format_documents(documents, problems)


def format_documents(
    documents: Sequence[Document], problems: Sequence[Diagnostic] = ()
) -> list[Formatted]:
    """Every document formatted, or a `ConfigError` with the problems of all that do not
    parse (and `problems` found before)."""
    found: list[Formatted] = []
    problems = list(problems)
    for name, raw in documents:
        try:
            text = format_document(name, raw)
        except ConfigError as exc:
            problems += exc.diagnostics
            continue
        found.append(Formatted(name, text, text.encode() != raw))
    if problems:
        raise ConfigError(problems)
    return found
