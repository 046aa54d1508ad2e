"""The saved plan: stable bytes, a checksum that catches edits, a version it checks."""

from __future__ import annotations

import hashlib
import io
import json

import pytest

from reconciler.errors import PlanFileError
from reconciler.plan.build import build
from reconciler.plan.diff import diff
from reconciler.plan.file import PlannedOrg, SavedPlan, dumps, loads, write
from reconciler.plan.impact import ModuleImpact, RecordImpact, UserAccess
from reconciler.plan.record_changes import Change
from reconciler.plan.steps import Action
from tests.states import live_rule, live_t, org, rule, user, want

LIVE = org(
    live_t("Zylker"),
    live_t("Americas", "Zylker", manager=user("amy"), users=["amy"]),
    sharing_rules={"Deals": (live_rule("Old"),)},
)
DESIRED = org(
    want("Zylker"),
    want("Americas", "Zylker", manager=None, users=["amy", "bob"]),
    want("EMEA", "Americas", description="Europe"),
    sharing_rules={"Deals": (rule("New", active=False),)},
)


def saved() -> SavedPlan:
    plan = build(LIVE, DESIRED, diff(LIVE, DESIRED))
    return SavedPlan(
        plan=plan,
        target=PlannedOrg(
            kind="sandbox", label="local sandbox (test)", api_domain="http://sandbox.invalid"
        ),
        config_files=("org.yaml",),
        config_digest="sha256:abc",
    )


def test_round_trip_is_byte_for_byte() -> None:
    text = dumps(saved())
    assert dumps(loads(text)) == text
    assert dumps(saved()) == text  # and building again gives the same bytes


def test_only_fields_a_step_sets_are_written_and_restored() -> None:
    loaded = loads(dumps(saved())).plan
    (update,) = [s for s in loaded.steps if s.action is Action.update_territories]
    (item,) = update.items  # type: ignore[union-attr]
    assert "manager" in item.model_fields_set and item.manager is None  # cleared on purpose
    assert "description" not in item.model_fields_set  # not managed: not sent


def test_edited_plan_is_refused() -> None:
    payload = json.loads(dumps(saved()))
    payload["steps"][0]["after"] = []
    payload["summary"]["api_calls"] = 1
    with pytest.raises(PlanFileError, match="changed after it was written"):
        loads(json.dumps(payload))


def test_newer_format_is_refused() -> None:
    payload = json.loads(dumps(saved()))
    payload["format_version"] = 99
    with pytest.raises(PlanFileError, match="format version 99"):
        loads(json.dumps(payload))


@pytest.mark.parametrize("text", ["", "[1, 2]", "{not json"])
def test_garbage_is_refused_clearly(text: str) -> None:
    with pytest.raises(PlanFileError):
        loads(text)


def test_plan_file_carries_target_and_summary() -> None:
    payload = json.loads(dumps(saved()))
    assert payload["target"] == {
        "kind": "sandbox",
        "label": "local sandbox (test)",
        "api_domain": "http://sandbox.invalid",
        "org_id": None,
        "org_name": None,
    }
    assert payload["summary"]["api_calls"] == len(payload["steps"])
    assert payload["checksum"].startswith("sha256:")


def with_records() -> SavedPlan:
    changes = (
        Change("101", ("Americas",), ("EMEA",)),
        Change("102", (), ("EMEA",), (), ("EMEA",)),
        Change("103", ("Zürich",), (), ("Zürich",)),
    )
    impact = RecordImpact(
        modules=(
            ModuleImpact(module="Accounts", read=9, move=1, gain=1, lose=1, changes=changes),
            ModuleImpact(module="Leads", read=2),
        ),
        users=(UserAccess(user="amy@zylker.example", gains=2),),
    )
    base = saved()
    return base.model_copy(update={"plan": base.plan.model_copy(update={"records": impact})})


def test_record_changes_round_trip_one_a_line() -> None:
    text = dumps(with_records())
    loaded = loads(text)
    assert loaded.plan.records == with_records().plan.records
    assert dumps(loaded) == text
    assert '\n          {"id": "102", "before": [], "after": ["EMEA"], "remove": [], ' in text
    modules = json.loads(text)["records"]["modules"]
    assert [c["id"] for c in modules[0]["changes"]] == ["101", "102", "103"]
    assert modules[1]["changes"] == []


def test_written_to_a_stream_as_dumps_writes_it() -> None:
    stream = io.StringIO()
    write(with_records(), stream)
    assert stream.getvalue() == dumps(with_records())


def test_the_checksum_is_the_documented_one_over_the_whole_file() -> None:
    # docs/plan-format.md#checksum: the canonical JSON of everything but the checksum.
    payload = json.loads(dumps(with_records()))
    claimed = payload.pop("checksum")
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert claimed == "sha256:" + hashlib.sha256(canonical.encode()).hexdigest()


def test_an_edited_record_change_is_refused() -> None:
    payload = json.loads(dumps(with_records()))
    payload["records"]["modules"][0]["changes"][0]["after"] = ["Americas"]
    with pytest.raises(PlanFileError, match="changed after it was written"):
        loads(json.dumps(payload))


def test_a_malformed_record_change_is_refused_even_with_a_fitting_checksum() -> None:
    payload = json.loads(dumps(with_records()))
    payload.pop("checksum")
    payload["records"]["modules"][0]["changes"][0] = {"id": "101", "after": "EMEA"}
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    payload["checksum"] = "sha256:" + hashlib.sha256(canonical.encode()).hexdigest()
    with pytest.raises(PlanFileError, match="record change 0 is not"):
        loads(json.dumps(payload))
    payload["records"]["modules"] = "none"  # not even a list: refused, not a traceback
    payload.pop("checksum")
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    payload["checksum"] = "sha256:" + hashlib.sha256(canonical.encode()).hexdigest()
    with pytest.raises(PlanFileError, match="not a valid plan"):
        loads(json.dumps(payload))
