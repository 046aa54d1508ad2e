"""progress: a bar per level on a terminal (counts and elapsed time), one plain line per
level otherwise, printed when the level's last step ends."""

from __future__ import annotations

import io
import re

from reconciler.apply.report import StepReport, StepStatus
from reconciler.plan.build import Plan, Summary
from reconciler.plan.diff import Changes
from reconciler.plan.steps import Action, SetDefaults
from reconciler.render.progress import BarProgress, PlainProgress

STEPS = tuple(
    SetDefaults(id=i, level=level, action=Action.set_defaults, items=())
    for i, level in ((1, 1), (2, 1), (3, 2))
)
PLAN = Plan(summary=Summary(), changes=Changes(), steps=STEPS)
ENDS: tuple[StepStatus, ...] = ("done", "failed", "skipped")


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def report(step: SetDefaults, status: StepStatus) -> StepReport:
    return StepReport(step=step.id, level=step.level, action=step.action.value, status=status)


def test_a_plain_line_per_level_when_its_last_step_ends() -> None:
    out = io.StringIO()
    progress = PlainProgress(PLAN, out)
    progress.started(STEPS[0])
    progress.finished(STEPS[0], report(STEPS[0], "done"))
    assert out.getvalue() == ""  # level 1 has a step still running
    progress.finished(STEPS[1], report(STEPS[1], "failed"))
    progress.finished(STEPS[2], report(STEPS[2], "skipped"))
    lines = [re.sub(r"\(\d+\.\ds\)", "(T)", line) for line in out.getvalue().splitlines()]
    assert lines == [
        "level 1/2: 2 calls, 1 failed, 0 skipped (T)",
        "level 2/2: 1 call, 0 failed, 1 skipped (T)",
    ]


def test_a_bar_per_level_on_a_terminal() -> None:
    out = Terminal()
    progress = BarProgress(PLAN, out)
    for step, status in zip(STEPS, ENDS, strict=True):
        progress.started(step)
        progress.finished(step, report(step, status))
    final = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", out.getvalue()).split("\r")[-1]
    bars = [line.split() for line in final.splitlines() if line.startswith("level")]
    assert [(b[1], b[3], b[4]) for b in bars] == [("1", "2/2", "0:00:00"), ("2", "1/1", "0:00:00")]
