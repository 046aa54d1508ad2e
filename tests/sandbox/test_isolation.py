"""The sandbox is built from Zoho's specs, not from our model: it imports nothing from the rest
of reconciler, so it cannot share the client's bugs."""

from __future__ import annotations

import ast
from pathlib import Path

import reconciler.sandbox

PACKAGE = Path(reconciler.sandbox.__file__).parent


def imported_modules(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
        elif isinstance(node, ast.ImportFrom) and node.level:
            found.add("." * node.level + (node.module or ""))
    return found


def test_the_sandbox_imports_only_itself_from_reconciler() -> None:
    offenders = {
        f"{path.name}: {name}"
        for path in PACKAGE.glob("*.py")
        for name in imported_modules(path)
        if (name == "reconciler" or name.startswith("reconciler."))
        and not name.startswith("reconciler.sandbox")
        or name.startswith("..")
    }
    assert offenders == set()


def test_the_demo_seed_ships_inside_the_package() -> None:
    assert (PACKAGE / "demo_seed.yaml").is_file()


def test_nothing_token_shaped_is_committed() -> None:
    """A hook flags real-looking Zoho tokens; the sandbox's fixed secrets must not look real."""
    import re

    pattern = re.compile(r"1000\.[0-9a-f]{20,}")
    files = [*PACKAGE.glob("*.py"), *PACKAGE.glob("*.yaml"), *Path(__file__).parent.glob("*.py")]
    for path in files:
        assert not pattern.search(path.read_text(encoding="utf-8")), path
