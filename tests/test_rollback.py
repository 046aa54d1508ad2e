"""Snapshots and rollback on the scenario library: apply with a snapshot, roll back, and the
org is the snapshot again (a plan of the snapshot's YAML is empty); territories that were only
renamed or moved keep their ids; a deleted territory comes back with its fields, members and
the sharing rules of its modules."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from reconciler.apply.report import Silent
from reconciler.cli import workflow
from reconciler.config.load import Config
from reconciler.config.snapshot import loads
from reconciler.model import OrgState
from reconciler.plan.file import dumps
from reconciler.plan.file import loads as plan_loads
from tests.harness import Org, failures, open_org, scenario, scenario_names
from tests.test_convergence import SEQUENCES
from tests.test_crash_resume import AFTER, FAULTS, WRITES, fired, org_before

__all__ = ["org_before"]  # the crash tests' org, shared

pytestmark = pytest.mark.anyio


async def always(_: object) -> bool:
    return True


def silent(*_: object) -> Silent:
    return Silent()


async def apply_with_snapshot(org: Org, config: Config, snapshots: Path) -> Path:
    """`apply PATH --auto-approve`: the snapshot's path."""
    gate = workflow.Gate(True, always, silent, snapshots)
    report = await workflow.apply_config(config, org.connection, gate=gate)
    assert report is not None and report.ok, failures(report) if report else "nothing applied"
    assert report.snapshot is not None
    return Path(report.snapshot)


async def roll_back(org: Org, snapshot: Path) -> None:
    """`rollback SNAPSHOT --auto-approve`, then the snapshot's YAML plans empty."""
    report = await workflow.rollback(
        snapshot.read_text(encoding="utf-8"),
        str(snapshot),
        org.connection,
        allow_deletes=True,
        review=always,
        listener_for=silent,
    )
    assert report is None or report.ok, failures(report)
    config, _ = loads(snapshot.read_text(encoding="utf-8"), str(snapshot))
    again = await org.plan(config)
    assert again.plan.empty, f"not back at the snapshot: {again.plan.changes}"


def ids(state: OrgState) -> dict[str, str | None]:
    return {t.name: t.id for t in state.territories or ()}


@pytest.mark.parametrize("name", scenario_names())
async def test_each_scenario_rolls_back_to_the_demo_org(
    zylker: Org, tmp_path: Path, name: str
) -> None:
    before = await zylker.live()
    snapshot = await apply_with_snapshot(zylker, scenario(name), tmp_path)
    await roll_back(zylker, snapshot)
    after = await zylker.live()
    assert ids(after) == ids(before)  # the demo org's territories are the same objects
    assert after.data_sharing == before.data_sharing
    assert access(after) == access(before)


def access(state: OrgState) -> dict[str, object]:
    """Roles (place and fields), groups (description and sources) and users' roles and
    profiles, by name."""
    return {
        "roles": {r.name: r.model_dump(exclude={"id"}) for r in state.roles or ()},
        "groups": {g.name: g.model_dump(exclude={"id"}) for g in state.groups or ()},
        "users": {u.email: (u.role, u.profile) for u in state.users or ()},
    }


# The reorg and back; the access model's two sequences (roles, groups, users).
@pytest.mark.parametrize("names", [SEQUENCES[0], SEQUENCES[4], SEQUENCES[5]], ids="->".join)
async def test_a_sequence_rolls_back_step_by_step_in_reverse(
    zylker: Org, tmp_path: Path, names: tuple[str, ...]
) -> None:
    taken = []
    for index, name in enumerate(names):
        before = await zylker.live()
        taken.append((before, await apply_with_snapshot(zylker, scenario(name), tmp_path)))
        assert (await zylker.plan(scenario(name))).plan.empty, f"step {index} did not converge"
    for before, snapshot in reversed(taken):
        await roll_back(zylker, snapshot)
        after = await zylker.live()
        assert (shape(after), access(after)) == (shape(before), access(before))


def shape(state: OrgState) -> set[tuple[str, str | None, tuple[str, ...] | None]]:
    """Each territory's name, parent and members."""
    return {(t.key, t.parent and t.parent.casefold(), t.users) for t in state.territories or ()}


async def test_the_reorg_rolled_back_renames_and_moves_back_and_recreates_what_it_deleted(
    zylker: Org, tmp_path: Path
) -> None:
    await zylker.converge(scenario("01_from_nothing"))
    before = await zylker.live()
    snapshot = await apply_with_snapshot(zylker, scenario("02_reorg"), tmp_path)
    await roll_back(zylker, snapshot)
    after = await zylker.live()
    then, now = ids(before), ids(after)
    for kept in ("Americas", "LATAM", "DACH", "APAC"):  # renamed or moved by 02: same objects
        assert now[kept] == then[kept], kept
    for deleted in ("EMEA", "Southern Europe"):  # deleted by 02: new objects, same contents
        old, new = before.territory(deleted), after.territory(deleted)
        assert old is not None and new is not None and new.id != old.id
        assert new.model_dump(exclude={"id"}) == old.model_dump(exclude={"id"})


