"""Territory reads (REFERENCE §3.1): the list (paging, `ids`, `include`, `filters`,
`include_inner_details`), one territory, its child territories and the user counts."""

from __future__ import annotations

import sqlite3

from reconciler.sandbox import territory_db as tdb
from reconciler.sandbox.call import Call, as_id, split_ids
from reconciler.sandbox.replies import (
    Reply,
    invalid_param,
    invalid_path_id,
    listing,
    no_content,
)
from reconciler.sandbox.routing import Feature, Route, scopes
from reconciler.sandbox.territory_filters import parse_filters
from reconciler.sandbox.users import too_many_ids

INNER_DETAILS = ("manager.zuid", "manager.status")
READ = scopes("ZohoCRM.settings.territories.READ")


def _include(call: Call) -> list[str]:
    wanted = split_ids(call.query.get("include", ""))
    if any(key not in tdb.CRITERIA_KEYS for key in wanted):
        raise invalid_param("include", "text")
    return wanted


def _inner(call: Call) -> list[str]:
    wanted = split_ids(call.query.get("include_inner_details", ""))
    if any(key not in INNER_DETAILS for key in wanted):
        raise invalid_param("include_inner_details", "text")
    return wanted


def _page_of(call: Call, rows: list[sqlite3.Row]) -> Reply:
    include, inner = _include(call), _inner(call)
    keep = parse_filters(call.query.get("filters"))
    rows = [row for row in rows if keep(row)]
    page, per_page = call.page(200, 200)
    start = (page - 1) * per_page
    body = [
        tdb.territory_json(call.db, row, include, inner) for row in rows[start : start + per_page]
    ]
    return listing("territories", body, page, per_page, len(rows) > start + per_page)


def list_territories(call: Call) -> Reply:
    if call.query.get("ids"):
        return _by_ids(call)
    rows = call.db.execute("SELECT * FROM territories ORDER BY seq").fetchall()
    return _page_of(call, rows)


def _by_ids(call: Call) -> Reply:
    """`ids` answers the territories found, without `info` (OAS2 example)."""
    ids = split_ids(call.query["ids"])
    if len(ids) > call.settings.ids_limit:
        raise too_many_ids()
    include, inner = _include(call), _inner(call)
    rows = [row for ident in dict.fromkeys(ids) if (row := tdb.find(call.db, as_id(ident)))]
    if not rows:
        return no_content()
    return Reply(
        200, {"territories": [tdb.territory_json(call.db, r, include, inner) for r in rows]}
    )


def get_territory(call: Call) -> Reply:
    row = tdb.find(call.db, as_id(call.params["id"]))
    if row is None:
        return no_content()
    body = tdb.territory_json(call.db, row, tdb.CRITERIA_KEYS, _inner(call))
    return Reply(200, {"territories": [body]})


def child_territories(call: Call) -> Reply:
    parent = tdb.find(call.db, as_id(call.params["id"]))
    if parent is None:
        raise invalid_path_id(2, "Invalid Territory Id")
    rows = call.db.execute(
        "SELECT * FROM territories WHERE parent_id = ? ORDER BY seq", (parent["id"],)
    ).fetchall()
    return _page_of(call, rows)


def associated_users_count(call: Call) -> Reply:
    page, per_page = call.page(200, 200)
    rows = call.db.execute(
        "SELECT t.id, t.name, COUNT(m.user_id) AS n FROM territories t LEFT JOIN "
        "territory_users m ON m.territory_id = t.id GROUP BY t.id ORDER BY t.seq "
        "LIMIT ? OFFSET ?",
        (per_page + 1, (page - 1) * per_page),
    ).fetchall()
    body = [
        {"count": row["n"], "territory": {"id": row["id"], "name": row["name"]}}
        for row in rows[:per_page]
    ]
    return listing("associated_users_count", body, page, per_page, len(rows) > per_page)


ROUTES = [
    Route("GET", "/settings/territories", list_territories, READ, feature=Feature.TERRITORIES),
    Route("GET", "/settings/territories/{id}", get_territory, READ, feature=Feature.TERRITORIES),
    Route(
        "GET",
        "/settings/territories/{id}/__child_territories",
        child_territories,
        READ,
        feature=Feature.TERRITORIES,
    ),
    Route(
        "GET",
        "/settings/territories/actions/associated_users_count",
        associated_users_count,
        READ,
        feature=Feature.TERRITORIES,
    ),
]
