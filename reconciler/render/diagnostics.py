"""Diagnostics and short messages -> text, JSON, or GitHub workflow annotations.

Library code never prints: the CLI hands these functions the stream to write to.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TextIO

from reconciler.counts import plural
from reconciler.errors import Diagnostic
from reconciler.model import OrgState


def diagnostics_text(diagnostics: Sequence[Diagnostic], out: TextIO) -> None:
    """`FILE:LINE:COL: error: message`, a hint line where one helps, then a summary."""
    for d in diagnostics:
        out.write(f"{d}\n" if d.hint is None else f"{_line(d)}\n    hint: {d.hint}\n")
    out.write(f"{_summary(diagnostics)}\n")


def _line(d: Diagnostic) -> str:
    return f"{d.where}: error: {d.message}"


def _summary(diagnostics: Sequence[Diagnostic]) -> str:
    files = len({d.file for d in diagnostics})
    count = len(diagnostics)
    return f"{plural(count, 'error', 'errors')} in {plural(files, 'file', 'files')}"


def diagnostics_json(diagnostics: Sequence[Diagnostic], out: TextIO, *, files: int) -> None:
    """The same list as data: `{"valid": bool, "errors": [...]}`."""
    payload = {
        "valid": not diagnostics,
        "files": files,
        "errors": [
            {
                "file": d.file,
                "line": d.line,
                "column": d.column,
                "message": d.message,
                "hint": d.hint,
            }
            for d in diagnostics
        ],
    }
    out.write(json.dumps(payload, indent=2) + "\n")


def github_annotations(diagnostics: Sequence[Diagnostic], out: TextIO) -> None:
    """Workflow commands that make GitHub show each error on the pull request's diff."""
    for d in diagnostics:
        message = d.message if d.hint is None else f"{d.message} ({d.hint})"
        location = f"file={_escape_property(d.file)}"
        if d.line:
            location += f",line={d.line},col={d.column}"
        out.write(f"::error {location}::{_escape_data(message)}\n")


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def valid_text(files: int, summary: str, out: TextIO) -> None:
    out.write(f"ok: {plural(files, 'file', 'files')} valid ({summary})\n")


def state_summary(state: OrgState) -> str:
    """What a configuration declares, in a few words."""
    parts = []
    if state.territories is not None:
        members = sum(len(t.users or ()) for t in state.territories)
        parts.append(plural(len(state.territories), "territory", "territories"))
        parts.append(plural(members, "membership", "memberships"))
    if state.data_sharing is not None:
        parts.append(plural(len(state.data_sharing), "default", "defaults"))
    if state.sharing_rules is not None:
        rules = sum(len(r) for r in state.sharing_rules.values())
        parts.append(plural(rules, "sharing rule", "sharing rules"))
    return ", ".join(parts) or "nothing managed"
