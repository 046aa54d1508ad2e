"""Crash and resume for the access model: the reorg of roles, groups and users (08 -> 09:
a role deleted with transfer, a territory and a group renamed, sources and users moved) and
its undoing (09 -> 08: a role created, moves back) are broken at their Nth write, for every N,
in the three ways of test_crash_resume. A second apply must converge, with no role or group
twice and the renamed group the same group."""

from __future__ import annotations

import asyncio
import shutil
from collections import Counter
from pathlib import Path

import pytest

from reconciler.model import OrgState
from tests.harness import open_org, scenario
from tests.test_crash_resume import FAULTS, fired

pytestmark = pytest.mark.anyio

NEW_REGION, REORG = "08_access_new_region", "09_access_reorg"
MOVES = {"reorg": (NEW_REGION, REORG, 9), "undo": (REORG, NEW_REGION, 9)}
RENAMED = {"reorg": ("EMEA territory", "Europe territory")}
RENAMED["undo"] = RENAMED["reorg"][::-1]
CREATES = {"create_territories", "create_rule", "create_role", "create_groups"}


@pytest.fixture(scope="session")
def orgs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Org databases in the state each move starts from, made once."""
    folder = tmp_path_factory.mktemp("crash_access")

    async def make(path: Path, names: tuple[str, ...]) -> None:
        async with open_org(db=path) as org:
            for name in names:
                await org.converge(scenario(name))

    paths = {"reorg": folder / "new_region.sqlite3", "undo": folder / "reorg.sqlite3"}
    asyncio.run(make(paths["reorg"], (NEW_REGION,)))
    asyncio.run(make(paths["undo"], (NEW_REGION, REORG)))
    return paths


@pytest.mark.parametrize("move", MOVES)
async def test_each_move_has_as_many_writes_as_its_crash_points(
    orgs: dict[str, Path], tmp_path: Path, move: str
) -> None:
    db = Path(shutil.copy(orgs[move], tmp_path / "org.sqlite3"))
    async with open_org(db=db) as org:
        saved = await org.plan(scenario(MOVES[move][1]))
        assert len(saved.plan.steps) == MOVES[move][2]


@pytest.mark.parametrize("fault", FAULTS)
@pytest.mark.parametrize("n", range(1, 10))
@pytest.mark.parametrize("move", MOVES)
async def test_an_access_apply_broken_at_any_write_converges_when_run_again(
    orgs: dict[str, Path], tmp_path: Path, move: str, fault: str, n: int
) -> None:
    db = Path(shutil.copy(orgs[move], tmp_path / "org.sqlite3"))
    target = scenario(MOVES[move][1])
    async with open_org(db=db) as org:
        before = await org.live()
        FAULTS[fault](org.sandbox.faults, n)
        broken = await org.apply(target)
        assert fired(org), f"the fault at write {n} did not happen"
        failed = {s.action for s in broken.steps if s.status == "failed"}
        if fault == "refused":
            assert failed, "a refused write is a failed step"
        else:  # resent and done, except a create, which could then exist twice
            assert failed <= CREATES
        org.sandbox.faults.clear()
        await org.converge(target)
        after = await org.live()
    assert_nothing_twice(after)
    assert same_group(before, after, *RENAMED[move])


def assert_nothing_twice(state: OrgState) -> None:
    for found in (state.roles or (), state.groups or ()):
        names = Counter(item.key for item in found)
        assert [n for n, count in names.items() if count > 1] == []


def same_group(before: OrgState, after: OrgState, old: str, new: str) -> bool:
    """The group renamed from `old` to `new` is the same object (renamed, not re-created)."""
    then = {g.key: g.id for g in before.groups or ()}
    now = {g.key: g.id for g in after.groups or ()}
    return then[old.casefold()] == now[new.casefold()] and new.casefold() not in then
