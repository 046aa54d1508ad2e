"""Hints: a delete and a create under the same parent with the same manager suggest
`previously:`, in the text plan and the pull-request comment."""

from __future__ import annotations

import io

from reconciler.plan.build import build
from reconciler.plan.diff import diff
from reconciler.plan.hints import hints
from reconciler.render.markdown import plan_markdown
from reconciler.render.text import plan_text
from tests.states import live_t, org, user, want

LIVE = org(live_t("Zylker"), live_t("EMEA", "Zylker", manager=user("amy")))


def test_a_delete_and_a_create_alike_suggest_previously() -> None:
    desired = org(want("Zylker"), want("Europe", "Zylker", manager=user("amy")))
    plan = build(LIVE, desired, diff(LIVE, desired))
    [hint] = hints(plan.changes)
    assert "add `previously: [EMEA]` to `Europe`" in hint
    out = io.StringIO()
    plan_text(plan, out, color=False)
    assert f"Hint: {hint}" in out.getvalue().splitlines()
    assert "**Hint:**" in plan_markdown(plan)


def test_no_hint_for_another_manager_another_parent_or_a_rename() -> None:
    for desired in (
        org(want("Zylker"), want("Europe", "Zylker", manager=user("bob"))),
        org(want("Zylker"), want("Europe", "Zylker")),
        org(
            want("Zylker"),
            want("Intl", "Zylker"),
            want("Europe", "Intl", manager=user("amy")),
        ),
        org(want("Zylker"), want("Europe", "Zylker", manager=user("amy"), previously=("EMEA",))),
    ):
        assert hints(diff(LIVE, desired)) == []
