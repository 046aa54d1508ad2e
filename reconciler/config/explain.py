"""Turn pydantic's validation errors into diagnostics a CRM admin can act on.

Each error's `loc` is walked through the parsed data to find the YAML position; pydantic's
technical wording is replaced by what is wrong and how to fix it.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from reconciler.config.source import SourceFile, YamlPath
from reconciler.errors import Diagnostic
from reconciler.model import Access, Permission, ShareType

_TYPE_WORDS = {
    "string_type": "text",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "list_type": "a list",
    "dict_type": "a mapping of keys to values",
    "model_type": "a mapping of keys to values",
    "model_attributes_type": "a mapping of keys to values",
    "int_type": "a whole number",
}


_ENUM_NOUNS = {
    frozenset(Permission): "territory permission",
    frozenset(Access): "sharing access",
    frozenset(ShareType): "share type",
}


def diagnostics(
    error: ValidationError, source: SourceFile, known_keys: set[str]
) -> list[Diagnostic]:
    """One diagnostic per pydantic error, positioned in `source`."""
    return [_one(e, source, known_keys) for e in error.errors(include_url=False)]


def _one(error: ErrorDetails, source: SourceFile, known_keys: set[str]) -> Diagnostic:
    path = data_path(source.data, error["loc"])
    kind = error["type"]
    key = _last_key(path)
    if kind == "extra_forbidden":
        return source.key_at(path).error(
            f"unknown key `{key}`", _suggest(str(key), known_keys, "remove it")
        )
    if kind == "missing":
        missing = error["loc"][-1]
        return source.at(path).error(f"`{missing}` is required here")
    message, hint = _describe(error, key)
    where = source.key_at(path) if kind in ("too_short", "too_long") else source.at(path)
    return where.error(message, hint)


def _describe(error: ErrorDetails, key: str | int | None) -> tuple[str, str | None]:
    kind, ctx, value = error["type"], error.get("ctx") or {}, error.get("input")
    label = f"`{key}`" if isinstance(key, str) else "this value"
    if kind == "enum" or kind == "literal_error":
        allowed = re.findall(r"'([^']*)'", str(ctx.get("expected", ""))) or [
            str(ctx.get("expected", ""))
        ]
        if key == "version":
            return f"unsupported version {value!r}", "this reconciler reads `version: 1`"
        hint = _suggest(str(value), set(allowed), "use one of: " + ", ".join(allowed))
        noun = _ENUM_NOUNS.get(frozenset(allowed), label)
        return f"{_show(value)} is not a valid {noun}", hint
    if kind == "string_too_long":
        limit = ctx.get("max_length")
        return (f"{label} is {len(str(value))} characters long; Zoho allows at most {limit}", None)
    if kind == "string_too_short":
        return f"{label} must not be empty", None
    if kind == "string_pattern_mismatch":
        return f"{_show(value)} is not an email address", "write it as name@example.com"
    if kind in ("too_short", "too_long"):
        return _length(error, ctx, key)
    if kind == "value_error":
        return str(error["msg"]).removeprefix("Value error, "), None
    if kind in _TYPE_WORDS:
        return f"{label} should be {_TYPE_WORDS[kind]}, not {_kind_of(value)}", None
    return f"{label}: {error['msg']}", None


def _length(error: ErrorDetails, ctx: dict[str, Any], key: Any) -> tuple[str, str | None]:
    actual = ctx.get("actual_length")
    if key in ("all", "any"):
        return (
            f"a criteria group (`{key}`) holds 2 to 25 conditions; this one has {actual}",
            "use a single condition without the group, or split it into nested groups",
        )
    limit = ctx.get("min_length", ctx.get("max_length"))
    bound = "at least" if error["type"] == "too_short" else "at most"
    return f"`{key}` needs {bound} {limit} items; it has {actual}", None


def _show(value: Any) -> str:
    return f"`{value}`" if isinstance(value, str | int | float) else _kind_of(value)


def _kind_of(value: Any) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, str):
        return f"the text `{value}`"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    if value is None:
        return "empty (null)"
    return f"`{value}`"


def _suggest(word: str, choices: Iterable[str], fallback: str | None) -> str | None:
    close = difflib.get_close_matches(word, sorted(choices), n=1, cutoff=0.6)
    return f"did you mean `{close[0]}`?" if close else fallback


def _last_key(path: YamlPath) -> str | int | None:
    return path[-1] if path else None


def prune(data: Any, paths: Iterable[YamlPath]) -> Any:
    """A copy of `data` without the values at `paths` (the parts that failed validation)."""
    doomed = {p for p in paths if p}
    if len(doomed) != len(list(paths)):
        return None  # the top level itself is wrong: nothing is left to check
    return _without(data, (), doomed)


def _without(node: Any, path: YamlPath, doomed: set[YamlPath]) -> Any:
    if isinstance(node, dict):
        kept = {k: v for k, v in node.items() if (*path, k) not in doomed}
        return {k: _without(v, (*path, k), doomed) for k, v in kept.items()}
    if isinstance(node, list):
        kept_items = [(i, v) for i, v in enumerate(node) if (*path, i) not in doomed]
        return [_without(v, (*path, i), doomed) for i, v in kept_items]
    return node


def data_path(data: Any, loc: Iterable[str | int]) -> YamlPath:
    """Follow pydantic's `loc` through the data, skipping union tags that are not keys.

    For a missing key the path ends at the mapping that lacks it."""
    path: list[str | int] = []
    node = data
    for step in loc:
        if isinstance(node, dict) and step in node:
            node = node[step]
        elif isinstance(node, list) and isinstance(step, int) and 0 <= step < len(node):
            node = node[step]
        else:
            continue
        path.append(step)
    return tuple(path)


def field_names(*models: type[BaseModel]) -> set[str]:
    """Every key the file format knows, for "did you mean" hints."""
    names: set[str] = set()
    for model in models:
        for name, info in model.model_fields.items():
            names.add(info.alias or name)
    return names
