"""Reading a seed file: bounded, decoded, parsed, and every problem placed at FILE:LINE:COL.

A valid seed is parsed once, fast (the json module for `.json`, ruamel's safe loader for
anything else); positions come from a second, round-trip parse only when there is something to
report. Only plain data is accepted: YAML tags (`!!python/object`, `!foo`) are refused, not
ignored, and so are duplicate keys, in JSON as in YAML."""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from reconciler.sandbox.seed_errors import DocPath, Problem, SeedError

MAX_BYTES = 64 * 1024 * 1024  # a 5,000-user seed is well under 1 MiB
MAX_DEPTH = 64  # roles and territories nest; no org nests this deep
UNREADABLE = (YAMLError, ValueError, RecursionError)


@dataclass(frozen=True)
class SeedText:
    """A seed file's text and its plain data."""

    name: str
    text: str
    data: Any

    @classmethod
    def read(cls, path: Path) -> SeedText:
        name = str(path)
        text = _decode(name, _read_bounded(name, path))
        data = _parse_json(name, text) if path.suffix.lower() == ".json" else _parse(name, text)
        source = cls(name, text, data)
        too_deep = _too_deep(data)
        if too_deep is not None:
            raise source.error([Problem(too_deep, f"nested more than {MAX_DEPTH} levels deep")])
        return source

    def error(self, problems: list[Problem]) -> SeedError:
        """`problems` placed in this file (without a position when it cannot be re-read)."""
        try:
            tree = YAML(typ="rt").load(self.text)
        except UNREADABLE:
            return SeedError(problems, self.name)
        return SeedError([_locate(tree, p) for p in problems], self.name)


def _fail(name: str, message: str, line: int = 0, column: int = 0) -> SeedError:
    return SeedError([Problem((), message, line, column)], name)


def _read_bounded(name: str, path: Path) -> bytes:
    if not path.is_file():  # follows links: False for a directory, a device, a dangling link
        raise _fail(name, _not_a_file(path))
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_BYTES + 1)
    except OSError as error:
        raise _fail(name, f"cannot read the seed: {error.strerror or error}") from None
    if len(raw) > MAX_BYTES:
        raise _fail(name, f"the seed is larger than {MAX_BYTES // 2**20} MiB; is it a seed?")
    return raw


def _not_a_file(path: Path) -> str:
    if path.is_dir():
        return "is a directory; a seed is one YAML or JSON file"
    if path.exists():
        return "is not a regular file; a seed is one YAML or JSON file"
    if path.is_symlink():
        return "is a symbolic link that leads nowhere (dangling, or a loop)"
    return "no such file"


def _decode(name: str, raw: bytes) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line, column = _position(raw[: error.start])
        raise _fail(name, "not UTF-8 text (is it a binary file?)", line, column) from None


def _position(before: bytes) -> tuple[int, int]:
    lines = before.split(b"\n")
    return len(lines), len(lines[-1].decode("utf-8", "replace")) + 1


def _parse(name: str, text: str) -> Any:
    try:
        return YAML(typ="safe").load(text)
    except MarkedYAMLError as error:
        raise _marked(name, error) from None
    except UNREADABLE as error:
        raise _fail(name, _unreadable(error), *_long_number(text)) from None


def _marked(name: str, error: MarkedYAMLError) -> SeedError:
    mark = error.problem_mark or error.context_mark
    problem = str(error.problem or error.context or "YAML syntax error")
    if "could not determine a constructor for the tag" in problem:
        tag = problem.rsplit(" ", 1)[-1].replace("tag:yaml.org,2002:", "!!")
        problem = f"unsupported tag {tag}: a seed is plain data, without YAML tags"
    duplicate = re.match(r'found duplicate key "(.*?)"', problem)
    if duplicate:
        problem = f"duplicate key {duplicate[1]!r}"
    line, column = (mark.line + 1, mark.column + 1) if mark else (0, 0)
    return _fail(name, problem, line, column)


def _unreadable(error: BaseException) -> str:
    if isinstance(error, RecursionError):
        return "nested too deeply to read"
    if "integer string conversion" in str(error):
        return f"a number longer than {sys.get_int_max_str_digits()} digits; is it a seed?"
    return f"cannot read the seed: {error}"


def _long_number(text: str) -> tuple[int, int]:
    """Where Python's limit on the digits of an integer was hit, if that is what failed."""
    found = re.search(rf"\d{{{sys.get_int_max_str_digits() + 1},}}", text)
    if found is None:
        return 0, 0
    before = text[: found.start()]
    return before.count("\n") + 1, found.start() - before.rfind("\n")


class _DuplicateKey(ValueError):
    pass


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    for key, value in pairs:
        if key in seen:
            raise _DuplicateKey(f"duplicate key {key!r}")
        seen[key] = value
    return seen


def _parse_json(name: str, text: str) -> Any:
    try:
        return json.loads(text, object_pairs_hook=_no_duplicates)
    except json.JSONDecodeError as error:
        raise _fail(name, f"JSON syntax: {error.msg}", error.lineno, error.colno) from None
    except _DuplicateKey as duplicate:
        raise _fail(name, str(duplicate), *_yaml_mark(text)) from None
    except UNREADABLE as error:
        raise _fail(name, _unreadable(error), *_long_number(text)) from None


def _yaml_mark(text: str) -> tuple[int, int]:
    """Where the YAML parser stops in `text` (JSON is YAML: it finds a duplicate key)."""
    try:
        YAML(typ="rt").load(text)
    except MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        return (mark.line + 1, mark.column + 1) if mark else (0, 0)
    except UNREADABLE:
        pass
    return 0, 0


def _too_deep(data: Any) -> DocPath | None:
    """The path of the first value nested deeper than MAX_DEPTH (without recursion)."""
    stack: list[tuple[Any, DocPath]] = [(data, ())]
    while stack:
        node, path = stack.pop()
        if len(path) > MAX_DEPTH:
            return path
        if isinstance(node, dict):
            stack.extend((value, (*path, key)) for key, value in node.items())
        elif isinstance(node, list):
            stack.extend((value, (*path, n)) for n, value in enumerate(node))
    return None


def _locate(tree: Any, problem: Problem) -> Problem:
    """The problem with the line and column of the deepest part of its path the file has."""
    node, (line, column) = tree, (0, 0)
    if isinstance(tree, CommentedMap | CommentedSeq):
        line, column = tree.lc.line, tree.lc.col
    for n, part in enumerate(problem.path):
        last = n == len(problem.path) - 1
        if isinstance(node, CommentedMap) and part in node:
            line, column = node.lc.key(part) if last and problem.at_key else node.lc.value(part)
        elif isinstance(node, CommentedSeq) and isinstance(part, int) and part < len(node):
            line, column = node.lc.item(part)
        else:
            break
        node = node[part]
    return replace(problem, line=line + 1, column=column + 1)
