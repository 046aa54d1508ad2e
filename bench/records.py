"""`python -m bench.records [--accounts N] [--out FILE]`: record impact and realignment on a
large org, measured against their lower bounds (docs/record-impact.md).

The org: N accounts, N contacts, N/2 deals and N/2 leads (100,000 / 100,000 / 50,000 /
50,000 by default) on a tree of 8 regions of 5 countries each, every record already where
the rules put it. The reorg merges the last country of each region into the first, so a
fifth of the accounts (and their contacts and deals) and of the leads change territory.

Measured: the record reads of `plan --records` (calls and credits, against one call per
200 records of each module read), its CPU seconds, peak memory and plan file size, and
the writes of `realign: full` (one Run Rules call per module; its polls are reads) and of
`realign: assign` (one call per 10 records gaining a territory), with apply's CPU and peak
memory. Each `reconciler` process is measured on its own (bench/peak.py).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import random
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.server import Served, copy, create, serve
from reconciler.cli import workflow
from reconciler.config.load import load
from reconciler.sandbox.seed import demo_seed

REGIONS = 8
COUNTRIES = 5
RECORD_LIST = "GET /crm/v8/{module}"
ROOT = Path(__file__).resolve().parent.parent


def country(r: int, c: int) -> str:
    return f"Country {r}-{c}"


def seed(accounts: int, rng: random.Random) -> dict[str, Any]:
    """The demo org's people with N records per module, each where config A puts it."""
    base = demo_seed().model_dump(mode="json", exclude={"records", "territories"})
    territories = [
        {"name": f"Region {r}", "children": [{"name": country(r, c)} for c in range(COUNTRIES)]}
        for r in range(REGIONS)
    ]
    homes = [(rng.randrange(REGIONS), rng.randrange(COUNTRIES)) for _ in range(accounts)]
    records: dict[str, list[dict[str, Any]]] = {
        "Accounts": [
            {
                "Account_Name": f"Account {i}",
                "Billing_Country": country(*home),
                "rule_territories": [country(*home)],
            }
            for i, home in enumerate(homes)
        ],
        "Contacts": [],
        "Deals": [],
        "Leads": [],
    }
    for i in range(accounts):
        j = rng.randrange(accounts)
        home = country(*homes[j])
        records["Contacts"].append(
            {
                "Last_Name": f"C{i}",
                "Email": f"c{i}@bench.example",
                "account": f"Account {j}",
                "rule_territories": [home],
            }
        )
    for i in range(accounts // 2):
        j = rng.randrange(accounts)
        records["Deals"].append(
            {
                "Deal_Name": f"D{i}",
                "Amount": 1000,
                "contact": f"c{j}@bench.example",
                "rule_territories": [records["Contacts"][j]["rule_territories"][0]],
            }
        )
        home = (rng.randrange(REGIONS), rng.randrange(COUNTRIES))
        records["Leads"].append(
            {"Last_Name": f"L{i}", "Country": country(*home), "rule_territories": [country(*home)]}
        )
    return {**base, "territories": territories, "records": records}


def config(merged: bool, realign: str | None) -> str:
    """Config A (every country its own territory) or B (the last country of each region
    merged into the first)."""
    lines = ["territories:", "  name: Zylker", "  children:"]
    for r in range(REGIONS):
        names = [country(r, c) for c in range(COUNTRIES)]
        lines += [
            f"    - name: Region {r}",
            f"      account_rule: {rule(names, 'Billing_Country')}",
            f"      lead_rule: {rule(names, 'Country')}",
            "      children:",
        ]
        for c in range(COUNTRIES - (1 if merged else 0)):
            mine = names[c : c + 1] + (names[-1:] if merged and c == 0 else [])
            lines += [
                f"        - name: {names[c]}",
                f"          account_rule: {rule(mine, 'Billing_Country')}",
                f"          lead_rule: {rule(mine, 'Country')}",
            ]
    if realign:
        lines.append(f"realign: {{Accounts: {realign}, Leads: {realign}}}")
    return "\n".join(lines) + "\n"


def rule(names: list[str], field: str) -> str:
    return f"{{field: {field}, in: [{', '.join(names)}]}}"


def bound(counts: dict[str, int]) -> int:
    return sum(math.ceil(n / 200) for n in counts.values())


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.records", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--out", type=Path, help="write the figures as JSON here")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-records-") as tmp:
        figures = run(args.accounts, Path(tmp))
    text = json.dumps(figures, indent=2)
    print(text)
    if args.out:
        args.out.write_text(text + "\n")


