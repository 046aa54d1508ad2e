"""Overlays: an environment's files merged over the shared configuration, patching in place,
adding what only that org has, and pointing errors into the overlay."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from reconciler.config.load import load
from reconciler.config.mapping import emails_of, inverse, map_users
from reconciler.config.source import Location
from reconciler.errors import ConfigError
from reconciler.model import Permission, ShareType

SHARED = """\
version: 1
territories:
  name: Zylker
  children:
    - name: Americas
      manager: amy@zylker.example
      description: North and South America
      users: [amy@zylker.example, bob@zylker.example]
      account_rule: {field: Billing_Country, equal: USA}
    - name: EMEA
      permission: read_only
data_sharing:
  Accounts: private
  Leads: public
sharing_rules:
  Accounts:
    - name: Managers see EMEA
      from: {role: Manager}
      to: {group: Global Managers}
      access: read
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


@pytest.fixture
def shared(tmp_path: Path) -> Path:
    return write(tmp_path, "org/org.yaml", SHARED)


def test_an_overlay_replaces_only_the_keys_it_gives(tmp_path: Path, shared: Path):
    overlay = write(
        tmp_path,
        "env/qa.yaml",
        """\
        territories:
          name: Americas
          description: Americas (QA org)
          users: [carla@zylker.example]
          account_rule: {field: Billing_Country, equal: Canada}
        data_sharing:
          Leads: private
        sharing_rules:
          Accounts:
            - name: Managers see EMEA
              from: {role: Manager}
              to: {group: QA}
              access: read
        """,
    )
    config = load([shared], [overlay.parent])
    americas = config.state.territory("Americas")
    assert americas is not None
    assert americas.description == "Americas (QA org)"
    assert americas.manager == "amy@zylker.example"  # not given: as shared
    assert americas.users == ("carla@zylker.example",)  # the list as a whole
    assert config.state.data_sharing == {"Accounts": ShareType.private, "Leads": ShareType.private}
    (rule,) = (config.state.sharing_rules or {})["Accounts"]
    assert rule.target.name == "QA"
    assert config.files == (str(shared), str(overlay))
    assert config.digest != load([shared]).digest
    # later errors about the patched values point into the overlay
    assert str(config.sources[("territory", "americas", "description")]) == f"{overlay}:3:16"
    where = config.sources[("territory", "americas", "users", "carla@zylker.example")]
    assert str(where) == f"{overlay}:4:11"
    field = config.sources[("territory", "americas", "account_rule", "field", "Billing_Country")]
    assert str(field) == f"{overlay}:5:25"


def test_an_overlay_adds_territories_only_its_org_has(tmp_path: Path, shared: Path):
    overlay = write(
        tmp_path,
        "env/qa.yaml",
        """\
        territories:
          name: Scratch
          parent: EMEA
          children:
            - name: Scratch Two
        ---
        """.replace("---\n", ""),
    )
    nested = write(
        tmp_path,
        "env/nested.yaml",
        """\
        territories:
          name: EMEA
          permission: read_write_delete
          children:
            - name: Nordics
        """,
    )
    state = load([shared], [overlay, nested]).state
    parents = {t.name: t.parent for t in state.territories or ()}
    assert parents["Scratch"] == "EMEA"
    assert parents["Scratch Two"] == "Scratch"
    assert parents["Nordics"] == "EMEA"
    emea = state.territory("EMEA")
    assert emea is not None and emea.permission is Permission.read_write_delete


def test_an_overlay_cannot_invent_or_move_a_shared_territory(tmp_path: Path, shared: Path):
    unknown = write(tmp_path, "env/a.yaml", "territories:\n  name: Atlantis\n")
    moved = write(tmp_path, "env/b.yaml", "territories:\n  name: EMEA\n  parent: Americas\n")
    with pytest.raises(ConfigError) as caught:
        load([shared], [unknown, moved])
    assert [str(d) for d in caught.value.diagnostics] == [
        f"{unknown}:2:9: error: the shared configuration has no territory `Atlantis` to "
        "change (to add a territory to this environment's org only, give it `parent:`)",
        f"{moved}:2:9: error: `EMEA` is declared at {shared}:10:13; an overlay changes it in "
        "place (leave out `parent:` (an overlay cannot move a shared territory))",
    ]


def test_without_overlays_a_name_declared_twice_is_still_an_error(tmp_path: Path, shared: Path):
    again = write(tmp_path, "org/again.yaml", "data_sharing:\n  Leads: private\n")
    with pytest.raises(ConfigError) as caught:
        load([shared, again])
    assert "is declared twice" in caught.value.diagnostics[0].message


def test_the_user_mapping_rewrites_every_email_and_keeps_positions(shared: Path):
    config = load([shared])
    mapped = map_users(config, lambda e: e.replace("@", ".qa@"), "qa", Location("t", 1, 1))
    americas = mapped.state.territory("Americas")
    assert americas is not None
    assert americas.manager == "amy.qa@zylker.example"
    assert americas.users == ("amy.qa@zylker.example", "bob.qa@zylker.example")
    assert str(mapped.sources[("territory", "americas", "users", "bob.qa@zylker.example")]) == (
        f"{shared}:8:35"
    )
    assert mapped.digest == config.digest
    assert emails_of(config.state) == {"amy@zylker.example", "bob@zylker.example"}
    back = inverse(lambda e: e.replace("@", ".qa@"), emails_of(config.state))
    assert back("BOB.qa@zylker.example") == "bob@zylker.example"
    assert back("stranger@zylker.example") == "stranger@zylker.example"


def test_an_unmapped_user_is_an_error_at_the_line_that_names_them(shared: Path):
    table = Location("reconciler.toml", 9, 1)
    only_amy = {"amy@zylker.example": "amy@qa.example"}.get
    with pytest.raises(ConfigError) as caught:
        map_users(load([shared]), only_amy, "qa", table)
    assert [str(d) for d in caught.value.diagnostics] == [
        f"{shared}:8:35: error: user `bob@zylker.example` has no mapping in environment `qa` "
        "(add it to the map at reconciler.toml:9:1, or give the environment a rule (`suffix` "
        "or `domain`))"
    ]
