"""Record impact: where records land under the desired tree, what apply realigns, and who
gains or loses access."""

from __future__ import annotations

from reconciler.model import OrgState, Realign, Records
from reconciler.plan.impact import (
    Held,
    Impact,
    RecordImpact,
    RecordRow,
    effective,
    modules_to_read,
    rule_fields,
)
from tests.states import cond, live_t, org, want

USA = cond("Country", equal="USA")
LIVE = org(
    live_t("Org"),
    live_t("East", "Org", account_rule=USA, users=("amy",)),
    live_t("West", "Org", users=("bob",)),
    live_t("Pinned", "Org"),
)
DESIRED = org(
    want("Org"),
    want("East", "Org", account_rule=cond("Country", equal="Canada")),
    want("West", "Org", account_rule=USA),
    want("Pinned", "Org"),
)


def row(ident: str, country: str, *held: Held, **links: str) -> RecordRow:
    return RecordRow(id=ident, values={"Country": country}, held=held, **links)


def impact(desired: OrgState, rows: dict[str, list[RecordRow]]) -> RecordImpact:
    records = desired.records.realign if desired.records else {}
    found = Impact(LIVE, desired, records)
    for module, page in rows.items():
        found.add(module, page)
    return found.result()


def test_records_move_and_users_gain_and_lose_access() -> None:
    accounts = [
        row("1", "USA", Held("East")),  # East -> West
        row("2", "Canada"),  # gains East
        row("3", "Japan", Held("East")),  # loses East
        row("4", "Japan", Held("Pinned", manual=True)),  # a manual assignment stays
    ]
    contacts = [RecordRow(id="c1", values={}, account="1"), RecordRow(id="c2", values={})]
    result = impact(DESIRED, {"Accounts": accounts, "Contacts": contacts})
    first, second = result.modules
    assert (first.module, first.read, first.move, first.gain, first.lose) == (
        "Accounts",
        4,
        1,
        1,
        1,
    )
    assert [(c.id, c.before, c.after) for c in first.changes] == [
        ("1", ("East",), ("West",)),
        ("2", (), ("East",)),
        ("3", ("East",), ()),
    ]
    assert first.manual_kept == 1
    assert {f.territory: (f.gained, f.lost) for f in first.territories} == {
        "East": (1, 2),
        "West": (1, 0),
    }
    # The contact follows its account; the one without an account has nothing to follow.
    assert [(c.id, c.after) for c in second.changes] == [("c1", ("West",))]
    # East's members are unmanaged in the YAML: the live members (amy) keep East.
    access = {u.user: (u.gains, u.loses) for u in result.users}
    assert access == {"amy@zylker.example": (1, 2), "bob@zylker.example": (2, 0)}


def test_full_realignment_undoes_only_its_own_manual_assignments() -> None:
    desired = DESIRED.model_copy(update={"records": Records(realign={"Accounts": Realign.full})})
    accounts = [
        row("1", "Japan", Held("East", manual=True, ours=True)),
        row("2", "Japan", Held("East", manual=True)),
        row("3", "USA", Held("West", manual=True, ours=True)),
    ]
    (module,) = impact(desired, {"Accounts": accounts}).modules
    assert module.realign is Realign.full
    assert [(c.id, c.after, c.remove) for c in module.changes] == [("1", (), ("East",))]


def test_assign_only_adds_and_the_cap_is_reported() -> None:
    desired = DESIRED.model_copy(update={"records": Records(realign={"Deals": Realign.assign})})
    accounts = [row("a", "USA")]
    deals = [RecordRow(id="d", values={}, held=(Held("Pinned"),), account="a")]
    result = impact(desired, {"Accounts": accounts, "Deals": deals})
    deal = result.modules[1]
    assert [(c.before, c.after) for c in deal.changes] == [(("Pinned",), ("Pinned", "West"))]
    crowded = org(want("Org"), *(want(f"T{i}", "Org", account_rule=USA) for i in range(11)))
    (accounts_impact,) = impact(crowded, {"Accounts": [row("x", "USA")]}).modules
    assert accounts_impact.over_cap == ("x",)
    assert len(accounts_impact.changes[0].after) == 10


def test_only_modules_whose_rules_or_tree_change_are_read() -> None:
    assert modules_to_read(LIVE, LIVE) == ()
    assert modules_to_read(LIVE, DESIRED) == ("Accounts", "Contacts", "Deals")
    leads = org(
        want("Org"),
        want("East", "Org", account_rule=USA, lead_rule=USA),
        want("West", "Org"),
        want("Pinned", "Org"),
    )
    assert modules_to_read(LIVE, leads) == ("Leads",)
    realign = OrgState(records=Records(realign={"Leads": Realign.assign}))
    assert modules_to_read(LIVE, realign) == ("Leads",)
    assert rule_fields(DESIRED, "Accounts") == {"Country"}
    assert rule_fields(DESIRED, "Contacts") == set()


def test_a_rule_left_out_of_the_yaml_keeps_its_live_value() -> None:
    unmanaged = org(want("Org"), want("East", "Org"), want("Renamed", "Org", previously=("West",)))
    tree = {t.name: t.account_rule for t in effective(LIVE, unmanaged)}
    assert tree["East"] == USA
    assert effective(LIVE, OrgState()) == LIVE.territories


def test_records_moving_the_same_way_are_counted_once_each() -> None:
    accounts = [row(str(n), "USA", Held("East")) for n in range(3)]  # all East -> West
    found = Impact(LIVE, DESIRED, {})
    found.add("Accounts", accounts)
    result = found.result()
    (module,) = result.modules
    assert (module.move, len(module.changes)) == (3, 3)
    assert {f.territory: (f.gained, f.lost) for f in module.territories} == {
        "West": (3, 0),
        "East": (0, 3),
    }
    assert {u.user: (u.gains, u.loses) for u in result.users} == {
        "amy@zylker.example": (0, 3),
        "bob@zylker.example": (3, 0),
    }
    assert found.result() == result  # asking again counts nothing twice
