"""Read the records a plan's territory changes touch, page by page, and work out where
each lands (plan/impact.py): only the fields the rules use, only the modules that need it,
never all records in memory at once."""

from __future__ import annotations

from reconciler.model import OrgState
from reconciler.plan.impact import Impact, RecordImpact, modules_to_read, rule_fields
from reconciler.zoho import wire
from reconciler.zoho.client import ZohoClient


async def record_impact(client: ZohoClient, live: OrgState, desired: OrgState) -> RecordImpact:
    realign = desired.records.realign if desired.records else {}
    impact = Impact(live, desired, realign)
    me = live.directory.current_user
    for module in modules_to_read(live, desired):
        fields = wire.record_fields(module, rule_fields(desired, module))
        async for page in client.records.pages(module, fields):
            impact.add(module, (wire.record_from_wire(raw, me) for raw in page))
    return impact.result()
