"""docs/access.md: every YAML sample is a valid configuration, and the worked example
(sharing by territory through two groups with territory sources) converges on the demo org
and shares what it says."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from reconciler.model import PrincipalKind
from tests.harness import Org, yaml

pytestmark = pytest.mark.anyio
DOC = Path(__file__).parent.parent / "docs" / "access.md"
BLOCKS = re.findall(r"```yaml\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
TERRITORIES = """\
version: 1
territories:
  name: Zylker
  children:
    - name: EMEA
      users: [emma.schulz@zylker.example]
      children: [{name: DACH, users: [felix.martin@zylker.example]}]
    - {name: APAC, users: [kenji.sato@zylker.example]}
"""


def test_the_doc_has_its_samples() -> None:
    assert len(BLOCKS) == 2


@pytest.mark.parametrize("block", BLOCKS)
def test_every_sample_is_a_valid_configuration(block: str) -> None:
    assert yaml(block).state.groups is not None


async def test_the_worked_example_converges_and_shares_by_territory(zylker: Org) -> None:
    await zylker.converge(yaml(TERRITORIES))
    saved = await zylker.plan(yaml(BLOCKS[1]))
    actions = [s.action.value for s in saved.plan.steps]
    assert actions == ["create_groups", "create_rule"]  # both groups in one call
    await zylker.converge(yaml(BLOCKS[1]))
    live = await zylker.live()
    [rule] = (live.sharing_rules or {})["Accounts"]
    assert rule.source is not None and rule.source.kind is PrincipalKind.group
    assert (rule.source.name, rule.target.name) == ("EMEA territory", "APAC territory")
    groups = {g.name: g for g in live.groups or ()}
    [source] = groups["EMEA territory"].sources
    assert (source.kind.value, source.name, source.below) == ("territory", "EMEA", True)
