"""plan_markdown(): a plan as a pull-request comment, never over GitHub's limit."""

from __future__ import annotations

import re

import pytest

from reconciler.model import OrgState
from reconciler.plan.build import Plan, build, relabel
from reconciler.plan.diff import diff
from reconciler.plan.origin import label
from reconciler.render.markdown import (
    LIMIT,
    MIN_LIMIT,
    code,
    detail_sections,
    fit,
    plan_markdown,
    step_text,
)
from reconciler.render.mermaid import DIAGRAM_NODES, mermaid_escape
from reconciler.render.words import NO_CHANGES, summary_line
from tests.states import live_t, org, rule, want
from tests.test_render_text import DESIRED, LIVE, check_golden, labelled_plan, realistic_plan

TARGET = "Zoho CRM https://www.zohoapis.eu (org 20071234)"
NODE = re.compile(
    r'^  (n\d+)\["([^"\[\](){}]*)"\]:::(added|removed|moved|renamed|updated|context)$'
)
EDGE = re.compile(r"^  (n\d+) (-->|-\.->) (n\d+)$")
CLASSDEF = re.compile(r"^  classDef (\w+) [\w#:,.\- ]+$")
NOTE = re.compile(
    r"> …truncated: showing ([\d,]+) of ([\d,]+) changes; "
    r"run `reconciler plan` locally for the full list\."
)


def mermaid(markdown: str) -> dict[str, tuple[str, str]]:
    """Check the diagram is plausible Mermaid; return its nodes: id -> (label, class)."""
    blocks = re.findall(r"```mermaid\n(.*?)\n```", markdown, flags=re.DOTALL)
    assert len(blocks) == 1
    (block,) = blocks
    for opening, closing in ("[]", "()", "{}"):
        assert block.count(opening) == block.count(closing)
    lines = block.splitlines()
    assert lines[0] == "flowchart TD"
    nodes: dict[str, tuple[str, str]] = {}
    edges: list[tuple[str, str]] = []
    classes: set[str] = set()
    for line in lines[1:]:
        if m := NODE.match(line):
            assert m[1] not in nodes
            nodes[m[1]] = (m[2], m[3])
        elif m := EDGE.match(line):
            edges.append((m[1], m[3]))
        elif m := CLASSDEF.match(line):
            classes.add(m[1])
        else:
            pytest.fail(f"not a node, edge or classDef: {line!r}")
    assert {end for edge in edges for end in edge} <= nodes.keys()
    assert classes == {"added", "removed", "moved", "renamed", "updated", "context"}
    return nodes


def huge_plan() -> Plan:
    """250 new territories with 80 members each (20,000 memberships) and 150 new rules."""
    regions = [
        want(
            f"Region {i:03}",
            "Zylker" if i < 10 else f"Region {i % 10:03}",
            users=[f"user{(i * 80 + j) % 3000}@zylker.example" for j in range(80)],
        )
        for i in range(250)
    ]
    modules = ["Leads", "Accounts", "Contacts", "Deals", "Tasks"]
    modules += ["Events", "Calls", "Products", "Quotes", "Cases"]
    rules = {m: tuple(rule(f"{m} rule {k}") for k in range(15)) for m in modules}
    live: OrgState = org(live_t("Zylker"))
    desired = org(want("Zylker"), *regions, sharing_rules=rules)
    return build(live, desired, diff(live, desired))


def test_realistic_plan_matches_the_golden_file() -> None:
    check_golden("plan.md", plan_markdown(realistic_plan(), target=TARGET))


def test_the_summary_comes_first() -> None:
    plan = realistic_plan()
    lines = plan_markdown(plan, target=TARGET).splitlines()
    assert lines[0] == "## Reconciler plan"
    assert lines[2] == f"Target: {TARGET}"
    assert lines[4] == f"**{summary_line(plan.summary)}**"


def test_the_diagram_shows_each_affected_territory_once_styled_by_its_change() -> None:
    nodes = mermaid(plan_markdown(realistic_plan()))
    labels = {label.split("<br/>")[0]: kind for label, kind in nodes.values()}
    assert labels == {
        "Zylker": "context",
        "Americas": "updated",
        "Latin America": "moved",
        "US East": "renamed",
        "APAC": "added",
        "ANZ": "added",
        "Japan": "added",
        "EMEA": "context",
        "Europe": "added",
        "DACH": "moved",
        "Nordics": "added",
        "UK #38; Ireland": "renamed",
        "Legacy": "removed",
        "Old Partners": "removed",
    }
    assert len(labels) == len(nodes)


