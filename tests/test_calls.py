"""calls: each plan step is exactly one write call, to the endpoint its action names, in the
batches the plan packed; refusals that mean "already so" count as done, so a resumed run
does not fail on its own earlier success.

Measured on the sandbox's request log, with recomputation off so that no rule write is
refused and retried: then the plan's `api_calls` is the number of writes the apply made.
"""

from __future__ import annotations

import re
from collections import Counter

import pytest

from reconciler.apply.recheck import Sizes, Wanted
from reconciler.apply.run import execute
from reconciler.cli import workflow
from reconciler.live import lower_bound, read
from reconciler.plan import file as planfile
from reconciler.plan.file import SavedPlan
from reconciler.plan.steps import Action
from reconciler.plan.trust import written
from reconciler.sandbox import SandboxSettings
from tests.harness import Org, failures, open_org, scenario, yaml

pytestmark = pytest.mark.anyio

API = "/crm/v8/"
ENDPOINTS = {
    Action.create_territories: "POST settings/territories",
    Action.update_territories: "PUT settings/territories",
    Action.delete_territories: "POST settings/territories/actions/transfer_and_delete",
    Action.add_users_to_territory: "PUT settings/territories/{id}/users",
    Action.remove_users_from_territory: "DELETE settings/territories/{id}/users",
    Action.add_territories_to_user: "PUT users/{id}/territories",
    Action.remove_territories_from_user: "DELETE users/{id}/territories",
    Action.set_defaults: "PUT settings/data_sharing",
    Action.create_rule: "POST settings/data_sharing/rules",
    Action.update_rule: "PUT settings/data_sharing/rules/{id}",
    Action.delete_rule: "DELETE settings/data_sharing/rules/{id}",
    Action.activate_rule: "PUT settings/data_sharing/rules/{id}/actions/activate",
    Action.deactivate_rule: "DELETE settings/data_sharing/rules/{id}/actions/activate",
}
SEQUENCE = (
    "01_from_nothing",
    "02_reorg",
    "03_memberships",
    "04_rules",
    "05_defaults",
    "07_everything_at_once",
    "06_territory_fields",
    "01_from_nothing",
)


def estimated(saved: SavedPlan) -> Counter[str]:
    """The plan's steps by the endpoint each is sent to."""
    return Counter(ENDPOINTS[step.action] for step in saved.plan.steps)


async def apply_counting(org: Org, saved: SavedPlan) -> Counter[str]:
    """Apply a plan; return its write calls by endpoint, from the sandbox's log."""
    org.sandbox.reset_stats()
    report = await execute(saved.plan, org.client)
    assert report.ok, failures(report)
    made: Counter[str] = Counter()
    for call, count in org.writes().items():
        made[re.sub(r"\{\w+\}", "{id}", call.replace(API, "", 1))] += count
    return made


async def test_every_apply_makes_exactly_the_calls_its_plan_estimated() -> None:
    async with open_org(SandboxSettings(rule_recompute_s=0)) as org:
        actions: set[Action] = set()
        for name in SEQUENCE:
            saved = await org.plan(scenario(name))
            made = await apply_counting(org, saved)
            assert made == estimated(saved), name
            assert sum(made.values()) == saved.plan.summary.api_calls
            actions |= {step.action for step in saved.plan.steps}
        assert org.client.stats.retries == 0
        user_centric = {Action.add_territories_to_user, Action.remove_territories_from_user}
        assert actions == set(ENDPOINTS) - user_centric  # those: the batch test below


def flat(count: int, users: str | None = None) -> str:
    """The root with `count` territories under it, each with `users` when given."""
    members = "" if users is None else f", users: [{users}]"
    rows = "".join(f"\n    - {{name: T{i:03}{members}}}" for i in range(count))
    return f"version: 1\nterritories:\n  name: Zylker\n  children:{rows or ' []'}\n"


BOB = "bob@zylker.example"


def batch(step: object) -> int:
    """How many objects one step carries."""
    for name in ("items", "users", "territories"):
        if hasattr(step, name):
            return len(getattr(step, name))
    return 1


