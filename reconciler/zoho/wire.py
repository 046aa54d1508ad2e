"""Zoho's JSON <-> the model. The only module that knows Zoho's field names.

Reads turn Zoho objects into model values (ids kept on the live side, names resolved
through lookups the caller passes in). Writes turn plan steps into request items, with the
ids the apply has resolved. Zoho's quirks are absorbed here: group operators in either
case, numbers sent as text, empty descriptions as null, lookups as `{id, name}`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from reconciler.characters import escaped
from reconciler.model import (
    Access,
    Comparator,
    Condition,
    Criteria,
    Group,
    Named,
    Permission,
    Principal,
    PrincipalKind,
    ShareType,
    SharingRule,
    Territory,
    User,
)
from reconciler.plan.attribution import AuditEntry
from reconciler.plan.impact import Held, RecordRow
from reconciler.plan.restore import HeldNow
from reconciler.plan.steps import PrincipalRef, RulePayload, TerritoryFields
from reconciler.zoho.wire_access import user_profile

CRITERIA_KEYS = {
    "account_rule": "account_rule_criteria",
    "deal_rule": "deal_rule_criteria",
    "lead_rule": "lead_rule_criteria",
}
INCLUDE_CRITERIA = ",".join(CRITERIA_KEYS.values())
PRINCIPAL_TYPES = {
    PrincipalKind.role: "roles",
    PrincipalKind.group: "groups",
    PrincipalKind.all_users: "all_users",
}
PRINCIPAL_KINDS = {v: k for k, v in PRINCIPAL_TYPES.items()}
Json = dict[str, Any]


# -- reads ------------------------------------------------------------------------------


def criteria_from_wire(raw: Json) -> Criteria:
    if "group" in raw:
        operator = str(raw.get("group_operator", "and")).lower()
        inner = tuple(criteria_from_wire(item) for item in raw["group"])
        return Group(operator="or" if operator == "or" else "and", criteria=inner)
    field = raw.get("field") or {}
    name = field.get("api_name") if isinstance(field, dict) else field
    return Condition(field=str(name), comparator=Comparator(raw["comparator"]), value=_value(raw))


def _value(raw: Json) -> Any:
    value = raw.get("value")
    if isinstance(value, list):
        return [_lookup(v) for v in value]
    return _lookup(value)


def _lookup(value: Any) -> Any:
    # Lookup values arrive as objects; the YAML names them by id.
    return value.get("id", value.get("name")) if isinstance(value, dict) else value


def territory_from_wire(
    raw: Json,
    names_by_id: Mapping[str, str],
    emails_by_id: Mapping[str, str],
    members: tuple[str, ...] | None,
) -> Territory:
    """A live territory with every field stated; `members` is None when not read."""
    parent = raw.get("reporting_to") or None
    manager = raw.get("manager") or None
    values: dict[str, Any] = {
        "id": str(raw["id"]),
        "name": escaped(raw["name"]),
        "parent": names_by_id.get(str(parent["id"]), escaped(parent.get("name") or ""))
        if parent
        else None,
        "manager": emails_by_id.get(str(manager["id"])) if manager else None,
        "permission": Permission(raw.get("permission_type") or Permission.read_write_delete),
        "description": raw.get("description") or None,
        "users": members,
    }
    for field, key in CRITERIA_KEYS.items():
        found = raw.get(key)
        values[field] = criteria_from_wire(found) if found else None
    return Territory(**values)


def user_from_wire(raw: Json) -> User:
    role = raw.get("role") or {}
    return User(
        id=str(raw["id"]),
        email=escaped(str(raw.get("email") or "")),
        name=escaped(str(raw.get("full_name") or raw.get("name") or "")),
        status=str(raw.get("status") or "active"),
        role=escaped(str(role.get("name"))) if isinstance(role, dict) else None,
        profile=user_profile(raw),
    )


def named_from_wire(raw: Json) -> Named:
    """A role or user group: id and the display name YAML uses."""
    name = escaped(str(raw.get("name") or raw.get("display_label")))
    return Named(id=str(raw["id"]), name=name)


def module_from_wire(raw: Json) -> Named:
    """A module as data-sharing settings name it: its API name."""
    module = raw.get("module", raw)
    return Named(id=str(module["id"]), name=str(module["api_name"]))


def member_ids(raw_users: list[Json]) -> list[str]:
    return [str(u["id"]) for u in raw_users]


def user_count(raw: Json) -> tuple[str, int]:
    """One entry of the associated-users count: (territory id, members)."""
    return str(raw["territory"]["id"]), int(raw.get("count") or 0)


def field_names(raw_fields: list[Json]) -> tuple[str, ...]:
    return tuple(sorted(str(f["api_name"]) for f in raw_fields if f.get("api_name")))


def defaults_from_wire(raw: list[Json]) -> dict[str, ShareType]:
    return {
        str(item["module"]["api_name"]): ShareType(item["share_type"])
        for item in raw
        if item.get("share_type") in ShareType.__members__
    }


def computing(raw_defaults: list[Json], module: str) -> bool:
    """Whether Zoho is still recomputing sharing for `module`."""
    return computing_by_module(raw_defaults).get(module.lower(), False)


def computing_by_module(raw_defaults: Any) -> dict[str, bool]:
    """Each module's `rule_computation_running`, by lower-cased API name."""
    found: dict[str, bool] = {}
    for row in raw_defaults if isinstance(raw_defaults, list) else []:
        name = default_module(row) if isinstance(row, dict) else None
        if name is not None:
            found[name.lower()] = bool(row.get("rule_computation_running"))
    return found


