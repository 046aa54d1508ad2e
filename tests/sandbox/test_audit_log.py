"""The org's audit log: every settings write is logged with the user the OAuth client acts as,
and an export job downloads it (REFERENCE §7.6)."""

from __future__ import annotations

import csv
import io
import zipfile

import pytest

from tests.sandbox.conftest import create_territory, make_client

pytestmark = pytest.mark.anyio
EXPORT = "/crm/v8/settings/audit_log_export"
VICTOR = "victor.hale@zylker.example"


async def export(client, clock, body=None):
    """Schedule a job, let it finish, download its one file: (job, rows as dicts)."""
    response = (
        await client.post(EXPORT, json=body) if body is not None else await client.post(EXPORT)
    )
    assert response.status_code == 200, response.text
    job_id = response.json()["audit_log_export"][0]["details"]["id"]
    clock.advance(2)
    job = (await client.get(f"{EXPORT}/{job_id}")).json()["audit_log_export"][0]
    assert job["status"] == "finished"
    file = await client.get(job["download_links"][0])
    assert file.status_code == 200
    assert file.headers["content-type"].startswith("text/csv")
    return job, list(csv.DictReader(io.StringIO(file.text)))


def colleague(sandbox):
    return make_client(sandbox, sandbox.issue_token("sandbox-colleague"))


async def test_a_second_client_is_logged_as_its_own_user(sandbox, client, org, clock):
    async with colleague(sandbox) as other:
        americas = await create_territory(other, "Americas", org.root)
        clock.advance(60)
        renamed = {"territories": [{"id": americas, "name": "The Americas"}]}
        assert (await other.put("/crm/v8/settings/territories", json=renamed)).status_code == 200
        members = {"users": [{"id": org.user("amy@zylker.example")}]}
        url = f"/crm/v8/settings/territories/{americas}/users"
        assert (await other.put(url, json=members)).status_code == 200
        accounts = {"share_type": "public", "module": {"id": org.module("Accounts")}}
        put = await other.put("/crm/v8/settings/data_sharing", json={"data_sharing": [accounts]})
        assert put.status_code == 200
    _, rows = await export(client, clock)
    picked = [
        (
            r["done_by"],
            r["action"],
            r["module"],
            r["record_name"],
            r["field"],
            r["old_value"],
            r["new_value"],
        )
        for r in rows
    ]
    assert picked == [
        ("Victor Hale", "added", "Territories", "Americas", "", "", "Americas"),
        (
            "Victor Hale",
            "updated",
            "Territories",
            "The Americas",
            "name",
            "Americas",
            "The Americas",
        ),
        (
            "Victor Hale",
            "updated",
            "Territories",
            "The Americas",
            "users",
            "",
            "amy@zylker.example",
        ),
        ("Victor Hale", "updated", "Data_Sharing", "Accounts", "share_type", "private", "public"),
    ]
    assert {r["done_by_id"] for r in rows} == {org.user(VICTOR)}
    assert rows[0]["audited_time"] == "2025-06-15T15:06:40+00:00"
    assert rows[1]["audited_time"] == "2025-06-15T15:07:40+00:00"


async def test_seeding_and_reads_log_nothing(client, clock):
    await client.get("/crm/v8/settings/territories")
    response = await client.post(EXPORT)
    job_id = response.json()["audit_log_export"][0]["details"]["id"]
    clock.advance(2)
    job = (await client.get(f"{EXPORT}/{job_id}")).json()["audit_log_export"][0]
    file = await client.get(job["download_links"][0])
    assert (
        file.text
        == ",".join(
            [
                "audited_time",
                "done_by",
                "done_by_id",
                "action",
                "module",
                "record_id",
                "record_name",
                "field",
                "old_value",
                "new_value",
            ]
        )
        + "\r\n"
    )


