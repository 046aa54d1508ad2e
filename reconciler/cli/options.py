"""Options several commands share."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click


def format_option(*choices: str, help: str) -> Callable[[Any], Any]:
    """`--format` with `choices`, text first and the default."""
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(["text", *choices]),
        default="text",
        show_default=True,
        help=help,
    )
