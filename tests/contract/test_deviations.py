"""The deviation list: shown in the docs as it is, and no longer than it must be.

Each entry has an answer here, taken from the sandbox, that passes with the list and fails
without that entry; an entry nothing needs any more (the sandbox was fixed, or another entry
covers it) fails `test_every_entry_is_needed` and must go, with its docs line."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.contract import deviations
from tests.contract.examples import response_examples
from tests.contract.oas import EMPTY, Contract
from tests.contract.samples import CREATED, TERRITORIES

DOCS = Path(__file__).resolve().parents[2] / "docs"
ROOT = "4150868000000000084"
EXPORT = "/crm/v8/settings/audit_log_export"
RULES = "/crm/v8/settings/data_sharing/rules"
RULE = "4150868000000000105"
AMY, BOB = "4150868000000000017", "4150868000000000018"
INFO = {"per_page": 200, "count": 1, "page": 1, "more_records": False}


def error(code: str, message: str, **details: Any) -> dict[str, Any]:
    return {"code": code, "details": details, "message": message, "status": "error"}


DUPLICATE = error(
    "DUPLICATE_DATA",
    "Duplicate Territory Name Found",
    api_name="name",
    json_path="$.territories[1].name",
)
RULE_BODY = {
    "id": RULE,
    "name": "x",
    "type": "Record_Owner_Based",
    "permission_type": "read",
    "superiors_allowed": True,
    "shared_from": {"resource": None, "type": "all_users", "subordinates": False},
    "shared_to": {"resource": None, "type": "all_users", "subordinates": False},
    "criteria": None,
    "module": {"api_name": "Accounts", "name": "Accounts", "id": "4150868000000000041"},
    "status": "active",
    "match_limit_exceeded": False,
}
FIELD = {
    "id": "4150868000000000064",
    "api_name": "Account_Name",
    "field_label": "Account Name",
    "display_label": "Account Name",
    "data_type": "text",
    "json_type": "string",
    "custom_field": False,
    "read_only": False,
    "visible": True,
    "system_mandatory": False,
}
MEMBERS = "members"  # stands for the spec's own example of GET …/{territory}/users (below)

# id -> (method, path, status, body, injected): one answer of the sandbox each entry admits.
ANSWERS: dict[str, tuple[str, str, int, Any, bool]] = {
    "D1": (
        "GET",
        f"{TERRITORIES}/actions/associated_users_count",
        200,
        {
            "associated_users_count": [{"count": 0, "territory": {"id": ROOT, "name": "Zylker"}}],
            "info": INFO,
        },
        False,
    ),
    "D2": ("GET", RULES, 200, {"sharing_rules": [RULE_BODY], "info": INFO}, False),
    "D3": (
        "PUT",
        f"{RULES}/{RULE}/actions/activate",
        400,
        error(
            "ID_ALREADY_ACTIVE",
            "data sharing rule is already activated.",
            resource_path_index=3,
        ),
        False,
    ),
    "D4": (
        "POST",
        TERRITORIES,
        400,
        {
            "territories": [
                error(
                    "INVALID_DATA",
                    "Given Permission_type value is invalid",
                    api_name="permission_type",
                    json_path="$.territories[0].permission_type",
                    supported_values=["read_write_delete", "read_only"],
                )
            ]
        },
        False,
    ),
    "D5": ("GET", f"{TERRITORIES}/{ROOT}/users", 200, MEMBERS, False),
    "D6": ("GET", "/crm/v8/settings/fields", 200, {"fields": [FIELD]}, False),
    "D7": (
        "PUT",
        f"{TERRITORIES}/{ROOT}/users/{AMY}",
        200,
        {
            "users": [
                {
                    "code": "SUCCESS",
                    "details": {"id": AMY},
                    "message": "Given User added to the mentioned territory Successfully",
                    "status": "success",
                }
            ]
        },
        False,
    ),
    "D8": (
        "PUT",
        f"{RULES}/{RULE}",
        400,
        {
            "sharing_rules": [
                error(
                    "MANDATORY_NOT_FOUND",
                    "required field not found",
                    api_name="type",
                    json_path="$.sharing_rules[0].type",
                )
            ]
        },
        False,
    ),
    "D9": (
        "GET",
        f"/crm/v8/users/{BOB}/territories/{ROOT}",
        200,
        {
            "territories": [
                {
                    "id": ROOT,
                    "Name": "Zylker",
                    "Manager": {"id": "4150868000000000015", "Name": "Patricia Boyle"},
                    "Reporting_To": None,
                }
            ],
            "info": INFO,
        },
        False,
    ),
    "D10": ("GET", RULES, 401, error("INVALID_TOKEN", "invalid oauth token"), False),
    "D11": ("GET", TERRITORIES, 401, error("INVALID_TOKEN", "invalid oauth token"), False),
    "D12": ("POST", TERRITORIES, 207, {"territories": [*CREATED["territories"], DUPLICATE]}, False),
    "D13": (
        "DELETE",
        TERRITORIES,
        400,
        {
            "territories": [
                error("NOT_ALLOWED", "Org Territory cannot be deleted", id=ROOT),
                error("INVALID_DATA", "Invalid Territory Id", id="1"),
            ]
        },
        False,
    ),
    "D14": (
        "GET",
        "/crm/v8/org",
        429,
        error("TOO_MANY_REQUESTS", "the API credit limit of the organization has been exceeded"),
        False,
    ),
    "D15": (
        "POST",
        TERRITORIES,
        413,
        error("LIMIT_EXCEEDED", "the request body is too large", maximum_length=100),
        False,
    ),
    "D16": ("GET", "/crm/v8/users", 304, EMPTY, False),
    "D17": ("GET", f"{RULES}/actions/summary", 204, EMPTY, False),
    "D18": (
        "GET",
        "/crm/v8/settings/bogus",
        404,
        error("INVALID_URL_PATTERN", "Please check if the URL trying to access is a correct one"),
        False,
    ),
    "D19": (
        "POST",
        TERRITORIES,
        400,
        error(
            "MANDATORY_NOT_FOUND",
            "required field not found",
            api_name="territories",
            json_path="$.territories",
        ),
        False,
    ),
    "D20": (
        "GET",
        TERRITORIES,
        400,
        error(
            "INVALID_REQUEST",
            "unable to process your request. please verify whether you have entered proper"
            " method name, parameter and parameter values.",
        ),
        False,
    ),
    "D21": (
        "PUT",
        "/crm/v8/users/1/territories",
        400,
        error("INVALID_DATA", "the related id given seems to be invalid", resource_path_index=1),
        False,
    ),
    "D22": (
        "DELETE",
        f"{RULES}/{RULE}",
        400,
        error(
            "CANNOT_PROCESS",
            "the scheduler is currently running for this module, please try again later",
        ),
        False,
    ),
    "D23": (
        "POST",
        f"{RULES}/search",
        400,
        {
            "sharing_rules": [
                error(
                    "EXPECTED_FIELD_MISSING",
                    "one of the expected field is missing",
                    expected_fields=[
                        {"api_name": "group_operator", "json_path": "$.filters[0].group_operator"},
                        {"api_name": "group", "json_path": "$.filters[0].group"},
                    ],
                )
            ]
        },
        False,
    ),
    "D24": (
        "PUT",
        "/crm/v8/settings/data_sharing",
        400,
        {
            "data_sharing": [
                error(
                    "MANDATORY_NOT_FOUND",
                    "required field not found",
                    api_name="module",
                    json_path="$.data_sharing[0].module",
                )
            ]
        },
        False,
    ),
    "D25": (
        "GET",
        "/crm/v8/Spaceships",
        400,
        error("INVALID_MODULE", "the module name given seems to be invalid", resource_path_index=0),
        False,
    ),
    "D26": (
        "GET",
        "/crm/v8/org",
        500,
        error("INTERNAL_SERVER_ERROR", "Internal Server Error"),
        True,
    ),
    "D27": ("GET", "/crm/v8/Accounts/12", 204, EMPTY, False),
    "D28": (
        "POST",
        "/crm/v8/Accounts",
        201,
        {
            "data": [
                {
                    "code": "SUCCESS",
                    "details": {"id": "12"},
                    "message": "record added",
                    "status": "success",
                }
            ]
        },
        False,
    ),
    "D29": (
        "GET",
        f"{EXPORT}/1",
        200,
        {
            "audit_log_export": [
                {
                    "criteria": None,
                    "id": "1",
                    "status": "scheduled",
                    "created_by": {"name": "Patricia Boyle", "id": "2"},
                    "download_links": None,
                    "job_start_time": "2025-06-15T15:06:40+00:00",
                    "expiry_date": None,
                }
            ]
        },
        False,
    ),
    "D30": (
        "POST",
        EXPORT,
        400,
        {"audit_log_export": [error("ALREADY_SCHEDULED", "Export is already scheduled", id="1")]},
        False,
    ),
    "D31": ("GET", EXPORT, 204, EMPTY, False),
    "D32": (
        "POST",
        f"{TERRITORIES}/{ROOT}/actions/transfer_and_delete",
        400,
        {"territories": [error("NOT_ALLOWED", "Org Territory cannot be deleted", id=ROOT)]},
        False,
    ),
    "D33": (
        "PUT",
        f"{TERRITORIES}/{ROOT}",
        400,
        {"territories": [error("NOT_ALLOWED", "Cannot update the Org Territory except Name")]},
        False,
    ),
    "D34": (
        "GET",
        f"{TERRITORIES}/{ROOT}/__child_territories",
        400,
        error(
            "EXPECTED_FIELD_MISSING",
            "one of the expected field is missing",
            expected_fields=[{"api_name": "field", "json_path": "$.field"}],
            param_name="filters",
        ),
        False,
    ),
    "D35": (
        "GET",
        "/crm/v8/settings/user_groups/actions/deletion_jobs",
        200,
        {"deletion_jobs": [{"Status": "COMPLETED"}]},
        False,
    ),
}


def members(oas: Contract) -> Any:
    """The spec's own example of a territory's members: the full user objects (with email)."""
    [example] = [
        e.value
        for e in response_examples(oas)
        if e.operation.method == "GET" and e.operation.template.endswith("{territory}/users")
        if e.name == "SuccessExample"
    ]
    return example


def violations(oas: Contract, entry: str) -> list[str]:
    method, path, status, body, injected = ANSWERS[entry]
    body = members(oas) if body == MEMBERS else body
    # Parsed bodies: the contract's verdict cache keys on raw bytes only.
    check = oas.check_response(method, path, status, body, None, injected)
    return [str(v) for v in check.violations]


@pytest.mark.parametrize("entry", [d.id for d in deviations.DEVIATIONS])
def test_every_entry_is_needed(oas: Contract, entry: str, monkeypatch: pytest.MonkeyPatch) -> None:
    assert violations(oas, entry) == []
    rest = tuple(d for d in deviations.DEVIATIONS if d.id != entry)
    monkeypatch.setattr(deviations, "DEVIATIONS", rest)
    assert violations(oas, entry) != [], f"{entry} is not needed: remove it"


def test_every_entry_has_an_answer_that_needs_it() -> None:
    assert list(ANSWERS) == [d.id for d in deviations.DEVIATIONS]


def test_ids_count_up_and_every_entry_says_why() -> None:
    ids = [d.id for d in deviations.DEVIATIONS]
    assert ids == [f"D{n}" for n in range(1, len(ids) + 1)]
    for d in deviations.DEVIATIONS:
        sources = ("REFERENCE §", ".json", ".yaml", "docs/sandbox.md")
        assert any(source in d.reason for source in sources), d.id
        assert d.title and d.allows, d.id
        shaped = (deviations.Effect.ALLOW_ERROR, deviations.Effect.RESCHEMA)
        assert (d.effect in shaped) == bool(d.shape), d.id


def test_the_docs_show_the_list_as_it_is() -> None:
    """Run `python -m tests.contract.deviations` after changing deviations.py."""
    doc = (DOCS / "contract-tests.md").read_text(encoding="utf-8")
    assert deviations.with_list(doc) == doc


def test_the_sandbox_docs_point_at_the_list_and_keep_none() -> None:
    doc = (DOCS / "sandbox.md").read_text(encoding="utf-8")
    assert "contract-tests.md#deviations" in doc
    assert re.findall(r"\*\*D\d+", doc) == [], "deviations are defined in deviations.py only"
    assert set(re.findall(r"\bD\d+\b", doc)) <= {d.id for d in deviations.DEVIATIONS}
