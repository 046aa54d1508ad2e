"""Minimal Zoho-shaped bodies shared by the harness's self-tests."""

from __future__ import annotations

from typing import Any

TERRITORIES = "/crm/v8/settings/territories"
CREATED: dict[str, Any] = {
    "territories": [
        {
            "code": "SUCCESS",
            "details": {"id": "431581000000734292"},
            "message": "Territory Created Successfully",
            "status": "success",
        }
    ]
}
AUTH_FAILED: dict[str, Any] = {
    "code": "AUTHENTICATION_FAILURE",
    "details": {},
    "message": "Authentication failed",
    "status": "error",
}
