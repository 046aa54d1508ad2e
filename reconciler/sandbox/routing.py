"""The route table: method + path template -> handler, with the OAuth scopes each endpoint
needs (REFERENCE §2), whether it writes, and which feature switch guards it.

Templates are matched segment by segment and literal segments beat `{param}` segments, so
`/settings/territories/actions/associated_users_count` never reaches
`/settings/territories/{id}`, and `/settings/bogus` is no record of module `settings`."""

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
        """The route for `path` (relative to /crm/v8); None when no path matches.

        Segment by segment, a literal beats a parameter, and a segment that matched a literal
        is never read as a parameter: `/settings/bogus` is an unknown URL, not record `bogus`
        of module `settings`, as Zoho's own namespaces are not module names or ids."""
        parts = tuple(path.strip("/").split("/"))
        alive = self.routes
        for depth, part in enumerate(parts):
            deeper = [r for r in alive if len(r.segments) > depth]
            literal = [r for r in deeper if r.segments[depth] == part]
            alive = literal or [r for r in deeper if part and _is_param(r.segments[depth])]
        found = [r for r in alive if len(r.segments) == len(parts)]
        if not found:
            return None
        for route in found:
            if route.method == method:
                return Match(route, _bind(route.segments, parts))
        raise MethodNotAllowed(path)


def _is_param(segment: str) -> bool:
    return segment.startswith("{")


def _bind(template: tuple[str, ...], parts: tuple[str, ...]) -> dict[str, str]:
    return {want[1:-1]: got for want, got in zip(template, parts, strict=True) if _is_param(want)}
