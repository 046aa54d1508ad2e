"""What the benchmarks do to a generated org: `reorg()` (a share of everything changed, the
way a quarterly reorganisation does), and `yaml_text()` (the desired state as the YAML a
user would keep in git, which `config.load` reads back to the same state)."""

from __future__ import annotations

import random
from typing import Any

from reconciler.config.export import dump
from reconciler.model import (
    Access,
    OrgState,
    Permission,
    ShareType,
    SharingRule,
    Territory,
    name_key,
)

NEXT_SHARE = {
    ShareType.private: ShareType.public_read_only,
    ShareType.public_read_only: ShareType.public_read_write,
    ShareType.public_read_write: ShareType.private,
    ShareType.public: ShareType.private,
}


def reorg(desired: OrgState, share: float = 0.1, seed: int = 11) -> OrgState:
    """`desired` with `share` of its territories, memberships, rules and defaults changed:
    a third of the territories renamed, a third moved to another parent at the same depth
    (leaves, so no move waits for another), a third with edited fields; memberships
    reshuffled (users leave one territory and join another); rules edited (access,
    superiors, deactivated, or replaced under a new name); a few defaults changed."""
    rng = random.Random(seed)
    territories = _territories(desired.territories or (), share, rng)
    return OrgState(
        territories=_reshuffle(territories, share, rng),
        data_sharing=_defaults(desired.data_sharing or {}, share, rng),
        sharing_rules=_rules(desired.sharing_rules or {}, share, rng),
    )


def _territories(
    territories: tuple[Territory, ...], share: float, rng: random.Random
) -> list[Territory]:
    root, rest = territories[0], list(territories[1:])
    count = max(3, round(share * len(rest)))
    parents = {t.key: name_key(t.parent or "") for t in rest}
    has_children = set(parents.values())
    leaves = [t for t in rest if t.key not in has_children and t.parent != root.name]
    moved = {t.key for t in rng.sample(leaves, min(len(leaves), count // 3))}
    others = [t for t in rest if t.key not in moved]
    picked = rng.sample(others, min(len(others), count - len(moved)))
    renamed = {t.key for t in picked[: len(picked) // 2]}
    edited = {t.key for t in picked[len(picked) // 2 :]}
    names = {
        t.key: (f"{t.name} Hub"[:50].rstrip() if t.key in renamed else t.name) for t in territories
    }
    by_depth = _depths(territories)
    out = [root]
    for t in rest:
        parent = name_key(t.parent or "")
        if t.key in moved:
            same = [k for k, d in by_depth.items() if d == by_depth[parent] and k != parent]
            parent = rng.choice(sorted(same)) if same else parent
        update: dict[str, Any] = {"name": names[t.key], "parent": names[parent]}
        if t.key in renamed:
            update["previously"] = (t.name,)
        if t.key in edited:
            update.update(_edit(t, rng))
        out.append(t.model_copy(update=update))
    return out


def _depths(territories: tuple[Territory, ...]) -> dict[str, int]:
    parent = {t.key: name_key(t.parent) if t.parent else None for t in territories}
    depth = {}
    for key in parent:
        d, at = 0, parent[key]
        while at is not None:
            d, at = d + 1, parent[at]
        depth[key] = d
    return depth


def _edit(t: Territory, rng: random.Random) -> dict[str, Any]:
    users = list(t.users or ())
    choice = rng.randrange(3)
    if choice == 0 and len(users) > 1:
        return {"manager": rng.choice([u for u in users if u != t.manager])}
    if choice == 1:
        flipped = (
            Permission.read_only
            if t.permission is Permission.read_write_delete
            else Permission.read_write_delete
        )
        return {"permission": flipped}
    return {"description": f"{t.name}: reorganised sales territory"}


def _reshuffle(
    territories: list[Territory], share: float, rng: random.Random
) -> tuple[Territory, ...]:
    """Half of `share` of the memberships leave their territory; as many join another."""
    members = {t.key: set(t.users or ()) for t in territories[1:]}
    cap = max((len(m) for m in members.values()), default=0)
    keys = sorted(members)
    total = sum(len(m) for m in members.values())
    managers = {t.key: t.manager for t in territories}
    for _ in range(round(total * share / 2)):
        source = rng.choice([k for k in keys if len(members[k]) > 1])
        user = rng.choice(sorted(members[source] - {managers[source]}))
        members[source].discard(user)
        targets = [
            k for k in keys if k != source and user not in members[k] and len(members[k]) < cap
        ]
        members[rng.choice(targets) if targets else source].add(user)
    out = [territories[0]]
    out += [t.model_copy(update={"users": tuple(sorted(members[t.key]))}) for t in territories[1:]]
    return tuple(out)


def _rules(
    rules: dict[str, tuple[SharingRule, ...]], share: float, rng: random.Random
) -> dict[str, tuple[SharingRule, ...]]:
    """`share` of all the rules edited, in turn: access flipped, superiors flipped,
    deactivated, or replaced by the same rule under a new name (a delete and a create)."""
    every = [(m, r.key) for m, items in rules.items() for r in items]
    picked = sorted(rng.sample(every, max(1, round(share * len(every)))))
    kinds = {pair: n % 4 for n, pair in enumerate(picked)}
    out: dict[str, tuple[SharingRule, ...]] = {}
    for module, items in rules.items():
        edited = [
            _edit_rule(r, kinds[(module, r.key)]) if (module, r.key) in kinds else r for r in items
        ]
        out[module] = tuple(sorted(edited, key=lambda r: r.key))
    return out


def _edit_rule(rule: SharingRule, kind: int) -> SharingRule:
    if kind == 0:
        flipped = (
            Access.read if rule.access is Access.read_write_delete else Access.read_write_delete
        )
        return rule.model_copy(update={"access": flipped})
    if kind == 1:
        return rule.model_copy(update={"superiors": not rule.superiors})
    if kind == 2:
        return rule.model_copy(update={"active": False})
    return rule.model_copy(update={"name": f"{rule.name[:46].rstrip()} v2"})


def _defaults(
    defaults: dict[str, ShareType], share: float, rng: random.Random
) -> dict[str, ShareType]:
    picked = set(rng.sample(sorted(defaults), max(1, round(share * len(defaults)))))
    return {m: NEXT_SHARE[s] if m in picked else s for m, s in defaults.items()}


def yaml_text(state: OrgState) -> str:
    """The YAML of `state`, written the way a person would (only the keys it manages)."""
    return dump(state, as_written=True)
