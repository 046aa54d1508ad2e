"""Zoho's "Run Rules" (OAS2 territories.yaml: `POST /settings/territories/actions/run_rules`
and `GET /settings/territories/actions/scheduled_run_rule_jobs`): re-run a module's territory
rules over existing records, as a scheduled job (202 `SCHEDULED`, one job per module at a
time, ALREADY_SCHEDULED otherwise). The job lands `territory_job_s` after it was scheduled.

Records are chosen by criteria (`based_on: criteria`) or by the territories they are in
(`based_on: territory`, with `include_child`); custom views are not modelled. Each chosen
record gets what an edit would give it (assignment.reassign: rule-given territories
recomputed, manual ones kept). Running the account rules also re-derives the contacts of
those accounts and the deals of those accounts and contacts, since both follow their account
(an inference: Zoho's sources do not say; docs/record-impact.md)."""

from __future__ import annotations

import json
from typing import Any

from reconciler.sandbox import territory_jobs
from reconciler.sandbox.call import Call, as_id
from reconciler.sandbox.clock import iso
from reconciler.sandbox.criteria import Criteria, CriteriaError
from reconciler.sandbox.metadata import find_module
from reconciler.sandbox.replies import JsonObj, Reply, ZohoError, no_content, required_param
from reconciler.sandbox.routing import Feature, Route, scopes
from reconciler.sandbox.store import new_id
from reconciler.sandbox.users import org_setting, user_name

SCHEDULED = "Territory rules scheduled successfully.Once done, completion email will be sent."
ALREADY = (
    "Previously scheduled Run Rules Action was not yet Completed. Please try again once it's"
    " completed"
)
DISABLED = {"Leads": "Territory Lead Rule Disabled", "Deals": "Territory Deal Rule Disabled"}
BASED_ON = ("criteria", "custom_view", "territory")


class RunRulesError(ZohoError):
    """An error answered inside `{"run_rules": {...}}`, as the OAS2 examples show."""

    def reply(self) -> Reply:
        body = {"code": self.code, "details": self.details, "message": self.message}
        return Reply(self.status, {"run_rules": {**body, "status": "error"}})


def _fail(code: str, message: str, name: str, **extra: Any) -> RunRulesError:
    details = {"api_name": name, "json_path": f"$.run_rules.{name}", **extra}
    return RunRulesError(400, code, message, details)


def run_rules(call: Call) -> Reply:
    body = call.body()
    spec = body.get("run_rules") if isinstance(body, dict) else None
    if not isinstance(spec, dict):
        raise RunRulesError(
            400,
            "MANDATORY_NOT_FOUND",
            "required field not found",
            {"api_name": "run_rules", "json_path": "$.run_rules"},
        )
    module = _module(call, spec.get("module"))
    run_due(call)
    selection = _selection(call, module, spec)
    pending = call.db.execute(
        "SELECT id FROM territory_jobs WHERE action = 'run_rules' AND module = ? AND done = 0",
        (module,),
    ).fetchone()
    if pending is not None:
        raise ZohoError(400, "ALREADY_SCHEDULED", ALREADY, {"job_id": pending["id"]})
    job = new_id(call.db)
    call.db.execute(
        "INSERT INTO territory_jobs VALUES (?, ?, 'run_rules', ?, ?, ?, 0)",
        (
            job,
            module,
            json.dumps(selection),
            call.user_id,
            call.now + call.settings.territory_job_s,
        ),
    )
    answer = {"code": "SCHEDULED", "details": {"job_id": job}, "message": SCHEDULED}
    return Reply(202, {"run_rules": {**answer, "status": "success"}})