def default_module(item: Json) -> str | None:
    """The module API name of a data-sharing entry (read or written)."""
    module = item.get("module")
    name = module.get("api_name") if isinstance(module, dict) else None
    return str(name) if name else None


def ident(raw: Json) -> str:
    """Any Zoho object's id, as the string Zoho sends."""
    return str(raw["id"])


def name_of(raw: Json) -> str:
    return escaped(str(raw["name"]))


def is_root_territory(raw: Json) -> bool:
    return raw.get("reporting_to") is None


def rule_module(raw: Json) -> str | None:
    """The module a listed sharing rule belongs to, when the listing says."""
    return default_module(raw)


def error_field(details: Any) -> str | None:
    """The field a per-item error points at (`details.api_name`)."""
    return details.get("api_name") if isinstance(details, dict) else None


def error_path_index(details: Any) -> int | None:
    """The URL segment a request-level error points at (`details.resource_path_index`)."""
    return details.get("resource_path_index") if isinstance(details, dict) else None


def rule_from_wire(raw: Json, names_by_id: Mapping[str, str]) -> SharingRule:
    """A live sharing rule; role and group ids become names through `names_by_id`."""
    source = raw.get("shared_from")
    criteria = raw.get("criteria")
    values: dict[str, Any] = {
        "id": str(raw["id"]),
        "name": escaped(str(raw["name"])),
        "to": _principal(raw["shared_to"], names_by_id),
        "access": Access(raw.get("permission_type") or Access.read),
        "superiors": bool(raw.get("superiors_allowed")),
        "active": raw.get("status", "active") == "active",
    }
    if raw.get("type") == "Criteria_Based" and criteria:
        values["criteria"] = criteria_from_wire(criteria)
    elif source:
        values["from"] = _principal(source, names_by_id)
    return SharingRule(**values)


def _principal(raw: Json, names_by_id: Mapping[str, str]) -> Principal:
    kind = PRINCIPAL_KINDS[raw["type"]]
    if kind is PrincipalKind.all_users:
        return Principal(kind=kind)
    resource = raw.get("resource") or {}
    rid = str(resource.get("id"))
    name = names_by_id.get(rid, escaped(str(resource.get("name") or rid)))
    subordinates = bool(raw.get("subordinates")) and kind is PrincipalKind.role
    return Principal(kind=kind, name=name, subordinates=subordinates)


def org_from_wire(raw: Json) -> Json:
    """The few org facts the tool uses: id, name, edition, users licensed."""
    license_details = raw.get("license_details") or {}
    users = license_details.get("users_license_purchased")
    return {
        "id": str(raw.get("id") or ""),
        "name": str(raw.get("company_name") or ""),
        "edition": str(license_details.get("paid_type") or raw.get("edition") or ""),
        "users": users if isinstance(users, int) and not isinstance(users, bool) else None,
        "type": str(raw.get("type") or ""),
    }


# -- writes -----------------------------------------------------------------------------


def criteria_to_wire(criteria: Criteria) -> Json:
    if isinstance(criteria, Group):
        return {
            "group_operator": criteria.operator.upper(),
            "group": [criteria_to_wire(c) for c in criteria.criteria],
        }
    value: Any = list(criteria.value) if isinstance(criteria.value, tuple) else criteria.value
    return {
        "field": {"api_name": criteria.field},
        "comparator": criteria.comparator.value,
        "value": value,
    }


