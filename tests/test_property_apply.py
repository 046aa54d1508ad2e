"""Property: any desired state within Zoho's rules, applied to any live state, converges in
one apply (the plan right after it is empty).

The live state is made the way a user would make it: by applying a first random desired
state to the demo org. Both states draw on the demo org's active users, roles, groups and
fields, so every name resolves; what varies is the shape of the tree, renames through
`previously`, members, managers, permissions, descriptions, assignment criteria, defaults
sharing rules of both kinds, the role tree (its shape: moves; renames through `previously`;
roles created and deleted with `transfer_to`), user groups (drawing on users, the state's own
roles and territories) and users' roles and profiles (into the state's own roles).

Roles keep the demo org's constraints: the top role (CEO) stays; the roles sharing rules
name (CEO, Finance) and the roles the demo org's untouched groups draw on keep their names
and are never deleted, since Zoho refuses to delete a role a group or rule still names.
A state that manages roles declares every role it may meet in the org: each role is either
in the tree (under one of its two names, the other in `previously`) or tombstoned under both.
"""

from __future__ import annotations

import asyncio
import os
from typing import Any

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from reconciler.model import (
    Condition,
    Criteria,
    Group,
    GroupSource,
    OrgState,
    Principal,
    PrincipalKind,
    Role,
    ShareType,
    SharingRule,
    SourceKind,
    Territory,
    UserAccess,
    UserGroup,
    name_key,
)
from tests.harness import config, failures, open_org

USERS = tuple(
    f"{name}@zylker.example"
    for name in (
        "patricia.boyle",  # the caller: never changed through the user-centric call
        "victor.hale",
        "amy",
        "bob",
        "carla.mendes",
        "emma.schulz",
        "felix.martin",
        "kenji.sato",
        "lina.wong",
        "priya.nair",
    )
)
NAMES = ("Americas", "EMEA", "Emea", "APAC", "DACH", "Nordics", "Japan", "ANZ", "US West", "LATAM")
# Few principals, so that rules often take over each other's `from` and `to`.
ROLES = ("CEO", "Finance")
GROUPS = ("Finance", "Executives")
RULE_NAMES = ("Share up", "Managers", "Big ones", "Finance view")
GROUP_NAMES = ("Finance", "Executives", "Crew", "Night shift")
GROUP_ROLES = ("Finance", "VP Sales", "EMEA Sales")
CRITERIA: dict[str, tuple[Criteria, ...]] = {
    "Accounts": (
        Condition(field="Billing_Country", comparator="in", value=("USA", "Canada")),
        Condition(field="Employees", comparator="greater_than", value="100"),
        Group(
            operator="or",
            criteria=(
                Condition(field="Billing_Country", comparator="equal", value="Germany"),
                Condition(field="Industry", comparator="equal", value="Media"),
            ),
        ),
    ),
    "Deals": (
        Condition(field="Amount", comparator="greater_equal", value="10000"),
        Condition(field="Stage", comparator="not_equal", value="Closed Lost"),
    ),
    "Leads": (Condition(field="Country", comparator="in", value=("Japan", "Australia")),),
    "Contacts": (Condition(field="Mailing_Country", comparator="equal", value="Japan"),),
}
RULE_KINDS = {"account_rule": "Accounts", "deal_rule": "Deals", "lead_rule": "Leads"}
# Roles below CEO. Fixed: always there under that name (rules and groups name them).
# Each slot has two names (a rename goes from one to the other); deletable slots may be
# tombstoned, the others (sources of the demo org's untouched groups) are always there.
FIXED_ROLES = ("VP Sales", "Finance", "EMEA Sales")
KEPT_SLOTS = (
    ("Americas Sales Manager", "Americas Sales Lead"),
    ("EMEA Sales Manager", "EMEA Sales Lead"),
    ("APAC Sales Manager", "APAC Sales Lead"),
    ("Sales Operations", "Sales Ops"),
)
DELETABLE_SLOTS = (
    ("Americas Sales", "Americas Reps"),
    ("APAC Sales", "APAC Reps"),
    ("Partners", "Partner Sales"),  # not in the demo org: created, then maybe deleted
    ("Nordics Sales", "Nordics Reps"),
)


