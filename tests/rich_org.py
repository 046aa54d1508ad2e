"""A rich org: tests/fixtures/rich_seed.yaml, plus what a seed cannot carry, added through the
API with our client and Zoho's own JSON (never through reconciler's model or apply):

* assignment criteria of all three kinds, simple and nested, on territories at three levels;
* sharing rules of every shape: owner-based from a role, a role and its subordinates and a
  group; criteria-based; to a role, a role and subordinates, a group and all users; read and
  read-write-delete; superiors allowed or not; active and inactive; in four modules.

`CRITERIA` and `rules()` are what `enrich` adds."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from reconciler.sandbox import SandboxSettings, Seed, load_seed
from reconciler.zoho.client import ZohoClient

RICH_SEED = Path(__file__).parent / "fixtures" / "rich_seed.yaml"
# Rule writes start a recomputation window that refuses the next write to the module; the
# client waits it out, but a test need not wait at all.
SETTINGS = SandboxSettings(rule_recompute_s=0)
Json = dict[str, Any]


def rich_seed() -> Seed:
    return load_seed(RICH_SEED)


def condition(field: str, comparator: str, value: Any) -> Json:
    return {"field": {"api_name": field}, "comparator": comparator, "value": value}


def group(operator: str, *items: Json) -> Json:
    return {"group_operator": operator, "group": list(items)}


CRITERIA = {
    "North": {
        "account_rule_criteria": group(
            "AND",
            condition("Billing_Country", "in", ["USA", "Canada"]),
            group(
                "OR",
                condition("Employees", "greater_than", 100),
                condition("Annual_Revenue", "between", [1000000, 5000000]),
            ),
        ),
        "lead_rule_criteria": condition("Country", "not_equal", "Mars"),
    },
    "North East": {"deal_rule_criteria": condition("Amount", "greater_equal", 10000)},
    "Boston Metro": {
        "account_rule_criteria": group(
            "AND",
            condition("Billing_City", "equal", "Boston"),
            condition("Account_Name", "starts_with", "Globex"),
        ),
        "deal_rule_criteria": group(
            "OR", condition("Stage", "equal", "Closed Won"), condition("Amount", "less_than", 500)
        ),
        "lead_rule_criteria": condition("Lead_Source", "in", ["Web", "Partner"]),
    },
}


def role(rid: str, subordinates: bool = False) -> Json:
    return {"type": "roles", "resource": {"id": rid}, "subordinates": subordinates}


def group_of(gid: str) -> Json:
    return {"type": "groups", "resource": {"id": gid}, "subordinates": False}


ALL_USERS = {"type": "all_users", "subordinates": False}


def rules(roles: dict[str, str], groups: dict[str, str]) -> list[tuple[str, Json, bool]]:
    """(module, rule, active) for every shape of rule."""

    def owner(name: str, source: Json, target: Json, access: str, superiors: bool) -> Json:
        return {
            "name": name,
            "type": "Record_Owner_Based",
            "shared_from": source,
            "shared_to": target,
            "permission_type": access,
            "superiors_allowed": superiors,
        }

    def by_criteria(name: str, criteria: Json, target: Json, access: str) -> Json:
        return {
            "name": name,
            "type": "Criteria_Based",
            "criteria": criteria,
            "shared_to": target,
            "permission_type": access,
            "superiors_allowed": False,
        }

    north, south = roles["north manager"], roles["south manager"]
    return [
        ("Accounts", owner("North to South", role(north), role(south), "read", False), True),
        (
            "Accounts",
            owner(
                "North team to leaders",
                role(north, True),
                group_of(groups["leadership"]),
                "read_write_delete",
                True,
            ),
            True,
        ),
        (
            "Accounts",
            by_criteria(
                "Big accounts to everyone",
                group(
                    "AND",
                    condition("Annual_Revenue", "greater_than", 1000000),
                    condition("Billing_Country", "not_equal", "Mars"),
                ),
                ALL_USERS,
                "read",
            ),
            True,
        ),
        (
            "Deals",
            owner(
                "Finance sees sales",
                group_of(groups["field sales"]),
                role(roles["controller"], True),
                "read",
                False,
            ),
            True,
        ),
        (
            "Deals",
            by_criteria(
                "Won deals to finance",
                condition("Stage", "equal", "Closed Won"),
                group_of(groups["finance team"]),
                "read_write_delete",
            ),
            False,
        ),
        (
            "Leads",
            owner(
                "South leads upward", role(south, True), role(roles["sales director"]), "read", True
            ),
            False,
        ),
        (
            "Contacts",
            owner(
                "Support sees contacts", role(roles["support lead"], True), ALL_USERS, "read", False
            ),
            True,
        ),
    ]


async def enrich(client: ZohoClient) -> None:
    """Add the criteria and the sharing rules; every write must succeed."""
    territories = {str(t["name"]): str(t["id"]) for t in await client.list_territories()}
    updates = [{"id": territories[name], **criteria} for name, criteria in CRITERIA.items()]
    assert all(r.ok for r in await client.update_territories(updates))
    roles = {str(r["name"]).lower(): str(r["id"]) for r in await client.list_roles()}
    groups = {str(g["name"]).lower(): str(g["id"]) for g in await client.list_groups()}
    for module, rule, active in rules(roles, groups):
        created = await client.create_sharing_rule(module, rule)
        assert created.ok and created.id, created
        if not active:
            assert (await client.deactivate_sharing_rule(module, created.id)).ok
