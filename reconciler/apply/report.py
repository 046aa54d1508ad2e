"""What became of an apply, step by step: the report types, and the listener that hears of
each step as it starts and ends. Pure values, so render/ can show them without the client."""

from __future__ import annotations

from typing import Literal, Protocol

from reconciler.model import Frozen
from reconciler.plan.steps import Step

StepStatus = Literal["done", "failed", "skipped"]


class ItemReport(Frozen):
    label: str
    ok: bool
    code: str | None = None
    message: str | None = None


class StepReport(Frozen):
    """What became of one step: done, failed (with Zoho's code and message), or skipped."""

    step: int
    level: int
    action: str
    status: StepStatus
    code: str | None = None
    message: str | None = None
    items: tuple[ItemReport, ...] = ()
    seconds: float = 0.0


class Report(Frozen):
    """Every step's fate; `interference` lists what the read-back after the last write found
    not as the plan left it (changed by someone else during this apply)."""

    steps: tuple[StepReport, ...]
    seconds: float
    snapshot: str | None = None  # where the org was saved before the first write
    interference: tuple[str, ...] = ()

    def count(self, status: StepStatus) -> int:
        return sum(s.status == status for s in self.steps)

    @property
    def ok(self) -> bool:
        return all(s.status == "done" for s in self.steps) and not self.interference


class Listener(Protocol):
    """Progress: told when a step starts and when it ends."""

    def started(self, step: Step) -> None: ...
    def finished(self, step: Step, report: StepReport) -> None: ...


class Silent:
    def started(self, step: Step) -> None:
        pass

    def finished(self, step: Step, report: StepReport) -> None:
        pass
