"""Self-tests of the contract harness against the real Zoho spec files."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from tests.contract import deviations, location
from tests.contract.deviations import Deviation, Effect
from tests.contract.examples import Example, response_examples
from tests.contract.failures import describe, ignorable
from tests.contract.oas import Contract, keys_of
from tests.contract.operations import Operation
from tests.contract.routes import shape
from tests.contract.samples import AUTH_FAILED, CREATED, TERRITORIES

# --- (a) every embedded example validates against its own schema -----------------------


def example_errors(oas: Contract, example: Example) -> list[str]:
    """The example's errors against its own schema, as the harness sees them (IGNORE applies)."""
    keys = keys_of(example.operation, example.status)
    errors = oas.validator(example.schema_uri).iter_errors(example.value)
    return [describe(e)[1] for e in errors if not ignorable(e, keys)]


def test_every_spec_example_validates_against_its_own_schema(oas: Contract) -> None:
    examples = list(response_examples(oas))
    assert {e.id: errors for e in examples if (errors := example_errors(oas, e))} == {}
    # Every file's examples took part: proves ref resolution reached each of them.
    assert {e.operation.source for e in examples} >= set(location.OAS2_FILES)
    assert len(examples) > 400


def test_examples_invalid_against_their_raw_schema_are_the_listed_ones(oas: Contract) -> None:
    """Each is covered by a deviation in deviations.py, which says why."""
    raw = {
        (e.operation.method, e.operation.template, e.status, e.name)
        for e in response_examples(oas)
        if any(oas.validator(e.schema_uri).iter_errors(e.value))
    }
    users = f"{TERRITORIES}/{{territory}}/users"
    assert raw == {
        ("GET", users, "200", "SuccessExample"),
        ("GET", users + "/{user}", "200", "SuccessExample"),
    }


def test_a_deviation_for_some_extra_properties_hides_no_other(oas: Contract) -> None:
    [example] = [
        e
        for e in response_examples(oas)
        if e.operation.template.endswith("{territory}/users") and e.operation.method == "GET"
        if e.name == "SuccessExample"
    ]
    assert oas.validate_response("GET", f"{TERRITORIES}/1/users", 200, example.value) == []
    body = copy.deepcopy(example.value)
    body["users"][0]["bogus"] = 1
    [violation] = oas.validate_response("GET", f"{TERRITORIES}/1/users", 200, body)
    assert violation.json_path == "$.users[0]" and "'bogus'" in violation.message


def test_oas_json_is_contradicted_where_oas2_supersedes_it(oas: Contract) -> None:
    """The evidence behind the SUPERSEDED deviation: OAS2's examples fail the OAS schemas."""
    contradicted = set()
    for example in response_examples(oas):
        for twin in twins(oas, example.operation, "oas"):
            spec = twin.responses.get(example.status)
            if spec and spec.schema_uri:
                if any(oas.validator(spec.schema_uri).iter_errors(example.value)):
                    contradicted.add((twin.method, twin.template, example.status))
    assert len(contradicted) >= 20  # 48 of 84 pairs with the files described in REFERENCE.md §0


def twins(oas: Contract, op: Operation, family: str) -> list[Operation]:
    return [
        other
        for other in oas.operations()
        if other.family == family and other.method == op.method
        if shape(other.template) == shape(op.template)
    ]


def test_every_deviation_matches_some_operation(oas: Contract) -> None:
    """A deviation whose patterns match nothing is a typo that silently does nothing."""
    for d in deviations.DEVIATIONS:
        if d.template not in deviations.PSEUDO_TEMPLATES:
            assert any(applies(d, op) for op in oas.operations()), d


def applies(d: Deviation, op: Operation) -> bool:
    if not d.matches(d.effect, family=op.family, method=op.method, template=op.template):
        return False
    statuses = [
        status for status, spec in op.responses.items() if d.matches(d.effect, status=status)
    ]
    if d.effect is Effect.ALLOW_STATUS or (d.effect is Effect.PER_ITEM and d.status != "400"):
        return not statuses  # useful where the status is undeclared (207, a create's 201)
    return bool(statuses)


