"""`python -m bench.recheck [--fast]`: what re-checking each step just before it writes costs
(reconciler/apply/recheck.py), on the reference org's 10% reorg (`--fast`: a tiny org, in
seconds).

The reference org is rolled out, then its reorg (`bench.orgs.reorg`) is applied as `apply
plan.json` does, twice from the same starting org: with the re-check (the default) and
without (`--no-recheck`). Counted through reconciler's own client: the apply's calls (the
check before the first write, the steps, the read-back after the last), the re-check's reads,
the ready sets that shared them, and the re-check's bound: for each ready set, the fewest calls
that read again what its steps write first (`recheck.Sizes.calls`; the formula is in that
module's docstring). In-process, at the same latency per call as `python -m bench` (100 ms;
`--fast`: 2 ms), with no recomputation window: the calls leave out the polls of a module's
recomputation after its default changed (their count depends on timing); the apply's wall
time is measured too.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from dataclasses import dataclass

from bench.generate import FAST, REFERENCE, Size, generate
from bench.orgs import reorg
from bench.report import markdown_table
from reconciler.apply.recheck import Recheck
from reconciler.apply.run import execute
from reconciler.cli import workflow
from reconciler.cli.target import sandbox_target
from reconciler.config.load import Config
from reconciler.live import read
from reconciler.model import OrgState
from reconciler.sandbox import Sandbox, SandboxSettings
from reconciler.sandbox.seed import Seed
from reconciler.zoho.client import ZohoClient


@dataclass(frozen=True)
class Applied:
    """One apply of the reorg: its calls, and those of the re-check (0 without it)."""

    steps: int
    calls: int
    rechecks: int
    sets: int
    bound: int
    ok: bool
    seconds: float


@dataclass(frozen=True)
class Result:
    size: str
    without: Applied
    with_recheck: Applied


async def run(size: Size, latency: float) -> Result:
    generated = generate(size)
    seed = Seed.model_validate(generated.seed)
    wanted = reorg(generated.desired)
    settings = SandboxSettings(rule_recompute_s=0.0, latency_s=latency)
    without = await _apply(seed, settings, generated.desired, wanted, recheck=False)
    with_recheck = await _apply(seed, settings, generated.desired, wanted, recheck=True)
    return Result(size.label, without, with_recheck)


async def _apply(
    seed: Seed, settings: SandboxSettings, start: OrgState, wanted: OrgState, *, recheck: bool
) -> Applied:
    with Sandbox(seed=seed, settings=settings) as sandbox:
        target = sandbox_target(sandbox=sandbox)
        async with ZohoClient.for_target(target) as client:
            connection = workflow.Connection(target, client)
            rollout = await workflow.make_plan(_config(start), connection)
            await workflow.apply_saved(
                rollout, connection, allow_deletes=True, verify=False, recheck=False
            )
            saved = await workflow.make_plan(_config(wanted), connection)
            before, started = client.stats.total - client.stats.polls, time.monotonic()
            live = await read(client, saved.scope)  # the check before the first write
            checks = Recheck(client, saved.plan, live) if recheck else None
            gets = _gets(client)
            report = await execute(saved.plan, client, recheck=checks)
            rechecks = _gets(client) - gets
            await read(client, saved.scope)  # the read-back after the last write
            seconds = time.monotonic() - started
            return Applied(
                steps=len(saved.plan.steps),
                calls=client.stats.total - client.stats.polls - before,
                rechecks=rechecks,
                sets=checks.sets if checks else 0,
                bound=checks.calls if checks else 0,
                ok=report.ok,
                seconds=seconds,
            )


def _config(state: OrgState) -> Config:
    return Config(state=state, sources={}, files=())


def _gets(client: ZohoClient) -> int:
    """Reads so far, without the polls of a module's recomputation (its timing's, not the
    re-check's)."""
    reads = sum(n for call, n in client.stats.calls.items() if call.startswith("GET "))
    return reads - client.stats.polls


def table(results: list[Result]) -> str:
    head = [
        "org",
        "steps",
        "apply calls without / with the re-check",
        "re-check reads / bound",
        "ready sets",
        "apply wall time without / with",
    ]
    rows = [
        [
            r.size,
            str(r.with_recheck.steps),
            f"{r.without.calls} / {r.with_recheck.calls}",
            f"{r.with_recheck.rechecks} / {r.with_recheck.bound}",
            str(r.with_recheck.sets),
            f"{r.without.seconds:.1f} s / {r.with_recheck.seconds:.1f} s",
        ]
        for r in results
    ]
    return "\n".join(markdown_table(head, rows)) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.recheck", description=(__doc__ or "").split("\n")[0]
    )
    parser.add_argument("--fast", action="store_true", help="a tiny org, in seconds")
    args = parser.parse_args(argv)
    fast = args.fast
    result = asyncio.run(run(FAST if fast else REFERENCE, 0.002 if fast else 0.1))
    print(table([result]), end="")


if __name__ == "__main__":
    main()
