"""User-group create, update and (scheduled) delete: limits, sources, jobs, recomputation."""

from __future__ import annotations

import pytest

from tests.sandbox.test_sharing_rules import owner_rule

pytestmark = pytest.mark.anyio
GROUPS = "/crm/v8/settings/user_groups"
RULES = "/crm/v8/settings/data_sharing/rules"


def territory_source(ident, sub=True):
    return {"type": "territories", "source": {"id": ident}, "sub_territories": sub}


async def create(client, *groups):
    return await client.post(GROUPS, json={"user_groups": list(groups)})


async def sources(client, ident):
    response = await client.get(f"{GROUPS}/{ident}/sources")
    return [] if response.status_code == 204 else response.json()["sources"]


async def test_a_group_with_territory_sources(client, org):
    group = {"name": "EMEA members", "sources": [territory_source(org.root)]}
    response = await create(client, group)
    assert response.status_code == 201
    [item] = response.json()["user_groups"]
    assert item["message"] == "User group created successfully"
    [source] = await sources(client, item["details"]["id"])
    assert source["type"] == "territories"
    assert source["sub_territories"] is True


async def test_ten_groups_per_call(client, org):
    user = {"type": "users", "source": {"id": org.admin}}
    groups = [{"name": f"G{n}", "sources": [user]} for n in range(11)]
    response = await create(client, *groups)
    assert response.status_code == 400
    assert response.json()["details"]["maximum_length"] == 10
    assert (await create(client, *groups[:10])).status_code == 201


async def test_two_hundred_sources_per_group(client, org, sandbox):
    sandbox.configure(group_sources_limit=2)
    user = {"type": "users", "source": {"id": org.admin}}
    role = {"type": "roles", "source": {"id": org.role("CEO")}, "subordinates": True}
    territory = territory_source(org.root, sub=False)
    response = await create(client, {"name": "Big", "sources": [user, role, territory]})
    assert response.status_code == 400
    assert response.json()["user_groups"][0]["details"]["json_path"] == "$.user_groups[0].sources"
    assert sandbox.settings.group_sources_limit == 2
    assert (await create(client, {"name": "Big", "sources": [user, role]})).status_code == 201


@pytest.mark.parametrize(
    ("source", "path"),
    [
        ({"type": "groups", "source": {"id": "1"}}, "sources[0].type"),
        ({"type": "users", "source": {"id": "1"}}, "sources[0].source.id"),
        ({"type": "roles", "source": {"id": "1"}}, "sources[0].source.id"),
        ({"type": "territories", "source": {"id": "1"}}, "sources[0].source.id"),
        ("ROLE", "sources[0]"),
    ],
)
async def test_bad_sources_are_named_by_path(client, source, path):
    response = await create(client, {"name": "Bad", "sources": [source]})
    assert response.status_code == 400
    [error] = response.json()["user_groups"]
    assert error["details"]["json_path"] == f"$.user_groups[0].{path}"


async def test_a_flag_of_another_source_type_is_refused(client, org):
    user = {"type": "users", "source": {"id": org.admin}, "subordinates": True}
    response = await create(client, {"name": "Flags", "sources": [user]})
    assert response.json()["user_groups"][0]["details"]["api_name"] == "subordinates"


async def test_names_are_unique_in_the_org_and_the_request(client, org):
    user = {"type": "users", "source": {"id": org.admin}}
    response = await create(
        client,
        {"name": "finance", "sources": [user]},
        {"name": "New", "sources": [user]},
        {"name": "new ", "sources": [user]},
        {"sources": [user]},
        {"name": "No sources"},
    )
    assert response.status_code == 207
    codes = [item["code"] for item in response.json()["user_groups"]]
    assert codes == [
        "DUPLICATE_DATA",
        "SUCCESS",
        "DUPLICATE_DATA",
        "MANDATORY_NOT_FOUND",
        "MANDATORY_NOT_FOUND",
    ]


