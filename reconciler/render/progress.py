"""Progress of an apply, as it truly goes: steps run as soon as what they wait for is done,
not level by level, so progress counts completed steps of the total and says what the run is
waiting on (Zoho's sharing recomputation of a module) while it waits.

On a terminal one bar; otherwise (CI logs) one line per finished step:
`[3/12] done: create territories: EMEA, APAC (1.2s)`. Either keeps a `Tally`, which also
says what was in flight when the run was interrupted.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from typing import TextIO

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeElapsedColumn,
)
from rich.text import Text

from reconciler.apply.report import StepReport
from reconciler.plan.build import Plan
from reconciler.plan.steps import Step
from reconciler.render.markdown import step_text

Waits = Callable[[], list[str]]  # the modules whose sharing recomputation a write waits out


def no_waits() -> list[str]:
    return []


def waiting_text(modules: list[str]) -> str:
    if not modules:
        return ""
    return f"waiting for {', '.join(modules)} sharing recomputation"


class Tally:
    """What an apply has got to: steps ended by status, and those in flight."""

    def __init__(self, plan: Plan) -> None:
        self.total = len(plan.steps)
        self.ended: Counter[str] = Counter()
        self.running: dict[int, Step] = {}

    @property
    def completed(self) -> int:
        return sum(self.ended.values())

    def started(self, step: Step) -> None:
        self.running[step.id] = step

    def finished(self, step: Step, report: StepReport) -> None:
        self.running.pop(step.id, None)
        self.ended[report.status] += 1


class PlainProgress(Tally):
    """A line per finished step, numbered by completion, with the wait in progress."""

    def __init__(self, plan: Plan, out: TextIO, waits: Waits = no_waits) -> None:
        super().__init__(plan)
        self.out, self.waits = out, waits
        self.start = time.monotonic()

    def finished(self, step: Step, report: StepReport) -> None:
        super().finished(step, report)
        elapsed = time.monotonic() - self.start
        line = f"[{self.completed}/{self.total}] {report.status}: {step_text(step)}"
        waiting = waiting_text(self.waits())
        self.out.write(f"{line} ({elapsed:.1f}s){'; ' + waiting if waiting else ''}\n")
        self.out.flush()


class _Waiting(ProgressColumn):
    """Re-read at every refresh, so a wait shows while it lasts."""

    def __init__(self, waits: Waits) -> None:
        super().__init__()
        self.waits = waits

    def render(self, task: Task) -> Text:
        return Text(waiting_text(self.waits()), style="dim")


class BarProgress(Tally):
    """One bar of completed steps on a terminal: shown from the first step, closed after
    the last."""

    def __init__(self, plan: Plan, out: TextIO, waits: Waits = no_waits) -> None:
        super().__init__(plan)
        self.progress = Progress(
            TextColumn("steps"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            _Waiting(waits),
            console=Console(file=out),
        )
        self.task = self.progress.add_task("", total=self.total, start=False)

    def started(self, step: Step) -> None:
        super().started(step)
        self.progress.start()  # idempotent
        self.progress.start_task(self.task)

    def finished(self, step: Step, report: StepReport) -> None:
        super().finished(step, report)
        self.progress.advance(self.task)
        if self.completed == self.total:
            self.progress.stop()

    def stop(self) -> None:
        self.progress.stop()


def interrupted_text(tally: Tally, out: TextIO) -> None:
    """After Ctrl-C: what was done, what failed, what was in flight, and what to do."""
    done, failed, skipped = (tally.ended[s] for s in ("done", "failed", "skipped"))
    waiting = tally.total - tally.completed - len(tally.running)
    out.write(
        f"Interrupted: {done} done, {failed} failed, {skipped} skipped, "
        f"{len(tally.running)} in flight, {waiting} not started (of {tally.total} steps).\n"
    )
    for step in tally.running.values():
        out.write(f"  in flight: {step_text(step)} (it may or may not have reached Zoho)\n")
    out.write(
        "Nothing is lost: run plan again to see what is left, and apply that; apply converges "
        "when run again.\n"
    )
