"""An environment's overlay territories, merged over the shared configuration's.

An overlay territory that the shared files declare is patched in place: each key the
overlay gives replaces the shared one (`users` as a whole list), the rest stay as shared.
One the shared files do not declare is new in this org only, so the top of a file needs
`parent:` (inside a patched territory, new children hang under it). Nothing can be removed.
Where a patched value was written moves to the overlay, so later errors point there.
(Defaults and sharing rules replace by module and by (module, name): `load` does that.)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from reconciler.config.source import Location, SourceFile, SourceMap, YamlPath
from reconciler.config.tree import Written
from reconciler.errors import Diagnostic
from reconciler.model import RULE_KINDS, name_key

STRUCTURE = frozenset({"name", "children", "parent"})
# Records where each field name of written criteria is (load's `_locate_fields`).
Locate = Callable[[Any, SourceFile, YamlPath, tuple[str, ...], SourceMap], None]


def merge_tree(
    nodes: list[Written],
    grafts: list[Written],
    overlay: list[Written],
    overridden: SourceMap,
    diagnostics: list[Diagnostic],
    locate: Locate,
) -> None:
    """Merge one overlay file's territories (top first) into `nodes`."""
    index = {name_key(node.doc.name): node for node in nodes}
    for position, node in enumerate(overlay):
        shared = index.get(name_key(node.doc.name))
        top = position == 0
        if shared is None:
            if top and node.parent is None:
                diagnostics.append(_unknown(node))
                return
            nodes.append(node)
            if top:
                grafts.append(node)
        elif top and node.doc.parent is not None:
            diagnostics.append(_moved(node, shared.where))
            return
        else:
            _patch(shared, node, overridden, locate)


def _patch(shared: Written, node: Written, overridden: SourceMap, locate: Locate) -> None:
    given = node.doc.model_fields_set - STRUCTURE
    shared.doc = shared.doc.model_copy(update={name: getattr(node.doc, name) for name in given})
    key = name_key(shared.doc.name)
    for name in given:
        overridden[("territory", key, name)] = node.source.place((*node.path, name))
    for position, email in enumerate(node.doc.users or ()):
        where = node.source.place((*node.path, "users", position))
        overridden[("territory", key, "users", email.casefold())] = where
    for kind in given & RULE_KINDS.keys():
        criteria = getattr(node.doc, kind)
        if criteria is not None:
            address = ("territory", key, kind)
            locate(criteria, node.source, (*node.path, kind), address, overridden)


def _unknown(node: Written) -> Diagnostic:
    return node.where.error(
        f"the shared configuration has no territory `{node.doc.name}` to change",
        "to add a territory to this environment's org only, give it `parent:`",
    )


def _moved(node: Written, shared: Location) -> Diagnostic:
    return node.where.error(
        f"`{node.doc.name}` is declared at {shared}; an overlay changes it in place",
        "leave out `parent:` (an overlay cannot move a shared territory)",
    )
