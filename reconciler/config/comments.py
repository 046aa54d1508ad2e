"""YAML comments, detached from a ruamel round-trip tree and attached again after its keys
were moved, so a rewrite keeps every comment with what it was written about.

ruamel keeps a comment on whatever scalar comes before it, often deep in the previous
sibling's value, and with marks that disagree about where it starts. Here each comment is
placed by the text itself: a comment line belongs to the key or list item right below it,
an end-of-line comment to the last key or item that starts on its line, the comment lines
at the top of the file (up to the last blank line among them) are its header, those at the
end its footer. `attach` writes them back where the rewritten tree will print them, each
line indented like its key; a comment inside what is now a one-line flow value goes above
that value's key.
"""

from __future__ import annotations

import bisect
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import CommentMark
from ruamel.yaml.tokens import CommentToken

from reconciler.errors import ReconcilerError

Collection = CommentedMap | CommentedSeq
Slot = tuple[int, Any]  # (id of a mapping or sequence, key or index)


# -- where they were -----------------------------------------------------------------------


@dataclass
class Anchor:
    """A key of a mapping or an item of a sequence, where a comment can live."""

    container: Collection
    key: Any
    line: int
    before: list[str] = field(default_factory=list)  # comment and blank lines above it
    eol: tuple[int, str] | None = None  # (column, text) of its end-of-line comment

    @property
    def slot(self) -> Slot:
        return (id(self.container), self.key)

    @property
    def value(self) -> Any:
        return self.container[self.key]


@dataclass
class Notes:
    """Every comment of a file: at its top, at its end, and by the key or item it is on."""

    header: list[str]
    footer: list[str]
    anchors: dict[Slot, Anchor]


def collect(data: CommentedMap, text: str) -> Notes:
    """The comments of `text`, loaded as `data`, each by what it belongs to."""
    anchors = list(_anchors(data))
    lines = [a.line for a in anchors]
    eols, full = comment_lines(data, text)
    notes = Notes([], [], {a.slot: a for a in anchors})
    for line, (column, comment) in eols.items():
        index = bisect.bisect_right(lines, line) - 1
        if index < 0:
            notes.header.append(comment)
        else:
            anchors[index].eol = (column, comment)
    for line in sorted(full):
        index = bisect.bisect_right(lines, line)
        if index == len(anchors):
            notes.footer.append(full[line])
        else:
            anchors[index].before.append(full[line])
    # The comments above the first key are the file's header and stay at the top, except
    # those after its last blank line: they are about that key.
    first = anchors[0].before if anchors else []
    blank = max((i for i, line in enumerate(first) if not line), default=len(first) - 1)
    notes.header += first[: blank + 1]
    del first[: blank + 1]
    return notes


def _anchors(node: Any) -> Iterator[Anchor]:
    """Every key and item in document order, parents before their children."""
    if isinstance(node, CommentedMap):
        for key in node:
            anchor = Anchor(node, key, _line(node.lc.key(key)))
            yield anchor
            yield from _anchors(node[key])
    elif isinstance(node, CommentedSeq):
        for index in range(len(node)):
            anchor = Anchor(node, index, _line(node.lc.item(index)))
            yield anchor
            yield from _anchors(node[index])


def _line(position: Any) -> int:
    """The line a key or item was read from; -1 for one an edit added (`adopt`)."""
    return -1 if position is None else int(position[0])


def comment_lines(data: Any, text: str) -> tuple[dict[int, tuple[int, str]], dict[int, str]]:
    """End-of-line comments by line (with their column) and whole comment or blank lines
    by line, from the comment tokens ruamel attached anywhere in the tree."""
    source = text.splitlines()
    eols: dict[int, tuple[int, str]] = {}
    full: dict[int, str] = {}
    for token in _tokens(data):
        segments = [s.strip() for s in token.value.split("\n")]
        if len(segments) > 1:
            segments.pop()  # what follows the last line break
        start = _align(token.start_mark.line, segments, source)
        for offset, comment in enumerate(segments):
            line = source[start + offset]
            if offset > 0 or not line.strip() or line.strip() == comment:
                full[start + offset] = comment  # a comment line, or a blank one
            elif comment:  # at the end of a line with content
                eols[start + offset] = (len(line.rstrip()) - len(comment), comment)
    return eols, full


