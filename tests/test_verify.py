"""The read-back after an apply: literal live states in, the differences from what the plan's
changes set out, in words (an empty answer when the org is as the plan left it)."""

from __future__ import annotations

from reconciler.plan.diff import diff
from reconciler.plan.verify import leftover
from tests.states import live_rule, live_t, org, rule, want

BEFORE = org(
    live_t("Zylker", manager="amy@zylker.example"),
    live_t("West", "Zylker", manager="amy@zylker.example", users=("amy",)),
    live_t("Gone", "Zylker"),
    sharing_rules={"Deals": (live_rule("Old"), live_rule("Kept"))},
    data_sharing={"Accounts": "private"},
)
DESIRED = org(
    want("Zylker"),
    want("West", "Zylker", manager="bob@zylker.example", users=("amy", "bob")),
    want("East", "Zylker"),
    sharing_rules={"Deals": (rule("Kept", access="read"), rule("New", access="read"))},
    data_sharing={"Accounts": "public_read_only"},
)
CHANGES = diff(BEFORE, DESIRED)
AS_PLANNED = org(
    live_t("Zylker", manager="amy@zylker.example"),
    live_t("West", "Zylker", manager="bob@zylker.example", users=("amy", "bob")),
    live_t("East", "Zylker"),
    sharing_rules={"Deals": (live_rule("Kept"), live_rule("New"))},
    data_sharing={"Accounts": "public_read_only"},
)


def test_an_org_as_the_plan_left_it_has_nothing_left_over() -> None:
    assert leftover(AS_PLANNED, CHANGES) == ()


def test_what_someone_else_changed_is_named() -> None:
    after = org(
        live_t("Zylker", manager="amy@zylker.example"),
        live_t("West", "East", manager="cid@zylker.example", users=("amy", "bob", "cid")),
        live_t("Gone", "Zylker"),
        sharing_rules={"Deals": (live_rule("Old"), live_rule("Kept"))},
        data_sharing={"Accounts": "private"},
    )
    assert leftover(after, CHANGES) == (
        "territory `East` is missing",
        "territory `West`: manager is cid@zylker.example, the plan set bob@zylker.example; "
        "it is under `East`, the plan put it under `Zylker`",
        "territory `Gone` is still there; the plan deleted it",
        "members of `West`: 3 members where the plan meant to leave 2",
        "the Accounts data-sharing default is private, the plan set public_read_only",
        "sharing rule `Old` (Deals) is still there; the plan deleted it",
        "sharing rule `New` (Deals) is missing; the plan made it",
    )


def test_a_rule_someone_else_rewrote_is_named() -> None:
    rules = {"Deals": (live_rule("Kept"), live_rule("New", access="read_write_delete"))}
    after = AS_PLANNED.model_copy(update={"sharing_rules": rules})
    assert leftover(after, CHANGES) == ("sharing rule `New` (Deals) is not as the plan set it",)


def test_a_member_the_plan_added_and_someone_removed_is_named() -> None:
    after = AS_PLANNED.model_copy(
        update={
            "territories": (
                live_t("Zylker", manager="amy@zylker.example"),
                live_t("West", "Zylker", manager="bob@zylker.example", users=("amy", "cid")),
                live_t("East", "Zylker"),
            )
        }
    )
    assert leftover(after, CHANGES) == ("members of `West`: bob@zylker.example is not a member",)