async def test_job_lifecycle(client, clock, org):
    response = await client.post(EXPORT)
    assert response.json() == {
        "audit_log_export": [
            {
                "code": "SCHEDULED",
                "details": {"id": response.json()["audit_log_export"][0]["details"]["id"]},
                "message": "ExportAuditlog scheduled successfully.",
                "status": "success",
            }
        ]
    }
    job_id = response.json()["audit_log_export"][0]["details"]["id"]

    async def job():
        return (await client.get(f"{EXPORT}/{job_id}")).json()["audit_log_export"][0]

    first = await job()
    assert first["status"] == "scheduled"
    assert first["download_links"] is None and first["expiry_date"] is None
    assert "job_end_time" not in first
    assert first["created_by"] == {"name": "Patricia Boyle", "id": org.admin}
    clock.advance(0.6)
    assert (await job())["status"] == "running"
    clock.advance(0.5)
    done = await job()
    assert done["status"] == "finished"
    assert done["download_links"] == [
        f"http://sandbox.invalid/v2/crm/{org_id(client, org)}/auditlog/{job_id}/AuditLog.csv"
    ]
    assert done["job_end_time"] == "2025-06-15T15:06:41+00:00"
    assert done["expiry_date"] == "2025-06-22T15:06:41+00:00"
    listed = (await client.get(EXPORT)).json()["audit_log_export"]
    assert [j["id"] for j in listed] == [job_id]


def org_id(client, org):
    with org.sandbox.store.transaction() as db:
        return db.execute("SELECT value FROM meta WHERE key = 'org_id'").fetchone()[0]


async def test_no_jobs_is_204_and_an_unknown_job_404(client):
    assert (await client.get(EXPORT)).status_code == 204
    missing = await client.get(f"{EXPORT}/123")
    assert missing.status_code == 404
    assert missing.json()["code"] == "INVALID_URL_PATTERN"


async def test_one_job_at_a_time(client, clock):
    first = (await client.post(EXPORT)).json()["audit_log_export"][0]["details"]["id"]
    again = await client.post(EXPORT)
    assert again.status_code == 400
    assert again.json() == {
        "audit_log_export": [
            {
                "code": "ALREADY_SCHEDULED",
                "details": {"id": first},
                "message": "Export is already scheduled",
                "status": "error",
            }
        ]
    }
    clock.advance(2)
    assert (await client.post(EXPORT)).status_code == 200


@pytest.mark.parametrize(("outcome", "status"), [("failed", "failed"), ("stalled", "running")])
async def test_fault_control_for_jobs_that_fail_or_never_finish(
    sandbox, client, clock, outcome, status
):
    sandbox.configure(audit_job_outcome=outcome)
    job_id = (await client.post(EXPORT)).json()["audit_log_export"][0]["details"]["id"]
    clock.advance(3000)
    job = (await client.get(f"{EXPORT}/{job_id}")).json()["audit_log_export"][0]
    assert job["status"] == status
    assert job["download_links"] is None
    blocked = await client.post(EXPORT)
    assert blocked.status_code == (400 if outcome == "stalled" else 200)


async def test_criteria_select_entries(sandbox, client, org, clock):
    async with colleague(sandbox) as other:
        await create_territory(other, "EMEA", org.root)
    await create_territory(client, "APAC", org.root)
    start, end = "2025-06-01T00:00:00+00:00", "2025-06-30T00:00:00+00:00"
    criteria = {
        "group_operator": "and",
        "group": [
            {
                "field": {"api_name": "done_by"},
                "comparator": "equal",
                "value": [{"id": org.user(VICTOR)}],
            },
            {
                "group_operator": "and",
                "group": [
                    {
                        "field": {"api_name": "audited_time"},
                        "comparator": "between",
                        "value": [start, end],
                    },
                    {
                        "field": {"api_name": "module"},
                        "comparator": "in",
                        "value": [{"api_name": "Territories"}],
                    },
                ],
            },
        ],
    }
    job, rows = await export(client, clock, {"audit_log_export": [{"criteria": criteria}]})
    assert [r["record_name"] for r in rows] == ["EMEA"]
    assert job["criteria"] == criteria
    older = {
        "field": {"api_name": "audited_time"},
        "comparator": "between",
        "value": ["2025-01-01T00:00:00+00:00", "2025-02-01T00:00:00+00:00"],
    }
    _, none = await export(client, clock, {"audit_log_export": [{"criteria": older}]})
    assert none == []


