"""Every accepted difference between a sandbox response and the official Zoho specs: the one
list. docs/contract-tests.md renders it (`python -m tests.contract.deviations` rewrites that
section; a test fails when the two differ), and docs/sandbox.md points there.

Keep it minimal: each entry names the spec bug (REFERENCE.md §13 number or the spec location)
or the Zoho behaviour outside the specs (REFERENCE.md section) that justifies it, and says
what it lets through. tests/contract/test_deviations.py holds one response per entry that
fails without it, so an entry nothing needs cannot stay.

Patterns (see `glob`): `*` is any text, `?` one character, `[*]` any array index, `|`
separates alternatives; everything else is literal. `template` matches the operation's path
template as written in the family's own file, prefixed to a full path
(`/crm/v8/settings/territories/{id}`); UNKNOWN_PATH, UNKNOWN_METHOD and INJECTED_FAULT stand
for requests no spec describes and for answers a test's armed fault made.
"""

from __future__ import annotations

import re
import sys
import textwrap
from dataclasses import dataclass, field
from enum import Enum
from functools import cache
from pathlib import Path
from typing import Any

from tests.contract.documents import OAS_URL

UNKNOWN_PATH = "<unknown path>"
UNKNOWN_METHOD = "<unknown method>"
INJECTED_FAULT = "<injected fault>"
PSEUDO_TEMPLATES = (UNKNOWN_PATH, UNKNOWN_METHOD, INJECTED_FAULT)


class Effect(Enum):
    SUPERSEDED = "superseded"  # family not used where another family has a schema too
    IGNORE = "ignore"  # drop schema errors matching json_path and message
    NO_SCHEMA = "no_schema"  # the spec declares JSON but gives no schema: nothing to check
    NEST = "nest"  # the flat form of a body the spec nests one array deeper is accepted
    ALLOW_STATUS = "allow_status"  # status no spec declares; body must be an ERROR_ENVELOPE
    PER_ITEM = "per_item"  # a batch is checked item by item (each as a one-item batch)
    ALLOW_ERROR = "allow_error"  # an error (whole body at $, or an item) the spec omits: shape
    RESCHEMA = "reschema"  # checked against another schema of the same file (shape: its $ref)


@dataclass(frozen=True)
class Deviation:
    id: str
    title: str
    effect: Effect
    reason: str  # why: the REFERENCE.md section (§13 number) or the spec location
    allows: str  # the sandbox answer it lets through
    family: str = "*"
    method: str = "*"
    template: str = "*"
    status: str = "*"
    json_path: str = "*"  # IGNORE: the error's path; ALLOW_ERROR: "$" or an item ($.users[*])
    message: str = "*"  # IGNORE: the validator's message ("unexpected property": see failures)
    code: str = "*"  # ALLOW_ERROR: the error's `code`
    shape: dict[str, Any] = field(default_factory=dict, compare=False)  # ALLOW_ERROR's schema

    def matches(self, effect: Effect, **fields: str) -> bool:
        if effect is not self.effect:
            return False
        return all(glob(getattr(self, key)).fullmatch(value) for key, value in fields.items())

    def covers(self) -> str:
        """The patterns that are not `*`, for the docs."""
        parts = [f"{name} `{getattr(self, name)}`" for name in PATTERN_FIELDS]
        return ", ".join(p for p in parts if not p.endswith(" `*`")) or "every response"


PATTERN_FIELDS = (
    "family",
    "method",
    "template",
    "status",
    "json_path",
    "message",
    "code",
)


@cache
def glob(pattern: str) -> re.Pattern[str]:
    """Compile a deviation pattern. Not fnmatch: its [...] classes would make JSON paths and
    validator messages ("is not one of ['x']") unreadable to write."""
    alternatives = []
    for alternative in pattern.split("|"):
        text = re.escape(alternative).replace(r"\[\*\]", r"\[\d+\]")
        alternatives.append(text.replace(r"\*", ".*").replace(r"\?", "."))
    return re.compile("|".join(f"(?:{a})" for a in alternatives), re.DOTALL)