# --- (b) template matching ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "expected"),
    [
        (
            "GET",
            f"{TERRITORIES}/actions/associated_users_count",
            {"/actions/associated_users_count"},
        ),
        ("GET", f"{TERRITORIES}/123", {"/{id}"}),
        ("POST", f"{TERRITORIES}/actions/transfer_and_delete", {"/actions/transfer_and_delete"}),
        (
            "POST",
            f"{TERRITORIES}/9/actions/transfer_and_delete",
            {"/{id}/actions/transfer_and_delete"},
        ),
        ("GET", f"{TERRITORIES}/123/users", {"/{territory}/users"}),
        ("DELETE", f"{TERRITORIES}/123/users/456", {"/{territory}/users/{user}"}),
        ("GET", f"{TERRITORIES}/1/__child_territories", {"/{id}/__child_territories"}),
    ],
)
def test_territory_paths_pick_the_most_specific_template(
    oas: Contract, method: str, path: str, expected: set[str]
) -> None:
    found = {op.template.removeprefix(TERRITORIES) for op in oas.match(method, path)}
    assert found == expected


@pytest.mark.parametrize(
    ("method", "path", "families", "template"),
    [
        ("GET", "/crm/v8/users/5/territories", {"oas", "oas2"}, "/crm/v8/users/{user}/territories"),
        ("GET", "/crm/v8/users/actions/count", {"oas"}, "/crm/v8/users/actions/count"),
        ("GET", "/crm/v8/settings/data_sharing", {"oas2"}, "/crm/v8/settings/data_sharing"),
        ("PUT", "/crm/v8/settings/data_sharing", {"oas2"}, "/crm/v8/settings/data_sharing"),
        (
            "GET",
            "/crm/v8/settings/data_sharing/rules",
            {"oas"},
            "/crm/v8/settings/data_sharing/rules",
        ),
        (
            "GET",
            "/crm/v8/settings/data_sharing/rules/actions/summary",
            {"oas"},
            "/crm/v8/settings/data_sharing/rules/actions/summary",
        ),
        ("GET", "/crm/v8/settings/data_sharing/rules/77", {"oas"}, "*/rules/{id}"),
        ("POST", "/crm/v8/Accounts/1/actions/assign_territories", {"oas", "oas2"}, "*/{*}/{*}/*"),
    ],
)
def test_paths_only_one_family_covers(
    oas: Contract, method: str, path: str, families: set[str], template: str
) -> None:
    ops = oas.match(method, path)
    assert {op.family for op in ops} == families
    assert all(pattern_match(op.template, template) for op in ops)


def pattern_match(text: str, pattern: str) -> bool:
    return deviations.glob(pattern).fullmatch(text) is not None


@pytest.mark.parametrize(
    "path",
    [
        "/oauth/v2/token",
        "/crm/v8/settings/bogus",  # not record {module_api_name}/{id} of module "settings"
        "/crm/v8/settings/territories/actions",  # a namespace, not an operation
        "/crm/v8/settings/territories/actions/nope",  # never territory id "actions"
    ],
)
def test_unknown_paths_match_nothing(oas: Contract, path: str) -> None:
    assert oas.match("GET", path) == []
    [violation] = oas.validate_response("GET", path, 200, b"{}")
    assert violation.kind == "unknown_path"


def test_every_template_is_a_full_crm_path(oas: Contract) -> None:
    """Both server conventions normalise to /crm/v8/... (REFERENCE §13 #18)."""
    odd = {op.template for op in oas.operations() if not op.template.startswith("/crm/v8/")}
    assert odd == {"/", "/{download_url}"}  # common.json and the audit-log download URL


# --- (c) wrong bodies are reported usefully ------------------------------------------------


def created(**change: Any) -> dict[str, Any]:
    body = copy.deepcopy(CREATED)
    item = body["territories"][0]
    for key, value in change.items():
        if value is None:
            del item[key]
        else:
            item[key] = value
    return body


@pytest.mark.parametrize(
    ("body", "json_path", "message"),
    [
        (created(code=None), "$.territories[0]", "'code' is a required property"),
        (created(details={"id": 42}), "$.territories[0].details.id", "42 is not of type 'string'"),
        (created(bogus=1), "$.territories[0]", "('bogus' was unexpected)"),
    ],
)
def test_wrong_body_is_reported_with_its_json_path(
    oas: Contract, body: dict[str, Any], json_path: str, message: str
) -> None:
    [violation] = oas.validate_response("POST", TERRITORIES, 201, json.dumps(body).encode())
    assert (violation.kind, violation.json_path, violation.family) == ("schema", json_path, "oas2")
    assert message in violation.message
    assert f"POST {TERRITORIES} -> 201" in str(violation) and json_path in str(violation)


