"""schedule_rules: the order of a module's rule writes. Zoho refuses two owner-based rules
that share from and to the same principals (DUPLICATE_DATA, REFERENCE §6.5), so a rule that
takes over another's `from`/`to` is written after that one moves off them, and rules that
trade places are broken up by deleting one and creating it again last.

Regression: the writes went in name order, so a takeover or a swap failed on every run and
`apply` never converged."""

from __future__ import annotations

from typing import Any

import pytest

from reconciler.model import OrgState, Principal, PrincipalKind
from reconciler.plan.build import build
from reconciler.plan.diff import diff
from tests.harness import Org, config
from tests.states import live_rule, org, rule

pytestmark = pytest.mark.anyio


def role(name: str) -> Principal:
    return Principal(kind=PrincipalKind.role, name=name)


def owner(name: str, source: str, live: bool = False, **fields: Any) -> Any:
    make = live_rule if live else rule
    return make(
        name,
        source=role(source),
        target=Principal(kind=PrincipalKind.group, name="Finance"),
        **fields,
    )


def steps(live: OrgState, desired: OrgState) -> list[tuple[str, str]]:
    plan = build(live, desired, diff(live, desired))
    return [(s.action.value, s.rule.name) for s in plan.steps]  # type: ignore[union-attr]


TAKEOVER = (
    org(sharing_rules={"Accounts": (owner("Z old", "CEO", live=True),)}),
    org(sharing_rules={"Accounts": (owner("A new", "CEO"), owner("Z old", "Sales Manager"))}),
)
SWAP = (
    org(
        sharing_rules={
            "Accounts": (
                owner("A", "CEO", live=True, access="read_write_delete", active=False),
                owner("B", "Sales Manager", live=True),
            )
        }
    ),
    org(sharing_rules={"Accounts": (owner("A", "Sales Manager"), owner("B", "CEO"))}),
)


def test_a_rule_taking_over_anothers_principals_waits_for_it_to_move() -> None:
    assert steps(*TAKEOVER) == [("update_rule", "Z old"), ("create_rule", "A new")]


def test_rules_trading_places_are_broken_up_by_a_delete_and_a_create() -> None:
    live, desired = SWAP
    plan = build(live, desired, diff(live, desired))
    assert [(s.action.value, s.rule.name) for s in plan.steps] == [  # type: ignore[union-attr]
        ("delete_rule", "A"),
        ("update_rule", "B"),
        ("create_rule", "A"),
        ("deactivate_rule", "A"),  # it was inactive, and the YAML leaves `active` out
    ]
    created = plan.steps[2]
    assert created.payload.access == "read_write_delete"  # type: ignore[union-attr]
    assert created.rule.id is None  # type: ignore[union-attr]
    assert [s.level for s in plan.steps] == [1, 2, 3, 4]


def test_writes_that_take_nothing_over_keep_name_order() -> None:
    live = org(sharing_rules={"Accounts": (owner("B", "CEO", live=True),)})
    desired = org(sharing_rules={"Accounts": (owner("C", "Finance"), owner("A", "CEO"))})
    assert steps(live, desired) == [
        ("delete_rule", "B"),
        ("create_rule", "A"),
        ("create_rule", "C"),
    ]


@pytest.mark.parametrize("case", [TAKEOVER, SWAP], ids=["takeover", "swap"])
async def test_the_sandbox_accepts_the_order_in_one_apply(zylker: Org, case: Any) -> None:
    live, desired = (_demo_roles(state) for state in case)
    await zylker.converge(config(live))
    await zylker.converge(config(desired))


def _demo_roles(state: OrgState) -> OrgState:
    """The same rules without ids, with roles the demo org has."""
    renamed = {"Sales Manager": "VP Sales"}
    rules = {
        module: tuple(
            r.model_copy(
                update={
                    "id": None,
                    "source": role(renamed.get(r.source.name or "", r.source.name or "")),
                }
            )
            for r in found
            if r.source is not None
        )
        for module, found in (state.sharing_rules or {}).items()
    }
    return OrgState(sharing_rules=rules)
