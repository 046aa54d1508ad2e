"""`store.next_seq` reads MAX(seq) on every insert into a growing table; an index on `seq`
keeps that a lookup. Without it, a benchmark org's 20,000 memberships cost a scan each and
the sandbox, not the client, set the pace of an apply."""

from __future__ import annotations

import pytest

from reconciler.sandbox import Sandbox

GROWING = ("territories", "territory_users", "record_territories", "sharing_rules")


@pytest.mark.parametrize("table", GROWING)
def test_the_next_listing_position_is_found_through_an_index(table: str) -> None:
    with Sandbox() as sandbox, sandbox.store.transaction() as db:
        plan = db.execute(f"EXPLAIN QUERY PLAN SELECT COALESCE(MAX(seq), 0) + 1 FROM {table}")
        details = " ".join(str(row["detail"]) for row in plan.fetchall())
    assert "INDEX" in details and "SCAN" not in details.replace("SCAN CONSTANT ROW", ""), details
