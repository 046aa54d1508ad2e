"""An environment's user mapping reaches the access model too: the users of `users:` and the
user sources of `groups:` become the org's emails, and one the mapping leaves out is an error
at the line that names it."""

from __future__ import annotations

from pathlib import Path

import pytest

from reconciler.config.load import load
from reconciler.config.mapping import emails_of, map_users
from reconciler.config.source import Location
from reconciler.errors import ConfigError
from reconciler.model import GroupSource, SourceKind

ACCESS = """\
version: 1
groups:
  items:
    - name: Closers
      sources:
        - {user: amy@zylker.example}
        - {role: Americas Sales Manager, subordinates: true}
users:
  - {email: bob@zylker.example, role: Americas Sales}
  - email: cid@zylker.example
    profile: Standard
"""
QA = Location("reconciler.toml", 9, 1)


def to_qa(email: str) -> str:
    return email.replace("@", ".qa@")


@pytest.fixture
def access(tmp_path: Path) -> Path:
    path = tmp_path / "access.yaml"
    path.write_text(ACCESS)
    return path


def test_users_and_group_user_sources_are_mapped_and_keep_their_places(access: Path) -> None:
    config = load([access])
    mapped = map_users(config, to_qa, "qa", QA)
    (group,) = mapped.state.groups or ()
    assert GroupSource(kind=SourceKind.user, name="amy.qa@zylker.example") in group.sources
    assert GroupSource(kind=SourceKind.role, name="Americas Sales Manager", below=True) in (
        group.sources
    )
    users = {u.email: u for u in mapped.state.users or ()}
    assert set(users) == {"bob.qa@zylker.example", "cid.qa@zylker.example"}
    assert users["bob.qa@zylker.example"].managed_fields() == {"email", "role"}
    assert users["cid.qa@zylker.example"].profile == "Standard"
    sources = mapped.sources
    assert str(sources[("group", "closers", "user", "amy.qa@zylker.example")]) == f"{access}:6:11"
    assert str(sources[("user", "bob.qa@zylker.example", "role")]) == f"{access}:9:39"
    assert str(sources[("user", "cid.qa@zylker.example")]) == f"{access}:10:12"
    assert emails_of(config.state) == {
        "amy@zylker.example",
        "bob@zylker.example",
        "cid@zylker.example",
    }


def test_an_unmapped_user_of_the_access_model_is_an_error_at_its_line(access: Path) -> None:
    only_bob = {"bob@zylker.example": "bob@qa.example"}.get
    with pytest.raises(ConfigError) as caught:
        map_users(load([access]), only_bob, "qa", QA)
    hint = "(add it to the map at reconciler.toml:9:1, or give the environment a rule"
    found = [str(d) for d in caught.value.diagnostics]
    assert [line.split(" (")[0] for line in found] == [
        f"{access}:6:11: error: user `amy@zylker.example` has no mapping in environment `qa`",
        f"{access}:10:12: error: user `cid@zylker.example` has no mapping in environment `qa`",
    ]
    assert all(hint in line for line in found)
