"""What the seed model cannot check alone: that every name a seed refers to is declared, and
declared once, and that territory names follow the rules the API enforces. All of it is checked
before anything is written, so a bad seed never leaves a half-built org behind."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from reconciler.sandbox.seed_errors import DocPath, Problem
from reconciler.sandbox.territory_names import NAME_MAX, has_forbidden, name_key

if TYPE_CHECKING:
    from reconciler.sandbox.seed import Seed, SeedRole, SeedTerritory

SOURCE_KINDS = ("user", "role", "territory", "group")


class _Check:
    """Declared names per kind, and the problems found so far."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.names: dict[str, set[str]] = {}

    def declare(
        self,
        kind: str,
        entries: Sequence[tuple[DocPath, str]],
        key: Callable[[str], str] = str.lower,
        secret: bool = False,
    ) -> None:
        first: dict[str, DocPath] = {}
        for path, name in entries:
            if key(name) in first:
                what = f"this {kind}" if secret else f"{kind} {name!r}"  # never print a token
                message = f"{what} is declared twice ({_where(first[key(name)])})"
                self.problems.append(Problem(path, message))
            first.setdefault(key(name), path)
        self.names[kind] = {name.lower() for _, name in entries}

    def refer(self, kind: str, path: DocPath, name: Any, section: str) -> None:
        if not isinstance(name, str):
            self.problems.append(Problem(path, f"must be the name of a {kind}"))
        elif name.lower() not in self.names[kind]:
            message = f"unknown {kind} {name!r}; declare it under `{section}:` first"
            self.problems.append(Problem(path, message))

    def unique(self, kind: str, path: DocPath, names: list[str]) -> None:
        seen = {name.lower() for name in names}
        if len(seen) != len(names):
            self.problems.append(Problem(path, f"lists the same {kind} twice"))


def _where(path: DocPath) -> str:
    return "first at " + Problem(path, "").where()


def reference_problems(seed: Seed) -> list[Problem]:
    check = _Check()
    _declarations(seed, check)
    _users(seed, check)
    _groups(seed, check)
    _territories(seed, check)
    _records(seed, check)
    for n, client in enumerate(seed.oauth_clients):
        if client.user is not None:
            check.refer("user", ("oauth_clients", n, "user"), client.user, "users")
    if seed.org.admin is not None:
        check.refer("user", ("org", "admin"), seed.org.admin, "users")
    return check.problems


def _declarations(seed: Seed, check: _Check) -> None:
    check.declare("profile", _named("profiles", seed.profiles, "name"))
    roles = _tree(seed.roles, ("roles",))
    check.declare("role", [((*path, "name"), role.name) for path, role in roles])
    check.declare("user", _named("users", seed.users, "email"))
    check.declare("group", _named("groups", seed.groups, "name"))
    check.declare("module", _named("modules", seed.modules, "api_name"))
    for n, module in enumerate(seed.modules):
        check.declare("field", _named(("modules", n, "fields"), module.fields, "api_name"))
    check.declare("territory", _territory_names(seed), key=name_key)
    check.declare("OAuth client", _named("oauth_clients", seed.oauth_clients, "client_id"))
    tokens = [
        (("oauth_clients", n, "refresh_tokens", k), token.token)
        for n, client in enumerate(seed.oauth_clients)
        for k, token in enumerate(client.refresh_tokens)
    ]
    check.declare("refresh token", tokens, key=str, secret=True)


def _named(section: str | DocPath, items: list[Any], field: str) -> list[tuple[DocPath, str]]:
    base = (section,) if isinstance(section, str) else section
    return [((*base, n, field), getattr(item, field)) for n, item in enumerate(items)]


def _users(seed: Seed, check: _Check) -> None:
    for n, user in enumerate(seed.users):
        check.refer("role", ("users", n, "role"), user.role, "roles")
        check.refer("profile", ("users", n, "profile"), user.profile, "profiles")
        if user.reports_to is not None:
            check.refer("user", ("users", n, "reports_to"), user.reports_to, "users")


def _groups(seed: Seed, check: _Check) -> None:
    for n, group in enumerate(seed.groups):
        for k, source in enumerate(group.sources):
            path = ("groups", n, "sources", k)
            given = [kind for kind in SOURCE_KINDS if getattr(source, kind)]
            if len(given) != 1:
                message = f"a source names exactly one of {', '.join(SOURCE_KINDS)}"
                check.problems.append(Problem(path, message))
                continue
            section = "territories" if given[0] == "territory" else f"{given[0]}s"
            check.refer(given[0], (*path, given[0]), getattr(source, given[0]), section)


def _territory_names(seed: Seed) -> list[tuple[DocPath, str]]:
    tree = _tree(seed.territories, ("territories",))
    return [(("org", "name"), seed.org.name)] + [((*p, "name"), t.name) for p, t in tree]


def _territories(seed: Seed, check: _Check) -> None:
    tree = list(_tree(seed.territories, ("territories",)))
    for path, name in _territory_names(seed)[1:]:
        if has_forbidden(name) or not name.strip() or len(name) > NAME_MAX:
            message = f"territory name {name!r} is not one the API accepts ({_name_rules()})"
            check.problems.append(Problem(path, message))
    members = [(("root_users",), seed.root_users)] + [((*p, "users"), t.users) for p, t in tree]
    for path, users in members:
        check.unique("user", path, users)
        for k, email in enumerate(users):
            check.refer("user", (*path, k), email, "users")
    for path, territory in tree:
        if territory.manager is not None:
            check.refer("user", (*path, "manager"), territory.manager, "users")


def _name_rules() -> str:
    return f"1 to {NAME_MAX} characters, none of ^~`#%&*()+={{}}[]|\\;\",'!<>"


def _records(seed: Seed, check: _Check) -> None:
    for module, records in seed.records.items():
        if module.lower() not in check.names["module"]:
            check.refer("module", ("records", module), module, "modules")
        for n, record in enumerate(records):
            path = ("records", module, n)
            if "owner" in record:
                check.refer("user", (*path, "owner"), record["owner"], "users")
            for key in ("territories", "rule_territories"):
                places = record.get(key) or []
                if not isinstance(places, list):
                    check.problems.append(Problem((*path, key), "must be a list of names"))
                    continue
                for k, name in enumerate(places):
                    check.refer("territory", (*path, key, k), name, "territories")
                check.unique("territory", (*path, key), [str(p) for p in places])


Node = TypeVar("Node", "SeedRole", "SeedTerritory")


def _tree(items: list[Node], path: DocPath) -> Iterator[tuple[DocPath, Node]]:
    """Roles or territories, parents first, each with its path in the document."""
    for n, item in enumerate(items):
        yield (*path, n), item
        yield from _tree(item.children, (*path, n, "children"))
