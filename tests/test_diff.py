"""diff(live, desired): literal states in, literal changes out."""

from __future__ import annotations

from reconciler.model import Group, OrgState, Principal, PrincipalKind, ShareType
from reconciler.plan.diff import diff
from tests.states import cond, live_rule, live_t, org, rule, user, want

LIVE = org(
    live_t("Zylker"),
    live_t("Americas", "Zylker", manager=user("amy"), users=["amy", "bob"]),
    live_t("US West", "Americas", users=["cid"]),
    live_t("EMEA", "Zylker", description="Europe"),
)


def summary(live: OrgState, desired: OrgState) -> list[tuple[str, str, str | None, str | None]]:
    return [
        (c.action, c.name, c.renamed_from, c.moved_from) for c in diff(live, desired).territories
    ]


def test_identical_states_have_no_changes() -> None:
    desired = org(
        want("Zylker"),
        want("Americas", "Zylker", manager=user("amy"), users=["bob", "amy"]),
        want("US West", "Americas", users=["cid"]),
        want("EMEA", "Zylker", description="Europe"),
    )
    assert diff(LIVE, desired).empty


def test_unmanaged_keys_are_never_compared() -> None:
    desired = org(want("Zylker"), want("Americas", "Zylker"), want("US West", "Americas"))
    desired = org(*desired.territories or (), want("EMEA", "Zylker"))
    changes = diff(LIVE, desired)
    assert changes.empty  # manager, users and description are left as they are


def test_unmanaged_sections_are_untouched() -> None:
    live = org(
        *LIVE.territories or (),
        data_sharing={"Leads": ShareType.public},
        sharing_rules={"Accounts": (live_rule("Old"),)},
    )
    desired = OrgState()  # no section at all
    assert diff(live, desired).empty


def test_create_update_and_delete() -> None:
    desired = org(
        want("Zylker"),
        want("Americas", "Zylker", manager=None),
        want("LATAM", "Americas", permission="read_only"),
    )
    changes = diff(LIVE, desired)
    kinds = [(c.action, c.name) for c in changes.territories]
    assert kinds == [
        ("create", "LATAM"),
        ("update", "Americas"),
        ("delete", "US West"),
        ("delete", "EMEA"),
    ]
    update = changes.territories[1]
    assert [(f.field, f.before, f.after) for f in update.fields] == [("manager", user("amy"), None)]


def test_deletes_go_child_first_and_transfer_to_the_nearest_survivor() -> None:
    desired = org(want("Zylker"), want("EMEA", "Zylker"))
    deletes = [c for c in diff(LIVE, desired).territories if c.action == "delete"]
    assert [(c.name, c.transfer_to) for c in deletes] == [
        ("US West", "Zylker"),
        ("Americas", "Zylker"),
    ]
    assert deletes[1].members_dropped == (user("amy"), user("bob"))


def test_rename_through_previously() -> None:
    desired = org(
        want("Zylker"),
        want("The Americas", "Zylker", previously=("Americas",)),
        want("US West", "The Americas"),
        want("EMEA", "Zylker"),
    )
    assert summary(LIVE, desired) == [("update", "The Americas", "Americas", None)]


def test_renaming_the_root_is_an_update_whatever_its_name() -> None:
    desired = org(want("Zylker Inc"), want("Americas", "Zylker Inc"), want("US West", "Americas"))
    desired = org(*desired.territories or (), want("EMEA", "Zylker Inc"))
    assert summary(LIVE, desired) == [("update", "Zylker Inc", "Zylker", None)]


def test_case_only_rename_is_a_rename() -> None:
    desired = org(want("Zylker"), want("AMERICAS", "Zylker"), want("US West", "AMERICAS"))
    desired = org(*desired.territories or (), want("EMEA", "Zylker"))
    assert summary(LIVE, desired) == [("update", "AMERICAS", "Americas", None)]


def test_changed_parent_is_a_move_not_delete_and_create() -> None:
    desired = org(
        want("Zylker"), want("Americas", "Zylker"), want("EMEA", "Zylker"), want("US West", "EMEA")
    )
    assert summary(LIVE, desired) == [("update", "US West", None, "Americas")]


def test_moving_a_subtree_under_a_parent_created_in_the_same_plan() -> None:
    desired = org(
        want("Zylker"),
        want("Global", "Zylker"),
        want("Americas", "Global"),
        want("US West", "Americas"),
        want("EMEA", "Global"),
    )
    assert summary(LIVE, desired) == [
        ("create", "Global", None, None),
        ("update", "Americas", None, "Zylker"),
        ("update", "EMEA", None, "Zylker"),
    ]  # US West moves with its parent: nothing to do for it


def test_swapping_two_names_keeps_identity_by_name() -> None:
    # Americas and EMEA trade places in the tree: by name, each is a move, never a
    # delete and re-create of either.
    live = org(live_t("Zylker"), live_t("Americas", "Zylker"), live_t("EMEA", "Americas"))
    desired = org(want("Zylker"), want("EMEA", "Zylker"), want("Americas", "EMEA"))
    assert summary(live, desired) == [
        ("update", "EMEA", None, "Americas"),
        ("update", "Americas", None, "Zylker"),
    ]


def test_previously_is_ignored_once_the_new_name_exists() -> None:
    live = org(live_t("Zylker"), live_t("US East", "Zylker"))
    desired = org(want("Zylker"), want("US East", "Zylker", previously=("East Coast",)))
    assert diff(live, desired).empty


