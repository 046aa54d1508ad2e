"""What apply re-derives from a plan's steps: literal states in, a plan built from them, and
the graph problems, the objects written, the scope to re-read and the safety verdict out."""

from __future__ import annotations

from reconciler.plan.build import build, fingerprints
from reconciler.plan.diff import diff
from reconciler.plan.trust import graph_problems, scope_of, unsafe_now, written
from reconciler.scope import Scope
from tests.states import live_rule, live_t, org, rule, want

LIVE = org(
    live_t("Zylker"),
    live_t("West", "Zylker", users=("amy", "bob", "cid")),
    live_t("Gone", "Zylker", users=("dee",)),
    sharing_rules={"Deals": (live_rule("Old"), live_rule("Kept", active=False))},
    data_sharing={"Accounts": "private"},
)
DESIRED = org(
    want("Zylker"),
    want("West", "Zylker", users=("amy",)),
    sharing_rules={"Deals": (rule("Kept", active=True), rule("New", access="read"))},
    data_sharing={"Accounts": "public_read_only"},
)
PLAN = build(LIVE, DESIRED, diff(LIVE, DESIRED))


def test_a_plan_as_built_has_a_graph_apply_can_run() -> None:
    assert graph_problems(PLAN.steps) == []


def test_every_object_the_steps_write_is_fingerprinted_by_the_plan() -> None:
    keys = written(PLAN.steps)
    assert set(keys) <= set(PLAN.fingerprints) == set(fingerprints(LIVE, DESIRED))
    assert {
        "territory:t-west",
        "territory:t-gone",
        "default:Accounts",
        "rule:Deals:s-old",
        "rule:Deals:s-kept",
        "rules:Deals",
    } <= set(keys)
    assert keys["rule:Deals:s-old"] == "sharing rule `Old` (Deals)"


def test_an_emptied_scope_is_widened_to_what_the_steps_write() -> None:
    scope = scope_of(PLAN.steps, Scope())
    assert scope.territories and scope.data_sharing
    assert scope.rule_modules == ("Deals",)
    assert scope.members_of == ("gone", "west")


def test_the_safety_verdict_comes_from_the_steps_and_the_org() -> None:
    small = org(live_t("Zylker"), *(live_t(f"T{n}", "Zylker", users=("amy",)) for n in range(8)))
    everything_gone = build(small, org(want("Zylker")), diff(small, org(want("Zylker"))))
    assert unsafe_now(everything_gone.steps, small) == (
        "deletes 8 of 9 territories (more than 3 needs --allow-deletes)",
    )
    assert unsafe_now(PLAN.steps, LIVE) == ()
