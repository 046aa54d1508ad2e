"""Progress of an apply: a bar per level on a terminal, one plain line per level in CI.

Steps of different levels can run at once (a step starts when what it waits for is done),
so every level has its own bar; a level's line is printed when its last step ends.
"""

from __future__ import annotations

import time
from collections import Counter
from typing import TextIO

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from reconciler.apply.report import StepReport
from reconciler.plan.build import Plan
from reconciler.plan.steps import Step


class PlainProgress:
    """One line per finished level: `level 2/5: 12 calls, 0 failed, 0 skipped in 1.2s`."""

    def __init__(self, plan: Plan, out: TextIO) -> None:
        self.out = out
        self.total = Counter(s.level for s in plan.steps)
        self.levels = max(self.total, default=0)
        self.ended: Counter[tuple[int, str]] = Counter()
        self.start = time.monotonic()

    def started(self, step: Step) -> None:
        pass

    def finished(self, step: Step, report: StepReport) -> None:
        self.ended[(step.level, report.status)] += 1
        done = sum(self.ended[(step.level, s)] for s in ("done", "failed", "skipped"))
        if done == self.total[step.level]:
            failed, skipped = (
                self.ended[(step.level, "failed")],
                self.ended[(step.level, "skipped")],
            )
            elapsed = time.monotonic() - self.start
            self.out.write(
                f"level {step.level}/{self.levels}: {done} call{'s' if done != 1 else ''}, "
                f"{failed} failed, {skipped} skipped ({elapsed:.1f}s)\n"
            )
            self.out.flush()


class BarProgress:
    """Rich bars on a terminal: shown from the first step, closed after the last."""

    def __init__(self, plan: Plan, out: TextIO) -> None:
        total = Counter(s.level for s in plan.steps)
        self.remaining = len(plan.steps)
        self.progress = Progress(
            TextColumn("level {task.fields[level]}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=Console(file=out),
        )
        self.tasks = {
            level: self.progress.add_task("", total=count, level=level, start=False)
            for level, count in sorted(total.items())
        }

    def started(self, step: Step) -> None:
        self.progress.start()  # idempotent
        self.progress.start_task(self.tasks[step.level])

    def finished(self, step: Step, report: StepReport) -> None:
        self.progress.advance(self.tasks[step.level])
        self.remaining -= 1
        if self.remaining == 0:
            self.progress.stop()
