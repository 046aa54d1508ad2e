"""The affected part of the territory tree as a Mermaid flowchart, which GitHub draws in
a pull-request comment: one node per changed territory and its ancestors, styled by the kind
of change, with a dashed edge from where a moved territory used to hang."""

from __future__ import annotations

from reconciler.plan.build import Plan
from reconciler.plan.diff import TerritoryChange
from reconciler.render.words import Node, TreeIndex, walk

DIAGRAM_NODES = 100  # beyond this a diagram is too big to read (and slow to draw)
CLASSES = {
    "added": "fill:#dafbe1,stroke:#1a7f37,color:#0f5323",
    "removed": "fill:#ffebe9,stroke:#cf222e,color:#82071e,stroke-dasharray:5 3",
    "moved": "fill:#ddf4ff,stroke:#0969da,color:#0a3069",
    "renamed": "fill:#fbefff,stroke:#8250df,color:#512a97",
    "updated": "fill:#fff8c5,stroke:#9a6700,color:#4d2d00",
    "context": "fill:#f6f8fa,stroke:#d0d7de,color:#57606a",
}
LEGEND = (
    "Green: new · Yellow: changed · Purple: renamed · Blue: moved (dashed line from the old "
    "parent) · Red: deleted · Grey: unchanged, shown for context"
)
DRIFT_LEGEND = " · *drift*: the org differs from the base revision; this plan puts it back"
# Characters GitHub's Mermaid misreads inside a quoted label, as Mermaid entity codes.
_MERMAID = str.maketrans(
    {c: f"#{ord(c)};" for c in '#"&()[]{}<>|`;'} | {"\n": " ", "\r": " ", "\t": " "}
)


def diagram(plan: Plan, max_nodes: int) -> str:
    """A Mermaid flowchart of the changed territories and their ancestors, at most
    `max_nodes` of them (taken parents first, so what is shown stays connected)."""
    index = TreeIndex(plan)
    old_parents = [index.live_key(c.moved_from) for c in index.changes.values() if c.moved_from]
    everything = list(walk(index.affected(k for k in old_parents if k is not None)))
    shown = everything[:max_nodes]
    if not shown:
        return ""
    ids = {node.key: f"n{i}" for i, node in enumerate(shown, start=1)}  # safe identifiers
    lines = ["### Territory tree", "", "```mermaid", "flowchart TD"]
    lines += [f'  {ids[n.key]}["{_label(n)}"]:::{n.kind}' for n in shown]
    lines += [f"  {ids[n.key]} --> {ids[c.key]}" for n in shown for c in n.children if c.key in ids]
    lines += _moves(index, ids)
    lines += [f"  classDef {name} {style}" for name, style in CLASSES.items()]
    drift = any(c.origin == "drift" for c in index.changes.values())
    lines += ["```", "", LEGEND + (DRIFT_LEGEND if drift else "")]
    if len(shown) < len(everything):
        lines += ["", f"The diagram shows {len(shown):,} of {len(everything):,} territories."]
    return "\n".join(lines) + "\n\n"


def _label(node: Node) -> str:
    parts = [node.name, *(_label_notes(node.change) if node.change else [])]
    # Escape the text, then join with the one piece of markup a label may carry.
    return "<br/>".join(mermaid_escape(p) for p in parts)


def _label_notes(change: TerritoryChange) -> list[str]:
    """Short enough for a box; the details section has the full words."""
    drift = ["drift"] if change.origin == "drift" else []
    if change.action != "update":
        return ["new" if change.action == "create" else "deleted", *drift]
    notes = [f"renamed from {change.renamed_from}"] if change.renamed_from else []
    notes += [f"moved from {change.moved_from}"] if change.moved_from else []
    if change.fields:
        notes.append(", ".join(f.field for f in change.fields) + " changed")
    return notes + drift


def _moves(index: TreeIndex, ids: dict[str, str]) -> list[str]:
    """A dashed edge from where a moved territory used to hang."""
    edges = []
    for key, change in sorted(index.changes.items()):
        old = index.live_key(change.moved_from)
        if old in ids and key in ids:
            edges.append(f"  {ids[old]} -.-> {ids[key]}")
    return edges


def mermaid_escape(text: str) -> str:
    return text.translate(_MERMAID)