def test_a_moved_territory_has_a_dashed_edge_from_its_old_parent() -> None:
    markdown = plan_markdown(realistic_plan())
    ids = {label.split("<br/>")[0]: node for node, (label, _) in mermaid(markdown).items()}
    assert f"  {ids['EMEA']} -.-> {ids['DACH']}" in markdown
    assert f"  {ids['Europe']} --> {ids['DACH']}" in markdown


def test_labels_escape_what_mermaid_misreads() -> None:
    name = 'Sales "A" [West] (old) #1 <b>|{x};`'
    live = org(live_t("Zylker"))
    desired = org(want("Zylker"), want(name, "Zylker"))
    nodes = mermaid(plan_markdown(build(live, desired, diff(live, desired))))
    (label,) = [label for label, kind in nodes.values() if kind == "added"]
    assert label == f"{mermaid_escape(name)}<br/>new"
    assert not set(mermaid_escape(name)) & set('"[](){}<>|`')


def test_names_cannot_break_the_markdown() -> None:
    live = org(live_t("Zylker"))
    desired = org(want("Zylker"), want("*Top* | <details> _x_", "Zylker"))
    markdown = plan_markdown(build(live, desired, diff(live, desired)))
    assert r"**\*Top\* \| \<details\> \_x\_**" in markdown
    assert markdown.count("<details>") == markdown.count("</details>")


def test_names_mention_nobody_link_no_issue_and_are_no_maths() -> None:
    """A name holding `@team` must not notify a GitHub team, `#12` not link an issue, and
    two `$` not render as maths: in every name, email and description."""
    name = "Deals @sales-team #12 $5 to $10"
    live = org(live_t("Zylker"))
    desired = org(want("Zylker"), want(name, "Zylker", users=["dee@zylker.example"]))
    markdown = plan_markdown(build(live, desired, diff(live, desired)))
    prose = re.sub(r"```mermaid.*?```", "", markdown, flags=re.DOTALL)  # a code block
    prose = re.sub(r"`[^`]*`", "", prose)  # code spans: GitHub links nothing there
    assert not re.search(r"(?<!\w)@\w", prose), "a mention"
    assert not re.search(r"(?<!\w)#\d", prose), "an issue link"
    assert not re.search(r"(?<!\\)\$", prose), "an unescaped dollar"
    assert "dee@zylker.example" in prose  # an address is no mention: kept as it is


@pytest.mark.parametrize(
    ("text", "span"), [("a", "`a`"), ("a`b", "``a`b``"), ("`x", "`` `x ``"), ("a``b", "```a``b```")]
)
def test_code_spans_survive_backticks(text: str, span: str) -> None:
    assert code(text) == span


def test_a_plan_with_nothing_to_do_says_so() -> None:
    desired = org(*(want(t.name, t.parent) for t in LIVE.territories or ()))
    plan = build(LIVE, desired, diff(LIVE, desired))
    assert plan_markdown(plan) == f"## Reconciler plan\n\n{NO_CHANGES}\n"


def test_same_plan_same_text() -> None:
    assert plan_markdown(realistic_plan()) == plan_markdown(realistic_plan())


def test_the_details_count_what_the_summary_counts() -> None:
    # so the truncation note's "of Y changes" is the summary's own total
    for plan in (realistic_plan(), huge_plan()):
        weights = sum(i.weight for s in detail_sections(plan) for i in s.items)
        assert weights == plan.summary.changes


def test_a_plan_that_fits_is_not_truncated() -> None:
    markdown = plan_markdown(realistic_plan())
    assert not NOTE.search(markdown) and "more not shown" not in markdown


