"""Path-template matching, on literal templates (no spec files needed)."""

from __future__ import annotations

import pytest

from tests.contract.routes import Routes, shape

TEMPLATES = [
    "/crm/v8/settings/territories",
    "/crm/v8/settings/territories/{id}",
    "/crm/v8/settings/territories/{id}/users",
    "/crm/v8/settings/territories/actions/associated_users_count",
    "/crm/v8/{module_api_name}/{id}",
    "/crm/v8/{module}/actions/assign_territories",
]


@pytest.fixture
def routes() -> Routes[str]:
    table: Routes[str] = Routes()
    for template in TEMPLATES:
        table.add(template, template)
    return table


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/crm/v8/settings/territories", "/crm/v8/settings/territories"),
        ("/crm/v8/settings/territories/12", "/crm/v8/settings/territories/{id}"),
        ("/crm/v8/settings/territories/12/users", "/crm/v8/settings/territories/{id}/users"),
        (
            "/crm/v8/settings/territories/actions/associated_users_count",
            "/crm/v8/settings/territories/actions/associated_users_count",
        ),
        ("/crm/v8/Accounts/12", "/crm/v8/{module_api_name}/{id}"),
        (
            "/crm/v8/Accounts/actions/assign_territories",
            "/crm/v8/{module}/actions/assign_territories",
        ),
    ],
)
def test_literal_segments_beat_parameters(routes: Routes[str], path: str, expected: str) -> None:
    assert routes.match(path) == [expected]


@pytest.mark.parametrize(
    "path",
    [
        "/crm/v8/settings/territories/actions",  # literal node, no operation on it
        "/crm/v8/settings/bogus",  # "settings" matched a literal: no fallback to {module_api_name}
        "/crm/v8/settings/territories//users",  # an empty segment is no parameter value
        "/crm/v8",
        "/oauth/v2/token",
    ],
)
def test_no_match(routes: Routes[str], path: str) -> None:
    assert routes.match(path) == []


def test_same_shape_templates_share_a_route() -> None:
    table: Routes[str] = Routes()
    table.add("/a/{territory}/users", "oas")
    table.add("/a/{territory_id}/users", "oas2")
    assert shape("/a/{territory}/users") == shape("/a/{territory_id}/users") == "/a/{}/users"
    assert sorted(table.match("/a/1/users")) == ["oas", "oas2"]
    assert sorted(table) == ["oas", "oas2"]