def test_membership_changes_and_moves_between_territories() -> None:
    desired = org(
        want("Zylker"),
        want("Americas", "Zylker", users=["amy"]),
        want("US West", "Americas", users=["cid", "bob"]),
        want("EMEA", "Zylker", users=[]),
    )
    members = diff(LIVE, desired).members
    assert [(m.territory, m.added, m.removed, m.before) for m in members] == [
        ("Americas", (), (user("bob"),), 2),
        ("US West", (user("bob"),), (), 1),
    ]


def test_members_of_a_new_territory_are_all_added() -> None:
    desired = org(*LIVE.territories or (), want("LATAM", "Americas", users=["eve"]))
    desired = org(
        want("Zylker"),
        want("Americas", "Zylker"),
        want("US West", "Americas"),
        want("EMEA", "Zylker"),
        want("LATAM", "Americas", users=["eve"]),
    )
    (member,) = diff(LIVE, desired).members
    assert member.new_territory and member.added == (user("eve"),)


def test_criteria_change_is_explained() -> None:
    live = org(
        live_t("Zylker"),
        live_t("US", "Zylker", account_rule=cond("Billing_State", in_=("CA", "WA"))),
    )
    desired = org(
        want("Zylker"), want("US", "Zylker", account_rule=cond("Billing_State", in_=("CA", "OR")))
    )
    (change,) = diff(live, desired).territories
    (field,) = change.fields
    assert field.field == "account_rule"
    assert any("WA" in line and "OR" in line for line in field.detail), field.detail


def test_a_criteria_detail_is_in_our_words_whatever_deepdiff_version() -> None:
    """Built from deepdiff's structured result, not its `pretty()` developer text
    (`Item root['in'][3] removed from iterable.`), which changes between its versions."""
    live = org(
        live_t("Zylker"),
        live_t("US", "Zylker", account_rule=cond("Billing_State", in_=("CA", "WA", "NV"))),
    )
    desired = org(
        want("Zylker"), want("US", "Zylker", account_rule=cond("Billing_State", in_=("CA", "OR")))
    )
    (change,) = diff(live, desired).territories
    (field,) = change.fields
    assert field.detail == ('value[1]: "WA" → "OR"', 'value[2]: removed "NV"')


def test_group_operator_and_order_matter() -> None:
    a, b = cond("A", equal="1"), cond("B", equal="2")
    live = org(
        live_t("Zylker"), live_t("X", "Zylker", deal_rule=Group(operator="and", criteria=(a, b)))
    )
    same = org(
        want("Zylker"), want("X", "Zylker", deal_rule=Group(operator="and", criteria=(a, b)))
    )
    other = org(
        want("Zylker"), want("X", "Zylker", deal_rule=Group(operator="or", criteria=(a, b)))
    )
    assert diff(live, same).empty
    assert not diff(live, other).empty


def test_defaults_only_for_listed_modules() -> None:
    live = org(data_sharing={"Leads": ShareType.public, "Deals": ShareType.private})
    desired = org(data_sharing={"Leads": ShareType.private})
    (change,) = diff(live, desired).defaults
    assert (change.module, change.before, change.after) == ("Leads", "public", "private")


def test_rule_create_update_delete_and_activation() -> None:
    live = org(
        sharing_rules={
            "Accounts": (
                live_rule("Keep"),
                live_rule("Wider", access="read"),
                live_rule("Gone"),
                live_rule("Paused", active=False),
            )
        }
    )
    desired = org(
        sharing_rules={
            "Accounts": (
                rule("Keep"),
                rule("Wider", access="read_write_delete"),
                rule("Paused", active=True),
                rule("New", active=False),
            )
        }
    )
    changes = diff(live, desired).rules
    assert [(c.action, c.name, c.activation) for c in changes] == [
        ("delete", "Gone", None),
        ("create", "New", "deactivate"),
        ("toggle", "Paused", "activate"),
        ("update", "Wider", None),
    ]
    assert [(f.field, f.before, f.after) for f in changes[3].fields] == [
        ("access", "read", "read_write_delete")
    ]


def test_rule_changing_type_from_owner_to_criteria() -> None:
    live = org(sharing_rules={"Deals": (live_rule("Big"),)})
    criteria = cond("Amount", greater_than="1000")
    desired = org(sharing_rules={"Deals": (rule("Big", criteria=criteria),)})
    (change,) = diff(live, desired).rules
    assert change.action == "update"
    assert {f.field for f in change.fields} == {"source", "criteria"}


def test_rule_principals_compare_by_kind_name_and_subordinates() -> None:
    live = org(sharing_rules={"Deals": (live_rule("R"),)})
    sub = Principal(kind=PrincipalKind.role, name="CEO", subordinates=True)
    desired = org(sharing_rules={"Deals": (rule("R", source=sub),)})
    (change,) = diff(live, desired).rules
    assert [f.field for f in change.fields] == ["source"]


def test_rules_of_unlisted_modules_are_untouched() -> None:
    live = org(sharing_rules={"Deals": (live_rule("R"),), "Leads": (live_rule("L"),)})
    desired = org(sharing_rules={"Deals": (rule("R"),)})
    assert diff(live, desired).empty


def test_diff_is_pure_and_deterministic() -> None:
    desired = org(want("Zylker"), want("B", "Zylker"), want("A", "Zylker"), want("C", "A"))
    first, second = diff(LIVE, desired), diff(LIVE, desired)
    assert first == second
    assert first.model_dump_json() == second.model_dump_json()
