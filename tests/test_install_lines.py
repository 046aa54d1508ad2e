"""Every install line of the docs, the CI examples and the README installs this project.

The name `reconciler` on PyPI belongs to an unrelated project: a job that runs `pip install
reconciler` runs a stranger's code next to the org's credentials. The distribution is
`zoho-reconciler`; until a release is on PyPI, lines install it from the project's
repository (pyproject's `Source` URL) at the tag of the current version. The command and the
import package stay `reconciler`."""

from __future__ import annotations

import re
import shlex
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

from reconciler import __version__

ROOT = Path(__file__).parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
DISTRIBUTION = "zoho-reconciler"
SOURCE = PYPROJECT["project"]["urls"]["Source"]
TAG = f"v{__version__}"
PLACES = [
    ROOT / "README.md",
    *sorted((ROOT / "docs").glob("*.md")),
    *sorted((ROOT / "examples" / "ci").rglob("*.yml")),
    ROOT / ".pre-commit-hooks.yaml",
]
INSTALLERS = re.compile(r"\b(?:pip3?|pipx|uv pip|uv tool)\s+install\b")
LOCAL = {".", "-e .", "-e.", ".[dev]", "-e .[dev]"}  # this checkout itself


def install_lines() -> Iterator[tuple[str, str]]:
    for path in PLACES:
        text = path.read_text(encoding="utf-8")
        # CI variables (`NAME: "value"`), as the job's shell expands them.
        variables = dict(re.findall(r'^\s*(\w+): "([^"]*)"', text, re.MULTILINE))
        for number, line in code_lines(path, text):
            if INSTALLERS.search(line):
                yield f"{path.relative_to(ROOT)}:{number}", expand(line, variables)


def expand(line: str, variables: dict[str, str]) -> str:
    return re.sub(r"\$\{?(\w+)\}?", lambda m: variables.get(m.group(1), m.group()), line)


def code_lines(path: Path, text: str) -> Iterator[tuple[int, str]]:
    """Numbered lines that are code: all of a YAML file, the fenced blocks of Markdown."""
    fenced = path.suffix != ".md"
    for number, line in enumerate(text.splitlines(), 1):
        if line.startswith("```"):
            fenced = not fenced
        elif fenced:
            yield number, line


def requirements(line: str) -> list[str]:
    """What the install line asks for: its words after `install`, options left out."""
    words = shlex.split(INSTALLERS.split(line, maxsplit=1)[1].split("&&")[0], comments=True)
    wanted, editable = [], False
    for word in words:
        if word == "-e":
            editable = True
        elif not word.startswith("-"):
            wanted.append(f"-e {word}" if editable else word)
            editable = False
    return wanted


def is_ours(requirement: str) -> bool:
    if requirement in LOCAL:
        return True
    return requirement in (
        f"{DISTRIBUTION} @ git+{SOURCE}@{TAG}",
        f"{DISTRIBUTION}=={__version__}",  # once the release is on PyPI
    )


LINES = list(install_lines())


def test_there_are_install_lines_to_check() -> None:
    assert len(LINES) >= 6, LINES  # README, docs/ci.md, each CI example


@pytest.mark.parametrize(("where", "line"), LINES, ids=[where for where, _ in LINES])
def test_every_install_line_installs_this_project(where: str, line: str) -> None:
    wanted = requirements(line)
    assert wanted, f"{where}: installs nothing? {line.strip()}"
    for requirement in wanted:
        assert is_ours(requirement), (
            f"{where}: installs {requirement!r}; this project is "
            f"'{DISTRIBUTION} @ git+{SOURCE}@{TAG}' (PyPI's `reconciler` is somebody else's)"
        )


def test_the_distribution_keeps_the_command_and_the_import_name() -> None:
    project = PYPROJECT["project"]
    assert project["name"] == DISTRIBUTION
    assert project["scripts"] == {"reconciler": "reconciler.cli:main"}
    assert PYPROJECT["tool"]["hatch"]["build"]["targets"]["wheel"]["packages"] == ["reconciler"]


def test_pre_commit_repositories_are_this_project_at_the_tag() -> None:
    for path in PLACES:
        text = path.read_text(encoding="utf-8")
        for repo, rev in re.findall(r"- repo: (\S+)\n\s*rev: (\S+)", text):
            assert (repo, rev) == (SOURCE, TAG), path


def test_the_package_says_it_is_typed_and_which_pythons_it_supports() -> None:
    assert (ROOT / "reconciler" / "py.typed").is_file()
    project = PYPROJECT["project"]
    floor = re.fullmatch(r">=3\.(\d+)", project["requires-python"])
    assert floor is not None
    listed = {
        int(c.rsplit(".", 1)[1])
        for c in project["classifiers"]
        if re.fullmatch(r"Programming Language :: Python :: 3\.\d+", c)
    }
    assert min(listed) == int(floor.group(1))
    assert listed == set(range(min(listed), max(listed) + 1)), "a gap in the versions"
    assert "Typing :: Typed" in project["classifiers"]
    assert {"Source", "Issues"} <= set(project["urls"])