def test_a_huge_plan_stays_under_the_limit_with_summary_and_note() -> None:
    plan = huge_plan()
    assert plan.summary.members_added == 20000
    markdown = plan_markdown(plan)
    assert len(markdown) <= LIMIT
    assert markdown.splitlines()[2] == f"**{summary_line(plan.summary)}**"
    note = NOTE.search(markdown)
    assert note is not None and note[2] == f"{plan.summary.changes:,}"
    assert markdown.index(note[0]) < markdown.index("```mermaid")  # seen before the details
    for title in ("Territories", "Memberships", "Sharing rules", "API calls"):
        assert f"<summary>{title} (" in markdown  # a huge section does not crowd out the rest
    assert markdown.count("<details>") == markdown.count("</details>") == 4
    nodes = mermaid(markdown)
    assert len(nodes) == DIAGRAM_NODES
    assert f"The diagram shows {DIAGRAM_NODES} of 251 territories." in markdown


@pytest.mark.parametrize("limit", [MIN_LIMIT, 10_000, 30_000])
def test_any_limit_is_kept(limit: int) -> None:
    markdown = plan_markdown(huge_plan(), target=TARGET, limit=limit)
    assert len(markdown) <= limit
    assert NOTE.search(markdown)
    assert markdown.count("<details>") == markdown.count("</details>")
    assert markdown.count("```") % 2 == 0


def test_a_limit_below_the_summary_is_refused() -> None:
    with pytest.raises(ValueError, match="at least"):
        plan_markdown(realistic_plan(), limit=MIN_LIMIT - 1)


def test_a_plan_without_territory_changes_has_no_diagram() -> None:
    live = org(sharing_rules={"Deals": ()})
    desired = org(sharing_rules={"Deals": (rule("R"),)})
    markdown = plan_markdown(build(live, desired, diff(live, desired)))
    assert (
        "```mermaid" not in markdown and "<summary>Sharing rules (1 change)</summary>" in markdown
    )


def test_user_centric_calls_name_the_user_and_the_territories() -> None:
    names = [f"T{i}" for i in range(7)]
    live = org(live_t("Zylker"), *(live_t(n, "Zylker", users=["eve"]) for n in names[:6]))
    desired = org(
        want("Zylker"),
        *(want(n, "Zylker", users=["bob"]) for n in names),
    )
    plan = build(live, desired, diff(live, desired))
    calls = {step_text(s) for s in plan.steps}
    assert "remove eve@zylker.example from T0, T1, T2, T3, T4 and 1 more" in calls
    assert "add bob@zylker.example to T0, T1, T2, T3, T4 and 2 more" in calls
    assert "create 1 territory: T6" in calls


def test_fitting_drops_a_section_that_has_no_room_at_all() -> None:
    sections = detail_sections(realistic_plan())
    text, shown = fit(sections, 100)
    assert (text, shown) == ("", 0)
    text, shown = fit(sections, 10**6)
    assert shown == realistic_plan().summary.changes


def test_a_labelled_plan_matches_the_golden_file() -> None:
    markdown = plan_markdown(labelled_plan(), target=TARGET, base="origin/main at 1a2b3c4")
    check_golden("plan-base.md", markdown)


def test_a_labelled_plan_groups_the_details_and_marks_drift_in_the_diagram() -> None:
    plan = labelled_plan()
    markdown = plan_markdown(plan, base="main")
    edit = markdown.index("### From this change")
    drift = markdown.index("### Drift (the org differs from main)")
    assert edit < drift < markdown.index("<summary>API calls")
    assert "| From this change | 7 |" in markdown and "| Drift | 23 |" in markdown
    labels = {label.split("<br/>")[0]: label for label, _ in mermaid(markdown).values()}
    assert labels["APAC"] == "APAC<br/>new" and labels["Legacy"] == "Legacy<br/>deleted<br/>drift"
    weights = sum(i.weight for s in detail_sections(plan, "main") for i in s.items)
    assert weights == plan.summary.changes == plan.summary.from_change + plan.summary.drift


def test_an_empty_group_says_none() -> None:
    markdown = plan_markdown(labelled_plan(base=DESIRED), base="main")
    assert "### From this change\n\nWhat the configuration edit under review does.\n\nNone.\n" in (
        markdown
    )


def test_a_huge_labelled_plan_stays_under_the_limit() -> None:
    plan = huge_plan()
    plan = relabel(plan, label(plan.changes, OrgState()))
    markdown = plan_markdown(plan, limit=10_000, base="main")
    assert len(markdown) <= 10_000 and NOTE.search(markdown)
    assert markdown.count("<details>") == markdown.count("</details>")
