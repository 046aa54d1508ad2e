"""Several emulated orgs behind one address, as a production org and its Zoho sandbox orgs are
to a client that holds a token for each.

Each org keeps its own database (a `Sandbox`): nothing is shared, so one org's writes, ids,
tokens, credits and request log can never show in another, and every org is exactly the
one-org emulator the contract tests check. In front of them, `Orgs` hands each request to
the org that issued the credentials it carries: the token endpoint by `client_id`, a revoke
by the token it names, an API call by its access token. That is how Zoho itself tells orgs
apart (a token belongs to one org; the API host says only production or sandbox, REFERENCE
§1), and it lets one served port stand in for several environments, each with its own
OAuth client. A call whose credentials no org knows goes to the first org, which answers it
as any org would (401, `invalid_client`)."""

from __future__ import annotations

import re
import zlib
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

from reconciler.sandbox.clock import Clock, system_clock
from reconciler.sandbox.closing import Closing
from reconciler.sandbox.exchange import Outcome, Request
from reconciler.sandbox.oauth import has_client, holds_token, token_params
from reconciler.sandbox.sandbox import Sandbox
from reconciler.sandbox.seed import Seed, SeedClient
from reconciler.sandbox.settings import SandboxSettings

TOKEN_PATH = "/oauth/v2/token"
AUTH_PREFIX = "Zoho-oauthtoken "
ORG_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")


class Orgs(Closing):
    """Named orgs served together. The first one is the default (it answers strangers, and
    its `max_body_bytes` is the server's)."""

    def __init__(self, orgs: Mapping[str, Sandbox]) -> None:
        if not orgs:
            raise ValueError("Orgs needs at least one org")
        self._orgs = dict(orgs)
        _check_distinct(self._orgs, "org id", lambda org: [org.org_id])
        _check_distinct(self._orgs, "OAuth client", _client_ids)

    @property
    def settings(self) -> SandboxSettings:
        return self.default.settings

    @property
    def default(self) -> Sandbox:
        return next(iter(self._orgs.values()))

    def __getitem__(self, name: str) -> Sandbox:
        return self._orgs[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._orgs)

    def __len__(self) -> int:
        return len(self._orgs)

    async def handle(self, request: Request) -> Outcome:
        return await self.owner(request).handle(request)

    def owner(self, request: Request) -> Sandbox:
        """The org whose credentials `request` carries (the default org when none is)."""
        if request.path.rstrip("/").startswith(TOKEN_PATH):
            content_type = request.headers.get("content-type", "")
            params = token_params(request.query, request.body, content_type)
            if "client_id" in params:
                return self._find(lambda db: has_client(db, params["client_id"]))
            return self._find(lambda db: holds_token(db, params.get("token", "")))
        header = request.headers.get("authorization", "")
        token = header[len(AUTH_PREFIX) :].strip() if header.startswith(AUTH_PREFIX) else ""
        return self._find(lambda db: holds_token(db, token))

    def _find(self, owns: Callable[..., bool]) -> Sandbox:
        for org in self._orgs.values():
            with org.store.transaction() as db:
                if owns(db):
                    return org
        return self.default

    def close(self) -> None:
        for org in self._orgs.values():
            org.close()


def named_org(seed: Seed, name: str) -> Seed:
    """`seed` as the org called `name`: its own id prefix (derived from the name, so the same
    name always gives the same ids) and one OAuth client whose id is the name, with secret
    `<name>-secret` and refresh token `<name>-refresh`. Users, roles and territories are
    the seed's, as in a Zoho sandbox org copied from production."""
    if not ORG_NAME.match(name):
        raise ValueError(
            f"org name {name!r}: use lower-case letters, digits, '-' and '_' (at most 40), "
            "starting with a letter or digit"
        )
    prefix = 1_000_000 + zlib.crc32(name.encode("utf-8")) % 8_000_000
    client = SeedClient(
        client_id=name, client_secret=f"{name}-secret", refresh_tokens=[f"{name}-refresh"]
    )
    org = seed.org.model_copy(update={"id_prefix": prefix})
    return seed.model_copy(update={"org": org, "oauth_clients": [client]})


def open_orgs(
    databases: Mapping[str, str | Path],
    seed: Seed,
    settings: SandboxSettings | None = None,
    clock: Clock = system_clock,
) -> Orgs:
    """Orgs from their databases (":memory:" for a throwaway one); a database that is new
    gets `named_org(seed, name)`."""
    opened: dict[str, Sandbox] = {}
    try:
        for name, db in databases.items():
            opened[name] = Sandbox(db, settings, clock, named_org(seed, name))
        return Orgs(opened)
    except BaseException:
        for org in opened.values():
            org.close()
        raise


def _client_ids(org: Sandbox) -> list[str]:
    with org.store.transaction() as db:
        return [str(row[0]) for row in db.execute("SELECT client_id FROM oauth_clients")]


def _check_distinct(
    orgs: Mapping[str, Sandbox], what: str, keys: Callable[[Sandbox], list[str]]
) -> None:
    seen: dict[str, str] = {}
    for name, org in orgs.items():
        for key in keys(org):
            if key in seen:
                raise ValueError(
                    f"orgs {seen[key]!r} and {name!r} share the {what} {key!r}: each org "
                    "served together needs its own (give each a seed of its own, or "
                    "recreate one with `reconciler sandbox reset`)"
                )
            seen[key] = name
