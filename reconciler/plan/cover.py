"""Fewest calls for many-to-many membership changes.

Zoho can add (or remove) memberships two ways: one call per territory listing users, or one
call per user listing territories. Picking the calls is a vertex cover of the bipartite graph
of pending (territory, user) pairs: every pair must be covered by its territory's call or its
user's call. By König's theorem the smallest cover has the size of a maximum matching, which
Hopcroft-Karp finds in O(E·√V).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable

Edge = tuple[str, str]  # (territory, user)


def min_cover(edges: Iterable[Edge]) -> tuple[set[str], set[str]]:
    """Territories and users whose calls together cover every edge, fewest in total."""
    adjacency: dict[str, list[str]] = {}
    for territory, user in sorted(set(edges)):
        adjacency.setdefault(territory, []).append(user)
    match_t, match_u = _matching(adjacency)
    # König: from unmatched territories, alternate along free then matched edges.
    seen_t = {t for t in adjacency if t not in match_t}
    seen_u: set[str] = set()
    queue = deque(sorted(seen_t))
    while queue:
        territory = queue.popleft()
        for user in adjacency[territory]:
            if user not in seen_u and match_t.get(territory) != user:
                seen_u.add(user)
                partner = match_u.get(user)
                if partner is not None and partner not in seen_t:
                    seen_t.add(partner)
                    queue.append(partner)
    return set(adjacency) - seen_t, seen_u


def _matching(adjacency: dict[str, list[str]]) -> tuple[dict[str, str], dict[str, str]]:
    match_t: dict[str, str] = {}
    match_u: dict[str, str] = {}
    while True:
        layer = _layers(adjacency, match_t, match_u)
        if layer is None:
            return match_t, match_u
        for territory in sorted(adjacency):
            if territory not in match_t:
                _augment(territory, adjacency, match_t, match_u, layer)


def _layers(
    adjacency: dict[str, list[str]], match_t: dict[str, str], match_u: dict[str, str]
) -> dict[str, int] | None:
    layer = {t: 0 for t in adjacency if t not in match_t}
    queue = deque(sorted(layer))
    found = False
    while queue:
        territory = queue.popleft()
        for user in adjacency[territory]:
            partner = match_u.get(user)
            if partner is None:
                found = True
            elif partner not in layer:
                layer[partner] = layer[territory] + 1
                queue.append(partner)
    return layer if found else None


def _augment(
    start: str,
    adjacency: dict[str, list[str]],
    match_t: dict[str, str],
    match_u: dict[str, str],
    layer: dict[str, int],
) -> bool:
    # Iterative DFS along the BFS layers (recursion would overflow on long paths).
    stack: list[tuple[str, int]] = [(start, 0)]
    path: list[tuple[str, str]] = []
    while stack:
        territory, index = stack[-1]
        users = adjacency[territory]
        if index >= len(users):
            stack.pop()
            layer[territory] = -1  # dead end: never try it again in this phase
            if path:
                path.pop()
            continue
        stack[-1] = (territory, index + 1)
        user = users[index]
        partner = match_u.get(user)
        if partner is None:
            for t, u in [*path, (territory, user)]:
                match_t[t], match_u[u] = u, t
            return True
        if layer.get(partner, -1) == layer[territory] + 1:
            path.append((territory, user))
            stack.append((partner, 0))
    return False
