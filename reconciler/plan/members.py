"""Membership steps: each added or removed (territory, user) pair is carried by either the
territory's call (users listed) or the user's call (territories listed), whichever set of
calls is smallest (`cover.min_cover`), then packed to the endpoints' batch sizes."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from reconciler.limits import chunks
from reconciler.model import Directory, name_key
from reconciler.plan.cover import Edge, min_cover
from reconciler.plan.diff import Changes
from reconciler.plan.steps import Action, Limits, Ref, TerritoryUsers, UserTerritories
from reconciler.plan.territories import Builder


def member_steps(
    builder: Builder, changes: Changes, refs: dict[str, Ref], directory: Directory, limits: Limits
) -> None:
    removals = _edges(changes, "removed")
    additions = _edges(changes, "added")
    removed = _pack(builder, removals, refs, directory, limits, adding=False, after=())
    crowded = _crowded(changes, limits)
    _pack(
        builder, additions, refs, directory, limits, adding=True, after=removed if crowded else ()
    )


def _edges(changes: Changes, side: str) -> list[Edge]:
    return sorted(
        (name_key(m.territory), email) for m in changes.members for email in getattr(m, side)
    )


def _crowded(changes: Changes, limits: Limits) -> bool:
    """Whether adding before removing could push a territory past Zoho's member cap; if so
    every addition waits for the removals (one more level, never a refused call)."""
    return any(
        m.added and m.removed and m.before + len(m.added) > limits.users_per_territory
        for m in changes.members
    )


def _pack(
    builder: Builder,
    edges: list[Edge],
    refs: dict[str, Ref],
    directory: Directory,
    limits: Limits,
    adding: bool,
    after: Iterable[int],
) -> list[int]:
    if not edges:
        return []
    by_territory, by_user = _assign(edges, directory.current_user_email())
    ids: list[int] = []
    action = Action.add_users_to_territory if adding else Action.remove_users_from_territory
    for territory, emails in sorted(by_territory.items()):
        ref = refs[territory]
        users = [_user(e, directory) for e in sorted(emails)]
        most = limits.users_per_territory_call
        size = most if adding else _ids_per_call(users, most, limits)
        waits = [ref.created_by] if ref.created_by is not None else []
        for batch in chunks(users, size):
            step = builder.add(
                TerritoryUsers,
                after=[*after, *waits],
                action=action,
                territory=ref,
                users=tuple(batch),
            )
            ids.append(step.id)
    user_action = Action.add_territories_to_user if adding else Action.remove_territories_from_user
    for email, territories in sorted(by_user.items()):
        targets = [refs[t] for t in sorted(territories)]
        most = limits.territories_per_user_call if adding else limits.user_territory_ids_per_call
        size = most if adding else _ids_per_call(targets, most, limits)
        for batch in chunks(targets, size):
            waits = [r.created_by for r in batch if r.created_by is not None]
            carrier = builder.add(
                UserTerritories,
                after=[*after, *waits],
                action=user_action,
                user=_user(email, directory),
                territories=tuple(batch),
            )
            ids.append(carrier.id)
    return ids


def _assign(
    edges: list[Edge], current_user: str | None
) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """Give each pair to a call. Zoho refuses user-centric calls on the caller's own
    territories, so the caller's pairs always go with their territory."""
    own = [e for e in edges if e[1] == current_user]
    rest = [e for e in edges if e[1] != current_user]
    territories, users = min_cover(rest)
    by_territory: dict[str, set[str]] = defaultdict(set)
    by_user: dict[str, set[str]] = defaultdict(set)
    for territory, email in own:
        by_territory[territory].add(email)
    for territory, email in rest:
        if territory in territories:
            by_territory[territory].add(email)
        else:
            by_user[email].add(territory)
    return by_territory, by_user


def _user(email: str, directory: Directory) -> Ref:
    user = directory.user_by_email(email)
    return Ref(name=email, id=user.id if user else None)


def _ids_per_call(refs: list[Ref], most: int, limits: Limits) -> int:
    """Both removals take the ids in a query string of limited length (`?ids=1,2,...`)."""
    longest = max((len(r.id or "0" * 19) for r in refs), default=19) + 1  # the comma
    return max(1, min(most, limits.ids_chars // longest))
