"""Index every operation of the loaded specs: full path template, method, and per status where
the application/json response schema is (as an absolute URI into the registry).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin

from referencing import Registry

from tests.contract.documents import SpecFile

METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")


def pointer(*parts: str) -> str:
    return "".join("/" + p.replace("~", "~0").replace("/", "~1") for p in parts)


@dataclass(frozen=True)
class ResponseSpec:
    has_content: bool  # the spec declares a body for this status
    json_declared: bool  # ... with an application/json media type
    schema_uri: str | None  # absolute URI of that media type's schema, None when it has none


@dataclass(frozen=True)
class Operation:
    family: str
    source: str  # spec file, relative to the spec folder
    method: str  # upper case
    template: str  # full path template, e.g. /crm/v8/settings/territories/{id}
    responses: Mapping[str, ResponseSpec]
    uri: str  # where the operation is, for messages

    def response_for(self, status: int) -> ResponseSpec | None:
        for key in (str(status), f"{str(status)[0]}XX", "default"):
            if key in self.responses:
                return self.responses[key]
        return None


def index_operations(files: list[SpecFile], registry: Registry[Any]) -> Iterator[Operation]:
    for spec in files:
        prefix = spec.prefix()
        for path, item in (spec.document.get("paths") or {}).items():
            for method in METHODS:
                if isinstance(item, Mapping) and method in item:
                    yield operation(spec, registry, prefix + path, pointer("paths", path, method))


def operation(spec: SpecFile, registry: Registry[Any], template: str, at: str) -> Operation:
    uri = f"{spec.uri}#{at}"
    op = registry.resolver().lookup(uri).contents
    responses = {
        str(status): response_spec(registry, f"{uri}/responses/{pointer(str(status))[1:]}", value)
        for status, value in (op.get("responses") or {}).items()
    }
    method = at.rsplit("/", 1)[1].upper()
    return Operation(spec.family, spec.name, method, template, responses, uri)


def response_spec(registry: Registry[Any], uri: str, response: Any) -> ResponseSpec:
    """Follow Response Object $refs (may cross files) to the application/json schema."""
    resolver = registry.resolver()
    while isinstance(response, Mapping) and "$ref" in response:
        uri = urljoin(uri, response["$ref"])
        response = resolver.lookup(uri).contents
    content = response.get("content") or {}
    json_types = [t for t in content if str(t).split(";")[0].strip() == "application/json"]
    if not json_types:
        return ResponseSpec(bool(content), False, None)
    has_schema = "schema" in content[json_types[0]]
    schema_uri = f"{uri}/content/{pointer(json_types[0])[1:]}/schema" if has_schema else None
    return ResponseSpec(True, True, schema_uri)
