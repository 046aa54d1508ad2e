"""The saved plan: versioned JSON with a checksum, byte-for-byte stable for the same input.

The file holds the plan (summary, changes, steps, live fingerprints) and the context it was
made in (target org, config files and their digest, tool version). Only fields a step sets
are written, so a reloaded step sends exactly what the original would have. No secret is
ever part of it: the target is named by its API domain and org id only.
"""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path
from typing import Any, TextIO

from pydantic import Field, ValidationError

from reconciler import __version__
from reconciler.config.bounds import TooMuch, read_bounded
from reconciler.errors import PlanFileError
from reconciler.model import Frozen
from reconciler.plan.build import Plan
from reconciler.plan.impact import RecordImpact
from reconciler.plan.json_stream import Lines, Open, OpenList, canonical, pretty
from reconciler.plan.partial import Partial
from reconciler.plan.policy import Finding
from reconciler.plan.trust import graph_problems
from reconciler.scope import Scope

FORMAT_VERSION = 3  # of the plan file; a reader refuses any other


class PlannedOrg(Frozen):
    """Which org a plan was made for: `label` says where in words (DESIGN §1's banner)."""

    kind: str  # "sandbox" or "zoho"
    label: str
    api_domain: str
    org_id: str | None = None
    org_name: str | None = None

    def describe(self) -> str:
        if self.kind == "sandbox":
            return self.label
        org = f" (org {self.org_id})" if self.org_id else ""
        return f"{self.label}{org}"


class Base(Frozen):
    """The git revision whose configuration the changes were labelled against
    (`plan --base`): `ref` as given, `commit` the full hash it named."""

    ref: str
    commit: str

    def describe(self) -> str:
        short = self.commit[:7]
        return short if self.commit.startswith(self.ref.lower()) else f"{self.ref} at {short}"


class SavedPlan(Frozen):
    """A plan with what it was made from and against: `apply` re-reads `scope` to check
    that the org has not moved since."""

    plan: Plan
    target: PlannedOrg
    scope: Scope = Field(default_factory=Scope)
    config_files: tuple[str, ...] = ()
    config_digest: str = ""
    base: Base | None = None
    tool_version: str = __version__
    partial: Partial | None = None  # a scoped plan (`--target`/`--exclude`)
    # What the policies found: shown with the plan, never saved (a denied plan is not saved).
    findings: tuple[Finding, ...] = Field(default=(), exclude=True)


def write(saved: SavedPlan, out: TextIO) -> None:
    """Write the plan file's text to `out` piece by piece: the record changes (one line
    each) are written as they are made from the plan's compact form, never held as one
    document, and the checksum is worked out from the same pieces first."""
    payload = _payload(saved)
    payload["checksum"] = _checksum(payload)
    for piece in pretty(payload):
        out.write(piece)
    out.write("\n")


def dumps(saved: SavedPlan) -> str:
    """The plan file's text: the payload, then its checksum."""
    text = io.StringIO()
    write(saved, text)
    return text.getvalue()


def _payload(saved: SavedPlan) -> Open:
    plan = saved.plan
    payload = Open(
        {
            "format_version": FORMAT_VERSION,
            "tool": {"name": "reconciler", "version": saved.tool_version},
            "target": saved.target.model_dump(mode="json"),
            "config": {
                "files": list(saved.config_files),
                "sha256": saved.config_digest,
                "base": saved.base.model_dump(mode="json") if saved.base else None,
            },
            "summary": plan.summary.model_dump(mode="json"),
            "unsafe": list(plan.unsafe),
            "changes": plan.changes.model_dump(mode="json", exclude_unset=True, by_alias=True),
            "steps": [s.model_dump(mode="json", exclude_unset=True) for s in plan.steps],
            "scope": saved.scope.model_dump(mode="json"),
            "fingerprints": {k: v.model_dump(mode="json") for k, v in plan.fingerprints.items()},
            "tree": plan.tree,
            # Only a scoped plan says so: a whole plan's file is as it always was.
            **({"partial": saved.partial.model_dump(mode="json")} if saved.partial else {}),
        }
    )
    if plan.records is not None:  # only plans that read records carry the key
        payload["records"] = _records(plan.records)
    if plan.restore is not None:  # only a rollback that gives records back
        payload["restore"] = plan.restore.model_dump(mode="json")
    return payload


