"""Two applies at once. Zoho has no lock, so two plans made from the same org state and
applied together could each overwrite the other; the later one's manager and default win and
a territory ends with the union of both member lists, matching neither configuration. Each
apply re-reads what a step writes just before it, and what its plan touched after its last
write, so at least one exits 1 naming the objects the other changed; a following `plan` then
tells the truth. On the local sandbox a lock makes a second apply wait for the first."""

from __future__ import annotations

import asyncio
import io
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from reconciler.apply.report import Report, Silent
from reconciler.cli import workflow
from reconciler.cli.main import main
from reconciler.cli.target import exclusive, sandbox_target
from reconciler.errors import StalePlan
from reconciler.plan.file import SavedPlan, loads
from reconciler.render.report import report_text
from reconciler.sandbox import BUILT_IN_CREDENTIALS, Sandbox, SandboxSettings, serve_in_thread
from reconciler.zoho.target import VARIABLES

WANTED = {  # West's manager and members, and the Accounts default
    "base": ("amy@zylker.example", ("amy@zylker.example",), "private"),
    "mine": (
        "bob@zylker.example",
        ("amy@zylker.example", "bob@zylker.example"),
        "public_read_only",
    ),
    "theirs": ("emma.schulz@zylker.example", ("carla.mendes@zylker.example",), "public_read_write"),
}


def config(manager: str, members: tuple[str, ...], default: str) -> str:
    return (
        "version: 1\nterritories:\n  name: Zylker\n  children:\n    - name: West\n"
        f"      manager: {manager}\n      users: [{', '.join(members)}]\n"
        f"data_sharing:\n  Accounts: {default}\n"
    )


def environment(base: str | None, db: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in VARIABLES}
    env |= {"NO_COLOR": "1", "RECONCILER_RETRY_SCALE": "0.01", "RECONCILER_SANDBOX_DB": str(db)}
    if base is not None:
        env |= dict(zip(VARIABLES[:3], BUILT_IN_CREDENTIALS, strict=True))
        env |= {"ZOHO_API_DOMAIN": base, "ZOHO_ACCOUNTS_URL": base}
    return env


