"""Where the spec files are, and what a test does when they are not there."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.contract import location


def test_spec_dir_defaults_beside_the_repository(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(location.DIR_ENV, raising=False)
    root = location.repo_root()
    assert (root / "pyproject.toml").is_file()
    assert location.spec_dir() == root.parent / "shared" / "zoho-api"


def test_missing_specs_skip_with_a_clear_reason(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(location.DIR_ENV, str(tmp_path / "nowhere"))
    monkeypatch.delenv(location.REQUIRE_ENV, raising=False)
    with pytest.raises(pytest.skip.Exception) as skipped:
        location.require_specs()
    expected = f"official Zoho OpenAPI files not found at {tmp_path / 'nowhere'}; set "
    assert str(skipped.value) == expected + "RECONCILER_ZOHO_API_DIR"


def test_missing_specs_fail_when_required(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(location.DIR_ENV, str(tmp_path))
    monkeypatch.setenv(location.REQUIRE_ENV, "1")
    with pytest.raises(pytest.fail.Exception) as failed:
        location.require_specs()
    # The folder exists but is empty: the message names the first missing file.
    assert f"not found at {tmp_path / location.REQUIRED_FILES[0]}" in str(failed.value)


def test_a_missing_extra_file_is_reported(oas_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(location.REQUIRE_ENV, raising=False)
    with pytest.raises(pytest.skip.Exception, match="oas/v8.0/nope.json"):
        location.require_specs("oas/v8.0/nope.json")
    assert location.require_specs() == oas_dir
