"""origin.label(): each change is from the edit under review, or drift the org made by hand.

Three states per case: the org (live), the configuration at the base revision (base) and
the configuration under review (head). Drift: the base already asked for what the change
brings about. From this change: anything else, including when both moved (the edit wins).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reconciler.model import OrgState, ShareType
from reconciler.plan.build import build, relabel, summarise
from reconciler.plan.diff import Changes, diff
from reconciler.plan.file import Base, PlannedOrg, SavedPlan, dumps, loads
from reconciler.plan.origin import label, labelled, only
from tests.states import cond, live_rule, live_t, org, rule, user, want

ROOT = Path(__file__).parent.parent
LIVE = org(
    live_t("Zylker"),
    live_t("Americas", "Zylker", manager=user("amy"), users=["amy", "bob"]),
    live_t("EMEA", "Zylker", description="Hand-edited"),
    live_t("Stray", "Zylker"),
    data_sharing={"Leads": ShareType.public, "Accounts": ShareType.public},
    sharing_rules={"Deals": (live_rule("Deal desk", active=False), live_rule("Manual rule"))},
)


def labels(base: OrgState, head: OrgState, live: OrgState = LIVE) -> Changes:
    return label(diff(live, head), base)


def territory_origins(changes: Changes) -> dict[tuple[str, str], str | None]:
    return {(c.action, c.name): c.origin for c in changes.territories}


def test_unchanged_base_makes_everything_drift_and_an_edit_makes_its_part_change() -> None:
    base = org(
        want("Zylker"),
        want("Americas", "Zylker", manager=user("amy"), users=["amy"]),
        want("EMEA", "Zylker", description=None),
    )
    head = org(
        want("Zylker"),
        want("Americas", "Zylker", manager=user("bob"), users=["amy"]),
        want("EMEA", "Zylker", description=None),
        want("APAC", "Zylker"),
    )
    changes = labels(base, head)
    assert territory_origins(changes) == {
        ("create", "APAC"): "change",  # the edit adds it
        ("update", "Americas"): "change",  # the edit changes the manager
        ("update", "EMEA"): "drift",  # someone typed a description in the CRM
        ("delete", "Stray"): "drift",  # someone created it by hand; the base has no place for it
    }
    (member,) = changes.members
    assert (member.removed, member.origin) == ((user("bob"),), "drift")


def field_origins(changes: Changes) -> dict[str, str | None]:
    """Each changed field (and rename, move) of the territories, with its origin."""
    found: dict[str, str | None] = {}
    for c in changes.territories:
        found |= {f.field: c.origin for f in c.fields}
        found |= {"rename": c.origin} if c.renamed_from else {}
        found |= {"move": c.origin} if c.moved_from else {}
    return found


def test_origin_is_judged_field_by_field() -> None:
    """The manager the org changed by hand is drift even when the edit changes another
    field of the same territory; each part is shown under its own label."""
    live = org(live_t("Zylker"), live_t("T", "Zylker", manager=user("amy"), description="x"))
    base = org(want("Zylker"), want("T", "Zylker", manager=None, description="old"))
    head = org(want("Zylker"), want("T", "Zylker", manager=None, description="new"))
    changes = labels(base, head, live)
    assert field_origins(changes) == {"description": "change", "manager": "drift"}
    assert [c.name for c in changes.territories] == ["T", "T"]
    head = org(want("Zylker"), want("T", "Zylker", manager=None, description="old"))
    assert territory_origins(labels(base, head, live)) == {("update", "T"): "drift"}


def test_a_renamed_territory_whose_manager_was_changed_by_hand() -> None:
    """The pull request renames EMEA; someone changed its manager in the CRM. The rename is
    from this change, putting the manager back is drift."""
    live = org(live_t("Zylker"), live_t("EMEA", "Zylker", manager=user("bob")))
    base = org(want("Zylker"), want("EMEA", "Zylker", manager=user("amy")))
    head = org(want("Zylker"), want("Europe", "Zylker", manager=user("amy"), previously=("EMEA",)))
    changes = labels(base, head, live)
    assert field_origins(changes) == {"rename": "change", "manager": "drift"}
    summary = summarise(changes, ())
    assert (summary.update, summary.rename, summary.from_change, summary.drift) == (1, 1, 1, 1)


def test_both_the_edit_and_the_org_changed_it_the_edit_decides() -> None:
    live = org(live_t("Zylker"), live_t("T", "Zylker", description="by hand"))
    base = org(want("Zylker"), want("T", "Zylker", description="reviewed"))
    head = org(want("Zylker"), want("T", "Zylker", description="edited"))
    assert territory_origins(labels(base, head, live)) == {("update", "T"): "change"}


def test_a_field_the_base_left_unmanaged_is_the_edits() -> None:
    live = org(live_t("Zylker"), live_t("T", "Zylker", permission="read_only"))
    base = org(want("Zylker"), want("T", "Zylker"))
    head = org(want("Zylker"), want("T", "Zylker", permission="read_write_delete"))
    assert territory_origins(labels(base, head, live)) == {("update", "T"): "change"}


def test_renames_and_moves() -> None:
    live = org(live_t("Zylker"), live_t("A", "Zylker"), live_t("Old", "A"), live_t("M", "A"))
    base = org(want("Zylker"), want("A", "Zylker"), want("New", "A", previously=("Old",)))
    head = org(
        want("Zylker"),
        want("A", "Zylker"),
        want("New", "A", previously=("Old",)),
        want("M", "Zylker"),
    )
    changes = labels(base, head, live)
    # The base already renamed Old to New (the org still has, or went back to, the old
    # name): drift. M is moved by the edit; the base does not declare it: change.
    assert territory_origins(changes) == {("update", "New"): "drift", ("update", "M"): "change"}
    moved_by_hand = org(live_t("Zylker"), live_t("A", "Zylker"), live_t("New", "Zylker"))
    assert territory_origins(labels(base, base, moved_by_hand)) == {("update", "New"): "drift"}


def test_creates_and_deletes() -> None:
    live = org(live_t("Zylker"), live_t("Kept by base", "Zylker"), live_t("Gone", "Zylker"))
    base = org(
        want("Zylker"),
        want("Kept by base", "Zylker"),
        want("Deleted by hand", "Zylker", description="d"),
        want("Renamed", "Zylker", previously=("Gone",)),
    )
    head = org(
        want("Zylker"),
        want("Deleted by hand", "Zylker", description="d"),
        want("Edited too", "Zylker"),
    )
    assert territory_origins(labels(base, head, live)) == {
        ("create", "Deleted by hand"): "drift",  # declared the same way at the base
        ("create", "Edited too"): "change",
        ("delete", "Kept by base"): "change",  # the edit removes it
        ("delete", "Gone"): "change",  # the base would have renamed it, not deleted it
    }
    edited = org(want("Zylker"), want("Deleted by hand", "Zylker", description="new"))
    origins = territory_origins(labels(base, edited, live))
    assert origins[("create", "Deleted by hand")] == "change"


def test_a_base_that_did_not_manage_a_section_makes_it_all_the_edits() -> None:
    base = OrgState()
    head = org(want("Zylker"), want("Americas", "Zylker", users=["amy"]), data_sharing={})
    changes = labels(base, head)
    assert {c.origin for c in changes.territories} == {"change"}
    assert [m.origin for m in changes.members] == ["change"]


def test_a_membership_change_splits_into_its_edit_and_its_drift() -> None:
    live = org(live_t("Zylker"), live_t("T", "Zylker", users=["amy", "bob", "cid"]))
    base = org(want("Zylker"), want("T", "Zylker", users=["amy", "bob", "dee"]))
    head = org(want("Zylker"), want("T", "Zylker", users=["amy", "dee", "eve"]))
    members = labels(base, head, live).members
    assert [(m.origin, m.added, m.removed, m.before) for m in members] == [
        ("change", (user("eve"),), (user("bob"),), 3),
        ("drift", (user("dee"),), (user("cid"),), 3),
    ]


def test_defaults_and_rules() -> None:
    base = org(
        data_sharing={"Leads": ShareType.private, "Accounts": ShareType.public},
        sharing_rules={"Deals": (rule("Deal desk", active=True), rule("Old", access="read"))},
    )
    head = org(
        data_sharing={"Leads": ShareType.private, "Accounts": ShareType.private},
        sharing_rules={"Deals": (rule("Deal desk", active=True), rule("Old", access="read"))},
    )
    changes = labels(base, head)
    assert {d.module: d.origin for d in changes.defaults} == {
        "Accounts": "change",
        "Leads": "drift",
    }
    assert {(r.action, r.name): r.origin for r in changes.rules} == {
        ("create", "Old"): "drift",  # someone deleted it by hand
        ("delete", "Manual rule"): "drift",  # someone created it by hand
        ("toggle", "Deal desk"): "drift",  # someone switched it off
    }
    stricter = org(sharing_rules={"Deals": (rule("Deal desk", active=True),)})
    base_with_manual = org(
        sharing_rules={"Deals": (rule("Deal desk", active=False), rule("Manual rule"))}
    )
    changes = labels(base_with_manual, stricter)
    assert {(r.action, r.name): r.origin for r in changes.rules} == {
        ("delete", "Manual rule"): "change",
        ("toggle", "Deal desk"): "change",
    }


def test_a_rule_update_is_drift_when_the_base_asked_for_its_fields() -> None:
    live = org(sharing_rules={"Deals": (live_rule("R", criteria=cond("Amount", equal=1)),)})
    base = org(sharing_rules={"Deals": (rule("R", criteria=cond("Amount", equal=2)),)})
    assert [r.origin for r in labels(base, base, live).rules] == ["drift"]
    head = org(sharing_rules={"Deals": (rule("R", criteria=cond("Amount", equal=3)),)})
    assert [r.origin for r in labels(base, head, live).rules] == ["change"]


def test_only_and_labelled() -> None:
    changes = labels(OrgState(), org(want("Zylker"), want("APAC", "Zylker")))
    assert labelled(changes) and not labelled(diff(LIVE, org(want("Zylker"))))
    assert only(changes, "drift").empty and only(changes, "change") == changes


def test_labels_leave_the_steps_alone_and_add_counts_to_the_summary() -> None:
    base = org(want("Zylker"), want("Americas", "Zylker", users=["amy", "bob", "cid"]))
    head = org(want("Zylker"), want("Americas", "Zylker", users=["amy", "cid", "dee"]))
    plain = build(LIVE, head, diff(LIVE, head))
    plan = relabel(plain, label(plain.changes, base))
    assert plan.steps == plain.steps and plan.unsafe == plain.unsafe
    s = plan.summary
    assert (s.from_change, s.drift) == (2, 3)  # +dee and -bob; +cid, -EMEA, -Stray
    assert s.from_change + s.drift == s.changes == plain.summary.changes
    assert (plain.summary.from_change, plain.summary.drift) == (0, 0)


def test_labels_and_the_base_survive_the_plan_file_and_are_documented() -> None:
    base = org(want("Zylker"), want("EMEA", "Zylker"))
    head = org(want("Zylker"), want("EMEA", "Zylker"), want("APAC", "Zylker"))
    plain = build(LIVE, head, diff(LIVE, head))
    plan = relabel(plain, label(plain.changes, base))
    saved = SavedPlan(
        plan=plan,
        target=PlannedOrg(kind="sandbox", label="local sandbox (test)", api_domain="http://x"),
        base=Base(ref="origin/main", commit="0123456789abcdef" * 2 + "01234567"),
    )
    text = dumps(saved)
    again = loads(text)
    assert dumps(again) == text and again.base == saved.base
    payload = json.loads(text)
    assert payload["config"]["base"]["ref"] == "origin/main"
    assert {c["origin"] for c in payload["changes"]["territories"]} == {"change", "drift"}
    doc = (ROOT / "docs" / "plan-format.md").read_text(encoding="utf-8")
    for key in ("origin", "base", "from_change", "drift", "ref", "commit"):
        assert f"`{key}`" in doc or f'"{key}"' in doc, key
    unlabelled = json.loads(dumps(saved.model_copy(update={"plan": plain, "base": None})))
    assert (
        "origin" not in json.dumps(unlabelled["changes"]) and unlabelled["config"]["base"] is None
    )


@pytest.mark.parametrize(
    ("ref", "described"),
    [
        ("origin/main", "origin/main at 0123456"),
        ("0123456789", "0123456"),
        ("HEAD~1", "HEAD~1 at 0123456"),
    ],
)
def test_a_base_describes_itself(ref: str, described: str) -> None:
    assert Base(ref=ref, commit="0123456789abcdef" * 2 + "01234567").describe() == described
