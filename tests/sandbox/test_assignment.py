"""The sandbox's territory assignment engine: records created or edited land where Zoho's
help page "Assigning Territories" says they do."""

from __future__ import annotations

from typing import Any

import pytest

from reconciler.sandbox import Sandbox, SandboxSettings
from reconciler.sandbox.seed import demo_seed
from tests.sandbox.conftest import create_territory, make_client

pytestmark = pytest.mark.anyio


def rule(field: str, comparator: str, value: Any) -> dict[str, Any]:
    return {"field": {"api_name": field}, "comparator": comparator, "value": value}


def country(*names: str) -> dict[str, Any]:
    return rule("Billing_Country", "in", list(names))


async def create(client, module: str, **fields: Any) -> str:
    response = await client.post(f"/crm/v8/{module}", json={"data": [fields]})
    assert response.status_code == 201, response.text
    return str(response.json()["data"][0]["details"]["id"])


async def territories(client, module: str, record: str) -> list[tuple[str, str]]:
    body = (await client.get(f"/crm/v8/{module}/{record}")).json()
    return [(t["Name"], t["$assigned"]) for t in body["data"][0]["Territories"]]


async def test_a_record_gets_the_deepest_match_on_every_branch(client, org):
    americas = await create_territory(
        client, "Americas", org.root, account_rule_criteria=country("USA", "Canada", "Mexico")
    )
    await create_territory(client, "North", americas, account_rule_criteria=country("USA"))
    await create_territory(client, "South", americas, account_rule_criteria=country("Mexico"))
    big = await create_territory(
        client, "Big", org.root, account_rule_criteria=rule("Employees", "greater_than", "100")
    )
    # A child of a territory the record fails is never tested, even when it would match.
    await create_territory(client, "Huge", big, account_rule_criteria=country("USA"))
    await create_territory(client, "Nowhere", org.root)  # no rule: matches nothing
    us_small = await create(client, "Accounts", Account_Name="A", Billing_Country="USA")
    us_big = await create(
        client, "Accounts", Account_Name="B", Billing_Country="USA", Employees=500
    )
    canada = await create(client, "Accounts", Account_Name="C", Billing_Country="Canada")
    japan = await create(client, "Accounts", Account_Name="D", Billing_Country="Japan")
    auto = "automatically"
    assert await territories(client, "Accounts", us_small) == [("North", auto)]
    assert await territories(client, "Accounts", us_big) == [("North", auto), ("Huge", auto)]
    assert await territories(client, "Accounts", canada) == [("Americas", auto)]
    assert await territories(client, "Accounts", japan) == []


async def test_an_edit_reruns_the_rules_and_keeps_manual_assignments(client, org):
    north = await create_territory(client, "North", org.root, account_rule_criteria=country("USA"))
    manual = await create_territory(client, "Key accounts", org.root)
    record = await create(client, "Accounts", Account_Name="A", Billing_Country="USA")
    url = f"/crm/v8/Accounts/{record}/actions/assign_territories"
    assert (await client.post(url, json={"data": [{"Territories": [{"id": manual}]}]})).is_success
    edit = {"data": [{"id": record, "Billing_Country": "Japan"}]}
    assert (await client.put("/crm/v8/Accounts", json=edit)).status_code == 200
    assert await territories(client, "Accounts", record) == [("Key accounts", "manually")]
    removal = {"data": [{"Territories": [{"id": manual}]}]}
    edit["data"][0]["Billing_Country"] = "USA"
    await client.put("/crm/v8/Accounts", json=edit)
    response = await client.post(
        f"/crm/v8/Accounts/{record}/actions/remove_territories",
        json={"data": [{"Territories": [{"id": north}]}]},
    )
    assert response.json()["data"][0]["message"] == (
        "Territory id which you are trying to remove was system assigned"
    )
    url = f"/crm/v8/Accounts/{record}/actions/remove_territories"
    assert (await client.post(url, json=removal)).is_success
    assert await territories(client, "Accounts", record) == [("North", "automatically")]


async def test_an_account_holds_at_most_ten_territories(client, org):
    for n in range(12):
        await create_territory(client, f"T{n}", org.root, account_rule_criteria=country("USA"))
    record = await create(client, "Accounts", Account_Name="A", Billing_Country="USA")
    assert [name for name, _ in await territories(client, "Accounts", record)] == [
        f"T{n}" for n in range(10)
    ]


