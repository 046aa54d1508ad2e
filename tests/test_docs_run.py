"""The docs are run, not trusted: every command block of the README and docs/ that can run
offline is executed here, and every configuration shown is `fmt`-clean and valid.

* ```sh blocks run in bash (`set -euo pipefail`), ```python blocks in the project's Python;
  each must exit 0. The blocks of one page run in order as one script in one scratch
  directory, as a reader following the page in one terminal would: a `cd`, a variable and
  the files of earlier blocks are still there.
* A block that cannot run offline (real credentials, the network, minutes of benchmarks,
  the test suite itself) says so on the line above its fence, with the reason:
  `<!-- not run: needs a real Zoho org -->`. Nothing else is skipped.
* ```yaml blocks that are configurations (a top-level `version:`) must pass `reconciler
  validate` and `reconciler fmt --check`; so must every file in examples/.
* ```json and ```text blocks are outputs, ```toml blocks files shown: not commands.

The scratch directory holds a copy of `examples/`, an `org/` with the example configuration
(the path the docs use for "your configuration"), and `.venv` pointing at this project's
virtualenv; `reconciler` is on PATH. No `ZOHO_*` variable is set, so every command meets the
local sandbox. Port 8765, which the sandbox recipes use, is replaced by a free port so that
parallel runs do not collide.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from reconciler.cli.main import main

ROOT = Path(__file__).parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))
NOT_RUN = re.compile(r"<!-- not run: (?P<reason>\S.*?) -->")
RUNNABLE = {"sh", "python"}
OUTPUTS = {"json", "text", "toml", ""}  # outputs, and files shown (reconciler.toml)
DOC_PORT = "8765"
pytestmark = pytest.mark.served  # some recipes serve the sandbox on 127.0.0.1


@dataclass(frozen=True)
class Block:
    page: Path
    line: int  # of the opening fence
    language: str
    text: str
    not_run: str | None  # the reason, when marked

    @property
    def where(self) -> str:
        return f"{self.page.relative_to(ROOT)}:{self.line}"


def blocks(page: Path) -> list[Block]:
    found = []
    lines = page.read_text(encoding="utf-8").splitlines()
    start: int | None = None
    for number, line in enumerate(lines, 1):
        if not line.startswith("```"):
            continue
        if start is None:
            start, language = number, line[3:].strip()
            continue
        marker = NOT_RUN.fullmatch(lines[start - 2].strip()) if start > 1 else None
        text = "\n".join(lines[start : number - 1]) + "\n"
        reason = marker.group("reason") if marker else None
        found.append(Block(page, start, language, text, reason))
        start = None
    assert start is None, f"{page}:{start}: a fence is not closed"
    return found


ALL = [block for page in PAGES for block in blocks(page)]


def free_port() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return str(sock.getsockname()[1])


def workspace(tmp: Path) -> dict[str, str]:
    shutil.copytree(ROOT / "examples", tmp / "examples")
    (tmp / "org").mkdir()
    shutil.copy(ROOT / "examples" / "territories.yaml", tmp / "org" / "territories.yaml")
    (tmp / ".venv").symlink_to(Path(sys.executable).parent.parent)
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("ZOHO_", "RECONCILER_", "GITHUB_", "GIT_", "PYTEST_", "COV_"))
    }
    env.update(
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
        HOME=str(tmp),
        NO_COLOR="1",
        GIT_AUTHOR_NAME="Docs",
        GIT_AUTHOR_EMAIL="docs@example.invalid",
        GIT_COMMITTER_NAME="Docs",
        GIT_COMMITTER_EMAIL="docs@example.invalid",
        GIT_CONFIG_NOSYSTEM="1",
    )
    return env


def script(runnable: list[Block]) -> str:
    """One bash script: each block announced on stderr (to name the one that fails), the
    Python blocks as here documents."""
    parts = ["set -euo pipefail"]
    for block in runnable:
        parts.append(f"echo '>>> {block.where}' >&2")
        if block.language == "sh":
            parts.append(block.text)
        else:
            parts.append(
                f"{shlex.quote(sys.executable)} - <<'PYTHON_BLOCK'\n{block.text}PYTHON_BLOCK"
            )
    return "\n".join(parts) + "\n"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_the_command_blocks_of_a_page_run(page: Path, tmp_path: Path) -> None:
    runnable = [b for b in blocks(page) if b.language in RUNNABLE and b.not_run is None]
    if not runnable:
        return
    text = script(runnable).replace(DOC_PORT, free_port())
    done = subprocess.run(
        ["bash", "-c", text],
        cwd=tmp_path,
        env=workspace(tmp_path),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    failed = re.findall(r"^>>> (\S+)$", done.stderr, re.MULTILINE)[-1:]
    assert done.returncode == 0, (
        f"{failed[0] if failed else page}: the block exits {done.returncode}\n"
        f"--- stdout\n{done.stdout[-3000:]}\n--- stderr\n{done.stderr[-3000:]}"
    )


@pytest.mark.parametrize("block", ALL, ids=lambda b: b.where)
def test_every_block_is_run_checked_or_says_why_not(block: Block) -> None:
    if block.not_run is not None:
        marked = RUNNABLE | {"yaml"}  # a YAML file that only validates beside others
        assert block.language in marked, f"{block.where}: only commands and YAML can be marked"
        return
    known = RUNNABLE | OUTPUTS | {"yaml"}
    assert block.language in known, f"{block.where}: a ```{block.language} block: run it how?"


CONFIGS = [
    b
    for b in ALL
    if b.language == "yaml" and b.not_run is None and re.search(r"^version:", b.text, re.M)
]


@pytest.mark.parametrize("block", CONFIGS, ids=lambda b: b.where)
def test_configurations_in_the_docs_are_valid_and_fmt_clean(block: Block, tmp_path: Path) -> None:
    path = tmp_path / "shown.yaml"
    path.write_text(block.text, encoding="utf-8")
    check_config(path, block.where)


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_examples_are_valid_and_fmt_clean(path: Path) -> None:
    check_config(path, str(path.relative_to(ROOT)))


def check_config(path: Path, where: str) -> None:
    for args in (["validate", str(path)], ["fmt", "--check", str(path)]):
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 0, f"{where}: reconciler {args[0]}:\n{result.output}"


def test_there_are_blocks_to_run() -> None:
    runnable = [b for b in ALL if b.language in RUNNABLE and b.not_run is None]
    assert len(runnable) >= 10, [b.where for b in runnable]
    assert CONFIGS, "the README's YAML sample"
