"""OAuth scope matching (REFERENCE §2). Scopes are `ZohoCRM.<area...>.<OP>`; comparison is
case-insensitive (sources disagree on case), `ALL` grants every operation, and an `ALL` on a
parent area (`ZohoCRM.settings.ALL`, `ZohoCRM.modules.ALL`) grants its sub-areas too."""

from __future__ import annotations

from collections.abc import Iterable, Mapping


def _split(scope: str) -> tuple[tuple[str, ...], str]:
    parts = scope.strip().lower().split(".")
    return tuple(parts[:-1]), parts[-1]


def grants(granted: str, required: str) -> bool:
    have_area, have_op = _split(granted)
    need_area, need_op = _split(required)
    if have_area == need_area:
        return have_op in (need_op, "all")
    return have_op == "all" and need_area[: len(have_area)] == have_area


def allowed(
    granted: Iterable[str], alternatives: tuple[tuple[str, ...], ...], params: Mapping[str, str]
) -> bool:
    """Whether some alternative has every scope granted; `{param}` comes from the URL."""
    held = list(granted)
    for alternative in alternatives:
        needed = [scope.format_map(dict(params)) for scope in alternative]
        if all(any(grants(have, need) for have in held) for need in needed):
            return True
    return False
