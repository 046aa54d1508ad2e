"""What a reviewer must see beside a plan: that it is partial and what it leaves out
(`--target`/`--exclude`), and what the policies found. Text for the terminal and CI logs,
Markdown for the pull-request comment."""

from __future__ import annotations

from reconciler.plan.file import SavedPlan
from reconciler.render.markdown import code, escape

LEFT_OUT_SHOWN = 20


def safety_lines(saved: SavedPlan) -> list[str]:
    """Plain lines: the partial-plan note, then each finding at its file:line:col."""
    lines = []
    if saved.partial is not None:
        lines.append(f"Partial plan: {saved.partial.describe()}.")
        lines += [f"  left out: {what}" for what in saved.partial.left_out[:LEFT_OUT_SHOWN]]
        more = len(saved.partial.left_out) - LEFT_OUT_SHOWN
        lines += [f"  ...and {more} more"] if more > 0 else []
    lines += [str(finding) for finding in saved.findings]
    return lines


def safety_markdown(saved: SavedPlan) -> str:
    """A block for the top of the comment; empty when there is nothing to say."""
    lines = []
    if saved.partial is not None:
        lines.append(f"> **Partial plan:** {saved.partial.describe(quote=code)}.")
        shown = saved.partial.left_out[:LEFT_OUT_SHOWN]
        lines += [f"> - left out: {escape(what)}" for what in shown]
        more = len(saved.partial.left_out) - len(shown)
        lines += [f"> - …and {more} more"] if more > 0 else []
        lines.append("")
    for finding in saved.findings:
        mark = "**Denied**" if finding.enforce == "deny" else "**Warning**"
        where = f"{finding.file}:{finding.line}:{finding.column}"
        lines.append(
            f"> {mark} by policy {escape(finding.policy)}: {escape(finding.message)} "
            f"({escape(where)})"
        )
    return "\n".join(lines) + "\n\n" if lines else ""
