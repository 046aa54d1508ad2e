"""One API call as a handler sees it: path parameters, query, body, the caller and the open
database transaction. Parsing helpers turn malformed input into Zoho's 400s, never a 500."""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from reconciler.sandbox.replies import (
    ItemError,
    JsonObj,
    ZohoError,
    invalid_param,
    mandatory_missing,
    too_many_items,
)
from reconciler.sandbox.settings import SandboxSettings

DIGITS = re.compile(r"[0-9]{1,19}")
_MISSING = object()


@dataclass
class Call:
    """A routed, authenticated API call."""

    method: str
    path: str
    params: dict[str, str]
    query: Mapping[str, str]
    raw_body: bytes
    db: sqlite3.Connection
    settings: SandboxSettings
    now: float
    user_id: str
    base_url: str = "http://sandbox.invalid"
    headers: Mapping[str, str] = field(default_factory=dict)
    _body: Any = field(default=_MISSING, repr=False)

    def body(self) -> Any:
        """The parsed JSON body; malformed JSON is a request-level INVALID_DATA."""
        if self._body is _MISSING:
            self._body = parse_json(self.raw_body)
        return self._body

    def items(self, key: str, limit: int, overflow: ZohoError | None = None) -> list[Any]:
        """The `{key: [...]}` array of a bulk body, checked for presence, type and size;
        `overflow` replaces the default error for more than `limit` items."""
        body = self.body()
        if not isinstance(body, dict) or body.get(key) is None:
            raise mandatory_missing(key)
        items = body[key]
        if not isinstance(items, list):
            raise ZohoError(
                400,
                "INVALID_DATA",
                "invalid data",
                {"api_name": key, "json_path": f"$.{key}", "expected_data_type": "jsonarray"},
            )
        if not items:
            raise mandatory_missing(key)
        if len(items) > limit:
            raise overflow or too_many_items(key, limit)
        return items

    def int_param(self, name: str, default: int, minimum: int = 1) -> int:
        raw = self.query.get(name)
        if raw is None or raw == "":
            return default
        if not re.fullmatch(r"[0-9]{1,9}", raw) or int(raw) < minimum:
            raise invalid_param(name, "integer")
        return int(raw)

    def page(self, default_per_page: int, max_per_page: int) -> tuple[int, int]:
        """`page` and `per_page`; a `per_page` above the endpoint's maximum is clamped."""
        page = self.int_param("page", 1)
        per_page = min(self.int_param("per_page", default_per_page), max_per_page)
        return page, per_page


def parse_json(raw: bytes) -> Any:
    if not raw.strip():
        return None
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise ZohoError(
            400, "INVALID_DATA", "invalid data", {"expected_data_type": "jsonobject"}
        ) from None


def as_id(value: Any) -> str | None:
    """Zoho ids arrive as strings or numbers; anything else is not an id."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int) and value >= 0:
        value = str(value)
    if isinstance(value, str) and DIGITS.fullmatch(value.strip()):
        return value.strip()
    return None


def split_ids(raw: str) -> list[str]:
    """The comma-separated `ids` parameter, blanks dropped, order kept."""
    return [part.strip() for part in raw.split(",") if part.strip()]


def id_ref(value: Any) -> tuple[bool, str | None]:
    """Read a `{"id": ...}` reference: (well-formed, id). `None` is well-formed and means none."""
    if value is None:
        return True, None
    if isinstance(value, dict):
        ident = as_id(value.get("id"))
        return ident is not None, ident
    return False, None


def item_path(key: str, index: int, *names: str) -> str:
    return f"$.{key}[{index}]" + "".join(f".{name}" for name in names)


def field_error(code: str, message: str, api_name: str, path: str, **extra: Any) -> JsonObj:
    details: JsonObj = {"api_name": api_name, "json_path": path, **extra}
    return {"code": code, "details": details, "message": message, "status": "error"}


def item_object(item: Any, index: int, key: str = "data") -> dict[str, Any]:
    """A bulk body's item, which must be a JSON object (else the item's INVALID_DATA)."""
    if not isinstance(item, dict):
        raise ItemError(
            field_error(
                "INVALID_DATA",
                "invalid data",
                key,
                f"$.{key}[{index}]",
                expected_data_type="jsonobject",
            )
        )
    return item
