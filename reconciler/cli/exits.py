"""Exit codes, and the one place where the tool's exceptions become messages (DESIGN §3:
only cli/ turns exceptions into words and exit codes)."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

import click

from reconciler.cli.streams import redacted_output
from reconciler.errors import ConfigError, PlanFileError, ReconcilerError, StalePlan, UnsafePlan
from reconciler.zoho.redact import redact

F = TypeVar("F", bound=Callable[..., Any])
EXIT_OK, EXIT_ERROR, EXIT_CHANGES = 0, 1, 2


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
