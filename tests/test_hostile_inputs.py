"""Hostile and mistaken inputs, each kept as a fixture (tests/hostile/) or, where a file cannot
be kept (a link to /dev/zero, a loop of links, a tree nested 249 levels), made here. For every
one: exit 1, one error message, no traceback and no "internal error", and nothing written (the
inputs keep their bytes, no plan file appears, the sandbox is not created)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from reconciler.cli.main import main
from reconciler.zoho.target import VARIABLES

HOSTILE = Path(__file__).with_name("hostile")
EXAMPLE = Path(__file__).parent.parent / "examples" / "territories.yaml"

# fixture -> what the one error line must say (after `FILE:LINE:COL: error: `)
FILES = {
    "bidi_override_in_name.yaml": "5:13: error: contains U+202E (RIGHT-TO-LEFT OVERRIDE)",
    "custom_tag.yaml": "3:9: error: tag `!upper` is not supported",
    "deep_flow_nesting.yaml": "2:114: error: nested more than 100 levels deep",
    "deep_json_nesting.yaml": "1:130: error: nested more than 100 levels deep",
    "escape_sequence_in_name.yaml": "5:13: error: contains U+001B",
    "huge_integer.yaml": "1:10: error: a number of 5000 digits",
    "newline_in_name.yaml": "5:13: error: contains U+000A",
    "python_tag.yaml": "2:14: error: tag `!!python/object/apply:os.system` is not supported",
    "zero_width_in_email.yaml": "6:15: error: contains U+200B (ZERO WIDTH SPACE)",
}


def invoke(tmp_path: Path, *args: str) -> Result:
    env: dict[str, str | None] = dict.fromkeys(VARIABLES)
    env |= {"RECONCILER_SANDBOX_DB": str(tmp_path / "sandbox" / "org.sqlite3"), "NO_COLOR": "1"}
    return CliRunner().invoke(main, list(args), env=env)


def assert_one_clean_error(result: Result, says: str, code: int = 1) -> None:
    printed = result.stdout + result.stderr
    assert result.exit_code == code, printed
    assert "Traceback" not in printed and "internal error" not in printed, printed
    errors = [line for line in printed.splitlines() if "error:" in line.lower()]
    assert len(errors) == 1 and says in errors[0], printed


def snapshot(*roots: Path) -> dict[Path, bytes]:
    files = [p for r in roots for p in ([r] if r.is_file() else r.rglob("*")) if p.is_file()]
    return {p: p.read_bytes() for p in files}


def test_every_fixture_is_covered() -> None:
    assert sorted(p.name for p in HOSTILE.iterdir()) == sorted([*FILES, "binary.json"])


@pytest.mark.parametrize("name", sorted(FILES))
@pytest.mark.parametrize("command", ["validate", "fmt", "plan"])
def test_a_hostile_configuration(tmp_path: Path, name: str, command: str) -> None:
    before = snapshot(HOSTILE)
    result = invoke(tmp_path, command, str(HOSTILE / name))
    assert_one_clean_error(result, f"{HOSTILE / name}:{FILES[name]}")
    assert snapshot(HOSTILE) == before
    assert not (tmp_path / "sandbox").exists()


def test_a_binary_plan_file(tmp_path: Path) -> None:
    result = invoke(tmp_path, "apply", str(HOSTILE / "binary.json"))
    assert_one_clean_error(result, "binary.json is not a plan file: it is not UTF-8 text")
    assert not (tmp_path / "sandbox").exists()


def deep_tree(levels: int) -> str:
    lines = ["version: 1", "territories:", "  name: Zylker", "  children:"]
    for level in range(levels):
        pad = "  " * (2 + 2 * level)
        lines += [f"{pad}- name: T{level}", f"{pad}  children:"]
    lines.append("  " * (2 + 2 * levels) + "- name: Leaf")
    return "\n".join(lines) + "\n"


def made(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    """Inputs that cannot be kept in the repository, and what their one error line says."""
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    (inputs / "deep.yaml").write_text(deep_tree(249))
    (inputs / "zero.yaml").symlink_to("/dev/zero")
    return {
        "a tree nested 249 levels": (
            inputs / "deep.yaml",
            "204:1: error: indented more than 400 columns (nested too deeply)",
        ),
        "a link to /dev/zero": (
            inputs / "zero.yaml",
            "error: cannot read: not a regular file (a device or a pipe?)",
        ),
    }


@pytest.mark.parametrize("command", ["validate", "fmt"])
def test_inputs_made_at_run_time(tmp_path: Path, command: str) -> None:
    for path, says in made(tmp_path).values():
        assert_one_clean_error(invoke(tmp_path, command, str(path)), says)


def test_an_out_that_is_an_input_is_refused_before_the_org_is_read(tmp_path: Path) -> None:
    config = tmp_path / "org.yaml"
    config.write_bytes(EXAMPLE.read_bytes())
    result = invoke(tmp_path, "plan", str(config), "--out", str(config))
    assert_one_clean_error(result, f"--out {config} is the configuration given to plan")
    assert config.read_bytes() == EXAMPLE.read_bytes()
    folder = tmp_path / "org"
    folder.mkdir()
    (folder / "territories.yaml").write_bytes(EXAMPLE.read_bytes())
    result = invoke(tmp_path, "plan", str(folder), "--out", str(folder / "plan.yaml"))
    assert_one_clean_error(result, "is in the configuration given to plan")
    assert not (tmp_path / "sandbox").exists()


@pytest.mark.parametrize(
    ("out", "says"),
    [
        ("/dev/null", "--out /dev/null is not a regular file"),
        ("/proc/version", "cannot write the plan to /proc/version"),
    ],
)
def test_an_out_that_cannot_hold_a_plan(tmp_path: Path, out: str, says: str) -> None:
    result = invoke(tmp_path, "plan", str(EXAMPLE), "--out", out)
    assert_one_clean_error(result, says)


@pytest.mark.parametrize(
    ("db", "says"),
    [
        (str(EXAMPLE), "is not an SQLite database; refusing to use it"),
        ("/dev/null", "/dev/null is not a regular file"),
        (".", "is a directory; the sandbox database is a file"),
    ],
)
def test_a_sandbox_database_that_is_not_one(tmp_path: Path, db: str, says: str) -> None:
    before = EXAMPLE.read_bytes()
    result = invoke(tmp_path, "plan", str(EXAMPLE), "--sandbox-db", db)
    assert_one_clean_error(result, says)
    assert EXAMPLE.read_bytes() == before


@pytest.mark.parametrize(
    ("option", "value"),
    [("--timeout", "nan"), ("--timeout", "inf"), ("--retry-scale", "inf")],
)
def test_numbers_must_be_finite(tmp_path: Path, option: str, value: str) -> None:
    result = invoke(tmp_path, "plan", str(EXAMPLE), option, value)
    # a usage error: click's exit code for those (1 once usage errors exit 1 everywhere)
    assert result.exit_code in (1, 2) and "Traceback" not in result.output
    assert f"Invalid value for '{option}'" in result.stderr
    assert not (tmp_path / "sandbox").exists()


def test_hidden_files_of_a_configuration_directory_are_not_read(tmp_path: Path) -> None:
    folder = tmp_path / "org"
    (folder / ".git").mkdir(parents=True)
    (folder / "territories.yaml").write_bytes(EXAMPLE.read_bytes())
    (folder / ".territories.yaml.swp").write_text("not: yaml: at all: [")
    (folder / ".git" / "config.yaml").write_text("version: 99\n")
    assert invoke(tmp_path, "validate", str(folder)).exit_code == 0


@pytest.mark.parametrize(("key", "line"), [("null", 6), ("1", 6), ("2024-01-01", 6)])
def test_a_key_yaml_reads_as_something_other_than_text_is_named_where_it_is(
    tmp_path: Path, key: str, line: int
) -> None:
    config = tmp_path / "org.yaml"
    config.write_text(
        f"version: 1\nterritories:\n  name: Zylker\n  children:\n    - name: West\n      {key}: x\n"
    )
    result = invoke(tmp_path, "validate", str(config))
    assert_one_clean_error(result, f"{config}:{line}:7: error: key `{key}` is not text")


def test_a_plan_file_too_large_or_too_deep(tmp_path: Path) -> None:
    huge = tmp_path / "huge.json"
    with huge.open("wb") as handle:
        handle.truncate(16 * 1024 * 1024 + 1)  # sparse: no disk is used
    result = invoke(tmp_path, "apply", str(huge))
    assert_one_clean_error(result, "huge.json is not a plan file: larger than 16 MiB")
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000)
    result = invoke(tmp_path, "apply", str(deep))
    assert_one_clean_error(result, "deep.json is not a reconciler plan (unreadable JSON)")
    assert not (tmp_path / "sandbox").exists()
