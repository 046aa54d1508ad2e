"""The command line: the only composition root. Each command parses its arguments, calls one
library function, renders the result to a stream and returns an exit code."""

from __future__ import annotations

import importlib
import os
import sys
from pathlib import Path
from typing import Any

import click

from reconciler import __version__
from reconciler.cli.exits import EXIT_ERROR, EXIT_OK, reports_errors, usage_errors_exit_1
from reconciler.cli.files import SCHEMA_PATH, output_folder
from reconciler.cli.options import format_option
from reconciler.counts import plural
from reconciler.errors import ConfigError


class Commands(click.Group):
    """Loads a command's module when the command is used, so `--help` starts fast."""

    # name -> (module, the first line of its docstring); a test keeps the lines true.
    lazy = {
        "plan": (
            "reconciler.cli.org",
            "Show what apply would change in the org to match the configuration.",
        ),
        "apply": (
            "reconciler.cli.org",
            "Make the change: a saved plan exactly, or a fresh plan after you confirm it.",
        ),
        "rollback": (
            "reconciler.cli.org",
            "Put back what an apply changed, from the snapshot it saved.",
        ),
        "export": (
            "reconciler.cli.org",
            "Write the live org as YAML, to adopt an org that already has territories.",
        ),
        "drift": (
            "reconciler.cli.drift",
            "Show where the org differs from the configuration, and who changed it.",
        ),
        "adopt": (
            "reconciler.cli.drift",
            "Write the org's drift into the configuration files, keeping everything else.",
        ),
        "doctor": (
            "reconciler.cli.org",
            "Check that the org is ready: credentials, scopes, edition, Territory Management.",
        ),
        "promote": (
            "reconciler.cli.promote",
            "Apply to one environment's org the change applied and verified in another.",
        ),
        "diff": (
            "reconciler.cli.promote",
            "Show how two environments' orgs differ in what the configuration manages.",
        ),
        "sandbox": (
            "reconciler.sandbox.cli",
            "The local Zoho CRM stand-in: serve it, reset it, read its request log.",
        ),
    }

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy})

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = []
        for name in self.list_commands(ctx):
            if name in self.lazy and name not in self.commands:
                rows.append((name, self.lazy[name][1]))
            else:
                command = self.commands[name]
                rows.append((name, command.get_short_help_str(limit=formatter.width)))
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: click.Context | None = None,
        **extra: Any,
    ) -> click.Context:
        with usage_errors_exit_1():
            return super().make_context(info_name, args, parent, **extra)

    def invoke(self, ctx: click.Context) -> Any:
        """Every subcommand (and subgroup) parses its arguments in here."""
        with usage_errors_exit_1():
            return super().invoke(ctx)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in self.lazy and name not in self.commands:
            module = importlib.import_module(self.lazy[name][0])
            command = getattr(module, name)
            assert isinstance(command, click.Command)
            return command
        return super().get_command(ctx, name)


