"""Zoho's response envelopes: request-level errors, per-item results in input order, batch
status codes and `info` paging blocks. Handlers build replies only through these helpers so
the conventions live in one place."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

Json = Any
JsonObj = dict[str, Any]


@dataclass(frozen=True)
class Reply:
    """What the sandbox answers: a status, a JSON body (None = empty body) and headers."""

    status: int
    body: Json = None
    headers: dict[str, str] = field(default_factory=dict)


class ZohoError(Exception):
    """A request-level error: a bare `{code, details, message, status}` object."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        details: JsonObj | None = None,
        envelope: str | None = None,
    ):
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.details: JsonObj = {} if details is None else details
        # Some errors come as the one item of `{envelope: [...]}` (the audit-log export's).
        self.envelope = envelope

    def reply(self) -> Reply:
        body = {"code": self.code, "details": self.details, "message": self.message}
        error = {**body, "status": "error"}
        return Reply(self.status, error if self.envelope is None else {self.envelope: [error]})


class ItemError(Exception):
    """One input item failed; `item` is its per-item error entry."""

    def __init__(self, item: JsonObj) -> None:
        super().__init__(item.get("message"))
        self.item = item


def each(step: Callable[..., JsonObj], *args: Any) -> JsonObj:
    """Run one item's step; its ItemError becomes that item's result entry."""
    try:
        return step(*args)
    except ItemError as failed:
        return failed.item


def error_item(code: str, message: str, details: JsonObj | None = None) -> JsonObj:
    return {
        "code": code,
        "details": {} if details is None else details,
        "message": message,
        "status": "error",
    }


def success_item(message: str, details: JsonObj, code: str = "SUCCESS") -> JsonObj:
    return {"code": code, "details": details, "message": message, "status": "success"}


def is_success(item: JsonObj) -> bool:
    return item.get("status") == "success"


def batch_status(items: Sequence[JsonObj], ok: int, mixed: int) -> int:
    """All succeeded -> `ok`; all failed -> 400; some of each -> `mixed` (207 by default)."""
    wins = sum(1 for item in items if is_success(item))
    if wins == len(items):
        return ok
    return 400 if wins == 0 else mixed


def batch(key: str, items: list[JsonObj], ok: int, mixed: int, nested: bool = False) -> Reply:
    """The per-item envelope `{key: [result, ...]}`; `nested` wraps results in one more array,
    as the OAS2 examples of some membership calls do."""
    results: list[Any] = [items] if nested else items
    return Reply(batch_status(items, ok, mixed), {key: results})


def info(page: int, per_page: int, count: int, more: bool) -> JsonObj:
    return {"per_page": per_page, "count": count, "page": page, "more_records": more}


def no_content() -> Reply:
    return Reply(204)


def listing(key: str, rows: list[JsonObj], page: int, per_page: int, more: bool) -> Reply:
    """A paged list; an empty page is 204 with an empty body, as Zoho answers."""
    if not rows:
        return no_content()
    return Reply(200, {key: rows, "info": info(page, per_page, len(rows), more)})


# Request-level errors shared by every area (messages are Zoho's literals, REFERENCE §1).
def invalid_url() -> ZohoError:
    message = "Please check if the URL trying to access is a correct one"
    return ZohoError(404, "INVALID_URL_PATTERN", message)


def invalid_method() -> ZohoError:
    message = "The http request method type is not a valid one"
    return ZohoError(400, "INVALID_REQUEST_METHOD", message)


def mandatory_missing(key: str) -> ZohoError:
    details = {"api_name": key, "json_path": f"$.{key}"}
    return ZohoError(400, "MANDATORY_NOT_FOUND", "required field not found", details)


def too_many_items(key: str, limit: int) -> ZohoError:
    details = {"api_name": key, "json_path": f"$.{key}", "maximum_length": limit}
    return ZohoError(400, "INVALID_DATA", "invalid data", details)


def required_param(
    name: str, message: str = "One of the expected parameter is missing"
) -> ZohoError:
    return ZohoError(400, "REQUIRED_PARAM_MISSING", message, {"param_name": name})


def invalid_param(name: str, expected: str) -> ZohoError:
    details = {"expected_data_type": expected, "param_name": name}
    return ZohoError(400, "INVALID_DATA", "invalid data", details)


def invalid_path_id(index: int, message: str) -> ZohoError:
    return ZohoError(400, "INVALID_DATA", message, {"resource_path_index": index})


def internal_error() -> ZohoError:
    return ZohoError(500, "INTERNAL_SERVER_ERROR", "Internal Server Error")