def test_a_json_body_needs_a_json_content_type(oas: Contract) -> None:
    body = json.dumps(CREATED)
    assert (
        oas.validate_response("POST", TERRITORIES, 201, body, "application/json; charset=UTF-8")
        == []
    )
    [violation] = oas.validate_response("POST", TERRITORIES, 201, body, "text/plain")
    assert violation.kind == "content_type"


def test_a_correct_body_names_the_specs_that_validated_it(oas: Contract) -> None:
    check = oas.check_response("POST", TERRITORIES, 201, CREATED)
    assert check.violations == []
    assert check.validated_by == ["oas2/v8.0/territories/territories.yaml"]
    assert any("superseded" in note for note in check.unchecked)


def test_oas_json_still_validates_statuses_only_it_declares(oas: Contract) -> None:
    body = {"code": "INTERNAL_ERROR", "details": {}, "message": "x", "status": "error"}
    [violation] = oas.validate_response("GET", TERRITORIES, 500, body)
    assert (violation.family, violation.json_path) == ("oas", "$.code")
    assert "INTERNAL_SERVER_ERROR" in violation.message


@pytest.mark.parametrize(
    ("status", "body", "kind"),
    [
        (204, b'{"territories": []}', "body"),
        (418, b"", "undeclared_status"),
        (200, b"<html>", "not_json"),
        (200, b"", "not_json"),
        (401, {"code": "AUTHENTICATION_FAILURE"}, "schema"),  # allowed status, bad envelope
    ],
)
def test_status_and_body_rules(oas: Contract, status: int, body: Any, kind: str) -> None:
    kinds = {v.kind for v in oas.validate_response("GET", TERRITORIES, status, body)}
    assert kinds == {kind}


@pytest.mark.parametrize(
    ("method", "path", "status", "note"),
    [
        ("GET", TERRITORIES, 204, None),
        ("GET", "/crm/v8/settings/data_sharing/rules", 200, "§13 #9"),
        ("GET", "/crm/v8/settings/data_sharing/rules", 401, "§1"),
        ("GET", "/crm/v8/settings/data_sharing/rules/actions/summary", 204, "§6.1"),
        ("GET", "/crm/v8/no/such/path", 404, "§1"),
        ("PATCH", TERRITORIES, 400, "§1"),
    ],
)
def test_accepted_deviations_say_why(
    oas: Contract, method: str, path: str, status: int, note: str | None
) -> None:
    body = b"" if status == 204 else AUTH_FAILED if status >= 400 else {"anything": 1}
    if method == "PATCH" or status == 404:
        code = "INVALID_REQUEST_METHOD" if method == "PATCH" else "INVALID_URL_PATTERN"
        body = {"code": code, "details": {}, "message": "x", "status": "error"}
    check = oas.check_response(method, path, status, body)
    assert check.violations == []
    assert note is None or any(note in text for text in check.unchecked)


@pytest.mark.parametrize(
    "path",
    [TERRITORIES, "/crm/v8/Accounts/actions/assign_territories"],  # plain, and in a oneOf
)
def test_every_documented_401_code_passes(oas: Contract, path: str) -> None:
    for code, message in [("INVALID_TOKEN", "invalid oauth token"), ("OAUTH_SCOPE_MISMATCH", "x")]:
        body = {**AUTH_FAILED, "code": code, "message": message}
        check = oas.check_response("POST" if "assign" in path else "GET", path, 401, body)
        assert check.violations == [] and check.validated_by, code
    wrong = oas.validate_response("GET", TERRITORIES, 401, {**AUTH_FAILED, "code": "NOPE"})
    assert [v.json_path for v in wrong] == ["$.code"]


def test_a_multi_status_batch_is_checked_item_by_item(oas: Contract) -> None:
    duplicate = {
        "code": "DUPLICATE_DATA",
        "details": {"api_name": "name", "json_path": "$.territories[1].name"},
        "message": "Duplicate Territory Name Found",
        "status": "error",
    }
    mixed = {"territories": [*CREATED["territories"], duplicate]}
    assert oas.validate_response("POST", TERRITORIES, 207, mixed) == []
    broken = created(details={})["territories"][0]
    violations = oas.validate_response(
        "POST", TERRITORIES, 207, {"territories": [duplicate, broken]}
    )
    assert [v.json_path for v in violations] == ["$.territories[1].details"]
    [not_a_batch] = oas.validate_response("POST", TERRITORIES, 207, [duplicate])
    assert not_a_batch.message.startswith("not a batch")
