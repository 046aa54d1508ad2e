"""Role, user-group and user writes (REFERENCE §7.1-§7.3): one role per call, up to ten groups
per create, up to ten users per update.

The by-id endpoints name their object in the URL, so Zoho reports that object's own failure
(an unknown id, a group still used by a rule) at request level; those come back as a failed
`ItemResult`, like a per-item error. A group deletion Zoho answers `SCHEDULED` is waited for,
so that a later step (a new group of the same name) never meets it: its job is polled
(`GET …/actions/deletion_jobs?job_id=`, user_groups.json) with growing waits until it is
COMPLETED; FAILED fails the step; a job Zoho no longer knows (204) counts as done once the
group is gone. Zoho gives no list of statuses: any other one is waited on (docs/access.md)."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from reconciler import limits
from reconciler.errors import Unavailable
from reconciler.zoho.base import Json, Requests
from reconciler.zoho.responses import ItemResult, is_request_error, item_results
from reconciler.zoho.retry import Kind
from reconciler.zoho.session import Session
from reconciler.zoho.wire_access import deletion_job_status, scheduled_job

logger = logging.getLogger(__name__)
ROLES, ROLE = "settings/roles", "settings/roles/{id}"
GROUPS, GROUP = "settings/user_groups", "settings/user_groups/{id}"
DELETION_JOBS = "settings/user_groups/actions/deletion_jobs"


def _about_the_object(status: int, body: Any) -> bool:
    """A 400 request-level answer about the object the URL names."""
    details = body.get("details") if isinstance(body, dict) else None
    return status == 400 and is_request_error(body) and isinstance(details, dict)


class DirectoryWriter:
    def __init__(self, session: Session, requests: Requests) -> None:
        self.session, self.requests = session, requests

    async def list_group_sources(self, group_id: str) -> list[Json]:
        return await self.requests.pages(GROUP + "/sources", "sources", ids={"id": group_id})

    async def list_profiles(self) -> list[Json]:
        return await self.requests.pages("settings/profiles", "profiles", per_page=None)

    async def create_role(self, item: Json) -> ItemResult:
        return await self._one("POST", ROLES, "roles", None, {"roles": [item]}, Kind.CREATE)

    async def update_role(self, role_id: str, item: Json) -> ItemResult:
        return await self._one("PUT", ROLE, "roles", role_id, {"roles": [item]})

    async def delete_role(self, role_id: str, transfer_to_id: str) -> ItemResult:
        params = {"transfer_to_id": transfer_to_id}
        return await self._one("DELETE", ROLE, "roles", role_id, None, params=params)

    async def create_groups(self, items: Sequence[Json]) -> list[ItemResult]:
        return await self.requests.batches(
            "POST", GROUPS, "user_groups", items, limits.GROUPS_PER_CALL, Kind.CREATE
        )

    async def update_group(self, group_id: str, item: Json) -> ItemResult:
        return await self._one("PUT", GROUP, "user_groups", group_id, {"user_groups": [item]})

    async def delete_group(self, group_id: str) -> ItemResult:
        result = await self._one("DELETE", GROUP, "user_groups", group_id, None)
        job = scheduled_job(result.details)
        if result.code != "SCHEDULED" or job is None:
            return result
        return await self._until_deleted(group_id, job)

    async def update_users(self, items: Sequence[Json]) -> list[ItemResult]:
        return await self.requests.batches("PUT", "users", "users", items, limits.USERS_PER_CALL)

    async def _one(
        self,
        method: str,
        template: str,
        key: str,
        ident: str | None,
        body: Json | None,
        kind: Kind = Kind.IDEMPOTENT,
        params: Mapping[str, str] | None = None,
    ) -> ItemResult:
        answer = await self.session.call(
            method,
            template,
            ids=None if ident is None else {"id": ident},
            params=params,
            json=body,
            key=key,
            kind=kind,
            accept=_about_the_object,
        )
        if is_request_error(answer.body):
            return ItemResult.from_item(answer.body, answer.status, answer.replayed)
        request = f"{method} {template}"
        return item_results(answer.body, key, answer.status, 1, request, answer.replayed)[0]

    async def _until_deleted(self, group_id: str, job: str) -> ItemResult:
        policy = self.session.retry
        wait, waited = policy.poll_delay / 8, 0.0
        while waited <= policy.recompute_wait:
            answer = await self.session.call("GET", DELETION_JOBS, params={"job_id": job})
            status = deletion_job_status(answer.body)
            if status == "COMPLETED" or (status is None and await self._gone(group_id)):
                return ItemResult(ok=True, code="SUCCESS", message="deleted")
            if status in (None, "FAILED"):
                said = "failed" if status else "is unknown to Zoho and the group is still there"
                message = f"the deletion job {job} of user group {group_id} {said}"
                return ItemResult(ok=False, code=status or "NO_CONTENT", message=message)
            logger.info("apply: group %s is being deleted (job %s: %s)", group_id, job, status)
            self.session.stats.polls += 1
            await self.session.sleep(wait)
            waited, wait = waited + wait, min(wait * 2, policy.max_delay)
        raise Unavailable(
            f"Zoho scheduled the deletion of user group {group_id} (job {job}) and it has not "
            "finished; run apply again later"
        )

    async def _gone(self, group_id: str) -> bool:
        return (await self.session.call("GET", GROUP, ids={"id": group_id})).body is None
