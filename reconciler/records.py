"""Read the records a plan's territory changes touch, page by page, and work out where
each lands (plan/impact.py): only the fields the rules use, only the modules that need it,
never all records in memory at once."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from reconciler.model import OrgState
from reconciler.plan.impact import Impact, RecordImpact, modules_to_read, rule_fields
from reconciler.plan.restore import HeldNow, RecordWas
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


async def holdings(
    client: ZohoClient, records: Mapping[str, Sequence[RecordWas]]
) -> dict[str, dict[str, list[HeldNow]]]:
    """What each of a snapshot's records holds now, by module and id (100 records a call)."""
    found: dict[str, dict[str, list[HeldNow]]] = {}
    for module, was in records.items():
        rows = await client.records.by_ids(module, [r.id for r in was], [wire.TERRITORIES_FIELD])
        found[module] = {str(row.get("id")): wire.held_now(row) for row in rows}
    return found