def error_shape(codes: list[str], details: dict[str, Any]) -> dict[str, Any]:
    """REFERENCE §1 "Request-level error" `{code, details, message, status: "error"}`, with
    the codes and the `details` keys an entry allows."""
    return {
        "type": "object",
        "additionalProperties": False,
        "required": ["code", "details", "message", "status"],
        "properties": {
            "code": {"enum": codes},
            "details": {"type": "object", "additionalProperties": False, **details},
            "message": {"type": "string", "minLength": 1},
            "status": {"const": "error"},
        },
    }


def spec_schema(file: str, name: str) -> dict[str, Any]:
    """A schema of an OAS JSON file's components, by reference (resolved locally)."""
    return {"$ref": f"{OAS_URL}{file}#/components/schemas/{name}"}


# Used for statuses allowed by an ALLOW_STATUS entry, which no spec gives a schema for.
ERROR_ENVELOPE: dict[str, Any] = {
    "type": "object",
    "required": ["code", "details", "message", "status"],
    "properties": {
        "code": {"type": "string", "minLength": 1},
        "details": {"type": "object"},
        "message": {"type": "string"},
        "status": {"const": "error"},
    },
}
STRING = {"type": "string", "minLength": 1}
COUNT = {"type": "integer", "minimum": 0}
BODY_PATH = {"type": "string", "pattern": r"^\$\.[a-z_]+$"}

