"""The benchmark harness cannot rot: its fast mode runs end to end and writes a report with
every section and figure (the targets are reported, not asserted here), the synthetic orgs
are what they claim, and the write bound's cover agrees with reconciler's own."""

from __future__ import annotations

import asyncio
import random
import re
import subprocess
import sys
from pathlib import Path

import pytest

from bench.bounds import cover_size
from bench.generate import FAST, REFERENCE, generate, level_sizes
from bench.orgs import reorg, yaml_text
from bench.report import SECTIONS, TITLES
from reconciler.config.load import load
from reconciler.model import DATA_SHARING_MODULES, OrgState, name_key
from reconciler.plan.cover import min_cover

ROOT = Path(__file__).resolve().parent.parent
TARGETS = (
    "read calls at 1.00x",
    "write calls at 1.00x",
    "within 1.3x of the critical-path bound",
    "20x faster than the sequential script",
    "plan CPU under 1 s",
    "peak memory under 200 MB",
    "`reconciler --help` under 0.3 s",
    "cost growing linearly",
)


@pytest.mark.served
def test_the_fast_mode_writes_every_section_and_figure(tmp_path: Path) -> None:
    out = tmp_path / "benchmarks.md"
    command = [sys.executable, "-m", "bench", "--fast", "--out", str(out)]
    subprocess.run(command, cwd=ROOT, check=True, capture_output=True, timeout=300)
    text = out.read_text(encoding="utf-8")
    for heading in SECTIONS:
        assert f"\n{heading}\n" in text, heading
    assert re.search(r"Machine: .*\d+ CPUs, Python 3\.\d+", text)
    assert re.search(r"on \d{4}-\d{2}-\d{2} in [\d.]+ min", text)
    for scenario in TITLES:
        row = next(line for line in text.splitlines() if line.startswith(f"| {scenario} |"))
        assert re.search(r"\| \d+ / \d+ = \d\.\d\dx \|", row), row  # reads against the bound
        assert re.search(r"[\d,]+ / [\d.]+ s", row), row  # both baselines measured
    for target in TARGETS:
        row = next(line for line in text.splitlines() if target in line)
        assert row.rstrip().endswith(("| met |", "| **missed** |")), row
    for size in ("1x", "2x", "4x"):
        assert re.search(rf"\n\| {size} \| [\d,]+ \|", text), size
    assert "| **plan, without imports** |" in text and "tracemalloc" in text
    assert re.search(r"`reconciler --help`: median \d\.\d{3} s", text)
    assert "sum over dependency levels" in text and "GET /settings/territories" in text


def test_the_reference_org_is_zohos_maximum() -> None:
    org = generate(REFERENCE).desired
    territories = org.territories or ()
    assert len(territories) == 250 and len(level_sizes(REFERENCE)) == 5
    assert _depth(org) == 5
    members = [len(t.users or ()) for t in territories if not t.is_root]
    assert sum(members) == 20_000 and max(members) <= 100
    assert len({u for t in territories for u in t.users or ()}) <= 5_000
    rules = org.sharing_rules or {}
    assert len(rules) == 10 and {len(r) for r in rules.values()} == {15}
    assert set(org.data_sharing or {}) == set(DATA_SHARING_MODULES)


def _depth(org: OrgState) -> int:
    parent = {t.key: name_key(t.parent) if t.parent else None for t in org.territories or ()}
    deepest = 0
    for key in parent:
        depth, at = 0, parent[key]
        while at is not None:
            depth, at = depth + 1, parent[at]
        deepest = max(deepest, depth)
    return deepest


def _normal(state: OrgState) -> object:
    territories = sorted((t.key, t, t.managed_fields()) for t in state.territories or ())
    return territories, state.data_sharing, state.sharing_rules


