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
    "cover": 10,
    "source": 20,
    "yaml_comments": 20,
    "document": 20,
    "explain": 30,
    "config_tree": 30,
    "config": 40,
    "steps": 40,
    "wire": 40,
    "diff": 50,
    "origin": 60,
    "resolve": 50,
    "schedule": 60,
    "schedule_members": 65,
    "schedule_rules": 65,
    "plan": 70,
    "planfile": 75,
    "render": 80,
    "render_words": 78,
    "render_plan": 80,
    "render_mermaid": 79,
    "render_markdown": 80,
    "export": 80,
    "fmt": 80,
    "redact": 5,
    "domains": 45,
    "retry": 45,
    "slots": 45,
    "responses": 46,
    "auth": 50,
    "target": 55,
    "session": 56,
    "client_base": 57,
    "rule_writes": 58,
    "client": 60,
    "live": 70,
    "doctor": 80,
    "calls": 75,
    "apply": 80,
    "gitbase": 80,
    "progress": 90,
    "render_report": 85,
    "render_doctor": 85,
    "workflow": 90,
    "cli": 100,
    "cli_org": 101,
    "__main__": 110,
}
PURE = {"model", "source", "document", "explain", "config_tree", "config", "wire", "resolve"}
PURE |= {"diff", "plan", "planfile", "render", "render_plan", "render_markdown", "export", "fmt"}
PURE |= {"steps", "cover", "schedule", "schedule_members", "schedule_rules", "render_words"}
PURE |= {"render_report", "origin", "yaml_comments"}
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
    inner = {n.split(".")[1] for n in names if n.startswith("reconciler.") and n.count(".") >= 1}
    return {n for n in inner if (PACKAGE / f"{n}.py").exists() or (PACKAGE / n).is_dir()}


MODULES = sorted(p.stem for p in PACKAGE.glob("*.py"))


@pytest.mark.parametrize("module", MODULES)
def test_module_has_a_layer(module: str) -> None:
    assert module in RANKS, f"place reconciler/{module}.py in RANKS in {__file__}"


@pytest.mark.parametrize("module", MODULES)
def test_no_upward_imports(module: str) -> None:
    found = own(imports(PACKAGE / f"{module}.py")) - {"sandbox"}
    upward = {name for name in found if RANKS.get(name, 99) > RANKS.get(module, -1)}
    assert not upward, f"reconciler.{module} imports higher layers: {sorted(upward)}"


@pytest.mark.parametrize("module", sorted(PURE & set(MODULES)))
def test_pure_core_does_no_io_libraries(module: str) -> None:
    roots = {name.split(".")[0] for name in imports(PACKAGE / f"{module}.py")}
    assert not roots & NETWORK_AND_CLI, f"reconciler.{module} imports {roots & NETWORK_AND_CLI}"
    assert "reconciler.sandbox" not in imports(PACKAGE / f"{module}.py")


def test_only_cli_uses_the_sandbox() -> None:
    users = {
        m
        for m in MODULES
        if any(n.startswith("reconciler.sandbox") for n in imports(PACKAGE / f"{m}.py"))
    }
    assert users <= {"cli", "target"}, users


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
