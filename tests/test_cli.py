"""The command line: exit codes, output formats, and that every command documents itself."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from reconciler.cli.main import Commands, main

ROOT = Path(__file__).parent.parent
EXAMPLE = ROOT / "examples" / "territories.yaml"
BAD = "version: 1\ndata_sharing:\n  Acounts: private\n  Leads: open\n"


@pytest.fixture
def bad_file(tmp_path: Path) -> Path:
    path = tmp_path / "bad.yaml"
    path.write_text(BAD)
    return path


def test_validate_ok_exits_0_with_a_summary() -> None:
    result = CliRunner().invoke(main, ["validate", str(EXAMPLE)])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("ok: 1 file valid (11 territories,")


def test_validate_reports_every_error_then_a_summary(bad_file: Path) -> None:
    result = CliRunner().invoke(main, ["validate", str(bad_file)])
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"{bad_file}:3:3: error: unknown module `Acounts`",
        "    hint: did you mean `Accounts`?",
        f"{bad_file}:4:10: error: `open` is not a valid share type",
        "    hint: use one of: private, public_read_only, public_read_write, public",
        "2 errors in 1 file",
    ]
    assert "Traceback" not in result.output


def test_validate_json_lists_the_same_errors(bad_file: Path) -> None:
    result = CliRunner().invoke(main, ["validate", str(bad_file), "--format", "json"])
    assert result.exit_code == 1
    payload = json.loads(result.stdout)
    assert payload["valid"] is False
    assert [(e["line"], e["column"]) for e in payload["errors"]] == [(3, 3), (4, 10)]
    assert payload["errors"][0]["hint"] == "did you mean `Accounts`?"


def test_validate_json_when_valid() -> None:
    result = CliRunner().invoke(main, ["validate", str(EXAMPLE), "--format", "json"])
    assert result.exit_code == 0
    assert json.loads(result.stdout) == {"valid": True, "files": 1, "errors": []}


def test_github_annotations(bad_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    result = CliRunner().invoke(main, ["validate", str(bad_file)])
    annotations = [line for line in result.stdout.splitlines() if line.startswith("::error")]
    assert annotations[0] == (
        f"::error file={bad_file},line=3,col=3::unknown module `Acounts` (did you mean `Accounts`?)"
    )
    assert len(annotations) == 2


def test_missing_path_is_a_usage_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["validate", str(tmp_path / "nope.yaml")])
    assert result.exit_code == 1
    assert "cannot read" in result.stderr


def test_schema_to_stdout_is_the_committed_schema() -> None:
    result = CliRunner().invoke(main, ["schema", "-o", "-"])
    assert result.exit_code == 0
    committed = (ROOT / "schemas" / "reconciler.schema.json").read_text()
    assert result.stdout == committed, "schemas/ is stale: run `reconciler schema`"


def test_the_declared_pydantic_floor_writes_the_committed_schema() -> None:
    """`reconciler schema` differs between pydantic minors: the floor pyproject declares is
    the minor that writes schemas/, so no supported install writes another schema. After
    a pydantic upgrade: check the schema test still passes, then raise the floor."""
    import re
    import tomllib

    import pydantic

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    [floor] = [d for d in project["dependencies"] if d.startswith("pydantic>=")]
    declared = re.fullmatch(r"pydantic>=(\d+)\.(\d+)", floor.split(";")[0].strip())
    assert declared is not None, floor
    running = tuple(int(n) for n in pydantic.VERSION.split(".")[:2])
    assert (int(declared[1]), int(declared[2])) == running, (
        f"schemas/ is written with pydantic {pydantic.VERSION}; pyproject declares {floor}"
    )


def test_schema_writes_the_file(tmp_path: Path) -> None:
    target = tmp_path / "s.json"
    result = CliRunner().invoke(main, ["schema", "-o", str(target)])
    assert result.exit_code == 0
    schema = json.loads(target.read_text())
    assert schema["title"] == "reconciler configuration"
    assert {"territories", "data_sharing", "sharing_rules", "version"} <= set(schema["properties"])


def commands(group: click.Group, prefix: str = "") -> list[tuple[str, click.Command]]:
    """Every command and subcommand, the lazily loaded ones included."""
    found = []
    context = click.Context(group)
    for name in group.list_commands(context):
        command = group.get_command(context, name)
        assert command is not None, f"`{prefix}{name}` is listed but cannot be loaded"
        found.append((f"{prefix}{name}", command))
        if isinstance(command, click.Group):
            found += commands(command, f"{prefix}{name} ")
    return found


@pytest.mark.parametrize(("name", "command"), commands(main))
def test_every_command_has_help_with_an_example(name: str, command: click.Command) -> None:
    assert command.help, f"`{name}` has no docstring"
    assert "Example:" in command.help, f"`{name}` has no Example: block"
    result = CliRunner().invoke(main, [*name.split(), "--help"])
    assert result.exit_code == 0 and "Example:" in result.output


@pytest.mark.parametrize("name", sorted(Commands.lazy))
def test_lazy_commands_describe_themselves_truly(name: str) -> None:
    # `reconciler --help` lists lazy commands without importing them; the line it shows
    # must be the command's own.
    command = main.get_command(click.Context(main), name)
    assert command is not None and command.help is not None
    assert command.help.strip().splitlines()[0] == Commands.lazy[name][1]


def test_help_lists_every_command_without_importing_them() -> None:
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0
    for name, (_, line) in Commands.lazy.items():
        assert f"{name}" in result.output and line.split()[0] in result.output
    # In a fresh interpreter, --help must not load any lazy command's module (nor httpx).
    lazy = sorted({module for module, _ in Commands.lazy.values()})
    script = (
        "import sys\n"
        "from reconciler.cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        f"print([m for m in {lazy + ['httpx']!r} if m in sys.modules])\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0 and done.stdout.splitlines()[-1] == "[]", done.stdout


def test_python_dash_m_runs_the_cli() -> None:
    import subprocess
    import sys

    from reconciler import __version__

    done = subprocess.run(
        [sys.executable, "-m", "reconciler", "--version"], capture_output=True, text=True
    )
    assert done.returncode == 0 and done.stdout.strip() == f"reconciler, version {__version__}"


@pytest.mark.parametrize("missing", ["nothing-here.yaml", "empty-folder"])
def test_an_error_without_a_position_names_the_file_alone(tmp_path: Path, missing: str) -> None:
    """`FILE: error:` as editors' problem matchers expect, never `FILE:0:0:`."""
    (tmp_path / "empty-folder").mkdir()
    path = tmp_path / missing
    result = CliRunner().invoke(main, ["validate", str(path)])
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0].startswith(f"{path}: error: ")
    assert ":0:" not in result.stderr


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        ("reconciler pl", "plan"),
        ("reconciler plan --fo", "--format"),
        ("reconciler sandbox r", "reset"),
    ],
)
def test_shell_completion_as_the_readme_sets_it_up(words: str, expected: str) -> None:
    env = {"COMP_WORDS": words, "COMP_CWORD": str(len(words.split()) - 1)}
    result = CliRunner().invoke(
        main, [], env={**env, "_RECONCILER_COMPLETE": "bash_complete"}, prog_name="reconciler"
    )
    assert result.exit_code == 0
    assert f"plain,{expected}" in result.stdout.splitlines()


def test_an_unknown_log_level_is_a_usage_error() -> None:
    result = CliRunner().invoke(main, ["validate", str(EXAMPLE)], env={"RECONCILER_LOG": "loud"})
    assert result.exit_code == 1
    assert "RECONCILER_LOG='loud'" in result.stderr
