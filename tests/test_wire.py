"""wire: Zoho's JSON <-> model, both ways, on shapes taken from REFERENCE and the specs."""

from __future__ import annotations

from typing import Any

from reconciler.model import Group, PrincipalKind, ShareType
from reconciler.plan.steps import NewTerritory, PrincipalRef, Ref, RulePayload, TerritoryUpdate
from reconciler.zoho import wire
from tests.states import cond

TERRITORY = {
    "id": "431581000000744113",
    "name": "Chennai",
    "api_name": "Chennai",
    "reporting_to": {"name": "Zoho", "id": "431581000000272796"},
    "manager": {"name": "Patricia", "id": "2276164000000471001"},
    "permission_type": "read_only",
    "description": None,
    "account_rule_criteria": {
        "comparator": "equal",
        "field": {"api_name": "Billing_City", "id": "431581000000000657"},
        "value": "Chennai",
    },
    "deal_rule_criteria": {
        "group_operator": "OR",
        "group": [
            {"comparator": "greater_than", "field": {"api_name": "Amount"}, "value": "1001"},
            {"comparator": "in", "field": {"api_name": "Stage"}, "value": ["A", "B"]},
        ],
    },
    "lead_rule_criteria": None,
}


def test_territory_from_wire_resolves_names_and_keeps_the_id() -> None:
    t = wire.territory_from_wire(
        TERRITORY,
        {"431581000000272796": "Zoho"},
        {"2276164000000471001": "patricia@zylker.example"},
        ("amy@zylker.example",),
    )
    assert (t.id, t.name, t.parent, t.manager) == (
        "431581000000744113",
        "Chennai",
        "Zoho",
        "patricia@zylker.example",
    )
    assert t.permission == "read_only" and t.description is None
    assert t.account_rule == cond("Billing_City", equal="Chennai")
    assert isinstance(t.deal_rule, Group) and t.deal_rule.operator == "or"
    assert t.users == ("amy@zylker.example",)
    assert "users" in t.managed_fields() and "lead_rule" in t.managed_fields()


def test_criteria_round_trip() -> None:
    raw = TERRITORY["deal_rule_criteria"]
    assert wire.criteria_to_wire(wire.criteria_from_wire(raw)) == {
        "group_operator": "OR",
        "group": [
            {"field": {"api_name": "Amount"}, "comparator": "greater_than", "value": "1001"},
            {"field": {"api_name": "Stage"}, "comparator": "in", "value": ["A", "B"]},
        ],
    }


def test_numbers_from_zoho_compare_equal_to_numbers_in_yaml() -> None:
    raw = {"comparator": "greater_than", "field": {"api_name": "Amount"}, "value": 1001}
    assert wire.criteria_from_wire(raw) == cond("Amount", greater_than="1001")


def test_new_territory_item_sends_the_mandatory_fields() -> None:
    item = NewTerritory(name="US", parent=Ref(name="Zylker", id="1"))
    assert wire.territory_to_wire(item, {"parent": "1", "manager": None}) == {
        "name": "US",
        "reporting_to": {"id": "1"},
        "permission_type": "read_write_delete",
    }


def test_update_item_sends_only_what_the_step_sets() -> None:
    update = TerritoryUpdate(
        territory=Ref(name="US", id="7"), manager=None, account_rule=None, name="USA"
    )
    assert wire.territory_to_wire(update, {}, territory_id="7") == {
        "id": "7",
        "name": "USA",
        "manager": None,
        "account_rule_criteria": None,
    }


RULE: dict[str, Any] = {
    "id": "555",
    "name": "Managers see EMEA",
    "type": "Record_Owner_Based",
    "superiors_allowed": True,
    "permission_type": "read_write_delete",
    "shared_from": {
        "resource": {"id": "r1", "name": "EMEA"},
        "type": "roles",
        "subordinates": True,
    },
    "shared_to": {"resource": {"id": "g1"}, "type": "groups", "subordinates": False},
    "module": {"api_name": "Accounts", "id": "m"},
    "status": "inactive",
    "match_limit_exceeded": False,
}


def test_rule_from_wire() -> None:
    rule = wire.rule_from_wire(RULE, {"r1": "EMEA Sales Manager", "g1": "Global Managers"})
    assert rule.source is not None and rule.source.kind is PrincipalKind.role
    assert (rule.source.name, rule.source.subordinates) == ("EMEA Sales Manager", True)
    assert (rule.target.kind, rule.target.name) == (PrincipalKind.group, "Global Managers")
    assert (rule.access, rule.superiors, rule.active, rule.id) == (
        "read_write_delete",
        True,
        False,
        "555",
    )


def test_criteria_rule_to_wire_never_sends_status() -> None:
    payload = RulePayload(
        name="Big deals",
        criteria=cond("Amount", greater_than="1000000"),
        target=PrincipalRef(kind=PrincipalKind.all_users),
        access="read",
        superiors=False,
    )
    item = wire.rule_to_wire(payload)
    assert item == {
        "name": "Big deals",
        "type": "Criteria_Based",
        "superiors_allowed": False,
        "permission_type": "read",
        "shared_to": {"type": "all_users", "subordinates": False},
        "criteria": {
            "field": {"api_name": "Amount"},
            "comparator": "greater_than",
            "value": "1000000",
        },
    }


def test_defaults_and_modules() -> None:
    raw = [
        {
            "share_type": "private",
            "public_in_portals": False,
            "module": {"api_name": "Leads", "id": "1"},
            "rule_computation_running": True,
        }
    ]
    assert wire.defaults_from_wire(raw) == {"Leads": ShareType.private}
    assert wire.computing(raw, "Leads") and not wire.computing(raw, "Deals")
    assert wire.module_from_wire(raw[0]).name == "Leads"
    assert wire.default_to_wire("1", "Leads", ShareType.public) == {
        "share_type": "public",
        "module": {"id": "1", "api_name": "Leads"},
    }
