"""progress: completed steps of the total (steps run by dependency, not level by level), a
line per finished step in CI and one bar on a terminal, each saying what the run waits on;
and, after Ctrl-C, what was done, failed and in flight."""

from __future__ import annotations

import io
import re

from reconciler.apply.report import StepReport, StepStatus
from reconciler.plan.build import Plan, Summary
from reconciler.plan.diff import Changes
from reconciler.plan.steps import Action, SetDefaults
from reconciler.render.progress import BarProgress, PlainProgress, interrupted_text

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


def test_a_plain_line_per_step_numbered_by_completion_whatever_its_level() -> None:
    out = io.StringIO()
    waits: list[str] = []
    progress = PlainProgress(PLAN, out, lambda: waits)
    progress.started(STEPS[2])  # a level-2 step may end before a level-1 one
    progress.finished(STEPS[2], report(STEPS[2], "done"))
    waits.append("Accounts")
    progress.finished(STEPS[0], report(STEPS[0], "failed"))
    waits.clear()
    progress.finished(STEPS[1], report(STEPS[1], "skipped"))
    lines = [re.sub(r"\(\d+\.\ds\)", "(T)", line) for line in out.getvalue().splitlines()]
    assert lines == [
        "[1/3] done: set data sharing defaults:  (T)",
        "[2/3] failed: set data sharing defaults:  (T); waiting for Accounts sharing recomputation",
        "[3/3] skipped: set data sharing defaults:  (T)",
    ]


def test_one_bar_of_steps_on_a_terminal_with_the_wait() -> None:
    out = Terminal()
    progress = BarProgress(PLAN, out, lambda: ["Deals"])
    for step, status in zip(STEPS, ENDS, strict=True):
        progress.started(step)
        progress.finished(step, report(step, status))
    final = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", out.getvalue()).split("\r")[-1]
    [bar] = [line.split() for line in final.splitlines() if line.startswith("steps")]
    assert bar[2:4] == ["3/3", "0:00:00"]
    assert " ".join(bar[4:]).startswith("waiting for Deals")  # (cut to the width)


def test_an_interruption_says_what_was_done_failed_and_in_flight() -> None:
    progress = PlainProgress(PLAN, io.StringIO())
    progress.started(STEPS[0])
    progress.finished(STEPS[0], report(STEPS[0], "done"))
    progress.started(STEPS[1])
    out = io.StringIO()
    interrupted_text(progress, out)
    assert out.getvalue().splitlines() == [
        "Interrupted: 1 done, 0 failed, 0 skipped, 1 in flight, 1 not started (of 3 steps).",
        "  in flight: set data sharing defaults:  (it may or may not have reached Zoho)",
        "Nothing is lost: run plan again to see what is left, and apply that; apply converges "
        "when run again.",
    ]
