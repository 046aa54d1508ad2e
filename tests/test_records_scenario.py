"""A reorg on an org with records: the plan names exactly the records the rules move (checked
against a brute-force evaluation written here, not reconciler's), apply realigns them, and
afterwards editing any record in the sandbox leaves it where reconciler put it."""

from __future__ import annotations

import random
import textwrap
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest

from reconciler.cli import workflow
from reconciler.cli.target import sandbox_target
from reconciler.config.load import Config, load_documents
from reconciler.model import Condition, Group, OrgState, Territory
from reconciler.plan.file import SavedPlan, dumps, loads
from reconciler.sandbox import Sandbox, SandboxSettings
from reconciler.sandbox.seed import SeedTerritory, demo_seed
from reconciler.zoho.client import ZohoClient
from tests.clients import SandboxClock, Time
from tests.harness import POLICY, Org, failures

pytestmark = pytest.mark.anyio
COUNTRIES = ["USA", "Canada", "Mexico", "Germany", "Austria", "France", "Japan"]
OWNERS = ["bob@zylker.example", "amy@zylker.example", "felix.martin@zylker.example"]
MODULES = ("Accounts", "Contacts", "Deals", "Leads")

BEFORE = """
    territories:
      name: Zylker
      children:
        - name: Key Accounts
          deal_rule: {field: Amount, greater_than: 100000000}  # no deal follows it here
        - name: Americas
          account_rule: {field: Billing_Country, in: [USA, Canada, Mexico]}
          lead_rule: {field: Country, in: [USA, Canada, Mexico]}
          deal_rule: {field: Amount, less_equal: 50000}
          users: [amy@zylker.example]
          children:
            - name: North
              account_rule: {field: Billing_Country, in: [USA, Canada]}
              lead_rule: {field: Country, in: [USA, Canada]}
              deal_rule: {field: Amount, less_equal: 50000}
              users: [bob@zylker.example]
        - name: EMEA
          account_rule: {field: Billing_Country, in: [Germany, Austria, France]}
          lead_rule: {field: Country, in: [Germany, Austria, France]}
          deal_rule: {field: Amount, less_equal: 50000}
          users: [felix.martin@zylker.example]
          children:
            - name: DACH
              account_rule: {field: Billing_Country, equal: Germany}
              deal_rule: {field: Amount, less_equal: 50000}
        - name: Big
          account_rule: {field: Employees, greater_than: 200}
          deal_rule: {field: Amount, greater_than: 50000}
          users: [victor.hale@zylker.example]
    realign: {Accounts: full, Leads: full}
"""
# The reorg: Mexico leaves the Americas for a new LATAM branch, North is renamed, DACH takes
# Austria too, Big needs more employees, and leads are no longer assigned in EMEA.
AFTER = """
    territories:
      name: Zylker
      children:
        - name: Key Accounts
          deal_rule: {field: Amount, greater_than: 100000000}  # no deal follows it here
        - name: Americas
          account_rule: {field: Billing_Country, in: [USA, Canada]}
          lead_rule: {field: Country, in: [USA, Canada]}
          deal_rule: {field: Amount, less_equal: 50000}
          users: [amy@zylker.example]
          children:
            - name: North America
              previously: [North]
              account_rule: {field: Billing_Country, in: [USA, Canada]}
              lead_rule: {field: Country, in: [USA, Canada]}
              deal_rule: {field: Amount, less_equal: 50000}
              users: [bob@zylker.example]
        - name: LATAM
          account_rule: {field: Billing_Country, equal: Mexico}
          lead_rule: {field: Country, equal: Mexico}
          deal_rule: {field: Amount, less_equal: 50000}
          users: [carla.mendes@zylker.example]
        - name: EMEA
          account_rule: {field: Billing_Country, in: [Germany, Austria, France]}
          lead_rule: null
          deal_rule: {field: Amount, less_equal: 50000}
          users: [felix.martin@zylker.example]
          children:
            - name: DACH
              account_rule: {field: Billing_Country, in: [Germany, Austria]}
              deal_rule: {field: Amount, less_equal: 50000}
        - name: Big
          account_rule: {field: Employees, greater_than: 400}
          deal_rule: {field: Amount, greater_than: 50000}
          users: [victor.hale@zylker.example]
    realign: {Accounts: full, Leads: full}
"""


def yaml(text: str) -> Config:
    return load_documents([("org.yaml", textwrap.dedent(text).encode())])


