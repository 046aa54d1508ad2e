"""The route table: method + path template -> handler, with the OAuth scopes each endpoint
needs (REFERENCE §2), whether it writes, and which feature switch guards it.

Templates are matched segment by segment and literal segments beat `{param}` segments, so
`/settings/territories/actions/associated_users_count` never reaches
`/settings/territories/{id}`."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import Enum

from reconciler.sandbox.call import Call
from reconciler.sandbox.replies import Reply

Handler = Callable[[Call], Reply]
API_PREFIX = "/crm/v8"


class Feature(Enum):
    """Which org switch an endpoint depends on (the error differs per family, §3 vs §4.1)."""

    NONE = "none"
    TERRITORIES = "territories"
    TERRITORY_USERS = "territory_users"


@dataclass(frozen=True)
class Route:
    method: str
    template: str
    handler: Handler
    # Any one alternative must be fully granted; each alternative is a set of scopes.
    scopes: tuple[tuple[str, ...], ...]
    write: bool = False
    feature: Feature = Feature.NONE

    @property
    def segments(self) -> tuple[str, ...]:
        return tuple(self.template.strip("/").split("/"))

    @property
    def full_template(self) -> str:
        return API_PREFIX + self.template


def scopes(*alternatives: str) -> tuple[tuple[str, ...], ...]:
    """Alternatives written as strings; `a+b` means both `a` and `b` are needed."""
    return tuple(tuple(part for part in alt.split("+")) for alt in alternatives)


@dataclass(frozen=True)
class Match:
    route: Route
    params: dict[str, str]


class MethodNotAllowed(Exception):
    """The path exists but not with this method."""


class Router:
    def __init__(self, routes: Sequence[Route]) -> None:
        self.routes = list(routes)

    def match(self, method: str, path: str) -> Match | None:
        """The best route for `path` (relative to /crm/v8); None when no path matches."""
        parts = tuple(path.strip("/").split("/"))
        candidates = [
            (route, params)
            for route in self.routes
            if (params := _bind(route.segments, parts)) is not None
        ]
        if not candidates:
            return None
        best = max(_specificity(route) for route, _ in candidates)
        candidates = [(r, p) for r, p in candidates if _specificity(r) == best]
        for route, params in candidates:
            if route.method == method:
                return Match(route, params)
        raise MethodNotAllowed(path)


def _bind(template: tuple[str, ...], parts: tuple[str, ...]) -> dict[str, str] | None:
    if len(template) != len(parts):
        return None
    params: dict[str, str] = {}
    for want, got in zip(template, parts, strict=True):
        if want.startswith("{"):
            if not got:
                return None
            params[want[1:-1]] = got
        elif want != got:
            return None
    return params


def _specificity(route: Route) -> tuple[bool, ...]:
    return tuple(not seg.startswith("{") for seg in route.segments)