async def test_a_non_admin_exports_only_their_own_entries(sandbox, org, clock):
    token = sandbox.issue_token("sandbox-colleague")
    async with make_client(sandbox, token) as other:
        await create_territory(other, "EMEA", org.root)
    async with make_client(sandbox) as admin:
        await create_territory(admin, "APAC", org.root)
    with sandbox.store.transaction() as db:  # demote Victor to the Standard profile
        db.execute(
            "UPDATE users SET profile_id = (SELECT id FROM profiles WHERE name = 'Standard') "
            "WHERE email = ?",
            (VICTOR,),
        )
    async with make_client(sandbox, token) as other:
        _, rows = await export(other, clock)
    assert [r["record_name"] for r in rows] == ["EMEA"]


async def test_uncovered_areas_are_left_out(sandbox, client, org, clock):
    sandbox.configure(audited_areas=("Data_Sharing",))
    await create_territory(client, "EMEA", org.root)
    _, rows = await export(client, clock)
    assert rows == []


async def test_more_rows_than_one_file_come_as_a_zip(sandbox, client, org, clock):
    sandbox.configure(audit_rows_per_file=2)
    for name in ("A", "B", "C", "D", "E"):
        await create_territory(client, name, org.root)
    job_id = (await client.post(EXPORT)).json()["audit_log_export"][0]["details"]["id"]
    clock.advance(2)
    job = (await client.get(f"{EXPORT}/{job_id}")).json()["audit_log_export"][0]
    assert job["download_links"][0].endswith("/AuditLog.zip")
    file = await client.get(job["download_links"][0])
    assert file.headers["content-type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(file.content))
    assert archive.namelist() == ["AuditLog_1.csv", "AuditLog_2.csv", "AuditLog_3.csv"]
    names = [
        row["record_name"]
        for part in archive.namelist()
        for row in csv.DictReader(io.StringIO(archive.read(part).decode()))
    ]
    assert names == ["A", "B", "C", "D", "E"]
    as_csv = await client.get(job["download_links"][0].replace(".zip", ".csv"))
    assert as_csv.status_code == 403


async def test_download_needs_files_scope_and_a_live_link(sandbox, client, clock):
    job_id = (await client.post(EXPORT)).json()["audit_log_export"][0]["details"]["id"]
    url_before = f"/v2/crm/1/auditlog/{job_id}/AuditLog.csv"
    early = await client.get(url_before)
    assert early.status_code == 403
    assert early.json() == {
        "x-error": "FILE_NOT_FOUND",
        "info": "no export file at this link",
        "status": "error",
    }
    clock.advance(2)
    link = (await client.get(f"{EXPORT}/{job_id}")).json()["audit_log_export"][0]["download_links"][
        0
    ]
    crm_only = sandbox.issue_token(scopes=["ZohoCRM.settings.ALL"])
    async with make_client(sandbox, crm_only) as other:
        refused = await other.get(link)
    assert refused.status_code == 401
    assert refused.json()["code"] == "OAUTH_SCOPE_MISMATCH"
    clock.advance(8 * 86_400)
    async with make_client(sandbox) as later:
        expired = await later.get(link)
    assert expired.status_code == 403
    assert expired.json()["x-error"] == "URL_EXPIRED"


def item_error(code, message, **details):
    return {
        "audit_log_export": [
            {"code": code, "details": details, "message": message, "status": "error"}
        ]
    }


TIME = {"api_name": "audited_time"}
AT = "$.audit_log_export[0].criteria"


@pytest.mark.parametrize(
    ("criteria", "expected"),
    [
        (
            {
                "field": TIME,
                "comparator": "between",
                "value": ["2025-01-01T00:00:00+00:00", "2025-07-01T00:00:00+00:00"],
            },
            item_error(
                "NOT_ALLOWED",
                "Logs only within 6 month intervals are allowed to be fetched",
                api_name="value",
                json_path=f"{AT}.value",
            ),
        ),
        (
            {
                "field": TIME,
                "comparator": "between",
                "value": ["2025-01-01", "2025-02-01T00:00:00+00:00"],
            },
            item_error(
                "INVALID_DATA",
                "invalid data",
                api_name="value",
                json_path=f"{AT}.value[0]",
                expected_data_type="datetime",
            ),
        ),
        (
            {"field": TIME, "comparator": "equal", "value": ["2025-01-01T00:00:00+00:00"]},
            item_error(
                "INVALID_DATA",
                "invalid data",
                api_name="comparator",
                json_path=f"{AT}.comparator",
                supported_values=["between"],
            ),
        ),
        (
            {"field": {"api_name": "action"}, "comparator": "in", "value": "added"},
            item_error(
                "DEPENDENT_MISMATCH",
                "the value does not suit the comparator",
                api_name="value",
                json_path=f"{AT}.value",
                dependee={"api_name": "comparator", "json_path": f"{AT}.comparator"},
                expected_data_type="jsonarray",
            ),
        ),
        (
            {"field": {"api_name": "action"}, "comparator": "equal", "value": "created"},
            item_error(
                "INVALID_DATA",
                "invalid data",
                api_name="value",
                json_path=f"{AT}.value",
                supported_values=["added", "updated", "deleted"],
            ),
        ),
        (
            {"field": {"api_name": "owner"}, "comparator": "equal", "value": "x"},
            item_error(
                "INVALID_DATA",
                "invalid data",
                api_name="api_name",
                json_path=f"{AT}.field.api_name",
                supported_values=["action", "module", "done_by", "audited_time"],
            ),
        ),
        (
            {"field": {"api_name": "action"}, "value": "added"},
            item_error(
                "DEPENDENT_FIELD_MISSING",
                "dependent field missing",
                api_name="comparator",
                json_path=f"{AT}.comparator",
                dependee={"api_name": "field", "json_path": f"{AT}.field"},
            ),
        ),
        (
            {"comparator": "equal"},
            item_error(
                "EXPECTED_FIELD_MISSING",
                "one of the expected fields is missing",
                expected_fields=[
                    {"api_name": "field", "json_path": f"{AT}.field"},
                    {"api_name": "group", "json_path": f"{AT}.group"},
                ],
            ),
        ),
        (
            {"group_operator": "or", "group": []},
            item_error(
                "INVALID_DATA",
                "invalid data",
                api_name="group_operator",
                json_path=f"{AT}.group_operator",
                supported_values=["and"],
            ),
        ),
        (
            {
                "group_operator": "and",
                "group": [
                    {"field": {"api_name": "action"}, "comparator": "equal", "value": "added"}
                ]
                * 3,
            },
            item_error(
                "LIMIT_EXCEEDED",
                "The group jsonarray size should not exceed 2",
                api_name="group",
                json_path=f"{AT}.group[2]",
                limit="2",
            ),
        ),
        (
            {
                "field": {"api_name": "module"},
                "comparator": "equal",
                "value": [{"api_name": "Accounts", "id": "1"}],
            },
            item_error(
                "INVALID_DATA", "invalid data", api_name="module", json_path=f"{AT}.value[0]"
            ),
        ),
        (
            {"field": {"api_name": "done_by"}, "comparator": "equal", "value": [{"id": "99"}]},
            item_error(
                "INVALID_DATA", "invalid data", api_name="id", json_path=f"{AT}.value[0].id"
            ),
        ),
    ],
)
async def test_criteria_errors(client, criteria, expected):
    response = await client.post(EXPORT, json={"audit_log_export": [{"criteria": criteria}]})
    assert response.status_code == 400
    assert response.json() == expected


async def test_module_given_by_id_and_name_must_agree(client, org):
    value = [{"api_name": "Accounts", "id": org.module("Deals")}]
    criteria = {"field": {"api_name": "module"}, "comparator": "equal", "value": value}
    response = await client.post(EXPORT, json={"audit_log_export": [{"criteria": criteria}]})
    assert response.json()["audit_log_export"][0]["code"] == "AMBIGUITY_DURING_PROCESSING"
    value = [{"api_name": "Accounts", "id": org.module("Accounts")}]
    criteria["value"] = value
    assert (
        await client.post(EXPORT, json={"audit_log_export": [{"criteria": criteria}]})
    ).status_code == 200


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            {},
            {
                "code": "MANDATORY_NOT_FOUND",
                "details": {"api_name": "audit_log_export", "json_path": "$.audit_log_export[0]"},
                "message": "Required field missing",
                "status": "error",
            },
        ),
        (
            {"audit_log_export": {}},
            {
                "code": "INVALID_DATA",
                "details": {
                    "api_name": "audit_log_export",
                    "json_path": "$.audit_log_export",
                    "expected_data_type": "jsonarray",
                },
                "message": "invalid data",
                "status": "error",
            },
        ),
        (
            {"audit_log_export": [{}, {}]},
            item_error(
                "LIMIT_EXCEEDED",
                "The audit_log_export jsonarray size should not exceed one",
                api_name="audit_log_export",
                json_path="$.audit_log_export[1]",
                limit="1",
            ),
        ),
        (
            {"audit_log_export": [{}]},
            item_error(
                "MANDATORY_NOT_FOUND", "required field not found", api_name="criteria", json_path=AT
            ),
        ),
    ],
)
async def test_body_errors(client, body, expected):
    response = await client.post(EXPORT, json=body)
    assert response.status_code == 400
    assert response.json() == expected


