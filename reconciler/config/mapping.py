"""An environment's user mapping applied to a loaded configuration: every email it names
(territory managers and members, the users of `users:`, the user sources of `groups:`)
becomes that org's email. Roles name no user. An email the mapping leaves unmapped is an
error at the line that wrote it. Pure: config in, config out."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from reconciler.config.load import Config
from reconciler.config.names import NOWHERE
from reconciler.config.source import Location, SourceMap
from reconciler.errors import ConfigError, Diagnostic
from reconciler.model import GroupSource, OrgState, SourceKind, Territory, UserAccess, UserGroup

Mapping_ = Callable[[str], str | None]
Address = tuple[str, ...]


def map_users(config: Config, mapping: Mapping_, environment: str, table: Location) -> Config:
    """`config` with each email replaced by `mapping(email)`; `ConfigError` lists every
    unmapped one (`table` is where the environment's map is, for the hint)."""
    mapper = _Mapper(mapping, config.sources, dict(config.sources), environment, table)
    state = config.state
    update: dict[str, object] = {}
    if state.territories is not None:
        update["territories"] = tuple(_territory(t, mapper) for t in state.territories)
    if state.groups is not None:
        update["groups"] = tuple(_group(g, mapper) for g in state.groups)
    if state.users is not None:
        update["users"] = tuple(_user(u, mapper) for u in state.users)
    if mapper.problems:
        raise ConfigError(mapper.problems)
    mapped = state.model_copy(update=update)
    return Config(mapped, mapper.sources, config.files, config.digest, config.policies)


def inverse(mapping: Mapping_, emails: Iterable[str]) -> Callable[[str], str]:
    """This org's email -> the configuration's, for the emails `emails` map to; other
    emails stay as they are."""
    back = {}
    for email in emails:
        mapped = mapping(email)
        if mapped is not None:
            back[mapped.casefold()] = email
    return lambda email: back.get(email.casefold(), email)


def emails_of(state: OrgState) -> set[str]:
    """Every email the state names."""
    found: set[str] = set()
    for territory in state.territories or ():
        if territory.manager:
            found.add(territory.manager)
        found.update(territory.users or ())
    for group in state.groups or ():
        found.update(s.name for s in group.sources if s.kind is SourceKind.user)
    found.update(u.email for u in state.users or ())
    return found


@dataclass
class _Mapper:
    mapping: Mapping_
    written: SourceMap
    sources: SourceMap
    environment: str
    table: Location
    problems: list[Diagnostic] = field(default_factory=list)

    def __call__(self, email: str, where: Address) -> str:
        found = self.mapping(email)
        if found is None:
            self.problems.append(
                self.written.get(where, NOWHERE).error(
                    f"user `{email}` has no mapping in environment `{self.environment}`",
                    f"add it to the map at {self.table}, or give the environment a rule "
                    "(`suffix` or `domain`)",
                )
            )
            return email
        return found.casefold()

    def moved(self, before: Address, after: Address) -> None:
        """The place an address was written, under its mapped address too."""
        if before in self.written:
            self.sources[after] = self.written[before]


def _territory(territory: Territory, mapped: _Mapper) -> Territory:
    address = ("territory", territory.key)
    update: dict[str, object] = {}
    if territory.manager is not None and "manager" in territory.managed_fields():
        update["manager"] = mapped(territory.manager, (*address, "manager"))
    if territory.users is not None:
        members = []
        for email in territory.users:
            place = (*address, "users", email)
            members.append(mapped(email, place))
            mapped.moved(place, (*address, "users", members[-1]))
        update["users"] = tuple(sorted(set(members)))
    return territory.model_copy(update=update) if update else territory


def _group(group: UserGroup, mapped: _Mapper) -> UserGroup:
    sources = []
    for source in group.sources:
        if source.kind is SourceKind.user:
            place = ("group", group.key, *source.key)
            user = GroupSource(kind=SourceKind.user, name=mapped(source.name, place))
            mapped.moved(place, ("group", group.key, *user.key))
            source = user  # noqa: PLW2901 (the mapped source replaces the written one)
        sources.append(source)
    return group.model_copy(update={"sources": UserGroup(name=group.name, sources=sources).sources})


def _user(user: UserAccess, mapped: _Mapper) -> UserAccess:
    address = ("user", user.email)
    email = mapped(user.email, address)
    mapped.moved(address, ("user", email))
    for name in user.managed_fields() - {"email"}:
        mapped.moved((*address, name), ("user", email, name))
    return user.model_copy(update={"email": email})
