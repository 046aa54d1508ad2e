"""Record reads (REFERENCE §4.3, record.json): `GET /{module}` with `fields`, `ids`,
`territory_id` and `include_child`, paged by `page`/`per_page` up to 2,000 records and by
`page_token` beyond; `GET /{module}/{id}`. Records carry `Territories` with `$assigned`
("automatically" or "manually"), `$assigned_by` and `$assigned_time`."""

from __future__ import annotations

import base64
import json
import sqlite3
from typing import Any

from reconciler.sandbox import territory_jobs
from reconciler.sandbox.call import Call, as_id, field_error, split_ids
from reconciler.sandbox.clock import iso
from reconciler.sandbox.metadata import find_module
from reconciler.sandbox.replies import (
    ItemError,
    JsonObj,
    Reply,
    ZohoError,
    info,
    invalid_param,
    no_content,
    required_param,
)
from reconciler.sandbox.routing import Route, scopes
from reconciler.sandbox.store import fetch_one
from reconciler.sandbox.users import user_name

MAX_PER_PAGE = 200
DISCRETE_LIMIT = 2000  # records reachable by page/per_page; page_token goes further
MAX_FIELDS = 50
TOKEN_LIFETIME_S = 86_400.0
SYSTEM_FIELDS = ("Owner", "Created_Time", "Modified_Time", "Territories")
# Lookups Zoho's standard modules always have, whether or not a seed lists them as fields.
STANDARD_LOOKUPS = {"Contacts": ("Account_Name",), "Deals": ("Account_Name", "Contact_Name")}


def module_row(call: Call, for_territories: bool = False) -> sqlite3.Row:
    module = find_module(call.db, call.params["module"])
    if module is None:
        raise ZohoError(
            400,
            "INVALID_MODULE",
            "the module name given seems to be invalid",
            {"resource_path_index": 0},
        )
    if for_territories and not module["territories"]:
        raise ZohoError(
            400,
            "NOT_SUPPORTED",
            "the api is not supported for this module",
            {"resource_path_index": 0},
        )
    return module


def record_json(
    db: sqlite3.Connection,
    row: sqlite3.Row,
    territories: list[JsonObj],
    fields: tuple[str, ...] | None = None,
) -> JsonObj:
    """A record as Zoho prints it; `fields` limits it to those fields (and `id`)."""
    owner = row["owner_id"]
    full: JsonObj = {
        **json.loads(row["data"]),
        "Created_Time": iso(row["created_time"]),
        "Modified_Time": iso(row["modified_time"]),
        "Territories": territories,
    }
    if fields is None or "Owner" in fields:  # a name lookup per record: only when asked
        full["Owner"] = {"id": owner, "name": user_name(db, owner)}
    if fields is not None:
        full = {name: full.get(name) for name in fields}
    return {"id": row["id"], **full}


def territories_of(db: sqlite3.Connection, module: str, ids: list[str]) -> dict[str, list[JsonObj]]:
    """The `Territories` of many records in one query."""
    found: dict[str, list[JsonObj]] = {i: [] for i in ids}
    marks = ",".join("?" * len(ids))
    rows = db.execute(
        "SELECT r.record_id, r.assigned, r.assigned_by, r.assigned_time, t.id, t.name "
        "FROM record_territories r JOIN territories t ON t.id = r.territory_id "
        f"WHERE r.module = ? AND r.record_id IN ({marks}) ORDER BY r.seq",
        (module, *ids),
    )
    for row in rows:
        by = row["assigned_by"]
        found[row["record_id"]].append(
            {
                "id": row["id"],
                "Name": row["name"],
                "$assigned": row["assigned"],
                "$assigned_by": None if by is None else {"id": by, "name": user_name(db, by)},
                "$assigned_time": iso(row["assigned_time"]),
            }
        )
    return found


def list_records(call: Call) -> Reply:
    module = module_row(call)
    territory_jobs.run_due(call.db, call.now, call.settings.record_territory_cap)
    fields = _fields(call, module["api_name"])
    per_page = min(call.int_param("per_page", MAX_PER_PAGE), MAX_PER_PAGE)
    after, skip, page = _position(call, module["api_name"], per_page)
    where, args = _filters(call, module["api_name"])
    rows = call.db.execute(
        f"SELECT * FROM records r WHERE r.module = ? AND r.seq > ? {where} ORDER BY r.seq "
        "LIMIT ? OFFSET ?",
        (module["api_name"], after, *args, per_page + 1, skip),
    ).fetchall()
    more = len(rows) > per_page
    rows = rows[:per_page]
    if not rows:
        return no_content()
    assigned = territories_of(call.db, module["api_name"], [r["id"] for r in rows])
    data = [record_json(call.db, r, assigned[r["id"]], fields) for r in rows]
    body = info(page, per_page, len(data), more)
    if more:
        body["next_page_token"] = _token(module["api_name"], rows[-1]["seq"], page + 1)
        body["page_token_expiry"] = iso(call.now + TOKEN_LIFETIME_S)
    return Reply(200, {"data": data, "info": body})


