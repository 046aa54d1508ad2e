"""Reading YAML files into plain data while remembering where every key and value sits.

Everything a user can get wrong at the YAML level (bad bytes, tabs, syntax, duplicate keys,
anchors) becomes a `Diagnostic` with a position, never a traceback.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.events import AliasEvent

from reconciler.config.bounds import TooMuch, check_nesting, long_number, read_bounded
from reconciler.errors import Diagnostic

YamlPath = tuple[str | int, ...]


class Location:
    """A 1-based position in a file."""

    def __init__(self, file: str, line: int, column: int) -> None:
        self.file = file
        self._line, self._column = line, column

    @property
    def line(self) -> int:
        return self._line

    @property
    def column(self) -> int:
        return self._column

    def error(self, message: str, hint: str | None = None) -> Diagnostic:
        return Diagnostic(self.file, self.line, self.column, message, hint)

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"

    def __repr__(self) -> str:
        return f"Location({self.file!r}, {self.line}, {self.column})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Location):
            return NotImplemented
        return (self.file, self.line, self.column) == (other.file, other.line, other.column)

    def __hash__(self) -> int:
        return hash((self.file, self.line, self.column))


# Where each name was written, by its address in the state (section, key, ...).
SourceMap = dict[tuple[str, ...], Location]


class _Pending(Location):
    """A position found only when asked for: a valid file never pays for positions."""

    def __init__(self, source: SourceFile, path: YamlPath, key: bool) -> None:
        super().__init__(source.name, 0, 0)
        self._source, self._path, self._key = source, path, key
        self._found: Location | None = None

    def _resolve(self) -> Location:
        if self._found is None:
            at = self._source.key_at if self._key else self._source.at
            self._found = at(self._path)
        return self._found

    @property
    def line(self) -> int:
        return self._resolve().line

    @property
    def column(self) -> int:
        return self._resolve().column


@dataclass
class SourceFile:
    """A parsed file: plain data, and the position of each key and value by data path.

    Positions come from a second, slower parse that keeps them, made only when one is
    needed (an error to report); `place()` and `key_place()` hand out positions that
    resolve then."""

    name: str
    data: Any
    digest: str = ""
    text: str = ""
    _values: dict[YamlPath, Location] | None = field(default=None, repr=False)
    _keys: dict[YamlPath, Location] = field(default_factory=dict, repr=False)

    @property
    def values(self) -> dict[YamlPath, Location]:
        if self._values is None:
            self._values = {(): Location(self.name, 1, 1)}
            _locate(self)
        return self._values

    @property
    def keys(self) -> dict[YamlPath, Location]:
        self.values  # noqa: B018 - computes both maps
        return self._keys

    def at(self, path: YamlPath) -> Location:
        """The position of the value at `path`, or of its nearest located ancestor."""
        for end in range(len(path), -1, -1):
            found = self.values.get(path[:end])
            if found is not None:
                return found
        return Location(self.name, 1, 1)

    def key_at(self, path: YamlPath) -> Location:
        return self.keys.get(path) or self.at(path)

    def place(self, path: YamlPath) -> Location:
        """`at(path)`, found only when its line or column is read."""
        return _Pending(self, path, key=False)

    def key_place(self, path: YamlPath) -> Location:
        return _Pending(self, path, key=True)


def read(path: Path, display: str | None = None) -> SourceFile:
    """Parse one YAML file. Raises `YamlProblem` with a located diagnostic when it can't."""
    return parse(display or str(path), read_bounded(path))


def parse(name: str, raw: bytes) -> SourceFile:
    """Parse a YAML document's bytes (a file's, or a blob read from git), `name` being how
    messages refer to it. Raises `YamlProblem` with a located diagnostic when it can't.

    A well-formed document is read by libyaml (ruamel.yaml.clib), about ten times faster
    than the pure-Python parser; anything unusual (a syntax error, an alias) is parsed
    again by the parser that keeps positions, to report it where it is."""
    text = _decode(raw, name)
    _reject_control_characters(text, name)
    digest = hashlib.sha256(raw).hexdigest()
    try:
        check_nesting(text)
        data = _fast(text)
        if data is _UNUSUAL:
            source = _slow(name, text, digest)
        else:
            source = SourceFile(name, _plain(data), digest, text)
    except TooMuch as exc:
        raise YamlProblem(Diagnostic(name, exc.line, exc.column, str(exc))) from None
    except (ValueError, RecursionError) as exc:
        raise YamlProblem(_unreadable(name, text, exc)) from None
    if source.data is None:
        raise YamlProblem(Location(name, 1, 1).error("the file is empty", _EMPTY_HINT))
    _reject_odd_keys(source, text, digest)
    return source


