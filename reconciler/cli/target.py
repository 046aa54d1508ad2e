"""Which org a command talks to: the one the `ZOHO_*` variables name, or, when they name
none, the local sandbox in-process. Only the CLI makes this choice (DESIGN §3): the library
is handed a `Target` and never picks the emulator itself."""

from __future__ import annotations

import dataclasses
import fcntl
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from reconciler.errors import TargetError
from reconciler.zoho.auth import Credentials
from reconciler.zoho.target import VARIABLES, Target, zoho_target

SANDBOX_DB = ".reconciler/sandbox.sqlite3"
SANDBOX_URL = "http://sandbox.invalid"  # the in-process sandbox: no socket, no DNS


def from_env(
    env: Mapping[str, str],
    *,
    allow_custom_domain: bool = False,
    sandbox_db: str | Path = SANDBOX_DB,
) -> Target:
    """The target the environment names, or the local sandbox when it names none.

    Only variables that are unset mean the sandbox: one set to the empty string is what CI
    gives for a secret nobody configured, and silently changing the local sandbox instead of
    the org the job was meant for would hide that."""
    present = [name for name in VARIABLES if name in env]
    if not present:
        return sandbox_target(sandbox_db)
    empty = [name for name in present if not env[name].strip()]
    if empty:
        raise TargetError(
            f"{', '.join(empty)} {'is' if len(empty) == 1 else 'are'} set but empty (a CI "
            "secret that is not configured?): give each a value, or unset every ZOHO_* "
            "variable to use the local sandbox"
        )
    return zoho_target(env, allow_custom_domain=allow_custom_domain)


def sandbox_target(db_path: str | Path = SANDBOX_DB, sandbox: Any = None) -> Target:
    """The local sandbox in-process, reached through its httpx transport with a client its
    seed declares (`Sandbox.local_credentials`). `sandbox` is an existing `Sandbox` to use
    instead of opening `db_path`. A database path holding something else, or a seed with no
    client that may do everything, is a TargetError saying what to fix."""
    from reconciler.sandbox import NotASandboxDatabase, Sandbox, SandboxTransport, SeedError

    try:
        org = sandbox if sandbox is not None else Sandbox(db_path)
    except (NotASandboxDatabase, SeedError) as error:
        raise TargetError(f"the local sandbox: {error}") from None
    try:
        credentials = Credentials(*org.local_credentials())
    except SeedError as error:
        if sandbox is None:
            org.close()
        seed = f" (seeded from {error.file})" if error.file else ""
        raise TargetError(f"the local sandbox{seed}: {error.problems[0].message}") from None
    where = str(org.store.path)
    return Target(
        label=f"local sandbox ({'in memory' if where == ':memory:' else where})",
        accounts_url=SANDBOX_URL,
        api_domain=SANDBOX_URL,
        credentials=credentials,
        is_sandbox=True,
        transport=SandboxTransport(org),
        sandbox=org,
    )


def local_target(db_path: str | Path, name: str) -> Target:
    """Environment `name`'s local sandbox, in-process: a database of its own, made from the
    demo org as `name` (its own ids and OAuth client) when missing."""
    from reconciler.sandbox import NotASandboxDatabase, Sandbox, demo_seed, named_org

    Path(db_path).parent.mkdir(parents=True, exist_ok=True)
    try:
        org = Sandbox(db_path, seed=named_org(demo_seed(), name))
    except NotASandboxDatabase as error:
        raise TargetError(f"the local sandbox of environment {name}: {error}") from None
    target = sandbox_target(db_path, org)  # with a client the org's seed has
    return dataclasses.replace(target, label=f"local sandbox ({db_path}, environment {name})")


@contextmanager
def exclusive(target: Target) -> Iterator[None]:
    """One apply at a time on a local sandbox database (a lock file beside it): a second
    apply waits for the first, then finds the org moved (a saved plan) or plans from what the
    first left (a configuration). A Zoho org has no lock to take: CI serialises its applies
    (docs/apply.md)."""
    path = str(getattr(getattr(target.sandbox, "store", None), "path", ":memory:"))
    if not target.is_sandbox or path == ":memory:":
        yield
        return
    with open(f"{path}.lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
