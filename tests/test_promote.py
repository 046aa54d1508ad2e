"""plan.promote: two plans are the same change when they touch the same objects and fields
from the same state, whatever the ids, the user mapping and the values overlays set."""

from __future__ import annotations

from reconciler.model import GroupSource, OrgState, Role, SourceKind, Territory, UserGroup
from reconciler.plan.access import GroupChange, RoleChange, UserChange
from reconciler.plan.diff import (
    Changes,
    DefaultChange,
    FieldChange,
    MemberChange,
    RuleChange,
    TerritoryChange,
)
from reconciler.plan.promote import compare, declared, describe, emails_in


def same(email: str) -> str:
    return email


def from_qa(email: str) -> str:
    return email.replace("@qa.example", "@zylker.example")


def manager_change(before: str, after: str, territory_id: str) -> Changes:
    live = Territory(name="EMEA", parent="Zylker", manager=before, id=territory_id)
    return Changes(
        territories=(
            TerritoryChange(
                action="update",
                name="EMEA",
                depth=1,
                live=live,
                fields=(FieldChange(field="manager", before=before, after=after),),
            ),
        ),
        members=(MemberChange(territory="EMEA", added=(after,), removed=(before,)),),
    )


def test_the_same_change_in_two_orgs_is_the_same_modulo_ids_and_mapping():
    in_qa = manager_change("amy@qa.example", "bob@qa.example", "5000000000000000001")
    in_production = manager_change("amy@zylker.example", "bob@zylker.example", "41500001")
    assert compare(in_qa, in_production, from_qa, same).same


def test_a_different_starting_point_is_named():
    in_qa = manager_change("amy@qa.example", "bob@qa.example", "1")
    in_production = manager_change("dave@zylker.example", "bob@zylker.example", "2")
    difference = compare(in_qa, in_production, from_qa, same)
    assert difference.only_second == (
        '~ territory EMEA; manager (was "dave@zylker.example")',
        "~ members of EMEA: +bob@zylker.example -dave@zylker.example",
    )
    assert difference.only_first == (
        '~ territory EMEA; manager (was "amy@zylker.example")',
        "~ members of EMEA: +bob@zylker.example -amy@zylker.example",
    )


def test_the_values_set_are_the_configurations_and_not_compared():
    """An overlay may give an org another description: the change is still the same."""
    one = Changes(territories=(TerritoryChange(action="create", name="Nordics", depth=2),))
    other = Changes(
        territories=(
            TerritoryChange(
                action="create",
                name="Nordics",
                depth=2,
                desired=Territory(name="Nordics", parent="EMEA", description="QA only"),
            ),
        )
    )
    assert compare(one, other, same, same).same


def test_changes_to_objects_one_environment_alone_declares_are_left_out():
    extra = Changes(
        territories=(TerritoryChange(action="create", name="Scratch", depth=1),),
        defaults=(DefaultChange(module="Leads", before="public", after="private"),),
    )
    assert not compare(extra, Changes(), same, same).same
    left_out = {"territory:scratch", "default:Leads"}
    assert compare(extra, Changes(), same, same, shared=lambda k: k not in left_out).same


def test_every_kind_of_change_has_its_words():
    changes = Changes(
        territories=(
            TerritoryChange(
                action="update",
                name="West",
                depth=2,
                renamed_from="Pacific",
                moved_from="EMEA",
                parent="Americas",
            ),
            TerritoryChange(
                action="delete", name="Old", depth=1, members_dropped=("amy@qa.example",)
            ),
        ),
        defaults=(DefaultChange(module="Leads", before="public", after="private"),),
        rules=(
            RuleChange(
                action="update",
                module="Accounts",
                name="Big deals",
                fields=(FieldChange(field="access", before="read", after="read_write_delete"),),
                activation="activate",
            ),
        ),
    )
    assert list(describe(changes, from_qa)) == [
        ("territory:west", "~ territory West; renamed from Pacific; moved from under EMEA"),
        ("territory:old", "- territory Old; its members amy@zylker.example"),
        ("default:Leads", "~ data sharing Leads (was public)"),
        (
            "rule:Accounts:big deals",
            '~ sharing rule Accounts / Big deals; access (was "read"); activate',
        ),
    ]
    assert emails_in(changes) == {"amy@qa.example"}
    assert emails_in(manager_change("a@x.example", "b@x.example", "1")) == {
        "a@x.example",
        "b@x.example",
    }


def test_the_keys_a_configuration_declares():
    state = OrgState(
        territories=(Territory(name="Zylker"), Territory(name="EMEA", parent="Zylker")),
        data_sharing={"Leads": "private"},
        sharing_rules={},
    )
    assert declared(state) == {"territory:zylker", "territory:emea", "default:Leads"}


def access_changes(domain: str, moved_user: str) -> Changes:
    """The same access change in one org: a role deleted (its user handed over), a group
    whose user source changes, a user moved to another role."""
    return Changes(
        roles=(
            RoleChange(
                action="delete",
                name="Old Sales",
                depth=2,
                transfer_to="Sales",
                users_moved=(f"{moved_user}@{domain}",),
            ),
        ),
        groups=(
            GroupChange(
                action="update",
                name="Closers",
                sources_added=(GroupSource(kind=SourceKind.user, name=f"bob@{domain}"),),
                sources_removed=(GroupSource(kind=SourceKind.role, name="Old Sales", below=True),),
            ),
        ),
        users=(
            UserChange(
                email=f"cid@{domain}",
                fields=(FieldChange(field="role", before="Old Sales", after="Sales"),),
            ),
        ),
    )


def test_access_changes_are_compared_modulo_the_mapping():
    in_qa = access_changes("qa.example", "amy")
    in_production = access_changes("zylker.example", "amy")
    assert compare(in_qa, in_production, from_qa, same).same
    assert list(describe(in_production, same)) == [
        ("role:old sales", "- role Old Sales; its users amy@zylker.example to Sales"),
        (
            "group:closers",
            "~ group Closers; sources +user bob@zylker.example -role Old Sales and below",
        ),
        ("user:cid@zylker.example", '~ user cid@zylker.example; role (was "Old Sales")'),
    ]
    assert emails_in(in_qa) == {"amy@qa.example", "bob@qa.example", "cid@qa.example"}
    elsewhere = compare(in_qa, access_changes("zylker.example", "dee"), from_qa, same)
    assert elsewhere.only_second == ("- role Old Sales; its users dee@zylker.example to Sales",)


def test_the_roles_and_groups_a_configuration_declares():
    state = OrgState(roles=(Role(name="CEO"),), groups=(UserGroup(name="Closers"),))
    assert declared(state) == {"role:ceo", "group:closers"}