def _reject_odd_keys(source: SourceFile, text: str, digest: str) -> None:
    # `null:`, `1:`, `2024-01-01:` are keys YAML reads as something other than text; every key
    # of the format is a name, so say so at the key, not wherever pydantic's path leads.
    stack: list[tuple[Any, YamlPath]] = [(source.data, ())]
    while stack:
        node, path = stack.pop()
        if isinstance(node, dict):
            odd = [k for k in node if not isinstance(k, str)]
            if odd:
                key: Any = odd[0]  # not text: the path holds it as YAML read it
                where = _slow(source.name, text, digest).key_at((*path, key))
                shown = "null" if key is None else str(key).lower()
                raise YamlProblem(
                    where.error(f"key `{shown}` is not text", f'quote it ("{shown}") or remove it')
                )
            stack.extend((value, (*path, key)) for key, value in node.items())
        elif isinstance(node, list):
            stack.extend((value, (*path, n)) for n, value in enumerate(node))


_UNUSUAL = object()


def _fast(text: str) -> Any:
    yaml = YAML(typ="safe")
    try:
        if any(isinstance(event, AliasEvent) for event in yaml.parse(text)):
            return _UNUSUAL
        return yaml.load(text)
    except YAMLError:
        return _UNUSUAL


def _slow(name: str, text: str, digest: str) -> SourceFile:
    yaml = YAML(typ="rt")
    _reject_aliases(yaml, text, name)
    try:
        data = yaml.load(text)
    except MarkedYAMLError as exc:
        raise YamlProblem(_from_marked(exc, name)) from None
    except YAMLError as exc:  # errors without a position; the checks above leave few
        raise YamlProblem(Location(name, 1, 1).error(f"YAML: {exc}")) from None
    source = SourceFile(name, None, digest, text)
    source._values = {(): Location(name, 1, 1)}
    source.data = _plain_located(data, (), source)
    return source


def _locate(source: SourceFile) -> None:
    try:
        _plain_located(YAML(typ="rt").load(source.text), (), source)
    except YAMLError:
        pass  # the fast parser took what this one refuses: fall back to line 1


def _unreadable(name: str, text: str, exc: BaseException) -> Diagnostic:
    """A document the parser gave up on: an integer too long, or nesting too deep."""
    long = long_number(text)
    if long is not None:
        return Diagnostic(name, long.line, long.column, str(long))
    return Diagnostic(name, 1, 1, f"cannot read it: {exc}" if isinstance(exc, ValueError)
                      else "nested too deeply to read")  # fmt: skip


class YamlProblem(Exception):
    """A file that is not usable YAML (internal: config turns it into a ConfigError)."""

    def __init__(self, diagnostic: Diagnostic) -> None:
        self.diagnostic = diagnostic
        super().__init__(str(diagnostic))


_EMPTY_HINT = "start with `version: 1` and at least one of territories, data_sharing, sharing_rules"


def _decode(raw: bytes, name: str) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        before = raw[: exc.start]
        line = before.count(b"\n") + 1
        column = exc.start - (before.rfind(b"\n") + 1) + 1
        message = f"byte 0x{raw[exc.start]:02x} is not valid UTF-8"
        raise YamlProblem(
            Diagnostic(name, line, column, message, "save the file as UTF-8")
        ) from None


_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ufffe\uffff]")


def _reject_control_characters(text: str, name: str) -> None:
    # YAML forbids these outright; find the first to report it where it is.
    found = _CONTROL.search(text)
    if found is None:
        return
    before = text[: found.start()]
    line = before.count("\n") + 1
    column = found.start() - (before.rfind("\n") + 1) + 1
    message = f"control character U+{ord(found.group()):04X} is not allowed in YAML"
    raise YamlProblem(Diagnostic(name, line, column, message, "remove it"))


