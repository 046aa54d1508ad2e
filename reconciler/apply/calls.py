"""One plan step -> the client call that carries it out, and its per-item outcomes.

Refs are resolved here: a live id as is, or the id Zoho gave when an earlier step of the
same run created the object. A few refusals mean the org is already as the step wants it
(a member added twice after a retried call, a rule already active); they count as done,
so a retried or resumed run does not fail on its own earlier success. So does an unknown
id in the answer to a delete that was resent after its connection dropped: the first
attempt deleted it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from reconciler.plan.steps import (
    Action,
    CreateGroups,
    CreateTerritories,
    DeleteTerritories,
    GroupPayload,
    GroupRemoval,
    GroupWrite,
    PrincipalRef,
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
from reconciler.zoho import wire, wire_access
from reconciler.zoho.client import ZohoClient
from reconciler.zoho.responses import ItemResult

Json = dict[str, Any]

# (action, Zoho code, words in the message) that mean "already so".
ALREADY = {
    (Action.add_users_to_territory, "DUPLICATE_DATA", "already exists"),
    (Action.add_territories_to_user, "DUPLICATE_DATA", "already associated"),
    (Action.remove_users_from_territory, "INVALID_DATA", "not a member"),
    (Action.remove_territories_from_user, "INVALID_DATA", "not associated"),
    (Action.activate_rule, "ID_ALREADY_ACTIVE", ""),
    (Action.deactivate_rule, "ID_ALREADY_DEACTIVATED", ""),
}


Calls = ZohoClient
CREATES = {Action.create_territories, Action.create_rule, Action.create_role, Action.create_groups}


@dataclass(frozen=True)
class ItemOutcome:
    label: str
    ok: bool
    code: str | None = None
    message: str | None = None
    created_id: str | None = None


class Unresolved(Exception):
    """A step refers to something that has no id (its creation did not happen)."""


Call = Callable[[Calls], Awaitable[list[ItemOutcome]]]
Created = dict[tuple[int, str], str]


def id_of(ref: Ref, created: Created) -> str:
    if ref.id is not None:
        return ref.id
    if ref.created_by is not None and (ref.created_by, ref.name) in created:
        return created[(ref.created_by, ref.name)]
    raise Unresolved(f"`{ref.name}` has no id: it was not created earlier in this run")


def call_for(step: Step, created: Created) -> Call:
    """The call for `step`, with every ref resolved now (raises `Unresolved`)."""
    if isinstance(step, CreateTerritories | UpdateTerritories):
        return _territories(step, created)
    if isinstance(step, DeleteTerritories):
        items = [
            wire.transfer_item(id_of(i.territory, created), id_of(i.transfer_to, created))
            for i in step.items
        ]
        labels = [i.territory.name for i in step.items]
        return _batch(step, labels, lambda c: c.transfer_and_delete_territories(items))
    if isinstance(step, TerritoryUsers | UserTerritories):
        return _members(step, created)
    if isinstance(step, SetDefaults):
        defaults = [
            wire.default_to_wire(id_of(s.module, created), s.module.name, s.share_type)
            for s in step.items
        ]
        labels = [s.module.name for s in step.items]
        return _batch(step, labels, lambda c: c.update_data_sharing(defaults))
    if isinstance(step, RuleWrite | RuleFlag):
        return _rule(step, created)
    return _access(step, created)


def _territories(step: CreateTerritories | UpdateTerritories, created: Created) -> Call:
    items = []
    for item in step.items:
        ids = {
            "parent": id_of(item.parent, created) if item.parent else None,
            "manager": id_of(item.manager, created) if item.manager else None,
        }
        if isinstance(step, CreateTerritories):
            items.append(wire.territory_to_wire(item, ids))
        else:
            target = id_of(item.territory, created)  # type: ignore[union-attr]
            items.append(wire.territory_to_wire(item, ids, territory_id=target))
    if isinstance(step, CreateTerritories):
        return _batch(step, [i.name for i in step.items], lambda c: c.create_territories(items))
    labels = [i.territory.name for i in step.items]
    return _batch(step, labels, lambda c: c.update_territories(items))


def _members(step: TerritoryUsers | UserTerritories, created: Created) -> Call:
    if isinstance(step, TerritoryUsers):
        territory = id_of(step.territory, created)
        users = [id_of(u, created) for u in step.users]
        labels = [u.name for u in step.users]
        if step.action is Action.add_users_to_territory:
            return _batch(step, labels, lambda c: c.add_territory_users(territory, users))
        return _batch(step, labels, lambda c: c.remove_territory_users(territory, users))
    user = id_of(step.user, created)
    territories = [id_of(t, created) for t in step.territories]
    labels = [t.name for t in step.territories]
    if step.action is Action.add_territories_to_user:
        return _batch(step, labels, lambda c: c.add_user_territories(user, territories))
    return _batch(step, labels, lambda c: c.remove_user_territories(user, territories))


def _rule(step: RuleWrite | RuleFlag, created: Created) -> Call:
    module, label = step.module, step.rule.name
    if isinstance(step, RuleWrite):
        sides = {"source": _principal(step.payload.source, created)}
        sides["target"] = _principal(step.payload.target, created)
        payload = step.payload.model_copy(update=sides)
        if step.action is Action.create_rule:
            item = wire.rule_to_wire(payload)
            return _one(step, label, lambda c: c.create_sharing_rule(module, item))
        rule_id = id_of(step.rule, created)
        item = wire.rule_to_wire(payload, rule_id)
        return _one(step, label, lambda c: c.update_sharing_rule(module, rule_id, item))
    rule_id = id_of(step.rule, created)
    if step.action is Action.delete_rule:
        return _one(step, label, lambda c: c.delete_sharing_rule(module, rule_id))
    if step.action is Action.activate_rule:
        return _one(step, label, lambda c: c.activate_sharing_rule(module, rule_id))
    return _one(step, label, lambda c: c.deactivate_sharing_rule(module, rule_id))


def _principal(principal: PrincipalRef | None, created: Created) -> PrincipalRef | None:
    """A rule's role or group with the id it was given earlier in this run, if it is new."""
    if principal is None or principal.created_by is None:
        return principal
    ident = id_of(Ref(name=principal.name or "", created_by=principal.created_by), created)
    return principal.model_copy(update={"id": ident})


