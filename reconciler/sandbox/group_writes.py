"""User-group create (up to `group_batch_limit` groups per call), update by id (name,
description and the whole source list) and delete by id (REFERENCE §7.3; user_groups.yaml).

A deletion answers SCHEDULED with `details.job_id` when `group_deletion_s` > 0 and the group
disappears that many seconds later (its name stays taken until then); a client polls
`GET /settings/user_groups/actions/deletion_jobs?job_id=` (user_groups.json: JobStatus,
`{deletion_jobs: [{Status}]}`), which answers `SCHEDULED` until then and `COMPLETED` after, and
204 for a job it does not know. A group named by a sharing rule cannot be
deleted. A change of sources starts the recomputation of the modules whose rules name the
group (recompute.start_for_group)."""

from __future__ import annotations

import sqlite3
from typing import Any

from reconciler.sandbox import recompute
from reconciler.sandbox.call import Call, as_id, field_error, item_path
from reconciler.sandbox.group_fields import current_sources, fail, read_sources, store_sources
from reconciler.sandbox.replies import (
    ItemError,
    JsonObj,
    Reply,
    ZohoError,
    batch,
    each,
    invalid_path_id,
    no_content,
    required_param,
    success_item,
)
from reconciler.sandbox.routing import Route, scopes
from reconciler.sandbox.store import fetch_one, new_id, next_seq

NAME_MAX, DESCRIPTION_MAX = 250, 250
KEY = "user_groups"
CREATED = "User group created successfully"
UPDATED = "User group updated successfully"
DELETED = "User group deleted successfully"
SCHEDULED = "User group deletion has been scheduled"
BAD_GROUP = "The provided group ID is invalid."
DUPLICATE = "A user group with the same name already exists."
IN_USE = "The user group is associated with data sharing rules; remove them first."


def settle(db: sqlite3.Connection, now: float) -> None:
    """Finish the scheduled deletions that are due (the jobs stay, to be asked about)."""
    due = db.execute("SELECT group_id FROM group_deletions WHERE done_at <= ?", (now,)).fetchall()
    for row in due:
        db.execute("DELETE FROM group_sources WHERE group_id = ?", (row["group_id"],))
        db.execute("DELETE FROM groups WHERE id = ?", (row["group_id"],))


class GroupItem:
    """One `user_groups[i]` object; `current` is the group an update changes."""

    def __init__(self, call: Call, raw: Any, index: int, current: sqlite3.Row | None) -> None:
        self.call, self.at, self.current = call, item_path(KEY, index), current
        if not isinstance(raw, dict):
            raise ItemError(field_error("INVALID_DATA", "invalid data", KEY, self.at))
        self.item: dict[str, Any] = raw

    def name(self, seen: set[str]) -> str:
        value, at = self.item.get("name"), f"{self.at}.name"
        if value is None:
            raise fail("MANDATORY_NOT_FOUND", "required field not found", "name", at)
        if not isinstance(value, str) or not value.strip() or len(value) > NAME_MAX:
            raise fail("INVALID_DATA", "invalid data", "name", at)
        name = value.strip()
        current = None if self.current is None else self.current["id"]
        clash = fetch_one(
            self.call.db,
            "SELECT 1 FROM groups WHERE TRIM(name) = ? COLLATE NOCASE AND id IS NOT ?",
            (name, current),
        )
        if clash is not None or name.lower() in seen:
            raise fail("DUPLICATE_DATA", DUPLICATE, "name", at)
        seen.add(name.lower())
        return name

    def description(self) -> str | None:
        value = self.item.get("description")
        if value is not None and (not isinstance(value, str) or len(value) > DESCRIPTION_MAX):
            raise fail("INVALID_DATA", "invalid data", "description", f"{self.at}.description")
        return value

    def sources(self) -> list[tuple[str, str, bool]]:
        limit = self.call.settings.group_sources_limit
        return read_sources(self.call.db, self.item.get("sources"), self.at, limit)


def create_groups(call: Call) -> Reply:
    settle(call.db, call.now)
    items = call.items(KEY, call.settings.group_batch_limit)
    seen: set[str] = set()
    results = [each(_create, call, raw, index, seen) for index, raw in enumerate(items)]
    return batch(KEY, results, 201, call.settings.mixed_batch_status)