def _reject_aliases(yaml: YAML, text: str, name: str) -> None:
    # An alias is a reference, so `*a` inside `*b` inside ... expands exponentially when
    # turned into plain data ("billion laughs"). The format has no use for them.
    try:
        for event in yaml.parse(text):
            _reject_tag(event, name)
            if isinstance(event, AliasEvent):
                mark = event.start_mark
                raise YamlProblem(
                    Diagnostic(
                        name,
                        mark.line + 1,
                        mark.column + 1,
                        f"alias `*{event.anchor}` is not supported",
                        "write the value out in full; anchors and aliases are refused",
                    )
                )
    except YAMLError:
        return  # the load that follows reports the syntax error with its position


def _reject_tag(event: Any, name: str) -> None:
    # `!!python/object`, `!foo`: the format is plain data, and a tag is never ignored.
    tag, implicit = getattr(event, "tag", None), getattr(event, "implicit", True)
    if tag is None or (implicit[0] if isinstance(implicit, tuple) else implicit):
        return
    mark = event.start_mark
    shown = str(tag).replace("tag:yaml.org,2002:", "!!")
    raise YamlProblem(
        Diagnostic(
            name,
            mark.line + 1,
            mark.column + 1,
            f"tag `{shown}` is not supported",
            "remove it: the format is plain YAML, without tags",
        )
    )


def _from_marked(exc: MarkedYAMLError, name: str) -> Diagnostic:
    mark = exc.problem_mark or exc.context_mark
    line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    problem = (exc.problem or exc.context or "invalid YAML").strip()
    hint = None
    if "'\\t'" in problem or "\t" in problem:
        problem, hint = "tab character in indentation", "indent with spaces; YAML forbids tabs"
    elif problem.startswith("found duplicate key"):
        original = exc.context_mark
        where = f" (first at line {original.line + 1})" if original else ""
        problem = problem.split(" with value")[0] + where
        hint = "each key may appear once in a mapping"
    return Diagnostic(name, line, column, f"YAML: {problem}", hint)


def _plain(node: Any) -> Any:
    """Data as the rest of the tool wants it: dates as ISO text (criteria compare Zoho's
    text, not Python dates)."""
    if isinstance(node, dict):
        return {key: _plain(value) for key, value in node.items()}
    if isinstance(node, list):
        return [_plain(item) for item in node]
    return node.isoformat() if isinstance(node, date) else node


def _plain_located(node: Any, path: YamlPath, source: SourceFile) -> Any:
    if isinstance(node, CommentedMap):
        return {key: _plain_entry(node, key, path, source) for key in node}
    if isinstance(node, CommentedSeq):
        return [_plain_item(node, i, path, source) for i in range(len(node))]
    if isinstance(node, date):
        return node.isoformat()
    return node.__str__() if _is_tagged_str(node) else node


def _plain_entry(node: CommentedMap, key: Any, path: YamlPath, source: SourceFile) -> Any:
    child = (*path, key)
    kline, kcol = node.lc.key(key)
    source._keys[child] = Location(source.name, kline + 1, kcol + 1)
    vline, vcol = node.lc.value(key)
    source.values[child] = Location(source.name, vline + 1, vcol + 1)
    return _plain_located(node[key], child, source)


def _plain_item(node: CommentedSeq, index: int, path: YamlPath, source: SourceFile) -> Any:
    child = (*path, index)
    line, col = node.lc.item(index)
    source.values[child] = Location(source.name, line + 1, col + 1)
    return _plain_located(node[index], child, source)


def _is_tagged_str(node: Any) -> bool:
    # ruamel keeps quoting style in str subclasses; the rest of the tool wants plain str.
    return isinstance(node, str) and type(node) is not str


def walk_files(paths: list[Path]) -> Iterator[Path]:
    """The YAML files named, with directories expanded recursively in sorted order."""
    for path in paths:
        if path.is_dir():
            yield from sorted(
                p
                for p in path.rglob("*")
                if p.suffix in (".yaml", ".yml") and p.is_file() and not _hidden(p, path)
            )
        else:
            yield path


def _hidden(path: Path, top: Path) -> bool:
    # `.git/`, an editor's `.#org.yaml` or `.org.yaml.swp`: never part of the configuration.
    return any(part.startswith(".") for part in path.relative_to(top).parts)
