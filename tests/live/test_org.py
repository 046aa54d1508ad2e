"""Against a real org: doctor finds nothing to fix, everything can be read, and a throwaway
territory can be created, planned and deleted through plan and apply.

Only one territory is ever written: a child of the root named `reconciler-live-test-<random
hex>`. The desired states are the live tree plus or minus that territory (membership, data
sharing and sharing rules left unmanaged), each plan is checked to hold exactly the one
expected change before it is applied, and whatever happens the territory is deleted at the
end by id, by the client directly."""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest

from reconciler.cli.workflow import Connection, apply_saved, make_plan
from reconciler.config.export import dump
from reconciler.config.load import Config, load
from reconciler.doctor.probes import diagnose
from reconciler.doctor.verdict import Status
from reconciler.live import lower_bound, read
from reconciler.model import OrgState, Permission, Territory
from reconciler.plan.diff import Changes
from reconciler.scope import Scope

pytestmark = [pytest.mark.anyio, pytest.mark.live]
PREFIX = "reconciler-live-test-"


async def test_doctor_finds_nothing_to_fix(connection: Connection) -> None:
    checks = await diagnose(connection)
    failed = [f"{c.name}: {c.found} {c.fix}" for c in checks if c.status is Status.fail]
    assert not failed, "\n".join(failed)


async def test_everything_can_be_read(connection: Connection) -> None:
    state = await read(connection.client, Scope.everything())
    territories = state.territories or ()
    assert sum(t.is_root for t in territories) == 1
    assert state.directory.users and state.directory.org_id
    assert state.data_sharing and state.sharing_rules is not None
    bound = lower_bound(
        len(state.directory.users),
        len(territories),
        [len(t.users or ()) for t in territories],
        groups=len(state.directory.groups),
        rules=sum(len(rules) for rules in state.sharing_rules.values()),
        rule_modules=1,
        defaults=True,
    )
    assert connection.client.stats.total >= bound  # equality is held on the sandbox


def config(path: Path, territories: tuple[Territory, ...]) -> Config:
    """A configuration managing exactly these territories (their members left unmanaged)."""
    path.write_text(dump(OrgState(territories=territories)), encoding="utf-8")
    return load([path])


async def test_a_throwaway_territory_is_created_planned_and_deleted(
    connection: Connection, tmp_path: Path
) -> None:
    name = PREFIX + secrets.token_hex(4)
    client = connection.client
    try:
        live = (await read(client, Scope(territories=True))).territories or ()
        root = next(t for t in live if t.is_root)
        throwaway = Territory(
            name=name,
            parent=root.name,
            permission=Permission.read_only,
            description="Made by reconciler's live tests; safe to delete.",
        )
        with_it = config(tmp_path / "with.yaml", (*live, throwaway))
        without = config(tmp_path / "without.yaml", live)

        creation = await make_plan(with_it, connection)
        assert only(creation.plan.changes) == [("create", name)], creation.plan.changes
        assert (await apply_saved(creation, connection, allow_deletes=False)).ok
        assert (await make_plan(with_it, connection)).plan.empty

        removal = await make_plan(without, connection)
        assert only(removal.plan.changes) == [("delete", name)], removal.plan.changes
        assert (await apply_saved(removal, connection, allow_deletes=True)).ok
        assert (await make_plan(without, connection)).plan.empty
    finally:
        leftover = [t for t in await client.list_territories(False) if t.get("name") == name]
        if leftover:
            await client.delete_territories([str(t["id"]) for t in leftover])


def only(changes: Changes) -> list[tuple[str, str]]:
    """The territory changes as (action, name); nothing else may change."""
    assert not (changes.members or changes.defaults or changes.rules), changes
    return [(c.action, c.name) for c in changes.territories]
