"""plan.build(): steps, levels, batches and the order Zoho needs.

`Simulation` replays a plan level by level on a symbolic org and fails on anything Zoho
would refuse (a reference to something not yet created or already deleted, a cycle, a
member cap overflow); the end state must be the desired one.
"""

from __future__ import annotations

import os
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reconciler.model import OrgState, ShareType, name_key
from reconciler.plan.build import Plan, Safety, build, changed_since, fingerprints
from reconciler.plan.diff import diff
from reconciler.plan.steps import Action, Limits, Ref
from tests.states import EMAILS, live_rule, live_t, org, rule, user, want


class Simulation:
    """A symbolic org: territories by identity, their parent, name and members."""

    def __init__(self, live: OrgState, limits: Limits) -> None:
        self.limits = limits
        self.parent: dict[str, str | None] = {}
        self.name: dict[str, str] = {}
        self.members: dict[str, set[str]] = {}
        self.created: dict[tuple[int, str], str] = {}
        by_key = {t.key: t for t in live.territories or ()}
        for t in live.territories or ():
            assert t.id is not None
            self.name[t.id] = t.name
            self.parent[t.id] = by_key[name_key(t.parent)].id if t.parent else None
            self.members[t.id] = set(t.users or ())

    def ident(self, ref: Ref, level: int, done: dict[int, int]) -> str:
        if ref.created_by is not None:
            assert done.get(ref.created_by, level) < level, f"{ref.name} used before it exists"
            return self.created[(ref.created_by, ref.name)]
        assert ref.id in self.name, f"{ref.name} ({ref.id}) does not exist (deleted earlier?)"
        return ref.id

    def run(self, plan: Plan) -> None:
        done: dict[int, int] = {}
        for level in sorted({s.level for s in plan.steps}):
            for step in [s for s in plan.steps if s.level == level]:
                assert all(done.get(d, level) < level for d in step.after)
                self.apply(step, level, done)
            done.update({s.id: level for s in plan.steps if s.level == level})

    def apply(self, step: Any, level: int, done: dict[int, int]) -> None:
        action = step.action
        if action is Action.create_territories:
            assert len(step.items) <= self.limits.territories_per_call
            for item in step.items:
                parent = self.ident(item.parent, level, done)
                self._unique(item.name, None)
                ident = f"new:{step.id}:{item.name}"
                self.created[(step.id, item.name)] = ident
                self.name[ident], self.parent[ident], self.members[ident] = item.name, parent, set()
        elif action is Action.update_territories:
            for item in step.items:
                ident = self.ident(item.territory, level, done)
                if "name" in item.model_fields_set:
                    self._unique(item.name, ident)
                    self.name[ident] = item.name
                if "parent" in item.model_fields_set:
                    parent = self.ident(item.parent, level, done)
                    assert not self._below(parent, ident), "move would make a cycle"
                    self.parent[ident] = parent
        elif action is Action.delete_territories:
            assert len(step.items) <= self.limits.deletes_per_call
            for item in step.items:
                ident = self.ident(item.territory, level, done)
                heir = self.ident(item.transfer_to, level, done)
                for child, up in list(self.parent.items()):
                    if up == ident:
                        self.parent[child] = heir
                for table in (self.name, self.parent, self.members):
                    del table[ident]
        elif action in (Action.add_users_to_territory, Action.remove_users_from_territory):
            ident = self.ident(step.territory, level, done)
            self._members(ident, {u.name for u in step.users}, action)
        elif action in (Action.add_territories_to_user, Action.remove_territories_from_user):
            for ref in step.territories:
                self._members(self.ident(ref, level, done), {step.user.name}, action)

    def _members(self, ident: str, emails: set[str], action: Action) -> None:
        if action in (Action.add_users_to_territory, Action.add_territories_to_user):
            assert not emails & self.members[ident], "already a member"
            self.members[ident] |= emails
            assert len(self.members[ident]) <= self.limits.users_per_territory
        else:
            assert emails <= self.members[ident], "not a member"
            self.members[ident] -= emails

    def _unique(self, name: str, ident: str | None) -> None:
        clash = [i for i, n in self.name.items() if n.casefold() == name.casefold() and i != ident]
        assert not clash, f"name {name} already taken"

    def _below(self, node: str, ancestor: str) -> bool:
        current: str | None = node
        while current is not None:
            if current == ancestor:
                return True
            current = self.parent[current]
        return False

    def tree(self) -> set[tuple[str, str | None, frozenset[str]]]:
        return {
            (n, self.name[p] if (p := self.parent[i]) else None, frozenset(self.members[i]))
            for i, n in self.name.items()
        }


