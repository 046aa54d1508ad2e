"""`python -m bench.access [--fast]`: the calls of roles, user groups and users' roles against
their lower bound, on the reference org's users (`--fast`: a tiny org, in seconds).

The org starts as the reference seed (users, a role tree per region, a few groups). Three
scenarios run through reconciler's own client, in-process with virtual time (Zoho's
scheduled group deletions are waited out in no real time):

1. rollout: a new role tree below the regional roles, groups (more than ten, so creates
   batch; one with 200 user sources, Zoho's maximum) drawing on the new roles and on users,
   and users moved into the new roles (more than ten, so updates batch);
2. reorg: a tenth of the new roles renamed, moved and deleted (`transfer_to` their parent),
   a tenth of the new groups renamed, given other sources and deleted (`prune: true`), a
   tenth of the moved users moved again;
3. no-op: plan again (must be empty: the convergence check).

Reads are held against `bounds.read_bound` (live.py's formula), writes against
`bounds.access_bound`, computed from the change, not the plan: one call per role created,
updated or deleted (Zoho takes one role per call), one per ten groups created, one per group
updated or deleted, one per ten users. The polls of a scheduled group deletion's job depend
on Zoho's speed and are counted apart.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import random
from dataclasses import dataclass
from typing import Any

from bench.bounds import access_bound, read_bound, writes_by_kind
from bench.drift import VirtualTime
from bench.generate import FAST, REFERENCE, Size, generate
from reconciler.cli import workflow
from reconciler.cli.target import sandbox_target
from reconciler.config.load import Config
from reconciler.live import read
from reconciler.model import GroupSource, OrgState, Role, SourceKind, UserAccess, UserGroup
from reconciler.plan.steps import Limits
from reconciler.sandbox import Sandbox, SandboxSettings
from reconciler.sandbox.seed import Seed
from reconciler.scope import Scope
from reconciler.zoho.client import ZohoClient

MAX_SOURCES = 200  # Zoho's limit of sources per group (REFERENCE §7.3)


@dataclass(frozen=True)
class Shape:
    """How much the rollout adds: new roles, new groups, users moved."""

    roles: int
    groups: int
    users: int


SHAPES = {"fast": Shape(roles=12, groups=23, users=25), "reference": Shape(100, 150, 1000)}


@dataclass(frozen=True)
class Row:
    scenario: str
    changes: dict[str, int]
    reads: int
    read_bound: int
    writes: dict[str, int]
    write_bound: dict[str, int]
    polls: int
    converged: bool | None


async def run(size: Size, shape: Shape) -> list[Row]:
    time = VirtualTime()
    raw = generate(size).seed
    with Sandbox(seed=Seed.model_validate(raw), clock=time, settings=SandboxSettings()) as org:
        target = sandbox_target(sandbox=org)
        client = ZohoClient.for_target(target, sleep=time.sleep, clock=time, rng=random.Random(0))
        async with client:
            connection = workflow.Connection(target, client)
            start = await read(client, Scope(roles=True, groups=True, users=True))
            rollout = rolled_out(start, shape, random.Random(5))
            first = await _scenario("rollout", rollout, connection)
            again = reorganised(rollout, random.Random(6))
            second = await _scenario("reorg", again, connection)
            third = await _scenario("no-op", again, connection)
    return [first, second, third]


async def _scenario(name: str, desired: OrgState, connection: workflow.Connection) -> Row:
    """Plan `desired` and apply it; the reads of the plan and the writes of the apply, with
    their bounds; whether the plan right after is empty."""
    client, config = connection.client, Config(state=desired, sources={}, files=())
    before = dict(client.stats.calls)
    saved = await workflow.make_plan(config, connection)
    reads = sum(n - before.get(k, 0) for k, n in client.stats.calls.items())
    plan, scope = saved.plan, Scope.for_config(desired)
    live = await read(client, scope)  # what the plan read (nothing changed in between)
    row = Row(
        scenario=name,
        changes=_counts(plan.summary.model_dump()),
        reads=reads,
        read_bound=read_bound(live, scope),
        writes={},
        write_bound=access_bound(plan.changes, Limits()),
        polls=0,
        converged=None,
    )
    if plan.empty:
        return row
    before, polls = dict(client.stats.calls), client.stats.polls
    await workflow.apply_saved(saved, connection, allow_deletes=True, verify=False)
    made = {k: n - before.get(k, 0) for k, n in client.stats.calls.items()}
    writes = {k: n for k, n in made.items() if n and not k.startswith("GET ")}
    after = await workflow.make_plan(config, connection)
    return dataclasses.replace(
        row,
        writes=writes_by_kind(writes),
        polls=client.stats.polls - polls,
        converged=after.plan.empty,
    )


def _counts(summary: dict[str, Any]) -> dict[str, int]:
    kinds = ("roles_", "groups_", "users_updated")
    return {k: v for k, v in summary.items() if k.startswith(kinds) and v}


def rolled_out(start: OrgState, shape: Shape, rng: random.Random) -> OrgState:
    """`start`'s roles and groups kept as they are, with the new ones and the moved users."""
    roles = [Role(name=r.name, parent=r.parent) for r in start.roles or ()]
    tops = [r.name for r in roles if r.parent is not None]  # below the CEO
    new: list[str] = []
    for n in range(shape.roles):
        parent = rng.choice(new[-8:] + tops[:4]) if new else tops[0]
        roles.append(Role(name=f"Team {n:03d}", parent=parent, description=f"Team {n}"))
        new.append(f"Team {n:03d}")
    users = [u.email for u in start.directory.users if u.email != _current(start)]
    groups = [g.model_copy(update={"id": None}) for g in start.groups or ()]
    groups += [_group(n, new, users, rng) for n in range(shape.groups)]
    widest = _group(shape.groups, new, users, rng, width=min(MAX_SOURCES, len(users)))
    moved = tuple(UserAccess(email=email, role=rng.choice(new)) for email in users[: shape.users])
    return OrgState(roles=tuple(roles), groups=(*groups, widest), users=moved)