DEVIATIONS: tuple[Deviation, ...] = (
    # --- Spec bugs: the harness reads the specs as their authors meant them ----------------
    Deviation(
        "D1",
        "OAS2 supersedes the OAS JSON files",
        Effect.SUPERSEDED,
        family="oas",
        reason="REFERENCE §0: OAS2 is the newer revision of the same official repository."
        " Where both give a schema for an operation and status, OAS2's own captured examples"
        " contradict the OAS JSON schema for most pairs (flat vs per-item error envelopes,"
        " `info`, `account_rule_criteria` or `Name` required where real responses omit them,"
        " §13 #13, #14); test_oas_json_is_contradicted_where_oas2_supersedes_it re-checks it."
        " The OAS JSON files still validate what only they cover (the 500s of territories,"
        " sharing rules, org, profiles, modules, fields, records).",
        allows="any answer OAS2 accepts where the older OAS JSON schema says otherwise",
    ),
    Deviation(
        "D2",
        "Sharing-rule successes have no schema",
        Effect.NO_SCHEMA,
        family="oas",
        template="/crm/v8/settings/data_sharing/rules*",
        status="200|201",
        reason="REFERENCE §13 #9: sharing_rules.json declares its successes as"
        " `application/json: {}`, and no other spec covers sharing rules",
        allows="sharing-rule success bodies, unvalidated (their status and errors are checked)",
    ),
    Deviation(
        "D3",
        "Overlapping oneOf branches in the OAS JSON files",
        Effect.IGNORE,
        family="oas",
        message="* is valid under each of *",
        reason="the OAS JSON files write unions as oneOf with overlapping branches (e.g."
        " sharing_rules.json activate 400: ID_ALREADY_ACTIVE matches two branches; record.json"
        " API_Exception matches any object); a body matching two branches is what the authors"
        " meant (anyOf)",
        allows="a body valid under more than one branch of an OAS JSON oneOf",
    ),
    Deviation(
        "D4",
        "Overlapping oneOf branches in the territory 400s",
        Effect.IGNORE,
        family="oas2",
        method="POST|PUT",
        template="/crm/v8/settings/territories|/crm/v8/settings/territories/{id}",
        status="400",
        message="* is valid under each of *",
        reason="territories.yaml POST/PUT /settings/territories 400: the branch"
        " InvalidDataWithSupportedValues and TerritoryCriteriaError (its"
        " TerritoryInvalidComparator item) both accept an INVALID_DATA item with"
        " `supported_values`, the answer §3.5 documents for a bad enum",
        allows='`INVALID_DATA` "Given Permission_type value is invalid" with `supported_values`',
    ),
    Deviation(
        "D5",
        "Territory members without email, mobile, phone",
        Effect.IGNORE,
        family="oas2",
        method="GET",
        template="/crm/v8/settings/territories/{territory}/users*",
        status="200",
        json_path="$.users[*].email|$.users[*].mobile|$.users[*].phone",
        message="unexpected property",
        reason="territory_users.yaml: the users[] item of GET …/{territory}/users (and"
        " …/users/{user}) lists some 45 user fields with additionalProperties: false but"
        " leaves out email, mobile and phone, which the operation's own SuccessExamples carry"
        " (REFERENCE §4.1: the full GET /users object); those two examples are the only ones"
        " of the 408 that fail their raw schema",
        allows="members carrying `email`, `mobile` and `phone` (any other extra property fails)",
    ),
    Deviation(
        "D6",
        "Module and field metadata mark every property required",
        Effect.IGNORE,
        family="oas",
        method="GET",
        template="/crm/v8/settings/modules*|/crm/v8/settings/fields*",
        status="200",
        json_path="$.modules[*]|$.fields[*]",
        message="* is a required property",
        reason="modules.json (Module) and fields.json (Field) mark all their 61 and 75"
        " properties required, including names no response can carry (`common.search_"
        "supported`, `$field_states`, `common.picklist`, the misspelt `file_upolad_optionlist`)",
        allows="the metadata subset the sandbox models (ids, api names, labels, data types, …);"
        " each property present is still type-checked",
    ),
    Deviation(
        "D7",
        "Flat membership results",
        Effect.NEST,
        family="oas2",
        method="PUT|DELETE",
        template="/crm/v8/settings/territories/{territory}/users*",
        status="200",
        reason="REFERENCE §13 #13: the DOC sample of the removal answers flat"
        ' `{"users": [{…}]}`; territory_users.yaml nests the results of the single-user'
        ' PUT/DELETE and of the bulk DELETE one array deeper (`{"users": [[{…}]]}`)',
        allows="the flat form, which the sandbox answers with `nested_user_results=False`"
        " (its default follows OAS2)",
    ),
    Deviation(
        "D8",
        "Flat sharing-rule errors",
        Effect.NEST,
        family="oas",
        template="/crm/v8/settings/data_sharing/rules*",
        status="400",
        reason="sharing_rules.json wraps the per-item errors of PUT (bulk and by id), search"
        " and activate/deactivate in an extra array but not those of POST and DELETE, for one"
        " API (there is no OAS2 file for sharing rules, and no DOC sample decides)",
        allows="per-item errors flat under `sharing_rules` on every rule call, as POST declares",
    ),
    Deviation(
        "D9",
        "The root territory has no parent in the user view",
        Effect.IGNORE,
        family="oas2",
        method="GET",
        template="/crm/v8/users/{user}/territories*",
        status="200",
        json_path="$.territories[*].Reporting_To",
        message="None is not of type 'object'",
        reason="users_territories.yaml types `Reporting_To` as an object, but the root territory"
        " has no parent (REFERENCE §3.2: `reporting_to` is null only for the root, and the"
        " territory endpoints print it as null)",
        allows='`"Reporting_To": null` on the root territory',
    ),
    # --- Zoho behaviour the specs leave out ------------------------------------------------
    Deviation(
        "D10",
        "401 on any operation",
        Effect.ALLOW_STATUS,
        status="401",
        reason="REFERENCE §1: AUTHENTICATION_FAILURE / INVALID_TOKEN / OAUTH_SCOPE_MISMATCH"
        " apply to every endpoint; OAS JSON declares 401 nowhere, OAS2 on most operations"
        " (where it does, its schema is used)",
        allows="401 with the request-level error envelope",
    ),
    Deviation(
        "D11",
        "The other 401 codes",
        Effect.IGNORE,
        family="oas2",
        status="401",
        json_path="$.code|$.message",
        message="'INVALID_TOKEN' is not one of *|'OAUTH_SCOPE_MISMATCH' is not one of *"
        "|* is not one of ['Authentication failed']",
        reason="REFERENCE §1: INVALID_TOKEN ('invalid oauth token') and OAUTH_SCOPE_MISMATCH"
        " are 401s of every endpoint too; OAS2's 401 schemas enumerate only"
        " AUTHENTICATION_FAILURE / 'Authentication failed'",
        allows="`INVALID_TOKEN` and `OAUTH_SCOPE_MISMATCH` 401s (only `code` and `message`"
        " are relaxed)",
    ),
    Deviation(
        "D12",
        "207 for a partly failed batch",
        Effect.PER_ITEM,
        status="207",
        reason="REFERENCE §1 (207 row) and §12: a batch whose items partly fail is answered 207"
        " with one result per item; no spec declares 207 for these endpoints",
        allows="`{<resource>: [...]}` whose items each pass, as a one-item batch, the"
        " operation's own 2xx schema (successes) or 400 schema (errors)",
    ),
    Deviation(
        "D13",
        "400 batches are checked item by item",
        Effect.PER_ITEM,
        status="400",
        reason="REFERENCE §3.5 and §12: Zoho reports one result per input item, in input"
        " order. OAS2 models each 400 as a oneOf of arrays that all carry one code (some capped"
        " at 1 or 10 items), so a batch with different problems matches no branch; §12 also"
        " asks for a 400 that carries successes as a switch (`mixed_batch_status=400`)",
        allows="a 400 batch mixing codes (or successes), or with more items of one code than a"
        " branch's cap; each item must pass the operation's own 2xx or 400 schema",
    ),
    Deviation(
        "D14",
        "429 on any operation",
        Effect.ALLOW_STATUS,
        status="429",
        reason="REFERENCE §1, §10.3: TOO_MANY_REQUESTS on any call when credits or concurrency"
        " run out; no spec declares it, and the OAS2 429 example body (`retry_after`,"
        " `window`) contradicts the credit model (§13 #23)",
        allows="429 `TOO_MANY_REQUESTS` with the request-level error envelope",
    ),
    Deviation(
        "D15",
        "413 for a body over the limit",
        Effect.ALLOW_STATUS,
        status="413",
        reason="REFERENCE §1 lists 413 for an oversized request; no spec declares it",
        allows="413 `LIMIT_EXCEEDED` `{maximum_length}` for a body over `max_body_bytes`",
    ),
    Deviation(
        "D16",
        "304 from GET /users with If-Modified-Since",
        Effect.ALLOW_STATUS,
        method="GET",
        template="/crm/v8/users|/crm/v8/users/{user}",
        status="304",
        reason="REFERENCE §1 (304 row), §9: users.json declares the If-Modified-Since header on"
        " GET /users and GET /users/{user} but not the 304 it causes (the SDK reads it)",
        allows="304 with an empty body when nothing changed since the date",
    ),
    Deviation(
        "D17",
        "204 from the unfiltered rules summary",
        Effect.ALLOW_STATUS,
        method="GET",
        template="/crm/v8/settings/data_sharing/rules/actions/summary",
        status="204",
        reason="REFERENCE §6.1 [DOC]: 204 when the org has no rules; sharing_rules.json"
        " declares that 204 only on the POST (filtered) form of the summary",
        allows="204 with an empty body",
    ),
    Deviation(
        "D18",
        "Unknown paths and methods",
        Effect.ALLOW_ERROR,
        status="400|404",
        json_path="$",
        code="INVALID_REQUEST_METHOD|INVALID_URL_PATTERN",
        reason="REFERENCE §1: an unknown URL is answered 404 INVALID_URL_PATTERN and a wrong"
        " verb 400 INVALID_REQUEST_METHOD; no spec declares either. The sandbox answers so too"
        " for the operations of the specs it does not emulate (docs/sandbox.md, Not emulated:"
        " user creation, bulk role and group updates, record writes, field and module details, …)",
        allows='404 `INVALID_URL_PATTERN` "Please check if the URL trying to access is a correct'
        ' one" for a path the sandbox does not know, 400 `INVALID_REQUEST_METHOD` "The http'
        ' request method type is not a valid one" for a method it does not serve on a path it'
        " knows, both with `details: {}`",
        shape=error_shape(["INVALID_REQUEST_METHOD", "INVALID_URL_PATTERN"], {"maxProperties": 0}),
    ),
    Deviation(
        "D19",
        "Request-level errors for a malformed body",
        Effect.ALLOW_ERROR,
        method="POST|PUT",
        status="400",
        json_path="$",
        code="MANDATORY_NOT_FOUND|INVALID_DATA|LIMIT_EXCEEDED",
        reason="Zoho reads every bulk body alike, but the specs declare these errors on some"
        " operations only. REFERENCE §3.5: a missing body key is request-level"
        " MANDATORY_NOT_FOUND (declared on PUT territories); §5, §6.4: too many items is"
        " INVALID_DATA `{maximum_length}` (declared on data sharing), §4.2 [DOC]: or"
        " LIMIT_EXCEEDED; §3.5, §5: a wrong JSON type is INVALID_DATA `{expected_data_type}`",
        allows="request-level 400 `MANDATORY_NOT_FOUND`, `INVALID_DATA` or `LIMIT_EXCEEDED`"
        ' naming the body key (`{api_name, json_path: "$.<key>"}` plus `maximum_length`,'
        ' `limit` or `expected_data_type`), or `{expected_data_type: "jsonobject"}` for'
        " unparsable JSON, on any POST or PUT",
        shape=error_shape(
            ["MANDATORY_NOT_FOUND", "INVALID_DATA", "LIMIT_EXCEEDED"],
            {
                "properties": {
                    "api_name": STRING,
                    "json_path": BODY_PATH,
                    "maximum_length": COUNT,
                    "limit": COUNT,
                    "expected_data_type": {"enum": ["jsonobject", "jsonarray"]},
                }
            },
        ),
    ),
    Deviation(
        "D20",
        "Request-level errors for a bad query parameter",
        Effect.ALLOW_ERROR,
        status="400",
        json_path="$",
        code="REQUIRED_PARAM_MISSING|INVALID_DATA|INVALID_REQUEST|LIMIT_EXCEEDED",
        reason="REFERENCE §1 (REQUIRED_PARAM_MISSING `{param_name}` on any call), §3.6 (`ids`"
        " beyond the allowed count is INVALID_REQUEST, declared on DELETE territories only),"
        " §4.1 and §4.2 (`ids` required and capped on the membership DELETEs, which OAS2"
        " declares no request-level error for), §7.1 (an unknown users `type`), §9 (`page`,"
        " `per_page`); each spec declares these on some operations only",
        allows="request-level 400 naming the parameter: `REQUIRED_PARAM_MISSING`,"
        " `INVALID_DATA` `{param_name, expected_data_type?}`, `LIMIT_EXCEEDED`"
        " `{param_name, limit}`, or `INVALID_REQUEST` `{}` for too many `ids`",
        shape=error_shape(
            ["REQUIRED_PARAM_MISSING", "INVALID_DATA", "INVALID_REQUEST", "LIMIT_EXCEEDED"],
            {
                "properties": {
                    "param_name": STRING,
                    "expected_data_type": STRING,
                    "limit": COUNT,
                }
            },
        ),
    ),
    Deviation(
        "D21",
        "Request-level errors for a bad id in the path",
        Effect.ALLOW_ERROR,
        template="*{*}*",
        status="400",
        json_path="$",
        code="INVALID_DATA",
        reason="REFERENCE §1 (`details.resource_path_index` counts the path after /crm/v8/),"
        " §4.1, §4.2 (a bad territory or user id in the URL); OAS2 declares it on the GETs and"
        " not on the membership writes",
        allows="request-level 400 `INVALID_DATA` `{resource_path_index}`",
        shape=error_shape(
            ["INVALID_DATA"],
            {"required": ["resource_path_index"], "properties": {"resource_path_index": COUNT}},
        ),
    ),
    Deviation(
        "D22",
        "Rule writes while the module recomputes",
        Effect.ALLOW_ERROR,
        family="oas",
        template="/crm/v8/settings/data_sharing/rules*",
        status="400",
        json_path="$",
        code="CANNOT_PROCESS",
        reason="REFERENCE §6.4, §6.5 [DOC]: rule writes answer CANNOT_PROCESS while the"
        " module's rules recompute; sharing_rules.json defines the shape (Cannot_Process_Rule)"
        " but references it from no response",
        allows="request-level 400 `CANNOT_PROCESS` on rule writes and reruns, checked against"
        " sharing_rules.json's Cannot_Process_Rule",
        shape=spec_schema("sharing_rules.json", "Cannot_Process_Rule"),
    ),
    Deviation(
        "D23",
        "Search and summary filter errors",
        Effect.ALLOW_ERROR,
        family="oas",
        method="POST",
        template="/crm/v8/settings/data_sharing/rules/search"
        "|/crm/v8/settings/data_sharing/rules/actions/summary",
        status="400",
        json_path="$.sharing_rules[*]",
        code="EXPECTED_FIELD_MISSING|DEPENDENT_MISMATCH",
        reason="REFERENCE §6.4: an empty filter is EXPECTED_FIELD_MISSING and a comparator the"
        " field does not take DEPENDENT_MISMATCH; sharing_rules.json defines their shapes"
        " (Filters_Empty, Filters_Mismatch) but references them from no response",
        allows="those per-item errors under `sharing_rules`, checked against the two schemas",
        shape={
            "anyOf": [
                spec_schema("sharing_rules.json", "Filters_Empty"),
                spec_schema("sharing_rules.json", "Filters_Mismatch"),
            ]
        },
    ),
    Deviation(
        "D24",
        "MANDATORY_NOT_FOUND in data-sharing updates",
        Effect.ALLOW_ERROR,
        family="oas2",
        method="PUT",
        template="/crm/v8/settings/data_sharing",
        status="400",
        json_path="$.data_sharing[*]",
        code="MANDATORY_NOT_FOUND",
        reason="REFERENCE §5: the SDK lists MANDATORY_NOT_FOUND for PUT /settings/data_sharing;"
        " data_sharing.yaml enumerates only INVALID_DATA and NOT_ALLOWED per item",
        allows="per-item `MANDATORY_NOT_FOUND` `{api_name, json_path}` for an item without"
        " `share_type` or `module`",
        shape=error_shape(
            ["MANDATORY_NOT_FOUND"],
            {
                "required": ["api_name", "json_path"],
                "properties": {"api_name": STRING, "json_path": STRING},
            },
        ),
    ),
    Deviation(
        "D25",
        "Record errors are 400s",
        Effect.ALLOW_STATUS,
        family="oas",
        template="/crm/v8/{module_api_name}*",
        status="400",
        reason="record.json declares only 200 for the record reads and puts its errors"
        " (API_Exception: INVALID_MODULE, NOT_SUPPORTED, …) inside that 200; REFERENCE §4.3"
        " [OAS2 example] answers NOT_SUPPORTED as a request-level 400",
        allows="request-level 400s such as `INVALID_MODULE` `{resource_path_index: 0}` for an"
        " unknown module",
    ),
    # --- The sandbox's own controls and gaps -----------------------------------------------
    Deviation(
        "D26",
        "Injected faults",
        Effect.ALLOW_STATUS,
        template=INJECTED_FAULT,
        reason="docs/sandbox.md (Faults): a test or benchmark arms the sandbox to fail a call"
        " with the status, code and message it chooses; that is no Zoho answer about the"
        " request",
        allows="any status with the request-level error envelope (REFERENCE §1), e.g. 500"
        ' `INTERNAL_SERVER_ERROR` "Internal Server Error" on GET /org',
    ),
    Deviation(
        "D27",
        "204 when no record is found",
        Effect.ALLOW_STATUS,
        family="oas",
        method="GET",
        template="/crm/v8/{module_api_name}|/crm/v8/{module_api_name}/{id}",
        status="204",
        reason="REFERENCE §1 (204 row) and §9: a GET with nothing to return is 204 with an empty"
        " body; record.json declares only 200 for the record reads",
        allows="204 with an empty body from a record list or a record read",
    ),
    Deviation(
        "D28",
        "201 for created records",
        Effect.PER_ITEM,
        family="oas",
        method="POST",
        template="/crm/v8/{module_api_name}",
        status="201",
        reason="REFERENCE §1 (201 row): a create answers 201 Created; record.json declares only"
        " 200 for Create Records",
        allows="`{data: [...]}` whose items each pass Create Records' own 200 item schema"
        " (`record added` successes) or its error schema",
    ),
    Deviation(
        "D29",
        "Audit-log export jobs as OAS2 types them",
        Effect.IGNORE,
        family="oas",
        template="/crm/v8/settings/audit_log_export*",
        status="200",
        json_path="$.audit_log_export[*].criteria*|$.audit_log_export[*].download_links",
        message="* is not of type 'object'|* is a required property|None is not of type 'array'",
        reason="REFERENCE §7.6, §13 #25: audit_log_export.json's Criteria requires all of"
        " field, comparator, value, group_operator and group and types `value` as an object;"
        " the newer audit_log_export.yaml of the same repository (AuditLogCriterionNullable,"
        " not among the copied OAS2 files) makes a criterion a condition or a group, `value` a"
        " string or an array, and null for a job scheduled without criteria; it also makes"
        " `download_links` null until the job has a file",
        allows="a job's `criteria` echoed as it was sent (a condition, a group, or null), and"
        " `download_links: null` before the job finishes",
    ),
    Deviation(
        "D30",
        "Audit-log export refusals the OAS JSON file omits",
        Effect.ALLOW_ERROR,
        family="oas",
        method="POST",
        template="/crm/v8/settings/audit_log_export",
        status="400",
        json_path="$.audit_log_export[*]",
        code="ALREADY_SCHEDULED|NOT_ALLOWED",
        reason="REFERENCE §7.6: ALREADY_SCHEDULED (a job is queued or running; details name"
        " it) and NOT_ALLOWED (a window over six months); audit_log_export.json lists neither,"
        " the newer audit_log_export.yaml (not among the copied OAS2 files) gives both shapes",
        allows="per-item `ALREADY_SCHEDULED` `{id}` and `NOT_ALLOWED` `{api_name, json_path}`"
        " under `audit_log_export`",
        shape={
            "anyOf": [
                error_shape(
                    ["ALREADY_SCHEDULED"],
                    {"required": ["id"], "properties": {"id": STRING}},
                ),
                error_shape(
                    ["NOT_ALLOWED"],
                    {
                        "required": ["api_name", "json_path"],
                        "properties": {"api_name": STRING, "json_path": STRING},
                    },
                ),
            ]
        },
    ),
    Deviation(
        "D31",
        "No audit-log export jobs",
        Effect.ALLOW_STATUS,
        method="GET",
        template="/crm/v8/settings/audit_log_export",
        status="204",
        reason="REFERENCE §7.6, §13 #25: the newer audit_log_export.yaml (not among the copied"
        " OAS2 files) answers 204 when the org has no export job; audit_log_export.json"
        " declares 404 on the list, and the DOC a 400 NO_CONTENT",
        allows="204 with an empty body",
    ),
    # --- One operation omits what its sibling operation declares ----------------------
    Deviation(
        "D32",
        "The root's by-id transfer-and-delete",
        Effect.ALLOW_ERROR,
        family="oas2",
        method="POST",
        template="/crm/v8/settings/territories/{id}/actions/transfer_and_delete",
        status="400",
        json_path="$.territories[*]",
        code="NOT_ALLOWED",
        reason="REFERENCE §3.6, §3.8: the root (org) territory cannot be deleted, NOT_ALLOWED `Org"
        " Territory cannot be deleted` `{id}`; territories.yaml declares it"
        " (NotAllowedDeleteErrorResponse) on the bulk transfer-and-delete and DELETE, not on"
        " the by-id form, which can name the root just as well",
        allows="per-item `NOT_ALLOWED` `{id}` on the by-id transfer-and-delete of the root",
        shape=error_shape(
            ["NOT_ALLOWED"],
            {"required": ["id"], "properties": {"id": STRING}},
        ),
    ),
    Deviation(
        "D33",
        "Updating the root by id beyond its name",
        Effect.ALLOW_ERROR,
        family="oas2",
        method="PUT",
        template="/crm/v8/settings/territories/{id}",
        status="400",
        json_path="$.territories[*]",
        code="NOT_ALLOWED",
        reason="REFERENCE §3.8: only the root territory's name can change (§3.5); territories.yaml"
        " lets the bulk PUT answer NOT_ALLOWED for the other fields but lists no NOT_ALLOWED"
        " on the by-id PUT, which updates the same territory",
        allows='per-item `NOT_ALLOWED` "Cannot update the Org Territory except Name" with'
        " `details: {}`, as the bulk PUT answers it",
        shape=error_shape(["NOT_ALLOWED"], {"maxProperties": 0}),
    ),
    Deviation(
        "D34",
        "Filter errors of the child-territories listing",
        Effect.ALLOW_ERROR,
        family="oas2",
        method="GET",
        template="/crm/v8/settings/territories/{id}/__child_territories",
        status="400",
        json_path="$",
        code="INVALID_DATA|EXPECTED_FIELD_MISSING|MANDATORY_NOT_FOUND|NOT_SUPPORTED",
        reason="REFERENCE §3.1: the child listing takes the same `filters` parameter as GET"
        " /settings/territories, whose 400 (FiltersErrorResponse in territories.yaml) declares"
        " the filter errors; the child listing's 400 declares only a bad path id and the"
        " feature switch",
        allows='request-level 400 filter errors `{param_name: "filters", …}` on the child'
        " listing, answered exactly as the territory list answers them",
        shape=error_shape(
            ["INVALID_DATA", "EXPECTED_FIELD_MISSING", "MANDATORY_NOT_FOUND", "NOT_SUPPORTED"],
            {
                "required": ["param_name"],
                "properties": {
                    "param_name": {"const": "filters"},
                    "api_name": STRING,
                    "json_path": STRING,
                    "expected_data_type": STRING,
                    "expected_fields": {"type": "array"},
                    "supported_values": {"type": "array"},
                },
            },
        ),
    ),
    Deviation(
        "D35",
        "A group deletion job's status is checked against the file's own JobStatus",
        Effect.RESCHEMA,
        family="oas",
        method="GET",
        template="/crm/v8/settings/user_groups/actions/deletion_jobs",
        status="200",
        reason="REFERENCE §13 #12: user_groups.json points the 200 of GET"
        " …/actions/deletion_jobs at UnsupportedVersionResponse (an error schema), while the"
        " same file defines the job's answer as components/responses/JobStatus"
        " (`{deletion_jobs: [{Status}]}`), which nothing else references; OAS2 has no such path."
        " The `Status` values are not given anywhere: the sandbox answers SCHEDULED then"
        " COMPLETED, as the run-rules job does (§3), and the client waits on anything but"
        " COMPLETED or FAILED",
        allows="`{deletion_jobs: [{Status}]}` as JobsWrapper in user_groups.json defines it"
        " (and nothing else)",
        shape=spec_schema("user_groups.json", "JobsWrapper"),
    ),
)


