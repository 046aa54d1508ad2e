"""What `apply` re-derives from a saved plan's steps instead of trusting the file.

Anyone who can write a plan file can also recompute its checksum (plan-format.md shows how),
so the checksum only catches accidents. What the steps will do is the truth: the step graph
must be one `apply` can run (every reference known, no step twice, no cycle), the objects the
steps write decide what is re-read and which fingerprints the plan must hold, and the safety
verdict is recomputed from the steps against the live org, never read from `unsafe`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from reconciler.model import Frozen, OrgState, name_key
from reconciler.plan.build import Safety, Summary, unsafe
from reconciler.plan.steps import (
    Action,
    CreateGroups,
    CreateTerritories,
    DeleteTerritories,
    GroupRemoval,
    GroupWrite,
    Ref,
    RoleRemoval,
    RoleWrite,
    RuleFlag,
    RuleWrite,
    SetDefaults,
    Step,
    TerritoryUsers,
    UpdateTerritories,
    UpdateUsers,
    UserTerritories,
)
from reconciler.scope import Scope


def graph_problems(steps: Iterable[Step]) -> list[str]:
    """Why `apply` could not run these steps as a graph (empty: it can)."""
    steps = list(steps)
    ids = [s.id for s in steps]
    problems = [f"step {i} appears {ids.count(i)} times" for i in sorted(set(ids))]
    problems = [p for p in problems if not p.endswith(" 1 times")]
    known = set(ids)
    for step in steps:
        for dep in step.after:
            if dep == step.id:
                problems.append(f"step {step.id} waits for itself")
            elif dep not in known:
                problems.append(f"step {step.id} waits for step {dep}, which the plan lacks")
        for ref in _refs(step):
            if ref.created_by is not None and ref.created_by not in known:
                problems.append(
                    f"step {step.id} uses what step {ref.created_by} creates, which the plan lacks"
                )
    if not problems and _cyclic(steps):
        problems.append("its steps wait for each other in a cycle")
    return problems


def _cyclic(steps: list[Step]) -> bool:
    waiting = {s.id: set(s.after) for s in steps}
    while waiting:
        ready = [i for i, deps in waiting.items() if not deps & waiting.keys()]
        if not ready:
            return True
        for i in ready:
            del waiting[i]
    return False


def _refs(value: Any) -> list[Ref]:
    """Every `Ref` inside a step, of whatever kind (territories, users, rules, roles...)."""
    if isinstance(value, Ref):
        return [value]
    if isinstance(value, Frozen):
        return [ref for name in type(value).model_fields for ref in _refs(getattr(value, name))]
    if isinstance(value, tuple | list):
        return [ref for item in value for ref in _refs(item)]
    return []


def written(steps: Iterable[Step]) -> dict[str, str]:
    """The fingerprint keys of the live objects the steps change, each with what it is.

    A plan must hold every one of them: a key it lacks means the file was altered (or made
    by something else), and the object would be written without being checked first."""
    found: dict[str, str] = {}
    for step in steps:
        if isinstance(step, CreateTerritories):
            found["territories"] = "the list of territories"
        territories = _territories_written(step)
        found |= {f"territory:{t.id}": f"territory `{t.name}`" for t in territories if t.id}
        if isinstance(step, SetDefaults):
            for item in step.items:
                found[f"default:{item.module.name}"] = f"the {item.module.name} default"
        if isinstance(step, RuleWrite | RuleFlag):
            if step.rule.id is None:
                found[f"rules:{step.module}"] = f"the list of {step.module} sharing rules"
            else:
                rule = f"sharing rule `{step.rule.name}` ({step.module})"
                found[f"rule:{step.module}:{step.rule.id}"] = rule
    return found


def _territories_written(step: Step) -> list[Ref]:
    if isinstance(step, UpdateTerritories):
        return [t.territory for t in step.items]
    if isinstance(step, DeleteTerritories):
        return [t.territory for t in step.items]
    if isinstance(step, TerritoryUsers):
        return [step.territory]
    if isinstance(step, UserTerritories):
        return list(step.territories)
    return []


def scope_of(steps: Iterable[Step], saved: Scope) -> Scope:
    """`saved` widened to everything the steps write, so that an emptied scope cannot hide
    a change made to the org since the plan."""
    steps = list(steps)
    membership = (DeleteTerritories, TerritoryUsers, UserTerritories)
    members = {
        name_key(t.name)
        for s in steps
        if isinstance(s, membership)
        for t in _territories_written(s)
    }
    rule_modules = {s.module for s in steps if isinstance(s, RuleWrite | RuleFlag)}
    territory_steps = any(
        _territories_written(s) or isinstance(s, CreateTerritories) for s in steps
    )
    roles = any(isinstance(s, RoleWrite | RoleRemoval) for s in steps)
    groups = any(isinstance(s, CreateGroups | GroupWrite | GroupRemoval) for s in steps)
    return saved.model_copy(
        update={
            "territories": saved.territories or territory_steps,
            "members_of": None
            if saved.members_of is None
            else tuple(sorted(set(saved.members_of) | members)),
            "data_sharing": saved.data_sharing or any(isinstance(s, SetDefaults) for s in steps),
            "rule_modules": None
            if saved.rule_modules is None
            else tuple(sorted(set(saved.rule_modules) | rule_modules)),
            "roles": saved.roles or roles,
            "groups": saved.groups or groups,
            "users": saved.users or any(isinstance(s, UpdateUsers) for s in steps),
        }
    )


def unsafe_now(
    steps: Iterable[Step], live: OrgState, safety: Safety | None = None
) -> tuple[str, ...]:
    """The safety verdict of these steps against the org as it is (DESIGN §5)."""
    steps = list(steps)
    members = {t.id: len(t.users or ()) for t in live.territories or ()}
    deleted = [t.territory for s in steps if isinstance(s, DeleteTerritories) for t in s.items]
    removals = Action.remove_users_from_territory, Action.remove_territories_from_user
    removed = sum(
        len(s.users) if isinstance(s, TerritoryUsers) else len(s.territories)
        for s in steps
        if isinstance(s, TerritoryUsers | UserTerritories) and s.action in removals
    )
    summary = Summary(
        delete=len(deleted),
        members_removed=removed,
        members_dropped=sum(members.get(t.id, 0) for t in deleted),
        rules_deleted=sum(
            isinstance(s, RuleFlag) and s.action == Action.delete_rule for s in steps
        ),
    )
    return unsafe(summary, live, safety or Safety())
