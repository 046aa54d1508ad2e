"""Exit codes, and the one place where the tool's exceptions become messages (DESIGN §3:
only cli/ turns exceptions into words and exit codes)."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import Any, TypeVar

import click

from reconciler.cli.streams import redacted_output
from reconciler.errors import (
    ConfigError,
    PlanFileError,
    ReconcilerError,
    ScopeError,
    StalePlan,
    UnsafePlan,
)
from reconciler.zoho.redact import redact

F = TypeVar("F", bound=Callable[..., Any])
EXIT_OK, EXIT_ERROR, EXIT_CHANGES = 0, 1, 2
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report Ctrl-C


@contextmanager
def usage_errors_exit_1() -> Iterator[None]:
    """Click exits 2 on a usage error (an unknown option or command, a bad value, a missing
    argument or path), the code `plan --detailed-exitcode` gives to "changes pending": a
    typo in a drift job would read as drift. Usage errors are errors, exit 1, as in
    Terraform."""
    try:
        yield
    except click.UsageError as exc:
        exc.show()  # what click would print
        raise click.exceptions.Exit(EXIT_ERROR) from None


def reports_errors(command: F) -> F:
    """Turn the tool's exceptions into a message on stderr and exit code 1."""

    @wraps(command)
    def run(*args: Any, **kwargs: Any) -> Any:
        with redacted_output():
            return _reported(command, *args, **kwargs)

    return run  # type: ignore[return-value]


def _reported(command: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Run the command; the tool's exceptions become a message and exit code 1."""
    try:
        return command(*args, **kwargs)
    except ConfigError as exc:
        from reconciler.render import diagnostics

        diagnostics.diagnostics_text(exc.diagnostics, sys.stderr)
        if os.environ.get("GITHUB_ACTIONS") == "true":
            diagnostics.github_annotations(exc.diagnostics, sys.stdout)
        sys.exit(EXIT_ERROR)
    except StalePlan as exc:
        lines = "\n".join(f"  - {what}" for what in exc.changed)
        click.echo(f"error: {exc}:\n{lines}", err=True)
        sys.exit(EXIT_ERROR)
    except ScopeError as exc:
        problems = "\n".join(f"  - {why}" for why in exc.problems)
        click.echo(f"error: the scope cuts what the plan needs:\n{problems}", err=True)
        sys.exit(EXIT_ERROR)
    except UnsafePlan as exc:
        reasons = "\n".join(f"  - {why}" for why in exc.reasons)
        click.echo(f"error: refusing to apply: the plan\n{reasons}", err=True)
        sys.exit(EXIT_ERROR)
    except (ReconcilerError, PlanFileError) as exc:
        click.echo(f"error: {redact(str(exc))}", err=True)
        sys.exit(EXIT_ERROR)
    except (KeyboardInterrupt, click.exceptions.Exit, click.ClickException):
        raise
    except Exception as exc:
        # A bug of ours: say so plainly. The traceback only on request.
        if os.environ.get("RECONCILER_DEBUG"):
            raise
        click.echo(
            f"internal error: {type(exc).__name__}: {redact(str(exc))}\n"
            "This is a bug in reconciler; set RECONCILER_DEBUG=1 to see the traceback.",
            err=True,
        )
        sys.exit(EXIT_ERROR)
