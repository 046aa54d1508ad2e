"""CPU time and memory of `plan` with the network excluded, and the start-up time of
`reconciler --help`.

The network is taken out by recording what `live.read` got from the client during a real plan
(`Recorder`) and replaying it (`Replay`): a fresh process then runs every step of the `plan`
command - load the YAML, read (from the recording), check names, diff, build the plan,
render it as text - and reports the CPU time of each with `time.process_time`, the process's
peak resident memory (`ru_maxrss`, interpreter and imports included) and, in a second run,
the peak of Python allocations during the plan, imports excluded (`tracemalloc`).

    python -m bench.measure RECORDING.json ORG.yaml [--tracemalloc]
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import resource
import statistics
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

READER_METHODS = (
    "get_org",
    "list_users",
    "current_user",
    "list_territories",
    "associated_user_counts",
    "list_territory_users",
    "get_data_sharing",
    "list_roles",
    "list_groups",
    "list_sharing_rules",
    "list_fields",
)
ROOT = Path(__file__).resolve().parent.parent


def _key(name: str, args: tuple[Any, ...]) -> str:
    return json.dumps([name, *args])


class Recorder:
    """Stands in for the client in `live.read`, passing calls on and keeping the answers
    as JSON text (decoding them is part of the replayed read, as it is of a real one)."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.answers: dict[str, Any] = {}

    def __getattr__(self, name: str) -> Callable[..., Awaitable[Any]]:
        if name not in READER_METHODS:
            raise AttributeError(name)
        method = getattr(self.client, name)

        async def call(*args: Any) -> Any:
            result = await method(*args)
            self.answers[_key(name, args)] = json.dumps(result)
            return result

        return call

    def save(self, path: Path) -> None:
        """One line per answer: the call, a tab, the answer's JSON."""
        with path.open("w", encoding="utf-8") as out:
            for key, text in self.answers.items():
                out.write(f"{key}\t{text}\n")


class Replay:
    """The client as a recording: every answer `live.read` asks for, read from the file
    when asked (the recording is not held in memory: a real read holds each answer only
    while decoding it)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.offsets: dict[str, int] = {}
        with path.open("rb") as recording:
            while line := recording.readline():
                key = line.split(b"\t", 1)[0].decode()
                self.offsets[key] = recording.tell() - len(line) + len(key.encode()) + 1

    def __getattr__(self, name: str) -> Callable[..., Awaitable[Any]]:
        if name not in READER_METHODS:
            raise AttributeError(name)

        async def call(*args: Any) -> Any:
            with self.path.open("rb") as recording:
                recording.seek(self.offsets[_key(name, args)])
                return json.loads(recording.readline())  # as the client decodes it

        return call


def plan_offline(recording: Path, config: Path) -> dict[str, Any]:
    """Run the `plan` command's steps with the recorded org; CPU seconds per step."""
    started = _cpu()
    from reconciler.config import names
    from reconciler.config.load import load
    from reconciler.live import read
    from reconciler.plan.build import build
    from reconciler.plan.diff import diff
    from reconciler.render.text import plan_text
    from reconciler.scope import Scope

    phases: dict[str, float] = {"imports": _cpu() - started}
    replay: Any = Replay(recording)  # a Reader: its methods are looked up by name

    def timed(name: str, work: Callable[[], Any]) -> Any:
        begin = time.process_time()
        result = work()
        phases[name] = time.process_time() - begin
        return result

    loaded = timed("load YAML", lambda: load([config]))
    scope = Scope.for_config(loaded.state)
    live = timed("read (replayed)", lambda: asyncio.run(read(replay, scope)))
    timed("check names", lambda: names.check(loaded.state, live, loaded.sources))
    changes = timed("diff", lambda: diff(live, loaded.state))
    plan = timed("build plan", lambda: build(live, loaded.state, changes))
    timed("render text", lambda: plan_text(plan, io.StringIO(), color=False))
    return {"phases": phases, "steps": len(plan.steps), "rss_mb": _rss_mb()}


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _rss_mb() -> float:
    """Peak resident memory of this process. Linux's VmHWM belongs to the process image,
    while `ru_maxrss` survives exec: a child of a large parent would report the parent's."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024  # kB
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def measure_plan(recording: Path, config: Path, runs: int = 3) -> dict[str, Any]:
    """`plan_offline` in fresh processes: median CPU per phase over `runs`, the peak RSS,
    and the tracemalloc peak of one more run (`runs=0`: that one run gives everything, its
    CPU times inflated by tracemalloc - the fast mode)."""
    traced = _child(recording, config, "--tracemalloc")
    results = [_child(recording, config) for _ in range(runs)] or [traced]
    phases = {
        name: statistics.median(r["phases"][name] for r in results) for name in results[0]["phases"]
    }
    return {
        "phases": phases,
        "runs": len(results),
        "rss_mb": max(r["rss_mb"] for r in results),
        "traced_mb": traced["traced_mb"],
        "steps": results[0]["steps"],
    }


def _child(recording: Path, config: Path, *flags: str) -> dict[str, Any]:
    command = [sys.executable, "-m", "bench.measure", str(recording), str(config), *flags]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True)
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def measure_help(runs: int) -> dict[str, Any]:
    """Wall time of `reconciler --help` in fresh processes: median and spread."""
    script = Path(sys.executable).with_name("reconciler")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "reconciler"]
    times = []
    for _ in range(runs):
        begin = time.perf_counter()
        subprocess.run([*command, "--help"], cwd=ROOT, capture_output=True, check=True)
        times.append(time.perf_counter() - begin)
    return {"median": statistics.median(times), "min": min(times), "max": max(times), "runs": runs}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="CPU and memory of plan from a recording.")
    parser.add_argument("recording", type=Path)
    parser.add_argument("config", type=Path)
    parser.add_argument("--tracemalloc", action="store_true")
    args = parser.parse_args(argv)
    if args.tracemalloc:
        import reconciler.plan.build  # noqa: F401  (imports are not the plan's memory)
        import reconciler.render.text  # noqa: F401

        tracemalloc.start()
        result = plan_offline(args.recording, args.config)
        result["traced_mb"] = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    else:
        result = plan_offline(args.recording, args.config)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
