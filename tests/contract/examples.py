"""The response examples embedded in the specs, for the harness's self-test.

Zoho's examples are captured real responses; each one validating against its own schema is
what proves that ref resolution and the OAS 3.0 translation keep the specs' meaning.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin

from tests.contract.oas import Contract
from tests.contract.operations import Operation


@dataclass(frozen=True)
class Example:
    operation: Operation
    status: str
    name: str
    value: Any
    schema_uri: str

    @property
    def id(self) -> str:
        op = self.operation
        return f"{op.family} {op.method} {op.template} {self.status} {self.name}"


def response_examples(contract: Contract) -> Iterator[Example]:
    resolver = contract.registry.resolver()
    for op in contract.operations():
        for status, spec in op.responses.items():
            if spec.schema_uri is None:
                continue
            media_uri = spec.schema_uri.removesuffix("/schema")
            media = resolver.lookup(media_uri).contents
            for name, value in media_examples(contract, media_uri, media):
                yield Example(op, status, name, value, spec.schema_uri)


def media_examples(
    contract: Contract, media_uri: str, media: Mapping[str, Any]
) -> Iterator[tuple[str, Any]]:
    """(name, value) of a Media Type Object's `example` and `examples` (following $refs)."""
    if "example" in media:
        yield "example", media["example"]
    resolver = contract.registry.resolver()
    for name, example in (media.get("examples") or {}).items():
        while isinstance(example, Mapping) and "$ref" in example:
            example = resolver.lookup(urljoin(media_uri, example["$ref"])).contents
        if isinstance(example, Mapping) and "value" in example:
            yield str(name), example["value"]
