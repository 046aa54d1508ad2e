"""The saved plan: stable bytes, a checksum that catches edits, a version it checks."""

from __future__ import annotations

import json

import pytest

from reconciler.errors import PlanFileError
from reconciler.plan.build import build
from reconciler.plan.diff import diff
from reconciler.plan.file import PlannedOrg, SavedPlan, dumps, loads
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
