"""Every command's `Example:` block (its `--help`) works as written: each `reconciler` call
parses with the CLI's own parser, the repository files it names exist, and a call that points
at a custom server carries `--allow-custom-domain`."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest

from reconciler.cli.main import main
from tests.test_ci_examples import check, commands
from tests.test_cli_exits import EVERY_COMMAND

ROOT = Path(__file__).parent.parent
REPO_FILE = re.compile(r"^(?:bench|examples|schemas|docs)/\S+\.\w+$")


def example(path: list[str]) -> str:
    context = click.Context(main)
    command: click.Command | None = main
    for name in path:
        assert isinstance(command, click.Group)
        command = command.get_command(context, name)
    assert command is not None and command.help
    _, _, text = command.help.partition("Example:")
    return text.replace("\b", "")


EXAMPLES = [(" ".join(path), example(path)) for path in EVERY_COMMAND]


@pytest.mark.parametrize(("name", "text"), EXAMPLES, ids=[n for n, _ in EXAMPLES])
def test_help_examples_work_as_written(name: str, text: str) -> None:
    calls = [words for words in commands(text) if words[0] == "reconciler"]
    assert calls, f"`reconciler {name} --help` shows no example"
    for words in calls:
        check(words[1:])
        for word in words:
            if REPO_FILE.match(word):
                assert (ROOT / word).is_file(), f"`{' '.join(words)}`: no file {word}"
    if "ZOHO_API_DOMAIN=" in text:
        assert "--allow-custom-domain" in text, f"{name}: a custom server needs the flag"
