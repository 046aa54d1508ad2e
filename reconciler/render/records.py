"""Record impact as words: the text lines of a plan's "Records" section and the Markdown
tables of a pull-request comment (a table per module, the 20 territories with the most
records moving, the rest summed)."""

from __future__ import annotations

from collections.abc import Callable

from reconciler.counts import plural
from reconciler.plan.impact import TOP_TERRITORIES, Flow, ModuleImpact, RecordImpact
from reconciler.plan.restore import RecordsBack

CAP_NOTE = "over the territory cap (Zoho keeps the first in tree order)"


def module_line(m: ModuleImpact) -> str:
    parts = [
        f"{plural(m.read, 'record')} read",
        f"{m.move:,} move",
        f"{m.gain:,} gain a territory",
        f"{m.lose:,} lose one",
    ]
    if m.over_cap:
        parts.append(f"{plural(len(m.over_cap), 'record')} {CAP_NOTE}")
    if m.manual_kept:
        parts.append(f"{plural(m.manual_kept, 'manual assignment')} the rules leave alone")
    realign = f" (apply realigns: {m.realign.value})" if m.realign else ""
    return f"{m.module}: " + "; ".join(parts) + realign


def top(flows: tuple[Flow, ...]) -> tuple[list[Flow], Flow | None]:
    """The territories with the most records moving, and the rest summed (None if none)."""
    shown, rest = list(flows[:TOP_TERRITORIES]), flows[TOP_TERRITORIES:]
    if not rest:
        return shown, None
    others = f"{plural(len(rest), 'other territory', 'other territories')}"
    summed = Flow(
        territory=others, gained=sum(f.gained for f in rest), lost=sum(f.lost for f in rest)
    )
    return shown, summed


def text_lines(impact: RecordImpact) -> list[str]:
    """The "Records" section of the text plan."""
    if not impact.modules:
        return ["  no territory rule changes: no records read"]
    lines: list[str] = []
    for m in impact.modules:
        lines.append(f"  {module_line(m)}")
        shown, rest = top(m.territories)
        for flow in [*shown, *([rest] if rest else [])]:
            lines.append(f"    {flow.territory}: +{flow.gained:,} -{flow.lost:,}")
    for user in impact.users:
        lines.append(
            f"  {user.user} gains access to {plural(user.gains, 'record')}, "
            f"loses {plural(user.loses, 'record')}"
        )
    return lines


def markdown(impact: RecordImpact, esc: Callable[[str], str]) -> str:
    """The Markdown tables; `esc` is the comment's escaping function."""
    out = ["### Records", ""]
    for m in impact.modules:
        out += [f"**{esc(module_line(m))}**", ""]
        shown, rest = top(m.territories)
        if shown:
            out += ["| Territory | Records in | Records out |", "| --- | ---: | ---: |"]
            rows = [*shown, *([rest] if rest else [])]
            out += [f"| {esc(f.territory)} | {f.gained:,} | {f.lost:,} |" for f in rows]
            out.append("")
    if impact.users:
        users = sorted(impact.users, key=lambda u: (-(u.gains + u.loses), u.user))
        first, later = users[:TOP_TERRITORIES], users[TOP_TERRITORIES:]
        out += ["| User | Gains access to | Loses access to |", "| --- | ---: | ---: |"]
        out += [f"| {esc(u.user)} | {u.gains:,} | {u.loses:,} |" for u in first]
        if later:
            others = plural(len(later), "other user")
            gains, loses = sum(u.gains for u in later), sum(u.loses for u in later)
            out.append(f"| {others} | {gains:,} | {loses:,} |")
        out.append("")
    return "\n".join(out) + "\n"


def restore_lines(restore: RecordsBack) -> list[str]:
    """A rollback's "Records given back" section: per module, what is taken away before the
    configuration steps, what is given back after them, and whether the rules run again."""
    lines = []
    for m in restore.modules:
        taking = sum(len(r.remove) for r in m.records)
        giving = sum(len(r.assign) for r in m.records)
        parts = [
            f"{plural(taking, 'assignment')} by hand taken away first",
            f"{plural(giving, 'assignment')} by hand given back",
        ]
        if m.run_rules:
            parts.append("Zoho's Run Rules re-run")
        lines.append(f"  {m.module}: {plural(len(m.records), 'record')}; " + "; ".join(parts))
    return lines
