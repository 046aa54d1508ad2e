"""render_report: the apply report as text and as versioned, documented JSON."""

from __future__ import annotations

import io
import json
from pathlib import Path

from reconciler.apply.report import ItemReport, Report, StepReport
from reconciler.render.report import report_json, report_text

DOC = Path(__file__).parent.parent / "docs" / "apply.md"
REPORT = Report(
    steps=(
        StepReport(
            step=1,
            level=1,
            action="create_territories",
            status="failed",
            code="INVALID_DATA",
            message="invalid data",
            items=(
                ItemReport(label="Europe", ok=True, code="SUCCESS", message="created"),
                ItemReport(label="UK & Ireland", ok=False, code="INVALID_DATA", message="bad"),
            ),
            seconds=0.2,
        ),
        StepReport(
            step=2,
            level=2,
            action="add_users_to_territory",
            status="skipped",
            message="waits for step 1, which did not succeed",
        ),
        StepReport(step=3, level=1, action="set_defaults", status="done", seconds=0.1),
    ),
    seconds=0.4,
)


def test_the_text_names_failures_and_skips_then_sums_up() -> None:
    out = io.StringIO()
    report_text(REPORT, out)
    assert out.getvalue().splitlines() == [
        "failed: step 1 (create territories): INVALID_DATA: invalid data",
        "    UK & Ireland: INVALID_DATA: bad",
        "skipped: step 2 (add users to a territory): waits for step 1, which did not succeed",
        "Apply incomplete: 1 done, 1 failed, 1 skipped in 0.4s.",
        "Run plan again to see what is left; apply converges when run again.",
    ]


def test_the_json_is_versioned_and_every_key_is_documented() -> None:
    out = io.StringIO()
    report_json(REPORT, out)
    payload = json.loads(out.getvalue())
    assert (payload["ok"], payload["done"], payload["failed"], payload["skipped"]) == (
        False,
        1,
        1,
        1,
    )
    keys = {*payload, *(k for s in payload["steps"] for k in s)}
    keys |= {k for s in payload["steps"] for item in s["items"] for k in item}
    doc = DOC.read_text(encoding="utf-8")
    assert sorted(k for k in keys if f"`{k}`" not in doc) == []
    assert f"`--format json` (currently `{payload['format_version']}`)" in doc