def reconciler(env: dict[str, str], *args: str) -> subprocess.Popen[str]:
    extra = ["--allow-custom-domain"] if "ZOHO_API_DOMAIN" in env else []
    return subprocess.Popen(
        [sys.executable, "-m", "reconciler", *args, *extra],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(process: subprocess.Popen[str]) -> tuple[int, str]:
    out, err = process.communicate(timeout=120)
    return process.returncode, out + err


def configs(tmp_path: Path) -> dict[str, Path]:
    found = {}
    for name, wanted in WANTED.items():
        found[name] = tmp_path / f"{name}.yaml"
        found[name].write_text(config(*wanted))
    return found


def west(sandbox: Sandbox) -> tuple[str, tuple[str, ...], str]:
    with sandbox.store.transaction() as db:
        manager = db.execute(
            "SELECT u.email FROM territories t JOIN users u ON u.id = t.manager_id "
            "WHERE t.name = 'West'"
        ).fetchone()[0]
        members = db.execute(
            "SELECT u.email FROM territory_users m JOIN users u ON u.id = m.user_id "
            "JOIN territories t ON t.id = m.territory_id WHERE t.name = 'West' ORDER BY u.email"
        ).fetchall()
        default = db.execute("SELECT share_type FROM modules WHERE api_name = 'Accounts'")
        return manager, tuple(row[0] for row in members), default.fetchone()[0]


async def approve(saved: SavedPlan) -> bool:
    return True


async def apply_file(env: dict[str, str], plan: Path) -> Report | StalePlan:
    """One `apply PLAN`, as the command runs it, with its own connection."""
    options = workflow.Options(allow_custom_domain=True)
    async with workflow.connect(env, options) as connection:
        try:
            report = await workflow.apply_plan_file(
                loads(plan.read_text(), str(plan)), connection, allow_deletes=False, review=approve,
                listener_for=lambda *_: Silent(),
            )  # fmt: skip
        except StalePlan as stale:
            return stale
    assert report is not None
    return report


def said(outcome: Report | StalePlan) -> str:
    if isinstance(outcome, StalePlan):
        return "\n".join(outcome.changed)
    printed = io.StringIO()
    report_text(outcome, printed)
    return printed.getvalue()


@contextmanager
def served_base(
    tmp_path: Path, latency_s: float
) -> Iterator[tuple[Sandbox, dict[str, str], dict[str, Path]]]:
    """An org served on 127.0.0.1 with the base configuration applied: the sandbox, the
    environment that reaches it, and the configurations."""
    paths = configs(tmp_path)
    settings = SandboxSettings(latency_s=latency_s, rule_recompute_s=0.05)
    with Sandbox(tmp_path / "org.sqlite3", settings=settings) as sandbox:
        with serve_in_thread(sandbox) as base:
            env = environment(base, tmp_path / "unused.sqlite3")
            assert cli(env, "apply", str(paths["base"]), "--auto-approve").exit_code == 0
            yield sandbox, env, paths


@pytest.mark.served
def test_two_applies_at_once_one_exits_1_naming_what_the_other_changed(tmp_path: Path):
    """Both start together over a slow network, so both re-read the org before either writes:
    the check before the first write passes for both, and the re-check before a step or the
    read-back after the last write sees the other's changes."""
    with served_base(tmp_path, latency_s=0.05) as (sandbox, env, paths):
        plans = [tmp_path / "mine.json", tmp_path / "theirs.json"]
        for name, plan in zip(("mine", "theirs"), plans, strict=True):
            assert cli(env, "plan", str(paths[name]), "--out", str(plan)).exit_code == 0

        async def both() -> list[Report | StalePlan]:
            return list(await asyncio.gather(*(apply_file(env, plan) for plan in plans)))

        outcomes = asyncio.run(both())
        failed = [said(o) for o in outcomes if isinstance(o, StalePlan) or not o.ok]
        assert failed, [said(o) for o in outcomes]
        told_the_truth(failed, sandbox, env, paths)


@pytest.mark.served
def test_two_apply_commands_at_once_one_exits_1_naming_what_the_other_changed(tmp_path: Path):
    """Two `reconciler apply PATH --auto-approve` processes against a served sandbox, each
    planning from the org as it was. However the machine schedules them, they overlap: the
    sandbox holds the first write of either until the other writes too (`hold_writes`), so
    each has planned and re-checked before either has written. At least one exits 1 naming
    what the other changed; a following `plan` tells the truth."""
    with served_base(tmp_path, latency_s=0.02) as (sandbox, env, paths):
        sandbox.faults.hold_writes(parties=2, timeout_s=240)
        names = ("mine", "theirs")
        both = [reconciler(env, "apply", str(paths[n]), "--auto-approve") for n in names]
        outcomes = [(p.communicate(timeout=300), p.returncode) for p in both]
        assert sandbox.faults.met == 1  # they overlapped: both were writing at once
        failed = [out for (out, err), code in outcomes if code == 1]
        assert failed and all(code in (0, 1) for _, code in outcomes), outcomes
        told_the_truth(failed, sandbox, env, paths)


def told_the_truth(
    failed: list[str], sandbox: Sandbox, env: dict[str, str], paths: dict[str, Path]
) -> None:
    """Each failed apply named only what both plans change (all the other can have changed),
    and `plan` of either configuration now shows whether the org is as it says."""
    for printed in failed:
        assert "changed by someone else during this apply:" in printed, printed
        named = [line for line in printed.splitlines() if line.startswith("  - ")]
        assert named and all("`West`" in n or "Accounts" in n for n in named), printed
    now = west(sandbox)
    for name in ("mine", "theirs"):
        result = cli(env, "plan", str(paths[name]), "--detailed-exitcode")
        assert result.exit_code == (0 if now == WANTED[name] else 2), result.stderr


def cli(env: dict[str, str], *args: str) -> Result:
    served = ["--allow-custom-domain"] if "ZOHO_API_DOMAIN" in env else []
    return CliRunner().invoke(main, [*args, *served], env=env)


def test_a_second_apply_on_the_local_sandbox_waits_for_the_first(tmp_path: Path):
    paths = configs(tmp_path)
    db = tmp_path / "org.sqlite3"
    env = environment(None, db)
    assert finish(reconciler(env, "apply", str(paths["base"]), "--auto-approve"))[0] == 0
    target = sandbox_target(db)
    try:
        with exclusive(target):
            waiting = reconciler(env, "apply", str(paths["mine"]), "--auto-approve")
            time.sleep(3)
            assert waiting.poll() is None  # still waiting for the lock
        code, printed = finish(waiting)
        assert code == 0, printed
        assert west(target.sandbox) == WANTED["mine"]
    finally:
        target.close()
    result = CliRunner().invoke(main, ["plan", str(paths["mine"]), "--detailed-exitcode"], env=env)
    assert result.exit_code == 0, result.stderr
