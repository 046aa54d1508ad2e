"""What is wrong with a seed, said the way `reconciler validate` says it: one line per problem,
`FILE:LINE:COL: error: what is wrong`, all of them at once, never a traceback or a raw pydantic
dump. A problem found before the seed had a file (a `Seed` built in code) names its path in the
document instead (`users[3].role`)."""

from __future__ import annotations

import typing
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError

DocPath = tuple[str | int, ...]
FORMAT_HINT = "the seed format is in docs/sandbox.md"


@dataclass(frozen=True)
class Problem:
    """One thing wrong, at a path in the document; `line`/`column` (1-based) once located."""

    path: DocPath
    message: str
    line: int = 0
    column: int = 0
    at_key: bool = False  # placed at the key (an unknown field), not at its value

    def where(self) -> str:
        return ".".join(f"[{p}]" if isinstance(p, int) else p for p in self.path).replace(".[", "[")


class SeedError(ValueError):
    """A seed that cannot describe an org. `str()` is the whole report, one line a problem."""

    def __init__(self, problems: list[Problem], file: str | None = None) -> None:
        self.problems = problems
        self.file = file
        super().__init__("\n".join(self._line(p) for p in problems))

    def _line(self, problem: Problem) -> str:
        if self.file is None:
            at = problem.where()
            return (
                f"seed: error: {at}: {problem.message}" if at else f"seed: error: {problem.message}"
            )
        if problem.line:
            return f"{self.file}:{problem.line}:{problem.column}: error: {problem.message}"
        return f"{self.file}: error: {problem.message}"


def validation_problems(error: ValidationError, model: type[BaseModel]) -> list[Problem]:
    """pydantic's errors in the seed's words, each at the path it is about."""
    problems = []
    for item in error.errors(include_url=False):
        path = tuple(item["loc"])
        at_key = item["type"] == "extra_forbidden"
        problems.append(Problem(path, _message(item, path, model), at_key=at_key))
    return problems


def _message(item: Any, path: DocPath, model: type[BaseModel]) -> str:
    kind, name = item["type"], path[-1] if path else "seed"
    if kind == "extra_forbidden":
        known = ", ".join(_fields_at(model, path[:-1]))
        return f"unknown field {name!r}; a {_noun(path[:-1])} has {known}"
    if kind == "missing":
        return f"{_noun(path[:-1])} lacks the required field {name!r}"
    if kind == "string_pattern_mismatch" and name == "email":
        return f"{item['input']!r} is not an email address"
    if kind == "value_error":
        return str(item["ctx"]["error"])
    if kind == "model_type" or kind == "dict_type":
        return f"{name} must be a mapping of fields ({FORMAT_HINT})"
    return f"{name}: {item['msg']}"


def _noun(path: DocPath) -> str:
    named = [p for p in path if isinstance(p, str)]
    return f"`{named[-1]}` entry" if named else "seed"


def _fields_at(model: type[BaseModel], path: DocPath) -> list[str]:
    """The fields the model allows at `path` (for "unknown field ...; a user has ...")."""
    current: Any = model
    for part in path:
        if isinstance(part, int):
            continue
        current = _inner_model(current.model_fields[part].annotation)
    return list(current.model_fields)


def _inner_model(annotation: Any) -> Any:
    """`list[X]`, `X | None` and the like -> the model X inside."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    found = [_inner_model(arg) for arg in typing.get_args(annotation)]
    return next((model for model in found if model is not None), None)