def _align(mark: int, segments: list[str], source: list[str]) -> int:
    """The line a comment token starts on. A token runs from the end of a line with content
    to the next content; ruamel marks it on its first comment, or on its start, or on a
    blank line, so the candidates are tried against the text itself."""
    first = next((i for i, s in enumerate(segments) if s), 0)
    for start in (mark - first, mark, *(mark - k for k in range(1, len(segments) + 1))):
        if 0 <= start and start + len(segments) <= len(source):
            lines = source[start : start + len(segments)]
            if lines[0].rstrip().endswith(segments[0]) and all(
                line.strip() == segment
                for line, segment in zip(lines[1:], segments[1:], strict=True)
            ):
                return start
    raise ReconcilerError(f"fmt cannot tell where the comment {segments} is; please report it")


def unplaced(text: str, full: dict[int, str]) -> int | None:
    """The first comment line ruamel did not keep (one inside a flow list or mapping)."""
    for number, line in enumerate(text.splitlines()):
        if line.lstrip().startswith("#") and full.get(number) != line.strip():
            return number + 1
    return None


def _tokens(data: Any) -> Iterator[CommentToken]:
    seen: set[int] = set()
    for node in collections(data):
        for token in _flatten([node.ca.comment, list(node.ca.items.values()), node.ca.end]):
            if id(token) not in seen:
                seen.add(id(token))
                yield token


def collections(node: Any) -> Iterator[Collection]:
    if isinstance(node, CommentedMap | CommentedSeq):
        yield node
        for child in node.values() if isinstance(node, CommentedMap) else node:
            yield from collections(child)


def _flatten(value: Any) -> Iterator[CommentToken]:
    if isinstance(value, CommentToken):
        yield value
    elif isinstance(value, list):
        for item in value:
            yield from _flatten(item)


Items = dict[tuple[int, int], Anchor]


def items(notes: Notes) -> Items:
    """The anchors of list items by (list, item), taken before an edit moves them."""
    return {
        (id(a.container), id(a.value)): a
        for a in notes.anchors.values()
        if isinstance(a.container, CommentedSeq)
    }


def reanchor(data: Any, notes: Notes, by_item: Items) -> Notes:
    """`notes` for `data` after it was edited in place (`adopt`): each key or item keeps its
    comments, found by its mapping and key, or by the list and the item itself (`items`,
    taken before the edit: items move up when one above them goes); what is new has none,
    what went takes its comments with it."""
    anchors: dict[Slot, Anchor] = {}
    for container, key in _slots(data):
        if isinstance(container, CommentedSeq):
            old = by_item.get((id(container), id(container[key])))
        else:
            old = notes.anchors.get((id(container), key))
        anchor = Anchor(container, key, -1 if old is None else old.line)
        if old is not None:
            anchor.before, anchor.eol = old.before, old.eol
        anchors[anchor.slot] = anchor
    return Notes(notes.header, notes.footer, anchors)


def _slots(node: Any) -> Iterator[tuple[Collection, Any]]:
    if isinstance(node, CommentedMap):
        for key in node:
            yield node, key
            yield from _slots(node[key])
    elif isinstance(node, CommentedSeq):
        for index in range(len(node)):
            yield node, index
            yield from _slots(node[index])


def clear(data: Any) -> None:
    for node in collections(data):
        node.ca.comment = None
        node.ca.items.clear()
        node.ca.end = None


# -- where they go -------------------------------------------------------------------------


