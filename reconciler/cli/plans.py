"""A plan shown as `plan` and `show` print it: text (coloured on a terminal), the JSON plan
file, or Markdown for a pull-request comment."""

from __future__ import annotations

import sys

from reconciler.plan.file import SavedPlan, dumps
from reconciler.render.markdown import plan_markdown
from reconciler.render.text import plan_text, wants_color


def show_plan(saved: SavedPlan, fmt: str) -> None:
    base = saved.base.describe() if saved.base is not None else None
    if fmt == "json":
        sys.stdout.write(dumps(saved))
    elif fmt == "markdown":
        sys.stdout.write(plan_markdown(saved.plan, target=saved.target.describe(), base=base))
    else:
        plan_text(saved.plan, sys.stdout, color=wants_color(sys.stdout), base=base)
