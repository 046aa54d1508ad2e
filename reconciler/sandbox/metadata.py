"""`GET /org`, `GET /settings/modules` and `GET /settings/fields?module=`: just enough org
metadata for a client to learn the edition, the module ids data sharing needs, and the field
names that rule criteria may use."""

from __future__ import annotations

import json
import sqlite3

from reconciler.sandbox.call import Call
from reconciler.sandbox.clock import iso
from reconciler.sandbox.replies import JsonObj, Reply, ZohoError, mandatory_missing, no_content
from reconciler.sandbox.routing import Route, scopes
from reconciler.sandbox.store import fetch_one, get_meta
from reconciler.sandbox.users import admin_ref

JSON_TYPES = {
    "integer": "integer",
    "bigint": "integer",
    "currency": "double",
    "double": "double",
    "decimal": "double",
    "percent": "double",
    "boolean": "boolean",
    "lookup": "jsonobject",
    "ownerlookup": "jsonobject",
    "multiselectpicklist": "jsonarray",
    "fileupload": "jsonarray",
}
CURRENCY_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "INR": "₹", "JPY": "¥"}


def org_json(db: sqlite3.Connection) -> JsonObj:
    org = json.loads(get_meta(db, "org") or "{}")
    users = db.execute("SELECT COUNT(*) AS n FROM users WHERE status != 'deleted'").fetchone()
    admin = admin_ref(db)
    return {
        "id": get_meta(db, "org_id"),
        "company_name": org["name"],
        "alias": None,
        "domain_name": "org" + str(get_meta(db, "org_id"))[-8:],
        "primary_email": org.get("primary_email") or "",
        "primary_zuid": "70000001",
        "zgid": "80000001",
        "ezgid": "80000001",
        "zia_zgid": 80000001,
        "zia_portal_id": None,
        "country": org["country_code"],
        "country_code": org["country_code"],
        "iso_code": org["currency"],
        "currency": org["currency"],
        "currency_symbol": CURRENCY_SYMBOLS.get(org["currency"], org["currency"]),
        "currency_locale": "en_" + org["country_code"],
        "time_zone": org["time_zone"],
        "phone": "",
        "mobile": None,
        "fax": None,
        "street": None,
        "city": None,
        "state": None,
        "zip": None,
        "description": None,
        "photo_id": None,
        "website": "www." + org["domain"],
        "employee_count": "",
        "mc_status": False,
        "gapps_enabled": False,
        "translation_enabled": False,
        "deletable_org_account": False,
        "privacy_settings": False,
        "hipaa_compliance_enabled": False,
        "lite_users_enabled": False,
        "max_per_page": 200,
        "call_icon": "",
        "oauth_presence": True,
        "checkin_preferences": {"restricted_event_types": None},
        "hierarchy_preferences": {"type": "Role_Hierarchy", "strictly_reporting": False},
        "license_details": {
            "paid": org["edition"] != "free",
            "paid_type": org["edition"],
            "paid_expiry": "2099-12-31T00:00:00+00:00",
            "users_license_purchased": users["n"],
            "trial_type": None,
            "trial_expiry": None,
            "trial_action": "",
        },
        "type": "Production",
        "created_time": iso(float(get_meta(db, "created_at") or "0")),
        "primary_admin": admin,
    }


def get_org(call: Call) -> Reply:
    return Reply(200, {"org": [org_json(call.db)]})


def module_json(db: sqlite3.Connection, row: sqlite3.Row) -> JsonObj:
    return {
        "id": row["id"],
        "api_name": row["api_name"],
        "module_name": row["plural_label"],
        "singular_label": row["singular_label"],
        "plural_label": row["plural_label"],
        "api_supported": True,
        "creatable": True,
        "editable": True,
        "deletable": True,
        "viewable": True,
        "visible": True,
        "generated_type": "default",
        "sequence_number": row["seq"],
        "modified_time": iso(float(get_meta(db, "created_at") or "0")),
        "modified_by": admin_ref(db),
        "profiles": [],
        "visibility": 1,
        "status": "visible",
        "description": None,
    }


def list_modules(call: Call) -> Reply:
    rows = call.db.execute("SELECT * FROM modules ORDER BY seq").fetchall()
    return Reply(200, {"modules": [module_json(call.db, row) for row in rows]})


def find_module(db: sqlite3.Connection, api_name: str | None) -> sqlite3.Row | None:
    if not api_name:
        return None
    return fetch_one(db, "SELECT * FROM modules WHERE api_name = ? COLLATE NOCASE", (api_name,))


def field_json(row: sqlite3.Row) -> JsonObj:
    return {
        "id": row["id"],
        "api_name": row["api_name"],
        "field_label": row["label"],
        "display_label": row["label"],
        "data_type": row["data_type"],
        "json_type": JSON_TYPES.get(row["data_type"], "string"),
        "custom_field": False,
        "read_only": False,
        "visible": True,
        "system_mandatory": False,
    }


def list_fields(call: Call) -> Reply:
    if not call.query.get("module"):
        raise mandatory_missing("module")  # fields.json's only error for this case
    module = find_module(call.db, call.query["module"])
    if module is None:
        raise ZohoError(
            400,
            "INVALID_MODULE",
            "the module name given seems to be invalid",
            {"api_name": "module"},
        )
    rows = call.db.execute(
        "SELECT * FROM fields WHERE module = ? ORDER BY seq", (module["api_name"],)
    ).fetchall()
    return Reply(200, {"fields": [field_json(row) for row in rows]}) if rows else no_content()


ROUTES = [
    Route("GET", "/org", get_org, scopes("ZohoCRM.org.READ")),
    Route("GET", "/settings/modules", list_modules, scopes("ZohoCRM.settings.modules.READ")),
    Route("GET", "/settings/fields", list_fields, scopes("ZohoCRM.settings.fields.READ")),
]
