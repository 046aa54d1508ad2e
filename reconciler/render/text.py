"""A plan as text for a terminal or a log.

Lines are never wrapped: a long criteria line stays one line to grep or copy. Colour is a
set of rich styles on the very same lines, so coloured and plain output differ only by
escape codes, and plain output never goes through terminal detection.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TextIO

from rich.console import Console
from rich.text import Text

from reconciler.plan.build import Plan
from reconciler.plan.diff import RuleChange
from reconciler.plan.hints import hints
from reconciler.plan.origin import labelled
from reconciler.render import records
from reconciler.render.access_words import group_line, role_line, user_line
from reconciler.render.words import (
    LEGEND,
    LONG,
    MARKERS,
    NO_CHANGES,
    NONE,
    STYLES,
    FieldText,
    Node,
    TreeIndex,
    field_texts,
    memberships,
    origin_line,
    parts,
    rule_description,
    rule_marker,
    rule_notes,
    summary_line,
    territory_fields,
    territory_notes,
)


def wants_color(stream: TextIO) -> bool:
    """Colour on a terminal, as the conventions say and rich implements them: `NO_COLOR`
    turns it off, `FORCE_COLOR` on (for a CI log that shows ANSI), `TERM=dumb` off."""
    console = Console(file=stream)
    return console.is_terminal and not console.no_color and console.color_system is not None


def plan_text(plan: Plan, out: TextIO, *, color: bool, base: str | None = None) -> None:
    """The plan as a terminal or a CI log shows it: tree, memberships, defaults, rules,
    then the summary line. `color` adds ANSI styles and changes nothing else.

    A plan made with a base shows its changes in two groups, the edit's and the drift
    (`base` names the revision for the drift heading)."""
    records = _record_lines(plan)
    if plan.empty:
        _write([Text(NO_CHANGES), *records], out, color)
        return
    lines = []
    for part in parts(plan, base):
        if part.heading is not None:
            lines += [Text(part.heading, style="bold underline"), Text(f"  {part.note}")]
            lines.append(Text())
        lines += _body(part.plan) or [Text(f"  {NONE}"), Text()]
    lines += records
    lines.append(Text(summary_line(plan.summary), style="bold"))
    if labelled(plan.changes):
        lines.append(Text(origin_line(plan.summary)))
    lines += [Text(f"Warning: this plan {reason}", style="bold red") for reason in plan.unsafe]
    lines += [Text(f"Hint: {hint}", style="yellow") for hint in hints(plan.changes)]
    _write(lines, out, color)


def _record_lines(plan: Plan) -> list[Text]:
    lines = []
    if plan.records is not None:
        body = [Text(line) for line in records.text_lines(plan.records)]
        lines += [*_section("Records", body, legend="where the rules put them"), Text()]
    if plan.restore is not None:
        back = [Text(line) for line in records.restore_lines(plan.restore)]
        lines += [*_section("Records given back", back, legend="as the snapshot has them"), Text()]
    return lines


def _body(plan: Plan) -> list[Text]:
    sections = [
        _section("Territories", _territory_lines(plan), legend=LEGEND),
        _section("Memberships", _member_lines(plan)),
        _section("Data sharing defaults", _default_lines(plan)),
        _section("Sharing rules", _rule_lines(plan)),
        _section("Roles", _noted([role_line(c) for c in plan.changes.roles])),
        _section("User groups", _noted([group_line(c) for c in plan.changes.groups])),
        _section("Users", [Text(f"  {user_line(c)}") for c in plan.changes.users]),
    ]
    return [line for section in sections if section for line in [*section, Text()]]


def _noted(entries: list[tuple[str, list[str]]]) -> list[Text]:
    lines = []
    for head, notes in entries:
        lines.append(Text(f"  {head}"))
        lines += [Text(f"      {note}", style="dim") for note in notes]
    return lines


def _write(lines: list[Text], out: TextIO, color: bool) -> None:
    if not color:
        out.write("".join(f"{line.plain}\n" for line in lines))
        return
    # Everything rich would otherwise guess from the environment is fixed here, so the
    # same plan gives the same bytes on any terminal; soft_wrap keeps long lines whole.
    console = Console(
        file=out,
        force_terminal=True,
        no_color=False,  # the caller decides (and honours NO_COLOR); rich must not undo it
        color_system="standard",
        width=200,
        highlight=False,
        markup=False,
        emoji=False,
        soft_wrap=True,
        legacy_windows=False,
    )
    console.print(Text("\n").join(lines))  # one call: far quicker than a call per line


def _section(title: str, body: list[Text], legend: str = "") -> list[Text]:
    if not body:
        return []
    heading = Text.assemble((title, "bold"), (f"  ({legend})" if legend else "", "dim"))
    return [heading, *body]


def _territory_lines(plan: Plan) -> list[Text]:
    return list(_draw(TreeIndex(plan).affected(), "  ", top=True))


def _draw(nodes: tuple[Node, ...], prefix: str, *, top: bool) -> Iterator[Text]:
    """Box-drawing guides like `tree`; a node's field lines sit under its name."""
    for i, node in enumerate(nodes):
        last = i == len(nodes) - 1
        branch = "" if top else ("└── " if last else "├── ")
        inner = prefix if top else prefix + ("    " if last else "│   ")
        yield Text(prefix + branch) + _node_label(node)
        guide = inner + ("│   " if node.children else "    ")
        for line in _field_lines(territory_fields(node.change) if node.change else []):
            yield Text(guide + line)
        yield from _draw(node.children, inner, top=False)


def _node_label(node: Node) -> Text:
    notes = territory_notes(node.change) if node.change else []
    return Text.assemble(
        (f"{MARKERS.get(node.kind, ' ')} {node.name}", STYLES[node.kind]),
        f"  ({'; '.join(notes)})" if notes else "",
    )


def _field_lines(fields: list[FieldText]) -> Iterator[str]:
    for name, before, after in fields:
        if before is None:
            yield f"{name}: {after}"
        elif len(one := f"{name}: {before} → {after}") <= LONG:
            yield one
        else:
            yield from (f"{name}:", f"  was: {before}", f"  now: {after}")


def _member_lines(plan: Plan) -> list[Text]:
    lines = []
    for m in memberships(plan):
        lines.append(Text(f"  {m.territory}" + (f"  ({m.note})" if m.note else "")))
        lines += [Text.assemble("    ", (f"+ {email}", "green")) for email in m.added]
        lines += [Text.assemble("    ", (f"- {email}", "red")) for email in m.removed]
    return lines


def _default_lines(plan: Plan) -> list[Text]:
    return [
        Text(f"  ~ {d.module}: {d.before.value if d.before else '(not set)'} → {d.after.value}")
        for d in plan.changes.defaults
    ]


def _rule_lines(plan: Plan) -> list[Text]:
    lines: list[Text] = []
    module = None
    for change in plan.changes.rules:  # sorted by module by the diff
        if change.module != module:
            module = change.module
            lines.append(Text(f"  {module}"))
        lines += _rule_entry(change)
    return lines


def _rule_entry(change: RuleChange) -> list[Text]:
    marker = rule_marker(change)
    style = {"+": "green", "-": "red"}.get(marker, "yellow")
    notes = rule_notes(change)
    head = Text.assemble(
        "    ", (f"{marker} {change.name}", style), f"  ({'; '.join(notes)})" if notes else ""
    )
    description = rule_description(change)
    details = [description] if description else list(_field_lines(field_texts(change.fields)))
    return [head, *(Text(f"        {line}") for line in details)]
