"""OAS 3.0 -> JSON Schema 2020-12 translation, on literal schemas (no spec files needed)."""

from __future__ import annotations

from typing import Any

import pytest
from jsonschema import Draft202012Validator

from tests.contract.oas30 import translate_document, translate_schema


def valid(schema: Any, instance: Any) -> bool:
    return Draft202012Validator(translate_schema(schema)).is_valid(instance)


@pytest.mark.parametrize(
    ("schema", "instance", "expected"),
    [
        ({"type": "string", "nullable": True}, None, True),
        ({"type": "string", "nullable": True}, 3, False),
        ({"type": "string"}, None, False),
        ({"type": "string", "nullable": False}, None, False),
        ({"type": "string", "enum": ["a"], "nullable": True}, None, True),  # Zoho's intent
        ({"type": "string", "enum": ["a"], "nullable": True}, "b", False),
        ({"oneOf": [{"type": "integer"}], "nullable": True}, None, True),
        ({"oneOf": [{"type": "integer"}], "nullable": True}, "x", False),
        ({"type": "number", "minimum": 1, "exclusiveMinimum": True}, 1, False),
        ({"type": "number", "minimum": 1, "exclusiveMinimum": False}, 1, True),
        ({"type": "number", "maximum": 1, "exclusiveMaximum": True}, 0.5, True),
    ],
)
def test_validation_keeps_the_oas30_meaning(schema: Any, instance: Any, expected: bool) -> None:
    assert valid(schema, instance) is expected


def test_ref_siblings_are_ignored_as_oas30_says() -> None:
    assert translate_schema({"$ref": "#/x", "nullable": True, "type": "string"}) == {"$ref": "#/x"}


def test_annotations_go_but_properties_named_like_them_stay() -> None:
    schema = {
        "type": "object",
        "example": {"$ref": "not a reference"},
        "x-zoho": 1,
        "properties": {"example": {"type": "string", "nullable": True}, "nullable": {}},
    }
    assert translate_schema(schema) == {
        "type": "object",
        "properties": {"example": {"type": ["string", "null"]}, "nullable": {}},
    }


def test_enum_data_is_never_rewritten() -> None:
    schema = {"type": "string", "enum": ["nullable", "example"], "default": {"nullable": True}}
    assert translate_schema(schema) == schema


def test_only_schema_positions_of_a_document_are_translated() -> None:
    media = {
        "schema": {"type": "string", "nullable": True},
        "example": {"schema": {"nullable": True}},
    }
    document = {
        "paths": {"/a": {"get": {"responses": {"200": {"content": {"application/json": media}}}}}},
        "components": {"schemas": {"S": {"type": "integer", "nullable": True}}},
        "x-extension": {"schema": {"nullable": True}},
    }
    out = translate_document(document)
    got = out["paths"]["/a"]["get"]["responses"]["200"]["content"]["application/json"]
    assert got["schema"] == {"type": ["string", "null"]}
    assert got["example"] == media["example"]
    assert out["components"]["schemas"]["S"] == {"type": ["integer", "null"]}
    assert out["x-extension"] == document["x-extension"]
