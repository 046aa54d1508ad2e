"""Names in the YAML that only the live org can resolve: user emails, roles, groups, criteria
fields, custom modules. Each unknown name is an error at the line that wrote it, found
before anything is planned."""

from __future__ import annotations

from collections.abc import Iterator

from reconciler.config.access_names import access_names, declared, suggest
from reconciler.config.source import Location, SourceMap
from reconciler.errors import Diagnostic, UnresolvedNames
from reconciler.model import (
    RULE_KINDS,
    Condition,
    Criteria,
    Directory,
    Group,
    OrgState,
    Principal,
    PrincipalKind,
    Territory,
)

NOWHERE = Location("(configuration)", 0, 0)


def check(desired: OrgState, live: OrgState, sources: SourceMap) -> None:
    """Raise `UnresolvedNames` listing every name the live org does not know."""
    found = [
        *_territories(desired, live, sources),
        *_rules(desired, live.directory, sources),
        *_modules(desired, live.directory, sources),
        *access_names(desired, live, sources),
    ]
    if found:
        raise UnresolvedNames(found)


def _territories(desired: OrgState, live: OrgState, sources: SourceMap) -> Iterator[Diagnostic]:
    directory = live.directory
    for territory in desired.territories or ():
        address = ("territory", territory.key)
        if territory.manager is not None and "manager" in territory.managed_fields():
            where = sources.get((*address, "manager"), NOWHERE)
            yield from _user(territory.manager, directory, where, "manager")
        current = _current_members(live, territory)
        for email in territory.users or ():
            if email in current:
                continue  # already a member: nothing will be sent for them
            where = sources.get((*address, "users", email), NOWHERE)
            yield from _user(email, directory, where, "member")
        for kind, module in RULE_KINDS.items():
            criteria = getattr(territory, kind)
            if criteria is not None and kind in territory.managed_fields():
                yield from _fields(criteria, module, directory, sources, (*address, kind))


def _current_members(live: OrgState, territory: Territory) -> set[str]:
    found = live.territory(territory.name)
    for old in territory.previously:
        if found is None:
            found = live.territory(old)
    return set(found.users or ()) if found is not None else set()


def _user(email: str, directory: Directory, where: Location, role: str) -> Iterator[Diagnostic]:
    user = directory.user_by_email(email)
    if user is None:
        emails = [u.email for u in directory.users]
        yield where.error(f"no user with email `{email}` in the org", suggest(email, emails))
    elif not user.active:
        yield where.error(
            f"{role} `{email}` is {user.status} in the org",
            "Zoho refuses inactive users here; activate the user or remove them",
        )


def _fields(
    criteria: Criteria,
    module: str,
    directory: Directory,
    sources: SourceMap,
    address: tuple[str, ...],
) -> Iterator[Diagnostic]:
    known = directory.fields.get(module)
    if known is None:
        return  # the org's fields for this module were not read: nothing to check against
    for condition in _conditions(criteria):
        if condition.field not in known:
            where = sources.get((*address, "field", condition.field), NOWHERE)
            yield where.error(
                f"{module} has no field `{condition.field}`", suggest(condition.field, known)
            )


def _conditions(criteria: Criteria) -> Iterator[Condition]:
    if isinstance(criteria, Group):
        for inner in criteria.criteria:
            yield from _conditions(inner)
    else:
        yield criteria


def _rules(desired: OrgState, directory: Directory, sources: SourceMap) -> Iterator[Diagnostic]:
    for module, rules in (desired.sharing_rules or {}).items():
        for rule in rules:
            address = ("rule", module, rule.key)
            for side, principal in (("from", rule.source), ("to", rule.target)):
                if principal is not None:
                    where = sources.get((*address, side), NOWHERE)
                    yield from _principal(principal, directory, where, desired)
            if rule.criteria is not None:
                criteria_address = (*address, "criteria")
                yield from _fields(rule.criteria, module, directory, sources, criteria_address)


def _principal(
    principal: Principal, directory: Directory, where: Location, desired: OrgState
) -> Iterator[Diagnostic]:
    if principal.kind is PrincipalKind.all_users or declared(desired, principal):
        return
    pool = directory.roles if principal.kind is PrincipalKind.role else directory.groups
    names = [n.name for n in pool]
    if (principal.name or "").casefold() not in {n.casefold() for n in names}:
        yield where.error(
            f"no {principal.kind.value} named `{principal.name}` in the org",
            suggest(principal.name or "", names),
        )


def _modules(desired: OrgState, directory: Directory, sources: SourceMap) -> Iterator[Diagnostic]:
    if not directory.modules:
        return
    known = {m.name.casefold() for m in directory.modules}
    for module in desired.data_sharing or {}:
        if module.casefold() not in known:
            where = sources.get(("data_sharing", module), NOWHERE)
            yield where.error(f"the org has no module `{module}`")