def mostly(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """A section, present three times in four (None: unmanaged)."""
    return st.integers(0, 3).flatmap(lambda n: strategy if n else st.none())


def maybe(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """A value, or leave the key out (unmanaged)."""
    return st.one_of(st.just(...), strategy)


@st.composite
def territory(draw: st.DrawFn, name: str, parent: str) -> Territory:
    fields: dict[str, Any] = {
        "manager": draw(maybe(st.one_of(st.none(), st.sampled_from(USERS)))),
        "permission": draw(maybe(st.sampled_from(["read_write_delete", "read_only"]))),
        "description": draw(maybe(st.sampled_from([None, "East", "West"]))),
        "users": draw(maybe(st.lists(st.sampled_from(USERS), unique=True, max_size=4))),
        "previously": draw(st.lists(st.sampled_from(NAMES), unique=True, max_size=1)),
    }
    for kind, module in RULE_KINDS.items():
        fields[kind] = draw(maybe(st.one_of(st.none(), st.sampled_from(CRITERIA[module]))))
    given_fields = {k: v for k, v in fields.items() if v is not ...}
    return Territory(name=name, parent=parent, **given_fields)


@st.composite
def trees(draw: st.DrawFn) -> tuple[Territory, ...]:
    names = draw(st.lists(st.sampled_from(NAMES), unique_by=name_key, min_size=1, max_size=7))
    root = draw(st.sampled_from(["Zylker", "Zylker Group"]))
    placed = [root]
    items = [Territory(name=root, **draw(st.fixed_dictionaries({}, optional=_root())))]
    for name in names:
        items.append(draw(territory(name, draw(st.sampled_from(placed)))))
        placed.append(name)
    return tuple(items)


def _root() -> dict[str, st.SearchStrategy[Any]]:
    return {"users": st.lists(st.sampled_from(USERS), unique=True, max_size=3).map(tuple)}


def principals() -> st.SearchStrategy[Principal]:
    return st.one_of(
        st.builds(
            Principal,
            kind=st.just(PrincipalKind.role),
            name=st.sampled_from(ROLES),
            subordinates=st.booleans(),
        ),
        st.builds(Principal, kind=st.just(PrincipalKind.group), name=st.sampled_from(GROUPS)),
        st.just(Principal(kind=PrincipalKind.all_users)),
    )


@st.composite
def rules(draw: st.DrawFn, module: str) -> tuple[SharingRule, ...]:
    names = draw(st.lists(st.sampled_from(RULE_NAMES), unique=True, max_size=3))
    found: list[SharingRule] = []
    for name in names:
        basis: dict[str, Any] = draw(
            st.one_of(
                st.fixed_dictionaries({"source": principals()}),
                st.fixed_dictionaries({"criteria": st.sampled_from(CRITERIA[module])}),
            )
        )
        fields: dict[str, Any] = {"to": draw(principals())}
        fields.update({"from" if k == "source" else k: v for k, v in basis.items()})
        rule = SharingRule(
            name=name,
            **fields,
            **draw(
                st.fixed_dictionaries(
                    {},
                    optional={
                        "access": st.sampled_from(["read", "read_write_delete"]),
                        "superiors": st.booleans(),
                        "active": st.booleans(),
                    },
                )
            ),
        )
        if not any(_same_sharing(rule, other) for other in found):  # Zoho: DUPLICATE_DATA
            found.append(rule)
    return tuple(found)


def _same_sharing(one: SharingRule, other: SharingRule) -> bool:
    return one.source is not None and (one.source, one.target) == (other.source, other.target)


@st.composite
def role_trees(draw: st.DrawFn) -> tuple[Role, ...]:
    """A whole role tree over the slots: each role placed under one placed before it (so
    any shape, and moves from any previous one), named by either of its names; deletable
    slots left out are tombstoned under both names, handing over to a role that stays."""
    deletable = draw(st.lists(st.booleans(), min_size=4, max_size=4))
    slots = [(name,) for name in FIXED_ROLES] + list(KEPT_SLOTS)
    slots += [slot for slot, kept in zip(DELETABLE_SLOTS, deletable, strict=True) if kept]
    order = draw(st.permutations(slots))
    placed, tree = ["CEO"], [Role(name="CEO")]
    for slot in order:
        renamed = len(slot) == 2 and draw(st.booleans())
        name, previously = (slot[1], slot[:1]) if renamed else (slot[0], slot[1:])
        fields = draw(
            st.fixed_dictionaries(
                {},
                optional={
                    "description": st.sampled_from([None, "Sales", "Back office"]),
                    "share_with_peers": st.booleans(),
                },
            )
        )
        parent = draw(st.sampled_from(placed))
        tree.append(Role(name=name, parent=parent, previously=previously, **fields))
        placed.append(name)
    for slot, kept in zip(DELETABLE_SLOTS, deletable, strict=True):
        if not kept:
            heir = draw(st.sampled_from(placed))
            tree += [Role(name=name, transfer_to=heir) for name in slot]
    return tuple(tree)


def role_names(roles: tuple[Role, ...] | None, deletable: bool) -> tuple[str, ...]:
    """The roles a state's groups (`deletable=False`) or users may name: the fixed ones if
    the state leaves the tree alone, else those its tree keeps, as it names them."""
    if roles is None:
        return GROUP_ROLES
    gone = {name for slot in DELETABLE_SLOTS for name in slot}
    return tuple(
        r.name for r in roles if not r.deleted and r.parent and (deletable or r.name not in gone)
    )


@st.composite
def states(draw: st.DrawFn) -> OrgState:
    territories = draw(mostly(trees()))
    defaults = draw(
        mostly(
            st.dictionaries(
                st.sampled_from(["Accounts", "Deals", "Leads", "Contacts"]),
                st.sampled_from(list(ShareType)),
                max_size=3,
            ),
        )
    )
    modules = draw(st.lists(st.sampled_from(["Accounts", "Deals", "Contacts"]), unique=True))
    sharing = {m: draw(rules(m)) for m in sorted(modules)} if modules else None
    sharing = draw(mostly(st.just(sharing))) if sharing else None
    places = tuple(t.name for t in territories or () if t.parent is not None)
    roles = draw(st.one_of(st.none(), role_trees()))
    return OrgState(
        territories=territories,
        data_sharing=defaults,
        sharing_rules=sharing,
        roles=roles,
        groups=draw(st.one_of(st.none(), groups(places, role_names(roles, False)))),
        users=draw(st.one_of(st.none(), user_roles(role_names(roles, True)))),
    )


@st.composite
def groups(
    draw: st.DrawFn, territories: tuple[str, ...], roles: tuple[str, ...]
) -> tuple[UserGroup, ...]:
    """Groups drawing on the demo org's users and on the state's own roles and territories
    (renamed with it through `previously`); one may take over another's name."""
    kinds = [
        st.builds(GroupSource, kind=st.just(SourceKind.user), name=st.sampled_from(USERS[1:])),
        st.builds(
            GroupSource,
            kind=st.just(SourceKind.role),
            name=st.sampled_from(roles),
            below=st.booleans(),
        ),
    ]
    if territories:
        kinds.append(
            st.builds(
                GroupSource,
                kind=st.just(SourceKind.territory),
                name=st.sampled_from(territories),
                below=st.booleans(),
            )
        )
    names = draw(st.lists(st.sampled_from(GROUP_NAMES), unique=True, max_size=3))
    return tuple(
        UserGroup(
            name=name,
            sources=tuple(draw(st.lists(st.one_of(kinds), min_size=1, max_size=3))),
            **draw(
                st.fixed_dictionaries({}, optional={"description": st.sampled_from(["a", "b"])})
            ),
        )
        for name in names
    )


def user_roles(roles: tuple[str, ...]) -> st.SearchStrategy[tuple[UserAccess, ...]]:
    access = st.builds(
        UserAccess,
        email=st.sampled_from(USERS[1:]),
        role=st.sampled_from(roles),
        profile=st.sampled_from(["Standard", "Sales Representative"]),
    )
    return st.lists(access, unique_by=lambda u: u.email, max_size=3).map(tuple)


async def _apply_twice(first: OrgState, second: OrgState) -> None:
    async with open_org() as org:
        report = await org.apply(config(first))
        assert report.ok, failures(report)
        report = await org.apply(config(second))
        event(f"steps={min(len(report.steps) // 5 * 5, 30)}")
        for step in report.steps:
            event(step.action)
        assert report.ok, failures(report)
        again = await org.plan(config(second))
        assert again.plan.empty, again.plan.changes


@settings(
    max_examples=int(os.environ.get("APPLY_EXAMPLES", "30")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(first=states(), second=states())
def test_any_state_converges_from_any_state_in_one_apply(first: OrgState, second: OrgState) -> None:
    asyncio.run(_apply_twice(first, second))
