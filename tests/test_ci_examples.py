"""The CI examples and the pre-commit hooks cannot rot: each file is YAML of the expected
shape, and every `reconciler ...` command in their shell scripts (and in docs/ci.md) names a
command that exists and only options that command accepts, with valid choices.

The shell is read the way a shell reads it: line continuations joined, comments and here
documents skipped, commands split at `|`, `&&`, `||`, `;`, parentheses and redirections.
"""

from __future__ import annotations

import re
import shlex
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner
from ruamel.yaml import YAML

from reconciler.cli.main import main

ROOT = Path(__file__).parent.parent
GITHUB = sorted((ROOT / "examples" / "ci" / "github").glob("*.yml"))
GITLAB = ROOT / "examples" / "ci" / "gitlab-ci.yml"
HOOKS = ROOT / ".pre-commit-hooks.yaml"
DOC = ROOT / "docs" / "ci.md"
SEPARATORS = {"|", "||", "&&", ";", "&", "(", ")", "{", "}", ";;", "|&"}
REDIRECTS = {">", ">>", "<", ">&", "<&", "&>", ">|", "<<", "<<<"}
KEYWORDS = {"if", "then", "else", "elif", "do", "while", "until", "!", "time", "exec"}
GITLAB_KEYWORDS = {"stages", "variables", "default", "include", "workflow"}


def load(path: Path) -> Any:
    return YAML(typ="safe", pure=True).load(path.read_text(encoding="utf-8"))


# -- the shell ------------------------------------------------------------------------------


def commands(script: str) -> Iterator[list[str]]:
    """Every simple command of a shell script, as its words."""
    for line in _lines(script):
        lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
        lexer.whitespace_split = True
        words: list[str] = []
        skip_next = False
        for token in lexer:
            if skip_next:
                skip_next = False
            elif token in SEPARATORS:
                yield from _command(words)
                words = []
            elif token in REDIRECTS:
                if words and words[-1].isdigit():
                    words.pop()  # the 2 of 2>
                skip_next = True
            else:
                words.append(token)
        yield from _command(words)


def _lines(script: str) -> Iterator[str]:
    """Logical lines: continuations joined, a quote open across lines kept whole, here
    documents left out."""
    joined = re.sub(r"\\\n", " ", script)
    heredoc = None
    pending = ""
    for line in joined.splitlines():
        if heredoc is not None:
            if line.strip() == heredoc:
                heredoc = None
            continue
        pending = f"{pending}\n{line}" if pending else line
        try:
            shlex.split(pending, comments=True)
        except ValueError:  # "No closing quotation": the quote goes on
            continue
        found = re.search(r"<<-?\s*['\"]?(\w+)['\"]?", pending)
        if found:
            heredoc = found.group(1)
        yield pending
        pending = ""
    assert not pending, f"unclosed quote in: {pending}"


def _command(words: list[str]) -> Iterator[list[str]]:
    while words and (words[0] in KEYWORDS or re.match(r"^\w+=", words[0])):
        words = words[1:]  # `if`, `!`, and VAR=value before the command
    if words:
        yield words


def reconciler_calls(script: str) -> list[list[str]]:
    return [words[1:] for words in commands(script) if words[0] == "reconciler"]


# -- the scripts in each file ---------------------------------------------------------------


def github_scripts(workflow: dict[str, Any]) -> Iterator[str]:
    for job in workflow["jobs"].values():
        for step in job["steps"]:
            if "run" in step:
                yield step["run"]


def gitlab_scripts(pipeline: dict[str, Any]) -> Iterator[str]:
    for name, job in pipeline.items():
        if name in GITLAB_KEYWORDS or name.startswith(".") or not isinstance(job, dict):
            continue
        for key in ("before_script", "script", "after_script"):
            yield from _flatten(job.get(key, []))
    yield from _flatten(pipeline["default"].get("before_script", []))


def _flatten(items: Any) -> Iterator[str]:
    if isinstance(items, str):
        yield items
    else:
        for item in items:
            yield from _flatten(item)


def hook_commands(hooks: list[dict[str, Any]]) -> Iterator[list[str]]:
    """Each hook's command as pre-commit runs it with its defaults: entry and args, then
    the changed files when it takes them."""
    for hook in hooks:
        words = shlex.split(hook["entry"]) + list(hook.get("args", []))
        assert words[0] == "reconciler"
        yield [*words[1:], *(["org/a.yaml"] if hook["pass_filenames"] else [])]


def doc_scripts(text: str) -> Iterator[str]:
    yield from re.findall(r"```(?:sh|bash|shell)\n(.*?)```", text, flags=re.DOTALL)


# -- the check ------------------------------------------------------------------------------


def check(argv: list[str]) -> str:
    """Parse `reconciler ARGV` with the CLI's own parser; the path to the command it names."""
    context = click.Context(main, info_name="reconciler")
    command: click.Command = main
    path = ["reconciler"]
    args = list(argv)
    shown = " ".join(["reconciler", *argv])
    while isinstance(command, click.Group):
        assert args and not args[0].startswith("-"), f"no command in `reconciler {argv}`"
        found = command.get_command(context, args[0])
        assert found is not None, f"`{' '.join(path)}` has no command `{args[0]}`"
        path.append(args.pop(0))
        command, context = found, click.Context(found, info_name=path[-1], parent=context)
    try:
        values, extra, _ = command.make_parser(context).parse_args(args)
    except click.UsageError as exc:
        raise AssertionError(f"`{shown}`: {exc.format_message()}") from None
    assert not extra, f"`{' '.join(path)}` takes no further arguments: {extra}"
    for param in command.params:
        value = values.get(param.name) if param.name else None
        if param.required:  # (click marks a missing one with a sentinel of its own)
            given = isinstance(value, str) or (isinstance(value, tuple) and value != ())
            assert given, f"`{' '.join(path)}` needs {param.name}"
        if isinstance(param.type, click.Choice) and isinstance(value, str) and "$" not in value:
            assert value in param.type.choices, f"{param.name}={value!r} is not a choice"
    return " ".join(path)


