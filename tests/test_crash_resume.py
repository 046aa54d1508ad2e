"""Crash and resume: an apply of many operations (01 -> 07, 21 writes) is broken at its Nth
write, for every N, in three ways: the write is refused, the connection drops before the
write is made, or it drops after the write is made (the client cannot know whether it
happened). A dropped call is resent within the run unless it is a create (which could then
exist twice). Then a second apply must converge, nothing may exist twice, and territories
that were only renamed or moved must be the same territories with the same members.
"""

from __future__ import annotations

import asyncio
import shutil
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

from reconciler.model import OrgState, name_key
from reconciler.sandbox import Faults
from tests.harness import Org, open_org, scenario

pytestmark = pytest.mark.anyio

BEFORE, AFTER = "01_from_nothing", "07_everything_at_once"
WRITES = 21  # the plan's steps: one write each
# Territories 07 renames or moves without managing their members: new name -> old name.
KEPT = {
    "North America": "Americas",
    "Latin America": "LATAM",
    "DACH": "DACH",
    "British Isles": "UK and Ireland",
    "APAC": "APAC",
    "Oceania": "ANZ",
}
Arm = Callable[[Faults, int], None]
FAULTS: dict[str, Arm] = {
    "refused": lambda faults, n: faults.fail_nth_write(n, 400, "INVALID_DATA", "refused"),
    "dropped": lambda faults, n: faults.drop_nth_write(n),
    "dropped_after_write": lambda faults, n: faults.drop_nth_write(n, after_write=True),
}


async def test_the_scenario_has_as_many_writes_as_the_crash_points() -> None:
    async with open_org() as org:
        await org.converge(scenario(BEFORE))
        saved = await org.plan(scenario(AFTER))
        assert len(saved.plan.steps) == WRITES
        org.sandbox.reset_stats()
        await org.converge(scenario(AFTER))
        assert org.sandbox.stats()["writes"] == WRITES


@pytest.fixture(scope="session")
def org_before(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An org database with 01 applied, made once and copied by each test."""
    path = tmp_path_factory.mktemp("crash") / "before.sqlite3"

    async def make() -> None:
        async with open_org(db=path) as org:
            await org.converge(scenario(BEFORE))

    asyncio.run(make())
    return path


@pytest.mark.parametrize("fault", FAULTS)
@pytest.mark.parametrize("n", range(1, WRITES + 1))
async def test_an_apply_broken_at_any_write_converges_when_run_again(
    org_before: Path, tmp_path: Path, fault: str, n: int
) -> None:
    db = Path(shutil.copy(org_before, tmp_path / "org.sqlite3"))
    async with open_org(db=db) as org:
        before = await org.live()
        FAULTS[fault](org.sandbox.faults, n)
        broken = await org.apply(scenario(AFTER))
        assert fired(org), f"the fault at write {n} did not happen"
        failed = {s.action for s in broken.steps if s.status == "failed"}
        if fault == "refused":
            assert failed, "a refused write is a failed step"
        else:  # any other call is resent and succeeds; a create is not: it could duplicate
            assert failed <= {"create_territories", "create_rule"}
        org.sandbox.faults.clear()
        await org.converge(scenario(AFTER))
        after = await org.live()
        assert_nothing_twice(after)
        assert_kept(before, after)


def fired(org: Org) -> bool:
    log = org.sandbox.stats()["log"]
    return any(e["dropped"] or e["status"] == 400 and e["write"] for e in log)


def assert_nothing_twice(state: OrgState) -> None:
    names = Counter(t.key for t in state.territories or ())
    assert [n for n, count in names.items() if count > 1] == []
    assert len(names) == 1 + count_territories(AFTER)
    for module, rules in (state.sharing_rules or {}).items():
        assert len({r.key for r in rules}) == len(rules), module
    live = state.sharing_rules or {}
    for module, wanted in (scenario(AFTER).state.sharing_rules or {}).items():
        assert len(live.get(module, ())) == len(wanted), module


def count_territories(name: str) -> int:
    return len(scenario(name).state.territories or ()) - 1


def assert_kept(before: OrgState, after: OrgState) -> None:
    """Renamed and moved territories are the same objects, with every member they had."""
    for new, old in KEPT.items():
        then, now = before.territory(old), after.territory(new)
        assert then is not None and now is not None
        assert (now.id, now.users) == (then.id, then.users), name_key(new)


def test_every_kept_territory_is_renamed_or_moved() -> None:
    wanted = {t.name: t for t in scenario(AFTER).state.territories or ()}
    had = {t.name: t for t in scenario(BEFORE).state.territories or ()}
    for new, old in KEPT.items():
        assert wanted[new].users is None and had[old].users, new  # members unmanaged, not empty
        assert new != old or wanted[new].parent != had[old].parent, new
