"""The import rules of DESIGN §3: lower layers never import higher ones, the pure core
imports neither httpx nor click, and the sandbox imports nothing else of reconciler."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).parent.parent / "reconciler"

# A module may import only modules of a lower or equal rank. Every module must be listed,
# so a new module is placed deliberately.
RANKS = {
    "__init__": 0,
    "errors": 0,
    "model": 10,
    "plan.cover": 10,
    "config.source": 20,
    "config.comments": 20,
    "config.document": 20,
    "config.explain": 30,
    "config.tree": 30,
    "config.load": 40,
    "plan.steps": 40,
    "zoho.wire": 40,
    "plan.diff": 50,
    "plan.origin": 60,
    "config.names": 50,
    "plan.territories": 60,
    "plan.members": 65,
    "plan.rules": 65,
    "plan.build": 70,
    "plan.file": 75,
    "render.diagnostics": 80,
    "render.words": 78,
    "render.text": 80,
    "render.mermaid": 79,
    "render.markdown": 80,
    "config.export": 80,
    "config.fmt": 80,
    "zoho.redact": 5,
    "zoho.domains": 45,
    "zoho.retry": 45,
    "zoho.slots": 45,
    "zoho.responses": 46,
    "zoho.auth": 50,
    "zoho.target": 55,
    "zoho.session": 56,
    "zoho.base": 57,
    "zoho.rule_writes": 58,
    "zoho.client": 60,
    "live": 70,
    "doctor.probes": 80,
    "apply.calls": 75,
    "apply.run": 80,
    "config.git": 80,
    "render.progress": 90,
    "render.report": 85,
    "render.doctor": 85,
    "cli.workflow": 90,
    "cli.main": 100,
    "cli.org": 101,
    "__main__": 110,
}
PURE = {
    "model",
    "config.source",
    "config.document",
    "config.explain",
    "config.tree",
    "config.load",
    "zoho.wire",
    "config.names",
    "plan.diff",
    "plan.build",
    "plan.file",
    "render.diagnostics",
    "render.text",
    "render.markdown",
    "config.export",
    "config.fmt",
    "plan.steps",
    "plan.cover",
    "plan.territories",
    "plan.members",
    "plan.rules",
    "render.words",
    "render.report",
    "plan.origin",
    "config.comments",
}
NETWORK_AND_CLI = {"httpx", "click", "starlette", "uvicorn"}


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


def own(names: set[str]) -> set[str]:
    inner = {n.removeprefix("reconciler.") for n in names if n.startswith("reconciler.")}
    return {n for n in inner if n in MODULES}


def path_of(module: str) -> Path:
    return PACKAGE / (module.replace(".", "/") + ".py")


MODULES = sorted(
    ".".join(p.relative_to(PACKAGE).with_suffix("").parts)
    for p in PACKAGE.rglob("*.py")
    if "sandbox" not in p.parts and p.name != "__init__.py"
)


@pytest.mark.parametrize("module", MODULES)
def test_module_has_a_layer(module: str) -> None:
    assert module in RANKS, f"place reconciler/{module}.py in RANKS in {__file__}"


@pytest.mark.parametrize("module", MODULES)
def test_no_upward_imports(module: str) -> None:
    found = own(imports(path_of(module)))
    upward = {name for name in found if RANKS.get(name, 99) > RANKS.get(module, -1)}
    assert not upward, f"reconciler.{module} imports higher layers: {sorted(upward)}"


@pytest.mark.parametrize("module", sorted(PURE & set(MODULES)))
def test_pure_core_does_no_io_libraries(module: str) -> None:
    roots = {name.split(".")[0] for name in imports(path_of(module))}
    assert not roots & NETWORK_AND_CLI, f"reconciler.{module} imports {roots & NETWORK_AND_CLI}"
    assert "reconciler.sandbox" not in imports(path_of(module))


def test_only_cli_uses_the_sandbox() -> None:
    users = {
        m for m in MODULES if any(n.startswith("reconciler.sandbox") for n in imports(path_of(m)))
    }
    assert users <= {"cli.main", "zoho.target"}, users


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
