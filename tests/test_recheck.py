"""recheck: just before a step writes, what it writes is read again and compared with the
plan. A change someone else made after the check before the first write is refused by name
instead of being overwritten; unrelated steps still run; steps made ready together share one
re-read; `--no-recheck` reads nothing between the writes; a failed re-read fails its steps
and a re-run converges."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

import httpx
import pytest

from reconciler.apply.recheck import Recheck
from reconciler.apply.report import Report, Silent, StepReport
from reconciler.apply.run import CHANGED, execute
from reconciler.cli import workflow
from reconciler.live import read
from reconciler.plan.build import Plan
from reconciler.plan.steps import Action, Step
from reconciler.render.report import report_text
from reconciler.sandbox import Sandbox, SandboxSettings, serve_in_thread
from reconciler.scope import Scope
from tests.cli_orgs import cli_org
from tests.harness import SCENARIOS, Org, failures, open_org, scenario, yaml
from tests.test_concurrent_applies import environment

AMY, BOB = "amy@zylker.example", "bob@zylker.example"


def org_yaml(parent: str, access: str, default: str) -> str:
    """West (under `parent`), the Accounts default, and two Accounts rules whose writes go
    one after the other."""
    west = f"name: West, manager: {AMY}, users: [{AMY}]"
    tree = f"[{{{west}}}]" if parent == "Zylker" else f"[{{name: North, children: [{{{west}}}]}}]"
    rules = "".join(
        f"    - {{name: Rule {n}, from: {{role: EMEA Sales}}, to: {{group: {group}}}, "
        f"access: {access}}}\n"
        for n, group in (("one", "Finance"), ("two", "Executives"))
    )
    return (
        f"version: 1\nterritories:\n  name: Zylker\n  children: {tree}\n"
        f"data_sharing:\n  Accounts: {default}\nsharing_rules:\n  Accounts:\n{rules}"
    )


BASE = org_yaml("Zylker", "read", "private")
WANTED = org_yaml("North", "read_write_delete", "public_read_only")


class Interloper:
    """Someone else, through Zoho's API: when the step this apply runs first finishes,
    West's manager is changed; when the first rule write finishes, the second rule is
    deactivated. Both land after the check before the first write and before the steps
    that would overwrite them."""

    def __init__(self, base: str, token: str, ids: dict[str, str]) -> None:
        self.http = httpx.Client(base_url=f"{base}/crm/v8", headers={"Authorization": token})
        self.ids = ids

    def started(self, step: Step) -> None:
        pass

    def finished(self, step: Step, report: StepReport) -> None:
        if step.action is Action.create_territories:
            body = {"territories": [{"id": self.ids["West"], "manager": {"id": self.ids[BOB]}}]}
            assert self.http.put("/settings/territories", json=body).status_code == 200
        elif step.action is Action.update_rule and step.rule.name == "Rule one":
            url = f"/settings/data_sharing/rules/{self.ids['Rule two']}/actions/activate"
            assert self.http.delete(url, params={"module": "Accounts"}).status_code == 200


async def approve(saved: object) -> bool:
    return True


async def ids_of(connection: workflow.Connection) -> dict[str, str]:
    live = await read(connection.client, Scope.everything())
    found = {t.name: t.id or "" for t in live.territories or ()}
    found |= {u.email: u.id for u in live.directory.users}
    return found | {r.name: r.id or "" for r in (live.sharing_rules or {})["Accounts"]}


@pytest.mark.served
def test_a_change_made_during_the_apply_is_refused_by_name_not_overwritten(tmp_path: Path):
    settings = SandboxSettings(rule_recompute_s=0)
    with Sandbox(tmp_path / "org.sqlite3", settings=settings) as sandbox:
        with serve_in_thread(sandbox) as base:
            env = environment(base, tmp_path / "unused.sqlite3")
            token = f"Zoho-oauthtoken {sandbox.issue_token()}"
            report, later = asyncio.run(_apply_meanwhile(env, base, token))
    by_action = {(s.action, s.status) for s in report.steps}
    refused = [s for s in report.steps if s.code == CHANGED]
    assert [s.message for s in refused] == [
        "changed by someone else during this apply: territory `West` was changed",
        "changed by someone else during this apply: sharing rule `Rule two` (Accounts) was changed",
    ]
    # unrelated steps, and the rule write made before the change, were done
    assert {("create_territories", "done"), ("set_defaults", "done")} <= by_action
    assert ("update_rule", "done") in by_action
    printed = io.StringIO()
    report_text(report, printed)
    assert "  - territory `West` was changed\n" in printed.getvalue()
    assert not report.ok
    # the other's changes stand, and the next plan says what is left
    assert later.summary.move == 1 and later.summary.rules_updated == 1
    west = next(c for c in later.changes.territories if c.name == "West")
    assert [(f.field, f.before, f.after) for f in west.fields] == [("manager", BOB, AMY)]


async def _apply_meanwhile(env: dict[str, str], base: str, token: str) -> tuple[Report, Plan]:
    options = workflow.Options(allow_custom_domain=True)
    async with workflow.connect(env, options) as connection:
        gate = workflow.Gate(True, approve, lambda *_: Silent(), None)
        first = await workflow.apply_config(yaml(BASE), connection, gate=gate)
        assert first is not None and first.ok, failures(first)
        interloper = Interloper(base, token, await ids_of(connection))
        gate = workflow.Gate(True, approve, lambda *_: interloper, None)
        try:
            report = await workflow.apply_config(yaml(WANTED), connection, gate=gate)
        finally:
            interloper.http.close()
        assert report is not None
        later = await workflow.make_plan(yaml(WANTED), connection)
    return report, later.plan


def get_calls(org: Org) -> int:
    return sum(not e["write"] for e in org.sandbox.stats()["log"])


@pytest.mark.anyio
async def test_steps_made_ready_together_share_one_re_read() -> None:
    """02_reorg has five steps in three waves: a create and a delete ready at once, then a
    move batch and a member addition, then a delete. Three re-reads, each as cheap as the
    formula says; without a re-check, not one read."""
    async with open_org(SandboxSettings(rule_recompute_s=0)) as org:
        for recheck in (True, False):
            await org.converge(scenario("01_from_nothing"))
            saved = await org.plan(scenario("02_reorg"))
            checks = Recheck(org.client, saved.plan, await read(org.client, saved.scope))
            org.sandbox.reset_stats()
            report = await execute(saved.plan, org.client, recheck=checks if recheck else None)
            assert report.ok, failures(report)
            if recheck:
                assert (checks.sets, get_calls(org)) == (3, checks.calls)
                assert len(saved.plan.steps) == 5
            else:
                assert get_calls(org) == 0


@pytest.mark.anyio
async def test_a_failed_re_read_fails_its_steps_and_a_rerun_converges() -> None:
    async with open_org(SandboxSettings(rule_recompute_s=0)) as org:
        await org.converge(scenario("01_from_nothing"))
        saved = await org.plan(scenario("02_reorg"))
        checks = Recheck(org.client, saved.plan, await read(org.client, saved.scope))
        org.sandbox.faults.fail_endpoint(
            "GET", "/crm/v8/settings/territories", 400, "INVALID_DATA", "refused", times=1
        )
        org.sandbox.reset_stats()
        report = await execute(saved.plan, org.client, recheck=checks)
        statuses = [(s.step, s.status, s.code) for s in report.steps]
        assert statuses == [
            (1, "failed", "INVALID_DATA"),
            (3, "failed", "INVALID_DATA"),
            (2, "skipped", None),
            (5, "skipped", None),
            (4, "skipped", None),
        ]
        assert org.writes() == {}  # nothing was written unchecked
        await org.converge(scenario("02_reorg"))


def test_no_recheck_reads_nothing_between_the_writes(tmp_path: Path) -> None:
    between = {}
    for flags in ((), ("--no-recheck",)):
        folder = tmp_path / "-".join(("org", *flags))
        folder.mkdir()
        with cli_org("in_process", folder, settings=SandboxSettings(rule_recompute_s=0)) as org:
            first = org.invoke("apply", str(SCENARIOS / "01_from_nothing.yaml"), "--auto-approve")
            assert first.exit_code == 0, first.stderr
            org.sandbox.reset_stats()
            result = org.invoke("apply", str(SCENARIOS / "02_reorg.yaml"), "--auto-approve", *flags)
            assert result.exit_code == 0, result.stderr
            log = [e for e in org.sandbox.stats()["log"] if e["template"].startswith("/crm/")]
            writes = [i for i, e in enumerate(log) if e["write"]]
            between[flags] = sum(not e["write"] for e in log[writes[0] : writes[-1]])
    assert between[("--no-recheck",)] == 0
    assert between[()] > 0


async def planned(org: Org, text: str) -> tuple[Plan, Recheck]:
    """The plan for `text`, and a re-check against the org as it is now (the check before
    the first write)."""
    saved = await org.plan(yaml(text))
    return saved.plan, Recheck(org.client, saved.plan, await read(org.client, saved.scope))


def refusals(report: Report) -> list[str]:
    return [s.message or "" for s in report.steps if s.code == CHANGED]


@pytest.mark.anyio
async def test_a_territory_someone_else_deleted_is_not_written() -> None:
    async with open_org(SandboxSettings(rule_recompute_s=0)) as org:
        await org.converge(yaml(BASE))
        plan, checks = await planned(org, BASE.replace(f"users: [{AMY}]", f"users: [{AMY}, {BOB}]"))
        west, root = await org.territory_id("West"), await org.territory_id("Zylker")
        await org.client.transfer_and_delete_territories([{"id": west, "transfer_to_id": root}])
        report = await execute(plan, org.client, recheck=checks)
        assert refusals(report) == [
            "changed by someone else during this apply: territory `West` was removed"
        ]
        assert report.interference == ("territory `West` was removed",)


@pytest.mark.anyio
async def test_a_rule_someone_else_added_stops_the_create_of_another() -> None:
    async with open_org(SandboxSettings(rule_recompute_s=0)) as org:
        await org.converge(yaml(BASE))
        three = "    - {name: Rule three, from: {role: EMEA Sales}, to: {group: Finance}}\n"
        plan, checks = await planned(org, BASE + three)
        assert [s.action for s in plan.steps] == [Action.create_rule]
        four = three.replace("three", "four").replace("Finance", "Sales Operations")
        await org.converge(yaml(BASE + four))
        report = await execute(plan, org.client, recheck=checks)
        assert refusals(report) == [
            "changed by someone else during this apply: sharing rule `Rule four` (Accounts) "
            "was added"
        ]


@pytest.mark.anyio
async def test_a_child_this_apply_moved_by_deleting_its_parent_is_not_called_changed() -> None:
    """A transfer-and-delete moves the deleted territory's children to its heir; a later
    step that writes such a child must not take that for someone else's change. (The
    planner moves children out before deleting their parent; it deletes first only when
    the org would otherwise pass Zoho's cap, the order forced here.)"""
    before = "version: 1\nterritories:\n  name: Zylker\n  children:\n" + (
        "    - {name: P, children: [{name: C}]}\n"
    )
    after = (
        "version: 1\nterritories:\n  name: Zylker\n  children:\n    - {name: C, description: x}\n"
    )
    async with open_org(SandboxSettings(rule_recompute_s=0)) as org:
        await org.converge(yaml(before))
        plan, checks = await planned(org, after)
        update, delete = plan.steps
        assert (update.action, delete.action, delete.after) == (
            Action.update_territories,
            Action.delete_territories,
            (update.id,),
        )
        steps = (
            delete.model_copy(update={"after": ()}),
            update.model_copy(update={"after": (delete.id,)}),
        )
        report = await execute(plan.model_copy(update={"steps": steps}), org.client, recheck=checks)
        assert report.ok, failures(report)
        assert (await org.plan(yaml(after))).plan.empty