def expected_tree(live: OrgState, desired: OrgState) -> set[tuple[str, str | None, frozenset[str]]]:
    out = set()
    for t in desired.territories or ():
        found = live.territory(t.name) or next(
            (live.territory(p) for p in t.previously if live.territory(p)), None
        )
        members = t.users if t.users is not None else (found.users if found else ())
        out.add((t.name, t.parent, frozenset(members or ())))
    return out


def converge(live: OrgState, desired: OrgState, limits: Limits | None = None) -> Plan:
    limits = limits or Limits()
    plan = build(live, desired, diff(live, desired), limits)
    simulation = Simulation(live, limits)
    simulation.run(plan)
    assert simulation.tree() == expected_tree(live, desired)
    return plan


LIVE = org(
    live_t("Zylker"),
    live_t("Americas", "Zylker", users=["amy", "bob"]),
    live_t("US West", "Americas", users=["cid"]),
    live_t("EMEA", "Zylker"),
    live_t("DACH", "EMEA"),
)


def test_empty_diff_gives_an_empty_plan() -> None:
    desired = org(*(want(t.name, t.parent) for t in LIVE.territories or ()))
    plan = build(LIVE, desired, diff(LIVE, desired))
    assert plan.empty and plan.summary.api_calls == 0


def test_new_subtree_is_created_parent_first_in_levels() -> None:
    desired = org(
        *(want(t.name, t.parent) for t in LIVE.territories or ()),
        want("APAC", "Zylker", users=["eve"]),
        want("ANZ", "APAC"),
        want("Japan", "APAC"),
    )
    plan = converge(LIVE, desired)
    creates = [s for s in plan.steps if s.action is Action.create_territories]
    assert [(s.level, [i.name for i in s.items]) for s in creates] == [
        (1, ["APAC"]),
        (2, ["ANZ", "Japan"]),
    ]
    assert plan.summary.api_calls == 3  # two creates + one add of eve to APAC
    assert plan.summary.levels == 2


def test_reorg_moves_under_a_new_parent_then_deletes_the_old_one() -> None:
    desired = org(
        want("Zylker"),
        want("Global", "Zylker"),
        want("Americas", "Global"),
        want("US West", "Americas"),
        want("DACH", "Global"),
    )
    plan = converge(LIVE, desired)
    levels = [(s.level, s.action.value) for s in plan.steps]
    assert levels == [
        (1, "create_territories"),
        (2, "update_territories"),
        (3, "delete_territories"),
    ]
    (delete,) = [s for s in plan.steps if s.action is Action.delete_territories]
    assert [(i.territory.name, i.transfer_to.name) for i in delete.items] == [("EMEA", "Zylker")]


def test_swap_of_parent_and_child_needs_no_cycle() -> None:
    live = org(live_t("Zylker"), live_t("A", "Zylker"), live_t("B", "A"), live_t("C", "B"))
    desired = org(want("Zylker"), want("C", "Zylker"), want("B", "C"), want("A", "B"))
    converge(live, desired)


def test_deleting_a_chain_goes_leaf_first() -> None:
    live = org(live_t("Zylker"), live_t("A", "Zylker"), live_t("B", "A"), live_t("C", "B"))
    plan = converge(live, org(want("Zylker")))
    names = [[i.territory.name for i in s.items] for s in plan.steps]
    assert names == [["C"], ["B"], ["A"]]
    assert [s.level for s in plan.steps] == [1, 2, 3]


def test_deletes_are_batched_ten_per_call() -> None:
    live = org(live_t("Zylker"), *(live_t(f"T{i:02}", "Zylker") for i in range(25)))
    plan = converge(live, org(want("Zylker")))
    assert [len(s.items) for s in plan.steps] == [10, 10, 5]
    assert {s.level for s in plan.steps} == {1}


def test_creates_are_batched_a_hundred_per_call() -> None:
    desired = org(want("Zylker"), *(want(f"T{i:03}", "Zylker") for i in range(150)))
    plan = converge(org(live_t("Zylker")), desired)
    assert [len(s.items) for s in plan.steps] == [100, 50]


def test_members_pick_the_fewest_calls() -> None:
    # eve joins five territories: one user-centric call beats five territory calls;
    # five users join T0: one territory call.
    names = [f"T{i}" for i in range(5)]
    live = org(live_t("Zylker"), *(live_t(n, "Zylker") for n in names))
    desired = org(
        want("Zylker"),
        want("T0", "Zylker", users=["eve", "amy", "bob", "cid", "dee"]),
        *(want(n, "Zylker", users=["eve"]) for n in names[1:]),
    )
    plan = converge(live, desired)
    assert plan.summary.api_calls == 2
    actions = sorted(s.action.value for s in plan.steps)
    assert actions == ["add_territories_to_user", "add_users_to_territory"]