@dataclass
class _Out:
    """The comments to write, by the slot whose line they follow."""

    notes: Notes
    header: list[str]
    after: dict[Slot, list[str]] = field(default_factory=dict)
    eol: dict[Slot, tuple[int, str]] = field(default_factory=dict)
    owner: dict[Slot, Collection] = field(default_factory=dict)
    last: Slot | None = None

    def place(self, lines: list[str], column: int) -> None:
        indented = [f"{' ' * column}{line}" if line else "" for line in lines]
        if self.last is None:
            self.header += indented
        else:
            self.after.setdefault(self.last, []).extend(indented)

    def line(self, anchor: Anchor, eol: tuple[int, str] | None) -> None:
        self.last = anchor.slot
        self.owner[anchor.slot] = anchor.container
        if eol is not None:
            self.eol[anchor.slot] = eol


def attach(data: CommentedMap, notes: Notes) -> None:
    out = _Out(notes, list(notes.header))
    _attach_map(out, data, 0, first_on_dash=False)
    if notes.footer:
        out.place(_trim_end(notes.footer), 0)
    if out.header:
        data.ca.comment = [None, [_token(f"{line}\n", 0) for line in out.header]]
    for slot, owner in out.owner.items():
        eol = out.eol.get(slot)
        following = out.after.get(slot, [])
        if eol is None and not following:
            continue
        value = (eol[1] if eol else "") + "\n" + "".join(f"{line}\n" for line in following)
        token = _token(value, eol[0] if eol else 0)
        owner.ca.items[slot[1]] = (
            [None, None, token, None] if isinstance(owner, CommentedMap) else [token, None]
        )


def _attach_map(out: _Out, node: CommentedMap, column: int, *, first_on_dash: bool) -> None:
    for index, key in enumerate(node):
        anchor = out.notes.anchors[(id(node), key)]
        before, eol = _gathered(anchor, out.notes)
        if index == 0:
            before = _trim_start(before)
        # The first key of a list item shares the dash's line: its comments go above the dash.
        out.place(before, column - 2 if index == 0 and first_on_dash else column)
        out.line(anchor, eol)
        _attach_value(out, anchor.value, column)


def _attach_seq(out: _Out, node: CommentedSeq, column: int) -> None:
    for index, item in enumerate(node):
        anchor = out.notes.anchors[(id(node), index)]
        before, eol = _gathered(anchor, out.notes)
        out.place(_trim_start(before) if index == 0 else before, column)
        if isinstance(item, CommentedMap) and not item.fa.flow_style() and len(item):
            _attach_map(out, item, column + 2, first_on_dash=True)
        else:
            out.line(anchor, eol)


def _attach_value(out: _Out, value: Any, column: int) -> None:
    if isinstance(value, CommentedMap) and not value.fa.flow_style():
        _attach_map(out, value, column + 2, first_on_dash=False)
    elif isinstance(value, CommentedSeq) and not value.fa.flow_style():
        _attach_seq(out, value, column + 2)


def _gathered(anchor: Anchor, notes: Notes) -> tuple[list[str], tuple[int, str] | None]:
    """An anchor's comments, with those of everything inside a flow value it holds (a flow
    collection has no room for comments, so they go above it)."""
    before, eol = list(anchor.before), anchor.eol
    if isinstance(anchor.value, CommentedMap | CommentedSeq) and anchor.value.fa.flow_style():
        for inner in _anchors(anchor.value):
            found = notes.anchors.get(inner.slot)
            if found is None:  # added by an edit: no comments
                continue
            before += found.before
            if found.eol is not None and found.line == anchor.line and eol is None:
                eol = found.eol
            elif found.eol is not None:
                before.append(found.eol[1])
    return before, eol


def _trim_start(lines: list[str]) -> list[str]:
    while lines and not lines[0]:
        lines = lines[1:]
    return lines


def _trim_end(lines: list[str]) -> list[str]:
    while lines and not lines[-1]:
        lines = lines[:-1]
    return lines


def _token(value: str, column: int) -> CommentToken:
    return CommentToken(value, CommentMark(column), None)


def comments(data: Any, text: str) -> Counter[str]:
    eols, full = comment_lines(data, text)
    return Counter([c for _, c in eols.values()] + [c for c in full.values() if c])
