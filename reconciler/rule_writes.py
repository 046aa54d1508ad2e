"""Sharing-rule writes (REFERENCE §6): one rule per call, and Zoho's asynchronous rule
computation waited out.

After a rule write or a data-sharing change Zoho recomputes sharing for the module; until it
finishes, rule writes for that module answer CANNOT_PROCESS (§6.4, §6.5). Such a write is
retried after polling `GET /settings/data_sharing` (the module's `rule_computation_running`)
with growing waits, up to `RetryPolicy.recompute_wait` in all; the polls are counted in
`stats.polls` and logged.

The one-rule endpoints name the rule in the URL, so Zoho reports that rule's own failure
(already active, already inactive, unknown id) at request level; those come back as a failed
`ItemResult` like any per-item error, not as an exception."""

from __future__ import annotations

import logging
from typing import Any

from reconciler.client_base import BaseClient, Json
from reconciler.errors import Unavailable
from reconciler.responses import ItemResult, is_request_error, item_results
from reconciler.retry import Kind

logger = logging.getLogger(__name__)
RULES = "settings/data_sharing/rules"
RULE = RULES + "/{id}"
ACTIVATE = RULE + "/actions/activate"
RULE_ITEM_CODES = {"ID_ALREADY_ACTIVE", "ID_ALREADY_DEACTIVATED", "CANNOT_PROCESS"}


class RuleWrites(BaseClient):
    async def create_sharing_rule(self, module: str, item: Json) -> ItemResult:
        return await self._rule(module, "POST", RULES, None, item, Kind.CREATE)

    async def update_sharing_rule(self, module: str, rule_id: str, item: Json) -> ItemResult:
        return await self._rule(module, "PUT", RULE, rule_id, item)

    async def delete_sharing_rule(self, module: str, rule_id: str) -> ItemResult:
        return await self._rule(module, "DELETE", RULE, rule_id)

    async def activate_sharing_rule(self, module: str, rule_id: str) -> ItemResult:
        return await self._rule(module, "PUT", ACTIVATE, rule_id)

    async def deactivate_sharing_rule(self, module: str, rule_id: str) -> ItemResult:
        return await self._rule(module, "DELETE", ACTIVATE, rule_id)

    async def rules_running(self, module: str) -> bool:
        """Whether Zoho is still computing sharing for `module`."""
        answer = await self.session.call("GET", "settings/data_sharing")
        rows = answer.body.get("data_sharing") if isinstance(answer.body, dict) else None
        for row in rows if isinstance(rows, list) else []:
            name = (row.get("module") or {}).get("api_name") if isinstance(row, dict) else None
            if str(name).lower() == module.lower():
                return bool(row.get("rule_computation_running"))
        return False

    async def _rule(
        self,
        module: str,
        method: str,
        template: str,
        rule_id: str | None,
        item: Json | None = None,
        kind: Kind = Kind.IDEMPOTENT,
    ) -> ItemResult:
        request = f"{method} {template}"
        policy, started, polls = self.session.retry, self.session.clock(), 0
        wait = policy.poll_delay
        while True:
            result = await self._rule_call(module, method, template, rule_id, item, kind)
            if result.code != "CANNOT_PROCESS":
                return result
            while True:
                spent = self.session.clock() - started
                if spent + wait > policy.recompute_wait:
                    raise Unavailable(
                        f"Zoho was still computing sharing rules for {module} after {polls} "
                        f"polls over {spent:.0f}s, so {request} could not be made "
                        "(CANNOT_PROCESS). Large orgs can take a while: run apply again later",
                        code="CANNOT_PROCESS",
                        status=result.status,
                        request=request,
                    )
                await self.session.sleep(wait)
                wait = min(wait * 2, policy.max_delay)
                polls += 1
                self.session.stats.polls += 1
                running = await self.rules_running(module)
                logger.info(
                    "client: poll %d of %s rule computation before %s: %s",
                    polls,
                    module,
                    request,
                    "still running" if running else "done",
                )
                if not running:
                    break

    async def _rule_call(
        self,
        module: str,
        method: str,
        template: str,
        rule_id: str | None,
        item: Json | None,
        kind: Kind,
    ) -> ItemResult:
        answer = await self.session.call(
            method,
            template,
            ids=None if rule_id is None else {"id": rule_id},
            params={"module": module},
            json=None if item is None else {"sharing_rules": [item]},
            key="sharing_rules",
            kind=kind,
            accept=_rule_refusal,
        )
        if is_request_error(answer.body):
            return ItemResult.from_item(answer.body, answer.status, answer.replayed)
        request = f"{method} {template}"
        return item_results(answer.body, "sharing_rules", answer.status, 1, request)[0]


def _rule_refusal(status: int, body: Any) -> bool:
    """A request-level answer that is really about the one rule (or the module being busy)."""
    if status != 400 or not is_request_error(body):
        return False
    details = body.get("details")
    names_rule = isinstance(details, dict) and details.get("resource_path_index") == 3
    return body["code"] in RULE_ITEM_CODES or names_rule
