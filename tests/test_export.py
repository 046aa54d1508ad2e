"""export.dump: YAML that validates, round-trips to the same state, and never varies."""

from __future__ import annotations

from pathlib import Path

from reconciler.config.export import SCHEMA_REFERENCE, dump
from reconciler.config.load import load
from reconciler.model import Group, OrgState, Principal, PrincipalKind, ShareType
from reconciler.plan.diff import diff
from tests.states import cond, live_rule, live_t, org, user

RICH = org(
    live_t("Zylker", users=["amy"]),
    live_t("B", "Zylker", manager=user("bob"), users=["bob", "cid"], description="Bee"),
    live_t(
        "A",
        "Zylker",
        permission="read_only",
        account_rule=Group(
            operator="and",
            criteria=(
                cond("Billing_Country", in_=("USA", "Canada")),
                Group(
                    operator="or",
                    criteria=(cond("Employees", greater_than="100"), cond("Rating", equal="1.5")),
                ),
            ),
        ),
        deal_rule=cond("Amount", between=("10", "20")),
        lead_rule=cond("Country", not_equal="Mars"),
    ),
    live_t("A1", "A"),
    data_sharing={"Leads": ShareType.public, "Accounts": ShareType.private},
    sharing_rules={
        "Accounts": (
            live_rule(
                "Owners", source=Principal(kind=PrincipalKind.role, name="CEO", subordinates=True)
            ),
            live_rule(
                "Criteria",
                criteria=cond("Amount", greater_than="1000000"),
                target=Principal(kind=PrincipalKind.all_users),
                access="read_write_delete",
                superiors=True,
                active=False,
            ),
        ),
        "Deals": (),
    },
)


def reload(tmp_path: Path, text: str) -> OrgState:
    path = tmp_path / "exported.yaml"
    path.write_text(text)
    return load([path]).state


def test_round_trip_is_identical(tmp_path: Path) -> None:
    back = reload(tmp_path, dump(RICH))
    assert diff(RICH, back).empty
    assert back.sharing_rules is not None and back.sharing_rules["Deals"] == ()


def test_output_is_deterministic_and_sorted() -> None:
    shuffled = RICH.model_copy(update={"territories": tuple(reversed(RICH.territories or ()))})
    assert dump(RICH) == dump(shuffled)
    text = dump(RICH)
    assert text.index("- name: A\n") < text.index("- name: B\n")
    assert text.index("Accounts: private") < text.index("Leads: public")


def test_schema_comment_header_and_default_comments() -> None:
    text = dump(RICH, header="# from the sandbox")
    schema = f"# yaml-language-server: $schema={SCHEMA_REFERENCE}"
    assert text.splitlines()[:3] == [schema, "# from the sandbox", "version: 1"]
    assert "permission: read_write_delete # Zoho's default" in text
    assert "superiors: false # Zoho's default" in text


def test_integers_are_written_plain_and_decimals_quoted() -> None:
    text = dump(RICH)
    assert "greater_than: 100}" in text
    assert "equal: '1.5'}" in text


def test_unmanaged_sections_are_left_out() -> None:
    text = dump(OrgState(data_sharing={"Leads": ShareType.private}))
    assert "territories" not in text and "sharing_rules" not in text


def test_a_desired_state_is_written_as_a_user_would(tmp_path: Path) -> None:
    from tests.states import rule, want

    desired = org(
        want("Zylker"),
        want("East", "Zylker", previously=("East Coast",), manager=None, users=["amy"]),
        want("West", "Zylker", description="Sunset"),
        sharing_rules={"Deals": (rule("R", access="read_write_delete"),)},
    )
    text = dump(desired, as_written=True)
    assert "manager: null" in text and "previously: [East Coast]" in text
    assert "permission" not in text and "superiors" not in text  # never stated
    back = reload(tmp_path, text)
    for name in ("East", "West"):
        mine, theirs = desired.territory(name), back.territory(name)
        assert mine is not None and theirs is not None
        stated = mine.managed_fields() | {"previously"}  # config always records previously
        assert stated == theirs.managed_fields()
        assert mine == theirs