async def test_contacts_follow_their_account_and_deals_their_contact_or_account(client, org):
    deal_rule = rule("Amount", "greater_than", "1000")
    north = await create_territory(
        client,
        "North",
        org.root,
        account_rule_criteria=country("USA"),
        deal_rule_criteria=deal_rule,
    )
    await create_territory(client, "West", org.root, account_rule_criteria=country("USA"))
    account = await create(client, "Accounts", Account_Name="A", Billing_Country="USA")
    contact = await create(client, "Contacts", Last_Name="R", Account_Name={"id": account})
    assert [n for n, _ in await territories(client, "Contacts", contact)] == ["North", "West"]
    # The contact's territories, filtered by North's deal rule; a deal holds one territory.
    big = await create(client, "Deals", Deal_Name="big", Amount=5000, Contact_Name={"id": contact})
    small = await create(
        client, "Deals", Deal_Name="small", Amount=10, Account_Name={"id": account}
    )
    alone = await create(client, "Deals", Deal_Name="alone", Amount=10)
    assert await territories(client, "Deals", big) == [("North", "automatically")]
    assert await territories(client, "Deals", small) == [("West", "automatically")]
    assert await territories(client, "Deals", alone) == []
    assert north


async def test_record_writes_reject_what_the_module_lacks(client):
    response = await client.post("/crm/v8/Accounts", json={"data": [{"Warp_Drive": "on"}]})
    assert response.status_code == 400
    assert response.json()["data"][0]["details"] == {
        "api_name": "Warp_Drive",
        "json_path": "$.data[0].Warp_Drive",
    }
    response = await client.post(
        "/crm/v8/Contacts", json={"data": [{"Last_Name": "X", "Account_Name": {"id": "1"}}]}
    )
    assert response.json()["data"][0]["message"] == "the id given seems to be invalid"
    response = await client.put("/crm/v8/Accounts", json={"data": [{"Employees": 3}]})
    assert response.json()["data"][0]["code"] == "MANDATORY_NOT_FOUND"
    response = await client.put("/crm/v8/Accounts/12", json={"data": [{"Employees": 3}]})
    assert response.json()["data"][0]["message"] == "the id given seems to be invalid"


async def test_an_update_must_change_a_field(client, org):
    record = org.record("Accounts", "Account_Name", "Acme Rockets")
    response = await client.put(f"/crm/v8/Accounts/{record}", json={"data": [{"id": record}]})
    assert response.json()["data"][0]["message"] == "Specify Atleast one field"


async def test_listing_filters_by_territory_and_its_children(client, org):
    americas = await create_territory(client, "Americas", org.root)
    north = await create_territory(client, "North", americas)
    acme = org.record("Accounts", "Account_Name", "Acme Rockets")
    maple = org.record("Accounts", "Account_Name", "Maple Freight")
    for record, territory in ((acme, north), (maple, americas)):
        body = {"data": [{"id": record, "Territories": [{"id": territory}]}]}
        await client.post("/crm/v8/Accounts/actions/assign_territories", json=body)

    async def names(**params: str) -> list[str]:
        response = await client.get("/crm/v8/Accounts", params={"fields": "Account_Name", **params})
        return [r["Account_Name"] for r in response.json()["data"]] if response.content else []

    assert await names(territory_id=americas) == ["Maple Freight"]
    assert await names(territory_id=americas, include_child="true") == [
        "Acme Rockets",
        "Maple Freight",
    ]
    assert await names(territory_id=north, ids=acme) == ["Acme Rockets"]


async def test_listing_serves_only_the_fields_asked_for(client):
    response = await client.get("/crm/v8/Accounts", params={"per_page": 1})
    assert response.json()["code"] == "REQUIRED_PARAM_MISSING"
    body = (await client.get("/crm/v8/Accounts", params={"fields": "Employees,Territories"})).json()
    assert set(body["data"][0]) == {"id", "Employees", "Territories"}
    response = await client.get("/crm/v8/Accounts", params={"fields": "Warp_Drive"})
    assert response.json()["details"] == {"api_name": "Warp_Drive"}


async def test_paging_past_two_thousand_records_needs_the_page_token(clock):
    accounts = [{"Account_Name": f"A{n}", "Employees": n} for n in range(2_150)]
    seed = demo_seed().model_copy(update={"records": {"Accounts": accounts}})
    sandbox = Sandbox(clock=clock, seed=seed)
    async with make_client(sandbox) as client:
        params: dict[str, Any] = {"fields": "Employees", "page": 11, "per_page": 200}
        response = await client.get("/crm/v8/Accounts", params=params)
        assert response.json()["code"] == "DISCRETE_PAGINATION_LIMIT_EXCEEDED"
        seen: list[int] = []
        params = {"fields": "Employees"}
        while True:
            body = (await client.get("/crm/v8/Accounts", params=params)).json()
            seen += [r["Employees"] for r in body["data"]]
            if not body["info"]["more_records"]:
                break
            params = {"fields": "Employees", "page_token": body["info"]["next_page_token"]}
        assert seen == list(range(2_150))
        response = await client.get(
            "/crm/v8/Accounts", params={"fields": "Employees", "page_token": "x"}
        )
        assert response.json()["details"]["param_name"] == "page_token"


