"""The commands that work on two environments' orgs at once: `promote` and `diff`.
Loaded only when used. Both name the two orgs on stderr before anything else."""

from __future__ import annotations

import asyncio
import dataclasses
import os
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from reconciler.apply.report import Report
from reconciler.cli import workflow
from reconciler.cli.environment import chosen
from reconciler.cli.exits import EXIT_CHANGES, EXIT_OK, reports_errors
from reconciler.cli.org import (
    applying_options,
    banner,
    connection_options,
    finish,
    options_for,
    progress_for,
    reviewer,
    snapshot_option,
)
from reconciler.cli.plans import show_plan
from reconciler.cli.promotion import Side, check_promotion, compare_orgs, side
from reconciler.config.environments import Environment
from reconciler.plan.file import loads, read_text

T = TypeVar("T")
Both = Callable[[workflow.Connection, workflow.Connection], Awaitable[T]]


def environment(name: str) -> Environment:
    found = chosen(name)
    assert found is not None  # a name was given: `chosen` found it or raised
    return found


def run_both(org: dict[str, Any], first: Side, second: Side, work: Both[T], words: str) -> T:
    """Connect to both orgs, name them (the second is the target), and run `work`."""

    def options(side: Side) -> workflow.Options:
        return dataclasses.replace(options_for(org, side.environment), target=None)

    async def connected() -> T:
        async with (
            workflow.connect(os.environ, options(first)) as one,
            workflow.connect(os.environ, options(second)) as two,
        ):
            banner(two.target.label)
            click.echo(f"{words}: {one.target.label}", err=True)
            return await work(one, two)

    return asyncio.run(connected())


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--from", "source", required=True, metavar="ENV", help="Where it was applied.")
@click.option("--to", "target", required=True, metavar="ENV", help="Where to apply it now.")
@click.option(
    "--applied",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The plan applied to --from (`plan --env FROM --out FILE`, then `apply FILE`).",
)
@applying_options
@snapshot_option
@connection_options
@reports_errors
def promote(
    paths: tuple[Path, ...],
    source: str,
    target: str,
    applied: Path,
    auto_approve: bool,
    allow_deletes: bool,
    fmt: str,
    no_recheck: bool,
    snapshot_dir: Path,
    **org: Any,
) -> None:
    """Apply to one environment's org the change applied and verified in another.

    Refuses, naming each reason, unless the --from org matches the configuration, --applied
    is the plan applied there, and the --to org's plan is the same change (modulo ids and
    the user mapping). Then shows the plan and applies it after you confirm; before the
    first write, what it touches in the --to org is saved under --snapshot-dir, for
    `rollback`.

    \b
    Example:
        reconciler plan --env sandbox org/ --out sandbox.plan.json
        reconciler apply --env sandbox sandbox.plan.json
        reconciler promote --from sandbox --to production --applied sandbox.plan.json org/
    """
    if source == target:
        raise click.UsageError("--from and --to name the same environment")
    saved_text = read_text(applied)
    first, second = side(paths, environment(source)), side(paths, environment(target))
    review = reviewer(auto_approve)

    async def work(one: workflow.Connection, two: workflow.Connection) -> Report | None:
        saved = await check_promotion(loads(saved_text, str(applied)), first, one, second, two)
        if not await review(saved) or saved.plan.empty:
            return None
        return await workflow.apply_saved(
            saved,
            two,
            allow_deletes=allow_deletes,
            listener_for=progress_for,
            verify=False,
            recheck=not no_recheck,
            snapshots=snapshot_dir,
        )

    report = run_both(org, first, second, work, "promoting from")
    finish(report, fmt)


@click.command("diff")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--env",
    "envs",
    multiple=True,
    metavar="NAME",
    help="Give it twice: the org to compare with, then the org to compare.",
)
@click.option("--format", "fmt", type=click.Choice(["text", "json", "markdown"]), default="text")
@click.option("--detailed-exitcode", is_flag=True, help="Exit 2 when they differ, 0 when not.")
@connection_options
@reports_errors
def diff(
    paths: tuple[Path, ...], envs: tuple[str, ...], fmt: str, detailed_exitcode: bool, **org: Any
) -> None:
    """Show how two environments' orgs differ in what the configuration manages.

    Reads both orgs, translates each one's emails back to the configuration's with its user
    mapping, and shows what would change in the second org to make it like the first.

    \b
    Example:
        reconciler diff --env sandbox --env production org/
        reconciler diff --env sandbox --env production org/ --detailed-exitcode
    """
    if len(envs) != 2 or envs[0] == envs[1]:
        raise click.UsageError("give --env twice, with two different environments")
    first, second = side(paths, environment(envs[0])), side(paths, environment(envs[1]))
    saved = run_both(
        org, first, second, lambda one, two: compare_orgs(first, one, second, two), "compared with"
    )
    show_plan(saved, fmt)
    sys.exit(EXIT_CHANGES if detailed_exitcode and not saved.plan.empty else EXIT_OK)
