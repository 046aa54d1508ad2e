"""OpenAPI 3.0 Schema Objects -> JSON Schema 2020-12, so one validator serves both spec families.

OAS 3.0 schemas are a dialect of JSON Schema draft 5 with a few differences that change what
validates. The translation is schema-aware: it only rewrites keywords of schema objects and
never touches data (enum values, defaults) or property *names* (a property may be called
"example" or "nullable").
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# Keywords whose value is a map of names to schemas, one schema, or a list of schemas.
SCHEMA_MAPS = ("properties", "patternProperties")
SCHEMA_ONE = ("items", "additionalProperties", "not")
SCHEMA_LIST = ("allOf", "anyOf", "oneOf")
# OAS-only annotations. Dropped rather than left for the validator to ignore: an `example`
# holding a dict with a "$ref" key must never look like a reference to anything.
OAS_ANNOTATIONS = frozenset({"example", "discriminator", "xml", "externalDocs", "deprecated"})
# Keywords that can reject null on their own, so widening "type" and "enum" is not enough.
NULL_REJECTING = frozenset({"allOf", "anyOf", "oneOf", "not", "const", "$ref"})


def translate_schema(schema: Any) -> Any:
    """Return the JSON Schema 2020-12 equivalent of an OAS 3.0 Schema (or Reference) Object."""
    if not isinstance(schema, Mapping):
        return schema  # `additionalProperties: false` and friends are already JSON Schema
    if "$ref" in schema:
        # OAS 3.0: "This object cannot be extended with additional properties and any
        # properties added SHALL be ignored." JSON Schema 2020-12 would apply them.
        return {"$ref": schema["$ref"]}
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key.startswith("x-") or key in OAS_ANNOTATIONS or key == "nullable":
            continue
        out[key] = translate_keyword(key, value)
    fix_exclusive_bounds(schema, out)
    if schema.get("nullable") is True:
        return allow_null(out)
    return out


def translate_keyword(key: str, value: Any) -> Any:
    if key in SCHEMA_MAPS and isinstance(value, Mapping):
        return {name: translate_schema(sub) for name, sub in value.items()}
    if key in SCHEMA_ONE:
        return translate_schema(value)
    if key in SCHEMA_LIST and isinstance(value, list):
        return [translate_schema(sub) for sub in value]
    return value


def fix_exclusive_bounds(schema: Mapping[str, Any], out: dict[str, Any]) -> None:
    """Draft-5 boolean exclusiveMinimum/Maximum modify minimum/maximum; 2020-12 wants numbers."""
    for bound, flag in (("minimum", "exclusiveMinimum"), ("maximum", "exclusiveMaximum")):
        if not isinstance(schema.get(flag), bool):
            continue
        del out[flag]
        if schema[flag] and bound in out:
            out[flag] = out.pop(bound)


def allow_null(out: dict[str, Any]) -> dict[str, Any]:
    """Apply `nullable: true` as its authors meant it: null is a valid value.

    OAS 3.0.3 reads nullable narrowly (an enum without null still rejects null); Zoho writes
    `nullable` beside enums of field values it does send as null, so the intent wins here.
    """
    if NULL_REJECTING & out.keys():
        return {"anyOf": [{"type": "null"}, out]}
    if "type" in out:
        types = out["type"] if isinstance(out["type"], list) else [out["type"]]
        out["type"] = [*types, "null"] if "null" not in types else types
    if "enum" in out and None not in out["enum"]:
        out["enum"] = [*out["enum"], None]
    return out


def translate_document(document: Mapping[str, Any]) -> dict[str, Any]:
    """Translate every schema position of an OAS 3.0 document; everything else is copied."""
    return {key: translate_node(key, value, ()) for key, value in document.items()}


def translate_node(key: str, value: Any, parents: tuple[str, ...]) -> Any:
    # A "schema" member (Parameter, Media Type, Header) or an entry of components/schemas is a
    # schema; below those, translate_schema takes over, so a property that happens to be named
    # "schema" is never mistaken for one.
    if key == "schema":
        return translate_schema(value)
    if parents == ("components", "schemas") and not key.startswith("x-"):
        return translate_schema(value)
    if key.startswith("x-") or key in ("example", "examples"):
        return value  # data, even where it looks like a document ({"schema": ...})
    here = (*parents, key)
    if isinstance(value, Mapping):
        return {k: translate_node(str(k), v, here) for k, v in value.items()}
    if isinstance(value, list):
        return [translate_node("", item, here) for item in value]
    return value
