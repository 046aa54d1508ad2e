"""`python -m bench [--fast] [--out docs/benchmarks.md]`: every benchmark, then the report.

The full run measures the reference org (Zoho's maximum) in four scenarios with both
baselines, the rollout at 1x/2x/4x of a base org, the CPU and memory of `plan`, and the
start-up of `reconciler --help`, and writes docs/benchmarks.md. `--fast` does the same on a
tiny org at 2 ms per call, in seconds (the test suite runs it so the harness cannot rot).
"""

from __future__ import annotations

import argparse
import shlex
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench import report, server
from bench.generate import BASE, FAST, FAST_BASE, REFERENCE, Size, generate
from bench.measure import measure_help, measure_plan
from bench.orgs import reorg, yaml_text
from bench.scenarios import Scenario, Setup, reference, rollout_only

DEFAULT_OUT = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"


@dataclass(frozen=True)
class Mode:
    reference: Size
    base: Size
    latency: float
    window: float
    cpu_runs: int
    help_runs: int
    retry_scale: float = 1.0


FULL = Mode(REFERENCE, BASE, latency=0.1, window=1.0, cpu_runs=3, help_runs=20)
QUICK = Mode(FAST, FAST_BASE, latency=0.002, window=0.02, cpu_runs=0, help_runs=3, retry_scale=0.02)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench", description=(__doc__ or "").split("\n")[0]
    )
    parser.add_argument("--fast", action="store_true", help="a tiny org, in seconds")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="the report to write")
    parser.add_argument(
        "--budget",
        type=float,
        default=10.0,
        help="seconds per kind of object in a baseline before sampling (0: run everything)",
    )
    parser.add_argument("--workdir", type=Path, help="keep databases and recordings here")
    args = parser.parse_args(argv)
    mode = QUICK if args.fast else FULL
    command = "python -m bench" + "".join(f" {shlex.quote(a)}" for a in (argv or sys.argv[1:]))
    try:
        if args.workdir is not None:
            args.workdir.mkdir(parents=True, exist_ok=True)
            results = run(mode, args.workdir, args.budget or None, command)
        else:
            with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
                results = run(mode, Path(tmp), args.budget or None, command)
    finally:
        server.stop()
    report.write(results, args.out)
    say(f"wrote {args.out} ({results.seconds / 60:.1f} min)")


def run(mode: Mode, workdir: Path, budget: float | None, command: str) -> report.Results:
    started = time.monotonic()
    setup = Setup(
        workdir, mode.latency, window=mode.window, budget=budget, retry_scale=mode.retry_scale
    )
    say(f"generating the {mode.reference.label} org")
    gen = generate(mode.reference)
    reorged = reorg(gen.desired)
    scenarios = reference(gen, reorged, setup, say)
    say("plan CPU and memory")
    config = workdir / "reorg.yaml"
    config.write_text(yaml_text(reorged), encoding="utf-8")
    plan_cpu = measure_plan(workdir / "recording.json", config, mode.cpu_runs)
    scaling: list[tuple[Size, Scenario]] = []
    for factor in (1, 2, 4):
        size = mode.base.scaled(factor, f"{factor}x")
        say(f"growth: rollout of the {size.label} org")
        scaling.append((size, rollout_only(generate(size), setup)))
    say("reconciler --help")
    start_up = measure_help(mode.help_runs)
    results = report.Results(
        fast=mode is QUICK,
        setup=setup,
        reference=mode.reference,
        scenarios=scenarios,
        scaling=scaling,
        plan_cpu=plan_cpu,
        help=start_up,
        command=command,
    )
    results.seconds = time.monotonic() - started
    return results


def say(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()
