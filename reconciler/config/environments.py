"""`reconciler.toml` (or `[tool.reconciler]` in pyproject.toml): the named environments, each
an org with the names of the variables holding its credentials (never the secrets), its
overlay files and its user mapping. docs/environments.md describes the format.

Offline and pure: this reads the file and checks it, reporting every problem at once at
`reconciler.toml:LINE:COL`. Turning an environment into a connection is the CLI's job."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from reconciler.config.source import Location
from reconciler.config.toml_source import TomlSource, locate
from reconciler.errors import ConfigError, Diagnostic

FILE = "reconciler.toml"
PYPROJECT = "pyproject.toml"
ENV_VARIABLE = "RECONCILER_ENV"
DEFAULT_CREDENTIALS = "ZOHO"
VARIABLE = r"^[A-Z_][A-Z0-9_]*$"
NAME = r"^[a-z0-9][a-z0-9_-]{0,39}$"
EMAIL = r"^[^@\s]+@[^@\s]+$"
DataCentre = Literal["us", "eu", "in", "au", "jp", "ca", "sa", "cn"]
OrgKind = Literal["production", "sandbox", "developer"]
Variable = Annotated[str, Field(pattern=VARIABLE)]


class _Doc(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CredentialsDoc(_Doc):
    client_id: Variable
    client_secret: Variable
    refresh_token: Variable


class UsersDoc(_Doc):
    map: dict[Annotated[str, Field(pattern=EMAIL)], Annotated[str, Field(pattern=EMAIL)]] = {}
    suffix: str | None = Field(None, min_length=1, pattern=r"^\S+$")
    domain: str | None = Field(None, pattern=r"^[^@\s]+\.[^@\s]+$")

    @model_validator(mode="after")
    def _one_rule(self) -> UsersDoc:
        if self.suffix is not None and self.domain is not None:
            raise ValueError("give one rule, `suffix` or `domain`, not both")
        return self


class EnvironmentDoc(_Doc):
    dc: DataCentre | None = None
    kind: OrgKind = "production"
    api_domain: str | None = None
    accounts_url: str | None = None
    local: str | None = None
    credentials: Variable | CredentialsDoc = DEFAULT_CREDENTIALS
    overlays: list[str] = []
    users: UsersDoc | None = None

    @model_validator(mode="after")
    def _one_place(self) -> EnvironmentDoc:
        custom = (self.api_domain is not None, self.accounts_url is not None)
        if custom[0] != custom[1]:
            raise ValueError("a custom server needs both `api_domain` and `accounts_url`")
        if sum((self.dc is not None, custom[0], self.local is not None)) != 1:
            raise ValueError(
                "say where the org is with exactly one of `dc` (a Zoho data centre), "
                "`api_domain` + `accounts_url` (a custom server) or `local` (a local sandbox)"
            )
        return self


class FileDoc(_Doc):
    default: str | None = None
    environments: dict[Annotated[str, Field(pattern=NAME)], EnvironmentDoc] = {}


@dataclass(frozen=True)
class UserMap:
    """Production email -> this org's email: explicit pairs first, then the rule (if any)."""

    pairs: dict[str, str]
    suffix: str | None = None
    domain: str | None = None
    where: Location = field(default_factory=lambda: Location(FILE, 0, 0), compare=False)

    def __call__(self, email: str) -> str | None:
        """The mapped email, or None when neither a pair nor a rule maps it."""
        found = self.pairs.get(email.casefold())
        if found is not None:
            return found
        if self.suffix is not None:
            return email + self.suffix
        if self.domain is not None:
            return email.rsplit("@", 1)[0] + "@" + self.domain
        return None


@dataclass(frozen=True)
class Environment:
    """One named org. `credentials` holds the NAMES of the three variables, never values."""

    name: str
    where: Location
    dc: str | None = None
    kind: str = "production"
    api_domain: str | None = None
    accounts_url: str | None = None
    local: Path | None = None
    credentials: tuple[str, str, str] = field(default_factory=lambda: _variables("ZOHO"))
    overlays: tuple[Path, ...] = ()
    users: UserMap | None = None


@dataclass(frozen=True)
class Environments:
    file: str
    default: str | None
    by_name: dict[str, Environment]

    def pick(self, name: str | None) -> Environment | None:
        """The environment `name` (else the file's default; None when neither is given)."""
        chosen = name or self.default
        if chosen is None:
            return None
        if chosen not in self.by_name:
            known = ", ".join(self.by_name) or "none"
            raise ConfigError(
                [
                    Diagnostic(
                        self.file,
                        0,
                        0,
                        f"no environment named `{chosen}`",
                        f"{self.file} defines: {known}",
                    )
                ]
            )
        return self.by_name[chosen]


def find(directory: Path) -> Path | None:
    """`reconciler.toml` in `directory`, else its pyproject.toml if that has
    `[tool.reconciler]`; None when there is neither."""
    candidate = directory / FILE
    if candidate.is_file():
        return candidate
    pyproject = directory / PYPROJECT
    if pyproject.is_file() and re.search(r"(?m)^\[tool\.reconciler[.\]]", _text(pyproject)):
        return pyproject
    return None


