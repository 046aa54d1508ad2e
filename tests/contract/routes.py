"""Match concrete request paths against OpenAPI path templates.

Rule: at every depth a literal segment beats a parameter, and once a segment matched a literal
the matcher never falls back to reading it as a parameter. So
`/settings/territories/actions/associated_users_count` is never territory id "actions", and
`/crm/v8/settings/bogus` is an unknown path rather than record `{module_api_name}/{id}` of
module "settings": Zoho's own namespaces are not module names or ids.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Generic, TypeVar

T = TypeVar("T")
PARAM = "{}"  # every parameter segment, whatever its name, for comparing templates


def segments(path: str) -> tuple[str, ...]:
    return tuple(path.strip("/").split("/")) if path.strip("/") else ()


def is_param(segment: str) -> bool:
    return segment.startswith("{") and segment.endswith("}")


def shape(template: str) -> str:
    """The template with parameter names erased: `/a/{id}` and `/a/{territory}` are one route."""
    return "/" + "/".join(PARAM if is_param(s) else s for s in segments(template))


@dataclass
class Node(Generic[T]):
    literals: dict[str, Node[T]] = field(default_factory=dict)
    param: Node[T] | None = None
    values: list[T] = field(default_factory=list)


class Routes(Generic[T]):
    """A trie of path templates, each holding the values (operations) added under it."""

    def __init__(self) -> None:
        self._root: Node[T] = Node()

    def add(self, template: str, value: T) -> None:
        node = self._root
        for segment in segments(template):
            if is_param(segment):
                node.param = node.param or Node()
                node = node.param
            else:
                node = node.literals.setdefault(segment, Node())
        node.values.append(value)

    def match(self, path: str) -> list[T]:
        """The values of the one template matching `path` best; [] for an unknown path."""
        node: Node[T] | None = self._root
        for segment in segments(path):
            assert node is not None
            node = node.literals.get(segment) or (node.param if segment else None)
            if node is None:
                return []
        assert node is not None
        return list(node.values)

    def __iter__(self) -> Iterator[T]:
        stack = [self._root]
        while stack:
            node = stack.pop()
            yield from node.values
            stack.extend(node.literals.values())
            stack.extend([node.param] if node.param else [])
