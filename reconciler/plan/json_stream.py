"""JSON written piece by piece, for documents with one very long list (pure).

`json.dumps` builds the whole text in memory, and a plan over a large org holds tens of
thousands of record changes. Here a document is made of plain JSON values, `Open`
objects (written key by key, so that what they hold can be streamed) and `Lines`: a
list whose items come from a generator, each already as JSON text. Two writers walk it:
`pretty` yields the text as `json.dumps(indent=2, ensure_ascii=False)` would write it,
except that a `Lines` item stays on one line; `canonical` yields the text of the plan
file's checksum (keys sorted, no spaces, docs/plan-format.md#checksum)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

INDENT = "  "


class Open(dict[str, Any]):
    """An object written key by key (it holds `Lines`, or an `Open` that does)."""


class OpenList(list[Any]):
    """A list written item by item (it holds an `Open`)."""


@dataclass(frozen=True)
class Lines:
    """A list whose items are made when written: `items()` yields (item as the file shows
    it, on one line; item as canonical JSON)."""

    items: Callable[[], Iterator[tuple[str, str]]]

    @classmethod
    def of(cls, values: list[Any]) -> Lines:
        """Plain JSON values (as read from a file) as lines."""
        return cls(lambda: ((_line(v), next(canonical(v))) for v in values))


def _line(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def pretty(value: Any, level: int = 0) -> Iterator[str]:
    """The indented text of `value`, nested `level` deep, in pieces."""
    inner = "\n" + INDENT * (level + 1)
    if isinstance(value, Lines):
        count = 0
        for count, (text, _) in enumerate(value.items(), 1):
            yield ("[" if count == 1 else ",") + inner + text
        yield "\n" + INDENT * level + "]" if count else "[]"
    elif isinstance(value, Open):
        for n, (key, item) in enumerate(value.items()):
            yield ("{" if n == 0 else ",") + inner + json.dumps(key, ensure_ascii=False) + ": "
            yield from pretty(item, level + 1)
        yield "\n" + INDENT * level + "}" if value else "{}"
    elif isinstance(value, OpenList):
        for n, item in enumerate(value):
            yield ("[" if n == 0 else ",") + inner
            yield from pretty(item, level + 1)
        yield "\n" + INDENT * level + "]" if value else "[]"
    else:
        text = json.dumps(value, indent=len(INDENT), ensure_ascii=False)
        yield text.replace("\n", "\n" + INDENT * level) if level else text


def canonical(value: Any) -> Iterator[str]:
    """The canonical text of `value` (keys sorted at every level, no whitespace), in
    pieces."""
    if isinstance(value, Lines):
        yield "["
        for n, (_, text) in enumerate(value.items()):
            yield "," + text if n else text
        yield "]"
    elif isinstance(value, Open):
        yield "{"
        for n, key in enumerate(sorted(value)):
            yield ("," if n else "") + json.dumps(key, ensure_ascii=False) + ":"
            yield from canonical(value[key])
        yield "}"
    elif isinstance(value, OpenList):
        yield "["
        for n, item in enumerate(value):
            yield "," if n else ""
            yield from canonical(item)
        yield "]"
    else:
        yield json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