def _module(call: Call, ref: Any) -> str:
    if ref is None:
        raise _fail("MANDATORY_NOT_FOUND", "required field not found", "module")
    name = ref.get("api_name") if isinstance(ref, dict) else None
    if isinstance(ref, dict) and name is None and ref.get("id"):
        by_id = call.db.execute("SELECT api_name FROM modules WHERE id = ?", (as_id(ref["id"]),))
        found = by_id.fetchone()
        name = found[0] if found else None
    row = find_module(call.db, name)
    if row is None or row["api_name"] not in ("Accounts", "Deals", "Leads"):
        raise _fail("INVALID_DATA", "the given value is invalid", "module")
    module = str(row["api_name"])
    if module in DISABLED and module not in (org_setting(call.db, "territory_rule_modules") or []):
        raise RunRulesError(400, "FEATURE_NOT_ENABLED", DISABLED[module], {})
    return module


def _selection(call: Call, module: str, spec: JsonObj) -> JsonObj:
    based_on = spec.get("based_on")
    if based_on is None:
        raise _fail("MANDATORY_NOT_FOUND", "required field not found", "based_on")
    if based_on not in BASED_ON:
        raise _fail(
            "INVALID_DATA", "the given value is invalid", "based_on", supported_values=BASED_ON
        )
    if based_on == "criteria":
        if "criteria" not in spec:
            raise _fail("MANDATORY_NOT_FOUND", "required field not found", "criteria")
        try:
            checked = Criteria.for_module(call.db, module).check(
                spec["criteria"], "$.run_rules.criteria"
            )
        except CriteriaError:
            # The run_rules errors name only the criteria as a whole (RunRulesInvalidData).
            raise _fail("INVALID_DATA", "the given filter value is invalid", "criteria") from None
        return {"criteria": checked}
    if based_on == "custom_view":  # no custom views exist in the sandbox
        raise _fail("INVALID_DATA", "the given value is invalid", "custom_view")
    return {"territories": _territories(call, spec), "include_child": _include_child(spec)}


def _territories(call: Call, spec: JsonObj) -> list[str]:
    listed = spec.get("territories")
    if not isinstance(listed, list) or not listed:
        raise _fail("MANDATORY_NOT_FOUND", "required field not found", "territories")
    found = []
    for i, entry in enumerate(listed[:100]):
        ident = as_id(entry.get("id")) if isinstance(entry, dict) else None
        row = call.db.execute("SELECT id FROM territories WHERE id = ?", (ident,)).fetchone()
        if row is None:
            raise RunRulesError(
                400,
                "INVALID_DATA",
                "the given value is invalid",
                {"api_name": "id", "json_path": f"$.run_rules.territories[{i}].id"},
            )
        found.append(str(row["id"]))
    return found


def _include_child(spec: JsonObj) -> bool:
    value = spec.get("include_child", False)
    if not isinstance(value, bool):
        raise _fail("INVALID_DATA", "invalid data", "include_child", expected_data_type="boolean")
    return value


def run_due(call: Call) -> None:
    territory_jobs.run_due(call.db, call.now, call.settings.record_territory_cap)


def job_status(call: Call) -> Reply:
    job_id = call.query.get("job_id")
    if not job_id:
        raise required_param("job_id")
    run_due(call)
    row = call.db.execute(
        "SELECT * FROM territory_jobs WHERE id = ? AND action = 'run_rules'", (job_id,)
    ).fetchone()
    if row is None:
        return no_content()
    status = "COMPLETED" if row["done"] else "SCHEDULED"
    scheduled = row["due"] - call.settings.territory_job_s
    body = {
        "status": status,
        "job_id": row["id"],
        "scheduled_time": iso(scheduled),
        "scheduled_by": {"name": user_name(call.db, row["user_id"]), "id": row["user_id"]},
    }
    return Reply(200, {"scheduled_run_rule_jobs": body})


ROUTES = [
    Route(
        "POST",
        "/settings/territories/actions/run_rules",
        run_rules,
        scopes("ZohoCRM.settings.territories.UPDATE"),
        True,
        Feature.TERRITORIES,
    ),
    Route(
        "GET",
        "/settings/territories/actions/scheduled_run_rule_jobs",
        job_status,
        scopes("ZohoCRM.settings.territories.READ"),
        False,
        Feature.TERRITORIES,
    ),
]
