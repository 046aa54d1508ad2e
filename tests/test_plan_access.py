"""The access model's diff and steps, literal in and literal out: identity by name and former
name, tombstones, renamed sources, who gains or loses access, and the order across kinds."""

from __future__ import annotations

from reconciler.model import (
    Directory,
    GroupSource,
    Named,
    OrgState,
    Principal,
    PrincipalKind,
    Role,
    SharingRule,
    SourceKind,
    Territory,
    User,
    UserAccess,
    UserGroup,
)
from reconciler.plan.access_steps import lower_bound
from reconciler.plan.build import build
from reconciler.plan.diff import diff
from reconciler.plan.steps import Action, Limits

USERS = (
    User(id="u1", email="ceo@x.example", role="CEO"),
    User(id="u2", email="vp@x.example", role="VP"),
    User(id="u3", email="rep@x.example", role="Rep", profile="Standard"),
    User(id="u4", email="fin@x.example", role="Finance"),
)
LIVE_ROLES = (
    Role(id="r1", name="CEO"),
    Role(id="r2", name="VP", parent="CEO"),
    Role(id="r3", name="Rep", parent="VP"),
    Role(id="r4", name="Finance", parent="CEO"),
)
DIRECTORY = Directory(
    users=USERS,
    roles=tuple(Named(id=r.id or "", name=r.name) for r in LIVE_ROLES),
    groups=(Named(id="g1", name="Team"),),
    profiles=(Named(id="p1", name="Standard"), Named(id="p2", name="Admin")),
)
TEAM = UserGroup(
    id="g1",
    name="Team",
    sources=(GroupSource(kind=SourceKind.role, name="VP", below=True),),
)
LIVE = OrgState(roles=LIVE_ROLES, groups=(TEAM,), directory=DIRECTORY)


def desired_roles(*extra: Role, drop: str = "") -> tuple[Role, ...]:
    kept = tuple(Role(name=r.name, parent=r.parent) for r in LIVE_ROLES if r.name != drop)
    return kept + extra


def test_nothing_to_do_when_the_org_matches() -> None:
    wanted = OrgState(roles=desired_roles(), groups=(TEAM.model_copy(update={"id": None}),))
    assert diff(LIVE, wanted).empty


def test_a_renamed_role_is_matched_by_its_former_name() -> None:
    roles = desired_roles(Role(name="Sellers", parent="VP", previously=("Rep",)), drop="Rep")
    [change] = diff(LIVE, OrgState(roles=roles)).roles
    assert (change.action, change.renamed_from, change.live) == ("update", "Rep", LIVE_ROLES[2])


def test_a_move_says_who_gains_and_loses_sight() -> None:
    roles = desired_roles(Role(name="Rep", parent="Finance"), drop="Rep")
    [change] = diff(LIVE, OrgState(roles=roles)).roles
    assert change.moved_from == "VP"
    assert change.gaining == ("fin@x.example",)
    assert change.losing == ("vp@x.example",)


def test_a_tombstone_deletes_with_transfer_and_names_the_users_moved() -> None:
    roles = desired_roles(Role(name="Rep", transfer_to="VP"), drop="Rep")
    [change] = diff(LIVE, OrgState(roles=roles)).roles
    assert (change.action, change.transfer_to, change.users_moved) == (
        "delete",
        "VP",
        ("rep@x.example",),
    )


def test_a_territory_rename_does_not_rewrite_a_group_drawing_on_it() -> None:
    live_group = UserGroup(
        id="g2", name="EMEA", sources=(GroupSource(kind=SourceKind.territory, name="EMEA"),)
    )
    territories = (Territory(id="t0", name="Org"), Territory(id="t1", name="EMEA", parent="Org"))
    live = OrgState(territories=territories, groups=(live_group,), directory=DIRECTORY)
    renamed = Territory(name="Europe", parent="Org", previously=("EMEA",))
    group = UserGroup(name="EMEA", sources=(GroupSource(kind=SourceKind.territory, name="Europe"),))
    changes = diff(live, OrgState(territories=(Territory(name="Org"), renamed), groups=(group,)))
    assert [t.renamed_from for t in changes.territories] == ["EMEA"]
    assert changes.groups == ()


def test_a_group_change_lists_who_joins_and_leaves() -> None:
    group = UserGroup(
        name="Team",
        sources=(
            GroupSource(kind=SourceKind.role, name="Finance"),
            GroupSource(kind=SourceKind.user, name="ceo@x.example"),
        ),
    )
    [change] = diff(LIVE, OrgState(groups=(group,))).groups
    assert change.joining == ("ceo@x.example", "fin@x.example")
    assert change.leaving == ("rep@x.example", "vp@x.example")


def test_prune_deletes_unlisted_groups_only_when_asked() -> None:
    assert diff(LIVE, OrgState(groups=())).groups == ()
    [change] = diff(LIVE, OrgState(groups=(), prune_groups=True)).groups
    assert (change.action, change.name) == ("delete", "Team")