def seeded_records(n: int = 120) -> dict[str, list[dict[str, Any]]]:
    rng = random.Random(14)
    accounts = [
        {
            "Account_Name": f"Account {i}",
            "Billing_Country": rng.choice(COUNTRIES),
            "Employees": rng.randrange(10, 800),
            "owner": rng.choice(OWNERS),
            # Some accounts were put in Key Accounts by hand, by their owner.
            **({"territories": ["Key Accounts"]} if i % 9 == 0 else {}),
        }
        for i in range(n)
    ]
    contacts = [
        {
            "Last_Name": f"C{i}",
            "Email": f"c{i}@example.com",
            "account": f"Account {rng.randrange(n)}",
        }
        for i in range(n)
    ]
    deals = [
        {
            "Deal_Name": f"Deal {i}",
            "Amount": rng.choice([1000, 20000, 90000, 300000]),
            **({"contact": f"c{rng.randrange(n)}@example.com"} if i % 2 else {}),
            **({"account": f"Account {rng.randrange(n)}"} if i % 3 else {}),
        }
        for i in range(n)
    ]
    leads = [{"Last_Name": f"L{i}", "Country": rng.choice(COUNTRIES)} for i in range(n)]
    return {"Accounts": accounts, "Contacts": contacts, "Deals": deals, "Leads": leads}


@asynccontextmanager
async def record_org() -> AsyncIterator[Org]:
    clock = SandboxClock()
    seed = demo_seed().model_copy(
        update={"records": seeded_records(), "territories": [SeedTerritory(name="Key Accounts")]}
    )
    sandbox = Sandbox(clock=clock, settings=SandboxSettings(), seed=seed)
    time = Time(clock)
    target = sandbox_target(sandbox=sandbox)
    options = {"sleep": time.sleep, "clock": time.clock, "rng": random.Random(0), "retry": POLICY}
    try:
        async with ZohoClient.for_target(target, **options) as zoho:
            yield Org(sandbox, time, workflow.Connection(target, zoho))
    finally:
        sandbox.close()


# -- the brute force: every territory tested on its own, straight from the YAML -------------


def holds(criteria: Any, record: dict[str, Any]) -> bool:
    if isinstance(criteria, Group):
        results = [holds(c, record) for c in criteria.criteria]
        return all(results) if criteria.operator == "and" else any(results)
    assert isinstance(criteria, Condition)
    value, wanted = record.get(criteria.field), criteria.value
    options = list(wanted) if isinstance(wanted, tuple) else [wanted]
    kind = criteria.comparator.value
    if kind in ("in", "equal"):
        return str(value).lower() in [str(o).lower() for o in options]
    if kind == "greater_than":
        return value is not None and float(value) > float(options[0])
    if kind == "less_equal":
        return value is not None and float(value) <= float(options[0])
    raise AssertionError(f"the scenario uses no {kind}")


def reached(t: Territory, by_name: dict[str, Territory], rule: str, record: dict[str, Any]) -> bool:
    """A territory is reached when it and every ancestor below the root match the record."""
    while t.parent is not None:
        criteria = getattr(t, rule)
        if criteria is None or not holds(criteria, record):
            return False
        t = by_name[t.parent]
    return True


def expected(
    state: OrgState, data: dict[str, dict[str, dict[str, Any]]]
) -> dict[str, dict[str, set[str]]]:
    """Where every record must be: manual territories (by their owners) stay, rule-given ones
    are the reached territories none of whose children is reached."""
    territories = state.territories or ()
    by_name = {t.name: t for t in territories}
    out: dict[str, dict[str, set[str]]] = {m: {} for m in MODULES}
    for module, rule in (("Accounts", "account_rule"), ("Leads", "lead_rule")):
        for ident, record in data[module].items():
            hit = {t.name for t in territories if t.parent and reached(t, by_name, rule, record)}
            deepest = {n for n in hit if not any(by_name[c].parent == n for c in hit)}
            out[module][ident] = deepest | set(record["_manual"])
    for ident, record in data["Contacts"].items():
        account = (record.get("Account_Name") or {}).get("id")
        out["Contacts"][ident] = set(out["Accounts"].get(account, set()))
    for ident, record in data["Deals"].items():
        contact = (record.get("Contact_Name") or {}).get("id")
        account = (record.get("Account_Name") or {}).get("id")
        source = out["Contacts"].get(contact, set()) or out["Accounts"].get(account, set())
        allowed = {
            n for n in source if by_name[n].deal_rule is None or holds(by_name[n].deal_rule, record)
        }
        assert len(allowed) <= 1, "the scenario keeps deals to one candidate territory"
        out["Deals"][ident] = allowed
    return out


