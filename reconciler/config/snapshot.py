"""Snapshots: what a plan is about to change, as it stands in the org, in the YAML format.

`take()` keeps only what the plan touches: the managed sections a user would write, holding
the full fields and members of every territory the plan changes, the whole of each sharing-rule
module it writes to, the data-sharing defaults it sets, the access model it changes
(`config/snapshot_access.py`), and the territories of the records it realigns. The rest of
the territory tree is kept as names only (so the section stays a whole tree and a territory
the plan creates is one the snapshot does not have). After the sections comes a `snapshot:`
mapping: which org, when, and the live id of every territory, rule, role and group, so that
`rollback` can follow a renamed object by its id. No secret is ever part of it: the org is
named by its id and label only.

The YAML part is an ordinary configuration: `loads()` hands it to the loader unchanged, so
every position in a message is a position in the snapshot file.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable
from datetime import UTC, datetime

from pydantic import ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from reconciler.config import snapshot_access as access
from reconciler.config.export import dump, yaml_writer
from reconciler.config.load import Config, load_documents
from reconciler.errors import SnapshotError
from reconciler.model import Frozen, OrgState, SharingRule, Territory, name_key
from reconciler.plan.build import Plan
from reconciler.plan.record_changes import iter_changes
from reconciler.plan.restore import RecordWas

META_KEY = "snapshot"
FORMAT_VERSION = 1
_META_LINE = re.compile(rf"^{META_KEY}:", re.MULTILINE)


class SnapshotMeta(Frozen):
    """Which org a snapshot is of, when it was taken, and the live ids of what it holds."""

    format_version: int = FORMAT_VERSION
    org_id: str | None = None
    target: str
    taken_at: datetime
    territory_ids: dict[str, str] = {}
    rule_ids: dict[str, dict[str, str]] = {}
    role_ids: dict[str, str] = {}
    group_ids: dict[str, str] = {}
    records: dict[str, tuple[RecordWas, ...]] = {}

    def file_name(self) -> str:
        """`<org>-<UTC time>.yaml`: sorts by time within an org."""
        org = re.sub(r"[^A-Za-z0-9_.-]", "_", self.org_id or "org")
        return f"{org}-{self.taken_at.astimezone(UTC):%Y%m%dT%H%M%SZ}.yaml"


class Snapshot(Frozen):
    meta: SnapshotMeta
    state: OrgState


def take(plan: Plan, live: OrgState, target: str, taken_at: datetime) -> Snapshot:
    """What `plan` touches in `live` (read with the plan's scope), before it is changed."""
    changes = plan.changes
    touched = _touched_territories(plan, live)
    territories = None
    if live.territories is not None and (changes.territories or changes.members):
        territories = tuple(_kept(t, t.key in touched) for t in live.territories)
    modules = sorted({r.module for r in changes.rules})
    rules = {m: (live.sharing_rules or {}).get(m, ()) for m in modules} if modules else None
    defaults = {d.module: d.before for d in changes.defaults if d.before is not None}
    state = OrgState.model_validate(
        {
            "territories": territories,
            "data_sharing": defaults or None,
            "sharing_rules": rules,
            **access.taken(plan, live),
        }
    )
    records, held = _records(plan, live)
    meta = SnapshotMeta(
        org_id=live.directory.org_id,
        target=target,
        taken_at=taken_at.astimezone(UTC).replace(microsecond=0),
        territory_ids={**held, **{t.name: t.id for t in territories or () if t.id}},
        rule_ids={m: _ids(r) for m, r in (rules or {}).items()},
        role_ids={r.name: r.id for r in state.roles or () if r.id},
        group_ids=access.group_ids(state, live),
        records=records,
    )
    return Snapshot(meta=meta, state=state)


def _records(plan: Plan, live: OrgState) -> tuple[dict[str, tuple[RecordWas, ...]], dict[str, str]]:
    """The territories of each record the plan realigns, by hand and by the rules, under
    their live names (the plan names them as the YAML does), and the ids of those
    territories: all from what the plan read, at no call."""
    live_name = {c.key: c.renamed_from for c in plan.changes.territories if c.renamed_from}
    by_key = {t.key: t for t in live.territories or ()}
    found: dict[str, list[RecordWas]] = {}
    ids: dict[str, str] = {}

    def was(names: Iterable[str]) -> tuple[str, ...]:
        return tuple(dict.fromkeys(live_name.get(name_key(n), n) for n in names))

    realigning = {m.module for m in plan.records.modules if m.realign} if plan.records else set()
    for module, change in iter_changes(plan.records):
        if module not in realigning:
            continue
        manual, held = was(change.manual), was(change.before)
        rules = tuple(n for n in held if n not in manual)
        record = RecordWas(id=change.id, manual=manual, rules=rules, added=change.add)
        found.setdefault(module, []).append(record)
        for name in held:
            territory = by_key.get(name_key(name))
            if territory is not None and territory.id:
                ids[territory.name] = territory.id
    return {m: tuple(r) for m, r in found.items()}, ids


def _touched_territories(plan: Plan, live: OrgState) -> set[str]:
    """Keys (live names) of the territories whose fields, place or members the plan changes."""
    touched = {c.live.key for c in plan.changes.territories if c.live is not None}
    live_of = {c.key: c.live for c in plan.changes.territories if c.live is not None}
    for member in plan.changes.members:
        if member.new_territory:
            continue
        found = live_of.get(name_key(member.territory)) or live.territory(member.territory)
        if found is not None:
            touched.add(found.key)
    return touched


def _kept(territory: Territory, whole: bool) -> Territory:
    """A touched territory with every field it has; any other by name and place only."""
    values: dict[str, object] = {"name": territory.name, "parent": territory.parent}
    if whole:
        for name in ("manager", "permission", "description", *_RULES):
            values[name] = getattr(territory, name)
        if territory.users is not None:
            values["users"] = territory.users
    return Territory.model_validate({**values, "id": territory.id})


_RULES = ("account_rule", "deal_rule", "lead_rule")


def _ids(rules: Iterable[SharingRule]) -> dict[str, str]:
    return {r.name: r.id for r in rules if r.id}


def dumps(snapshot: Snapshot) -> str:
    """The snapshot file's text: a configuration, then the `snapshot:` mapping."""
    meta = snapshot.meta
    header = (
        f"Snapshot of {meta.target} taken {meta.taken_at:%Y-%m-%d %H:%M:%S} UTC before an apply.\n"
        "Roll back with: reconciler rollback <this file>"
    )
    sections = dump(snapshot.state, header=header, as_written=True)
    out = io.StringIO()
    yaml_writer().dump({META_KEY: meta.model_dump(mode="json")}, out)
    return sections + out.getvalue()


def loads(text: str, source: str) -> tuple[Config, SnapshotMeta]:
    """A snapshot file's configuration (positions as in the file) and its `snapshot:` part."""
    found = _META_LINE.search(text)
    if found is None:
        raise SnapshotError(f"{source} is not a snapshot: it has no `{META_KEY}:` section")
    config = load_documents([(source, text[: found.start()].encode())])
    try:
        data = YAML(typ="safe").load(text[found.start() :])
        meta = SnapshotMeta.model_validate(data[META_KEY])
    except (YAMLError, ValidationError, TypeError) as exc:
        problem = str(exc).splitlines()[0]
        raise SnapshotError(f"{source}: the `{META_KEY}:` section is damaged ({problem})") from None
    if meta.format_version != FORMAT_VERSION:
        raise SnapshotError(
            f"{source} has snapshot format {meta.format_version}; this reconciler reads "
            f"{FORMAT_VERSION}"
        )
    return config, meta


def way_back(state: OrgState, meta: SnapshotMeta, live: OrgState) -> OrgState:
    """The snapshot as a desired state against `live` now: a territory, role or group that
    still exists under another name (same id) gets that name as `previously`, so the plan
    renames it back instead of deleting it and creating it anew; roles and groups created
    since are deleted (`config/snapshot_access.py`)."""
    ids = access.Ids(meta.territory_ids, meta.role_ids, meta.group_ids)
    state = access.way_back(state, ids, live)
    if state.territories is None:
        return state
    now = {t.id: t for t in live.territories or () if t.id}
    back = []
    for territory in state.territories:
        current = now.get(meta.territory_ids.get(territory.name, ""))
        if current is not None and current.key != territory.key and not territory.is_root:
            territory = territory.model_copy(update={"previously": (current.name,)})
        back.append(territory)
    return state.model_copy(update={"territories": tuple(back)})