ACTION = {"api_name": "action"}


@pytest.mark.parametrize(
    ("criteria", "code", "path"),
    [
        ("everything", "INVALID_DATA", AT),
        (
            {"group": [{"field": ACTION, "comparator": "equal", "value": "added"}]},
            "MANDATORY_NOT_FOUND",
            AT,
        ),
        ({"group_operator": "and", "group": "x"}, "INVALID_DATA", f"{AT}.group"),
        ({"field": ACTION, "comparator": "equal"}, "MANDATORY_NOT_FOUND", f"{AT}.value"),
        (
            {"field": ACTION, "comparator": "in", "value": ["added", "moved"]},
            "INVALID_DATA",
            f"{AT}.value[1]",
        ),
        (
            {"field": {"api_name": "module"}, "comparator": "in", "value": ["Accounts"]},
            "INVALID_DATA",
            f"{AT}.value[0]",
        ),
        (
            {
                "field": {"api_name": "module"},
                "comparator": "equal",
                "value": [{"api_name": "Spaceships"}],
            },
            "INVALID_DATA",
            f"{AT}.value[0]",
        ),
        (
            {"field": {"api_name": "done_by"}, "comparator": "in", "value": ["Victor"]},
            "INVALID_DATA",
            f"{AT}.value[0].id",
        ),
        (
            {
                "field": TIME,
                "comparator": "between",
                "value": ["2025-06-02T00:00:00+00:00", "2025-06-01T00:00:00+00:00"],
            },
            "INVALID_DATA",
            f"{AT}.value",
        ),
        (
            {"field": TIME, "comparator": "between", "value": ["2025-06-01T00:00:00+00:00"]},
            "DEPENDENT_MISMATCH",
            f"{AT}.value",
        ),
        (
            {"field": TIME, "comparator": "between", "value": [1, 2]},
            "INVALID_DATA",
            f"{AT}.value[0]",
        ),
        (
            {
                "field": TIME,
                "comparator": "between",
                "value": ["2020-01-01T00:00:00+00:00", "2020-02-01T00:00:00+00:00"],
            },
            "NOT_ALLOWED",
            f"{AT}.value",
        ),
    ],
)
async def test_more_criteria_errors(client, criteria, code, path):
    response = await client.post(EXPORT, json={"audit_log_export": [{"criteria": criteria}]})
    assert response.status_code == 400
    [error] = response.json()["audit_log_export"]
    assert (error["code"], error["details"].get("json_path")) == (code, path)