async def records(org: Org) -> dict[str, dict[str, dict[str, Any]]]:
    """Every record, with its territories, read over plain HTTP."""
    fields = {
        "Accounts": "Billing_Country,Employees,Territories",
        "Contacts": "Account_Name,Territories",
        "Deals": "Amount,Account_Name,Contact_Name,Territories",
        "Leads": "Country,Territories",
    }
    found: dict[str, dict[str, dict[str, Any]]] = {}
    async with org.http() as http:
        for module in MODULES:
            found[module] = {}
            page = 1
            while True:
                params = {"fields": fields[module], "page": page}
                body = (await http.get(f"/crm/v8/{module}", params=params)).json()
                for row in body["data"]:
                    row["_manual"] = [
                        t["Name"] for t in row["Territories"] if t["$assigned"] == "manually"
                    ]
                    row["_held"] = {t["Name"] for t in row["Territories"]}
                    found[module][row["id"]] = row
                if not body["info"]["more_records"]:
                    break
                page += 1
    return found


def moved(plan: SavedPlan) -> dict[str, dict[str, set[str]]]:
    impact = plan.plan.records
    assert impact is not None
    return {m.module: {c.id: set(c.after) for c in m.changes} for m in impact.modules}


def differing(
    data: Any, want: dict[str, dict[str, set[str]]], renamed: dict[str, str]
) -> dict[str, dict[str, set[str]]]:
    """The records not where they must be; a renamed territory is no move."""

    def named(held: set[str]) -> set[str]:
        return {renamed.get(n, n) for n in held}

    return {
        m: {i: want[m][i] for i, row in data[m].items() if named(row["_held"]) != want[m][i]}
        for m in MODULES
    }


async def test_a_reorg_moves_exactly_the_records_the_rules_move() -> None:
    async with record_org() as org:
        for text, renamed in ((BEFORE, {}), (AFTER, {"North": "North America"})):
            config = yaml(text)
            before = await records(org)
            want = expected(config.state, before)
            # Apply reads the record changes back from the plan file, as `apply plan.json` does.
            saved = loads(dumps(await workflow.make_plan(config, org.connection)))
            # The plan names exactly the records whose territories change, and where to.
            assert moved(saved) == {m: d for m, d in differing(before, want, renamed).items() if d}
            report = await workflow.apply_saved(
                saved, org.connection, allow_deletes=True, verify=False
            )
            assert report.ok, failures(report)
            after = await records(org)
            assert differing(after, want, {}) == {m: {} for m in MODULES}
            again = await workflow.make_plan(config, org.connection)
            assert again.plan.empty

        # Manual assignments by others were reported and kept.
        accounts = next(m for m in saved.plan.records.modules if m.module == "Accounts")  # type: ignore[union-attr]
        assert accounts.manual_kept == sum(1 for r in after["Accounts"].values() if r["_manual"])
        assert accounts.manual_kept > 0

        # The sandbox's own engine agrees: editing every record leaves it where it is.
        async with org.http() as http:
            for module, field in (("Accounts", "Employees"), ("Leads", "Country")):
                rows = list(after[module].values())
                for start in range(0, len(rows), 100):
                    chunk = [{"id": r["id"], field: r[field]} for r in rows[start : start + 100]]
                    response = await http.put(f"/crm/v8/{module}", json={"data": chunk})
                    assert response.status_code == 200
            for module, field in (("Contacts", "Account_Name"), ("Deals", "Amount")):
                rows = list(after[module].values())
                for start in range(0, len(rows), 100):
                    chunk = [
                        {"id": r["id"], field: r[field]}
                        for r in rows[start : start + 100]
                        if r.get(field) is not None
                    ]
                    if chunk:
                        response = await http.put(f"/crm/v8/{module}", json={"data": chunk})
                        assert response.status_code == 200, response.text
        edited = await records(org)
        assert {m: {i: r["_held"] for i, r in edited[m].items()} for m in MODULES} == {
            m: {i: r["_held"] for i, r in after[m].items()} for m in MODULES
        }
