"""A drift report as text (a terminal, a CI log), versioned JSON, or markdown (an issue or a
pull request): each drifted object, what the org has, and the audit-log entries behind it,
or "no audit entry found"."""

from __future__ import annotations

import json
from typing import Any, TextIO

from reconciler.counts import plural
from reconciler.plan.attribution import AuditEntry
from reconciler.plan.drift import DriftItem, DriftReport
from reconciler.render.markdown import escape
from reconciler.render.words import value_text

NO_ENTRY = "no audit entry found"
NO_DRIFT = "No drift: the org matches the configuration."


def drift_text(found: DriftReport, out: TextIO) -> None:
    if found.empty:
        out.write(NO_DRIFT + "\n")
        return
    out.write(_window(found) + "\n")
    for item in found.items:
        out.write(f"\n~ {item.kind} {item.name}: {item.summary}\n")
        for line in _details(item, found.attribution.read):
            out.write(f"    {line}\n")
    out.write(f"\n{_count(found)}\n")


def drift_markdown(found: DriftReport) -> str:
    lines = [f"### Drift in {escape(found.target)}", ""]
    if found.empty:
        return "\n".join([*lines, NO_DRIFT, ""])
    lines += [escape(_window(found)), ""]
    lines += [f"**{_count(found)}**", ""]
    for item in found.items:
        lines.append(f"- **{escape(item.kind)} {escape(item.name)}**: {escape(item.summary)}")
        lines += [f"  - {escape(line)}" for line in _details(item, found.attribution.read)]
    lines += [
        "",
        "Keep it: `reconciler adopt` (writes it into the YAML). Undo it: `reconciler apply`.",
    ]
    return "\n".join(lines) + "\n"


def drift_json(found: DriftReport, out: TextIO) -> None:
    data: dict[str, Any] = found.model_dump(mode="json")
    out.write(json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n")


def _window(found: DriftReport) -> str:
    attribution = found.attribution
    span = f"{attribution.since:%Y-%m-%d %H:%M} to {attribution.until:%Y-%m-%d %H:%M} UTC"
    if attribution.read:
        entries = plural(attribution.entries, "settings entry", "settings entries")
        return f"audit log read from {span} ({entries})"
    return f"warning: drift is not attributed: {attribution.reason}"


def _count(found: DriftReport) -> str:
    attributed = sum(1 for item in found.items if item.entries)
    return (
        f"{plural(len(found.items), 'drifted object')}, {attributed} attributed from the audit log"
    )


def _details(item: DriftItem, read: bool) -> list[str]:
    """An item's fields (the org's value, the YAML's), then its audit entries."""
    fields = [_field(f.field, f.before, f.after) for f in item.fields]
    return fields + _entries(item, read)


def _field(name: str, org: Any, yaml: Any) -> str:
    return f"{name}: org {value_text(name, org)}, YAML {value_text(name, yaml)}"


def _entries(item: DriftItem, read: bool) -> list[str]:
    if not read:
        return []
    if not item.entries:
        return [NO_ENTRY]
    return [_entry(entry) for entry in item.entries]


def _entry(entry: AuditEntry) -> str:
    when = entry.time.strftime("%Y-%m-%d %H:%M:%S %Z").strip()
    what = f"{entry.action} {entry.record_name}".strip()
    if entry.field:
        what += f" {entry.field}: {entry.old or '(none)'} -> {entry.new or '(none)'}"
    return f"by {entry.user} at {when}: {what}"
