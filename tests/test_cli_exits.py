"""Exit codes: a usage error is an error (1) everywhere, never the 2 of "changes pending"."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from reconciler.cli.exits import EXIT_CHANGES, EXIT_ERROR
from reconciler.cli.main import main

ROOT = Path(__file__).parent.parent


def command_paths(group: click.Group, ctx: click.Context, prefix: list[str]) -> Iterator[list[str]]:
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        assert command is not None
        yield [*prefix, name]
        if isinstance(command, click.Group):
            yield from command_paths(command, ctx, [*prefix, name])


EVERY_COMMAND = list(command_paths(main, click.Context(main), []))  # type: ignore[arg-type]


@pytest.mark.parametrize("command", EVERY_COMMAND, ids=" ".join)
def test_an_unknown_option_exits_1(command: list[str]) -> None:
    result = CliRunner().invoke(main, [*command, "--no-such-option"])
    assert result.exit_code == EXIT_ERROR, result.output
    assert "No such option" in result.stderr


@pytest.mark.parametrize(
    "args",
    [
        [],  # no command: the help, and an error
        ["no-such-command"],
        ["plan", "--format", "xml", "examples/territories.yaml"],  # a bad choice
        ["plan", "--out"],  # an option without its value
        ["apply"],  # a missing argument
        ["apply", "no-such-plan.json"],  # a path that does not exist
        ["sandbox", "reset", "--seed", "no-such-seed.yaml"],
        ["sandbox", "no-such-command"],
        ["plan", "--concurrency", "many", "examples/territories.yaml"],  # not a number
    ],
    ids=repr,
)
def test_usage_errors_exit_1_not_2(args: list[str]) -> None:
    result = CliRunner().invoke(main, args)
    assert result.exit_code == EXIT_ERROR != EXIT_CHANGES, result.output


def test_help_and_version_exit_0() -> None:
    assert CliRunner().invoke(main, ["--help"]).exit_code == 0
    assert CliRunner().invoke(main, ["plan", "--help"]).exit_code == 0
    assert CliRunner().invoke(main, ["--version"]).exit_code == 0


def test_the_readme_says_usage_errors_exit_1() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = re.search(r"\| exit code \|.*?\n\n", readme, re.DOTALL)
    assert table is not None, "README: the table of exit codes"
    rows = dict(re.findall(r"^\| `(\d)` \| (.*?) \|$", table.group(), re.MULTILINE))
    assert set(rows) == {"0", "1", "2"}
    assert "usage error" in rows["1"]
    assert "--detailed-exitcode" in rows["2"]