def test_the_caller_is_never_changed_through_the_user_centric_call() -> None:
    names = [f"T{i}" for i in range(3)]
    live = org(live_t("Zylker"), *(live_t(n, "Zylker") for n in names))
    desired = org(
        want("Zylker"), *(want(n, "Zylker", users=["amy"]) for n in names)
    )  # amy = caller
    plan = converge(live, desired)
    assert {s.action for s in plan.steps} == {Action.add_users_to_territory}
    assert plan.summary.api_calls == 3


def test_removal_batches_respect_the_ids_length() -> None:
    emails = [f"u{i}@zylker.example" for i in range(40)]
    live = org(live_t("Zylker"), live_t("T", "Zylker", users=emails))
    directory = live.directory.model_copy(
        update={
            "users": tuple(live.directory.users)
            + tuple(
                type(live.directory.users[0])(id=f"{10**18 + i}", email=e)
                for i, e in enumerate(emails)
            )
        }
    )
    live = live.model_copy(update={"directory": directory})
    plan = converge(live, org(want("Zylker"), want("T", "Zylker", users=[])))
    sizes = [len(s.users) for s in plan.steps]  # type: ignore[union-attr]
    assert sizes == [25, 15]  # 500 characters of 19-digit ids and commas


def test_additions_wait_for_removals_when_the_cap_would_overflow() -> None:
    limits = Limits(users_per_territory=3)
    live = org(live_t("Zylker"), live_t("T", "Zylker", users=["amy", "bob", "cid"]))
    desired = org(want("Zylker"), want("T", "Zylker", users=["amy", "dee", "eve"]))
    plan = converge(live, desired, limits)
    assert [(s.level, s.action.value) for s in plan.steps] == [
        (1, "remove_users_from_territory"),
        (2, "add_users_to_territory"),
    ]


def test_over_the_org_cap_deletes_come_first() -> None:
    limits = Limits(territories_per_org=4)
    live = org(live_t("Zylker"), live_t("A", "Zylker"), live_t("B", "Zylker"))
    desired = org(want("Zylker"), want("C", "Zylker"), want("D", "Zylker"))
    plan = converge(live, desired, limits)
    assert [s.action.value for s in plan.steps] == ["delete_territories", "create_territories"]


def test_rules_chain_per_module_and_run_beside_territories() -> None:
    live = org(
        live_t("Zylker"),
        sharing_rules={"Accounts": (live_rule("Gone"),), "Deals": ()},
        data_sharing={"Accounts": ShareType.public},
    )
    desired = org(
        want("Zylker"),
        want("New", "Zylker"),
        data_sharing={"Accounts": ShareType.private},
        sharing_rules={
            "Accounts": (rule("A1"), rule("A2", active=False)),
            "Deals": (rule("D1"),),
        },
    )
    plan = converge(live, desired)
    accounts = [
        (s.level, s.action.value) for s in plan.steps if getattr(s, "module", "") == "Accounts"
    ]
    assert accounts == [
        (2, "delete_rule"),
        (3, "create_rule"),
        (4, "create_rule"),
        (5, "deactivate_rule"),
    ]
    deals = [(s.level, s.action.value) for s in plan.steps if getattr(s, "module", "") == "Deals"]
    assert deals == [(1, "create_rule")]
    first = {s.action.value for s in plan.steps if s.level == 1}
    assert first == {"create_territories", "set_defaults", "create_rule"}


def test_a_rule_payload_keeps_unmanaged_live_values() -> None:
    live = org(sharing_rules={"Deals": (live_rule("R", superiors=True, access="read"),)})
    wanted = rule("R", access="read_write_delete")
    desired = org(sharing_rules={"Deals": (wanted,)})
    plan = build(live, desired, diff(live, desired))
    (step,) = plan.steps
    assert step.action is Action.update_rule
    assert step.payload.superiors is True  # type: ignore[union-attr]
    assert step.payload.access == "read_write_delete"  # type: ignore[union-attr]
    assert step.rule.id == "s-r"  # type: ignore[union-attr]


def test_planning_twice_gives_the_same_plan() -> None:
    desired = org(want("Zylker"), want("Z", "Zylker", users=["amy", "eve"]), want("EMEA", "Z"))
    first = build(LIVE, desired, diff(LIVE, desired))
    second = build(LIVE, desired, diff(LIVE, desired))
    assert first.model_dump_json() == second.model_dump_json()


def test_fingerprints_change_when_the_live_object_does() -> None:
    desired = org(want("Zylker"))
    before = build(LIVE, desired, diff(LIVE, desired)).fingerprints
    changed = org(
        *(
            t if t.name != "EMEA" else live_t("EMEA", "Zylker", description="x")
            for t in LIVE.territories or ()
        )
    )
    after = build(changed, desired, diff(changed, desired)).fingerprints
    assert {k for k in before if before[k] != after.get(k)} == {"territory:t-emea"}
    assert changed_since(before, after) == ["territory `EMEA` was changed"]


