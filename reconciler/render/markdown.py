"""A plan as a pull-request comment: the summary first, a Mermaid diagram of the affected
part of the territory tree, then the details collapsed, never longer than `limit`.

GitHub refuses comments over 65,536 characters, so when the whole plan does not fit the
details give way first (each section gets a fair share, so one huge section cannot crowd
out the small ones), then the diagram shrinks; the summary always stays, with a note
saying how much is shown. The wording is `render_words`', the diagram `render_mermaid`'s.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace

from reconciler.counts import plural
from reconciler.plan.build import Plan, Summary
from reconciler.plan.diff import TerritoryChange
from reconciler.plan.hints import hints
from reconciler.plan.origin import labelled
from reconciler.plan.steps import (
    Action,
    CreateGroups,
    CreateTerritories,
    DeleteTerritories,
    GroupRemoval,
    GroupWrite,
    RoleRemoval,
    RoleWrite,
    RuleFlag,
    RuleWrite,
    SetDefaults,
    Step,
    TerritoryUsers,
    UpdateTerritories,
    UpdateUsers,
    UserTerritories,
)
from reconciler.render import records
from reconciler.render.access_words import group_line, role_line, user_line
from reconciler.render.mermaid import DIAGRAM_NODES, diagram
from reconciler.render.words import (
    MARKERS,
    NO_CHANGES,
    NONE,
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
    walk,
)

LIMIT = 65536  # GitHub's limit on a comment's body
MIN_LIMIT = 4096  # room for the summary, a small diagram and the note
NOTE_ROOM = 300  # reserved for the truncation note while the details are fitted
NAMES_SHOWN = 5  # territories named in one API call's line
EMAILS_PER_LINE = 10
_MARKDOWN = re.compile(r"([\\`*_\[\]<>|~&#$])")  # `$`: GitHub reads $...$ as maths
# GitHub links `@name` (a user or team, notified) and `#12` (an issue) in the rendered text,
# after Markdown: a backslash cannot stop that, a word joiner after the sign does.
_REFERENCE = re.compile(r"(?<!\w)([@#])(?=\w)")
WORD_JOINER = "\u2060"


def plan_markdown(
    plan: Plan,
    *,
    target: str | None = None,
    limit: int = LIMIT,
    base: str | None = None,
    notes: str = "",
) -> str:
    """The comment's text; at most `limit` characters whatever the plan's size. A plan made
    with a base shows its details in two groups, the edit's and the drift from `base`.
    `notes` (Markdown: a partial plan, policy findings) go right under the heading."""
    if limit < MIN_LIMIT:
        raise ValueError(f"a Markdown plan needs at least {MIN_LIMIT} characters, not {limit}")
    head = _head(target) + notes
    tables = records.markdown(plan.records, escape) if plan.records is not None else ""
    if plan.empty:
        return head + NO_CHANGES + "\n" + ("\n" + tables if tables else "")
    head += _summary(plan) + tables
    sections = detail_sections(plan, base)
    full = head + diagram(plan, DIAGRAM_NODES) + "".join(s.render(len(s.items)) for s in sections)
    if len(full) <= limit:
        return full
    return _truncated(plan, head, sections, limit)


def _truncated(plan: Plan, head: str, sections: list[Section], limit: int) -> str:
    nodes = DIAGRAM_NODES
    picture = diagram(plan, nodes)
    while nodes and len(head) + len(picture) + NOTE_ROOM > limit // 2:
        nodes //= 2  # the details deserve at least half of the room
        picture = diagram(plan, nodes)
    details, shown = fit(sections, limit - len(head) - len(picture) - NOTE_ROOM)
    total = sum(i.weight for s in sections for i in s.items)
    note = (
        f"> …truncated: showing {shown:,} of {total:,} changes; "
        "run `reconciler plan` locally for the full list.\n\n"
    )
    return head + note + picture + details


# -- summary --------------------------------------------------------------------------------


def _head(target: str | None) -> str:
    text = "## Reconciler plan\n\n"
    return text + (f"Target: {escape(target[:200])}\n\n" if target else "")


def _summary(plan: Plan) -> str:
    lines = [f"**{escape(summary_line(plan.summary))}**", ""]
    lines += [origin_line(plan.summary), ""] if labelled(plan.changes) else []
    lines += [f"> **Warning:** this plan {escape(reason)}" for reason in plan.unsafe]
    lines += [f"> **Hint:** {escape(hint)}" for hint in hints(plan.changes)]
    lines += [""] if plan.unsafe or hints(plan.changes) else []
    rows = [(label, value) for label, value in _counts(plan.summary) if value]
    lines += ["| Change | Count |", "| --- | ---: |"]
    lines += [f"| {label} | {value:,} |" for label, value in rows]
    return "\n".join(lines) + "\n\n"


def _counts(s: Summary) -> list[tuple[str, int]]:
    return [
        ("Territories to create", s.create),
        ("Territories to update", s.update),
        ("Territories to rename", s.rename),
        ("Territories to move", s.move),
        ("Territories to delete", s.delete),
        ("Users gaining access", s.users_gaining),
        ("Users losing access", s.users_losing),
        ("Memberships to add", s.members_added),
        ("Memberships to remove", s.members_removed + s.members_dropped),
        ("Data sharing defaults to change", s.defaults),
        ("Sharing rules to create", s.rules_created),
        ("Sharing rules to update", s.rules_updated),
        ("Sharing rules to delete", s.rules_deleted),
        ("Sharing rules to activate", s.rules_activated),
        ("Sharing rules to deactivate", s.rules_deactivated),
        ("From this change", s.from_change),
        ("Drift", s.drift),
        ("API calls", s.api_calls),
        ("Credits", s.credits),
    ]


# -- details --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Item:
    text: str
    weight: int  # the changes it shows; 0 for an API call


@dataclass(frozen=True)
class Section:
    """One collapsed block: a list (or table) that can be cut after any item. `heading` goes
    before it (a group's title); a section without a `title` is only its heading."""

    title: str
    items: tuple[Item, ...]
    intro: str = ""
    more: str = "- …and {:,} more changes not shown"
    heading: str = ""

    def render(self, count: int) -> str:
        if not self.title:
            return self.heading
        shown = [i.text for i in self.items[:count]]
        hidden = self.items[count:]
        if hidden:  # changes where items carry them, else the items (API calls)
            shown.append(self.more.format(sum(i.weight for i in hidden) or len(hidden)))
        body = "\n".join(shown)
        return (
            f"{self.heading}<details>\n<summary>{self.title}</summary>\n\n"
            f"{self.intro}{body}\n\n</details>\n\n"
        )


def fit(sections: list[Section], budget: int) -> tuple[str, int]:
    """The sections cut to `budget` characters in all, and the weight of what is shown.

    Smallest first, each takes what it needs up to an equal share of what is left, so the
    room a short section does not use goes to the long ones."""
    order = sorted(
        range(len(sections)), key=lambda i: len(sections[i].render(len(sections[i].items)))
    )
    rendered = [""] * len(sections)
    shown = 0
    for place, i in enumerate(order):
        share = budget // (len(order) - place)
        count = _fitting(sections[i], share)
        if count is not None:
            rendered[i] = sections[i].render(count)
            shown += sum(item.weight for item in sections[i].items[:count])
        budget -= len(rendered[i])
    return "".join(rendered), shown


def _fitting(section: Section, room: int) -> int | None:
    """How many leading items fit in `room` (None: not even the empty section)."""
    if len(section.render(0)) > room:
        return None
    low, high = 0, len(section.items)
    while low < high:  # the rendering grows with the count: bisect
        middle = (low + high + 1) // 2
        low, high = (middle, high) if len(section.render(middle)) <= room else (low, middle - 1)
    return low


def detail_sections(plan: Plan, base: str | None = None) -> list[Section]:
    found = []
    for part in parts(plan, base):
        sections = _change_sections(part.plan)
        if part.heading is not None:
            heading = f"### {escape(part.heading)}\n\n{escape(part.note or '')}\n\n"
            if sections:
                sections[0] = replace(sections[0], heading=heading)
            else:
                sections = [Section("", (), heading=f"{heading}{NONE}\n\n")]
        found += sections
    calls = _call_section(plan)
    return [*found, calls] if calls.items else found


def _change_sections(plan: Plan) -> list[Section]:
    found = [
        _section("Territories", _territory_items(plan)),
        _section("Memberships", _member_items(plan)),
        _section("Data sharing defaults", _default_items(plan)),
        _section("Sharing rules", _rule_items(plan)),
        _section("Roles", _noted([role_line(c) for c in plan.changes.roles])),
        _section("User groups", _noted([group_line(c) for c in plan.changes.groups])),
        _section("Users", [Item(f"- {escape(user_line(c))}", 1) for c in plan.changes.users]),
    ]
    return [s for s in found if s.items]


def _noted(entries: list[tuple[str, list[str]]]) -> list[Item]:
    """A role or group change and its notes, as one item."""
    return [
        Item("\n".join([f"- {escape(head)}", *(f"  - {escape(n)}" for n in notes)]), 1)
        for head, notes in entries
    ]


def _section(title: str, items: list[Item]) -> Section:
    count = sum(i.weight for i in items)
    return Section(f"{title} ({plural(count, 'change', 'changes')})", tuple(items))


def _territory_items(plan: Plan) -> list[Item]:
    changed = [node for node in walk(TreeIndex(plan).affected()) if node.change is not None]
    return [_territory_item(node) for node in changed]


def _territory_item(node: Node) -> Item:
    assert node.change is not None
    head = f"- {code(MARKERS[node.kind])} **{escape(node.name)}**"
    notes = territory_notes(node.change)
    if node.change.action == "create" and node.change.parent:
        notes[0] = f"new, under {node.change.parent}"
    head += f" — {escape('; '.join(notes))}" if notes else ""
    lines = [head, *_field_items(territory_fields(node.change))]
    return Item("\n".join(lines), _weight(node.change))


def _weight(change: TerritoryChange) -> int:
    """As the summary counts it: a renamed, moved and edited territory is three changes."""
    if change.action != "update":
        return 1
    return bool(change.fields) + (change.renamed_from is not None) + (change.moved_from is not None)


def _field_items(fields: Iterable[FieldText]) -> list[str]:
    lines = []
    for name, before, after in fields:
        change = code(after) if before is None else f"{code(before)} → {code(after)}"
        lines.append(f"  - {name}: {change}")  # our own field names: nothing to escape
    return lines


def _member_items(plan: Plan) -> list[Item]:
    """A line per territory, then the emails a few per line: a territory's 100 members
    can be cut short instead of dropped whole."""
    items = []
    for m in memberships(plan):
        note = f" ({escape(m.note)})" if m.note else ""
        items.append(Item(f"- **{escape(m.territory)}**{note}", 0))
        for verb, emails in (("adds", m.added), ("removes", m.removed)):
            for start in range(0, len(emails), EMAILS_PER_LINE):
                chunk = emails[start : start + EMAILS_PER_LINE]
                items.append(Item(f"  - {verb} {escape(', '.join(chunk))}", len(chunk)))
    return items


def _default_items(plan: Plan) -> list[Item]:
    return [
        Item(
            f"- **{escape(d.module)}**: "
            f"{code(d.before.value if d.before else '(not set)')} → {code(d.after.value)}",
            1,
        )
        for d in plan.changes.defaults
    ]


def _rule_items(plan: Plan) -> list[Item]:
    items = []
    for change in plan.changes.rules:
        head = f"- {code(rule_marker(change))} **{escape(change.module)}: {escape(change.name)}**"
        notes = rule_notes(change)
        head += f" ({escape('; '.join(notes))})" if notes else ""
        description = rule_description(change)
        head += f" — {escape(description)}" if description else ""
        lines = [head, *_field_items(field_texts(change.fields))]
        items.append(Item("\n".join(lines), 1 + (change.action != "toggle" and bool(notes))))
    return items


def _call_section(plan: Plan) -> Section:
    intro = (
        "Calls in the same level run side by side; each level starts when the one before "
        "it has finished.\n\n| Level | Call |\n| ---: | --- |\n"
    )
    items = tuple(Item(f"| {s.level} | {escape(step_text(s))} |", 0) for s in plan.steps)
    s = plan.summary
    title = f"API calls ({s.api_calls:,} in {plural(s.levels, 'level', 'levels')})"
    return Section(title, items, intro=intro, more="| … | …and {:,} more calls not shown |")


def step_text(step: Step) -> str:
    """One API call in words, naming what it touches (never by id)."""
    if isinstance(step, CreateTerritories):
        return _territories("create", [i.name for i in step.items])
    if isinstance(step, UpdateTerritories):
        # Named as Zoho knows them when the call is made: a rename shows both names.
        names = [
            f"{i.territory.name} → {i.name}" if i.name else i.territory.name for i in step.items
        ]
        return _territories("update", names)
    if isinstance(step, DeleteTerritories):
        moves = [f"{i.territory.name} (to {i.transfer_to.name})" for i in step.items]
        return _territories("delete", moves)
    if isinstance(step, TerritoryUsers):
        users = plural(len(step.users), "user", "users")
        if step.action is Action.add_users_to_territory:
            return f"add {users} to {step.territory.name}"
        return f"remove {users} from {step.territory.name}"
    if isinstance(step, UserTerritories):
        listed = _names([t.name for t in step.territories])
        if step.action is Action.add_territories_to_user:
            return f"add {step.user.name} to {listed}"
        return f"remove {step.user.name} from {listed}"
    if isinstance(step, SetDefaults):
        return "set data sharing defaults: " + _names([i.module.name for i in step.items])
    if isinstance(step, RuleWrite | RuleFlag):
        verb = step.action.value.split("_")[0]  # create, update, delete, activate, deactivate
        return f"{verb} sharing rule {step.module}: {step.rule.name}"
    return access_step_text(step)


def access_step_text(step: Step) -> str:
    """A role, group or user call in words."""
    if isinstance(step, RoleWrite):
        verb = "create" if step.action is Action.create_role else "update"
        renamed = f" → {step.fields.name}" if verb == "update" and step.fields.name else ""
        return f"{verb} role {step.role.name}{renamed}"
    if isinstance(step, RoleRemoval):
        return f"delete role {step.role.name} (users to {step.transfer_to.name})"
    if isinstance(step, CreateGroups):
        groups = plural(len(step.items), "group", "groups")
        return f"create {groups}: " + _names([i.name for i in step.items])
    if isinstance(step, GroupWrite):
        return f"update group {step.group.name}"
    if isinstance(step, GroupRemoval):
        return f"delete group {step.group.name}"
    assert isinstance(step, UpdateUsers)
    return "update users' roles: " + _names([i.user.name for i in step.items])


def _territories(verb: str, names: list[str]) -> str:
    return f"{verb} {plural(len(names), 'territory', 'territories')}: {_names(names)}"


def _names(names: list[str]) -> str:
    if len(names) <= NAMES_SHOWN:
        return ", ".join(names)
    return f"{', '.join(names[:NAMES_SHOWN])} and {len(names) - NAMES_SHOWN:,} more"


def escape(text: str) -> str:
    """Plain text that GitHub shows as typed (names may hold `*`, `_`, `|`, `<`, `$`...),
    mentioning nobody and linking no issue."""
    return _MARKDOWN.sub(r"\\\1", _REFERENCE.sub(rf"\1{WORD_JOINER}", text))


def code(text: str) -> str:
    """An inline code span that survives backticks in the text."""
    fence = "`" * (max((len(run) for run in re.findall("`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"
