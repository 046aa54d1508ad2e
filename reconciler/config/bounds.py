"""Limits on what is read, so that a hostile or mistaken input gets a one-line error instead
of a hang, a MemoryError or a RecursionError: files are read only when they are regular files
and only up to a size; YAML and JSON nest only so deep; integers have only so many digits.

A configuration of 10,000 territories is well under a megabyte and nests a few levels; these
bounds are far beyond any real file."""

from __future__ import annotations

import re
import sys
from pathlib import Path

MAX_BYTES = 16 * 1024 * 1024
MAX_DEPTH = 100  # brackets of a flow collection ([ {) inside one another
MAX_INDENT = 400  # columns: about 100 levels of a block territory tree


class TooMuch(ValueError):
    """An input beyond a bound; `line` and `column` are 1-based, 0 when it has no place."""

    def __init__(self, message: str, line: int = 0, column: int = 0) -> None:
        super().__init__(message)
        self.line, self.column = line, column


def read_bounded(path: Path, limit: int = MAX_BYTES) -> bytes:
    """A file's bytes; `TooMuch` for a directory, a device, a pipe (`/dev/zero`, a link to
    one) or a file over `limit`, OSError when it cannot be read."""
    if not path.is_file():
        kind = "a directory" if path.is_dir() else "not a regular file (a device or a pipe?)"
        raise TooMuch(kind if path.exists() else "no such file (or a link that leads nowhere)")
    with path.open("rb") as handle:
        raw = handle.read(limit + 1)
    if len(raw) > limit:
        raise TooMuch(f"larger than {limit // 2**20} MiB; is it the right file?")
    return raw


def check_nesting(text: str) -> None:
    """`TooMuch` at the first place `text` nests deeper than the bounds: block indentation,
    or flow brackets (outside quoted strings). Cheap when there is nothing to fear."""
    deep = re.search(rf"^ {{{MAX_INDENT + 1},}}\S", text, re.M)
    if deep is not None:
        line = text.count("\n", 0, deep.start()) + 1
        raise TooMuch(f"indented more than {MAX_INDENT} columns (nested too deeply)", line, 1)
    if text.count("[") + text.count("{") > MAX_DEPTH:
        _check_brackets(text)


def _check_brackets(text: str) -> None:
    depth, quote, line, column = 0, "", 1, 0
    for char in text:
        column += 1
        if char == "\n":
            line, column, quote = line + 1, 0, ""  # a quote left open is a plain apostrophe
        elif quote:
            quote = "" if char == quote else quote
        elif char in "\"'":
            quote = char
        elif char in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                raise TooMuch(f"nested more than {MAX_DEPTH} levels deep", line, column)
        elif char in "]}":
            depth -= 1


def long_number(text: str) -> TooMuch | None:
    """The integer longer than Python will read, if `text` has one, at its position."""
    found = re.search(rf"\d{{{sys.get_int_max_str_digits() + 1},}}", text)
    if found is None:
        return None
    before = text[: found.start()]
    return TooMuch(
        f"a number of {len(found.group())} digits; numbers here have at most a few",
        before.count("\n") + 1,
        found.start() - before.rfind("\n"),
    )
