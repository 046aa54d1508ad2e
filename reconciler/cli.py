"""The command line: the only composition root. Each command parses its arguments, calls one
library function, renders the result to a stream and returns an exit code."""

from __future__ import annotations

import click

from reconciler import __version__


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="reconciler")
def main() -> None:
    """Config-as-code for Zoho CRM territories, memberships and data sharing.

    \b
    Example:
        reconciler validate org/
        reconciler plan org/ --out plan.json
        reconciler apply plan.json
    """