async def test_update_replaces_name_description_and_sources(client, org):
    ident = org.group("Sales Operations")
    body = {
        "user_groups": [
            {"name": "RevOps", "description": None, "sources": [territory_source(org.root)]}
        ]
    }
    response = await client.put(f"{GROUPS}/{ident}", json=body)
    assert response.status_code == 200
    assert [s["type"] for s in await sources(client, ident)] == ["territories"]
    group = (await client.get(f"{GROUPS}/{ident}")).json()["user_groups"][0]
    assert (group["name"], group["description"]) == ("RevOps", None)


async def test_update_of_an_unknown_group(client):
    response = await client.put(f"{GROUPS}/123", json={"user_groups": [{"name": "X"}]})
    assert response.status_code == 400
    assert response.json()["details"] == {"resource_path_index": 2}


async def test_deletion_is_scheduled_and_finishes_later(client, org, clock):
    ident = org.group("Executives")
    response = await client.delete(f"{GROUPS}/{ident}")
    assert response.status_code == 200
    [item] = response.json()["user_groups"]
    assert (item["code"], item["status"]) == ("SCHEDULED", "scheduled")
    assert set(item["details"]) == {"job_id"}
    assert (await client.get(f"{GROUPS}/{ident}")).status_code == 200
    user = {"type": "users", "source": {"id": org.admin}}
    taken = await create(client, {"name": "Executives", "sources": [user]})
    assert taken.json()["user_groups"][0]["code"] == "DUPLICATE_DATA"
    again = await client.delete(f"{GROUPS}/{ident}")
    assert again.status_code == 400
    job = {"job_id": item["details"]["job_id"]}
    status = await client.get(f"{GROUPS}/actions/deletion_jobs", params=job)
    assert status.json() == {"deletion_jobs": [{"Status": "SCHEDULED"}]}
    clock.advance(1.0)
    assert (await client.get(f"{GROUPS}/{ident}")).status_code == 204
    status = await client.get(f"{GROUPS}/actions/deletion_jobs", params=job)
    assert status.json() == {"deletion_jobs": [{"Status": "COMPLETED"}]}
    assert (await create(client, {"name": "Executives", "sources": [user]})).status_code == 201


async def test_a_deletion_job_needs_its_id_and_an_unknown_one_has_no_status(client):
    missing = await client.get(f"{GROUPS}/actions/deletion_jobs")
    assert missing.status_code == 400
    assert missing.json()["code"] == "REQUIRED_PARAM_MISSING"
    assert missing.json()["details"] == {"param_name": "job_id"}
    unknown = await client.get(f"{GROUPS}/actions/deletion_jobs", params={"job_id": "123"})
    assert unknown.status_code == 204


async def test_immediate_deletion(client, org, sandbox):
    sandbox.configure(group_deletion_s=0)
    ident = org.group("Executives")
    response = await client.delete(f"{GROUPS}/{ident}")
    assert response.json()["user_groups"][0]["details"] == {"id": ident}
    assert (await client.get(f"{GROUPS}/{ident}")).status_code == 204


async def group_rule(client, org):
    rule = owner_rule(org, "Managers see accounts", shared_from={"type": "all_users"})
    made = await client.post(RULES, params={"module": "Accounts"}, json={"sharing_rules": [rule]})
    assert made.status_code == 201, made.text


async def test_a_group_a_rule_shares_to_cannot_be_deleted(client, org):
    await group_rule(client, org)
    response = await client.delete(f"{GROUPS}/{org.group('Global Managers')}")
    assert response.status_code == 400
    assert response.json()["code"] == "INVALID_DATA"


async def test_new_sources_recompute_the_modules_that_share_to_the_group(client, org, clock):
    await group_rule(client, org)
    clock.advance(60)
    ident = org.group("Global Managers")

    async def computing():
        summary = await client.get(f"{RULES}/actions/summary", params={"module": "Accounts"})
        return summary.json()["sharing_rules_summary"][0]["rule_computation_status"]

    listed = await sources(client, ident)
    same = [{"type": s["type"], "source": {"id": s["source"]["id"]}} for s in listed]
    body = {"user_groups": [{"name": "Global Managers", "sources": same}]}
    await client.put(f"{GROUPS}/{ident}", json=body)
    assert await computing() is False
    body["user_groups"][0]["sources"] = same[:1]
    await client.put(f"{GROUPS}/{ident}", json=body)
    assert await computing() is True