def _records(impact: RecordImpact) -> Open:
    """The `records` object, each module's `changes` last and made as it is written."""
    head = impact.model_dump(mode="json", exclude={"modules": {"__all__": {"changes"}}})
    modules = OpenList(
        Open({**dumped, "changes": Lines(module.changes.json_items)})
        for dumped, module in zip(head["modules"], impact.modules, strict=True)
    )
    return Open({**head, "modules": modules})


def _opened(payload: dict[str, Any]) -> Open:
    """A payload read from a file, its record changes as `Lines`: the checksum is worked
    out a change at a time rather than as one text."""
    records = payload.get("records")
    if not isinstance(records, dict) or not isinstance(records.get("modules"), list):
        return Open(payload)
    modules = OpenList(
        Open({**m, "changes": Lines.of(m["changes"])})
        if isinstance(m, dict) and isinstance(m.get("changes"), list)
        else m
        for m in records["modules"]
    )
    return Open({**payload, "records": Open({**records, "modules": modules})})


def _checksum(payload: Open) -> str:
    digest = hashlib.sha256()
    for piece in canonical(payload):
        digest.update(piece.encode())
    return "sha256:" + digest.hexdigest()


def read_text(path: Path) -> str:
    """A plan file's text, bounded; PlanFileError for a device, a huge or a binary file."""
    try:
        raw = read_bounded(path)
    except TooMuch as exc:
        raise PlanFileError(f"{path} is not a plan file: {exc}") from None
    except OSError as exc:
        raise PlanFileError(f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise PlanFileError(f"{path} is not a plan file: it is not UTF-8 text") from None


def loads(text: str, source: str = "plan file") -> SavedPlan:
    """Read a plan file back; refuse it if it was altered, damaged, or is of a newer format."""
    try:
        payload = json.loads(text)
    except json.JSONDecodeError as exc:
        raise PlanFileError(f"{source} is not JSON ({exc.msg} at line {exc.lineno})") from None
    except (ValueError, RecursionError):  # an integer too long; nesting too deep
        raise PlanFileError(f"{source} is not a reconciler plan (unreadable JSON)") from None
    if not isinstance(payload, dict):
        raise PlanFileError(f"{source} is not a reconciler plan")
    version = payload.get("format_version")
    if version != FORMAT_VERSION:
        raise PlanFileError(
            f"{source} has format version {version!r}; this reconciler reads {FORMAT_VERSION}"
        )
    claimed = payload.pop("checksum", None)
    if claimed != _checksum(_opened(payload)):
        raise PlanFileError(f"{source} was changed after it was written (checksum mismatch)")
    try:
        saved = _saved(payload)
    except (ValidationError, KeyError, TypeError) as exc:
        raise PlanFileError(f"{source} is not a valid plan: {exc}") from None
    problems = graph_problems(saved.plan.steps)
    if problems:
        raise PlanFileError(f"{source} is not a valid plan: {'; '.join(problems)}")
    return saved


def _saved(payload: dict[str, Any]) -> SavedPlan:
    plan = Plan.model_validate(
        {
            "summary": payload["summary"],
            "unsafe": payload["unsafe"],
            "changes": payload["changes"],
            "steps": payload["steps"],
            "fingerprints": payload["fingerprints"],
            "tree": payload["tree"],
            "records": payload.get("records"),
            "restore": payload.get("restore"),
        }
    )
    return SavedPlan(
        plan=plan,
        scope=Scope.model_validate(payload["scope"]),
        target=PlannedOrg.model_validate(payload["target"]),
        config_files=tuple(payload["config"]["files"]),
        config_digest=payload["config"]["sha256"],
        base=payload["config"]["base"],
        tool_version=payload["tool"]["version"],
        partial=payload.get("partial"),
    )


def is_plan_text(text: str) -> bool:
    """Whether a file's text is a saved plan rather than a YAML configuration: a JSON object
    that carries the plan's `format_version` key (a configuration has no such key)."""
    start = text.lstrip("\ufeff \t\r\n")
    return start.startswith("{") and '"format_version"' in text
