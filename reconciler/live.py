"""Read the live org into an `OrgState`, with the fewest calls for what is managed.

The calls, for an org of U users, T territories, G groups and R sharing rules:

    1                       GET /org (id, name, edition)
    ceil(U/200)             GET /users?type=AllUsers (ids <-> emails)
    territories managed:
      1                     GET /users?type=CurrentUser (who may not be changed user-side)
      ceil(T/200)           GET /settings/territories?include=<all three criteria>
      ceil(T/200)           GET /settings/territories/actions/associated_users_count
      sum ceil(n_t/100)     GET /settings/territories/{t}/users, only for territories whose
                            membership is managed or that will be deleted, and n_t > 0
                            (this endpoint takes no paging parameters; pages hold 100)
    data_sharing managed:
      1                     GET /settings/data_sharing (also names the org's modules)
    sharing_rules managed:
      1 + ceil(G/200)       GET /settings/roles, GET /settings/user_groups
      ceil(R/200)           GET /settings/data_sharing/rules (all modules in one listing
                            when more than one module is managed; else ?module=M)
    1 per module            GET /settings/fields?module=M, for modules the YAML's criteria use
    roles, groups or users managed (the role and group lists shared with the rules' reads):
      1                     GET /settings/roles (groups: who a role source reaches)
      ceil(G/200) + G       GET /settings/user_groups, GET /settings/user_groups/{g}/sources
                            (groups managed)
    users managed:
      1                     GET /settings/profiles

`lower_bound()` computes the same figure from an org's size; a test holds `read` to it.
Independent reads run concurrently (the client bounds the concurrency); when one fails, the
others are cancelled and that failure is raised.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Awaitable, Callable, Coroutine, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from reconciler import limits
from reconciler.model import Directory, OrgState, SharingRule, Territory, UserAccess, name_key
from reconciler.scope import Scope
from reconciler.zoho import wire, wire_access
from reconciler.zoho.slots import PRIORITY

T = TypeVar("T")
PAGE = limits.PAGE_SIZE
MEMBERS_PAGE = limits.TERRITORY_USERS_PAGE


class Reader(Protocol):
    """The client methods `read` uses (reconciler.zoho.client.ZohoClient provides them)."""

    async def get_org(self) -> dict[str, Any]: ...
    async def list_users(self, type_: str = ...) -> list[dict[str, Any]]: ...
    async def current_user(self) -> dict[str, Any] | None: ...
    async def list_territories(self, include_criteria: bool = ...) -> list[dict[str, Any]]: ...
    async def associated_user_counts(self) -> list[dict[str, Any]]: ...
    async def list_territory_users(self, territory_id: str) -> list[dict[str, Any]]: ...
    async def get_data_sharing(self) -> list[dict[str, Any]]: ...
    async def list_roles(self) -> list[dict[str, Any]]: ...
    async def list_groups(self) -> list[dict[str, Any]]: ...
    async def list_sharing_rules(self, module: str | None = ...) -> list[dict[str, Any]]: ...
    async def list_fields(self, module: str) -> list[dict[str, Any]]: ...
    async def list_group_sources(self, group_id: str) -> list[dict[str, Any]]: ...
    async def list_profiles(self) -> list[dict[str, Any]]: ...


class _Once:
    """A listing read at most once, however many parts of the read need it."""

    def __init__(self, make: Callable[[], Coroutine[Any, Any, list[dict[str, Any]]]]) -> None:
        self._make = make
        self._task: asyncio.Task[list[dict[str, Any]]] | None = None

    async def get(self) -> list[dict[str, Any]]:
        if self._task is None:
            self._task = asyncio.ensure_future(self._make())
        return await self._task


async def read(client: Reader, scope: Scope) -> OrgState:
    """The live org as far as `scope` reaches, ids on every object.

    The org comes first: it tells the client the edition's limit on calls in flight. Then
    every listing runs at once, the users (page after page, the longest of them, so its
    calls go ahead of the others') beside the territories and their members, which need the
    users only to be named by email."""
    org = await client.get_org()
    roles, groups = _Once(client.list_roles), _Once(client.list_groups)
    parts = await concurrently(
        concurrently(
            _ahead(client.list_users("AllUsers")),
            client.current_user() if scope.territories else _none(),
        ),
        _territory_listings(client, scope) if scope.territories else _none(),
        client.get_data_sharing() if scope.data_sharing else _none(),
        _rules(client, scope, roles, groups) if scope.rule_modules != () else _none(),
        _fields(client, scope.field_modules),
        _access(client, scope, roles, groups),
    )
    (users, current), listed, defaults, rules, fields, access = parts
    directory = Directory(
        users=tuple(wire.user_from_wire(u) for u in users),
        current_user=wire.ident(current) if current else None,
        **_org_facts(org),
    )
    territories = _territories(listed, scope, directory) if listed is not None else None
    directory = _with(directory, defaults, rules, fields)
    state = OrgState(
        territories=territories,
        data_sharing=wire.defaults_from_wire(defaults) if defaults is not None else None,
        sharing_rules=rules.state if rules is not None else None,
        directory=directory,
    )
    return access_state(state, scope, access)


async def _ahead(work: Awaitable[T]) -> T:
    """`work`, its calls served before other waiting calls (`slots.PRIORITY`)."""
    PRIORITY.set(PRIORITY.get() + 1)  # this task's own context only
    return await work


async def _none() -> None:
    return None


async def concurrently(*work: Coroutine[Any, Any, Any]) -> list[Any]:
    """The results of `work`, run concurrently. On the first failure the rest are cancelled
    and that failure is raised as it is: `asyncio.gather` would leave them running against a
    client about to be closed, retrying and logging in vain."""
    try:
        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(item) for item in work]
    except BaseExceptionGroup as failed:
        raise failed.exceptions[0] from None
    return [task.result() for task in tasks]


def _org_facts(org: dict[str, Any]) -> dict[str, str | None]:
    facts = wire.org_from_wire(org)
    return {"org_id": facts["id"], "org_name": facts["name"], "edition": facts["edition"]}


@dataclass
class _Listed:
    """The territories as listed, and the member ids of those whose members were read."""

    raw: list[dict[str, Any]]
    member_ids: dict[str, list[str]]


async def _territory_listings(client: Reader, scope: Scope) -> _Listed:
    raw, counts = await concurrently(client.list_territories(True), client.associated_user_counts())
    count = dict(wire.user_count(c) for c in counts)
    wanted = [t for t in raw if _needs_members(t, scope) and count.get(wire.ident(t), 0) > 0]
    members = await concurrently(*(_member_ids(client, wire.ident(t)) for t in wanted))
    return _Listed(raw, {wire.ident(t): m for t, m in zip(wanted, members, strict=True)})


def _territories(listed: _Listed, scope: Scope, directory: Directory) -> tuple[Territory, ...]:
    names = {wire.ident(t): wire.name_of(t) for t in listed.raw}
    emails = {u.id: u.email.casefold() for u in directory.users}
    built = []
    for item in listed.raw:
        ids = listed.member_ids.get(wire.ident(item), [])
        users = tuple(emails.get(i, i) for i in ids) if _needs_members(item, scope) else None
        built.append(wire.territory_from_wire(item, names, emails, users))
    return tuple(built)


async def _member_ids(client: Reader, territory_id: str) -> list[str]:
    """A territory's member ids. Each listing is cut down to ids as soon as it arrives: the
    full user objects of every territory at once would be the read's largest allocation
    (20,000 of them in Zoho's largest org)."""
    return wire.member_ids(await client.list_territory_users(territory_id))


def _needs_members(raw: dict[str, Any], scope: Scope) -> bool:
    key = name_key(wire.name_of(raw))
    if scope.members_of is None or key in set(scope.members_of):
        return True
    if wire.is_root_territory(raw):
        return scope.root_members
    return scope.keep is not None and key not in set(scope.keep)


@dataclass
class _Rules:
    state: dict[str, tuple[SharingRule, ...]] = field(default_factory=dict)
    roles: list[dict[str, Any]] = field(default_factory=list)
    groups: list[dict[str, Any]] = field(default_factory=list)


async def _rules(client: Reader, scope: Scope, roles_: _Once, groups_: _Once) -> _Rules:
    modules = scope.rule_modules
    listing: Any = (
        client.list_sharing_rules(modules[0])
        if modules is not None and len(modules) == 1
        else client.list_sharing_rules(None)
    )
    roles, groups, raw = await concurrently(roles_.get(), groups_.get(), listing)
    names = {n.id: n.name for n in map(wire.named_from_wire, [*roles, *groups])}
    by_module: dict[str, list[SharingRule]] = {m: [] for m in modules or ()}
    for item in raw:
        module = wire.rule_module(item) or (modules or ("",))[0]
        if modules is None or module in modules:
            by_module.setdefault(module, []).append(wire.rule_from_wire(item, names))
    state = {m: tuple(sorted(r, key=lambda x: x.key)) for m, r in sorted(by_module.items())}
    return _Rules(state=state, roles=roles, groups=groups)


@dataclass
class Lists:
    """The raw listings of the access model a read made (None: not read)."""

    roles: list[dict[str, Any]] | None = None
    groups: list[tuple[dict[str, Any], list[dict[str, Any]]]] | None = None
    profiles: list[dict[str, Any]] | None = None


async def _access(client: Reader, scope: Scope, roles: _Once, groups: _Once) -> Lists:
    found = await concurrently(
        roles.get() if scope.roles or scope.groups or scope.users else _none(),
        _groups(client, groups) if scope.groups else _none(),
        client.list_profiles() if scope.users else _none(),
    )
    return Lists(*found)


async def _groups(
    client: Reader, groups: _Once
) -> list[tuple[dict[str, Any], list[dict[str, Any]]]]:
    listed = await groups.get()
    sources = await concurrently(*(client.list_group_sources(wire.ident(g)) for g in listed))
    return list(zip(listed, sources, strict=True))


def access_state(state: OrgState, scope: Scope, lists: Lists) -> OrgState:
    directory = state.directory
    values: dict[str, object] = {}
    if lists.roles is not None:
        names = {wire.ident(r): wire.name_of(r) for r in lists.roles}
        roles = tuple(wire_access.role_from_wire(r, names) for r in lists.roles)
        values["roles"] = roles if scope.roles else None
        named = tuple(wire.named_from_wire(r) for r in lists.roles)
        directory = directory.model_copy(update={"roles": directory.roles or named})
    if lists.groups is not None:
        emails = {u.id: u.email.casefold() for u in directory.users}
        values["groups"] = tuple(
            sorted(
                (wire_access.group_from_wire(g, s, emails) for g, s in lists.groups),
                key=lambda g: g.key,
            )
        )
    if lists.profiles is not None:
        profiles = tuple(wire_access.profile_from_wire(p) for p in lists.profiles)
        directory = directory.model_copy(update={"profiles": profiles})
    if scope.users:
        values["users"] = tuple(
            UserAccess(email=u.email, role=u.role, profile=u.profile, id=u.id)
            for u in directory.users
        )
    return state.model_copy(update={**values, "directory": directory})


async def _fields(client: Reader, modules: Iterable[str]) -> dict[str, tuple[str, ...]]:
    names = list(modules)
    found = await concurrently(*(client.list_fields(m) for m in names))
    return {m: wire.field_names(f) for m, f in zip(names, found, strict=True)}


def _with(
    directory: Directory,
    defaults: list[dict[str, Any]] | None,
    rules: _Rules | None,
    fields: dict[str, tuple[str, ...]],
) -> Directory:
    values = dict(directory)
    if defaults is not None:
        values["modules"] = tuple(wire.module_from_wire(d) for d in defaults)
    if rules is not None:
        values["roles"] = tuple(wire.named_from_wire(r) for r in rules.roles)
        values["groups"] = tuple(wire.named_from_wire(g) for g in rules.groups)
    values["fields"] = fields
    return Directory(**values)


def lower_bound(
    users: int,
    territories: int,
    members: Iterable[int],
    *,
    groups: int = 0,
    rules: int = 0,
    rule_modules: int = 0,
    defaults: bool = False,
    field_modules: int = 0,
    roles: bool = False,
    group_sources: Iterable[int] | None = None,
    profiles: bool = False,
) -> int:
    """The fewest read calls `read` can make for an org of this size (the docstring's
    formula). `members` holds the member count of each territory whose members are read,
    `group_sources` the source count of each group when groups are read."""
    calls = 1 + _pages(users)
    if territories:
        calls += 1 + 2 * _pages(territories)
        calls += sum(_pages(n, MEMBERS_PAGE) for n in members if n > 0)
    if defaults:
        calls += 1
    if rule_modules or roles or group_sources is not None:
        calls += 1  # the roles, read once for all who need them
    if rule_modules or group_sources is not None:
        calls += _pages(groups)
    if rule_modules:
        calls += _pages(rules)
    calls += sum(_pages(n) for n in group_sources or ())
    return calls + field_modules + int(profiles)


def _pages(count: int, size: int = PAGE) -> int:
    return max(1, math.ceil(count / size))