async def test_scheduled_assignments_land_when_their_job_is_due(clock, org):
    sandbox = Sandbox(clock=clock, settings=SandboxSettings(schedule_territory_jobs=True))
    async with make_client(sandbox) as client:
        territory = await create_territory(client, "A", org.root)
        acme = org.record("Accounts", "Account_Name", "Acme Rockets")
        body = {"data": [{"id": acme, "Territories": [{"id": territory}]}, {"id": "1"}]}
        response = await client.post("/crm/v8/Accounts/actions/assign_territories", json=body)
        assert response.status_code == 207
        first, second = response.json()["data"]
        assert first["code"] == "SCHEDULED" and first["details"]["id"] == acme
        assert first["details"]["job_id"]
        assert second["code"] == "INVALID_DATA"
        assert await territories(client, "Accounts", acme) == []
        clock.advance(2)
        assert await territories(client, "Accounts", acme) == [("A", "manually")]


ALL_ACCOUNTS = {
    "field": {"api_name": "Account_Name"},
    "comparator": "equal",
    "value": "${NOTEMPTY}",
}
RUN_RULES = "/crm/v8/settings/territories/actions/run_rules"
JOBS = "/crm/v8/settings/territories/actions/scheduled_run_rule_jobs"


async def test_run_rules_realigns_existing_records_and_what_follows_them(client, clock, org):
    acme = org.record("Accounts", "Account_Name", "Acme Rockets")
    reyes = org.record("Contacts", "Last_Name", "Reyes")
    fleet = org.record("Deals", "Deal_Name", "Acme fleet renewal")
    usa = await create_territory(client, "USA", org.root, account_rule_criteria=country("USA"))
    # Creating the rule moves nothing: records follow only when edited or when rules run.
    assert await territories(client, "Accounts", acme) == []
    body = {
        "run_rules": {
            "module": {"api_name": "Accounts"},
            "based_on": "criteria",
            "criteria": ALL_ACCOUNTS,
        }
    }
    response = await client.post(RUN_RULES, json=body)
    assert response.status_code == 202
    job = response.json()["run_rules"]["details"]["job_id"]
    again = await client.post(RUN_RULES, json=body)
    assert again.json()["code"] == "ALREADY_SCHEDULED"
    status = (await client.get(JOBS, params={"job_id": job})).json()
    assert status["scheduled_run_rule_jobs"]["status"] == "SCHEDULED"
    clock.advance(2)
    status = (await client.get(JOBS, params={"job_id": job})).json()
    assert status["scheduled_run_rule_jobs"]["status"] == "COMPLETED"
    auto = [("USA", "automatically")]
    assert await territories(client, "Accounts", acme) == auto
    assert await territories(client, "Contacts", reyes) == auto
    assert await territories(client, "Deals", fleet) == auto
    assert usa


async def test_run_rules_by_territory_and_its_errors(client, clock, org):
    usa = await create_territory(client, "USA", org.root, account_rule_criteria=country("USA"))
    acme = org.record("Accounts", "Account_Name", "Acme Rockets")
    await client.post(
        f"/crm/v8/Accounts/{acme}/actions/assign_territories",
        json={"data": [{"Territories": [{"id": usa}]}]},
    )
    body = {
        "run_rules": {
            "module": {"api_name": "Accounts"},
            "based_on": "territory",
            "territories": [{"id": org.root}],
            "include_child": True,
        }
    }
    assert (await client.post(RUN_RULES, json=body)).status_code == 202
    clock.advance(2)
    # The manual assignment stays; the rule gives nothing new (the record holds USA already).
    assert await territories(client, "Accounts", acme) == [("USA", "manually")]
    bad = {"run_rules": {"module": {"api_name": "Tasks"}, "based_on": "criteria"}}
    response = await client.post(RUN_RULES, json=bad)
    assert response.json()["run_rules"]["details"] == {
        "api_name": "module",
        "json_path": "$.run_rules.module",
    }
    bad = {
        "run_rules": {
            "module": {"api_name": "Accounts"},
            "based_on": "criteria",
            "criteria": {"field": {"api_name": "Warp"}, "comparator": "equal", "value": "x"},
        }
    }
    response = await client.post(RUN_RULES, json=bad)
    assert response.json()["run_rules"]["message"] == "the given filter value is invalid"
    assert (await client.get(JOBS, params={"job_id": "12"})).status_code == 204
    assert (await client.get(JOBS)).json()["code"] == "REQUIRED_PARAM_MISSING"
