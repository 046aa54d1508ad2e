"""The commands that talk to an org: plan, apply, export, doctor. Loaded only when used.

The org comes from the environment (ZOHO_* variables; the local sandbox when none is set).
Every command first names its target on stderr, so a log always says which org it touched.
"""

from __future__ import annotations

import asyncio
import math
import os
import sys
from collections.abc import Awaitable, Callable
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar

import click
from rich.console import Console

from reconciler.apply.report import Listener, Report
from reconciler.apply.snapshot import SNAPSHOT_DIR
from reconciler.cli import last_apply, workflow
from reconciler.cli.environment import chosen, load_base, load_config
from reconciler.cli.exits import (
    EXIT_CHANGES,
    EXIT_ERROR,
    EXIT_INTERRUPTED,
    EXIT_OK,
    reports_errors,
)
from reconciler.cli.files import output_folder, schema_reference
from reconciler.cli.options import format_option
from reconciler.cli.plans import show_plan
from reconciler.cli.target import SANDBOX_DB
from reconciler.config.environments import ENV_VARIABLE, Environment
from reconciler.errors import ApplyError, ReconcilerError
from reconciler.plan.build import Plan
from reconciler.plan.file import SavedPlan, dumps, is_plan_text, loads, read_text, write
from reconciler.plan.policy import refuse_denied
from reconciler.render.progress import Tally, no_waits
from reconciler.render.report import refusal_json, report_json, report_text
from reconciler.render.safety import safety_lines
from reconciler.render.text import plan_text, wants_color
from reconciler.zoho.retry import DEFAULT_POLICY
from reconciler.zoho.target import Target

T = TypeVar("T")
F = TypeVar("F", bound=Callable[..., Any])


