"""plan_text(): the plan as a terminal or a CI log shows it.

The golden file is the review copy of the wording: regenerate it with `UPDATE_GOLDEN=1`,
read the diff, and commit it with the change that caused it.
"""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from reconciler.model import Criteria, Group, OrgState, Principal, PrincipalKind, ShareType
from reconciler.plan.build import Plan, Summary, build, relabel
from reconciler.plan.diff import diff
from reconciler.plan.file import PlannedOrg, SavedPlan, dumps, loads
from reconciler.plan.origin import label
from reconciler.plan.steps import Action
from reconciler.render.text import plan_text
from reconciler.render.words import NO_CHANGES, criteria_text, summary_line
from tests.states import cond, live_rule, live_t, org, rule, user, want

GOLDEN = Path(__file__).parent / "golden"
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def role(name: str, subordinates: bool = False) -> Principal:
    return Principal(kind=PrincipalKind.role, name=name, subordinates=subordinates)


def group(name: str) -> Principal:
    return Principal(kind=PrincipalKind.group, name=name)


def both(*criteria: Criteria) -> Group:
    return Group(operator="and", criteria=criteria)


def either(*criteria: Criteria) -> Group:
    return Group(operator="or", criteria=criteria)


BIG_ACCOUNTS = both(
    cond("Annual_Revenue", greater_than=1000000), cond("Billing_Country", equal="USA")
)
LIVE = org(
    live_t("Zylker"),
    live_t(
        "Americas",
        "Zylker",
        manager=user("amy"),
        description="North America",
        users=["amy", "bob"],
        account_rule=both(
            cond("Billing_Country", in_=["USA", "Canada"]), cond("Annual_Revenue", greater_equal=0)
        ),
    ),
    live_t("East Coast", "Americas", users=["cid"]),
    live_t("US West", "Americas", users=["cid", "dee"]),
    live_t("EMEA", "Zylker"),
    live_t("DACH", "EMEA", users=["eve"]),
    live_t("UK", "EMEA"),
    live_t("South America", "EMEA"),
    live_t("Legacy", "Zylker", users=["hal", "ivy"]),
    live_t("Old Partners", "Legacy"),
    data_sharing={"Leads": ShareType.public, "Accounts": ShareType.private},
    sharing_rules={
        "Accounts": (
            live_rule("Big deals to finance", criteria=BIG_ACCOUNTS),
            live_rule("Old partner access", source=group("Global Managers"), to=group("Finance")),
        ),
        "Contacts": (live_rule("Contacts to CEO", to=group("Global Managers")),),
        "Deals": (
            live_rule("Deal desk", source=role("Sales Manager", True), active=False),
            live_rule("Managers see all deals", to=group("Global Managers")),
        ),
    },
)
DESIRED = org(
    want("Zylker"),
    want(
        "Americas",
        "Zylker",
        manager=None,
        description="North and South America",
        users=["amy"],
        account_rule=both(
            cond("Billing_Country", in_=["USA", "Canada", "Mexico"]),
            cond("Annual_Revenue", greater_equal=0),
        ),
    ),
    want("US East", "Americas", previously=("East Coast",), users=["cid"]),
    want("US West", "Americas", users=["cid", "dee", "fay"]),
    want("Latin America", "Americas", previously=("South America",)),
    want("EMEA", "Zylker"),
    want("Europe", "EMEA", manager=user("eve"), permission="read_only"),
    want("DACH", "Europe"),
    want("Nordics", "Europe", users=["gus"]),
    want("UK & Ireland", "EMEA", previously=("UK",)),
    want(
        "APAC",
        "Zylker",
        description="Asia and Pacific",
        users=["jon", "ivy"],
        lead_rule=cond("Lead_Source", equal="Partner"),
    ),
    want("ANZ", "APAC"),
    want(
        "Japan",
        "APAC",
        deal_rule=either(
            cond("Amount", greater_than=50000), cond("Stage", in_=["Negotiation", "Closed Won"])
        ),
    ),
    data_sharing={"Leads": ShareType.private, "Accounts": ShareType.public_read_only},
    sharing_rules={
        "Accounts": (
            rule(
                "Big deals to finance",
                criteria=both(
                    cond("Annual_Revenue", greater_than=5000000),
                    cond("Billing_Country", equal="USA"),
                ),
                access="read_write_delete",
            ),
            rule(
                "Managers see EMEA accounts",
                source=role("Sales Manager", True),
                to=group("Global Managers"),
                superiors=True,
            ),
        ),
        "Contacts": (rule("Contacts to CEO", to=group("Global Managers"), active=False),),
        "Deals": (
            rule("Deal desk", source=role("Sales Manager", True), active=True),
            rule(
                "Managers see all deals",
                to=group("Global Managers"),
                access="read_write_delete",
                superiors=True,
            ),
        ),
        "Leads": (rule("Web leads", criteria=cond("Lead_Source", equal="Web"), active=False),),
    },
)


def realistic_plan() -> Plan:
    """One plan with every kind of change a reviewer can meet."""
    return build(LIVE, DESIRED, diff(LIVE, DESIRED))