async def test_the_access_reorg_rolled_back_renames_back_and_recreates_roles_and_groups(
    zylker: Org, tmp_path: Path
) -> None:
    await zylker.converge(scenario("08_access_new_region"))
    before = await zylker.live()
    snapshot = await apply_with_snapshot(zylker, scenario("09_access_reorg"), tmp_path)
    await roll_back(zylker, snapshot)
    after = await zylker.live()
    assert access(after) == access(before)
    roles = [{r.name: r.id for r in s.roles or ()} for s in (before, after)]
    groups = [{g.name: g.id for g in s.groups or ()} for s in (before, after)]
    # Renamed by 09 (EMEA Sales Manager, EMEA territory): renamed back, the same objects.
    assert roles[1]["EMEA Sales Manager"] == roles[0]["EMEA Sales Manager"]
    assert groups[1]["EMEA territory"] == groups[0]["EMEA territory"]
    # Deleted by 09, its user handed to its heir: a new role, and its user is back in it.
    assert roles[1]["LATAM Sales Manager"] != roles[0]["LATAM Sales Manager"]
    users = [{u.email: u.role for u in s.users or ()} for s in (before, after)]
    carla = "carla.mendes@zylker.example"
    assert users[0][carla] == users[1][carla] == "LATAM Sales Manager"


async def test_groups_pruned_come_back_with_their_sources(zylker: Org, tmp_path: Path) -> None:
    before = await zylker.live()
    snapshot = await apply_with_snapshot(zylker, scenario("10_access_prune"), tmp_path)
    assert len((await zylker.live()).groups or ()) < len(before.groups or ())
    await roll_back(zylker, snapshot)
    after = await zylker.live()
    assert access(after)["groups"] == access(before)["groups"]


# One write of each kind in the apply 01 -> 07, by its place in the run: territories
# created, transfer-and-delete, members removed, members added, a default, a rule deleted,
# territories updated, a rule created, a rule updated, a rule deactivated.
EACH_KIND = (1, 2, 3, 6, 9, 10, 12, 18, 19, 20)


def crash_points() -> list[tuple[str, int]]:
    """Every write for a refused one; for the two dropped connections (which the client
    resends, so most of them end as a successful apply) one write of each kind, or every
    write with RECONCILER_ALL_CRASH_POINTS=1 (docs/safety.md)."""
    every = range(1, WRITES + 1)
    full = os.environ.get("RECONCILER_ALL_CRASH_POINTS") == "1"
    return [(f, n) for f in FAULTS for n in (every if full or f == "refused" else EACH_KIND)]


@pytest.mark.parametrize(("fault", "n"), crash_points(), ids=lambda v: str(v))
async def test_a_rollback_after_an_apply_broken_at_any_write_converges_to_the_snapshot(
    org_before: Path, tmp_path: Path, fault: str, n: int
) -> None:
    db = Path(shutil.copy(org_before, tmp_path / "org.sqlite3"))
    async with open_org(db=db) as org:
        before = await org.live()
        FAULTS[fault](org.sandbox.faults, n)
        saved = await org.plan(scenario(AFTER))
        broken = await workflow.apply_saved(
            saved, org.connection, allow_deletes=True, snapshots=tmp_path / "snapshots"
        )
        assert fired(org), f"the {fault} fault at write {n} did not happen"
        assert broken.snapshot is not None
        if fault == "refused":  # a dropped write is resent, and the apply may end well
            assert not broken.ok
        org.sandbox.faults.clear()
        survived = {t.id for t in (await org.live()).territories or ()}
        await roll_back(org, Path(broken.snapshot))
        after = await org.live()
        assert shape(after) == shape(before)
        kept = {name: id_ for name, id_ in ids(before).items() if id_ in survived}
        assert {name: ids(after)[name] for name in kept} == kept  # renamed back, not re-created


@pytest.mark.parametrize("from_file", [True, False], ids=["apply-plan-file", "apply-config"])
async def test_a_snapshot_costs_no_api_call(
    org_before: Path, tmp_path: Path, from_file: bool
) -> None:
    """The snapshot is cut from the read the apply makes anyway (or the plan just made)."""
    calls = []
    for snapshots in (None, tmp_path / "snapshots"):
        db = Path(shutil.copy(org_before, tmp_path / "org.sqlite3"))
        async with open_org(db=db) as org:
            text = dumps(await org.plan(scenario(AFTER)))
            org.sandbox.reset_stats()
            gate = {"allow_deletes": True, "review": always, "listener_for": silent}
            if from_file:
                report = await workflow.apply_plan_file(
                    plan_loads(text, "plan.json"), org.connection, snapshots=snapshots, **gate
                )
            else:
                report = await workflow.apply_config(
                    scenario(AFTER), org.connection, gate=workflow.Gate(snapshots=snapshots, **gate)
                )
            assert report is not None and report.ok
            assert (report.snapshot is None) == (snapshots is None)
            calls.append(org.sandbox.stats()["calls"])
    assert calls[0] == calls[1]
