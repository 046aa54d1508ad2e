"""resolve.check: names only the live org knows, reported where the YAML wrote them."""

from __future__ import annotations

from pathlib import Path

import pytest

from reconciler.config.load import load
from reconciler.config.names import check
from reconciler.errors import UnresolvedNames
from reconciler.model import Directory, Named
from tests.states import live_t, org

CONFIG = """\
version: 1
territories:
  name: Zylker
  children:
    - name: Americas
      manager: old@zylker.example
      users: [amy@zylker.example, amie@zylker.example]
      account_rule: {field: Billing_Contry, equal: USA}
sharing_rules:
  Accounts:
    - name: R
      from: {role: Sales Manger}
      to: {group: Finanse}
"""


def test_every_unknown_name_is_reported_at_its_line(tmp_path: Path) -> None:
    path = tmp_path / "org.yaml"
    path.write_text(CONFIG)
    config = load([path])
    live = org(live_t("Zylker"))
    fields = {"Accounts": ("Billing_Country", "Billing_State")}
    live = live.model_copy(
        update={"directory": Directory(**{**dict(live.directory), "fields": fields})}
    )
    with pytest.raises(UnresolvedNames) as caught:
        check(config.state, live, config.sources)
    found = [(d.line, d.column, d.message, d.hint) for d in caught.value.diagnostics]
    assert found == [
        (
            6,
            16,
            "manager `old@zylker.example` is inactive in the org",
            "Zoho refuses inactive users here; activate the user or remove them",
        ),
        (
            7,
            35,
            "no user with email `amie@zylker.example` in the org",
            "did you mean `amy@zylker.example`?",
        ),
        (8, 29, "Accounts has no field `Billing_Contry`", "did you mean `Billing_Country`?"),
        (12, 13, "no role named `Sales Manger` in the org", "did you mean `Sales Manager`?"),
        (13, 11, "no group named `Finanse` in the org", "did you mean `Finance`?"),
    ]


def test_known_names_pass(tmp_path: Path) -> None:
    path = tmp_path / "org.yaml"
    path.write_text(
        CONFIG.replace("old@", "bob@")
        .replace("amie@", "cid@")
        .replace("Sales Manger", "Sales Manager")
        .replace("Finanse", "Finance")
    )
    config = load([path])
    check(config.state, org(live_t("Zylker")), config.sources)  # fields unknown: not checked


def test_an_inactive_user_already_a_member_is_not_an_error(tmp_path: Path) -> None:
    path = tmp_path / "org.yaml"
    path.write_text(
        "version: 1\nterritories:\n  name: Z\n  children:\n"
        "    - name: A\n      users: [old@zylker.example]\n"
    )
    config = load([path])
    live = org(live_t("Z"), live_t("A", "Z", users=["old@zylker.example"]))
    check(config.state, live, config.sources)
    with pytest.raises(UnresolvedNames):
        check(config.state, org(live_t("Z"), live_t("A", "Z")), config.sources)


def test_custom_modules_are_checked_against_the_org(tmp_path: Path) -> None:
    path = tmp_path / "org.yaml"
    path.write_text("version: 1\ndata_sharing:\n  Leads: private\n")
    config = load([path])
    live = org().model_copy(
        update={"directory": Directory(modules=(Named(id="1", name="Accounts"),))}
    )
    with pytest.raises(UnresolvedNames, match="1 error"):
        check(config.state, live, config.sources)
