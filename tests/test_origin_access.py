"""origin.label() for roles, user groups and users' roles: the edit's, or drift the org made by
hand, judged as territories and rules are (the base already asked for what the change does)."""

from __future__ import annotations

from reconciler.model import (
    Directory,
    GroupSource,
    Named,
    OrgState,
    Role,
    SourceKind,
    User,
    UserAccess,
    UserGroup,
)
from reconciler.plan.build import build, relabel
from reconciler.plan.diff import Changes, diff
from reconciler.plan.origin import label, labelled, only


def live_role(name: str, parent: str | None = None, description: str | None = None) -> Role:
    return Role(
        id=f"r-{name}", name=name, parent=parent, description=description, share_with_peers=False
    )


def role(name: str, parent: str | None = None, **fields: object) -> Role:
    return Role(name=name, parent=parent, **fields)  # type: ignore[arg-type]


def group(name: str, *roles: str, **fields: object) -> UserGroup:
    sources = tuple(GroupSource(kind=SourceKind.role, name=r) for r in roles)
    return UserGroup(name=name, sources=sources, **fields)  # type: ignore[arg-type]


LIVE_ROLES = (
    live_role("CEO"),
    live_role("VP", "CEO"),
    live_role("Rep", "VP", description="typed in the CRM"),
    live_role("Made by hand", "CEO"),
)
USERS = (
    User(id="u1", email="amy@x.example", role="Rep"),
    User(id="u2", email="bob@x.example", role="Rep"),
)
LIVE = OrgState(
    roles=LIVE_ROLES,
    groups=(
        group("Team", "Rep").model_copy(update={"id": "g1", "description": None}),
        group("Stray", "VP").model_copy(update={"id": "g2", "description": None}),
    ),
    directory=Directory(
        users=USERS,
        roles=tuple(Named(id=r.id or "", name=r.name) for r in LIVE_ROLES),
        groups=(Named(id="g1", name="Team"), Named(id="g2", name="Stray")),
        profiles=(Named(id="p1", name="Standard"),),
    ),
)
BASE = OrgState(
    roles=(
        role("CEO"),
        role("VP", "CEO"),
        role("Rep", "VP", description=None),
        role("Made by hand", transfer_to="CEO"),
        role("Deleted by hand", "CEO"),
    ),
    groups=(group("Team", "VP"),),
    prune_groups=True,
    users=(UserAccess(email="amy@x.example", role="VP"), UserAccess(email="bob@x.example")),
)


def origins(changes: Changes) -> dict[tuple[str, str, str], str | None]:
    found: dict[tuple[str, str, str], str | None] = {}
    found |= {("role", c.action, c.name): c.origin for c in changes.roles}
    found |= {("group", c.action, c.name): c.origin for c in changes.groups}
    found |= {("user", "update", c.email): c.origin for c in changes.users}
    return found


def test_what_the_base_already_asked_for_is_drift() -> None:
    assert origins(label(diff(LIVE, BASE), BASE)) == {
        ("role", "create", "Deleted by hand"): "drift",  # someone deleted it in the CRM
        ("role", "update", "Rep"): "drift",  # someone typed a description
        ("role", "delete", "Made by hand"): "drift",  # the base had already tombstoned it
        ("group", "update", "Team"): "drift",  # someone changed its sources
        ("group", "delete", "Stray"): "drift",  # the base prunes every unlisted group
        ("user", "update", "amy@x.example"): "drift",  # someone moved amy
    }


def test_what_the_edit_asks_for_is_the_edits() -> None:
    head = BASE.model_copy(
        update={
            "roles": (
                role("CEO"),
                role("Vice President", "CEO", previously=("VP",)),  # renamed by the edit
                role("Rep", "Vice President", description="Field reps"),  # a new description
                role("Made by hand", transfer_to="CEO"),
                role("Deleted by hand", "Vice President"),  # declared elsewhere now
                role("New", "CEO"),
            ),
            "groups": (group("Team", "Vice President", "Rep"), group("Added", "CEO")),
            "users": (
                UserAccess(email="amy@x.example", role="Rep"),
                UserAccess(email="bob@x.example", role="New"),
            ),
        }
    )
    assert origins(label(diff(LIVE, head), BASE)) == {
        ("role", "create", "Deleted by hand"): "change",
        ("role", "create", "New"): "change",
        ("role", "update", "Vice President"): "change",
        ("role", "update", "Rep"): "change",
        ("role", "delete", "Made by hand"): "drift",
        ("group", "create", "Added"): "change",
        ("group", "update", "Team"): "change",
        ("group", "delete", "Stray"): "drift",
        ("user", "update", "bob@x.example"): "change",
    }


def test_a_base_that_did_not_manage_access_makes_it_all_the_edits() -> None:
    changes = label(diff(LIVE, BASE), OrgState())
    assert set(origins(changes).values()) == {"change"}
    unpruned = BASE.model_copy(update={"prune_groups": False})
    pruned = label(diff(LIVE, BASE), unpruned)
    assert origins(pruned)[("group", "delete", "Stray")] == "change"  # the edit turns prune on


def test_each_origin_shows_its_own_access_changes_and_the_counts_add_up() -> None:
    head = BASE.model_copy(update={"groups": (group("Team", "VP"), group("Added", "CEO"))})
    changes = label(diff(LIVE, head), BASE)
    assert labelled(changes)
    mine, drift = only(changes, "change"), only(changes, "drift")
    assert [g.name for g in mine.groups] == ["Added"] and not mine.roles and not mine.users
    assert {g.name for g in drift.groups} == {"Team", "Stray"} and len(drift.roles) == 3
    plain = build(LIVE, head, diff(LIVE, head))
    summary = relabel(plain, changes).summary
    assert (summary.from_change, summary.drift) == (1, 6)  # 3 roles, 2 groups, amy
    assert summary.from_change + summary.drift == summary.changes
