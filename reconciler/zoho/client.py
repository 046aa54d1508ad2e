"""`ZohoClient`: one method per Zoho CRM v8 endpoint the tool uses. It knows URLs, query
parameters, paging, batch sizes and status codes; it returns Zoho's JSON objects as they come
(`wire.py` maps the field names) and, for writes, one `ItemResult` per input item in input
order. Per-item failures are results, not exceptions; request-level failures raise the
`errors.py` class that fits (see `responses`).

    async with ZohoClient.for_target(target) as client:
        territories = await client.list_territories()
        results = await client.create_territories([{"name": "EMEA", ...}])

Lists are read page by page until `info.more_records` is false; 204 means empty. A write
longer than its endpoint's batch limit (REFERENCE §11, the stricter value where the sources
disagree) is sent in several calls. Retries, timeouts, the limit on calls in flight and what
is never resent: `retry` and `session`. Sharing-rule writes and CANNOT_PROCESS: `rule_writes`.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from types import TracebackType
from typing import Any, Self

import httpx

from reconciler import limits
from reconciler.plan.attribution import AuditEntry
from reconciler.zoho import audit, wire
from reconciler.zoho.audit import Polling
from reconciler.zoho.auth import Auth
from reconciler.zoho.base import Json, Requests, id_chunks
from reconciler.zoho.directory_writes import DirectoryWriter
from reconciler.zoho.records import RecordCalls
from reconciler.zoho.responses import ItemResult, bad_shape
from reconciler.zoho.retry import DEFAULT_POLICY, Kind, RetryPolicy, Sleep
from reconciler.zoho.rule_writes import RULES, RuleWriter
from reconciler.zoho.session import CallStats, Session
from reconciler.zoho.target import Target

logger = logging.getLogger(__name__)

# REFERENCE §10.2: concurrent calls per edition, with the names Zoho's price pages use.
EDITION_CONCURRENCY = {
    "free": 5,
    "standard": 10,
    "starter": 10,
    "professional": 15,
    "enterprise": 20,
    "zoho_one": 20,
    "ultimate": 25,
    "crm_plus": 25,
}
UNKNOWN_EDITION_CONCURRENCY = 10
DEFAULT_CONCURRENCY = 10  # calls in flight until the edition is known
TERRITORY_BATCH = limits.TERRITORIES_PER_CALL
DELETE_BATCH = limits.DELETES_PER_CALL
DATA_SHARING_BATCH = limits.DEFAULTS_PER_CALL
IDS_CHARS = limits.IDS_CHARS
TERRITORIES = "settings/territories"
TERRITORY_USERS = TERRITORIES + "/{id}/users"
USER_TERRITORIES = "users/{id}/territories"


def concurrency_for_edition(edition: str | None) -> int:
    """Zoho's limit on concurrent calls for an edition (REFERENCE §10.2); 10 if unknown."""
    key = (edition or "").strip().lower().replace(" ", "_")
    return EDITION_CONCURRENCY.get(key, UNKNOWN_EDITION_CONCURRENCY)


