"""Which org a command talks to: the one the `ZOHO_*` variables name, or, when they name
none, the local sandbox in-process. Only the CLI makes this choice (DESIGN §3): the library
is handed a `Target` and never picks the emulator itself."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from reconciler.zoho.auth import Credentials
from reconciler.zoho.target import VARIABLES, Target, zoho_target

SANDBOX_DB = ".reconciler/sandbox.sqlite3"
SANDBOX_URL = "http://sandbox.invalid"  # the in-process sandbox: no socket, no DNS
SANDBOX_CREDENTIALS = ("sandbox", "sandbox-secret", "sandbox-refresh")


def from_env(
    env: Mapping[str, str],
    *,
    allow_custom_domain: bool = False,
    sandbox_db: str | Path = SANDBOX_DB,
) -> Target:
    """The target the environment names, or the local sandbox when it names none."""
    if not any(env.get(name) for name in VARIABLES):
        return sandbox_target(sandbox_db)
    return zoho_target(env, allow_custom_domain=allow_custom_domain)


def sandbox_target(db_path: str | Path = SANDBOX_DB, sandbox: Any = None) -> Target:
    """The local sandbox in-process, reached through its httpx transport with the demo
    credentials. `sandbox` is an existing `Sandbox` to use instead of opening `db_path`."""
    from reconciler.sandbox import Sandbox, SandboxTransport

    org = sandbox if sandbox is not None else Sandbox(db_path)
    where = str(getattr(getattr(org, "store", None), "path", db_path))
    return Target(
        label=f"local sandbox ({'in memory' if where == ':memory:' else where})",
        accounts_url=SANDBOX_URL,
        api_domain=SANDBOX_URL,
        credentials=Credentials(*SANDBOX_CREDENTIALS),
        is_sandbox=True,
        transport=SandboxTransport(org),
        sandbox=org,
    )


def local_target(db_path: str | Path, name: str) -> Target:
    """Environment `name`'s local sandbox, in-process: a database of its own, made from the
    demo org as `name` (its own ids and OAuth client) when missing."""
    from reconciler.sandbox import Sandbox, demo_seed, named_org

    Path(db_path).parent.mkdir(parents=True, exist_ok=True)
    org = Sandbox(db_path, seed=named_org(demo_seed(), name))
    target = sandbox_target(db_path, org)
    credentials = org.client_credentials() or SANDBOX_CREDENTIALS
    return dataclasses.replace(
        target,
        label=f"local sandbox ({db_path}, environment {name})",
        credentials=Credentials(*credentials),
    )
