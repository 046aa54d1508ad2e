"""Lower bounds the measurements are held against, computed from the org and the change,
not from the plan (so a planner that wastes a call shows above 1.00x).

Reads: `live.lower_bound`, the formula in reconciler/live.py's docstring, for the org's
sizes.

Writes: the fewest calls the endpoints' batch sizes allow (REFERENCE §11)::

    territory creates   sum over generations g of ceil(new_g / 100)   (a child needs its
                        parent's id, so each generation of new territories is a call apart)
    territory updates   ceil(updated / 100)       (renames, moves and field edits together)
    territory deletes   sum over heights h of ceil(deleted_h / 10)   (children first)
    memberships         for additions, and again for removals: the smallest set of calls
                        that covers every pending (territory, user) pair, each call being one
                        territory's (its users) or one user's (their territories): a minimum
                        vertex cover of the bipartite graph, = its maximum matching (König);
                        pairs of the user the token acts as can only go territory-side
    defaults            ceil(changed modules / 100)
    sharing rules       1 per create, update and delete, + 1 per activation change
    roles               1 per role created, updated (rename, move, fields) or deleted
                        (Zoho takes one role per call)
    user groups         ceil(created / 10) + 1 per group updated or deleted
    users' roles        ceil(users changed / 10)

Wall time: the critical-path bound of a plan at latency L, concurrency C and a rule
recomputation window W::

    sum over dependency levels l of ceil(steps_l / C) * L
      + max over modules m of (k_m - 1) * max(0, W - L)

where k_m counts the steps that make module m recompute (its rule writes, and the defaults
call when it changes m's default). A rule write must reach Zoho at least W after the previous
one for the same module; the level already pays L of that. For a lone chain of k rule writes
this is L + (k - 1) * W, the least any client can take.

The formula runs the plan level by level; an executor that starts each step as soon as its
own dependencies are done can beat it where rule waits overlap other work. A strict lower
bound for any executor is the larger of the work (ceil(steps / C) * L) and the longest
dependency path, each step costing L and each link of a module's recomputation chain W
(`strict_bound`).
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable

from reconciler.live import lower_bound
from reconciler.model import OrgState, name_key
from reconciler.plan.diff import Changes, TerritoryChange
from reconciler.plan.steps import Limits, RuleFlag, RuleWrite, SetDefaults, Step
from reconciler.scope import Scope

Edge = tuple[str, str]


def read_bound(live: OrgState, scope: Scope, every_member: bool = False) -> int:
    """The fewest read calls for `scope` over this org (live.py's formula): members are
    read for the territories `live` holds them for, or for all when `every_member`."""
    directory = live.directory
    territories = live.territories or ()
    members = [len(t.users or ()) for t in territories if every_member or t.users is not None]
    rules = sum(len(r) for r in (live.sharing_rules or {}).values())
    sources = [len(g.sources) for g in live.groups or ()] if scope.groups else None
    return lower_bound(
        len(directory.users),
        len(territories) if scope.territories else 0,
        members,
        groups=len(directory.groups),
        rules=rules,
        rule_modules=0 if scope.rule_modules == () else 1,
        defaults=scope.data_sharing,
        field_modules=len(scope.field_modules),
        roles=scope.roles,
        group_sources=sources,
        profiles=scope.users,
    )


def write_bound(changes: Changes, live: OrgState, limits: Limits | None = None) -> dict[str, int]:
    """The fewest write calls for `changes`, by kind (see the module docstring)."""
    limits = limits or Limits()
    territories = changes.territories
    creating = [c for c in territories if c.action == "create"]
    updating = [
        c
        for c in territories
        if c.action == "update" and (c.fields or c.renamed_from or c.moved_from)
    ]
    deleting = [c for c in territories if c.action == "delete"]
    current = live.directory.current_user_email()
    rules = changes.rules
    return {
        "territories": _by_generation(creating, limits.territories_per_call)
        + _ceil(len(updating), limits.territories_per_call)
        + _by_height(deleting, limits.deletes_per_call),
        "memberships": cover_size(_edges(changes, "added"), current)
        + cover_size(_edges(changes, "removed"), current),
        "defaults": _ceil(len(changes.defaults), limits.defaults_per_call),
        "rules": sum(r.action in ("create", "update", "delete") for r in rules)
        + sum(r.activation is not None for r in rules),
    }


def access_bound(changes: Changes, limits: Limits | None = None) -> dict[str, int]:
    """The fewest write calls for the access model's changes, by kind (module docstring)."""
    limits = limits or Limits()
    created = sum(g.action == "create" for g in changes.groups)
    return {
        "roles": len(changes.roles),
        "groups": _ceil(created, limits.groups_per_call) + len(changes.groups) - created,
        "users": _ceil(len(changes.users), limits.users_per_call),
    }


def _ceil(count: int, size: int) -> int:
    return math.ceil(count / size)


def _by_generation(creating: list[TerritoryChange], size: int) -> int:
    new = {c.key: c for c in creating}

    def generation(key: str) -> int:
        depth, parent = 0, new[key].parent
        while parent is not None and name_key(parent) in new:
            depth, parent = depth + 1, new[name_key(parent)].parent
        return depth

    counts = Counter(generation(k) for k in new)
    return sum(_ceil(n, size) for n in counts.values())


def _by_height(deleting: list[TerritoryChange], size: int) -> int:
    gone = {c.key: c for c in deleting}
    children: dict[str, list[str]] = defaultdict(list)
    for c in deleting:
        children[name_key(c.parent or "")].append(c.key)

    def height(key: str) -> int:
        return 1 + max((height(k) for k in children.get(key, [])), default=-1)

    counts = Counter(height(k) for k in gone)
    return sum(_ceil(n, size) for n in counts.values())


def _edges(changes: Changes, side: str) -> list[Edge]:
    return [(name_key(m.territory), e) for m in changes.members for e in getattr(m, side)]


def cover_size(edges: Iterable[Edge], current_user: str | None = None) -> int:
    """Size of a minimum vertex cover of the bipartite (territory, user) graph, the pairs of
    `current_user` having to be covered by their territory. Computed as |forced territories|
    + a maximum matching of the rest (König), with a plain augmenting-path search: an
    implementation independent of reconciler.plan.cover."""
    edges = set(edges)
    forced = {t for t, u in edges if u == current_user}
    adjacency: dict[str, list[str]] = defaultdict(list)
    for territory, user in sorted(edges):
        if territory not in forced:
            adjacency[territory].append(user)
    owner: dict[str, str] = {}  # user -> territory matched to it
    for territory in adjacency:
        _augment(territory, adjacency, owner)
    return len(forced) + len(owner)


def _augment(start: str, adjacency: dict[str, list[str]], owner: dict[str, str]) -> bool:
    """Breadth-first search for an augmenting path from `start`; flip it if found."""
    came_from: dict[str, str | None] = {start: None}  # territory -> user that led to it
    via: dict[str, str] = {}  # user -> territory it was reached from
    queue = [start]
    for territory in queue:
        for user in adjacency[territory]:
            if user in via:
                continue
            via[user] = territory
            if user not in owner:
                free: str | None = user
                while free is not None:  # flip the path back to `start`
                    t = via[free]
                    owner[free], free = t, came_from[t]
                return True
            nxt = owner[user]
            if nxt not in came_from:
                came_from[nxt] = user
                queue.append(nxt)
    return False


def recompute_chains(steps: Iterable[Step]) -> dict[str, int]:
    """Per module, how many steps of the plan make it recompute (rule writes, and a
    defaults call that changes its default)."""
    counts: Counter[str] = Counter()
    for step in steps:
        if isinstance(step, RuleWrite | RuleFlag):
            counts[step.module] += 1
        elif isinstance(step, SetDefaults):
            for item in step.items:
                counts[item.module.name] += 1
    return dict(counts)


def critical_path(
    steps: tuple[Step, ...], latency: float, concurrency: int, window: float
) -> float:
    """The wall-time bound of the module docstring, in seconds."""
    per_level = Counter(s.level for s in steps)
    levels = sum(math.ceil(n / concurrency) for n in per_level.values()) * latency
    chains = recompute_chains(steps)
    rules_in = {s.module for s in steps if isinstance(s, RuleWrite | RuleFlag)}
    longest = max((k for m, k in chains.items() if m in rules_in), default=1)
    return levels + (longest - 1) * max(0.0, window - latency)


def writes_by_kind(calls: dict[str, int]) -> dict[str, int]:
    """Write calls made, by kind, from `CallStats.calls` (`METHOD template` -> count)."""
    kinds: Counter[str] = Counter()
    for request, count in calls.items():
        method, _, template = request.partition(" ")
        if method == "GET":
            continue
        if template.startswith("settings/roles"):
            kinds["roles"] += count
        elif template.startswith("settings/user_groups"):
            kinds["groups"] += count
        elif template == "users":
            kinds["users"] += count
        elif "data_sharing/rules" in template:
            kinds["rules"] += count
        elif template.startswith("settings/data_sharing"):
            kinds["defaults"] += count
        elif template.endswith("/users") or template.startswith("users/"):
            kinds["memberships"] += count
        else:
            kinds["territories"] += count
    return dict(kinds)


def strict_bound(steps: tuple[Step, ...], latency: float, concurrency: int, window: float) -> float:
    """The larger of the work bound and the longest path (see the module docstring)."""
    by_id = {s.id: s for s in steps}
    finish: dict[int, float] = {}
    for step in sorted(steps, key=lambda s: s.level):
        start = 0.0
        for dep in step.after:
            gap = window - latency if _same_chain(by_id[dep], step) else 0.0
            start = max(start, finish[dep] + max(0.0, gap))
        finish[step.id] = start + latency
    work = math.ceil(len(steps) / concurrency) * latency
    return max(work, max(finish.values(), default=0.0))


def _same_chain(first: Step, then: Step) -> bool:
    """Whether `then` must wait for the recomputation `first` starts."""
    if not isinstance(then, RuleWrite | RuleFlag):
        return False
    if isinstance(first, RuleWrite | RuleFlag):
        return first.module == then.module
    return isinstance(first, SetDefaults) and then.module in {i.module.name for i in first.items}
