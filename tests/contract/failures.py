"""Turn jsonschema errors into one-line findings, and decide which ones a deviation covers."""

from __future__ import annotations

import re

from jsonschema.exceptions import ValidationError

from tests.contract import deviations
from tests.contract.deviations import Effect


def ignorable(error: ValidationError, keys: dict[str, str]) -> bool:
    """True when IGNORE deviations cover the error.

    A failed union is covered when every error of one of its branches is (that branch then
    passes, as far as we are concerned). An additionalProperties error is covered when each
    unexpected property is, matched at its own path with the message "unexpected property", so
    a deviation for `email` never hides a stray `bogus` beside it.
    """
    if deviations.find(Effect.IGNORE, json_path=error.json_path, message=error.message, **keys):
        return True
    extras = unexpected_properties(error)
    if extras:
        return all(
            deviations.find(
                Effect.IGNORE, json_path=f"{error.json_path}.{name}", message=UNEXPECTED, **keys
            )
            for name in extras
        )
    return any(all(ignorable(sub, keys) for sub in errs) for errs in branches(error))


UNEXPECTED = "unexpected property"


def unexpected_properties(error: ValidationError) -> list[str]:
    if error.validator != "additionalProperties" or not isinstance(error.instance, dict):
        return []
    schema = error.schema if isinstance(error.schema, dict) else {}
    known, patterns = schema.get("properties", {}), schema.get("patternProperties", {})
    return [
        name
        for name in error.instance
        if name not in known and not any(re.search(p, name) for p in patterns)
    ]


def describe(error: ValidationError) -> tuple[str, str]:
    """(JSON path, message); for a failed oneOf/anyOf, those of the branch that came closest."""
    if not error.context:
        return error.json_path, shorten(error.message)
    closest = closest_branch_error(error)
    union = f"closest {error.validator} branch at {error.json_path}"
    return closest.json_path, f"{shorten(closest.message)} ({union})"


def closest_branch_error(error: ValidationError) -> ValidationError:
    """Descend through unions to the deepest error of the branch that got furthest.

    jsonschema's best_match gives up when two branches tie, which for Zoho's many
    `oneOf: [error shapes]` unions would leave only "not valid under any of the given schemas".
    """
    while error.context:
        furthest = max(branches(error), key=lambda errs: (depth(errs), -len(errs)))
        error = max(furthest, key=lambda sub: len(sub.absolute_path))
    return error


def branches(error: ValidationError) -> list[list[ValidationError]]:
    """The errors of a failed oneOf/anyOf, grouped by the branch they belong to."""
    grouped: dict[object, list[ValidationError]] = {}
    for sub in error.context or []:
        grouped.setdefault(sub.relative_schema_path[0], []).append(sub)
    return list(grouped.values())


def depth(errors: list[ValidationError]) -> int:
    return max(len(e.absolute_path) for e in errors)


def shorten(text: str, limit: int = 300) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."
