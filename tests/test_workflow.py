"""workflow: `plan` reads what the diff needs, and `apply` of a saved plan refuses, before
its first write, a plan the org has moved away from (naming each object that changed) or
one that deletes too much; a fresh saved plan applies exactly."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from reconciler.apply.report import Silent
from reconciler.cli import workflow
from reconciler.errors import PlanFileError, StalePlan, UnsafePlan
from reconciler.plan import file as planfile
from reconciler.plan.file import SavedPlan
from tests.harness import Org, failures, scenario, yaml

pytestmark = pytest.mark.anyio

NORDICS = """
    version: 1
    territories:
      name: Zylker
      users: [patricia.boyle@zylker.example, amy@zylker.example]
      children:
        - name: Nordics
          users: [amy@zylker.example, bob@zylker.example]
"""
RENAMED = """
    version: 1
    territories:
      name: Zylker Group
      users: []
      children:
        - name: Northern Europe
          previously: [Nordics]
          users: [amy@zylker.example]
"""


async def test_members_are_read_under_former_names_and_the_renamed_root(zylker: Org) -> None:
    """Regression: the members of a territory being renamed, and of the root under a new
    name, were not read, so the plan could not remove anyone from them."""
    await zylker.converge(yaml(NORDICS))
    saved = await zylker.plan(yaml(RENAMED))
    removed = {m.territory: m.removed for m in saved.plan.changes.members}
    assert removed == {
        "Northern Europe": ("bob@zylker.example",),
        "Zylker Group": ("amy@zylker.example", "patricia.boyle@zylker.example"),
    }
    await zylker.converge(yaml(RENAMED))


async def saved_plan(org: Org) -> SavedPlan:
    """01 applied, then a plan to 02 saved to its file format and read back."""
    await org.converge(scenario("01_from_nothing"))
    saved = await org.plan(scenario("02_reorg"))
    return planfile.loads(planfile.dumps(saved))


async def test_a_fresh_saved_plan_applies_exactly(zylker: Org) -> None:
    saved = await saved_plan(zylker)
    report = await workflow.apply_saved(saved, zylker.connection, allow_deletes=True)
    assert report.ok, failures(report)
    assert (await zylker.plan(scenario("02_reorg"))).plan.empty


Change = Callable[[Org], Awaitable[Any]]


async def rename_us_west(org: Org) -> None:
    ident = await org.territory_id("US West")
    (result,) = await org.client.update_territories([{"id": ident, "name": "US Pacific"}])
    assert result.ok, result


async def add_a_member_to_dach(org: Org) -> None:
    hugo = (await org.live()).directory.user_by_email("hugo.bernard@zylker.example")
    assert hugo is not None
    await org.client.add_territory_users(await org.territory_id("DACH"), [hugo.id])


async def open_leads(org: Org) -> None:
    module = next(m for m in (await org.live()).directory.modules if m.name == "Leads")
    await org.client.update_data_sharing(
        [{"share_type": "public", "module": {"id": module.id, "api_name": "Leads"}}]
    )


async def add_an_accounts_rule(org: Org) -> None:
    rule = {
        "name": "Made by hand",
        "type": "Record_Owner_Based",
        "superiors_allowed": False,
        "permission_type": "read",
        "shared_from": {"type": "all_users"},
        "shared_to": {"type": "all_users"},
    }
    org.time.sandbox_clock.advance(3600)  # past the recomputation of the apply of 01
    assert (await org.client.create_sharing_rule("Accounts", rule)).ok


async def create_a_territory(org: Org) -> None:
    parent = await org.territory_id("Americas")
    item = {"name": "Caribbean", "reporting_to": {"id": parent}, "permission_type": "read_only"}
    (result,) = await org.client.create_territories([item])
    assert result.ok, result


@pytest.mark.parametrize(
    ("change", "named"),
    [
        (
            rename_us_west,
            ["territory `US West` was changed", "the list of territories was changed"],
        ),
        (add_a_member_to_dach, ["territory `DACH` was changed"]),
        (open_leads, ["the Leads data-sharing default was changed"]),
        (
            add_an_accounts_rule,
            [
                "sharing rule `Made by hand` (Accounts) was added",
                "the list of Accounts sharing rules was changed",
            ],
        ),
        (
            create_a_territory,
            ["territory `Caribbean` was added", "the list of territories was changed"],
        ),
    ],
    ids=lambda v: getattr(v, "__name__", ""),
)
async def test_a_change_in_the_org_since_the_plan_is_refused_and_named(
    zylker: Org, change: Change, named: list[str]
) -> None:
    saved = await saved_plan(zylker)
    await change(zylker)
    zylker.sandbox.reset_stats()
    with pytest.raises(StalePlan) as refused:
        await workflow.apply_saved(saved, zylker.connection, allow_deletes=True)
    assert sorted(refused.value.changed) == sorted(named)
    assert zylker.sandbox.stats()["writes"] == 0


async def test_too_many_deletes_are_refused_before_the_first_write(zylker: Org) -> None:
    await zylker.converge(scenario("01_from_nothing"))
    saved = await zylker.plan(yaml("version: 1\nterritories: {name: Zylker}\n"))
    assert saved.plan.unsafe
    zylker.sandbox.reset_stats()
    with pytest.raises(UnsafePlan) as refused:
        await workflow.apply_saved(saved, zylker.connection, allow_deletes=False)
    assert "deletes 11 of 12 territories" in str(refused.value)
    assert zylker.sandbox.stats()["calls"] == 0
    report = await workflow.apply_saved(saved, zylker.connection, allow_deletes=True)
    assert report.ok, failures(report)


async def test_a_plan_for_another_org_is_refused(zylker: Org) -> None:
    saved = await saved_plan(zylker)
    elsewhere = saved.target.model_copy(update={"org_id": "999"})
    zylker.sandbox.reset_stats()
    with pytest.raises(PlanFileError, match="made for"):
        await workflow.apply_saved(
            saved.model_copy(update={"target": elsewhere}), zylker.connection, allow_deletes=True
        )
    assert zylker.sandbox.stats()["writes"] == 0


async def test_a_plan_made_through_another_api_domain_is_refused(zylker: Org) -> None:
    saved = await saved_plan(zylker)
    elsewhere = saved.target.model_copy(update={"api_domain": "https://www.zohoapis.eu"})
    zylker.sandbox.reset_stats()
    with pytest.raises(PlanFileError, match="made through https://www.zohoapis.eu"):
        await workflow.apply_saved(
            saved.model_copy(update={"target": elsewhere}), zylker.connection, allow_deletes=True
        )
    assert zylker.sandbox.stats()["writes"] == 0


async def test_the_progress_listener_starts_when_the_writes_do(zylker: Org) -> None:
    """Regression: the listener (and its clock) started before the re-read of the org, so
    the level lines counted time the report did not."""
    saved = await saved_plan(zylker)
    zylker.sandbox.reset_stats()
    seen: list[dict[str, Any]] = []

    def listener_for(plan: Any, waiting: Any) -> Silent:
        seen.append(zylker.sandbox.stats())
        return Silent()

    report = await workflow.apply_saved(
        saved, zylker.connection, allow_deletes=True, listener_for=listener_for
    )
    assert report.ok, failures(report)
    (when,) = seen
    assert when["calls"] > 0 and when["writes"] == 0  # after the re-read, before any write
