"""`POST /{module}/actions/assign_territories` and `.../remove_territories` (REFERENCE §4.3):
manual assignments. A territory assigned here is `$assigned: manually`, by the caller, and
stays until removed by this API; rule-given territories cannot be removed here.

With `schedule_territory_jobs` set (Zoho schedules the work when an org offloads territory
assignment), every item is checked at once and the accepted ones answer `SCHEDULED` with a
`job_id` under HTTP 202; the job lands `territory_job_s` later (territory_jobs.py)."""

from __future__ import annotations

import sqlite3
from typing import Any

from reconciler.sandbox import territory_jobs
from reconciler.sandbox.assignment import AUTOMATIC, record_cap
from reconciler.sandbox.call import Call, as_id, field_error, item_object
from reconciler.sandbox.records import module_row, named_record
from reconciler.sandbox.replies import ItemError, JsonObj, Reply, batch, each, success_item
from reconciler.sandbox.routing import Feature, Route, scopes

ASSIGNED = "the territories data updated successfully"
REMOVED = "the territories data removed successfully"
SCHEDULED = {
    "assign": "Territory assignment process scheduled successfully",
    "remove": "Territory removal process scheduled successfully",
}
BAD_ID = "the id given seems to be invalid"
SYSTEM_ASSIGNED = "Territory id which you are trying to remove was system assigned"


def assign(call: Call) -> Reply:
    return _bulk(call, "assign")


def remove(call: Call) -> Reply:
    return _bulk(call, "remove")


def _bulk(call: Call, action: str) -> Reply:
    module = module_row(call, for_territories=True)
    territory_jobs.run_due(call.db, call.now, call.settings.record_territory_cap)
    limit = 1 if "record" in call.params else call.settings.territory_assign_batch_limit
    items = call.items("data", limit)
    check = _check_assign if action == "assign" else _check_remove
    checked = [each(check, call, module, item, i) for i, item in enumerate(items)]
    accepted = [c for c in checked if c.get("status") == "checked"]
    work = [(c["details"]["id"], c["territories"]) for c in accepted]
    if call.settings.schedule_territory_jobs and accepted:
        job = territory_jobs.schedule(call, module["api_name"], action, work)
        results = [_scheduled(c, job, action) if c in accepted else c for c in checked]
        return batch("data", results, 202, call.settings.mixed_batch_status)
    territory_jobs.carry_out(call.db, module["api_name"], action, work, call.user_id, call.now)
    done = ASSIGNED if action == "assign" else REMOVED
    results = [success_item(done, c["details"]) if c in accepted else c for c in checked]
    return batch("data", results, 200, call.settings.mixed_batch_status)


def _scheduled(checked: JsonObj, job: str, action: str) -> JsonObj:
    details = {**checked["details"], "job_id": job}
    return success_item(SCHEDULED[action], details, code="SCHEDULED")


def _targets(
    call: Call, module: sqlite3.Row, item: Any, index: int
) -> tuple[sqlite3.Row, list[str]]:
    """The record an item names and the territory ids it lists, both checked to exist."""
    item = item_object(item, index)
    record = named_record(call, module["api_name"], item, index)
    listed = item.get("Territories")
    if not isinstance(listed, list) or not listed:
        raise ItemError(
            field_error(
                "MANDATORY_NOT_FOUND",
                "required field not found",
                "Territories",
                f"$.data[{index}].Territories",
            )
        )
    return record, [
        _territory_id(call, t, f"$.data[{index}].Territories[{j}].id") for j, t in enumerate(listed)
    ]


def _territory_id(call: Call, entry: Any, at: str) -> str:
    if not isinstance(entry, dict) or "id" not in entry:
        raise ItemError(field_error("MANDATORY_NOT_FOUND", "required field not found", "id", at))
    row = call.db.execute(
        "SELECT id FROM territories WHERE id = ?", (as_id(entry["id"]),)
    ).fetchone()
    if row is None:
        raise ItemError(field_error("INVALID_DATA", BAD_ID, "id", at))
    return str(row["id"])


def _held(db: sqlite3.Connection, record: sqlite3.Row) -> dict[str, str]:
    """territory id -> how it was assigned, for the record's current territories."""
    rows = db.execute(
        "SELECT territory_id, assigned FROM record_territories WHERE module = ? AND record_id = ?",
        (record["module"], record["id"]),
    )
    return {str(r[0]): str(r[1]) for r in rows}


def _checked(record: sqlite3.Row, territories: list[str]) -> JsonObj:
    return {"status": "checked", "details": {"id": record["id"]}, "territories": territories}


def _check_assign(call: Call, module: sqlite3.Row, item: Any, index: int) -> JsonObj:
    record, wanted = _targets(call, module, item, index)
    current = _held(call.db, record)
    for j, ident in enumerate(wanted):
        if ident in current or ident in wanted[:j]:
            raise ItemError(
                field_error(
                    "DUPLICATE_DATA",
                    "Given Territory already exists for that record",
                    "id",
                    f"$.data[{index}].Territories[{j}].id",
                )
            )
    cap = record_cap(module, call.settings.record_territory_cap)
    if len(current) + len(wanted) > cap:
        raise ItemError(
            field_error(
                "LIMIT_EXCEEDED",
                "Maximum limit of territories for that record exceeds",
                "Territories",
                f"$.data[{index}].Territories",
                limit=cap,
            )
        )
    return _checked(record, wanted)


def _check_remove(call: Call, module: sqlite3.Row, item: Any, index: int) -> JsonObj:
    record, wanted = _targets(call, module, item, index)
    current = _held(call.db, record)
    for j, ident in enumerate(wanted):
        at = f"$.data[{index}].Territories[{j}].id"
        if ident not in current:
            raise ItemError(field_error("INVALID_DATA", BAD_ID, "id", at))
        if current[ident] == AUTOMATIC:
            raise ItemError(field_error("NOT_ALLOWED", SYSTEM_ASSIGNED, "id", at))
    return _checked(record, wanted)


UPDATE = scopes("ZohoCRM.modules.UPDATE", "ZohoCRM.modules.{module}.UPDATE")
ROUTES = [
    Route(
        "POST", "/{module}/actions/assign_territories", assign, UPDATE, True, Feature.TERRITORIES
    ),
    Route(
        "POST",
        "/{module}/{record}/actions/assign_territories",
        assign,
        UPDATE,
        True,
        Feature.TERRITORIES,
    ),
    Route(
        "POST", "/{module}/actions/remove_territories", remove, UPDATE, True, Feature.TERRITORIES
    ),
    Route(
        "POST",
        "/{module}/{record}/actions/remove_territories",
        remove,
        UPDATE,
        True,
        Feature.TERRITORIES,
    ),
]