def find(effect: Effect, **fields: str) -> Deviation | None:
    """The first deviation with this effect whose patterns match all the given fields."""
    return next(iter(find_all(effect, **fields)), None)


def find_all(effect: Effect, **fields: str) -> list[Deviation]:
    return [d for d in DEVIATIONS if d.matches(effect, **fields)]


# --- The rendering in docs/contract-tests.md ------------------------------------------------

DOC = Path(__file__).resolve().parents[2] / "docs" / "contract-tests.md"
BEGIN = "<!-- deviations -->"  # generated below by `python -m tests.contract.deviations`
END = "<!-- end of deviations -->"


def markdown() -> str:
    """The list as the docs show it: one entry per deviation, in order."""
    lines = [BEGIN, ""]
    for d in DEVIATIONS:
        lines += wrap(f"- **{d.id} — {d.title}** — `{d.effect.value}`: {d.covers()}", "  ")
        lines += wrap(f"  - *Why:* {d.reason.rstrip('.')}.", "    ")
        lines += wrap(f"  - *Allows:* {d.allows.rstrip('.')}.", "    ")
    return "\n".join([*lines, "", END])


def wrap(text: str, indent: str) -> list[str]:
    """Wrap at 96 columns, never inside a `code span` (its spaces are protected meanwhile)."""
    protected = re.sub(r"`[^`]*`", lambda m: m.group().replace(" ", "\0"), text)
    lines = textwrap.wrap(
        protected,
        width=96,
        subsequent_indent=indent,
        break_on_hyphens=False,
        break_long_words=False,
    )
    return [line.replace("\0", " ") for line in lines]


def with_list(doc: str) -> str:
    """The doc text with its generated section replaced by the current list."""
    start, stop = doc.index(BEGIN), doc.index(END) + len(END)
    return doc[:start] + markdown() + doc[stop:]


if __name__ == "__main__":
    DOC.write_text(with_list(DOC.read_text(encoding="utf-8")), encoding="utf-8")
    sys.stdout.write(f"{DOC}: {len(DEVIATIONS)} deviations\n")
