"""Where each key of a TOML file is written. `tomllib` parses without positions, so this reads
the text once more, just for the keys: table headers, `key = value` lines (dotted and quoted
keys too) and the keys of inline tables. Enough to put an error at `reconciler.toml:7:1`;
a key it cannot place falls back to its nearest written parent, then to the file."""

from __future__ import annotations

import re
from dataclasses import dataclass

from reconciler.config.source import Location

Key = tuple[str, ...]
BARE = re.compile(r"[A-Za-z0-9_-]+")


@dataclass(frozen=True)
class TomlSource:
    name: str
    keys: dict[Key, Location]
    prefix: Key = ()  # `("tool", "reconciler")` when the table lives in pyproject.toml

    def place(self, path: tuple[str | int, ...]) -> Location:
        """The position of `path` (below `prefix`), or of its nearest written parent."""
        key = (*self.prefix, *(str(p) for p in path if isinstance(p, str)))
        while key:
            if key in self.keys:
                return self.keys[key]
            key = key[:-1]
        return Location(self.name, 1, 1)


def locate(name: str, text: str, prefix: Key = ()) -> TomlSource:
    keys: dict[Key, Location] = {}
    table: Key = ()
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.lstrip()
        indent = len(line) - len(stripped)
        if stripped.startswith("["):
            inner = stripped.strip("[")
            table, _ = _key(inner, 0)
            keys.setdefault(table, Location(name, number, indent + 1))
        elif stripped and not stripped.startswith("#"):
            _entries(name, number, line, indent, table, keys)
    return TomlSource(name, keys, prefix)


def _entries(
    name: str, number: int, line: str, at: int, table: Key, keys: dict[Key, Location]
) -> None:
    """Record `key = value` starting at column `at`, and the keys of inline tables in it."""
    key, end = _key(line, at)
    if not key or end >= len(line) or line[end] != "=":
        return
    full = (*table, *key)
    keys.setdefault(full, Location(name, number, at + 1))
    rest = end + 1
    while rest < len(line) and line[rest] == " ":
        rest += 1
    if rest < len(line) and line[rest] == "{":
        for start in _inline_starts(line, rest + 1):
            _entries(name, number, line, start, full, keys)


def _inline_starts(line: str, at: int) -> list[int]:
    """Where each `key = value` of the inline table opened just before `at` begins."""
    starts: list[int] = []
    position = at
    while position < len(line):
        while position < len(line) and line[position] in " \t,":
            position += 1
        if position >= len(line) or line[position] == "}":
            break
        starts.append(position)
        _, position = _key(line, position)
        position = _value_end(line, position + 1)
    return starts


def _value_end(line: str, position: int) -> int:
    """The index of the `,` or `}` that ends the inline value starting at `position`."""
    depth, quote = 0, ""
    while position < len(line):
        char = line[position]
        if quote:
            if char == quote and line[position - 1] != "\\":
                quote = ""
        elif char in "\"'":
            quote = char
        elif char in "[{":
            depth += 1
        elif char in "]}" and depth:
            depth -= 1
        elif char in ",}":
            return position
        position += 1
    return position


def _key(text: str, at: int) -> tuple[Key, int]:
    """A (dotted, maybe quoted) key at `at`; returns it and the index after it (spaces
    skipped)."""
    parts: list[str] = []
    position = at
    while True:
        while position < len(text) and text[position] in " \t":
            position += 1
        if position >= len(text):
            break
        char = text[position]
        if char in "\"'":
            close = text.find(char, position + 1)
            if close < 0:
                break
            parts.append(text[position + 1 : close])
            position = close + 1
        else:
            found = BARE.match(text, position)
            if found is None:
                break
            parts.append(found.group())
            position = found.end()
        while position < len(text) and text[position] in " \t":
            position += 1
        if position < len(text) and text[position] == ".":
            position += 1
            continue
        break
    return tuple(parts), position