def text(plan: Plan, *, color: bool = False) -> str:
    out = io.StringIO()
    plan_text(plan, out, color=color)
    return out.getvalue()


def check_golden(name: str, rendered: str) -> None:
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_text(rendered, encoding="utf-8")
    assert rendered == path.read_text(encoding="utf-8"), f"regenerate with UPDATE_GOLDEN=1: {path}"


def test_realistic_plan_matches_the_golden_file() -> None:
    check_golden("plan.txt", text(realistic_plan()))


def test_plain_output_has_no_escape_codes_and_colour_only_adds_them() -> None:
    plain, coloured = text(realistic_plan()), text(realistic_plan(), color=True)
    assert "\x1b" not in plain
    assert ANSI.search(coloured)
    assert ANSI.sub("", coloured) == plain


@pytest.mark.parametrize("color", [False, True])
def test_same_plan_same_bytes(color: bool) -> None:
    """Two processes with different hash seeds render the plan and its file byte for byte."""
    script = (
        "import sys\n"
        "from reconciler.plan.file import PlannedOrg, SavedPlan, dumps\n"
        "from tests.test_render_text import realistic_plan, text\n"
        "plan = realistic_plan()\n"
        "org = PlannedOrg(kind='sandbox', label='local sandbox', api_domain='http://x')\n"
        f"sys.stdout.write(text(plan, color={color}) + dumps(SavedPlan(plan=plan, target=org)))\n"
    )
    root = Path(__file__).parent.parent
    outputs = [
        subprocess.run(
            [sys.executable, "-c", script],
            capture_output=True,
            text=True,
            check=True,
            cwd=root,
            env={**os.environ, "PYTHONHASHSEED": seed},
        ).stdout
        for seed in ("1", "2")
    ]
    assert outputs[0] == outputs[1] and "checksum" in outputs[0]


