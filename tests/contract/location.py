"""Where the official Zoho OpenAPI files are, and what a test does when they are not there.

The spec files are reference data we may not ship (upstream has no licence), so they stay in
the shared folder beside the repository and are found through a setting, never copied in.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

DIR_ENV = "RECONCILER_ZOHO_API_DIR"
# CI sets this: there the files are always present, so a missing file is a broken setup that
# must fail loudly instead of turning the contract tests into silent skips.
REQUIRE_ENV = "RECONCILER_REQUIRE_OAS"

# The files the contract relies on. Checked up front so that a half-copied folder gives one
# clear message instead of a resolver error in the middle of a test.
OAS_FILES = tuple(
    f"oas/v8.0/{name}.json"
    for name in (
        "common",
        "territories",
        "territory_users",
        "users_territories",
        "sharing_rules",
        "users",
        "roles",
        "user_groups",
        "profiles",
        "org",
    )
)
OAS2_FILES = tuple(
    f"oas2/v8.0/{area}/{area}.yaml"
    for area in (
        "territories",
        "territory_users",
        "users_territories",
        "data_sharing",
        "users",
        "user_groups",
        "roles",
    )
)
REQUIRED_FILES = OAS_FILES + OAS2_FILES


def repo_root() -> Path:
    """The directory holding pyproject.toml (found upwards from this file)."""
    here = Path(__file__).resolve()
    for parent in here.parents:
        if (parent / "pyproject.toml").is_file():
            return parent
    raise RuntimeError(f"no pyproject.toml above {here}")


def spec_dir() -> Path:
    """The zoho-api folder: $RECONCILER_ZOHO_API_DIR, else <repo root>/../shared/zoho-api."""
    configured = os.environ.get(DIR_ENV)
    if configured:
        return Path(configured).expanduser()
    return repo_root().parent / "shared" / "zoho-api"


def missing_specs_message(path: Path) -> str:
    return f"official Zoho OpenAPI files not found at {path}; set {DIR_ENV}"


def find_missing(directory: Path, relative: tuple[str, ...]) -> Path | None:
    """The first of directory and directory/<relative...> that is absent, or None."""
    if not directory.is_dir():
        return directory
    for name in relative:
        if not (directory / name).is_file():
            return directory / name
    return None


def require_specs(*extra: str) -> Path:
    """Return the spec folder, or skip the calling test (fail it when CI requires the specs).

    extra names further files (relative to the folder) that the caller needs.
    """
    directory = spec_dir()
    missing = find_missing(directory, REQUIRED_FILES + extra)
    if missing is None:
        return directory
    message = missing_specs_message(missing)
    if os.environ.get(REQUIRE_ENV) == "1":
        pytest.fail(message, pytrace=False)
    pytest.skip(message)
