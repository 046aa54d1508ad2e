"""JSON written piece by piece: the same text as `json.dumps` (indented, or canonical for
the checksum), with a long list's items made as they are written, one a line."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from reconciler.plan.json_stream import Lines, Open, OpenList, canonical, pretty

PLAIN: dict[str, Any] = {
    "b": [1, {"x": None}],
    "a": {"nested": {"é": "ü"}, "empty": {}},
    "list": [],
    "rows": [{"id": "1", "k": [2]}, {"id": "2", "k": []}],
}


def opened(rows: list[Any]) -> Open:
    """PLAIN with `rows` as Lines inside an OpenList and Opens."""
    return Open(
        {
            **PLAIN,
            "a": Open({"nested": Open(PLAIN["a"]["nested"]), "empty": Open()}),
            "list": OpenList(),
            "rows": Lines.of(rows),
            "deep": OpenList([Open({"rows": Lines.of(rows)}), 3]),
        }
    )


def test_canonical_is_the_checksum_text_of_the_plain_document() -> None:
    document = opened(PLAIN["rows"])
    plain = {**PLAIN, "deep": [{"rows": PLAIN["rows"]}, 3]}
    expected = json.dumps(plain, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert "".join(canonical(document)) == expected


def test_pretty_is_json_dumps_with_each_line_item_on_one_line() -> None:
    text = "".join(pretty(opened(PLAIN["rows"])))
    assert json.loads(text) == {**PLAIN, "deep": [{"rows": PLAIN["rows"]}, 3]}
    assert '\n  "rows": [\n    {"id": "1", "k": [2]},\n    {"id": "2", "k": []}\n  ],' in text
    # Without Lines the text is json.dumps's own, nesting and all.
    plain = Open({k: v for k, v in PLAIN.items() if k != "rows"})
    assert "".join(pretty(plain)) == json.dumps(plain, indent=2, ensure_ascii=False)


def test_empty_lines_and_opens_are_written_as_empty() -> None:
    document = Open({"rows": Lines.of([]), "none": Open(), "nothing": OpenList()})
    text = "".join(pretty(document))
    assert text == '{\n  "rows": [],\n  "none": {},\n  "nothing": []\n}'
    assert "".join(canonical(document)) == '{"none":{},"nothing":[],"rows":[]}'


def test_line_items_are_made_only_while_written() -> None:
    made: list[int] = []

    def items() -> Iterator[tuple[str, str]]:
        for n in range(3):
            made.append(n)
            yield str(n), str(n)

    pieces = pretty(Open({"rows": Lines(items)}))
    next(pieces)
    assert made == []
    assert "".join(pieces) == "[\n    0,\n    1,\n    2\n  ]\n}" and made == [0, 1, 2]
