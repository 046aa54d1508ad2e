"""The import rules of DESIGN §3 and docs/architecture.md: a package imports only packages of
a lower or equal rank, the pure core loads neither httpx nor click (not even transitively),
only the CLI reaches the sandbox, and the sandbox imports nothing else of reconciler."""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
PACKAGE = ROOT / "reconciler"

# Every top-level module and package of reconciler, with its rank. A module may import only
# what has a lower or equal rank; a new package or top-level module must be placed here.
RANKS = {
    "errors": 0,
    "limits": 0,
    "counts": 0,
    "records": 40,
    "characters": 0,
    "model": 10,
    "scope": 15,
    "config": 20,
    "plan": 20,
    "zoho": 30,
    "live": 40,
    "apply": 40,
    "doctor": 40,
    "render": 50,
    "cli": 60,
    "__main__": 70,
}
# What the core may load: the libraries of the terminal, the network and the CLI stay out.
PURE_PACKAGES = {
    "errors",
    "limits",
    "counts",
    "characters",
    "model",
    "scope",
    "config",
    "plan",
    "render",
}
PURE_MODULES = {"apply.report", "doctor.verdict"}
# The two terminal renderers draw with rich; everything else pure loads none of the three.
RICH_ALLOWED = {"render.text", "render.progress"}
IO_LIBRARIES = ("httpx", "click", "rich", "uvicorn")


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = sorted(
    module_name(p)
    for p in PACKAGE.rglob("*.py")
    if "sandbox" not in p.parts and p != PACKAGE / "__init__.py"
)


def package_of(module: str) -> str:
    return module.split(".")[0]


def imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return found


def own_packages(path: Path) -> set[str]:
    names = {n.removeprefix("reconciler.") for n in imports(path) if n.startswith("reconciler.")}
    return {package_of(n) for n in names} & set(RANKS)


def source(module: str) -> Path:
    path = PACKAGE / module.replace(".", "/")
    return path / "__init__.py" if path.is_dir() else path.with_suffix(".py")


def is_pure(module: str) -> bool:
    return package_of(module) in PURE_PACKAGES or module in PURE_MODULES


@pytest.mark.parametrize("module", MODULES)
def test_every_module_belongs_to_a_ranked_package(module: str) -> None:
    assert package_of(module) in RANKS, f"place reconciler.{package_of(module)} in RANKS"


@pytest.mark.parametrize("module", MODULES)
def test_no_module_imports_a_higher_package(module: str) -> None:
    mine = RANKS[package_of(module)]
    upward = {p for p in own_packages(source(module)) if RANKS[p] > mine}
    assert not upward, f"reconciler.{module} (rank {mine}) imports higher packages: {upward}"


def test_package_faces_above_io_stay_empty() -> None:
    """Importing a pure module must not drag in its package's I/O neighbours."""
    for package in ("apply", "doctor", "zoho", "config", "plan", "render"):
        text = (PACKAGE / package / "__init__.py").read_text()
        assert "import" not in text, f"reconciler/{package}/__init__.py imports something"


PROBE = """
import json, os, sys
results = {}
for module in sys.argv[1:]:
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read)
        __import__("reconciler." + module)
        loaded = sorted({m.split(".")[0] for m in sys.modules} & set(%r))
        os.write(write, json.dumps(loaded).encode())
        os._exit(0)
    os.close(write)
    with os.fdopen(read) as pipe:
        answer = pipe.read()
    os.waitpid(pid, 0)
    results[module] = json.loads(answer) if answer else ["<import failed>"]
print(json.dumps(results))
"""


def test_pure_modules_load_no_io_library_even_transitively() -> None:
    """Each pure module imported alone, in a fresh interpreter (one fork per module)."""
    pure = [m for m in MODULES if is_pure(m)]
    probe = PROBE % (IO_LIBRARIES,)
    done = subprocess.run(
        [sys.executable, "-c", probe, *pure], capture_output=True, text=True, check=True, cwd=ROOT
    )
    loaded = json.loads(done.stdout)
    wrong = {
        module: [lib for lib in libs if not (lib == "rich" and module in RICH_ALLOWED)]
        for module, libs in loaded.items()
    }
    assert not {m: libs for m, libs in wrong.items() if libs}
    assert "render.report" in loaded and "plan.file" in loaded  # the probe saw the core


def test_only_the_cli_reaches_the_sandbox() -> None:
    users = {
        m for m in MODULES if any(n.startswith("reconciler.sandbox") for n in imports(source(m)))
    }
    assert users <= {"cli.target"}, users


def test_sandbox_imports_nothing_else_of_reconciler() -> None:
    for path in (PACKAGE / "sandbox").rglob("*.py"):
        outside = {
            n
            for n in imports(path)
            if n.startswith("reconciler") and not n.startswith("reconciler.sandbox")
        }
        relative_escape = any(
            isinstance(node, ast.ImportFrom) and node.level > 1
            for node in ast.walk(ast.parse(path.read_text()))
        )
        assert not outside and not relative_escape, f"{path} reaches outside the sandbox: {outside}"


def test_the_architecture_page_lists_every_package_with_its_rank() -> None:
    page = (ROOT / "docs" / "architecture.md").read_text()
    rows = dict(re.findall(r"^\| `(\w+)/?(?:\.py)?` \| (\d+) \|", page, re.M))
    assert {name: int(rank) for name, rank in rows.items()} == RANKS