def test_users_move_to_a_renamed_role_without_a_spurious_change() -> None:
    roles = desired_roles(Role(name="Sellers", parent="VP", previously=("Rep",)), drop="Rep")
    users = (UserAccess(email="rep@x.example", role="Sellers"),)
    assert diff(LIVE, OrgState(roles=roles, users=users)).users == ()
    users = (UserAccess(email="REP@x.example", profile="Admin"),)
    [change] = diff(LIVE, OrgState(users=users)).users
    assert [(f.field, f.before, f.after) for f in change.fields] == [
        ("profile", "Standard", "Admin")
    ]


def test_the_order_across_kinds() -> None:
    """A new role before the group drawing on it and the user moved into it; the new group
    before the rule sharing to it; the rule that used the old group before that group goes;
    a role deleted last, after everything that moved off it."""
    roles = desired_roles(
        Role(name="New", parent="CEO"), Role(name="Rep", transfer_to="VP"), drop="Rep"
    )
    group = UserGroup(name="Fresh", sources=(GroupSource(kind=SourceKind.role, name="New"),))
    rule = SharingRule(
        name="To fresh",
        source=Principal(kind=PrincipalKind.all_users),
        target=Principal(kind=PrincipalKind.group, name="Fresh"),
    )
    wanted = OrgState(
        roles=roles,
        groups=(group,),
        prune_groups=True,
        users=(UserAccess(email="rep@x.example", role="New"),),
        sharing_rules={"Leads": (rule,)},
    )
    old_rule = SharingRule(
        id="s1",
        name="To team",
        source=Principal(kind=PrincipalKind.all_users),
        target=Principal(kind=PrincipalKind.group, name="Team"),
    )
    live = LIVE.model_copy(update={"sharing_rules": {"Leads": (old_rule,)}})
    plan = build(live, wanted, diff(live, wanted))
    by_action = {s.action: s for s in plan.steps}
    create_role = by_action[Action.create_role]
    assert create_role.id in by_action[Action.create_groups].after
    assert create_role.id in by_action[Action.update_users].after
    assert by_action[Action.create_groups].id in by_action[Action.create_rule].after
    delete_group = by_action[Action.delete_group]
    assert by_action[Action.delete_rule].id in delete_group.after
    assert delete_group.id in by_action[Action.delete_role].after
    assert by_action[Action.update_users].id in by_action[Action.delete_role].after
    assert plan.summary.roles_created == plan.summary.roles_deleted == 1
    assert plan.summary.api_calls == len(plan.steps) == 7


def test_a_move_under_an_unchanged_role_waits_for_the_move_that_frees_it() -> None:
    """VP goes under Leaf, which stays under Rep while Rep leaves VP's subtree: moving VP
    before Rep would put VP below itself (the property test's example, made small)."""
    leaf = Role(id="r5", name="Leaf", parent="Rep")
    roles = (*LIVE_ROLES, leaf)
    directory = DIRECTORY.model_copy(
        update={"roles": (*DIRECTORY.roles, Named(id="r5", name="Leaf"))}
    )
    live = OrgState(roles=roles, directory=directory)
    wanted = OrgState(
        roles=(
            Role(name="CEO"),
            Role(name="Finance", parent="CEO"),
            Role(name="Rep", parent="CEO"),
            Role(name="Leaf", parent="Rep"),
            Role(name="VP", parent="Leaf"),
        )
    )
    plan = build(live, wanted, diff(live, wanted))
    moves = {s.role.name: s for s in plan.steps if s.action is Action.update_role}
    assert moves["Rep"].id in moves["VP"].after


ACCESS_ACTIONS = {
    Action.create_role,
    Action.update_role,
    Action.delete_role,
    Action.create_groups,
    Action.update_group,
    Action.delete_group,
    Action.update_users,
}


def test_the_access_calls_are_at_their_lower_bound() -> None:
    """Eleven new groups take two calls, twelve users two; each role one."""
    groups = tuple(
        UserGroup(name=f"G{n}", sources=(GroupSource(kind=SourceKind.role, name="VP"),))
        for n in range(11)
    )
    users = tuple(UserAccess(email=f"u{n}@x.example", role="VP") for n in range(12))
    directory = DIRECTORY.model_copy(
        update={
            "users": tuple(User(id=f"n{n}", email=u.email, role="Rep") for n, u in enumerate(users))
        }
    )
    live = LIVE.model_copy(update={"directory": directory})
    roles = desired_roles(Role(name="A", parent="CEO"), Role(name="B", parent="A"))
    wanted = OrgState(roles=roles, groups=groups, users=users)
    changes = diff(live, wanted)
    plan = build(live, wanted, changes)
    access = [s for s in plan.steps if s.action in ACCESS_ACTIONS]
    assert len(access) == lower_bound(changes, Limits()) == 2 + 2 + 2


def test_deleting_most_groups_needs_allow_deletes() -> None:
    many = tuple(
        UserGroup(id=f"g{n}", name=f"G{n}", sources=(GroupSource(kind=SourceKind.role, name="VP"),))
        for n in range(8)
    )
    live = LIVE.model_copy(update={"groups": many})
    wanted = OrgState(groups=many[:4], prune_groups=True)
    plan = build(live, wanted, diff(live, wanted))
    assert plan.unsafe == ("deletes 4 of 8 user groups (more than 3 needs --allow-deletes)",)
    wanted = OrgState(groups=many[:5], prune_groups=True)
    assert build(live, wanted, diff(live, wanted)).unsafe == ()