def run(accounts: int, work: Path) -> dict[str, Any]:
    counts = {
        "Accounts": accounts,
        "Contacts": accounts,
        "Deals": accounts // 2,
        "Leads": accounts // 2,
    }
    start, aligned = work / "start.sqlite3", work / "aligned.sqlite3"
    began = time.monotonic()
    create(start, seed(accounts, random.Random(14)))
    figures: dict[str, Any] = {"records": counts, "seed_s": round(time.monotonic() - began, 1)}
    (work / "a.yaml").write_text(config(False, None))
    settings = {"territory_job_s": 1.0}
    with serve(start, settings) as served:
        asyncio.run(apply(served, work / "a.yaml"))
    copy(start, aligned)
    for mode in ("full", "assign"):
        db = work / f"{mode}.sqlite3"
        copy(aligned, db)
        (work / "b.yaml").write_text(config(True, mode))
        with serve(db, settings) as served:
            served.stats(clear=True)
            figures[f"plan_{mode}"] = plan(served, work / "b.yaml", work / "plan.json", counts)
            served.stats(clear=True)
            figures[f"apply_{mode}"] = realign_writes(served, work / "plan.json", mode)
    return figures


async def apply(served: Served, path: Path) -> None:
    options = workflow.Options(allow_custom_domain=True, timeout=600.0)
    async with workflow.connect(served.env, options) as connection:
        saved = await workflow.make_plan(load([path]), connection)
        report = await workflow.apply_saved(saved, connection, allow_deletes=True, verify=False)
        assert report.ok, report


def plan(served: Served, config_path: Path, out: Path, counts: dict[str, int]) -> dict[str, Any]:
    """`reconciler plan --records` in a fresh process: record reads, CPU, peak memory."""
    command = [
        sys.executable,
        "-m",
        "reconciler",
        "plan",
        str(config_path),
        "--records",
        "--allow-custom-domain",
        "--timeout",
        "600",
        "--out",
        str(out),
    ]
    done = child(command, served)
    assert done.returncode == 0, done.output
    calls = served.stats()["endpoints"].get(RECORD_LIST, {"count": 0, "credits": 0})
    saved = json.loads(out.read_text())
    moved = {m["module"]: len(m["changes"]) for m in saved["records"]["modules"]}
    lower = bound(counts)
    return {
        "record_reads": calls["count"],
        "record_credits": calls["credits"],
        "lower_bound": lower,
        "ratio": round(calls["count"] / lower, 2),
        "records_changing": moved,
        "cpu_s": done.cpu_s,
        "wall_s": done.wall_s,
        "peak_rss_mb": done.peak_rss_mb,
        "plan_file_mb": round(out.stat().st_size / 2**20, 1),
    }


def realign_writes(served: Served, plan_path: Path, mode: str) -> dict[str, Any]:
    saved = json.loads(plan_path.read_text())
    command = [
        sys.executable,
        "-m",
        "reconciler",
        "apply",
        str(plan_path),
        "--allow-custom-domain",
        "--timeout",
        "600",
        "--allow-deletes",
    ]
    done = child(command, served)
    assert done.returncode == 0, done.output
    endpoints = served.stats()["endpoints"]
    realigning = {k: v["count"] for k, v in endpoints.items() if _realigning(k)}
    modules = [m for m in saved["records"]["modules"] if m["realign"]]
    if mode == "full":  # one Run Rules per module, and undoing earlier realignments
        lower = len(modules) + sum(_tens(c["remove"] for c in m["changes"]) for m in modules)
    else:  # the records that gain a territory, ten a call per module
        lower = sum(
            _tens(set(c["after"]) - set(c["before"]) for c in m["changes"]) for m in modules
        )
    writes = sum(v for k, v in realigning.items() if k.startswith("POST"))
    return {
        "writes": writes,
        "lower_bound": lower,
        "ratio": round(writes / max(lower, 1), 2),
        "calls": realigning,
        "apply_cpu_s": done.cpu_s,
        "apply_peak_rss_mb": done.peak_rss_mb,
    }


@dataclass(frozen=True)
class Child:
    returncode: int
    output: str
    cpu_s: float
    wall_s: float
    peak_rss_mb: float


def child(command: list[str], served: Served) -> Child:
    """Run `command` and measure that process alone, through `bench.peak`: measured from
    here, a child's peak memory would start from this process's (which has held the
    generated seed), and `RUSAGE_CHILDREN` would give the largest child so far. The sandbox
    serves from a process of its own, so none of its memory is counted either."""
    with tempfile.TemporaryDirectory(prefix="bench-peak-") as tmp:
        figures = Path(tmp) / "figures.json"
        begun = time.monotonic()
        done = subprocess.run(
            [sys.executable, "-m", "bench.peak", str(figures), *command],
            cwd=ROOT,
            env={**_env(), **served.env},
            capture_output=True,
            text=True,
        )
        wall = time.monotonic() - begun
        measured = json.loads(figures.read_text())
    return Child(
        returncode=done.returncode,
        output=done.stdout + done.stderr,
        cpu_s=measured["cpu_s"],
        wall_s=round(wall, 1),
        peak_rss_mb=measured["peak_rss_mb"],
    )


def _realigning(endpoint: str) -> bool:
    return "run_rules" in endpoint or ("{module}" in endpoint and "territories" in endpoint)


def _tens(items: Any) -> int:
    return math.ceil(sum(1 for item in items if item) / 10)


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("ZOHO_")}


if __name__ == "__main__":
    main()
