"""The command line: the only composition root (DESIGN §3)."""

from reconciler.cli.main import main

__all__ = ["main"]