class Finite(click.FloatRange):
    """A float range that also refuses nan (which every bound lets through: comparisons with
    nan are false) and infinity (`RECONCILER_RETRY_SCALE=inf` would wait forever)."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        number = super().convert(value, param, ctx)
        if not math.isfinite(number):
            self.fail(f"{value!r} is not a finite number", param, ctx)
        return number


def org_options(command: F) -> F:
    """The flags every org command shares."""
    env = click.option(
        "--env",
        "env_name",
        metavar="NAME",
        envvar=ENV_VARIABLE,
        help="The environment of reconciler.toml to work in (its org, overlays and "
        "user mapping) [default: RECONCILER_ENV, else the file's `default`].",
    )
    return env(connection_options(command))


def connection_options(command: F) -> F:
    """How to reach an org, for commands that name their environments themselves."""
    options = [
        click.option(
            "--concurrency",
            type=click.IntRange(1, 100),
            help="Calls in flight at once [default: the edition's limit, e.g. 20].",
        ),
        click.option(
            "--allow-custom-domain",
            is_flag=True,
            help="Allow ZOHO_API_DOMAIN outside Zoho's domains (e.g. a served sandbox).",
        ),
        click.option(
            "--sandbox-db",
            default=SANDBOX_DB,
            show_default=True,
            envvar="RECONCILER_SANDBOX_DB",
            help="With no ZOHO_* credentials: the local sandbox's database.",
        ),
        click.option(
            "--timeout",
            type=Finite(min=0, min_open=True, max=3600),
            default=30.0,
            show_default=True,
            help="Seconds to wait for each answer before trying again.",
        ),
        # Multiplies every retry wait and limit (429, 5xx, dropped connections, rule
        # recomputation): tests run the real retries in milliseconds. README documents it.
        click.option(
            "--retry-scale",
            type=Finite(min=0, min_open=True, max=100),
            default=1.0,
            envvar="RECONCILER_RETRY_SCALE",
            hidden=True,
        ),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def applying_options(command: F) -> F:
    """The flags of the commands that apply: approval, deletions, the report's format."""
    options = [
        click.option("--auto-approve", is_flag=True, help="Apply without asking (for CI)."),
        click.option(
            "--allow-deletes", is_flag=True, help="Allow deletions beyond the safety thresholds."
        ),
        format_option("json", help="How to print the report."),
        click.option(
            "--no-recheck",
            is_flag=True,
            help="Do not read again what each step writes just before it (fewer calls, "
            "a wider window for a lost update; docs/apply.md).",
        ),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def snapshot_option(command: F) -> F:
    """Where apply and rollback save what they are about to change."""
    return click.option(
        "--snapshot-dir",
        type=click.Path(file_okay=False, path_type=Path),
        default=SNAPSHOT_DIR,
        show_default=True,
        envvar="RECONCILER_SNAPSHOT_DIR",
        help="Where to save the snapshot taken before the first write.",
    )(command)


def finish(report: Report | None, fmt: str) -> None:
    """Print an apply's report (none: nothing was applied) and exit with its code."""
    if report is None:
        sys.exit(EXIT_OK)
    if report.snapshot is not None:
        click.echo(f"snapshot taken before the first write: {report.snapshot}", err=True)
    (report_json if fmt == "json" else report_text)(report, sys.stdout)
    sys.exit(EXIT_OK if report.ok else EXIT_ERROR)


def run(org: dict[str, Any], work: Callable[[workflow.Connection], Awaitable[T]]) -> T:
    """Connect to the org the environment names, name it on stderr before anything else is
    said, and run `work` with the connection.

    A program embedding the CLI (or a test arming an in-process sandbox's faults) may pass a
    resolved `Target` as the click context object, `main(obj=target)`: it is used instead."""
    options = options_for(org, chosen(org["env_name"]))

    async def connected() -> T:
        async with workflow.connect(os.environ, options) as connection:
            banner(connection.target.label)
            return await work(connection)

    return asyncio.run(connected())


def options_for(org: dict[str, Any], environment: Environment | None) -> workflow.Options:
    """The connection options the flags in `org` give, for `environment`'s org."""
    return workflow.Options(
        allow_custom_domain=org["allow_custom_domain"],
        concurrency=org["concurrency"],
        sandbox_db=org["sandbox_db"],
        timeout=org["timeout"],
        retry=DEFAULT_POLICY.scaled(org["retry_scale"]),
        target=click.get_current_context().find_object(Target),
        environment=environment,
    )


def banner(target: str) -> None:
    click.echo(f"target: {target}", err=True)


def part_options(command: F) -> F:
    """`--target` and `--exclude`: plan (and apply) part of the change."""
    for name, verb in (("--exclude", "Leave out"), ("--target", "Plan only")):
        command = click.option(
            name,
            multiple=True,
            metavar="NAME",
            help=f"{verb} a territory and its subtree, a section (e.g. sharing_rules) or "
            "a module of one (e.g. sharing_rules.Accounts); repeatable.",
        )(command)
    return command


def check_out(out: Path, inputs: tuple[Path, ...]) -> None:
    """Refuse, before the org is read, an --out that would replace something else: a device,
    a directory, or the configuration itself (`plan cfg.yaml --out cfg.yaml`)."""
    if out.exists() and not out.is_file():
        raise ReconcilerError(f"--out {out} is not a regular file; name a file for the plan")
    target = out.resolve()
    for given in inputs:
        place = given.resolve()
        inside = place.is_dir() and target.is_relative_to(place) and out.suffix in YAML
        if target == place or inside:
            raise ReconcilerError(
                f"--out {out} is {'in ' if inside else ''}the configuration given to plan; "
                "save the plan to a file of its own, e.g. plan.json"
            )


YAML = (".yaml", ".yml")


def write_out(out: Path, saved: SavedPlan) -> None:
    """Write the plan file beside, then replace: a failed write leaves what was there."""
    aside = out.with_name(f".{out.name}.partial")
    try:
        with aside.open("w", encoding="utf-8") as stream:
            write(saved, stream)
        os.replace(aside, out)
    except OSError as exc:
        aside.unlink(missing_ok=True)
        raise ReconcilerError(f"cannot write the plan to {out}: {exc.strerror or exc}") from None


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--out",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Save the plan for `apply`.",
)
@format_option(
    "json", "markdown", help="json is the plan file; markdown is for a pull-request comment."
)
@click.option(
    "--detailed-exitcode", is_flag=True, help="Exit 2 when there are changes, 0 when none."
)
@click.option(
    "--base",
    metavar="REF",
    help="Also read the configuration at this git revision (e.g. origin/main) and show "
    "which changes come from the edit since and which are drift in the org.",
)
@click.option(
    "--records",
    is_flag=True,
    help="Also read the records the territory changes touch and show where they land "
    "(docs/record-impact.md).",
)
@part_options
@org_options
@reports_errors
def plan(
    paths: tuple[Path, ...],
    out: Path | None,
    fmt: str,
    detailed_exitcode: bool,
    base: str | None,
    records: bool,
    target: tuple[str, ...],
    exclude: tuple[str, ...],
    **org: Any,
) -> None:
    """Show what apply would change in the org to match the configuration.

    Reads only what the configuration manages; never writes to the org. With --base, each
    change is shown as from this change (the YAML edited since REF) or as drift (the org
    differs from what REF's YAML asks for, e.g. after a change made by hand).

    \b
    Example:
        reconciler plan org/ --out plan.json
        reconciler plan org/ --format markdown > plan.md
        reconciler plan org/ --detailed-exitcode   # 0 no changes, 2 changes, 1 error
        reconciler plan org/ --base origin/main --format markdown
        reconciler plan org/ --records   # which records change territory, who gains access
        reconciler plan org/ --target EMEA --out plan.json
    """
    environment = chosen(org["env_name"])
    config = load_config(paths, environment)
    if out is not None:
        check_out(out, paths)
        output_folder(out, "--out")
    base_config = load_base(base, paths, environment) if base is not None else None
    part = workflow.Part(target, exclude)
    saved = run(org, lambda c: workflow.make_plan(config, c, base_config, records, part))
    if out is not None:
        refuse_denied(saved.findings)
        write_out(out, saved)
        click.echo(f"plan saved to {out}", err=True)
    show_plan(saved, fmt)
    sys.exit(EXIT_CHANGES if detailed_exitcode and not saved.plan.empty else EXIT_OK)