def load(path: Path, shown: str | None = None) -> Environments:
    """Read and check the file; `ConfigError` lists every problem with its position."""
    name = shown or str(path)
    text = _text(path)
    prefix = ("tool", "reconciler") if path.name == PYPROJECT else ()
    try:
        data: Any = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError([_syntax(name, error)]) from None
    for part in prefix:
        data = data.get(part, {}) if isinstance(data, dict) else {}
    source = locate(name, text, prefix)
    try:
        document = FileDoc.model_validate(data)
    except ValidationError as error:
        raise ConfigError(_explain(error.errors(), source)) from None
    return _build(document, source, path.parent)


def _text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError([Diagnostic(str(path), 0, 0, f"cannot read: {error}")]) from None


def _syntax(name: str, error: tomllib.TOMLDecodeError) -> Diagnostic:
    found = re.search(r"\(at line (\d+), column (\d+)\)", str(error))
    line, column = (int(found.group(1)), int(found.group(2))) if found else (0, 0)
    message = re.sub(r"\s*\(at (line \d+, column \d+|end of document)\)", "", str(error))
    return Diagnostic(name, line, column, f"not valid TOML: {message}")


def _explain(errors: list[Any], source: TomlSource) -> list[Diagnostic]:
    """Pydantic's errors as diagnostics, once each; never quoting a value (a secret, perhaps,
    written where a variable's name belongs)."""
    found: list[Diagnostic] = []
    for error in errors:
        if _other_branch(error):
            continue
        diagnostic = _diagnostic(error, tuple(p for p in error["loc"] if p not in TAGS), source)
        if diagnostic not in found:
            found.append(diagnostic)
    return found


TAGS = ("CredentialsDoc", "constrained-str", "str")


def _other_branch(error: Any) -> bool:
    """`credentials` is a name or a table: report only the branch the file wrote."""
    loc = error["loc"]
    if "credentials" not in loc or loc[-1] == "credentials":
        return False
    if "CredentialsDoc" in loc:
        return bool(error["type"] == "model_type")  # a name was written, not a table
    return isinstance(error.get("input"), dict)  # a table was written, not a name


def _diagnostic(error: Any, loc: tuple[Any, ...], source: TomlSource) -> Diagnostic:
    where = source.place(loc)
    words = ".".join(str(p) for p in loc if isinstance(p, str))
    if error["type"] == "extra_forbidden":
        return where.error(f"unknown key `{loc[-1]}`", "docs/environments.md lists the keys")
    if "credentials" in loc:
        return where.error(
            f"`{words}` must name an environment variable, like ZOHO_SANDBOX",
            "never write a secret in this file: put it in a variable and name the variable",
        )
    if "[key]" in loc:
        return where.error(f"`{loc[1]}`: environment names use lower-case letters, digits, - and _")
    message = str(error["msg"]).removeprefix("Value error, ")
    return where.error(f"{words or 'the file'}: {message}")


def _build(document: FileDoc, source: TomlSource, root: Path) -> Environments:
    problems: list[Diagnostic] = []
    built = {}
    for name, env in document.environments.items():
        built[name] = _environment(name, env, source, root, problems)
    if document.default is not None and document.default not in built:
        problems.append(
            source.place(("default",)).error(
                f"`default` names `{document.default}`, which is not an environment",
                f"define [environments.{document.default}] or pick one of: {', '.join(built)}",
            )
        )
    if problems:
        raise ConfigError(problems)
    return Environments(source.name, document.default, built)


def _environment(
    name: str, env: EnvironmentDoc, source: TomlSource, root: Path, problems: list[Diagnostic]
) -> Environment:
    at = ("environments", name)
    overlays = []
    for index, overlay in enumerate(env.overlays):
        path = root / overlay
        if not path.exists():
            where = source.place((*at, "overlays", index))
            problems.append(where.error(f"overlay `{overlay}` does not exist"))
        overlays.append(path)
    return Environment(
        name=name,
        where=source.place(at),
        dc=env.dc,
        kind=env.kind,
        api_domain=env.api_domain,
        accounts_url=env.accounts_url,
        local=root / env.local if env.local is not None else None,
        credentials=_variables(env.credentials),
        overlays=tuple(overlays),
        users=_users(env.users, source, (*at, "users"), problems) if env.users else None,
    )


def _variables(given: str | CredentialsDoc) -> tuple[str, str, str]:
    if isinstance(given, CredentialsDoc):
        return (given.client_id, given.client_secret, given.refresh_token)
    return (f"{given}_CLIENT_ID", f"{given}_CLIENT_SECRET", f"{given}_REFRESH_TOKEN")


def _users(
    users: UsersDoc, source: TomlSource, at: tuple[str, ...], problems: list[Diagnostic]
) -> UserMap:
    pairs: dict[str, str] = {}
    taken: dict[str, str] = {}
    for production, mapped in users.map.items():
        if mapped.casefold() in taken:
            problems.append(
                source.place((*at, "map", production)).error(
                    f"`{production}` and `{taken[mapped.casefold()]}` both map to `{mapped}`",
                    "each user of this org stands for one production user",
                )
            )
        taken[mapped.casefold()] = production
        pairs[production.casefold()] = mapped
    where = source.place((*at, "map") if users.map else at)
    return UserMap(pairs, users.suffix, users.domain, where)
