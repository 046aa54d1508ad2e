"""After an apply: is the org what the plan meant to leave? Zoho has no lock, so another
apply (or a person) can change an object between our re-check and our write, or after it.
Reading back everything the plan touched and comparing it with the plan's own changes makes
such a lost update loud: each difference is said in words, and the apply exits 1."""

from __future__ import annotations

from typing import Any

from reconciler.model import OrgState, Territory, name_key
from reconciler.plan.diff import Changes, MemberChange, field_changes, rule_change


def leftover(after: OrgState, changes: Changes) -> tuple[str, ...]:
    """What in `after` (the org read back after every step succeeded) differs from what
    `changes` set: each is something someone else changed during the apply."""
    live = {t.key: t for t in after.territories or ()}
    found = [_territory(live, change) for change in changes.territories]
    found += [_members(live, change) for change in _by_territory(changes.members)]
    shares = after.data_sharing or {}
    found += [
        f"the {d.module} data-sharing default is {shares.get(d.module)}, the plan set {d.after}"
        for d in changes.defaults
        if shares.get(d.module) != d.after
    ]
    for change in changes.rules:
        rules = {r.key: r for r in (after.sharing_rules or {}).get(change.module, ())}
        now = rules.get(name_key(change.name))
        what = f"sharing rule `{change.name}` ({change.module})"
        if change.desired is None:
            found.append(f"{what} is still there; the plan deleted it" if now else None)
        elif now is None:
            found.append(f"{what} is missing; the plan made it")
        elif rule_change(change.module, now, change.desired) is not None:
            found.append(f"{what} is not as the plan set it")
    return tuple(f for f in found if f)


def _territory(live: dict[str, Territory], change: Any) -> str | None:
    if change.desired is None:
        gone = name_key(change.name) not in live
        return None if gone else f"territory `{change.name}` is still there; the plan deleted it"
    wanted: Territory = change.desired
    now = live.get(wanted.key)
    if now is None:
        return f"territory `{wanted.name}` is missing"
    differences = [
        f"{f.field} is {_shown(f.before)}, the plan set {_shown(f.after)}"
        for f in field_changes(now, wanted)
    ]
    if not wanted.is_root and name_key(now.parent or "") != name_key(wanted.parent or ""):
        differences.append(f"it is under `{now.parent}`, the plan put it under `{wanted.parent}`")
    return f"territory `{wanted.name}`: {'; '.join(differences)}" if differences else None


def _by_territory(changes: tuple[MemberChange, ...]) -> list[MemberChange]:
    """One change per territory: a plan labelled by origin (`plan --base`) splits a
    territory's additions between the edit and the drift."""
    merged: dict[str, MemberChange] = {}
    for change in changes:
        key = name_key(change.territory)
        seen = merged.get(key)
        if seen is not None:
            change = seen.model_copy(
                update={
                    "added": (*seen.added, *change.added),
                    "removed": (*seen.removed, *change.removed),
                }
            )
        merged[key] = change
    return list(merged.values())


def _members(live: dict[str, Territory], change: MemberChange) -> str | None:
    now = live.get(name_key(change.territory))
    if now is None or now.users is None:
        return None  # a missing territory is said above
    users = set(now.users)
    meant = change.before + len(change.added) - len(change.removed)
    lacking = sorted(set(change.added) - users)
    back = sorted(set(change.removed) & users)
    if not lacking and not back and len(users) == meant:
        return None
    detail = [f"{len(users)} members where the plan meant to leave {meant}"]
    detail = detail if len(users) != meant else []
    detail += [f"{email} is not a member" for email in lacking]
    detail += [f"{email} is still a member" for email in back]
    return f"members of `{change.territory}`: {'; '.join(detail)}"


def _shown(value: Any) -> str:
    return "unset" if value is None else str(getattr(value, "value", value))