def _create(call: Call, raw: Any, index: int, seen: set[str]) -> JsonObj:
    item = GroupItem(call, raw, index, None)
    name, description, sources = item.name(seen), item.description(), item.sources()
    ident = new_id(call.db)
    call.db.execute(
        "INSERT INTO groups (id, name, description, created_time, seq) VALUES (?, ?, ?, ?, ?)",
        (ident, name, description, call.now, next_seq(call.db, "groups")),
    )
    store_sources(call.db, ident, sources)
    return success_item(CREATED, {"id": ident})


def _path_group(call: Call) -> sqlite3.Row:
    settle(call.db, call.now)
    row = fetch_one(
        call.db,
        "SELECT * FROM groups WHERE id = ? AND id NOT IN (SELECT group_id FROM group_deletions)",
        (as_id(call.params["group"]),),
    )
    if row is None:
        raise invalid_path_id(2, BAD_GROUP)
    return row


def update_group(call: Call) -> Reply:
    group = _path_group(call)
    result = each(_update, call, group, call.items(KEY, 1)[0])
    return batch(KEY, [result], 200, call.settings.mixed_batch_status)


def _update(call: Call, group: sqlite3.Row, raw: Any) -> JsonObj:
    item = GroupItem(call, raw, 0, group)
    name, description, sources = item.name(set()), item.description(), item.sources()
    call.db.execute(
        "UPDATE groups SET name = ?, description = ? WHERE id = ?",
        (name, description, group["id"]),
    )
    if sources != current_sources(call.db, group["id"]):
        store_sources(call.db, group["id"], sources)
        recompute.start_for_group(call.db, group["id"], call.now, call.settings.rule_recompute_s)
    return success_item(UPDATED, {"id": group["id"]})


def delete_group(call: Call) -> Reply:
    group = _path_group(call)
    if recompute.rules_naming(call.db, "groups", group["id"]):
        raise ZohoError(400, "INVALID_DATA", IN_USE, {"resource_path_index": 2})
    wait = call.settings.group_deletion_s
    if wait <= 0:
        call.db.execute("DELETE FROM group_sources WHERE group_id = ?", (group["id"],))
        call.db.execute("DELETE FROM groups WHERE id = ?", (group["id"],))
        return batch(KEY, [success_item(DELETED, {"id": group["id"]})], 200, 200)
    job = new_id(call.db)
    call.db.execute(
        "INSERT INTO group_deletions (job_id, group_id, done_at) VALUES (?, ?, ?)",
        (job, group["id"], call.now + wait),
    )
    scheduled = {"code": "SCHEDULED", "details": {"job_id": job}, "message": SCHEDULED}
    return Reply(200, {KEY: [{**scheduled, "status": "scheduled"}]})


def deletion_job(call: Call) -> Reply:
    """A deletion job's status: SCHEDULED until the group is gone, COMPLETED after."""
    job_id = call.query.get("job_id")
    if not job_id:
        raise required_param("job_id")
    settle(call.db, call.now)
    row = fetch_one(call.db, "SELECT done_at FROM group_deletions WHERE job_id = ?", (job_id,))
    if row is None:
        return no_content()
    status = "COMPLETED" if row["done_at"] <= call.now else "SCHEDULED"
    return Reply(200, {"deletion_jobs": [{"Status": status}]})


ROUTES = [
    Route(
        "GET",
        "/settings/user_groups/actions/deletion_jobs",
        deletion_job,
        scopes("ZohoCRM.settings.user_groups.READ"),
    ),
    Route(
        "POST",
        "/settings/user_groups",
        create_groups,
        scopes("ZohoCRM.settings.user_groups.CREATE"),
        True,
    ),
    Route(
        "PUT",
        "/settings/user_groups/{group}",
        update_group,
        scopes("ZohoCRM.settings.user_groups.UPDATE"),
        True,
    ),
    Route(
        "DELETE",
        "/settings/user_groups/{group}",
        delete_group,
        scopes("ZohoCRM.settings.user_groups.DELETE"),
        True,
    ),
]
