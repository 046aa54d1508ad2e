"""The real command line against a sandbox org, two ways:

* `in_process`: the CLI is handed the org as a resolved `Target` (`main(obj=target)`), whose
  transport is the sandbox's own, wrapped so every response is checked against the official
  schemas. The test holds the same `Sandbox` object and arms its faults.
* `served`: the sandbox listens on 127.0.0.1 and the CLI finds it through the ZOHO_*
  variables and `--allow-custom-domain`, exactly as a user would.

Both use the same OAuth client (a seeded one with secrets shaped like Zoho's), so that every
secret the CLI could leak is known: `CliOrg.secrets()` lists them, access tokens included,
and `CliOrg.printed` keeps everything each run printed. Retries are made fast with
RECONCILER_RETRY_SCALE, never by replacing our own code.
"""

from __future__ import annotations

import dataclasses
import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from click.testing import CliRunner, Result

from reconciler.cli.main import main
from reconciler.cli.target import sandbox_target
from reconciler.sandbox import Sandbox, SandboxTransport, serve_in_thread
from reconciler.sandbox.seed import Seed, SeedClient, SeedRefreshToken, demo_seed
from reconciler.zoho.auth import Credentials
from reconciler.zoho.target import VARIABLES

ROOT = Path(__file__).parent.parent
EXAMPLE = ROOT / "examples" / "territories.yaml"
MODES = ("in_process", "served")
RETRY_SCALE = "0.01"  # the default policy's waits become milliseconds; give-up after ~1 s
Wrap = Callable[[httpx.AsyncBaseTransport], httpx.AsyncBaseTransport]


def _zoho_like() -> str:
    return f"1000.{secrets.token_hex(16)}.{secrets.token_hex(16)}"


@dataclass(frozen=True)
class OAuthClient:
    """A seeded client: id, secret, a refresh token with every scope, and a narrow one."""

    client_id: str = field(default_factory=lambda: f"1000.{secrets.token_hex(8).upper()}")
    secret: str = field(default_factory=lambda: secrets.token_hex(20))
    refresh: str = field(default_factory=_zoho_like)
    narrow: str = field(default_factory=_zoho_like)

    def credentials(self, refresh: str | None = None) -> Credentials:
        return Credentials(self.client_id, self.secret, refresh or self.refresh)


# Everything `plan` of the example reads, except the territories.
WITHOUT_TERRITORIES = [
    "ZohoCRM.org.ALL",
    "ZohoCRM.users.ALL",
    "ZohoCRM.settings.data_sharing.ALL",
    "ZohoCRM.settings.roles.ALL",
    "ZohoCRM.settings.user_groups.ALL",
    "ZohoCRM.settings.fields.ALL",
    "ZohoCRM.settings.modules.ALL",
    "ZohoCRM.settings.profiles.ALL",
]


def with_client(seed: Seed, client: OAuthClient) -> Seed:
    """`seed` plus `client`, whose narrow refresh token may read all but territories."""
    extra = SeedClient(
        client_id=client.client_id,
        client_secret=client.secret,
        refresh_tokens=[
            client.refresh,
            SeedRefreshToken(token=client.narrow, scopes=WITHOUT_TERRITORIES),
        ],
    )
    return seed.model_copy(update={"oauth_clients": [*seed.oauth_clients, extra]})


@dataclass
class CliOrg:
    mode: str
    sandbox: Sandbox
    client: OAuthClient
    db: Path
    base: str | None = None  # the served URL
    wrap: Wrap | None = None  # in-process: wraps the sandbox transport (contract checks)
    printed: list[str] = field(default_factory=list)

    def invoke(
        self,
        *args: str,
        credentials: Credentials | None = None,
        transport: Wrap | None = None,
        env: dict[str, str | None] | None = None,
        checked: bool = True,
        input: str | None = None,
    ) -> Result:
        """Run `reconciler ARGS...` against this org. `credentials` replace the client's
        (e.g. another data centre's); `transport` wraps what reaches the sandbox
        (in-process only); `checked=False` skips the contract checks, for answers that are
        not Zoho's on purpose (injected faults; the suite-wide check still holds
        them to deviation D26 of tests/contract/deviations.py)."""
        credentials = credentials or self.client.credentials()
        environment: dict[str, str | None] = {name: None for name in VARIABLES}
        environment |= {"RECONCILER_RETRY_SCALE": RETRY_SCALE, "NO_COLOR": "1"}
        environment["RECONCILER_SANDBOX_DB"] = str(self.db)
        environment["RECONCILER_SNAPSHOT_DIR"] = str(self.snapshots)
        obj = None
        if self.mode == "served":
            assert transport is None, "a served org is reached over a real socket"
            environment |= {
                "ZOHO_CLIENT_ID": credentials.client_id,
                "ZOHO_CLIENT_SECRET": credentials.client_secret,
                "ZOHO_REFRESH_TOKEN": credentials.refresh_token,
                "ZOHO_API_DOMAIN": self.base,
                "ZOHO_ACCOUNTS_URL": self.base,
            }
            args = (*args, "--allow-custom-domain")
        else:
            inner: httpx.AsyncBaseTransport = SandboxTransport(self.sandbox)
            inner = self.wrap(inner) if self.wrap and checked else inner
            target = sandbox_target(self.db, sandbox=self.sandbox)
            obj = dataclasses.replace(
                target,
                credentials=credentials,
                transport=transport(inner) if transport else inner,
            )
        environment |= env or {}
        result = CliRunner().invoke(main, list(args), env=environment, obj=obj, input=input)
        self.printed += [result.stdout, result.stderr, repr(result.exception)]
        return result

    @property
    def snapshots(self) -> Path:
        """Where apply and rollback save their snapshots (beside the org's database)."""
        return self.db.parent / "snapshots"

    def banner(self) -> str:
        if self.mode == "served":
            return f"target: Zoho CRM {self.base} (custom server)"
        return f"target: local sandbox ({self.db})"

    def secrets(self) -> set[str]:
        """Every secret of this org: client secrets, refresh and access tokens."""
        with self.sandbox.store.transaction() as db:
            found = {row[0] for row in db.execute("SELECT token FROM access_tokens")}
            found |= {row[0] for row in db.execute("SELECT token FROM refresh_tokens")}
            found |= {row[0] for row in db.execute("SELECT client_secret FROM oauth_clients")}
        return found | {self.client.secret, self.client.refresh, self.client.narrow}


@contextmanager
def cli_org(
    mode: str, tmp_path: Path, seed: Seed | None = None, wrap: Wrap | None = None, **kw: Any
) -> Iterator[CliOrg]:
    """A sandbox org in tmp_path, seeded with `seed` (the demo org) plus a test OAuth client."""
    client = OAuthClient()
    db = tmp_path / "org.sqlite3"
    sandbox = Sandbox(db, seed=with_client(seed or demo_seed(), client), **kw)
    try:
        if mode == "served":
            with serve_in_thread(sandbox) as base:
                yield CliOrg(mode, sandbox, client, db, base=base)
        else:
            yield CliOrg(mode, sandbox, client, db, wrap=wrap)
    finally:
        sandbox.close()