def territory_to_wire(
    fields: TerritoryFields, ids: Mapping[str, str | None], territory_id: str | None = None
) -> Json:
    """A create or update item with only the fields the step sets. `ids` holds the resolved
    ids of `parent` and `manager` refs."""
    given = fields.model_fields_set
    item: Json = {} if territory_id is None else {"id": territory_id}
    if "name" in given:
        item["name"] = fields.name
    if "parent" in given:
        item["reporting_to"] = {"id": ids["parent"]}
    if "manager" in given:
        item["manager"] = {"id": ids["manager"]} if fields.manager is not None else None
    if "permission" in given or territory_id is None:
        item["permission_type"] = (fields.permission or Permission.read_write_delete).value
    if "description" in given:
        item["description"] = fields.description
    for field, key in CRITERIA_KEYS.items():
        if field in given:
            value = getattr(fields, field)
            item[key] = criteria_to_wire(value) if value is not None else None
    return item


def transfer_item(territory_id: str, transfer_to_id: str) -> Json:
    return {"id": territory_id, "transfer_to_id": transfer_to_id}


def default_to_wire(module_id: str, module: str, share: ShareType) -> Json:
    return {"share_type": share.value, "module": {"id": module_id, "api_name": module}}


def rule_to_wire(payload: RulePayload, rule_id: str | None = None) -> Json:
    """A whole rule as Zoho takes it on create and update (never `status`)."""
    item: Json = {} if rule_id is None else {"id": rule_id}
    item["name"] = payload.name
    item["type"] = "Criteria_Based" if payload.criteria is not None else "Record_Owner_Based"
    item["superiors_allowed"] = payload.superiors
    item["permission_type"] = payload.access.value
    item["shared_to"] = _principal_to_wire(payload.target)
    if payload.criteria is not None:
        item["criteria"] = criteria_to_wire(payload.criteria)
    elif payload.source is not None:
        item["shared_from"] = _principal_to_wire(payload.source)
    return item


def _principal_to_wire(principal: PrincipalRef) -> Json:
    kind = PRINCIPAL_TYPES[principal.kind]
    if principal.kind is PrincipalKind.all_users:
        return {"type": kind, "subordinates": False}
    return {
        "type": kind,
        "resource": {"id": principal.id},
        "subordinates": principal.subordinates,
    }


# -- records (REFERENCE §4.3) -------------------------------------------------------------

TERRITORIES_FIELD = "Territories"
ACCOUNT_LINK, CONTACT_LINK = "Account_Name", "Contact_Name"
LINKS = {"Contacts": (ACCOUNT_LINK,), "Deals": (ACCOUNT_LINK, CONTACT_LINK)}
# The field every record of a module has, for a Run Rules criterion that takes them all.
NAME_FIELDS = {"Accounts": "Account_Name", "Deals": "Deal_Name", "Leads": "Last_Name"}


def record_fields(module: str, rule_fields: Iterable[str]) -> list[str]:
    """What a record read asks for: the rules' fields, the links, the territories."""
    return sorted({*rule_fields, *LINKS.get(module, ())}) + [TERRITORIES_FIELD]


def record_from_wire(raw: Json, me: str | None) -> RecordRow:
    held = tuple(
        Held(
            name=_territory_name(t),
            manual=t.get("$assigned") == "manually",
            ours=t.get("$assigned") == "manually" and _ref_id(t.get("$assigned_by")) == me,
        )
        for t in _territories_held(raw)
    )
    return RecordRow(
        id=str(raw.get("id")),
        values=raw,
        held=held,
        account=_ref_id(raw.get(ACCOUNT_LINK)),
        contact=_ref_id(raw.get(CONTACT_LINK)),
    )


def _ref_id(value: Any) -> str | None:
    return str(value["id"]) if isinstance(value, dict) and value.get("id") else None


def territory_items(record_id: str, territory_ids: Iterable[str]) -> Json:
    return {"id": record_id, TERRITORIES_FIELD: [{"id": t} for t in territory_ids]}


def held_now(raw: Json) -> list[HeldNow]:
    """The territories a record holds, with their ids and how each was assigned."""
    return [
        HeldNow(
            id=str(t.get("id")), name=_territory_name(t), manual=t.get("$assigned") == "manually"
        )
        for t in _territories_held(raw)
    ]


