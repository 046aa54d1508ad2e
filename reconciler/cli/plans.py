"""A plan shown as `plan` and `show` print it: text (coloured on a terminal), the JSON plan
file, or Markdown for a pull-request comment, with what the reviewer must also see (a
partial plan, policy findings; beside a JSON plan, on stderr)."""

from __future__ import annotations

import sys

from reconciler.plan.file import SavedPlan, write
from reconciler.render.markdown import plan_markdown
from reconciler.render.safety import safety_lines, safety_markdown
from reconciler.render.text import plan_text, wants_color


def show_plan(saved: SavedPlan, fmt: str) -> None:
    base = saved.base.describe() if saved.base is not None else None
    notes = safety_lines(saved)
    if fmt == "json":
        write(saved, sys.stdout)
        sys.stderr.write("".join(f"{line}\n" for line in notes))
    elif fmt == "markdown":
        target = saved.target.describe()
        sys.stdout.write(
            plan_markdown(saved.plan, target=target, base=base, notes=safety_markdown(saved))
        )
    else:
        plan_text(saved.plan, sys.stdout, color=wants_color(sys.stdout), base=base)
        sys.stdout.write("".join(f"{line}\n" for line in notes))
