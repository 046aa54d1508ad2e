"""gitbase.load_at(): the configuration as it was at a git revision, without a checkout."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from reconciler.config.git import load_at
from reconciler.errors import ConfigError, GitError

TREE = "version: 1\nterritories:\n  name: Zylker\n  children:\n    - name: {name}\n"
GRAFT = "version: 1\nterritories:\n  name: {name}\n  parent: Zylker\n"


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-c", "user.name=test", "-c", "user.email=test@example.com", *args],
        cwd=repo,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


def commit(repo: Path, files: dict[str, str], message: str = "edit") -> str:
    for name, text in files.items():
        path = repo / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)
    return git(repo, "rev-parse", "HEAD")


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    git(tmp_path, "init", "-q", "-b", "main")
    return tmp_path


def names(state_territories: object) -> set[str]:
    assert isinstance(state_territories, tuple)
    return {t.name for t in state_territories}


def test_reads_the_files_of_a_directory_as_they_were(repo: Path) -> None:
    first = commit(repo, {"org/a.yaml": TREE.format(name="Old"), "org/notes.txt": "x"})
    commit(repo, {"org/a.yaml": TREE.format(name="New"), "org/b.yml": GRAFT.format(name="B")})
    base = load_at(first, [repo / "org"])
    assert base.commit == first and base.ref == first
    assert names(base.config.state.territories) == {"Zylker", "Old"}
    assert base.config.files == (f"{first}:org/a.yaml",)
    now = load_at("main", [repo / "org"])
    assert names(now.config.state.territories) == {"Zylker", "New", "B"}
    assert now.config.files == ("main:org/a.yaml", "main:org/b.yml")


def test_a_file_named_directly_is_read_whatever_its_suffix(repo: Path) -> None:
    commit(repo, {"org.conf": TREE.format(name="A")})
    assert names(load_at("HEAD", [repo / "org.conf"]).config.state.territories) == {"Zylker", "A"}


def test_a_path_absent_at_the_revision_manages_nothing(repo: Path) -> None:
    commit(repo, {"README": "no configuration yet"})
    commit(repo, {"org/a.yaml": TREE.format(name="A")})
    base = load_at("HEAD~1", [repo / "org"])
    assert base.config.state.territories is None and base.config.files == ()


def test_relative_paths_and_subdirectories(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    commit(repo, {"deploy/org/a.yaml": TREE.format(name="A")})
    monkeypatch.chdir(repo / "deploy")
    base = load_at("main", [Path("org")])
    assert base.config.files == ("main:deploy/org/a.yaml",)


def test_a_broken_file_at_the_revision_is_reported_there(repo: Path) -> None:
    commit(repo, {"org/a.yaml": "version: 1\ndata_sharing: {Leads: open}\n"})
    with pytest.raises(ConfigError) as caught:
        load_at("main", [repo / "org"])
    (found,) = caught.value.diagnostics
    assert (found.file, found.line) == ("main:org/a.yaml", 2)


@pytest.mark.parametrize("ref", ["nope", "main~5", "--output=x", ""])
def test_an_unknown_revision_is_a_clear_error(repo: Path, ref: str) -> None:
    commit(repo, {"org/a.yaml": TREE.format(name="A")})
    with pytest.raises(GitError, match="git revision"):
        load_at(ref, [repo / "org"])


def test_outside_a_repository(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(TREE.format(name="A"))
    with pytest.raises(GitError, match="needs a git repository"):
        load_at("main", [tmp_path / "a.yaml"])


def test_a_path_outside_the_repository(
    repo: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    commit(repo, {"org/a.yaml": TREE.format(name="A")})
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    with pytest.raises(GitError, match="not inside the git repository"):
        load_at("main", [repo / "org", elsewhere])


def test_an_environments_overlays_are_read_as_they_were(repo: Path) -> None:
    overlay = "territories:\n  name: {name}\n  description: {text}\n"
    first = commit(
        repo,
        {
            "org/a.yaml": TREE.format(name="A"),
            "env/qa/a.yaml": overlay.format(name="A", text="then"),
        },
    )
    commit(repo, {"env/qa/a.yaml": overlay.format(name="A", text="now")})
    base = load_at(first, [repo / "org"], [repo / "env" / "qa"])
    territory = base.config.state.territory("A")
    assert territory is not None and territory.description == "then"
    assert base.config.files == (f"{first}:org/a.yaml", f"{first}:env/qa/a.yaml")


def test_an_overlay_absent_at_the_revision_patches_nothing(repo: Path) -> None:
    first = commit(repo, {"org/a.yaml": TREE.format(name="A")})
    commit(repo, {"env/qa/a.yaml": "territories:\n  name: A\n  description: qa\n"})
    territory = load_at(first, [repo / "org"], [repo / "env" / "qa"]).config.state.territory("A")
    assert territory is not None and territory.description is None
