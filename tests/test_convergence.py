"""Convergence, the headline test: each scenario of tests/scenarios/ applied to a fresh demo
org leaves nothing to plan, and so does every step of a sequence of them.

The scenarios are small and realistic: an org built from nothing, a reorg (renames, a
subtree moved, a region deleted whose children are kept), membership reshuffles, rule
changes of every kind, defaults, and territory field changes.
"""

from __future__ import annotations

import pytest

from reconciler.model import OrgState
from tests.harness import Org, scenario, scenario_names

pytestmark = pytest.mark.anyio

SEQUENCES = [
    ("01_from_nothing", "02_reorg", "03_memberships", "01_from_nothing"),
    ("01_from_nothing", "04_rules", "05_defaults", "01_from_nothing"),
    ("01_from_nothing", "06_territory_fields", "02_reorg", "01_from_nothing"),
    ("02_reorg", "01_from_nothing", "06_territory_fields", "02_reorg"),
    ("08_access_new_region", "01_from_nothing", "09_access_reorg", "08_access_new_region"),
    ("09_access_reorg", "10_access_prune", "08_access_new_region", "09_access_reorg"),
]


@pytest.mark.parametrize("name", scenario_names())
async def test_each_scenario_converges_on_a_fresh_org(zylker: Org, name: str) -> None:
    report = await zylker.converge(scenario(name))
    assert report.steps, "a scenario changes something in the demo org"


@pytest.mark.parametrize("names", SEQUENCES, ids="->".join)
async def test_every_step_of_a_sequence_converges(zylker: Org, names: tuple[str, ...]) -> None:
    for name in names:
        await zylker.converge(scenario(name))


async def test_the_reorg_renames_and_moves_and_keeps_the_children_of_a_deleted_region(
    zylker: Org,
) -> None:
    await zylker.converge(scenario("01_from_nothing"))
    before = await zylker.live()
    await zylker.converge(scenario("02_reorg"))
    after = await zylker.live()
    ids = {t.name: t.id for t in after.territories or ()}
    old = {t.name: t.id for t in before.territories or ()}
    assert ids["North America"] == old["Americas"]  # renamed, not re-created
    assert ids["Latin America"] == old["LATAM"]  # renamed and moved to the top
    assert ids["DACH"] == old["DACH"] and ids["APAC"] == old["APAC"]  # moved
    assert "EMEA" not in ids and "Southern Europe" not in ids
    assert parents(after)["DACH"] == "Europe" and parents(after)["Japan"] == "APAC"
    assert parents(after)["APAC"] == "Asia"


async def test_unmanaged_sections_and_keys_are_left_alone(zylker: Org) -> None:
    await zylker.converge(scenario("01_from_nothing"))
    before = await zylker.live()
    await zylker.converge(scenario("04_rules"))  # manages rules of three modules only
    after = await zylker.live()
    assert after.territories == before.territories
    assert after.data_sharing == before.data_sharing


def parents(state: OrgState) -> dict[str, str | None]:
    return {t.name: t.parent for t in state.territories or ()}