def _territories_held(raw: Json) -> list[Json]:
    return [t for t in raw.get(TERRITORIES_FIELD) or [] if isinstance(t, dict)]


def _territory_name(held: Json) -> str:
    return str(held.get("Name") or held.get("name") or "")


def held_territory_ids(raw: Json) -> set[str]:
    return {str(t.get("id")) for t in raw.get(TERRITORIES_FIELD) or [] if isinstance(t, dict)}


def run_rules_body(module: str) -> Json:
    """Run Rules over every record of the module (its name field is never empty)."""
    every = {
        "field": {"api_name": NAME_FIELDS[module]},
        "comparator": "equal",
        "value": "${NOTEMPTY}",
    }
    return {
        "run_rules": {"module": {"api_name": module}, "based_on": "criteria", "criteria": every}
    }


# -- the audit log (REFERENCE §7.6) ---------------------------------------------------------

AUDIT_KEY = "audit_log_export"
# Columns of the export's CSV, under the names read here (lower case, `_` for blanks). Zoho
# documents none; the sandbox writes these, and the criteria's api names lead.
AUDIT_COLUMNS = {
    "time": ("audited_time", "audited_on", "time"),
    "user": ("done_by", "user", "user_name"),
    "user_id": ("done_by_id", "user_id"),
    "action": ("action",),
    "area": ("module", "entity"),
    "record_id": ("record_id", "entity_id"),
    "record_name": ("record_name", "entity_name"),
    "field": ("field", "field_name"),
    "old": ("old_value",),
    "new": ("new_value",),
}


def audit_window(since: datetime, until: datetime) -> Json:
    """Criteria for the entries audited between two moments, widened to whole seconds
    (Zoho's times have no fractions)."""
    since = since.replace(microsecond=0)
    if until.microsecond:
        until = until.replace(microsecond=0) + timedelta(seconds=1)
    return {
        AUDIT_KEY: [
            {
                "criteria": {
                    "field": {"api_name": "audited_time"},
                    "comparator": "between",
                    "value": [
                        since.isoformat(timespec="seconds"),
                        until.isoformat(timespec="seconds"),
                    ],
                }
            }
        ]
    }


def audit_job_id(body: Any) -> str | None:
    """The id of the job a create (SCHEDULED) or an ALREADY_SCHEDULED answer names."""
    items = body.get(AUDIT_KEY) if isinstance(body, dict) else None
    first = items[0] if isinstance(items, list) and items and isinstance(items[0], dict) else {}
    details = first.get("details")
    ident = details.get("id") if isinstance(details, dict) else None
    return str(ident) if ident is not None else None


def audit_code(body: Any) -> str | None:
    items = body.get(AUDIT_KEY) if isinstance(body, dict) else None
    if isinstance(items, list) and items and isinstance(items[0], dict):
        return str(items[0].get("code"))
    return str(body.get("code")) if isinstance(body, dict) and "code" in body else None


def audit_job(body: Any) -> tuple[str, list[str]]:
    """(status in lower case, download links) of a job as GET by id answers it."""
    items = body.get(AUDIT_KEY) if isinstance(body, dict) else None
    job = items[0] if isinstance(items, list) and items and isinstance(items[0], dict) else {}
    links = job.get("download_links") or []
    return str(job.get("status", "")).lower(), [str(link) for link in links if link]


def audit_entry(row: Mapping[str, str], columns: Mapping[str, str]) -> AuditEntry | None:
    """One CSV row as an entry; `columns` maps our names to the file's headers. None for a
    row without a readable time."""
    values = {ours: (row.get(theirs) or "").strip() for ours, theirs in columns.items()}
    try:
        moment = datetime.fromisoformat(values.get("time", ""))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return AuditEntry(
        time=moment,
        user=values.get("user", ""),
        user_id=values.get("user_id", ""),
        action=values.get("action", "").lower(),
        area=values.get("area", ""),
        record_id=values.get("record_id", ""),
        record_name=values.get("record_name", ""),
        field=values.get("field") or None,
        old=values.get("old") or None,
        new=values.get("new") or None,
    )


def audit_columns(headers: Sequence[str]) -> dict[str, str]:
    """Our names -> the file's headers, matched case-insensitively, blanks as `_`."""
    found = {h.strip().lower().replace(" ", "_"): h for h in headers}
    columns: dict[str, str] = {}
    for ours, names in AUDIT_COLUMNS.items():
        header = next((found[name] for name in names if name in found), None)
        if header is not None:
            columns[ours] = header
    return columns