@click.command()
@click.argument("source", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@applying_options
@snapshot_option
@part_options
@org_options
@reports_errors
def apply(
    source: tuple[Path, ...],
    auto_approve: bool,
    allow_deletes: bool,
    fmt: str,
    no_recheck: bool,
    snapshot_dir: Path,
    target: tuple[str, ...],
    exclude: tuple[str, ...],
    **org: Any,
) -> None:
    """Make the change: a saved plan exactly, or a fresh plan after you confirm it.

    A saved plan is refused if the objects it read have changed in the org since. Before
    the first write, what the plan touches is saved under --snapshot-dir, for `rollback`.

    \b
    Example:
        reconciler apply plan.json
        reconciler apply org/ --auto-approve
    """
    progress = _Progress()
    try:
        part = workflow.Part(target, exclude)
        gate = workflow.Gate(allow_deletes, reviewer(auto_approve), progress, snapshot_dir)
        report = _apply(source, replace(gate, recheck=not no_recheck), org, part)
    except ReconcilerError as refused:  # before the first write: say so as data too
        if fmt == "json":
            refusal_json(refused, sys.stdout)
        raise
    except KeyboardInterrupt:
        progress.interrupted()
        sys.exit(EXIT_INTERRUPTED)
    finish(report, fmt)


def _apply(
    source: tuple[Path, ...], gate: workflow.Gate, org: dict[str, Any], part: workflow.Part
) -> Report | None:
    """A saved plan as it is (it was reviewed when it was made), or a configuration planned,
    reviewed through `gate` and applied; a complete apply is noted beside the sandbox."""
    saved_file = _plan_file(source)
    if saved_file is not None and (part.targets or part.excludes):
        raise click.UsageError("--target and --exclude scope a new plan: pass them to `plan`")
    saved = loads(read_text(saved_file), str(saved_file)) if saved_file is not None else None
    config = None if saved is not None else load_config(source, chosen(org["env_name"]))

    async def work(c: workflow.Connection) -> Report | None:
        if saved is not None:
            return await workflow.apply_plan_file(
                saved,
                c,
                allow_deletes=gate.allow_deletes,
                review=_reviewed,
                listener_for=gate.listener_for,
                snapshots=gate.snapshots,
                recheck=gate.recheck,
            )
        assert config is not None
        return await workflow.apply_config(config, c, gate=gate, part=part)

    where = last_apply.file_beside(org["sandbox_db"])
    return run(org, lambda c: last_apply.noted(where, c.target.label, work(c)))


@click.command()
@click.argument("snapshot", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--plan-only",
    is_flag=True,
    help="Write the way back as a plan file for review (see --out); change nothing.",
)
@click.option(
    "--out",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    help="With --plan-only: where to save the plan [default: SNAPSHOT with .plan.json].",
)
@applying_options
@snapshot_option
@org_options
@reports_errors
def rollback(
    snapshot: Path,
    plan_only: bool,
    out: Path | None,
    auto_approve: bool,
    allow_deletes: bool,
    fmt: str,
    no_recheck: bool,
    snapshot_dir: Path,
    **org: Any,
) -> None:
    """Put back what an apply changed, from the snapshot it saved.

    Plans the way from the org as it is now to the snapshot: a territory renamed since is
    renamed back (it is followed by its id), a deleted one is created again with its fields
    and members. Then asks, as apply does.

    \b
    Example:
        reconciler rollback .reconciler/snapshots/20071234-20261204T160000Z.yaml --plan-only
        reconciler apply .reconciler/snapshots/20071234-20261204T160000Z.plan.json
    """
    text = snapshot.read_text(encoding="utf-8")
    if plan_only:
        saved = run(org, lambda c: workflow.rollback_plan(text, str(snapshot), c))
        target = out or snapshot.with_suffix(".plan.json")
        target.write_text(dumps(saved), encoding="utf-8")
        plan_text(saved.plan, sys.stdout, color=wants_color(sys.stdout))
        click.echo(f"plan saved to {target}; apply it with: reconciler apply {target}", err=True)
        sys.exit(EXIT_OK)
    report = run(
        org,
        lambda c: workflow.rollback(
            text,
            str(snapshot),
            c,
            allow_deletes=allow_deletes,
            review=reviewer(auto_approve),
            listener_for=progress_for,
            snapshots=snapshot_dir,
            recheck=not no_recheck,
        ),
    )
    finish(report, fmt)


def _plan_file(source: tuple[Path, ...]) -> Path | None:
    """A saved plan, known by its content whatever its name (`tfplan`, `plan.JSON`); a
    `.json` file that is not one is refused as a damaged plan, not read as YAML."""
    if len(source) != 1 or not source[0].is_file():
        return None
    path = source[0]
    if path.suffix.lower() == ".json":
        return path
    return path if is_plan_text(path.read_text(encoding="utf-8", errors="replace")) else None


async def _reviewed(saved: SavedPlan) -> bool:
    """A saved plan was reviewed when it was made."""
    return True


def reviewer(auto_approve: bool) -> workflow.Review:
    """Show the plan on stderr and ask, unless told not to; refuse without a terminal."""

    async def review(saved: SavedPlan) -> bool:
        plan_text(saved.plan, sys.stderr, color=wants_color(sys.stderr))
        sys.stderr.write("".join(f"{line}\n" for line in safety_lines(saved)))
        if saved.plan.empty or auto_approve:
            return True
        if not can_ask():
            raise ApplyError("not applied: no terminal to confirm on; pass --auto-approve")
        try:
            approved = await asyncio.to_thread(click.confirm, "Apply these changes?", err=True)
        except click.Abort:  # Ctrl-C or end of input at the question
            approved = False
        if not approved:
            click.echo("Not applied.", err=True)
        return approved

    return review


def can_ask() -> bool:
    return sys.stdin.isatty()


def progress_for(plan: Plan, waits: Callable[[], list[str]] = no_waits) -> Listener:
    """A bar on a terminal (`TERM=dumb` is none), a line per finished step otherwise."""
    from reconciler.render.progress import BarProgress, PlainProgress

    terminal = sys.stderr.isatty() and not Console(file=sys.stderr).is_dumb_terminal
    return (BarProgress if terminal else PlainProgress)(plan, sys.stderr, waits)


class _Progress:
    """Makes the apply's progress (a bar on a terminal, a line per step otherwise) and
    keeps it, so that an interruption can say how far the apply got."""

    def __init__(self) -> None:
        self.made: Tally | None = None

    def __call__(self, plan: Plan, waits: Callable[[], list[str]]) -> Listener:
        made = progress_for(plan, waits)
        assert isinstance(made, Tally)
        self.made = made
        return made

    def interrupted(self) -> None:
        from reconciler.render.progress import BarProgress, interrupted_text

        if isinstance(self.made, BarProgress):
            self.made.stop()
        if self.made is None:
            click.echo("Interrupted: nothing was applied.", err=True)
        else:
            interrupted_text(self.made, sys.stderr)


@click.command()
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write to a file instead of standard output.",
)
@click.option(
    "--sections",
    default=",".join(workflow.SECTIONS),
    show_default=True,
    help="Comma-separated: territories, data_sharing, sharing_rules.",
)
@org_options
@reports_errors
def export(output: Path | None, sections: str, **org: Any) -> None:
    """Write the live org as YAML, to adopt an org that already has territories.

    Planning the exported file right away shows no changes.

    \b
    Example:
        reconciler export -o org/territories.yaml
        reconciler export --sections territories > territories.yaml
    """
    chosen = [s.strip() for s in sections.split(",") if s.strip()]
    unknown = sorted(set(chosen) - set(workflow.SECTIONS))
    if unknown or not chosen:
        raise click.BadParameter(
            f"choose from {', '.join(workflow.SECTIONS)}", param_hint="--sections"
        )
    if output is not None:
        output_folder(output, "--output")
    schema = schema_reference(output)
    text = run(org, lambda c: workflow.export_org(c, chosen, schema))
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")
        click.echo(f"wrote {output}", err=True)


@click.command()
@format_option("json", help="json gives every check as data.")
@org_options
@reports_errors
def doctor(fmt: str, **org: Any) -> None:
    """Check that the org is ready: credentials, scopes, edition, Territory Management.

    Makes a few cheap reads and writes nothing. Each check prints what it found and, when
    something is wrong, what to do. Exit 0 when nothing failed (warnings allowed), 1 otherwise.

    \b
    Example:
        reconciler doctor
        reconciler doctor --format json | jq '.checks[] | select(.status != "ok")'
        ZOHO_DC=eu ZOHO_CLIENT_ID=... ZOHO_CLIENT_SECRET=... ZOHO_REFRESH_TOKEN=... \\
        reconciler doctor
    """
    from reconciler.doctor.probes import diagnose
    from reconciler.doctor.verdict import Status
    from reconciler.render.doctor import doctor_json, doctor_text

    checks = run(org, diagnose)
    (doctor_json if fmt == "json" else doctor_text)(checks, sys.stdout)
    sys.exit(EXIT_ERROR if any(c.status is Status.fail for c in checks) else EXIT_OK)
