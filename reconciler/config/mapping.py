"""An environment's user mapping applied to a loaded configuration: every email it names
(territory managers and members) becomes that org's email. An email the mapping leaves
unmapped is an error at the line that wrote it. Pure: config in, config out."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from reconciler.config.load import Config
from reconciler.config.names import NOWHERE
from reconciler.config.source import Location, SourceMap
from reconciler.errors import ConfigError, Diagnostic
from reconciler.model import OrgState, Territory

Mapping_ = Callable[[str], str | None]


def map_users(config: Config, mapping: Mapping_, environment: str, table: Location) -> Config:
    """`config` with each email replaced by `mapping(email)`; `ConfigError` lists every
    unmapped one (`table` is where the environment's map is, for the hint)."""
    problems: list[Diagnostic] = []
    sources = dict(config.sources)
    territories = config.state.territories
    if territories is not None:
        territories = tuple(
            _territory(t, mapping, config.sources, sources, problems, environment, table)
            for t in territories
        )
    if problems:
        raise ConfigError(problems)
    state = config.state.model_copy(update={"territories": territories})
    return Config(state, sources, config.files, config.digest, config.policies)


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
    return found


def _territory(
    territory: Territory,
    mapping: Mapping_,
    written: SourceMap,
    sources: SourceMap,
    problems: list[Diagnostic],
    environment: str,
    table: Location,
) -> Territory:
    address = ("territory", territory.key)

    def mapped(email: str, where: tuple[str, ...]) -> str:
        found = mapping(email)
        if found is None:
            place = written.get(where, NOWHERE)
            problems.append(
                place.error(
                    f"user `{email}` has no mapping in environment `{environment}`",
                    f"add it to the map at {table}, or give the environment a rule "
                    "(`suffix` or `domain`)",
                )
            )
            return email
        return found.casefold()

    update: dict[str, object] = {}
    if territory.manager is not None and "manager" in territory.managed_fields():
        update["manager"] = mapped(territory.manager, (*address, "manager"))
    if territory.users is not None:
        members = []
        for email in territory.users:
            place = (*address, "users", email)
            members.append(mapped(email, place))
            if place in written:
                sources[(*address, "users", members[-1])] = written[place]
        update["users"] = tuple(sorted(set(members)))
    return territory.model_copy(update=update) if update else territory
