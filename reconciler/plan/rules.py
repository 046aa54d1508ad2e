"""Data-sharing defaults and sharing-rule steps.

Defaults for up to 100 modules go in one call. Sharing rules go one per call, and each
module's rule steps form a chain: every write makes Zoho recompute that module's sharing
(`CANNOT_PROCESS` until it is done), so a module's next write waits for its last one, while
different modules proceed side by side. A module whose default changes starts its chain
after the defaults call for the same reason. Deletes come first in a chain (room under the
per-module cap), then creates and updates, each followed by its activation change.
"""

from __future__ import annotations

from typing import Any

from reconciler.limits import chunks
from reconciler.model import Directory, Principal, PrincipalKind, SharingRule, name_key
from reconciler.plan.diff import Changes, RuleChange
from reconciler.plan.steps import (
    Action,
    DefaultSetting,
    Limits,
    PrincipalRef,
    Ref,
    RuleFlag,
    RulePayload,
    RuleWrite,
    SetDefaults,
)
from reconciler.plan.territories import Builder


def default_steps(
    builder: Builder, changes: Changes, directory: Directory, limits: Limits
) -> dict[str, int]:
    """Add the defaults calls; return which step sets each module's default."""
    modules = {m.name.casefold(): m for m in directory.modules}
    settings = [
        DefaultSetting(
            module=Ref(name=c.module, id=_id(modules.get(c.module.casefold()))),
            share_type=c.after,
        )
        for c in changes.defaults
    ]
    setter: dict[str, int] = {}
    for batch in chunks(settings, limits.defaults_per_call):
        step = builder.add(SetDefaults, action=Action.set_defaults, items=tuple(batch))
        setter.update({s.module.name: step.id for s in batch})
    return setter


def _id(found: object | None) -> str | None:
    return getattr(found, "id", None)


Principals = dict[tuple[PrincipalKind, str], Ref]


def rule_steps(
    builder: Builder,
    changes: Changes,
    directory: Directory,
    defaults: dict[str, int],
    principals: Principals | None = None,
) -> None:
    """`principals`: roles and groups by desired name (new ones by the step creating them)."""
    for module in sorted({c.module for c in changes.rules}):
        start = defaults.get(module)
        for change in ordered([c for c in changes.rules if c.module == module]):
            after = [start] if start is not None else []
            start = _rule(builder, change, directory, after, principals or {})


def ordered(changes: list[RuleChange]) -> list[RuleChange]:
    """One module's rule changes in an order Zoho accepts: deletes first, then the writes.

    Zoho refuses an owner-based rule that shares from and to the same principals as another
    (DUPLICATE_DATA), so a write that takes over another rule's `from`/`to` comes after the
    update that moves that rule off them. Where rules trade places in a cycle, one of them
    is deleted first and created again last."""
    writes = {name_key(c.name): c for c in changes if c.action != "delete"}
    before = _takes_over(list(writes.values()))
    order: list[str] = []
    recreated: list[RuleChange] = []
    for key in writes:
        chain: list[str] = []
        current: str | None = key
        while current is not None and current not in order and current not in chain:
            chain.append(current)
            current = before.get(current)
        if current in chain:  # a cycle: break it at `current`
            recreated.append(writes[current])
            order.append(current)
        order += [k for k in reversed(chain) if k not in order]
    again = [writes[k] for k in order if writes[k] not in recreated]
    deletes = [c for c in changes if c.action == "delete"] + [_delete(c) for c in recreated]
    return deletes + again + [_create(c) for c in recreated]


def _takes_over(writes: list[RuleChange]) -> dict[str, str]:
    """For each write, the rule whose live `from`/`to` it takes over (that rule moves first)."""
    leaving = {
        _pair(c.live): name_key(c.name)
        for c in writes
        if c.live is not None and c.desired is not None and _pair(c.live) != _pair(c.desired)
    }
    found = {name_key(c.name): leaving.get(_pair(c.desired)) for c in writes if c.desired}
    return {k: v for k, v in found.items() if v is not None and v != k}


def _pair(rule: SharingRule | None) -> tuple[Principal, Principal] | None:
    return (rule.source, rule.target) if rule is not None and rule.source is not None else None


def _delete(change: RuleChange) -> RuleChange:
    return RuleChange(action="delete", module=change.module, name=change.name, live=change.live)


def _create(change: RuleChange) -> RuleChange:
    """The rule made anew; keys the YAML leaves out keep their live value, `active` too."""
    assert change.desired is not None and change.live is not None
    managed = change.desired.managed_fields()
    active = change.desired.active if "active" in managed else change.live.active
    return change.model_copy(
        update={"action": "create", "activation": None if active else "deactivate"}
    )


def _rule(
    builder: Builder,
    change: RuleChange,
    directory: Directory,
    after: list[int],
    principals: Principals,
) -> int:
    """Add the steps of one rule change; return the last one."""
    if change.action == "delete":
        assert change.live is not None
        ref = Ref(name=change.name, id=change.live.id)
        return builder.add(
            RuleFlag, after=after, action=Action.delete_rule, module=change.module, rule=ref
        ).id
    assert change.desired is not None
    ref = Ref(name=change.name, id=change.live.id if change.live else None)
    if change.action == "create":
        ref = Ref(name=change.name)
    if change.action in ("create", "update"):
        action = Action.create_rule if change.action == "create" else Action.update_rule
        payload = payload_of(change.desired, change.live, directory, principals)
        sides = (payload.source, payload.target)
        after = after + [p.created_by for p in sides if p is not None and p.created_by]
        step = builder.add(
            RuleWrite, after=after, action=action, module=change.module, rule=ref, payload=payload
        )
        after = [step.id]
        if change.action == "create":
            ref = Ref(name=change.name, created_by=step.id)
    if change.activation is not None:
        flag = Action.activate_rule if change.activation == "activate" else Action.deactivate_rule
        after = [builder.add(RuleFlag, after=after, action=flag, module=change.module, rule=ref).id]
    return after[0]


def payload_of(
    desired: SharingRule,
    live: SharingRule | None,
    directory: Directory,
    principals: Principals | None = None,
) -> RulePayload:
    """The whole rule as Zoho takes it; keys the YAML leaves out keep their live value."""
    managed = desired.managed_fields()
    base = live if live is not None else desired

    def pick(name: str) -> Any:
        return getattr(desired if name in managed or live is None else base, name)

    return RulePayload(
        name=desired.name,
        source=principal_ref(desired.source, directory, principals) if desired.source else None,
        criteria=desired.criteria,
        target=principal_ref(desired.target, directory, principals),
        access=pick("access"),
        superiors=pick("superiors"),
    )


def principal_ref(
    principal: Principal, directory: Directory, principals: Principals | None = None
) -> PrincipalRef:
    """The role or group a rule names: as the plan knows it (created, renamed), else as the
    live org does."""
    planned = (principals or {}).get((principal.kind, name_key(principal.name or "")))
    pool = directory.roles if principal.kind is PrincipalKind.role else directory.groups
    key = (principal.name or "").casefold()
    found = next((n for n in pool if n.name.casefold() == key), None)
    ident = found.id if found and principal.kind is not PrincipalKind.all_users else None
    return PrincipalRef(
        kind=principal.kind,
        name=planned.name if planned is not None else principal.name,
        id=planned.id if planned is not None else ident,
        subordinates=principal.subordinates,
        created_by=planned.created_by if planned is not None else None,
    )
