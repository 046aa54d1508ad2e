"""The named environment a command works in (`--env`, `RECONCILER_ENV`, or the file's
`default`), and what it changes: the org (`target_of`), and the configuration, which gets the
environment's overlays and user mapping (`load_config`)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from pathlib import Path

from reconciler.cli.target import local_target
from reconciler.config import environments
from reconciler.config.environments import Environment
from reconciler.config.git import BaseConfig, load_at
from reconciler.config.load import Config, load
from reconciler.config.mapping import map_users
from reconciler.errors import ConfigError, Diagnostic
from reconciler.zoho.target import Place, Target, environment_target


def chosen(name: str | None, directory: Path | None = None) -> Environment | None:
    """The environment `name` (or the file's default) of the reconciler.toml in
    `directory` (the current one); None when no environment is asked for."""
    here = directory or Path.cwd()
    found = environments.find(here)
    if found is None:
        if name is None:
            return None
        raise ConfigError(
            [
                Diagnostic(
                    environments.FILE,
                    0,
                    0,
                    f"--env {name}: there is no {environments.FILE} here to define it",
                    "docs/environments.md shows the file; run from the directory holding it",
                )
            ]
        )
    shown = found.name if found.parent == here else str(found)
    return environments.load(found, shown).pick(name)


def load_config(paths: Sequence[Path], environment: Environment | None) -> Config:
    """The configuration as `environment` sees it: overlays merged, users mapped."""
    if environment is None:
        return load(paths)
    config = load(paths, environment.overlays)
    if environment.users is None:
        return config
    return map_users(config, environment.users, environment.name, environment.users.where)


def load_base(ref: str, paths: Sequence[Path], environment: Environment | None) -> BaseConfig:
    """The configuration at git revision `ref` as `environment` sees it (its overlays as
    they were at `ref`, its user mapping), so that `plan --base` compares like with like."""
    base = load_at(ref, paths, environment.overlays if environment else ())
    if environment is None or environment.users is None:
        return base
    users = environment.users
    mapped = map_users(base.config, users, environment.name, users.where)
    return dataclasses.replace(base, config=mapped)


def target_of(
    environment: Environment, env: Mapping[str, str], *, allow_custom_domain: bool
) -> Target:
    """The org of `environment`: a local sandbox database, or a Zoho (or custom) org whose
    credentials are in the variables the environment names."""
    if environment.local is not None:
        return local_target(environment.local, environment.name)
    place = Place(
        environment.dc, environment.kind, environment.api_domain, environment.accounts_url
    )
    return environment_target(
        environment.name,
        environment.credentials,
        env,
        place,
        allow_custom_domain=allow_custom_domain,
    )
