"""From changes to the calls that make them: ordered, batched, checked, fingerprinted.

`build()` turns the diff into steps (one API call each) with explicit dependencies, packed
into the largest batches Zoho takes (REFERENCE §11). A step's level is one more than the
deepest step it waits for, so everything in a level can run in parallel. Same input, same
plan: every collection is sorted before it becomes steps.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from pydantic import Field

from reconciler.model import Frozen, OrgState, Territory
from reconciler.plan.access_steps import deletion_steps, group_steps, role_steps, user_steps
from reconciler.plan.diff import Changes
from reconciler.plan.impact import RecordImpact
from reconciler.plan.members import member_steps
from reconciler.plan.origin import only
from reconciler.plan.restore import RecordsBack
from reconciler.plan.rules import default_steps, rule_steps
from reconciler.plan.steps import Limits, Step
from reconciler.plan.territories import Builder, territory_steps


class Safety(Frozen):
    """Deletes beyond these need `--allow-deletes` (DESIGN §5): a share of what exists,
    with a floor so that a small org can still lose a territory or two."""

    max_ratio: float = 0.25
    floor_territories: int = 3
    floor_memberships: int = 10
    floor_rules: int = 3


class Fingerprint(Frozen):
    """What one live object looked like when the plan was made: its name and a digest."""

    name: str
    digest: str


class Summary(Frozen):
    create: int = 0
    update: int = 0
    rename: int = 0
    move: int = 0
    delete: int = 0
    members_added: int = 0
    members_removed: int = 0
    members_dropped: int = 0
    users_gaining: int = 0
    users_losing: int = 0
    defaults: int = 0
    rules_created: int = 0
    rules_updated: int = 0
    rules_deleted: int = 0
    rules_activated: int = 0
    rules_deactivated: int = 0
    roles_created: int = 0
    roles_updated: int = 0
    roles_deleted: int = 0
    groups_created: int = 0
    groups_updated: int = 0
    groups_deleted: int = 0
    users_updated: int = 0
    api_calls: int = 0
    credits: int = 0
    levels: int = 0
    from_change: int = 0
    drift: int = 0

    @property
    def changes(self) -> int:
        return sum(
            (
                self.create,
                self.update,
                self.rename,
                self.move,
                self.delete,
                self.members_added,
                self.members_removed,
                self.members_dropped,
                self.defaults,
                self.rules_created,
                self.rules_updated,
                self.rules_deleted,
                self.rules_activated,
                self.rules_deactivated,
                self.roles_created,
                self.roles_updated,
                self.roles_deleted,
                self.groups_created,
                self.groups_updated,
                self.groups_deleted,
                self.users_updated,
            )
        )


class Plan(Frozen):
    """Everything `apply` needs, and everything a reviewer reads."""

    summary: Summary
    changes: Changes
    steps: tuple[Step, ...]
    fingerprints: dict[str, Fingerprint] = Field(default_factory=dict)
    unsafe: tuple[str, ...] = Field(
        default=(), description="Why apply refuses without --allow-deletes; empty when safe."
    )
    tree: dict[str, str | None] = Field(
        default_factory=dict,
        description="Every territory the plan shows, by name, with its parent's name: the "
        "desired tree, plus deleted territories under their live parent.",
    )

    records: RecordImpact | None = Field(
        default=None,
        description="Where records land under the desired rules, and the realignment apply "
        "carries out (plan --records, `records:`/`realign:` sections).",
    )

    restore: RecordsBack | None = Field(
        default=None,
        description="A rollback's records given back the territories its snapshot says they "
        "held (docs/safety.md).",
    )

    @property
    def empty(self) -> bool:
        return not self.steps and self.changes.empty and not self.realigns and not self.restore

    @property
    def realigns(self) -> int:
        """Records apply will realign."""
        modules = self.records.modules if self.records else ()
        return sum(len(m.changes) for m in modules if m.realign is not None)


def build(
    live: OrgState,
    desired: OrgState,
    changes: Changes,
    limits: Limits | None = None,
    safety: Safety | None = None,
) -> Plan:
    """The steps that turn `live` into `desired`; `changes` is `diff(live, desired)`."""
    limits = limits or Limits()
    builder = Builder()
    roles = role_steps(builder, changes, live, desired)
    refs = territory_steps(builder, changes, live, limits)
    member_steps(builder, changes, refs, live.directory, limits)
    principals = group_steps(builder, changes, live, roles, refs, limits)
    user_steps(builder, changes, live, roles, limits)
    defaults = default_steps(builder, changes, live.directory, limits)
    rule_steps(builder, changes, live.directory, defaults, principals)
    deletion_steps(builder, changes, roles)
    steps = builder.finish()
    summary = summarise(changes, steps)
    return Plan(
        summary=summary,
        unsafe=unsafe(summary, live, safety or Safety()),
        changes=changes,
        steps=steps,
        fingerprints=fingerprints(live, desired),
        tree=_tree(desired, changes),
    )


def _tree(desired: OrgState, changes: Changes) -> dict[str, str | None]:
    tree = {t.name: t.parent for t in desired.territories or ()}
    for change in changes.territories:
        if change.action == "delete":
            tree[change.name] = change.parent
    return tree


def summarise(changes: Changes, steps: tuple[Step, ...]) -> Summary:
    gained = {e for m in changes.members for e in m.added}
    lost = {e for m in changes.members for e in m.removed}
    lost |= {e for t in changes.territories for e in t.members_dropped}
    gained |= {e for g in changes.groups for e in g.joining}
    gained |= {e for r in changes.roles for e in r.gaining}
    lost |= {e for g in changes.groups for e in g.leaving}
    lost |= {e for r in changes.roles for e in r.losing}
    return Summary(
        **_counts(changes),
        users_gaining=len(gained),
        users_losing=len(lost),
        api_calls=len(steps),
        credits=len(steps),
        levels=max((s.level for s in steps), default=0),
        from_change=sum(_counts(only(changes, "change")).values()),
        drift=sum(_counts(only(changes, "drift")).values()),
    )


def _counts(changes: Changes) -> dict[str, int]:
    """The counts that add up to `Summary.changes`."""
    territories, rules = changes.territories, changes.rules
    return {
        "create": sum(t.action == "create" for t in territories),
        # by territory: origin may split one update into a part of each origin
        "update": len({t.key for t in territories if t.action == "update" and t.fields}),
        "rename": sum(t.renamed_from is not None for t in territories),
        "move": sum(t.moved_from is not None for t in territories),
        "delete": sum(t.action == "delete" for t in territories),
        "members_added": sum(len(m.added) for m in changes.members),
        "members_removed": sum(len(m.removed) for m in changes.members),
        "members_dropped": sum(len(t.members_dropped) for t in territories),
        "defaults": len(changes.defaults),
        "rules_created": sum(r.action == "create" for r in rules),
        "rules_updated": sum(r.action == "update" for r in rules),
        "rules_deleted": sum(r.action == "delete" for r in rules),
        "rules_activated": sum(r.activation == "activate" for r in rules),
        "rules_deactivated": sum(r.activation == "deactivate" for r in rules),
        **_access_counts(changes),
    }


def _access_counts(changes: Changes) -> dict[str, int]:
    counts = {}
    for kind, found in (("roles", changes.roles), ("groups", changes.groups)):
        for action in ("create", "update", "delete"):
            counts[f"{kind}_{action}d"] = sum(c.action == action for c in found)
    return {**counts, "users_updated": len(changes.users)}


def relabel(plan: Plan, changes: Changes) -> Plan:
    """`plan` with its changes labelled by origin (`origin.label`): the steps stay exactly
    as they are, the summary gains the counts per origin."""
    return plan.model_copy(update={"changes": changes, "summary": summarise(changes, plan.steps)})


def unsafe(summary: Summary, live: OrgState, safety: Safety) -> tuple[str, ...]:
    """The kinds of deletion that exceed their threshold, each said in words."""
    territories = len(live.territories or ())
    members = sum(len(t.users or ()) for t in live.territories or ())
    rules = sum(len(r) for r in (live.sharing_rules or {}).values())
    dropped = summary.members_removed + summary.members_dropped
    checks = [
        ("territories", summary.delete, territories, safety.floor_territories),
        ("memberships", dropped, members, safety.floor_memberships),
        ("sharing rules", summary.rules_deleted, rules, safety.floor_rules),
        ("roles", summary.roles_deleted, len(live.roles or ()), safety.floor_rules),
        ("user groups", summary.groups_deleted, len(live.groups or ()), safety.floor_rules),
    ]
    reasons = []
    for kind, deleting, existing, floor in checks:
        allowed = max(floor, int(existing * safety.max_ratio))
        if deleting > allowed:
            reasons.append(
                f"deletes {deleting} of {existing} {kind} (more than {allowed} needs "
                "--allow-deletes)"
            )
    return tuple(reasons)


def fingerprints(live: OrgState, desired: OrgState | None = None) -> dict[str, Fingerprint]:
    """A short hash of each live object the plan was computed against, keyed by id.

    Index entries (`territories`, `rules:<module>`) catch objects added since the plan.
    With `desired`, only the defaults it manages count: a default nobody manages may change
    without making the plan stale."""
    found: dict[str, Fingerprint] = {}
    if live.territories is not None:
        for t in live.territories:
            found[f"territory:{t.id}"] = _fingerprint(f"territory `{t.name}`", _territory_facts(t))
        index = sorted((t.id or "", t.key) for t in live.territories)
        found["territories"] = _fingerprint("the list of territories", index)
    managed = None if desired is None else set(desired.data_sharing or {})
    for module, share in (live.data_sharing or {}).items():
        if managed is not None and module not in managed:
            continue
        found[f"default:{module}"] = _fingerprint(f"the {module} data-sharing default", share.value)
    for module, rules in (live.sharing_rules or {}).items():
        for rule in rules:
            label = f"sharing rule `{rule.name}` ({module})"
            found[f"rule:{module}:{rule.id}"] = _fingerprint(label, rule.model_dump(mode="json"))
        index = sorted((r.id or "", r.key) for r in rules)
        found[f"rules:{module}"] = _fingerprint(f"the list of {module} sharing rules", index)
    found.update(_access_fingerprints(live, desired))
    return dict(sorted(found.items()))


def _access_fingerprints(live: OrgState, desired: OrgState | None) -> dict[str, Fingerprint]:
    """Roles and groups (each, and their lists), and the users whose role the plan manages."""
    found: dict[str, Fingerprint] = {}
    for kind, items in (("role", live.roles), ("group", live.groups)):
        for item in items or ():
            data = item.model_dump(mode="json")
            found[f"{kind}:{item.id}"] = _fingerprint(f"{kind} `{item.name}`", data)
        if items is not None:
            index = sorted((i.id or "", i.key) for i in items)
            found[f"{kind}s"] = _fingerprint(f"the list of {kind}s", index)
    wanted = {u.email for u in (desired.users or ())} if desired is not None else None
    for user in live.users or ():
        if wanted is None or user.email.casefold() in wanted:
            label = f"user `{user.email}`"
            found[f"user:{user.id}"] = _fingerprint(label, user.model_dump(mode="json"))
    return found


def changed_since(then: dict[str, Fingerprint], now: dict[str, Fingerprint]) -> list[str]:
    """What differs between two sets of fingerprints, in words (empty: nothing moved).

    Only what the plan watched counts: its keys, and new objects of a family it indexed
    (a territory, or a rule of a module whose rules it read)."""
    found = []
    for key in sorted(then.keys() | {k for k in now if _watched(k, then)}):
        before, after = then.get(key), now.get(key)
        if before is None and after is not None:
            found.append(f"{after.name} was added")
        elif after is None and before is not None:
            found.append(f"{before.name} was removed")
        elif before is not None and after is not None and before.digest != after.digest:
            found.append(f"{before.name} was changed")
    return found


def _watched(key: str, then: dict[str, Fingerprint]) -> bool:
    if key in then:
        return True
    if key.startswith("territory:"):
        return "territories" in then
    if key.startswith("rule:"):
        module = key.split(":")[1]
        return f"rules:{module}" in then
    if key.startswith(("role:", "group:")):
        return key.split(":")[0] + "s" in then
    return False


def _fingerprint(name: str, value: Any) -> Fingerprint:
    return Fingerprint(name=name, digest=_digest(value))


def _territory_facts(territory: Territory) -> Any:
    return {"name": territory.name, **territory.model_dump(mode="json", exclude={"name"})}


def _digest(value: Any) -> str:
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]
