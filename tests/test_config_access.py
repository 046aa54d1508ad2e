"""`roles:`, `groups:` and `users:`: what loads, and every bad input as one error at its
file:line:col, found offline (validate) or, for what only the org knows, before planning."""

from __future__ import annotations

import textwrap

import pytest

from reconciler.cli import workflow
from reconciler.config.load import load_documents
from reconciler.errors import ConfigError, StalePlan, UnresolvedNames
from reconciler.model import GroupSource, SourceKind
from tests.harness import Org, scenario, yaml

pytestmark = pytest.mark.anyio
ROLES = """\
version: 1
roles:
  name: CEO
  children:
    - name: VP Sales
      share_with_peers: true
      children:
        - {name: EMEA Sales, previously: [Europe Sales]}
        - {name: Old Region, transfer_to: VP Sales}
    - name: Finance
"""


def errors(*files: tuple[str, str]) -> list[str]:
    documents = [(name, textwrap.dedent(text).encode()) for name, text in files]
    with pytest.raises(ConfigError) as raised:
        load_documents(documents)
    return [str(d) for d in raised.value.diagnostics]


def test_the_role_tree_loads_flat_with_its_tombstone() -> None:
    roles = {r.name: r for r in yaml(ROLES).state.roles or ()}
    assert roles["CEO"].parent is None and roles["EMEA Sales"].parent == "VP Sales"
    assert roles["EMEA Sales"].previously == ("Europe Sales",)
    assert roles["Old Region"].deleted and roles["Old Region"].transfer_to == "VP Sales"
    assert roles["VP Sales"].managed_fields() >= {"share_with_peers"}
    assert "description" not in roles["Finance"].managed_fields()


def test_groups_and_users_load() -> None:
    state = yaml("""\
        version: 1
        groups:
          prune: true
          items:
            - name: EMEA members
              sources:
                - {territory: EMEA, sub_territories: true}
                - {role: CEO}
                - {user: Amy@Zylker.example}
        users:
          - {email: bob@zylker.example, profile: Standard}
        """).state
    [group] = state.groups or ()
    assert state.prune_groups
    assert GroupSource(kind=SourceKind.territory, name="EMEA", below=True) in group.sources
    assert GroupSource(kind=SourceKind.user, name="amy@zylker.example") in group.sources
    [user] = state.users or ()
    assert user.managed_fields() == {"email", "profile"}


def test_a_cycle_in_the_role_tree_across_files() -> None:
    found = errors(
        ("a.yaml", "version: 1\nroles:\n  name: CEO\n  children: [{name: Sales}]\n"),
        ("b.yaml", "version: 1\nroles:\n  name: EMEA\n  parent: Field\n"),
        ("c.yaml", "version: 1\nroles:\n  name: Field\n  parent: EMEA\n"),
    )
    assert found == [
        "b.yaml:4:11: error: `parent: Field` is inside this subtree, which would make a cycle "
        "in the role tree (hang the subtree under a role outside it)",
        "c.yaml:4:11: error: `parent: EMEA` is inside this subtree, which would make a cycle "
        "in the role tree (hang the subtree under a role outside it)",
    ]


def test_a_group_source_naming_an_undeclared_territory() -> None:
    found = errors(
        (
            "org.yaml",
            """\
        version: 1
        territories:
          name: Zylker
          children: [{name: EMEA}]
        groups:
          items:
            - name: Asia members
              sources: [{territory: APAC}]
        """,
        )
    )
    assert found == [
        "org.yaml:8:17: error: group `Asia members` draws on territory `APAC`, which "
        "`territories:` does not declare (declare the territory, or fix the name)"
    ]


def test_a_rule_sharing_to_a_group_that_prune_deletes() -> None:
    found = errors(
        (
            "org.yaml",
            """\
        version: 1
        groups:
          prune: true
          items: []
        sharing_rules:
          Accounts:
            - name: To the old group
              from: {role: CEO}
              to: {group: Old Group}
        """,
        )
    )
    assert found == [
        "org.yaml:9:11: error: sharing rule `To the old group` shares to group `Old Group`, "
        "which `groups:` (with `prune: true`) deletes (list the group under `groups:`, or "
        "share to another one)"
    ]


