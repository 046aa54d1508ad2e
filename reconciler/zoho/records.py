"""The record calls of territory realignment (REFERENCE §4.3, OAS2 territories.yaml): the
record list read page by page (`page_token` past 2,000 records), manual assignment and
removal ten records a call, and Zoho's "Run Rules" job with its status."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Any

from reconciler import limits
from reconciler.zoho.base import Json, Requests
from reconciler.zoho.responses import ItemResult, bad_shape
from reconciler.zoho.session import Session

RECORDS = "{module}"
ASSIGN = "{module}/actions/assign_territories"
REMOVE = "{module}/actions/remove_territories"
RUN_RULES = "settings/territories/actions/run_rules"
RUN_RULES_JOB = "settings/territories/actions/scheduled_run_rule_jobs"


class RecordCalls:
    def __init__(self, session: Session) -> None:
        self.session = session
        self.requests = Requests(session)

    async def pages(self, module: str, fields: Sequence[str]) -> AsyncIterator[list[Json]]:
        """Every record of `module`, one page (200) at a time, with only `fields`."""
        params: dict[str, Any] = {"fields": ",".join(fields), "per_page": limits.RECORDS_PAGE}
        page, token = 1, None
        while True:
            query = {**params, **({"page_token": token} if token else {"page": page})}
            answer = await self.session.call("GET", RECORDS, ids={"module": module}, params=query)
            if answer.body is None:
                return
            rows = answer.body.get("data") if isinstance(answer.body, dict) else None
            if not isinstance(rows, list):
                raise bad_shape(f"GET {module}", answer.status, "no 'data' list")
            yield rows
            info = answer.body.get("info") or {}
            if not info.get("more_records"):
                return
            page, token = page + 1, info.get("next_page_token")
            if token is None and page * limits.RECORDS_PAGE > limits.RECORDS_BY_PAGE_NUMBER:
                raise bad_shape(f"GET {module}", answer.status, "no next_page_token past 2,000")

    async def by_ids(self, module: str, ids: Sequence[str], fields: Sequence[str]) -> list[Json]:
        """The records with these ids (at most 100 a call)."""
        rows: list[Json] = []
        for chunk in limits.chunks(list(ids), limits.RECORD_IDS_PER_CALL):
            params = {"ids": ",".join(chunk), "fields": ",".join(fields)}
            answer = await self.session.call("GET", RECORDS, ids={"module": module}, params=params)
            if isinstance(answer.body, dict):
                rows += answer.body.get("data") or []
        return rows

    async def assign(self, module: str, items: Sequence[Json]) -> list[ItemResult]:
        """Items `{id, Territories: [{id}]}`; a result may be SCHEDULED (202) with a job id."""
        return await self.requests.batches(
            "POST",
            ASSIGN,
            "data",
            items,
            limits.RECORD_ASSIGNMENTS_PER_CALL,
            ids={"module": module},
        )

    async def remove(self, module: str, items: Sequence[Json]) -> list[ItemResult]:
        return await self.requests.batches(
            "POST",
            REMOVE,
            "data",
            items,
            limits.RECORD_ASSIGNMENTS_PER_CALL,
            ids={"module": module},
        )

    async def run_rules(self, body: Json) -> str:
        """Schedule Zoho's Run Rules; returns the job id."""
        answer = await self.session.call("POST", RUN_RULES, json=body)
        found = answer.body.get("run_rules") if isinstance(answer.body, dict) else None
        job = (found or {}).get("details", {}).get("job_id") if isinstance(found, dict) else None
        if answer.status >= 400 or not job:
            code = found.get("code") if isinstance(found, dict) else None
            message = found.get("message") if isinstance(found, dict) else None
            raise bad_shape(f"POST {RUN_RULES}", answer.status, f"{code}: {message}")
        return str(job)

    async def rules_job(self, job_id: str) -> str | None:
        """The run-rules job's status (SCHEDULED, IN_PROGRESS, COMPLETED, FAILED); None when
        Zoho knows no such job."""
        answer = await self.session.call("GET", RUN_RULES_JOB, params={"job_id": job_id})
        if not isinstance(answer.body, dict):
            return None
        return str((answer.body.get("scheduled_run_rule_jobs") or {}).get("status") or "")
