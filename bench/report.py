"""docs/benchmarks.md from the figures of one run: the machine, the tables, the targets met or
missed, the formulas of the lower bounds, and how to reproduce."""

from __future__ import annotations

import datetime
import os
import platform
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.baselines import Figures
from bench.generate import Size
from bench.scenarios import Scenario, Setup

TITLES = {
    "rollout": "Full rollout into an empty org",
    "reorg": "10% reorg (renames, moves, field edits, memberships, rules, defaults)",
    "no-op": "No-op plan (after the reorg)",
    "export": "Export of the full org",
}
SECTIONS = (
    "## Results",
    "## Targets",
    "## Growth from 1x to 4x",
    "## CPU and memory of plan",
    "## Start-up",
    "## Lower bounds",
    "## The baselines",
    "## How to reproduce",
)


@dataclass
class Results:
    fast: bool
    setup: Setup
    reference: Size
    scenarios: list[Scenario]
    scaling: list[tuple[Size, Scenario]]
    plan_cpu: dict[str, Any]
    help: dict[str, Any]
    command: str
    seconds: float = 0.0


def ratio(value: float, bound: float) -> str:
    return f"{value / bound:.2f}x" if bound else ("1.00x" if not value else "-")


def markdown_table(head: list[str], rows: Iterable[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return lines


def _secs(value: float) -> str:
    return f"{value:,.1f} s" if value >= 10 else f"{value:.2f} s"


def _base(figures: Figures | None) -> tuple[str, str]:
    if figures is None:
        return "-", "-"
    mark = "" if figures.measured_share >= 0.999 else " ≈"
    return f"{figures.calls:,}{mark}", f"{_secs(figures.seconds)}{mark}"


def results_table(results: Results) -> list[str]:
    head = [
        "scenario",
        "read calls (plan) / bound",
        "write calls (apply) / bound",
        "apply wall / critical-path bound",
        "script: calls, time",
        "terraform-style: calls, time",
        "faster than script",
        "faster than terraform",
    ]
    rows = []
    for s in results.scenarios:
        total = _our_seconds(s)
        script, terraform = s.baselines.get("script"), s.baselines.get("terraform")
        rows.append(
            [
                s.name,
                f"{s.plan.calls} / {s.plan.bound} = {ratio(s.plan.calls, s.plan.bound)}",
                _writes(s),
                _wall(s),
                " / ".join(_base(script)),
                " / ".join(_base(terraform)),
                f"{script.seconds / total:.0f}x" if script and total else "-",
                f"{terraform.seconds / total:.1f}x" if terraform and total else "-",
            ]
        )
    return markdown_table(head, rows)


def _writes(s: Scenario) -> str:
    if s.apply is None:
        return "0 / 0 = 1.00x" if s.name == "no-op" else "-"
    return f"{s.apply.writes} / {s.apply.bound} = {ratio(s.apply.writes, s.apply.bound)}"


def _wall(s: Scenario) -> str:
    if s.apply is None:
        return "-"
    a = s.apply
    return f"{_secs(a.seconds)} / {_secs(a.critical_path)} = {ratio(a.seconds, a.critical_path)}"


def _our_seconds(s: Scenario) -> float:
    """The tool's wall time for the scenario: plan, plus apply when there is one."""
    return s.plan.seconds + (s.apply.seconds if s.apply else 0.0)


def details_table(results: Results) -> list[str]:
    head = [
        "scenario",
        "changes",
        "steps (levels)",
        "writes by kind / bound",
        "polls",
        "peak in flight",
        "apply / strict bound",
    ]
    rows = []
    for s in results.scenarios:
        a = s.apply
        changes = ", ".join(
            f"{k.replace('_', ' ')} {v:,}"
            for k, v in s.summary.items()
            if k not in ("api_calls", "credits", "levels")
        )
        if a is None:
            rows.append([s.name, changes or "none", "0", "-", "-", "-", "-"])
            continue
        kinds = ", ".join(
            f"{k} {a.writes_by_kind.get(k, 0)}/{a.bound_by_kind.get(k, 0)}"
            for k in ("territories", "memberships", "rules", "defaults")
        )
        strict = f"{_secs(a.strict_bound)} = {ratio(a.seconds, a.strict_bound)}"
        steps = f"{a.steps} ({a.levels})"
        rows.append([s.name, changes, steps, kinds, str(a.polls), str(a.peak_in_flight), strict])
    return markdown_table(head, rows)


def targets(results: Results) -> list[tuple[str, str, bool | None]]:
    """(target, figure, met) for each target of the issue."""
    found: list[tuple[str, str, bool | None]] = []
    reads = [(s.name, s.plan.calls, s.plan.bound) for s in results.scenarios]
    worst = max(reads, key=lambda r: r[1] / r[2] if r[2] else 0)
    found.append(("read calls at 1.00x their lower bound", _worst(reads), worst[1] <= worst[2]))
    writes = [(s.name, s.apply.writes, s.apply.bound) for s in results.scenarios if s.apply]
    met = all(w <= b for _, w, b in writes)
    found.append(("write calls at 1.00x their lower bound", _worst(writes), met))
    walls = [(s.name, s.apply.seconds, s.apply.critical_path) for s in results.scenarios if s.apply]
    met = all(w <= 1.3 * b for _, w, b in walls)
    found.append(("apply wall time within 1.3x of the critical-path bound", _worst(walls), met))
    speed = [
        (s.name, s.baselines["script"].seconds / _our_seconds(s))
        for s in results.scenarios
        if "script" in s.baselines and _our_seconds(s)
    ]
    slowest = min(speed, key=lambda x: x[1]) if speed else ("-", 0.0)
    found.append(
        (
            "at least 20x faster than the sequential script",
            f"{slowest[1]:.0f}x ({slowest[0]})",
            slowest[1] >= 20,
        )
    )
    phases = {k: v for k, v in results.plan_cpu["phases"].items() if k != "imports"}
    cpu = sum(phases.values())
    largest = max(phases, key=lambda k: phases[k])
    core = phases.get("diff", 0.0) + phases.get("build plan", 0.0)
    figure = (
        f"{cpu:.2f} s for the whole command ({largest}: {phases[largest]:.2f} s); "
        f"diff + build alone {core:.2f} s"
    )
    found.append(("plan CPU under 1 s (reference org, no network)", figure, cpu < 1))
    rss = results.plan_cpu["rss_mb"]
    found.append(("plan peak memory under 200 MB", f"{rss:.0f} MB (RSS)", rss < 200))
    help_s = results.help["median"]
    found.append(("`reconciler --help` under 0.3 s", f"{help_s:.3f} s (median)", help_s < 0.3))
    growth = _growth(results)
    found.append(("cost growing linearly from 1x to 4x", growth[0], growth[1]))
    return found


def _worst(rows: Sequence[tuple[str, float, float]]) -> str:
    if not rows:
        return "-"
    name, value, bound = max(rows, key=lambda r: r[1] / r[2] if r[2] else 0)
    return f"worst {ratio(value, bound)} ({name})"


def _growth(results: Results) -> tuple[str, bool | None]:
    """Calls and apply time at 4x over 1x, against 4 (linear): met within 10%."""
    if len(results.scaling) < 2:
        return "-", None
    first, last = results.scaling[0], results.scaling[-1]
    factor = (last[0].memberships / first[0].memberships) or 1
    calls = _calls(last[1]) / _calls(first[1])
    wall = _wall_of(last[1]) / _wall_of(first[1])
    text = f"{factor:.0f}x size: calls {calls:.2f}x, apply time {wall:.2f}x"
    return text, calls <= factor * 1.1 and wall <= factor * 1.1


def _calls(s: Scenario) -> int:
    return s.plan.calls + (s.apply.client_calls if s.apply else 0)


def _wall_of(s: Scenario) -> float:
    return s.apply.seconds if s.apply else 0.0


def targets_table(results: Results) -> list[str]:
    verdict = {True: "met", False: "**missed**", None: "n/a"}
    return markdown_table(
        ["target", "measured", "verdict"], ([t, f, verdict[m]] for t, f, m in targets(results))
    )


def scaling_table(results: Results) -> list[str]:
    head = [
        "size",
        "territories",
        "users",
        "memberships",
        "rules",
        "read calls / bound",
        "write calls / bound",
        "apply / bound",
        "plan CPU (diff+build)",
    ]
    rows = []
    for size, s in results.scaling:
        a = s.apply
        rows.append(
            [
                size.label,
                f"{size.territories:,}",
                f"{size.users:,}",
                f"{size.memberships:,}",
                f"{size.rule_modules * size.rules_per_module:,}",
                f"{s.plan.calls} / {s.plan.bound}",
                f"{a.writes} / {a.bound}" if a else "-",
                f"{_secs(a.seconds)} / {_secs(a.critical_path)}" if a else "-",
                f"{s.plan.cpu:.2f} s",
            ]
        )
    return markdown_table(head, rows)


def cpu_table(results: Results) -> list[str]:
    phases = results.plan_cpu["phases"]
    rows = [[name, f"{seconds:.3f} s"] for name, seconds in phases.items()]
    total = sum(v for k, v in phases.items() if k != "imports")
    rows.append(["**plan, without imports**", f"**{total:.3f} s**"])
    return markdown_table(["phase (CPU time, median of runs)", "seconds"], rows)


def sizes_table(results: Results) -> list[str]:
    sizes = [results.reference] + [s for s, _ in results.scaling]
    head = [
        "org",
        "territories (levels)",
        "users",
        "memberships (max per territory)",
        "sharing rules",
        "defaults",
    ]
    rows = [
        [
            s.label,
            f"{s.territories:,} ({s.depth} below the root)",
            f"{s.users:,}",
            f"{s.memberships:,} ({s.max_members})",
            f"{s.rule_modules} modules x {s.rules_per_module}",
            f"{s.default_modules} modules",
        ]
        for s in sizes
    ]
    return markdown_table(head, rows)


def machine() -> str:
    system = f"{platform.system()} {platform.release()} {platform.machine()}"
    cpu = platform.processor() or _cpu_model() or "unknown CPU"
    return f"{system}, {cpu}, {os.cpu_count()} CPUs, Python {platform.python_version()}"


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return ""


def write(results: Results, out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(render(results)) + "\n", encoding="utf-8")


def render(results: Results) -> list[str]:
    from bench import text  # the prose, kept apart from the tables

    setup = results.setup
    today = datetime.date.today().isoformat()
    lines = [
        "# Benchmarks" + (" (fast mode: a tiny org, for the test suite)" if results.fast else ""),
        "",
        f"Generated by `{results.command}` on {today} in {results.seconds / 60:.1f} min.",
        f"Machine: {machine()}.",
        "",
        *text.setup(setup),
        "",
        *sizes_table(results),
        "",
        "## Results",
        "",
        f"The {results.reference.label} org. ≈ marks a baseline sampled and extrapolated "
        "(see [The baselines](#the-baselines)).",
        "",
        *results_table(results),
        "",
        "\"Faster than\": the baseline's wall time for the same change over reconciler's "
        "plan + apply. The baselines' calls include everything they sent (reads, writes, "
        "refused writes, polls); reconciler's write calls exclude its polls of the "
        "recomputation, counted apart below.",
        "",
        *details_table(results),
        "",
        "## Targets",
        "",
        *targets_table(results),
        "",
        *text.notes(results.plan_cpu),
        "## Growth from 1x to 4x",
        "",
        *text.scaling(),
        "",
        *scaling_table(results),
        "",
        "## CPU and memory of plan",
        "",
        *text.cpu(results.plan_cpu, results.reference.label),
        "",
        *cpu_table(results),
        "",
        f"Peak resident memory of that process: {results.plan_cpu['rss_mb']:.0f} MB "
        f"(interpreter and imports included); peak of Python allocations during the plan "
        f"(tracemalloc): {results.plan_cpu['traced_mb']:.0f} MB.",
        "",
        "## Start-up",
        "",
        f"`reconciler --help`: median {results.help['median']:.3f} s over "
        f"{results.help['runs']} runs (min {results.help['min']:.3f} s, "
        f"max {results.help['max']:.3f} s), wall time of a fresh process.",
        "",
        *text.bounds(),
        "",
        *text.baselines(setup),
        "",
        *text.reproduce(),
    ]
    return lines