def _current(state: OrgState) -> str | None:
    return state.directory.current_user_email()


def _group(
    n: int, roles: list[str], users: list[str], rng: random.Random, width: int = 0
) -> UserGroup:
    """A group on one new role and two users; with `width`, on that many users alone."""
    if width:
        sources = [GroupSource(kind=SourceKind.user, name=u) for u in rng.sample(users, width)]
    else:
        sources = [GroupSource(kind=SourceKind.role, name=rng.choice(roles), below=bool(n % 2))]
        sources += [GroupSource(kind=SourceKind.user, name=u) for u in rng.sample(users, 2)]
    return UserGroup(name=f"Group {n:03d}", description=f"Group {n}", sources=tuple(sources))


def reorganised(desired: OrgState, rng: random.Random) -> OrgState:
    """A tenth of the new roles renamed, moved and deleted, of the new groups renamed,
    re-sourced and pruned, of the moved users moved again (see the module docstring)."""
    roles = {r.name: r for r in desired.roles or ()}
    new = [n for n in roles if n.startswith("Team ")]
    parents = {r.parent for r in roles.values()}
    leaves = [n for n in new if n not in parents]
    tenth = max(1, len(new) // 10)
    gone = set(rng.sample(leaves, min(len(leaves), tenth)))
    moved = set(rng.sample([n for n in leaves if n not in gone], min(len(leaves), tenth) // 2))
    # A moved leaf goes under a role that stays and does not move: no cycle between moves.
    renamed = set(rng.sample([n for n in new if n not in gone | moved], tenth))
    heir = {n: roles[n].parent or "" for n in gone}
    names = {n: f"{n} (renamed)" if n in renamed else n for n in roles}
    staying = [n for n in new if n not in gone]
    anchors = [n for n in staying if n not in moved]
    kept: list[Role] = []
    for role in roles.values():
        if role.name in gone:
            kept.append(Role(name=role.name, transfer_to=names[heir[role.name]]))
            continue
        parent = rng.choice(anchors) if role.name in moved else role.parent
        update: dict[str, Any] = {"name": names[role.name]}
        update["parent"] = names[parent] if parent else None
        if role.name in renamed:
            update["previously"] = (role.name,)
        kept.append(role.model_copy(update=update))
    swap = {n: names[heir[n]] for n in gone} | {n: names[n] for n in renamed}
    groups = _regrouped(desired.groups or (), swap, rng)
    users = tuple(
        u.model_copy(update={"role": swap.get(u.role or "", u.role)}) for u in desired.users or ()
    )
    users = tuple(
        u.model_copy(update={"role": names[rng.choice(staying)]}) if i % 10 == 0 else u
        for i, u in enumerate(users)
    )
    return OrgState(roles=tuple(kept), groups=groups, prune_groups=True, users=users)


def _regrouped(
    groups: tuple[UserGroup, ...], roles: dict[str, str], rng: random.Random
) -> tuple[UserGroup, ...]:
    """Role sources follow renames and deletions; a tenth of the new groups renamed, a
    tenth re-sourced (one source dropped or a flag flipped), a tenth left out (pruned)."""
    new = [g.name for g in groups if g.name.startswith("Group ")]
    tenth = max(1, len(new) // 10)
    picked = rng.sample(new, 3 * tenth)
    renamed, resourced, pruned = picked[:tenth], picked[tenth : 2 * tenth], picked[2 * tenth :]
    out = []
    for group in groups:
        if group.name in pruned:
            continue
        sources = tuple(
            s.model_copy(update={"name": roles.get(s.name, s.name)})
            if s.kind is SourceKind.role
            else s
            for s in group.sources
        )
        if group.name in resourced:
            sources = tuple(
                s.model_copy(update={"below": not s.below}) if s.kind is SourceKind.role else s
                for s in sources
            )
        update: dict[str, Any] = {"sources": UserGroup(name="x", sources=sources).sources}
        if group.name in renamed:
            update |= {"name": f"{group.name} (renamed)", "previously": (group.name,)}
        out.append(group.model_copy(update=update))
    return tuple(out)


def table(rows: list[Row]) -> str:
    lines = [
        "| scenario | changes | read calls / bound | write calls / bound "
        "| roles | groups | users | deletion polls | converged |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        changes = ", ".join(f"{k} {v}" for k, v in r.changes.items()) or "none"
        kinds = [f"{r.writes.get(k, 0)} / {r.write_bound[k]}" for k in ("roles", "groups", "users")]
        writes, bound = sum(r.writes.values()), sum(r.write_bound.values())
        converged = {None: "-", True: "yes", False: "**no**"}[r.converged]
        lines.append(
            f"| {r.scenario} | {changes} | {r.reads} / {r.read_bound} = "
            f"{r.reads / r.read_bound:.2f}x | {writes} / {bound} = {_ratio(writes, bound)} "
            f"| {' | '.join(kinds)} | {r.polls} | {converged} |"
        )
    return "\n".join(lines) + "\n"


def _ratio(made: int, bound: int) -> str:
    return f"{made / bound:.2f}x" if bound else "-"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.access", description=(__doc__ or "").split("\n")[0]
    )
    parser.add_argument("--fast", action="store_true", help="a tiny org, in seconds")
    args = parser.parse_args(argv)
    size = FAST if args.fast else REFERENCE
    rows = asyncio.run(run(size, SHAPES[size.label]))
    print(table(rows), end="")


if __name__ == "__main__":
    main()
