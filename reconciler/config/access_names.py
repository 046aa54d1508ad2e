"""The access model's names that only the live org can resolve, each an error at the line
that wrote it: a live role the configuration would delete without saying where its users go,
users and profiles the org does not have, and the roles, territories and users a group
draws on when their own section is not managed."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Iterator

from reconciler.config.source import Location, SourceMap
from reconciler.errors import Diagnostic
from reconciler.model import OrgState, Principal, PrincipalKind, SourceKind, name_key

NOWHERE = Location("(configuration)", 0, 0)


def declared(desired: OrgState, principal: Principal) -> bool:
    """Whether the configuration itself declares the role or group a rule names."""
    if principal.kind is PrincipalKind.role and desired.roles is not None:
        return any(r.key == name_key(principal.name or "") for r in desired.roles)
    if principal.kind is PrincipalKind.group and desired.groups is not None:
        return any(g.key == name_key(principal.name or "") for g in desired.groups)
    return False


def access_names(desired: OrgState, live: OrgState, sources: SourceMap) -> Iterator[Diagnostic]:
    yield from _orphans(desired, live, sources)
    yield from _group_sources(desired, live, sources)
    yield from _users(desired, live, sources)
    yield from _pruned_in_use(desired, live, sources)


def _pruned_in_use(desired: OrgState, live: OrgState, sources: SourceMap) -> Iterator[Diagnostic]:
    """Groups `prune: true` deletes that a rule the configuration does not manage still
    names: Zoho refuses to delete them, so the plan would fail half-way."""
    if not desired.prune_groups or desired.groups is None:
        return
    kept = {name_key(n) for g in desired.groups for n in (g.name, *g.previously)}
    managed = set(desired.sharing_rules or {})
    where = sources.get(("groups", "prune"), NOWHERE)
    for module, rules in sorted((live.sharing_rules or {}).items()):
        for rule in rules if module not in managed else ():
            for side in (rule.source, rule.target):
                if side is None or side.kind is not PrincipalKind.group:
                    continue
                if name_key(side.name or "") not in kept:
                    yield where.error(
                        f"`prune: true` deletes group `{side.name}`, but sharing rule "
                        f"`{rule.name}` ({module}) still shares with it",
                        f"list the group, or manage the {module} rules under `sharing_rules:`",
                    )


def _orphans(desired: OrgState, live: OrgState, sources: SourceMap) -> Iterator[Diagnostic]:
    """Live roles the configuration drops without a tombstone: Zoho needs a role to move
    their users to, and guessing one would move people silently."""
    if desired.roles is None:
        return
    kept = {name_key(n) for r in desired.roles if not r.deleted for n in (r.name, *r.previously)}
    tombs = {r.key for r in desired.roles if r.deleted}
    top = next((r for r in desired.roles if r.is_root), None)
    where = sources.get(("role", top.key), NOWHERE) if top else NOWHERE
    for role in live.roles or ():
        if role.key in kept or role.key in tombs or role.parent is None:
            continue
        yield where.error(
            f"role `{role.name}` exists in the org but not in `roles:`, and deleting it needs a "
            "role for its users",
            f"keep it, or write `{{name: {role.name}, transfer_to: <role>}}` where it was",
        )


def _group_sources(desired: OrgState, live: OrgState, sources: SourceMap) -> Iterator[Diagnostic]:
    known = {
        SourceKind.role: None
        if desired.roles is not None
        else [r.name for r in live.directory.roles],
        SourceKind.territory: None
        if desired.territories is not None
        else [t.name for t in live.territories or ()],
        SourceKind.user: [u.email for u in live.directory.users if u.active],
    }
    if live.territories is None:
        known[SourceKind.territory] = None  # not read: left to Zoho's answer
    for group in desired.groups or ():
        for source in group.sources:
            names = known[source.kind]
            if names is None or source.key[1] in {_key(source.kind, n) for n in names}:
                continue
            where = sources.get(("group", group.key, *source.key), NOWHERE)
            yield where.error(
                f"group `{group.name}` draws on {source.kind.value} `{source.name}`, which the "
                "org does not have (or is not active)",
                suggest(source.name, names),
            )


def _key(kind: SourceKind, name: str) -> str:
    return name.casefold() if kind is SourceKind.user else name_key(name)


def _users(desired: OrgState, live: OrgState, sources: SourceMap) -> Iterator[Diagnostic]:
    directory = live.directory
    roles = [r.name for r in directory.roles]
    profiles = [p.name for p in directory.profiles]
    for user in desired.users or ():
        if directory.user_by_email(user.email) is None:
            where = sources.get(("user", user.email), NOWHERE)
            emails = [u.email for u in directory.users]
            yield where.error(
                f"no user with email `{user.email}` in the org", suggest(user.email, emails)
            )
        checks = [("profile", user.profile, profiles)]
        if desired.roles is None:
            checks.append(("role", user.role, roles))
        for field, name, names in checks:
            if name is not None and name_key(name) not in {name_key(n) for n in names}:
                where = sources.get(("user", user.email, field), NOWHERE)
                yield where.error(f"no {field} named `{name}` in the org", suggest(name, names))


def suggest(word: str, choices: Iterable[str]) -> str | None:
    close = difflib.get_close_matches(word, sorted(set(choices)), n=1, cutoff=0.7)
    return f"did you mean `{close[0]}`?" if close else None