async def test_batches_are_as_large_as_the_endpoints_take() -> None:
    """120 territories created 100 a call; one user added to all of them 100 a call (the
    user-centric call); removed from them 25 a call (ids travel in a query string of at
    most 500 characters); the territories deleted 10 a call.

    Regression: user-centric removals were packed 100 ids a step, which the client had to
    split into more calls than the plan estimated."""
    expected = {
        flat(120): [100, 20],
        flat(120, BOB): [100, 20],
        flat(120, ""): [25, 25, 25, 25, 20],
        flat(0): [10] * 12,
    }
    async with open_org(SandboxSettings(rule_recompute_s=0)) as org:
        for text, sizes in expected.items():
            saved = await org.plan(yaml(text))
            assert sorted((batch(s) for s in saved.plan.steps), reverse=True) == sizes
            assert await apply_counting(org, saved) == estimated(saved)


async def test_the_stale_check_reads_no_more_than_the_lower_bound(zylker: Org) -> None:
    """`apply plan.json` reads again what the plan read, in the fewest calls, then what the
    first steps write (their re-check, `apply/recheck.py`), before its first write."""
    await zylker.converge(scenario("01_from_nothing"))
    saved = planfile.loads(planfile.dumps(await zylker.plan(scenario("02_reorg"))))
    live = await read(zylker.client, saved.scope)
    zylker.sandbox.reset_stats()
    report = await workflow.apply_saved(saved, zylker.connection, allow_deletes=True)
    assert report.ok, failures(report)
    log = [e for e in zylker.sandbox.stats()["log"] if e["template"].startswith(API)]
    first_write = next(i for i, e in enumerate(log) if e["write"])
    territories = live.territories or ()
    first = [s for s in saved.plan.steps if not s.after]
    keys = [k for k in written(first) if k in saved.plan.fingerprints]
    recheck = Sizes(live).calls(Wanted.of(keys))
    assert recheck == 2  # the list of territories (for a create), the members of one deleted
    assert first_write - recheck == lower_bound(
        users=len(live.directory.users),
        territories=len(territories),
        members=[len(t.users) for t in territories if t.users is not None],
        groups=len(live.directory.groups),
        rules=sum(len(r) for r in (live.sharing_rules or {}).values()),
        rule_modules=len(saved.scope.rule_modules or ()),
        defaults=saved.scope.data_sharing,
        field_modules=len(saved.scope.field_modules),
    )


async def test_a_delete_resent_after_its_connection_dropped_counts_as_done() -> None:
    """Regression: the connection drops after Zoho deleted the territories (or the rule);
    the client resends, Zoho answers that the id is unknown, and the step was reported as
    failed though the delete was done."""
    async with open_org() as org:
        await org.converge(scenario("01_from_nothing"))
        faults = org.sandbox.faults
        faults.drop_endpoint("POST", API + "settings/territories/actions/transfer_and_delete", True)
        faults.drop_endpoint("DELETE", API + "settings/data_sharing/rules/*", True)
        report = await org.apply(scenario("07_everything_at_once"))
        assert report.ok, failures(report)
        assert sum(e["dropped"] for e in org.sandbox.stats()["log"]) == 2
        assert (await org.plan(scenario("07_everything_at_once"))).plan.empty


async def test_removing_a_user_from_a_territory_they_left_counts_as_done() -> None:
    async with open_org(SandboxSettings(rule_recompute_s=0)) as org:
        await org.converge(yaml(flat(20, BOB)))
        saved = await org.plan(yaml(flat(20, "")))
        (step,) = saved.plan.steps
        assert step.action is Action.remove_territories_from_user
        bob = next(u.id for u in (await org.live()).directory.users if u.email == BOB)
        await org.client.remove_user_territories(bob, [await org.territory_id("T007")])
        report = await execute(saved.plan, org.client)
        assert report.ok, failures(report)
        assert [i.message for i in report.steps[0].items].count("already so") == 1