async def test_criteria_select_by_action_and_area(sandbox, client, org, clock):
    americas = await create_territory(client, "Americas", org.root)
    url = f"/crm/v8/settings/territories/{americas}"
    assert (
        await client.delete(url, params={"delete_previous_forecasts": "false"})
    ).status_code == 200
    accounts = {"share_type": "public", "module": {"id": org.module("Accounts")}}
    await client.put("/crm/v8/settings/data_sharing", json={"data_sharing": [accounts]})
    deleted = {"field": ACTION, "comparator": "equal", "value": "deleted"}
    _, rows = await export(client, clock, {"audit_log_export": [{"criteria": deleted}]})
    assert [(r["action"], r["record_name"]) for r in rows] == [("deleted", "Americas")]
    by_id = [{"id": org.module("Accounts")}]
    area = {
        "field": {"api_name": "module"},
        "comparator": "in",
        "value": [{"api_name": "Data_Sharing"}],
    }
    _, rows = await export(client, clock, {"audit_log_export": [{"criteria": area}]})
    assert [r["module"] for r in rows] == ["Data_Sharing"]
    module = {"field": {"api_name": "module"}, "comparator": "equal", "value": by_id}
    _, rows = await export(client, clock, {"audit_log_export": [{"criteria": module}]})
    assert rows == []  # no record entries: the log here holds settings only