def _access(step: Step, created: Created) -> Call:
    if isinstance(step, RoleWrite):
        ids = {"parent": id_of(step.fields.parent, created) if step.fields.parent else None}
        item = wire_access.role_to_wire(step.fields, ids)
        if step.action is Action.create_role:
            return _one(step, step.role.name, lambda c: c.directory.create_role(item))
        role_id = id_of(step.role, created)
        return _one(step, step.role.name, lambda c: c.directory.update_role(role_id, item))
    if isinstance(step, RoleRemoval):
        role_id, heir = id_of(step.role, created), id_of(step.transfer_to, created)
        return _one(step, step.role.name, lambda c: c.directory.delete_role(role_id, heir))
    if isinstance(step, CreateGroups):
        items = [_group(p, created) for p in step.items]
        labels = [p.name for p in step.items]
        return _batch(step, labels, lambda c: c.directory.create_groups(items))
    if isinstance(step, GroupWrite):
        group_id, item = id_of(step.group, created), _group(step.payload, created)
        return _one(step, step.group.name, lambda c: c.directory.update_group(group_id, item))
    if isinstance(step, GroupRemoval):
        group_id = id_of(step.group, created)
        return _one(step, step.group.name, lambda c: c.directory.delete_group(group_id))
    assert isinstance(step, UpdateUsers)
    users = [
        wire_access.user_to_wire(
            id_of(u.user, created),
            id_of(u.role, created) if u.role else None,
            id_of(u.profile, created) if u.profile else None,
        )
        for u in step.items
    ]
    labels = [u.user.name for u in step.items]
    return _batch(step, labels, lambda c: c.directory.update_users(users))


def _group(payload: GroupPayload, created: Created) -> Json:
    return wire_access.group_to_wire(payload, [id_of(s.ref, created) for s in payload.sources])


def _batch(
    step: Step, labels: list[str], send: Callable[[Calls], Awaitable[Sequence[ItemResult]]]
) -> Call:
    creates = step.action in CREATES

    async def run(client: Calls) -> list[ItemOutcome]:
        results = list(await send(client))
        if len(results) != len(labels):  # never silently lose an item's fate
            message = f"Zoho answered {len(results)} results for {len(labels)} items"
            return [ItemOutcome(label=label, ok=False, message=message) for label in labels]
        return [
            _outcome(step.action, label, r, creates)
            for label, r in zip(labels, results, strict=True)
        ]

    return run


def _one(step: Step, label: str, send: Callable[[Calls], Awaitable[ItemResult]]) -> Call:
    async def run(client: Calls) -> list[ItemResult]:
        return [await send(client)]

    return _batch(step, [label], run)


def _outcome(action: Action, label: str, result: ItemResult, creates: bool) -> ItemOutcome:
    if not result.ok and _already(action, result):
        return ItemOutcome(label=label, ok=True, code=result.code, message="already so")
    return ItemOutcome(
        label=label,
        ok=result.ok,
        code=result.code,
        message=result.message,
        created_id=result.id if creates and result.ok else None,
    )


def _already(action: Action, result: ItemResult) -> bool:
    message = (result.message or "").lower()
    return _gone(action, result) or any(
        a is action and result.code == code and words in message for a, code, words in ALREADY
    )


def _gone(action: Action, result: ItemResult) -> bool:
    """An unknown id in the answer to a resent delete (REFERENCE §3.7, §6.4)."""
    if not result.replayed or result.code != "INVALID_DATA":
        return False
    if action is Action.delete_territories:
        return wire.error_field(result.details) == "id"  # not transfer_to_id
    return action is Action.delete_rule and wire.error_path_index(result.details) == 3