def _fields(call: Call, module: str) -> tuple[str, ...]:
    """`fields` is mandatory for record lists; each must be a field of the module."""
    raw = call.query.get("fields")
    if not raw:
        raise required_param("fields")
    names = tuple(dict.fromkeys(split_ids(raw)))
    if len(names) > MAX_FIELDS:
        raise ZohoError(400, "LIMIT_EXCEEDED", "Max field limit exceeded", {"limit": MAX_FIELDS})
    known = field_names(call.db, module)
    for name in names:
        if name not in known and name not in SYSTEM_FIELDS and name != "id":
            raise ZohoError(400, "INVALID_DATA", "invalid data", {"api_name": name})
    return tuple(n for n in names if n != "id")


def field_names(db: sqlite3.Connection, module: str) -> set[str]:
    rows = db.execute("SELECT api_name FROM fields WHERE module = ?", (module,))
    return {str(r[0]) for r in rows} | set(STANDARD_LOOKUPS.get(module, ()))


def _position(call: Call, module: str, per_page: int) -> tuple[int, int, int]:
    """(last seq already served, rows to skip, page number): from `page_token` when given,
    else from `page`, which reaches only the first 2,000 records."""
    token = call.query.get("page_token")
    if token:
        try:
            kind, seq, page = json.loads(base64.urlsafe_b64decode(token.encode()))
            if kind != module:
                raise ValueError(kind)
            return int(seq), 0, int(page)
        except (ValueError, TypeError):
            raise invalid_param("page_token", "string") from None
    page = call.int_param("page", 1)
    if page * per_page > DISCRETE_LIMIT:
        raise ZohoError(
            400,
            "DISCRETE_PAGINATION_LIMIT_EXCEEDED",
            'Cannot fetch more than 2000 records. Please use the "page_token" parameter in the'
            " request.",
        )
    return 0, (page - 1) * per_page, page


def _token(module: str, seq: int, page: int) -> str:
    return base64.urlsafe_b64encode(json.dumps([module, seq, page]).encode()).decode()


def _filters(call: Call, module: str) -> tuple[str, tuple[Any, ...]]:
    """SQL for `ids` and `territory_id` (+ `include_child`)."""
    where: str = ""
    args: tuple[Any, ...] = ()
    if call.query.get("ids"):
        ids = [i for i in split_ids(call.query["ids"]) if as_id(i)]
        if len(ids) > call.settings.ids_limit:
            raise invalid_param("ids", "string")
        where += f" AND r.id IN ({','.join('?' * len(ids))})"
        args += tuple(ids)
    territory = call.query.get("territory_id")
    if territory:
        if fetch_one(call.db, "SELECT id FROM territories WHERE id = ?", (territory,)) is None:
            raise invalid_param("territory_id", "string")
        scope = [territory]
        if call.query.get("include_child", "false").lower() == "true":
            scope = _subtree(call.db, territory)
        where += (
            " AND EXISTS (SELECT 1 FROM record_territories x WHERE x.module = r.module AND "
            f"x.record_id = r.id AND x.territory_id IN ({','.join('?' * len(scope))}))"
        )
        args += tuple(scope)
    return where, args


def _subtree(db: sqlite3.Connection, top: str) -> list[str]:
    found, frontier = [top], [top]
    while frontier:
        marks = ",".join("?" * len(frontier))
        rows = db.execute(f"SELECT id FROM territories WHERE parent_id IN ({marks})", frontier)
        frontier = [str(r[0]) for r in rows]
        found += frontier
    return found


def get_record(call: Call) -> Reply:
    module = module_row(call)
    territory_jobs.run_due(call.db, call.now, call.settings.record_territory_cap)
    row = find_record(call.db, module["api_name"], as_id(call.params["record"]))
    if row is None:
        return no_content()
    assigned = territories_of(call.db, module["api_name"], [row["id"]])[row["id"]]
    return Reply(200, {"data": [record_json(call.db, row, assigned)]})


def named_record(call: Call, module: str, item: JsonObj, index: int) -> sqlite3.Row:
    """The existing record a bulk item names (`id`, or the record of the URL)."""
    raw = call.params.get("record", item.get("id"))
    at = f"$.data[{index}].id"
    if raw is None:
        raise ItemError(field_error("MANDATORY_NOT_FOUND", "required field not found", "id", at))
    row = find_record(call.db, module, as_id(raw))
    if row is None:
        raise ItemError(field_error("INVALID_DATA", "the id given seems to be invalid", "id", at))
    return row


def find_record(db: sqlite3.Connection, module: str, ident: str | None) -> sqlite3.Row | None:
    return fetch_one(db, "SELECT * FROM records WHERE module = ? AND id = ?", (module, ident))


READ = scopes("ZohoCRM.modules.READ", "ZohoCRM.modules.{module}.READ")
ROUTES = [
    Route("GET", "/{module}", list_records, READ),
    Route("GET", "/{module}/{record}", get_record, READ),
]
