"""Rule criteria checks, table-driven against the demo org's Accounts and Deals fields."""

from __future__ import annotations

from typing import Any

import pytest

from reconciler.sandbox import Sandbox
from reconciler.sandbox.criteria import Criteria, CriteriaError

PATH = "$.territories[0].account_rule_criteria"


@pytest.fixture(scope="module")
def accounts() -> Criteria:
    sandbox = Sandbox()
    with sandbox.store.transaction() as db:
        checker = Criteria.for_module(db, "Accounts")
        deals = Criteria.for_module(db, "Deals")
    return Criteria({**checker.fields, **deals.fields})


def cond(field: str, comparator: str, value: Any, **extra: Any) -> dict[str, Any]:
    return {"field": {"api_name": field}, "comparator": comparator, "value": value, **extra}


@pytest.mark.parametrize(
    "criteria",
    [
        cond("Billing_Country", "in", ["USA", "Canada"]),
        cond("Billing_City", "starts_with", "San"),
        cond("Billing_City", "equal", "${EMPTY}"),
        cond("Annual_Revenue", "between", [1000, "5000"]),
        cond("Annual_Revenue", "greater_equal", "1e6"),
        cond("Employees", "not_in", [1, 2]),
        cond("Industry", "equal", ["Retail", "Media"]),
        cond("Closing_Date", "less_than", "${TODAY}"),
        cond("Owner", "equal", {"id": "1", "name": "x"}),
        cond("Billing_City", "equal", "Paris", type="value"),
        {
            "group_operator": "or",
            "group": [
                cond("Billing_City", "equal", "A"),
                {
                    "group_operator": "AND",
                    "group": [
                        cond("Employees", "less_than", 10),
                        cond("Employees", "greater_than", 1),
                    ],
                },
            ],
        },
    ],
)
def test_valid_criteria_are_accepted_with_only_known_keys(
    accounts: Criteria, criteria: dict[str, Any]
) -> None:
    checked = accounts.check(criteria, PATH)
    assert set(checked) <= {"group_operator", "group", "field", "comparator", "value", "type"}


@pytest.mark.parametrize(
    ("criteria", "code", "api_name", "message"),
    [
        ("x", "INVALID_DATA", "account_rule_criteria", "invalid data"),
        ({"group": []}, "MANDATORY_NOT_FOUND", "group_operator", "required field not found"),
        (
            {"group_operator": "xor", "group": []},
            "INVALID_DATA",
            "group_operator",
            "the given value is invalid",
        ),
        (
            {"group_operator": "and", "group": [cond("Employees", "equal", 1)]},
            "INVALID_DATA",
            "group",
            "invalid data",
        ),
        (
            {"comparator": "equal", "value": 1},
            "MANDATORY_NOT_FOUND",
            "field",
            "required field not found",
        ),
        (
            {"field": "Employees", "comparator": "equal", "value": 1},
            "INVALID_DATA",
            "field",
            "invalid data",
        ),
        (
            {"field": {"api_name": "Employees"}, "value": 1},
            "DEPENDENT_FIELD_MISSING",
            "comparator",
            "required field not found",
        ),
        (
            {"field": {"api_name": "Employees"}, "comparator": "equal"},
            "DEPENDENT_FIELD_MISSING",
            "value",
            "required field not found",
        ),
        (
            cond("Employees", "sounds_like", 1),
            "INVALID_DATA",
            "comparator",
            "The given comparator seems to be invalid",
        ),
        (
            cond("Employees", "between", [1]),
            "DEPENDENT_MISMATCH",
            "value",
            "The value is not compatible with the given field",
        ),
        (
            cond("Employees", "in", []),
            "DEPENDENT_MISMATCH",
            "value",
            "The value is not compatible with the given field",
        ),
        (
            cond("Employees", "equal", True),
            "DEPENDENT_MISMATCH",
            "value",
            "The value is not compatible with the given field",
        ),
        (
            cond("Billing_City", "equal", "x" * 256),
            "DEPENDENT_MISMATCH",
            "value",
            "The value is not compatible with the given field",
        ),
        (
            cond("Billing_City", "equal", "x", type="formula"),
            "INVALID_DATA",
            "type",
            "the given value is invalid",
        ),
        (
            cond("Closing_Date", "contains", "2025"),
            "DEPENDENT_MISMATCH",
            "comparator",
            "The comparator is not compatible with the given field",
        ),
    ],
)
def test_invalid_criteria_name_the_code_field_and_path(
    accounts: Criteria, criteria: Any, code: str, api_name: str, message: str
) -> None:
    with pytest.raises(CriteriaError) as raised:
        accounts.check(criteria, PATH)
    error = raised.value.item
    assert (error["code"], error["details"]["api_name"], error["message"]) == (
        code,
        api_name,
        message,
    )
    assert error["details"]["json_path"].startswith(PATH)
