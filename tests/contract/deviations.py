"""Every accepted difference between a response and the official Zoho specs, in one place.

docs/contract-tests.md mirrors this list in prose; change both together. Keep it minimal:
each entry names the spec bug (REFERENCE.md §13 number or the spec location) or the Zoho
behaviour outside the specs (REFERENCE.md section) that justifies it.

Patterns (see `glob`): `*` is any text, `?` one character, `[*]` any array index, `|`
separates alternatives; everything else is literal. `template` matches the operation's
path template as written in the family's own file, prefixed to a full path
(`/crm/v8/settings/territories/{id}`); UNKNOWN_PATH and UNKNOWN_METHOD stand for requests no
spec describes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum
from functools import cache
from typing import Any

UNKNOWN_PATH = "<unknown path>"
UNKNOWN_METHOD = "<unknown method>"


class Effect(Enum):
    SUPERSEDED = "superseded"  # family not used where another family has a schema too
    SKIP_SCHEMA = "skip_schema"  # this family's schema for the status is wrong: don't use it
    IGNORE = "ignore"  # drop schema errors matching json_path and message
    ALLOW_STATUS = "allow_status"  # status no spec declares; body must be an ERROR_ENVELOPE
    MULTI_STATUS = "multi_status"  # undeclared 207: each item checked as a success or error item
    NO_SCHEMA = "no_schema"  # the spec declares JSON but gives no schema: nothing to check


@dataclass(frozen=True)
class Deviation:
    effect: Effect
    reason: str
    family: str = "*"
    method: str = "*"
    template: str = "*"
    status: str = "*"
    schema: str = "*"  # SKIP_SCHEMA: the URI of the schema the spec gives for the status
    json_path: str = "*"  # IGNORE: the error's JSON path ($.users[0].count)
    message: str = "*"  # IGNORE: the validator's message ("unexpected property": see failures)

    def matches(self, effect: Effect, **fields: str) -> bool:
        if effect is not self.effect:
            return False
        return all(glob(getattr(self, key)).fullmatch(value) for key, value in fields.items())


@cache
def glob(pattern: str) -> re.Pattern[str]:
    """Compile a deviation pattern. Not fnmatch: its [...] classes would make JSON paths and
    validator messages ("is not one of ['x']") unreadable to write."""
    alternatives = []
    for alternative in pattern.split("|"):
        text = re.escape(alternative).replace(r"\[\*\]", r"\[\d+\]")
        alternatives.append(text.replace(r"\*", ".*").replace(r"\?", "."))
    return re.compile("|".join(f"(?:{a})" for a in alternatives), re.DOTALL)


# REFERENCE §1 "Request-level error": the body of every error that is not per item.
# Used only for statuses allowed by an ALLOW_STATUS entry, which no spec gives a schema for.
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

DEVIATIONS: tuple[Deviation, ...] = (
    # --- Spec bugs -----------------------------------------------------------------------
    Deviation(
        Effect.SUPERSEDED,
        family="oas",
        reason="REFERENCE §0: OAS2 is the newer revision of the same official repo; where both"
        " give a schema for an operation and status, the older OAS JSON schema contradicts"
        " OAS2's own captured examples for most pairs (flat vs per-item error envelopes,"
        " required fields real responses omit, §13 #13 #14) - see"
        " test_oas_json_is_contradicted_where_oas2_supersedes_it",
    ),
    Deviation(
        Effect.SKIP_SCHEMA,
        family="oas",
        status="2??",
        schema="*/user_groups.json#/components/responses/UnsupportedVersionResponse/*",
        reason="REFERENCE §13 #12: user_groups.json points the successes of its reads (and of"
        " get_assigned/get_unassigned) at UnsupportedVersionResponse, an error schema",
    ),
    Deviation(
        Effect.NO_SCHEMA,
        family="oas",
        template="/crm/v8/settings/data_sharing/rules*",
        status="200|201",
        reason="REFERENCE §13 #9: sharing_rules.json declares its successes as"
        " `application/json: {}` (no schema), and no other spec covers sharing rules",
    ),
    Deviation(
        Effect.IGNORE,
        family="oas",
        message="* is valid under each of *",
        reason="the OAS JSON files write unions as oneOf with overlapping branches (e.g."
        " sharing_rules.json activate 400: ID_ALREADY_ACTIVE matches two branches; record.json"
        " API_Exception matches any object), so a body matching two branches is what the"
        " authors meant (anyOf), not an error",
    ),
    Deviation(
        Effect.IGNORE,
        family="oas2",
        method="GET",
        template="/crm/v8/settings/territories/{territory}/users*",
        status="200",
        json_path="$.users[*].email|$.users[*].mobile|$.users[*].phone",
        message="unexpected property",
        reason="oas2 territory_users.yaml: the users[] item schema lists some 45 user fields"
        " with additionalProperties: false but leaves out email, mobile and phone, which the"
        " operation's own SuccessExamples carry (REFERENCE §4.1: the full GET /users object)",
    ),
    # --- Zoho behaviour the specs leave out (the sandbox emits it on purpose) -------------
    Deviation(
        Effect.ALLOW_STATUS,
        status="401",
        reason="REFERENCE §1: AUTHENTICATION_FAILURE / INVALID_TOKEN / OAUTH_SCOPE_MISMATCH"
        " apply to every endpoint; OAS JSON declares 401 nowhere, OAS2 on most operations",
    ),
    Deviation(
        Effect.IGNORE,
        family="oas2",
        status="401",
        json_path="$.code|$.message",
        message="'INVALID_TOKEN' is not one of *|'OAUTH_SCOPE_MISMATCH' is not one of *"
        "|* is not one of ['Authentication failed']",
        reason="REFERENCE §1: INVALID_TOKEN ('invalid oauth token') and OAUTH_SCOPE_MISMATCH"
        " are 401s of every endpoint too; OAS2's 401 schemas enumerate only"
        " AUTHENTICATION_FAILURE / 'Authentication failed'",
    ),
    Deviation(
        Effect.MULTI_STATUS,
        status="207",
        reason="REFERENCE §1 (207 row) and §12: a batch whose items partly fail is answered 207"
        " with one result per item; no spec declares 207 for these endpoints. Each item is"
        " checked, as a one-item batch, against the operation's own 2xx and 400 schemas",
    ),
    Deviation(
        Effect.ALLOW_STATUS,
        status="429",
        reason="REFERENCE §1, §10.3: TOO_MANY_REQUESTS on any call when credits or concurrency"
        " run out; no spec declares it (§13 #23)",
    ),
    Deviation(
        Effect.ALLOW_STATUS,
        method="GET",
        template="/crm/v8/settings/data_sharing/rules/actions/summary",
        status="204",
        reason="REFERENCE §6.1 [DOC]: 204 when the org has no rules; sharing_rules.json"
        " declares that 204 only on the POST (filtered) form of the summary",
    ),
    Deviation(
        Effect.ALLOW_STATUS,
        template=UNKNOWN_PATH,
        status="404",
        reason="REFERENCE §1: an unknown URL is answered 404 INVALID_URL_PATTERN",
    ),
    Deviation(
        Effect.ALLOW_STATUS,
        template=UNKNOWN_METHOD,
        status="400|405",
        reason="REFERENCE §1: a wrong verb is answered 400 INVALID_REQUEST_METHOD (some pages"
        " say 405)",
    ),
)


def find(effect: Effect, **fields: str) -> Deviation | None:
    """The first deviation with this effect whose patterns match all the given fields."""
    return next((d for d in DEVIATIONS if d.matches(effect, **fields)), None)