def test_a_user_moved_to_a_role_deleted_in_the_same_plan() -> None:
    found = errors(
        ("org.yaml", ROLES + "users:\n  - {email: bob@zylker.example, role: Old Region}\n")
    )
    assert found == [
        "org.yaml:12:39: error: user `bob@zylker.example` moves to role `Old Region`, which is "
        "deleted in this configuration (`transfer_to: VP Sales`) (use `VP Sales`, or keep the "
        "role)"
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "version: 1\nroles:\n  name: CEO\n  children: [{name: A, transfer_to: Nowhere}]\n",
            "org.yaml:4:37: error: `transfer_to: Nowhere` names no declared role",
        ),
        (
            "version: 1\nroles:\n  name: CEO\n  children:\n    - {name: A, transfer_to: CEO, "
            "description: x}\n",
            "org.yaml:5:35: error: role `A` is deleted (`transfer_to`) and takes no `description`",
        ),
        (
            "version: 1\nroles:\n  name: CEO\n  children: [{name: ceo}]\n",
            "org.yaml:4:21: error: role `ceo` is declared twice",
        ),
        (
            "version: 1\ngroups:\n  items:\n    - {name: G, sources: "
            "[{role: A, sub_territories: true}]}\n",
            "org.yaml:4:27: error: `sub_territories` applies to a territory, not to `role`",
        ),
        (
            "version: 1\ngroups:\n  items:\n    - {name: G, sources: []}\n",
            "org.yaml:4:17: error: `sources` needs at least 1 items",
        ),
        (
            "version: 1\nusers:\n  - {email: a@b.example}\n  - {email: A@b.example, role: X}\n",
            "org.yaml:4:13: error: user `A@b.example` is declared twice",
        ),
    ],
)
def test_bad_access_input(text: str, message: str) -> None:
    found = errors(("org.yaml", text))
    assert any(line.startswith(message) for line in found), found


async def test_a_live_role_dropped_without_transfer_to_is_refused(zylker: Org) -> None:
    config = yaml("""\
        version: 1
        roles:
          name: CEO
          children:
            - name: VP Sales
              children:
                - name: Americas Sales Manager
                  children: [{name: Americas Sales}]
                - name: APAC Sales Manager
                  children: [{name: APAC Sales}]
                - {name: EMEA Sales Manager, transfer_to: VP Sales}
                - {name: EMEA Sales}
            - name: Finance
        """)
    with pytest.raises(UnresolvedNames) as raised:
        await zylker.plan(config)
    assert [str(d) for d in raised.value.diagnostics] == [
        "inline.yaml:3:9: error: role `Sales Operations` exists in the org but not in "
        "`roles:`, and deleting it needs a role for its users (keep it, or write `{name: "
        "Sales Operations, transfer_to: <role>}` where it was)"
    ]


async def test_unknown_users_profiles_and_sources_are_found_before_planning(zylker: Org) -> None:
    config = yaml("""\
        version: 1
        groups:
          items:
            - name: G
              sources: [{user: nobody@zylker.example}, {role: Finanse}]
        users:
          - {email: bob@zylker.example, role: Financ, profile: Standart}
          - {email: ghost@zylker.example}
        """)
    with pytest.raises(UnresolvedNames) as raised:
        await zylker.plan(config)
    found = [str(d) for d in raised.value.diagnostics]
    assert any("draws on role `Finanse`" in f and "did you mean `Finance`?" in f for f in found)
    assert any("draws on user `nobody@zylker.example`" in f for f in found)
    assert any(f.startswith("inline.yaml:7:") and "no role named `Financ`" in f for f in found)
    assert any("no profile named `Standart`" in f and "`Standard`" in f for f in found)
    assert any("no user with email `ghost@zylker.example`" in f for f in found)


async def test_a_pruned_group_an_unmanaged_rule_still_uses_is_refused(zylker: Org) -> None:
    await zylker.converge(
        yaml("""\
        version: 1
        sharing_rules:
          Leads:
            - {name: Managers, from: {role: CEO}, to: {group: Global Managers}}
        """)
    )
    with pytest.raises(UnresolvedNames) as raised:
        await zylker.plan(yaml("version: 1\ngroups:\n  prune: true\n  items: []\n"))
    assert [str(d) for d in raised.value.diagnostics] == [
        "inline.yaml:3:10: error: `prune: true` deletes group `Global Managers`, but sharing "
        "rule `Managers` (Leads) still shares with it (list the group, or manage the Leads "
        "rules under `sharing_rules:`)"
    ]


async def test_a_group_changed_by_hand_since_the_plan_makes_it_stale(zylker: Org) -> None:
    saved = await zylker.plan(scenario("10_access_prune"))
    live = await zylker.live()
    group = next(g for g in live.groups or () if g.name == "Finance")
    priya = live.directory.user_by_email("priya.nair@zylker.example")
    assert priya is not None
    source = {"type": "users", "source": {"id": priya.id}}
    async with zylker.http() as http:
        body = {"user_groups": [{"name": "Money", "sources": [source]}]}
        answer = await http.put(f"/crm/v8/settings/user_groups/{group.id}", json=body)
        assert answer.status_code == 200, answer.text
    with pytest.raises(StalePlan) as refused:
        await workflow.apply_saved(saved, zylker.connection, allow_deletes=True)
    assert sorted(refused.value.changed) == [
        "group `Finance` was changed",
        "the list of groups was changed",
    ]
