"""Checks on the territory tree that need every file at once: one root, names unique
(case-insensitively, naming both places), grafts that land somewhere, renames that do not
collide, members listed once, and Zoho's 250-territory cap."""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from dataclasses import dataclass

from reconciler.config import document as doc
from reconciler.config.source import Location, SourceFile, YamlPath
from reconciler.errors import Diagnostic
from reconciler.model import MAX_TERRITORIES, name_key

ROOT_KEYS = frozenset({"name", "users", "children"})
NAME_FORBIDDEN = frozenset("^~`#%&*()+={}[]|\\;\",'!<>")


@dataclass
class Written:
    """A territory as written in one file, before the files are merged."""

    doc: doc.TerritoryDoc
    parent: str | None
    where: Location
    source: SourceFile
    path: YamlPath


def check_tree(
    roots: list[Written], grafts: list[Written], nodes: list[Written]
) -> list[Diagnostic]:
    found = [*_roots(roots, grafts), *_duplicates(nodes)]
    names = {name_key(n.doc.name): n for n in nodes}
    found += [*_grafts(grafts, names), *_renames(nodes, names), *_members(nodes)]
    found += [*_root_keys(roots), *_cap(nodes), *_characters(nodes, roots)]
    return found


def _roots(roots: list[Written], grafts: list[Written]) -> Iterator[Diagnostic]:
    if not roots and grafts:
        yield grafts[0].where.error(
            "no file declares the root territory",
            "one file's `territories:` must start at the org's root territory (no `parent`)",
        )
    for extra in roots[1:]:
        yield extra.where.error(
            f"a second root territory `{extra.doc.name}`",
            f"the root is already declared at {roots[0].where}; give this subtree a "
            "`parent:` to hang it under a territory",
        )


def _duplicates(nodes: list[Written]) -> Iterator[Diagnostic]:
    first: dict[str, Written] = {}
    for node in nodes:  # in the order written: files in turn, each top to bottom
        key = name_key(node.doc.name)
        if key in first:
            yield node.where.error(
                f"territory `{node.doc.name}` is declared twice (names are compared ignoring case)",
                f"first declared at {first[key].where}",
            )
        else:
            first[key] = node


def _grafts(grafts: list[Written], names: dict[str, Written]) -> Iterator[Diagnostic]:
    for graft in grafts:
        assert graft.parent is not None
        where = graft.source.place((*graft.path, "parent"))
        parent = names.get(name_key(graft.parent))
        if parent is None:
            close = difflib.get_close_matches(graft.parent, [n.doc.name for n in names.values()])
            hint = f"did you mean `{close[0]}`?" if close else "declare it, or fix the name"
            yield where.error(f"`parent: {graft.parent}` names no declared territory", hint)
        elif _inside(parent, graft, names):
            yield where.error(
                f"`parent: {graft.parent}` is inside this subtree, which would make a cycle"
            )


def _inside(node: Written, top: Written, names: dict[str, Written]) -> bool:
    seen = set()
    current: Written | None = node
    while current is not None and id(current) not in seen:
        if current is top:
            return True
        seen.add(id(current))
        current = names.get(name_key(current.parent)) if current.parent else None
    return current is not None


def _renames(nodes: list[Written], names: dict[str, Written]) -> Iterator[Diagnostic]:
    claimed: dict[str, Written] = {}
    for node in nodes:
        for index, old in enumerate(node.doc.previously):
            where = node.source.place((*node.path, "previously", index))
            key = name_key(old)
            if key in names:
                yield where.error(
                    f"`previously: {old}` is the name of a territory declared at "
                    f"{names[key].where}",
                    "a former name must not be in use; remove it from `previously`",
                )
            elif key in claimed and claimed[key] is not node:
                yield where.error(
                    f"`{old}` is claimed as a former name twice",
                    f"also listed by `{claimed[key].doc.name}` at {claimed[key].where}",
                )
            claimed.setdefault(key, node)


def _members(nodes: list[Written]) -> Iterator[Diagnostic]:
    for node in nodes:
        seen: dict[str, int] = {}
        for index, email in enumerate(node.doc.users or ()):
            key = email.casefold()
            if key in seen:
                where = node.source.place((*node.path, "users", index))
                first = node.source.place((*node.path, "users", seen[key]))
                yield where.error(
                    f"`{email}` is listed twice in `{node.doc.name}`",
                    f"first listed at {first}",
                )
            seen.setdefault(key, index)


def _root_keys(roots: list[Written]) -> Iterator[Diagnostic]:
    for root in roots[:1]:
        for key in sorted(root.doc.model_fields_set - ROOT_KEYS):
            yield root.source.key_place((*root.path, key)).error(
                f"the root territory takes no `{key}`",
                "Zoho lets only the root's name change; set it on a child territory",
            )


def _characters(nodes: list[Written], roots: list[Written]) -> Iterator[Diagnostic]:
    # Zoho refuses "Special Characters in Territory Name" (OAS2). The root is exempt: it
    # carries the org's own name, which Zoho set.
    for node in nodes:
        if node in roots:
            continue
        bad = sorted({ch for ch in node.doc.name if ch in NAME_FORBIDDEN})
        if bad:
            shown = " ".join(f"`{ch}`" for ch in bad)
            yield node.where.error(
                f"territory name `{node.doc.name}` has characters Zoho refuses: {shown}",
                "write `and` for `&`, and leave out the others",
            )


def _cap(nodes: list[Written]) -> Iterator[Diagnostic]:
    if len(nodes) > MAX_TERRITORIES:
        extra = nodes[MAX_TERRITORIES]
        yield extra.where.error(
            f"{len(nodes)} territories are declared; Zoho allows at most {MAX_TERRITORIES} per org",
            "this is the first one past the cap",
        )
