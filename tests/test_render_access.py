"""Roles, groups and users in the rendered plan (text and Markdown), and in YAML written back
as a user wrote it (`as_written`): tombstones, former names and prune survive a round trip."""

from __future__ import annotations

import io

from reconciler.config.export import dump
from reconciler.config.load import load_documents
from reconciler.model import GroupSource, OrgState, Role, SourceKind, UserAccess, UserGroup
from reconciler.plan.build import build
from reconciler.plan.diff import diff
from reconciler.render.markdown import plan_markdown
from reconciler.render.text import plan_text
from tests.harness import scenario
from tests.test_plan_access import LIVE, desired_roles


def access_plan() -> OrgState:
    roles = desired_roles(
        Role(name="Rep", parent="Finance"),
        Role(name="Ops", parent="CEO", description="New"),
        drop="Rep",
    )
    group = UserGroup(
        name="Crew",
        previously=("Team",),
        sources=(GroupSource(kind=SourceKind.territory, name="EMEA", below=True),),
    )
    users = (UserAccess(email="vp@x.example", role="Ops", profile="Admin"),)
    wanted = OrgState(roles=roles, groups=(group,), users=users)
    return wanted


def test_the_text_plan_shows_roles_groups_users_and_who_is_affected() -> None:
    wanted = access_plan()
    plan = build(LIVE, wanted, diff(LIVE, wanted))
    out = io.StringIO()
    plan_text(plan, out, color=False)
    text = out.getvalue()
    for line in (
        "Roles\n  + Ops (under CEO)\n",
        "  ~ Rep (under Finance)\n      moved from under VP\n",
        "1 user gains sight of its users' records: fin@x.example",
        "User groups\n  ~ Crew\n      renamed from Team\n",
        "      + source territory EMEA and sub-territories\n",
        "      - source role VP and subordinates\n",
        "2 users leave (and what is shared to it): rep@x.example, vp@x.example",
        "Users\n  ~ vp@x.example: role VP → Ops, profile None → Admin\n",
        "2 role changes, 1 group change, 1 user role change",
    ):
        assert line in text, text


def test_the_markdown_plan_shows_them_too() -> None:
    wanted = access_plan()
    plan = build(LIVE, wanted, diff(LIVE, wanted))
    text = plan_markdown(plan)
    for line in (
        "Roles (2 changes)",
        "- + Ops (under CEO)\n- \\~ Rep (under Finance)\n  - moved from under VP",
        "User groups (1 change)",
        "| create role Ops |",
        "| update group Crew |",
        "| update users' roles: vp@x.example |",
    ):
        assert line in text, text


def key(role: Role) -> str:
    return role.key


def test_a_configuration_written_back_loads_the_same() -> None:
    for name in ("08_access_new_region", "09_access_reorg", "10_access_prune"):
        state = scenario(name).state
        again = load_documents([("again.yaml", dump(state, as_written=True).encode())]).state
        assert sorted(again.roles or (), key=key) == sorted(state.roles or (), key=key)
        assert (again.groups, again.users) == (state.groups, state.users)
        assert again.prune_groups == state.prune_groups