# -- property: random live and desired trees always plan into a valid, converging order --

NAMES = [f"N{i}" for i in range(10)]


@st.composite
def trees(draw: st.DrawFn, *, live: bool) -> OrgState:
    names = draw(st.lists(st.sampled_from(NAMES), unique=True, max_size=8))
    placed = ["Root"]
    items = [live_t("Root") if live else want("Root")]
    for name in names:
        parent = draw(st.sampled_from(placed))
        members = draw(st.lists(st.sampled_from(EMAILS[:6]), unique=True, max_size=4))
        maker = live_t if live else want
        items.append(maker(name, parent, users=members))
        placed.append(name)
    return org(*items)


@settings(max_examples=int(os.environ.get("PLAN_EXAMPLES", "200")), deadline=None)
@given(
    live=trees(live=True),
    desired=trees(live=False),
    limits=st.sampled_from(
        [
            Limits(),
            Limits(
                deletes_per_call=1,
                territories_per_call=2,
                users_per_territory_call=2,
                territories_per_user_call=2,
            ),
        ]
    ),
)
def test_any_tree_to_any_tree(live: OrgState, desired: OrgState, limits: Limits) -> None:
    converge(live, desired, limits)


def test_a_move_under_a_territory_that_leaves_its_subtree_waits_for_that() -> None:
    """N8 moves under N3, which sits below N8 until N5 and N4 move out: the chain through
    the unchanged N3 must count (found by the property test above)."""
    live = org(
        live_t("Root"),
        live_t("N8", "Root"),
        live_t("N5", "N8"),
        live_t("N4", "N8"),
        live_t("N3", "N4"),
    )
    desired = org(
        want("Root"), want("N5", "Root"), want("N4", "N5"), want("N3", "N4"), want("N8", "N3")
    )
    converge(live, desired)


@pytest.mark.parametrize("email", [user("amy"), user("zed")])
def test_unknown_users_have_no_id(email: str) -> None:
    live = org(live_t("Zylker"), live_t("T", "Zylker"))
    desired = org(want("Zylker"), want("T", "Zylker", users=[email]))
    plan = build(live, desired, diff(live, desired))
    (step,) = plan.steps
    assert (step.users[0].id is None) == (email == user("zed"))  # type: ignore[union-attr]


def test_mass_deletion_is_flagged_unsafe() -> None:
    live = org(live_t("Zylker"), *(live_t(f"T{i}", "Zylker") for i in range(20)))
    few = org(want("Zylker"), *(want(f"T{i}", "Zylker") for i in range(16)))
    many = org(want("Zylker"), want("T0", "Zylker"))
    assert build(live, few, diff(live, few)).unsafe == ()  # 4 of 21: under a quarter
    (reason,) = build(live, many, diff(live, many)).unsafe
    assert reason == "deletes 19 of 21 territories (more than 5 needs --allow-deletes)"


def test_small_orgs_may_delete_up_to_the_floor() -> None:
    live = org(live_t("Zylker"), live_t("A", "Zylker"), live_t("B", "Zylker"))
    desired = org(want("Zylker"))
    assert build(live, desired, diff(live, desired)).unsafe == ()


def test_memberships_of_deleted_territories_count_as_deleted() -> None:
    live = org(live_t("Zylker"), live_t("A", "Zylker", users=list(EMAILS)))
    desired = org(want("Zylker"))
    (reason,) = build(live, desired, diff(live, desired), safety=Safety(floor_memberships=5)).unsafe
    assert reason == "deletes 10 of 10 memberships (more than 5 needs --allow-deletes)"


def test_only_managed_defaults_are_fingerprinted() -> None:
    live = org(data_sharing={"Leads": ShareType.public, "Deals": ShareType.private})
    desired = org(data_sharing={"Leads": ShareType.private})
    then = build(live, desired, diff(live, desired)).fingerprints
    assert [k for k in then if k.startswith("default:")] == ["default:Leads"]
    moved = org(data_sharing={"Leads": ShareType.public, "Deals": ShareType.public})
    assert changed_since(then, fingerprints(moved)) == []  # Deals is nobody's business here
    moved = org(data_sharing={"Leads": ShareType.private, "Deals": ShareType.private})
    assert changed_since(then, fingerprints(moved)) == [
        "the Leads data-sharing default was changed"
    ]


def test_a_territory_added_since_the_plan_is_named() -> None:
    desired = org(want("Zylker"))
    then = build(LIVE, desired, diff(LIVE, desired)).fingerprints
    grown = org(*(LIVE.territories or ()), live_t("Rogue", "Zylker"))
    assert changed_since(then, fingerprints(grown)) == [
        "the list of territories was changed",
        "territory `Rogue` was added",
    ]