@pytest.mark.parametrize("env", [{"NO_COLOR": "1"}, {"FORCE_COLOR": "1", "TERM": "dumb"}])
def test_the_environment_does_not_change_the_output(
    env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    plain, coloured = text(realistic_plan()), text(realistic_plan(), color=True)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert text(realistic_plan()) == plain
    assert text(realistic_plan(), color=True) == coloured


def test_a_plan_with_nothing_to_do_says_so_in_one_line() -> None:
    desired = org(*(want(t.name, t.parent) for t in LIVE.territories or ()))
    plan = build(LIVE, desired, diff(LIVE, desired))
    assert text(plan) == NO_CHANGES + "\n"
    assert text(plan) == "No changes. The org matches the configuration.\n"


def test_a_plan_read_back_from_its_file_reads_the_same() -> None:
    plan = realistic_plan()
    target = PlannedOrg(
        kind="sandbox", label="local sandbox (test)", api_domain="http://127.0.0.1:8765"
    )
    loaded = loads(dumps(SavedPlan(plan=plan, target=target))).plan
    assert text(loaded) == text(plan)


def test_no_zoho_id_is_shown() -> None:
    rendered = text(realistic_plan())
    ids = {t.id for t in LIVE.territories or ()} | {u.id for u in LIVE.directory.users}
    ids |= {r.id for rules in (LIVE.sharing_rules or {}).values() for r in rules}
    ids |= {n.id for n in (*LIVE.directory.roles, *LIVE.directory.groups)}
    shown = {i for i in ids if i and re.search(rf"(?<![\w-]){re.escape(i)}(?![\w-])", rendered)}
    assert not shown


def test_long_lines_are_never_wrapped() -> None:
    values = [f"Country number {i}" for i in range(40)]
    live = org(live_t("Zylker"), live_t("T", "Zylker"))
    desired = org(
        want("Zylker"), want("T", "Zylker", account_rule=cond("Billing_Country", in_=values))
    )
    plan = build(live, desired, diff(live, desired))
    (line,) = [x for x in text(plan, color=True).splitlines() if "Country number 39" in x]
    assert "Country number 0" in line and len(ANSI.sub("", line)) > 400


def test_a_deleted_territory_hangs_under_its_parent_by_the_new_name() -> None:
    live = org(live_t("Zylker"), live_t("Old", "Zylker"), live_t("Child", "Old"))
    desired = org(want("Zylker"), want("New", "Zylker", previously=("Old",)))
    lines = text(build(live, desired, diff(live, desired))).splitlines()
    assert lines[1:4] == [
        "    Zylker",
        "  └── ~ New  (renamed from Old)",
        "      └── - Child  (deleted; records and remaining children go to New)",
    ]


def test_unsafe_deletes_are_called_out_after_the_summary() -> None:
    live = org(live_t("Zylker"), *(live_t(f"T{i}", "Zylker") for i in range(8)))
    plan = build(live, org(want("Zylker")), diff(live, org(want("Zylker"))))
    assert plan.unsafe
    last = text(plan).splitlines()[-1]
    assert last.startswith("Warning: this plan deletes 8 of 9 territories")


@pytest.mark.parametrize(
    ("counts", "expected"),
    [
        (
            {"create": 3, "update": 2, "move": 1, "users_gaining": 14, "users_losing": 2},
            "Plan: 3 to create, 2 to update, 1 to move, 0 to delete; "
            "14 users gain access, 2 lose it",
        ),
        (
            {"create": 1, "rename": 1, "users_gaining": 1, "users_losing": 1},
            "Plan: 1 to create, 0 to update, 1 to rename, 0 to move, 0 to delete; "
            "1 user gains access, 1 loses it",
        ),
        (
            {"users_losing": 1},
            "Plan: 0 to create, 0 to update, 0 to move, 0 to delete; 1 user loses access",
        ),
        (
            {"members_added": 20000, "members_removed": 2, "members_dropped": 1, "defaults": 1},
            "Plan: 0 to create, 0 to update, 0 to move, 0 to delete; "
            "20,000 memberships to add, 3 to remove, 1 data sharing default to change",
        ),
        (
            {"members_removed": 1, "rules_created": 1, "rules_deactivated": 1},
            "Plan: 0 to create, 0 to update, 0 to move, 0 to delete; "
            "1 membership to remove, 2 sharing rule changes",
        ),
    ],
)
def test_summary_line(counts: dict[str, int], expected: str) -> None:
    calls = {"api_calls": 9, "credits": 9, "levels": 4}
    assert (
        summary_line(Summary(**counts, **calls))
        == f"{expected}; 9 API calls (9 credits) in 4 levels"
    )
    one = summary_line(Summary(**counts, api_calls=1, credits=1, levels=1))
    assert one.endswith("; 1 API call (1 credit) in 1 level") and "\n" not in one


@pytest.mark.parametrize(
    ("criteria", "expected"),
    [
        (cond("Amount", between=[10, 20]), "Amount between 10 and 20"),
        (cond("Closed", equal=True), "Closed = true"),
        (cond("Name", starts_with="Zyl"), "Name starts with Zyl"),
        (cond("City", in_=["Paris, TX", "Oslo"]), 'City in ["Paris, TX", Oslo]'),
        (cond("Code", not_equal=""), 'Code ≠ ""'),
        (
            either(cond("A", less_than=1), both(cond("B", greater_equal=2), cond("C", like="x"))),
            "any(A < 1, all(B ≥ 2, C like x))",
        ),
    ],
)
def test_criteria_read_like_the_yaml(criteria: Criteria, expected: str) -> None:
    assert criteria_text(criteria) == expected


def test_rule_principals_read_as_words() -> None:
    live = org(sharing_rules={"Deals": (live_rule("R", to=group("Finance")),)})
    everyone = Principal(kind=PrincipalKind.all_users)
    desired = org(sharing_rules={"Deals": (rule("R", to=everyone, source=role("CEO", True)),)})
    lines = text(build(live, desired, diff(live, desired))).splitlines()
    assert "        source: role CEO → role CEO and subordinates" in lines
    assert "        target: group Finance → all users" in lines


def test_the_json_rendering_is_documented() -> None:
    """`--format json` is the plan file: every key it writes has a line in the docs."""
    doc = (Path(__file__).parent.parent / "docs" / "plan-format.md").read_text(encoding="utf-8")
    target = PlannedOrg(
        kind="sandbox", label="local sandbox (test)", api_domain="http://127.0.0.1:8765"
    )
    payload = json.loads(dumps(SavedPlan(plan=realistic_plan(), target=target)))
    keys = {*payload, *payload["summary"], *payload["scope"], *(a.value for a in Action)}
    keys |= {k for section in payload["changes"].values() for item in section for k in item}
    keys |= {k for step in payload["steps"] for k in step}
    missing = sorted(k for k in keys if f"`{k}`" not in doc and f'"{k}"' not in doc)
    assert not missing, f"document these in docs/plan-format.md: {missing}"
    assert f"currently `{payload['format_version']}`" in doc


def labelled_plan(base: OrgState | None = None) -> Plan:
    """The realistic plan made with a base that lacks the APAC subtree and Nordics: those
    are the edit under review, everything else is drift."""
    if base is None:
        kept = [t for t in DESIRED.territories or () if t.name not in EDIT]
        base = DESIRED.model_copy(update={"territories": tuple(kept)})
    plan = realistic_plan()
    return relabel(plan, label(plan.changes, base))


EDIT = ("APAC", "ANZ", "Japan", "Nordics")


def test_a_labelled_plan_matches_the_golden_file() -> None:
    out = io.StringIO()
    plan_text(labelled_plan(), out, color=False, base="origin/main at 1a2b3c4")
    check_golden("plan-base.txt", out.getvalue())


def test_a_group_with_nothing_says_so() -> None:
    out = io.StringIO()
    plan_text(labelled_plan(base=DESIRED), out, color=False, base="main")
    lines = out.getvalue().splitlines()
    assert lines[:4] == [
        "From this change",
        "  What the configuration edit under review does.",
        "",
        "  None.",
    ]
    assert lines[-1] == "From this change: 0 changes; drift: 30 changes"
