"""The debug log (`--verbose`, or `RECONCILER_LOG=debug|info|warning`): every call the client
makes, with its status and time, retries and token refreshes, on stderr. Every line goes
through `redact` once more as it is written, so no secret reaches it whatever a message
holds."""

from __future__ import annotations

import logging
import sys
from collections.abc import Mapping

import click

from reconciler.zoho.redact import redact

ENV = "RECONCILER_LOG"
LEVELS = {"debug": logging.DEBUG, "info": logging.INFO, "warning": logging.WARNING}
_handler: logging.Handler | None = None


class _Redacting(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = redact(record.getMessage()), None
        return True


def configure(verbose: bool, environ: Mapping[str, str]) -> None:
    """Log the tool's own loggers (not the emulator's) to stderr at the level asked for."""
    global _handler
    name = "debug" if verbose else environ.get(ENV, "").strip().lower()
    if name and name not in LEVELS:
        raise click.BadParameter(f"{ENV}={name!r}: use one of {', '.join(LEVELS)}")
    logger = logging.getLogger("reconciler")
    if _handler is not None:  # a second run in one process (tests, an embedding program)
        logger.removeHandler(_handler)
        logger.setLevel(logging.NOTSET)
        _handler = None
    if not name:
        return
    _handler = logging.StreamHandler(sys.stderr)
    _handler.addFilter(_Redacting())
    _handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    logger.addHandler(_handler)
    logger.setLevel(LEVELS[name])
    logging.getLogger("reconciler.sandbox").setLevel(logging.WARNING)
