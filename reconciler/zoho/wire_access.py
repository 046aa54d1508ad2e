"""Zoho's JSON <-> the model for roles, user groups and users' roles (REFERENCE §7.1-§7.3):
wire.py's part for the access model, split off to keep each module to one screenful of
concerns. Like wire.py, the only place that knows these field names."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reconciler.model import GroupSource, Named, Role, SourceKind, UserGroup
from reconciler.plan.steps import GroupPayload, RoleFields

Json = dict[str, Any]
SOURCE_TYPES = {
    SourceKind.user: "users",
    SourceKind.role: "roles",
    SourceKind.territory: "territories",
}
SOURCE_KINDS = {v: k for k, v in SOURCE_TYPES.items()}
BELOW = {SourceKind.role: "subordinates", SourceKind.territory: "sub_territories"}


def role_from_wire(raw: Json, names_by_id: Mapping[str, str]) -> Role:
    parent = raw.get("reporting_to")
    parent_id = str(parent["id"]) if isinstance(parent, dict) and parent.get("id") else None
    return Role(
        id=str(raw["id"]),
        name=str(raw.get("name") or raw.get("display_label") or ""),
        parent=names_by_id.get(parent_id) if parent_id else None,
        description=raw.get("description") or None,
        share_with_peers=bool(raw.get("share_with_peers")),
    )


def group_from_wire(raw: Json, sources: list[Json], emails: Mapping[str, str]) -> UserGroup:
    """A group and its listed sources; a user source is named by email (`emails` by id)."""
    return UserGroup(
        id=str(raw["id"]),
        name=str(raw.get("name") or ""),
        description=raw.get("description") or None,
        sources=tuple(s for s in (_source(item, emails) for item in sources) if s is not None),
    )


def _source(raw: Json, emails: Mapping[str, str]) -> GroupSource | None:
    kind = SOURCE_KINDS.get(str(raw.get("type")))
    found = raw.get("source") or {}
    if kind is None or not isinstance(found, dict):
        return None  # a kind YAML cannot state (a group as source): shown as a change
    name = str(found.get("name") or "")
    if kind is SourceKind.user:
        name = emails.get(str(found.get("id")), name)
    return GroupSource(kind=kind, name=name, below=bool(raw.get(BELOW.get(kind, ""), False)))


def profile_from_wire(raw: Json) -> Named:
    return Named(id=str(raw["id"]), name=str(raw.get("name") or raw.get("display_label")))


def user_profile(raw: Json) -> str | None:
    profile = raw.get("profile")
    return str(profile["name"]) if isinstance(profile, dict) and profile.get("name") else None


def role_to_wire(fields: RoleFields, ids: Mapping[str, str | None]) -> Json:
    """A create or update item with only the fields the step sets; `ids["parent"]` is the
    resolved id of the parent role."""
    given = fields.model_fields_set
    item: Json = {}
    if "name" in given:
        item["name"] = fields.name
    if "parent" in given:
        item["reporting_to"] = {"id": ids["parent"]}
    if "description" in given:
        item["description"] = fields.description
    if "share_with_peers" in given:
        item["share_with_peers"] = fields.share_with_peers
    return item


def group_to_wire(payload: GroupPayload, source_ids: list[str]) -> Json:
    """A whole group: name, description, every source (`source_ids` resolved, in order)."""
    sources = []
    for source, ident in zip(payload.sources, source_ids, strict=True):
        item: Json = {"type": SOURCE_TYPES[source.kind], "source": {"id": ident}}
        if source.kind in BELOW:
            item[BELOW[source.kind]] = source.below
        sources.append(item)
    return {"name": payload.name, "description": payload.description, "sources": sources}


def user_to_wire(user_id: str, role_id: str | None, profile_id: str | None) -> Json:
    item: Json = {"id": user_id}
    if role_id is not None:
        item["role"] = {"id": role_id}
    if profile_id is not None:
        item["profile"] = {"id": profile_id}
    return item


def deletion_job_status(body: Any) -> str | None:
    """A group deletion job's `Status` (`{deletion_jobs: [{Status}]}`), upper-cased; None
    when Zoho knows no such job (204) or the answer carries none."""
    jobs = body.get("deletion_jobs") if isinstance(body, dict) else None
    first = jobs[0] if isinstance(jobs, list) and jobs else None
    status = str(first.get("Status") or "") if isinstance(first, dict) else ""
    return status.strip().upper() or None


def scheduled_job(details: Mapping[str, Any]) -> str | None:
    """The job id of a deletion Zoho scheduled instead of doing at once."""
    job = details.get("job_id")
    return None if job is None else str(job)
