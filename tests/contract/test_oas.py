"""Self-tests of the contract harness against the real Zoho spec files."""

from __future__ import annotations

import copy
import gzip
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.contract import deviations, location
from tests.contract.deviations import Deviation, Effect
from tests.contract.examples import Example, response_examples
from tests.contract.failures import describe, ignorable
from tests.contract.oas import Contract, keys_of
from tests.contract.operations import Operation
from tests.contract.plugin import checked_transports
from tests.contract.routes import shape
from tests.contract.transport import ValidatingTransport

TERRITORIES = "/crm/v8/settings/territories"
CREATED = {
    "territories": [
        {
            "code": "SUCCESS",
            "details": {"id": "431581000000734292"},
            "message": "Territory Created Successfully",
            "status": "success",
        }
    ]
}
AUTH_FAILED = {
    "code": "AUTHENTICATION_FAILURE",
    "details": {},
    "message": "Authentication failed",
    "status": "error",
}


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
    unknown = (deviations.UNKNOWN_PATH, deviations.UNKNOWN_METHOD)
    for d in deviations.DEVIATIONS:
        if d.template not in unknown:
            assert any(applies(d, op) for op in oas.operations()), d


def applies(d: Deviation, op: Operation) -> bool:
    if not d.matches(d.effect, family=op.family, method=op.method, template=op.template):
        return False
    statuses = [
        status
        for status, spec in op.responses.items()
        if d.matches(d.effect, status=status, schema=spec.schema_uri or "")
    ]
    if d.effect in (Effect.ALLOW_STATUS, Effect.MULTI_STATUS):  # useful where it is undeclared
        return not statuses
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
    from fnmatch import fnmatchcase

    return fnmatchcase(text, pattern)


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
        ("GET", "/crm/v8/settings/user_groups/actions/deletion_jobs", 200, "§13 #12"),
        ("GET", "/crm/v8/settings/data_sharing/rules/actions/summary", 204, "§6.1"),
        ("GET", "/crm/v8/no/such/path", 404, "§1"),
        ("PATCH", TERRITORIES, 405, "§1"),
    ],
)
def test_accepted_deviations_say_why(
    oas: Contract, method: str, path: str, status: int, note: str | None
) -> None:
    body = b"" if status == 204 else AUTH_FAILED if status >= 400 else {"anything": 1}
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


# --- (d) where the specs are, and what happens when they are not --------------------------


def test_spec_dir_defaults_beside_the_repository(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(location.DIR_ENV, raising=False)
    root = location.repo_root()
    assert (root / "pyproject.toml").is_file()
    assert location.spec_dir() == root.parent / "shared" / "zoho-api"


def test_missing_specs_skip_with_a_clear_reason(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(location.DIR_ENV, str(tmp_path / "nowhere"))
    monkeypatch.delenv(location.REQUIRE_ENV, raising=False)
    with pytest.raises(pytest.skip.Exception) as skipped:
        location.require_specs()
    expected = f"official Zoho OpenAPI files not found at {tmp_path / 'nowhere'}; set "
    assert str(skipped.value) == expected + "RECONCILER_ZOHO_API_DIR"


def test_missing_specs_fail_when_required(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(location.DIR_ENV, str(tmp_path))
    monkeypatch.setenv(location.REQUIRE_ENV, "1")
    with pytest.raises(pytest.fail.Exception) as failed:
        location.require_specs()
    # The folder exists but is empty: the message names the first missing file.
    assert f"not found at {tmp_path / location.REQUIRED_FILES[0]}" in str(failed.value)


def test_a_missing_extra_file_is_reported(oas_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(location.REQUIRE_ENV, raising=False)
    with pytest.raises(pytest.skip.Exception, match="oas/v8.0/nope.json"):
        location.require_specs("oas/v8.0/nope.json")
    assert location.require_specs() == oas_dir


# --- (e) the validating transport ---------------------------------------------------------


def upstream(request: httpx.Request) -> httpx.Response:
    """Streamed responses, as a real transport gives, that re-encoding would change."""
    if request.url.path == "/oauth/v2/token":  # not JSON-typed: outside the CRM contract
        return httpx.Response(200, stream=Chunks(b'{"access_token": "t"}'), headers={"x-odd": "1"})
    if request.url.path.endswith("/chunked"):
        chunks = Chunks(b'{"code": "INVALID_URL_PATTERN", "details": {}, ', b'"message": "x", ')
        chunks.parts.append(b'"status": "error"}')
        chunked = {"transfer-encoding": "chunked", "content-type": "application/json"}
        return httpx.Response(404, stream=chunks, headers=chunked)
    body = gzip.compress(json.dumps(CREATED).encode(), mtime=0)
    headers = [("content-encoding", "gzip"), ("set-cookie", "a=1"), ("set-cookie", "b=2")]
    headers.append(("content-type", "application/json;charset=UTF-8"))
    return httpx.Response(201, stream=Chunks(body[:9], body[9:]), headers=headers)


class Chunks(httpx.AsyncByteStream):
    def __init__(self, *parts: bytes) -> None:
        self.parts = list(parts)

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for part in self.parts:
            yield part


async def seen(transport: httpx.AsyncBaseTransport, method: str, path: str) -> tuple[Any, ...]:
    """Everything a client can observe: status, headers, raw and decoded body, extensions."""
    async with httpx.AsyncClient(transport=transport, base_url="https://z.example") as client:
        async with client.stream(method, path) as streamed:
            raw = b"".join([chunk async for chunk in streamed.aiter_raw()])
        response = await client.request(method, path)
        observed = (response.status_code, response.headers.multi_items(), response.extensions)
        return (*observed, raw, response.content, streamed.headers.multi_items())


async def fetch(transport: httpx.AsyncBaseTransport, method: str, path: str) -> None:
    async with httpx.AsyncClient(transport=transport, base_url="https://z.example") as client:
        await client.request(method, path)


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("method", "path"),
    [("POST", TERRITORIES), ("POST", "/oauth/v2/token"), ("GET", "/crm/v8/x/y/z/chunked")],
)
async def test_wrapper_returns_byte_identical_responses(
    oas: Contract, method: str, path: str
) -> None:
    plain = await seen(httpx.MockTransport(upstream), method, path)
    wrapper = ValidatingTransport(httpx.MockTransport(upstream), oas)
    wrapped = await seen(wrapper, method, path)
    assert wrapped == plain
    assert wrapper.violations == []


@pytest.mark.anyio
async def test_wrapper_records_crm_exchanges_and_skips_oauth(oas: Contract) -> None:
    wrapper = ValidatingTransport(httpx.MockTransport(upstream), oas)
    await fetch(wrapper, "POST", TERRITORIES)
    await fetch(wrapper, "POST", "/oauth/v2/token")
    crm, oauth = wrapper.exchanges
    assert crm.check is not None and crm.check.validated_by
    assert oauth.check is None


@pytest.mark.anyio
async def test_checked_transports_fail_on_a_violation(oas: Contract) -> None:
    with pytest.raises(pytest.fail.Exception, match="1 contract violation"):
        with checked_transports(oas) as wrap:
            await fetch(wrap(httpx.MockTransport(upstream)), "PUT", TERRITORIES)  # 201 to a PUT