@pytest.mark.parametrize("reorganised", [False, True])
def test_the_generated_yaml_loads_to_the_generated_state(tmp_path: Path, reorganised: bool) -> None:
    desired = generate(FAST).desired
    if reorganised:
        desired = reorg(desired)
        assert any(t.previously for t in desired.territories or ())
    path = tmp_path / "org.yaml"
    path.write_text(yaml_text(desired), encoding="utf-8")
    assert _normal(load([path]).state) == _normal(desired)


def test_the_cover_bound_agrees_with_reconciler_cover() -> None:
    rng = random.Random(3)
    for _ in range(200):
        edges = {
            (f"t{rng.randrange(12)}", f"u{rng.randrange(30)}") for _ in range(rng.randrange(1, 60))
        }
        territories, users = min_cover(edges)
        assert all(t in territories or u in users for t, u in edges)
        assert cover_size(edges) == len(territories) + len(users)


def test_the_current_user_s_pairs_go_territory_side() -> None:
    edges = [("a", "me"), ("a", "x"), ("b", "me"), ("c", "x")]
    assert cover_size(edges) == 2  # without the rule: {me, x}; with it: a, b and then x
    assert cover_size(edges, current_user="me") == 3


def test_the_drift_benchmark_runs_and_meets_its_bound() -> None:
    from bench import drift

    result = asyncio.run(drift.run(FAST, export_seconds=30.0))
    assert (result.drifted, result.attributed) == (3, 3)
    assert result.reads == result.read_bound
    assert result.calls - result.polls == result.bound
    assert result.downloads == 1 and result.polls == 5
    assert "| fast | 3 / 3 |" in drift.table([result], 30.0)


def test_the_recheck_benchmark_runs_and_meets_its_bound() -> None:
    """The re-check's reads are exactly its formula's, and the only calls it adds."""
    from bench import recheck

    result = asyncio.run(recheck.run(FAST, latency=0.0))
    with_it, without = result.with_recheck, result.without
    assert with_it.ok and without.ok
    assert (without.rechecks, without.sets) == (0, 0)
    assert with_it.rechecks == with_it.bound > 0 and with_it.sets >= 1
    assert with_it.calls - without.calls == with_it.rechecks
    assert f"| fast | {with_it.steps} | {without.calls} / {with_it.calls} |" in recheck.table(
        [result]
    )


def test_the_access_benchmark_runs_and_meets_its_bound() -> None:
    """Roles, groups and users' roles: every read and write at its bound, creates batched
    (more than ten groups and users), and each scenario converged."""
    from bench import access

    rollout, reorg, noop = asyncio.run(access.run(FAST, access.SHAPES["fast"]))
    for row in (rollout, reorg, noop):
        assert row.reads == row.read_bound, row
        assert row.writes == {k: n for k, n in row.write_bound.items() if n}, row
    assert rollout.changes["groups_created"] > 10 and rollout.changes["users_updated"] > 10
    assert rollout.write_bound["groups"] < rollout.changes["groups_created"]  # batched
    assert {"roles_updated", "roles_deleted", "groups_updated", "groups_deleted"} <= set(
        reorg.changes
    )
    assert reorg.polls > 0  # Zoho scheduled the group deletions: their jobs were polled
    assert rollout.converged and reorg.converged and noop.changes == {} and not noop.writes
    assert re.search(
        r"\| reorg \| .* \| \d+ / \d+ = 1\.00x \| \d+ / \d+ = 1\.00x \|",
        access.table([rollout, reorg, noop]),
    )


@pytest.mark.served
def test_the_records_benchmark_runs_at_its_bounds_and_measures_each_process(
    tmp_path: Path,
) -> None:
    from bench import records

    figures = records.run(60, tmp_path)
    for mode in ("full", "assign"):
        plan, applied = figures[f"plan_{mode}"], figures[f"apply_{mode}"]
        assert plan["ratio"] == 1.0 and applied["ratio"] == 1.0
        assert sum(plan["records_changing"].values()) > 0
        assert plan["peak_rss_mb"] > 0 and applied["apply_peak_rss_mb"] > 0
        assert plan["cpu_s"] > 0 and plan["plan_file_mb"] >= 0
