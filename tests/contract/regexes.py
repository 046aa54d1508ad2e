"""JSON Schema `pattern` with the Unicode property escapes Zoho's specs use.

JSON Schema patterns are ECMA-262 regexes; Zoho's user e-mail pattern uses `\\p{L}`, `\\p{M}`
and `\\p{N}` (Unicode general categories), which Python's `re` rejects. Rather than add a regex
dependency, each `\\p{X}` is expanded into the explicit code-point ranges of that category
from `unicodedata`, so the pattern keeps its meaning.
"""

from __future__ import annotations

import re
import sys
import unicodedata
import warnings
from collections.abc import Iterator
from functools import cache
from typing import Any

from jsonschema import Draft202012Validator, validators
from jsonschema.exceptions import ValidationError

PROPERTY = re.compile(r"\\([pP])\{([A-Z][a-z]?)\}")


@cache
def category_ranges(category: str) -> str:
    """Character-class body (`a-zà-ö...`) of every code point whose category starts so."""
    ranges: list[tuple[int, int]] = []
    for point in range(sys.maxunicode + 1):
        if not unicodedata.category(chr(point)).startswith(category):
            continue
        if ranges and ranges[-1][1] == point - 1:
            ranges[-1] = (ranges[-1][0], point)
        else:
            ranges.append((point, point))
    return "".join(f"{escape(a)}-{escape(b)}" if a != b else escape(a) for a, b in ranges)


def escape(point: int) -> str:
    return f"\\U{point:08x}"


def python_pattern(pattern: str) -> str:
    """The pattern with `\\p{X}` expanded; inside [...] only the ranges, outside a class."""
    return "".join(translate(pattern))


def translate(pattern: str) -> Iterator[str]:
    index, in_class = 0, False
    while index < len(pattern):
        match = PROPERTY.match(pattern, index)
        if match:
            yield expand(match, in_class)
            index = match.end()
        elif pattern[index] == "\\":
            yield pattern[index : index + 2]
            index += 2
        else:
            in_class = (pattern[index] == "[") or (in_class and pattern[index] != "]")
            yield pattern[index]
            index += 1


def expand(match: re.Match[str], in_class: bool) -> str:
    negated, body = match.group(1) == "P", category_ranges(match.group(2))
    if in_class and negated:
        raise ValueError(f"\\P{{...}} inside a class is not supported: {match.group(0)}")
    if in_class:
        return body
    return f"[^{body}]" if negated else f"[{body}]"


@cache
def compiled(pattern: str) -> re.Pattern[str]:
    with warnings.catch_warnings():
        # "Possible nested set" and friends: Python announcing future syntax for characters
        # that are plain literals in ECMA-262 classes, which is what they mean here too.
        warnings.simplefilter("ignore", FutureWarning)
        return re.compile(python_pattern(pattern))


def pattern_keyword(
    validator: Any, pattern: str, instance: Any, schema: Any
) -> Iterator[ValidationError]:
    if validator.is_type(instance, "string") and not compiled(pattern).search(instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


SpecValidator = validators.extend(  # type: ignore[no-untyped-call]
    Draft202012Validator, {"pattern": pattern_keyword}
)