@click.group(cls=Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="reconciler")
@click.option(
    "--verbose",
    "-v",
    is_flag=True,
    help="Log every call to stderr: method, path, status, time, retries; never a secret "
    "(or RECONCILER_LOG=debug).",
)
def main(verbose: bool) -> None:
    """Config-as-code for Zoho CRM territories, memberships and data sharing.

    \b
    Example:
        reconciler validate org/
        reconciler plan org/ --out plan.json
        reconciler apply plan.json
        reconciler --verbose plan org/   # and every call, on stderr
    """
    from reconciler.cli.logs import configure

    configure(verbose, os.environ)


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@format_option("json", help="json prints the list of problems as data.")
@click.option(
    "--env",
    "env_name",
    metavar="NAME",
    envvar="RECONCILER_ENV",
    help="Check the configuration as this environment of reconciler.toml sees it "
    "(its overlays merged, its user mapping applied).",
)
@reports_errors
def validate(paths: tuple[Path, ...], fmt: str, env_name: str | None) -> None:
    """Check configuration files offline and report every problem at once.

    Names that only the live org can resolve (users, roles, groups) are checked by `plan`.
    Under GitHub Actions the errors are also emitted as annotations on the diff.

    \b
    Example:
        reconciler validate org/
        reconciler validate examples/territories.yaml --format json
        reconciler validate org/ --env sandbox
    """
    from reconciler.cli.environment import chosen, load_config
    from reconciler.render import diagnostics

    try:
        config = load_config(paths, chosen(env_name))
    except ConfigError as exc:
        if fmt == "json":
            diagnostics.diagnostics_json(exc.diagnostics, sys.stdout, files=len(paths))
            if os.environ.get("GITHUB_ACTIONS") == "true":
                diagnostics.github_annotations(exc.diagnostics, sys.stdout)
            sys.exit(EXIT_ERROR)
        raise
    if fmt == "json":
        diagnostics.diagnostics_json([], sys.stdout, files=len(config.files))
    else:
        diagnostics.valid_text(
            len(config.files), diagnostics.state_summary(config.state), sys.stdout
        )


@main.command("fmt")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--check",
    is_flag=True,
    help="Write nothing: name the files that need formatting and exit 1 if there are any.",
)
@click.option("--diff", "show_diff", is_flag=True, help="Print each change as a unified diff.")
@reports_errors
def fmt_command(paths: tuple[Path, ...], check: bool, show_diff: bool) -> None:
    """Rewrite configuration files in the canonical layout, keeping their comments.

    Key order, indentation and list style as `export` writes them; values and comments are
    kept. Files that do not parse are reported as `validate` reports them, and then no file
    is written.

    \b
    Example:
        reconciler fmt org/
        reconciler fmt --check org/   # 1 if a file needs formatting (CI, pre-commit)
        reconciler fmt --check --diff org/   # and what would change
    """
    from reconciler.config.fmt import format_paths, unified_diff

    results = format_paths(paths)
    changed = [r for r in results if r.changed]
    for result in changed:
        if show_diff:
            sys.stdout.write(unified_diff(result))
        if not check:
            Path(result.name).write_bytes(result.text.encode())
        click.echo(f"{'would reformat' if check else 'reformatted'} {result.name}", err=True)
    verb = "would be reformatted" if check else "reformatted"
    unchanged = len(results) - len(changed)
    click.echo(
        f"{plural(len(changed), 'file')} {verb}, {plural(unchanged, 'file')} already formatted",
        err=True,
    )
    sys.exit(EXIT_ERROR if check and changed else EXIT_OK)


@main.command()
@click.argument("planfile", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@format_option(
    "json",
    "markdown",
    help="json is the plan file; markdown is for a pull-request comment or summary.",
)
@reports_errors
def show(planfile: Path, fmt: str) -> None:
    """Show a saved plan, as `plan` showed it; offline, after checking the file is intact.

    For the log and the summary of the job that applies a reviewed plan.

    \b
    Example:
        reconciler show plan.json
        reconciler show plan.json --format markdown >> "$GITHUB_STEP_SUMMARY"
    """
    from reconciler.cli.plans import show_plan
    from reconciler.plan.file import loads

    show_plan(loads(planfile.read_text(encoding="utf-8"), str(planfile)), fmt)


@main.command()
@click.option(
    "--output",
    "-o",
    type=click.Path(path_type=Path),
    default=SCHEMA_PATH,
    show_default=True,
    help="Where to write the schema; - for standard output.",
)
@reports_errors
def schema(output: Path) -> None:
    """Write the JSON schema of the YAML format (for editors and the language server).

    \b
    Example:
        reconciler schema
        reconciler schema -o - | jq '.properties | keys'
    """
    from reconciler.config.document import schema_text

    text = schema_text()
    if str(output) == "-":
        sys.stdout.write(text)
        return
    output_folder(output, "--output")
    output.write_text(text, encoding="utf-8")
    click.echo(f"wrote {output}", err=True)