class ZohoClient:
    """An async Zoho CRM v8 client; use it as an async context manager.

    `ZohoClient(api_domain, auth, *, transport=None, concurrency=None, retry=RetryPolicy(),
    timeout=30.0, sleep=asyncio.sleep, clock=time.monotonic, rng=None)`.
    `api_domain=None` uses the domain the token response names. `concurrency=None` allows 10
    calls in flight until `get_org()` reveals the edition, then that edition's limit; a number
    fixes it (the CLI's --concurrency). `timeout` bounds each attempt, in seconds.

    It is composed of a `Session` (auth, retries, the limit on calls in flight, stats), the
    `Requests` every endpoint method is built from, and a `RuleWriter` that owns what the
    client knows of each module's sharing computation.
    """

    def __init__(
        self,
        api_domain: str | None,
        auth: Auth,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        concurrency: int | None = None,
        retry: RetryPolicy = DEFAULT_POLICY,
        timeout: float = 30.0,
        sleep: Sleep = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
    ) -> None:
        self.fixed_concurrency = concurrency is not None
        self.session = Session(
            api_domain,
            auth,
            transport=transport,
            concurrency=concurrency or DEFAULT_CONCURRENCY,
            retry=retry,
            timeout=timeout,
            sleep=sleep,
            clock=clock,
            rng=rng,
        )
        self.requests = Requests(self.session)
        self.rules = RuleWriter(self.session)
        self.records = RecordCalls(self.session)
        # Roles, user groups, users' roles and profiles: reads beyond the lists, and writes.
        self.directory = DirectoryWriter(self.session, self.requests)

    @classmethod
    def for_target(cls, target: Target, **options: Any) -> ZohoClient:
        """A client for a resolved `Target`, sharing its transport (the sandbox's, in-process).
        `options` are the constructor's keywords; `sleep`, `clock` and `retry` reach the Auth
        too."""
        shared = {k: v for k, v in options.items() if k in ("sleep", "clock", "retry", "timeout")}
        return cls(target.api_domain, target.auth(**shared), transport=target.transport, **options)

    def __repr__(self) -> str:
        session = self.session
        return f"{type(self).__name__}(api_domain={session.api_domain!r}, auth={session.auth!r})"

    @property
    def stats(self) -> CallStats:
        """API calls made so far, by endpoint, with retries, polls and refreshes."""
        return self.session.stats

    @property
    def credits_remaining(self) -> int | None:
        """The org's API credits left, if Zoho said so (X-API-CREDITS-REMAINING)."""
        return self.session.credits_remaining

    @property
    def concurrency(self) -> int:
        return self.session.concurrency

    async def api_domain(self) -> str:
        """Where calls go: the fixed domain, or the one the token response named."""
        return self.session.api_domain or await self.session.auth.api_domain()

    async def aclose(self) -> None:
        await self.session.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        await self.aclose()

    # Reads ---------------------------------------------------------------------------------

    async def list_territories(self, include_criteria: bool = True) -> list[Json]:
        params = {"include": wire.INCLUDE_CRITERIA} if include_criteria else {}
        return await self.requests.pages(TERRITORIES, "territories", params)

    async def territories_by_id(self, ids: Sequence[str]) -> list[Json]:
        """The territories with these ids that still exist, criteria included: one call per
        100 ids (a deleted one is simply not in the answer)."""
        found: list[Json] = []
        for chunk in limits.chunks(ids, limits.TERRITORY_IDS_PER_GET):
            params = {"ids": ",".join(chunk), "include": wire.INCLUDE_CRITERIA}
            found += await self.requests.pages(TERRITORIES, "territories", params, per_page=None)
        return found

    async def associated_user_counts(self) -> list[Json]:
        template = TERRITORIES + "/actions/associated_users_count"
        return await self.requests.pages(template, "associated_users_count")

    async def list_territory_users(self, territory_id: str) -> list[Json]:
        ids = {"id": territory_id}
        return await self.requests.pages(TERRITORY_USERS, "users", per_page=None, ids=ids)

    async def list_users(self, type_: str = "AllUsers") -> list[Json]:
        return await self.requests.pages("users", "users", {"type": type_})

    async def current_user(self) -> Json | None:
        """The user the token acts as (None if Zoho says no one)."""
        users = await self.requests.pages("users", "users", {"type": "CurrentUser"}, per_page=None)
        return users[0] if users else None

    async def list_roles(self) -> list[Json]:
        return await self.requests.pages("settings/roles", "roles", per_page=None)

    async def list_groups(self) -> list[Json]:
        return await self.requests.pages("settings/user_groups", "user_groups")

    async def list_group_sources(self, group_id: str) -> list[Json]:
        return await self.directory.list_group_sources(group_id)

    async def list_profiles(self) -> list[Json]:
        return await self.directory.list_profiles()

    async def get_org(self) -> Json:
        """The org. Unless the concurrency was fixed, its edition's limit is adopted."""
        orgs = await self.requests.pages("org", "org", per_page=None)
        if not orgs:
            raise bad_shape("GET org", 204, "no org in the answer")
        if not self.fixed_concurrency:
            edition = wire.org_from_wire(orgs[0])["edition"]
            self.session.limit(concurrency_for_edition(edition))
            logger.info("client: %s edition, up to %d calls in flight", edition, self.concurrency)
        return orgs[0]

    async def list_modules(self) -> list[Json]:
        return await self.requests.pages("settings/modules", "modules", per_page=None)

    async def list_fields(self, module: str) -> list[Json]:
        return await self.requests.pages(
            "settings/fields", "fields", {"module": module}, per_page=None
        )

    async def get_data_sharing(self) -> list[Json]:
        """Each module's default sharing, with `rule_computation_running`."""
        return await self.requests.pages("settings/data_sharing", "data_sharing", per_page=None)

    async def list_sharing_rules(self, module: str | None = None) -> list[Json]:
        return await self.requests.pages(
            RULES, "sharing_rules", {"module": module} if module else {}
        )

    async def rules_summary(self, module: str | None = None) -> list[Json]:
        params = {"module": module} if module else {}
        template = RULES + "/actions/summary"
        return await self.requests.pages(template, "sharing_rules_summary", params, per_page=None)

    async def list_audit_exports(self) -> list[Json]:
        """The org's audit-log export jobs (a cheap read that proves the READ scope)."""
        return await self.requests.pages(audit.TEMPLATE, wire.AUDIT_KEY, per_page=None)

    async def read_audit_log(
        self, since: datetime, until: datetime, polling: Polling | None = None
    ) -> list[AuditEntry]:
        """The settings entries of the audit log between two moments: one export job
        (`audit`)."""
        return await audit.read_log(self.session, since, until, polling)

    # Territory and membership writes -------------------------------------------------------

    async def create_territories(self, items: Sequence[Json]) -> list[ItemResult]:
        """Never resent after a failure that may have reached Zoho (MaybeApplied)."""
        return await self.requests.batches(
            "POST", TERRITORIES, "territories", items, TERRITORY_BATCH, Kind.CREATE
        )

    async def update_territories(self, items: Sequence[Json]) -> list[ItemResult]:
        return await self.requests.batches(
            "PUT", TERRITORIES, "territories", items, TERRITORY_BATCH
        )

    async def transfer_and_delete_territories(self, items: Sequence[Json]) -> list[ItemResult]:
        """Items `{id, transfer_to_id, delete_previous_forecasts}`."""
        template = TERRITORIES + "/actions/transfer_and_delete"
        return await self.requests.batches("POST", template, "territories", items, DELETE_BATCH)

    async def delete_territories(
        self, ids: Sequence[str], delete_previous_forecasts: bool = False
    ) -> list[ItemResult]:
        flag = str(delete_previous_forecasts).lower()
        results: list[ItemResult] = []
        for chunk in id_chunks(ids, DELETE_BATCH, IDS_CHARS):
            params = {"ids": ",".join(chunk), "delete_previous_forecasts": flag}
            results += await self.requests.write(
                "DELETE", TERRITORIES, "territories", len(chunk), params=params
            )
        return results

    async def add_territory_users(
        self, territory_id: str, user_ids: Sequence[str]
    ) -> list[ItemResult]:
        items = [{"id": user} for user in user_ids]
        ids = {"id": territory_id}
        return await self.requests.batches(
            "PUT", TERRITORY_USERS, "users", items, TERRITORY_BATCH, ids=ids
        )

    async def remove_territory_users(
        self, territory_id: str, user_ids: Sequence[str]
    ) -> list[ItemResult]:
        return await self._delete_ids(TERRITORY_USERS, "users", territory_id, user_ids)

    async def add_user_territories(
        self, user_id: str, territory_ids: Sequence[str]
    ) -> list[ItemResult]:
        items = [{"id": territory} for territory in territory_ids]
        ids = {"id": user_id}
        return await self.requests.batches(
            "PUT", USER_TERRITORIES, "territories", items, TERRITORY_BATCH, ids=ids
        )

    async def remove_user_territories(
        self, user_id: str, territory_ids: Sequence[str]
    ) -> list[ItemResult]:
        return await self._delete_ids(USER_TERRITORIES, "territories", user_id, territory_ids)

    async def update_data_sharing(self, items: Sequence[Json]) -> list[ItemResult]:
        """Items `{share_type, module: {id, api_name?}}`. A changed default makes Zoho
        recompute the module's sharing, so its next rule write waits for that (`rule_writes`)."""
        results = await self.requests.batches(
            "PUT", "settings/data_sharing", "data_sharing", items, DATA_SHARING_BATCH
        )
        changed = [wire.default_module(i) for i, r in zip(items, results, strict=False) if r.ok]
        self.rules.computing_started(m for m in changed if m is not None)
        return results

    # Sharing-rule writes: one rule per call, after the module's computation (`rule_writes`)

    async def create_sharing_rule(self, module: str, item: Json) -> ItemResult:
        return await self.rules.create(module, item)

    async def update_sharing_rule(self, module: str, rule_id: str, item: Json) -> ItemResult:
        return await self.rules.update(module, rule_id, item)

    async def delete_sharing_rule(self, module: str, rule_id: str) -> ItemResult:
        return await self.rules.delete(module, rule_id)

    async def activate_sharing_rule(self, module: str, rule_id: str) -> ItemResult:
        return await self.rules.activate(module, rule_id)

    async def deactivate_sharing_rule(self, module: str, rule_id: str) -> ItemResult:
        return await self.rules.deactivate(module, rule_id)

    async def _delete_ids(
        self, template: str, key: str, owner: str, ids: Sequence[str]
    ) -> list[ItemResult]:
        results: list[ItemResult] = []
        for chunk in id_chunks(ids, TERRITORY_BATCH, IDS_CHARS):
            params = {"ids": ",".join(chunk)}
            results += await self.requests.write(
                "DELETE", template, key, len(chunk), params=params, ids={"id": owner}
            )
        return results


__all__ = ["ItemResult", "ZohoClient", "concurrency_for_edition"]
