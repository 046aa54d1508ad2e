"""`config.adopt`: every kind of drift written into the YAML, and nothing else: afterwards the
YAML matches the org, and every comment of what stayed is still there."""

from __future__ import annotations

from reconciler.config.adopt import adopt
from reconciler.config.load import load_documents
from reconciler.plan.diff import diff

CONFIG = """\
# The org, as reviewed.
version: 1
territories:
  name: Zylker
  children:
    # North and South together.
    - name: Americas
      manager: amy@zylker.example  # the regional manager
      description: North and South
      users: [amy@zylker.example, bob@zylker.example]
      children:
        - name: US West
    - name: APAC  # closing down
    - name: EMEA
data_sharing:
  Accounts: private
sharing_rules:
  Accounts:
    # Managers see what their region sells.
    - name: Managers see EMEA
      from: {role: EMEA Sales}
      to: {group: Global Managers}
      access: read
    - name: Old rule  # retired
      from: {role: APAC Sales}
      to: {group: Global Managers}
    - name: Paused
      from: {role: CEO}
      to: {all_users: true}
      active: true
"""
ORG = """\
version: 1
territories:
  name: Zylker
  children:
    - name: Americas
      manager: emma.schulz@zylker.example
      description: The whole continent
      users: [amy@zylker.example, carla.mendes@zylker.example]
    - name: EMEA
      children:
        - name: US West
    - name: Asia
      description: opened in the org
data_sharing:
  Accounts: public_read_only
sharing_rules:
  Accounts:
    - name: Managers see EMEA
      from: {role: EMEA Sales}
      to: {group: Global Managers}
      access: read_write_delete
    - name: Paused
      from: {role: CEO}
      to: {all_users: true}
      active: false
    - name: Made in the org
      from: {role: Finance}
      to: {group: Global Managers}
"""


def state(name: str, text: str):  # noqa: ANN201
    return load_documents([(name, text.encode())]).state


def test_every_kind_of_drift_is_written_and_nothing_else() -> None:
    live, desired = state("org.yaml", ORG), state("org/config.yaml", CONFIG)
    changes = diff(live, desired)
    [result] = adopt([("org/config.yaml", CONFIG.encode())], changes, live)
    assert result.changed
    assert diff(live, state("org/config.yaml", result.after)).empty, result.after
    for comment in [
        "# The org, as reviewed.",
        "# North and South together.",
        "# the regional manager",
        "# Managers see what their region sells.",
    ]:
        assert comment in result.after
    assert "APAC" not in result.after and "Old rule" not in result.after
    assert "users: [amy@zylker.example, carla.mendes@zylker.example]" in result.after
    assert "description: opened in the org" in result.after


def test_files_without_drift_are_left_alone() -> None:
    live = state("org.yaml", CONFIG)
    other = "version: 1\ndata_sharing:\n  Deals: private\n"
    results = adopt(
        [("a.yaml", CONFIG.encode()), ("b.yaml", other.encode())],
        diff(live, state("a.yaml", CONFIG)),
        live,
    )
    assert [r.changed for r in results] == [False, False]
    assert results[1].after == other