def test_the_checker_catches_what_a_rename_would_break() -> None:
    assert check(["plan", "org", "--base", "origin/main", "--format", "markdown"]) == (
        "reconciler plan"
    )
    for broken in (
        ["plan", "org", "--bsae", "main"],  # a renamed or mistyped option
        ["plan", "org", "--format", "html"],  # a choice that is not one
        ["plan", "org", "--out"],  # an option without its value
        ["plna", "org"],  # a command that does not exist
        ["fmt"],  # a missing argument
        ["sandbox", "reset", "--no-such-flag"],  # in a group
    ):
        with pytest.raises(AssertionError):
            check(broken)


def test_the_shell_reader() -> None:
    script = (
        "set -euo pipefail\n"
        'reconciler plan "$CONFIG" --base "origin/${BASE_REF}" \\\n'
        "  --out plan.json --format markdown > plan.md 2>&1 || code=$?\n"
        "if reconciler validate org; then echo ok; fi\n"
        "cat <<'EOF'\nreconciler this-is-text --not-checked\nEOF\n"
        "x=$(git rev-parse HEAD) reconciler apply plan.json # a comment\n"
    )
    assert reconciler_calls(script) == [
        [
            "plan",
            "$CONFIG",
            "--base",
            "origin/${BASE_REF}",
            "--out",
            "plan.json",
            "--format",
            "markdown",
        ],
        ["validate", "org"],
        ["apply", "plan.json"],
    ]


# -- the files ------------------------------------------------------------------------------


@pytest.mark.parametrize("path", GITHUB, ids=lambda p: p.name)
def test_github_workflows(path: Path) -> None:
    workflow = load(path)
    assert {"name", "on", "permissions", "jobs"} <= set(workflow), "a workflow, least privilege"
    scripts = list(github_scripts(workflow))
    calls = [call for script in scripts for call in reconciler_calls(script)]
    assert calls, f"{path.name} runs no reconciler command"
    for call in calls:
        check(call)
    for script in scripts:
        assert script.startswith("set -euo pipefail\n"), f"{path.name}: every run block fails fast"
    _no_secret_in_scripts(path, scripts)


def test_gitlab_pipeline() -> None:
    pipeline = load(GITLAB)
    scripts = list(gitlab_scripts(pipeline))
    calls = [call for script in scripts for call in reconciler_calls(script)]
    assert {check(call) for call in calls} >= {
        "reconciler validate",
        "reconciler fmt",
        "reconciler plan",
        "reconciler apply",
    }
    _no_secret_in_scripts(GITLAB, scripts)


def test_pre_commit_hooks() -> None:
    hooks = load(HOOKS)
    assert {h["id"] for h in hooks} == {"reconciler-validate", "reconciler-fmt"}
    for hook in hooks:
        assert hook["language"] == "python" and re.search(hook["files"], "org/x.yml")
    assert {check(call) for call in hook_commands(hooks)} == {
        "reconciler validate",
        "reconciler fmt",
    }


@pytest.mark.parametrize(
    "path",
    [".pre-commit-config.yaml", ".github/workflows/reconciler-plan.yml", ".gitlab-ci.yml"],
)
def test_pre_commit_hooks_leave_other_yaml_alone(path: str) -> None:
    for hook in load(HOOKS):
        assert not re.search(hook["files"], path), (hook["id"], path)


def test_pre_commit_hooks_run_as_shipped_on_the_documented_layout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The hooks with their defaults only (as docs/ci.md configures them), in a repository
    whose configuration is in org/; a changed file as pre-commit passes it."""
    (tmp_path / "org").mkdir()
    shutil.copy(ROOT / "examples" / "territories.yaml", tmp_path / "org" / "a.yaml")
    monkeypatch.chdir(tmp_path)
    for call in hook_commands(load(HOOKS)):
        result = CliRunner().invoke(main, call, catch_exceptions=False)
        assert result.exit_code == 0, (call, result.output)


def test_github_jobs_have_a_timeout_and_the_plan_can_be_required() -> None:
    for path in GITHUB:
        for name, job in load(path)["jobs"].items():
            assert isinstance(job.get("timeout-minutes"), int), f"{path.name}: {name}"
    plan = load(ROOT / "examples" / "ci" / "github" / "reconciler-plan.yml")
    assert "paths" not in (plan["on"]["pull_request"] or {}), "a required check must report"
    assert load(GITLAB)["default"]["timeout"]


def test_the_ci_guide_runs_only_real_commands() -> None:
    calls = [c for script in doc_scripts(DOC.read_text()) for c in reconciler_calls(script)]
    assert len(calls) >= 5
    for call in calls:
        check(call)


def _no_secret_in_scripts(path: Path, scripts: list[str]) -> None:
    """Secrets reach scripts through env: only, and no script prints one."""
    for script in scripts:
        assert "secrets." not in script, f"{path.name}: a secret interpolated into a script"
        for words in commands(script):
            if words[0] in ("echo", "printf", "cat"):
                assert not any(re.search(r"ZOHO_|TOKEN|SECRET", w) for w in words[1:]), (
                    f"{path.name} prints a secret: {words}"
                )
