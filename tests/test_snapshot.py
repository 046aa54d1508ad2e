"""A snapshot holds only what its plan touches, and reads back as the configuration of it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from reconciler.config.snapshot import dumps, loads, take, way_back
from reconciler.live import read
from reconciler.model import OrgState
from reconciler.plan.build import Plan
from tests.harness import Org, scenario

pytestmark = pytest.mark.anyio
WHEN = datetime(2026, 12, 4, 16, 0, 5, 123456, tzinfo=UTC)


async def snapshot_of(org: Org, name: str) -> tuple[OrgState, OrgState]:
    """(the snapshot's state, the live org it was taken of) for planning scenario `name`."""
    state, live, _ = await snapshot_and_plan(org, name)
    return state, live


async def snapshot_and_plan(org: Org, name: str) -> tuple[OrgState, OrgState, Plan]:
    saved = await org.plan(scenario(name))
    live = await read(org.client, saved.scope)
    taken = take(saved.plan, live, "the sandbox", WHEN)
    config, meta = loads(dumps(taken), "snap.yaml")
    assert meta == taken.meta
    assert meta.file_name() == f"{live.directory.org_id}-20261204T160005Z.yaml"
    return config.state, live, saved.plan


async def test_a_plan_of_rules_only_keeps_the_modules_it_writes_and_nothing_else(
    zylker: Org,
) -> None:
    await zylker.converge(scenario("01_from_nothing"))
    state, live = await snapshot_of(zylker, "04_rules")
    assert state.territories is None and state.data_sharing is None
    assert set(state.sharing_rules or {}) == {"Accounts", "Contacts", "Deals"}
    for module, rules in (state.sharing_rules or {}).items():
        assert {r.name for r in rules} == {r.name for r in (live.sharing_rules or {})[module]}


async def test_untouched_territories_are_kept_by_name_and_place_only(zylker: Org) -> None:
    await zylker.converge(scenario("01_from_nothing"))
    state, live, plan = await snapshot_and_plan(zylker, "06_territory_fields")
    kept = {t.name: t for t in state.territories or ()}
    assert set(kept) == {t.name for t in live.territories or ()}  # the whole tree, by name
    touched = {m.territory for m in plan.changes.members}
    touched |= {c.name for c in plan.changes.territories}
    assert touched and set(kept) - touched
    for name, territory in kept.items():
        if name in touched:
            assert territory.users == live.territory(name).users  # type: ignore[union-attr]
            assert territory.managed_fields() >= {"manager", "permission", "description"}
        else:
            assert territory.managed_fields() - {"previously"} == {"name", "parent"}, name


async def test_a_defaults_plan_keeps_the_defaults_it_changes_as_they_were(zylker: Org) -> None:
    state, live = await snapshot_of(zylker, "05_defaults")
    assert state.data_sharing is not None
    assert state.data_sharing == {m: (live.data_sharing or {})[m] for m in state.data_sharing}
    assert "Contacts" in state.data_sharing


async def test_way_back_follows_a_renamed_territory_by_its_id(zylker: Org) -> None:
    await zylker.converge(scenario("01_from_nothing"))
    before = await zylker.live()
    saved = await zylker.plan(scenario("02_reorg"))
    taken = take(saved.plan, before, "the sandbox", WHEN)
    await zylker.converge(scenario("02_reorg"))
    back = way_back(taken.state, taken.meta, await zylker.live())
    americas = next(t for t in back.territories or () if t.name == "Americas")
    assert americas.previously == ("North America",)
    assert way_back(OrgState(), taken.meta, before) == OrgState()


async def test_an_access_plan_keeps_the_role_tree_the_groups_and_users_it_changes(
    zylker: Org,
) -> None:
    await zylker.converge(scenario("08_access_new_region"))
    state, live, plan = await snapshot_and_plan(zylker, "09_access_reorg")
    roles = {r.name: r for r in state.roles or ()}
    assert set(roles) == {r.name for r in live.roles or ()}  # the whole tree: Zoho's is whole
    changed = {c.live.name for c in plan.changes.roles if c.live is not None}
    assert "LATAM Sales Manager" in changed  # deleted by 09: its fields are kept
    for name, role in roles.items():
        fields = {"description", "share_with_peers"} if name in changed else set()
        assert role.managed_fields() - {"previously"} == {"name", "parent", *fields}, name
    assert roles["LATAM Sales Manager"].share_with_peers  # as 08 made it
    assert {g.name for g in state.groups or ()} == {
        c.live.name for c in plan.changes.groups if c.live is not None
    }
    # carla's role changes, and she is the deleted role's user: she goes back to it
    assert {u.email: u.role for u in state.users or ()} == {
        "carla.mendes@zylker.example": "LATAM Sales Manager"
    }
