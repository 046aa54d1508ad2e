"""The prose of docs/benchmarks.md: what was measured and how, the formulas of the lower
bounds (taken from the docstrings that define them, so they cannot drift), and how to run it
again."""

from __future__ import annotations

from typing import Any

from bench import bounds as formulas
from bench.scenarios import Setup
from reconciler import live


def setup(s: Setup) -> list[str]:
    return [
        "Every figure comes from one run of the command against the sandbox "
        "(`reconciler.sandbox`) served over HTTP from its own process (so that the client "
        "and the emulator do not share a GIL), with:",
        "",
        f"- a fixed latency of {s.latency * 1000:.0f} ms per API call "
        "(the sandbox sleeps before answering, the call counted as in flight); the "
        "sandbox's own work (a few ms for a listing of 100 users) comes on top, one call "
        "at a time in its one process, for reconciler and the baselines alike;",
        f"- the Enterprise concurrency limit: {s.concurrency} calls in flight "
        "(the sandbox answers 429 beyond it; the client is set to the same limit);",
        f"- a sharing recomputation window of {s.window:g} s per module after each rule "
        "write or default change (`rule_recompute_s`; Zoho's real window depends on the "
        "number of records, and writes to the module meanwhile answer CANNOT_PROCESS);",
        "- reconciler's own `ZohoClient`, reached as a custom server "
        "(`ZOHO_API_DOMAIN`/`ZOHO_ACCOUNTS_URL` and the sandbox's demo credentials), "
        "exactly as `plan` and `apply` do; each scenario starts from a copy of its "
        "starting org, for reconciler and for both baselines alike.",
        "",
        "The orgs are synthetic (`bench/generate.py`, deterministic): a five-level tree "
        "(regions, countries, areas, cities, segments) with managers, descriptions and "
        "assignment rules on the upper levels, users in regional pools, owner-based and "
        "criteria-based sharing rules over the seed's roles and groups, and defaults. The "
        "10% reorg (`bench/orgs.py`) renames, moves and edits a tenth of the territories, "
        "moves a tenth of the memberships, edits a tenth of the rules (access, superiors, "
        "deactivation, replacement under a new name) and changes two defaults.",
    ]


def notes(measured: dict[str, Any]) -> list[str]:
    """What the figures above do not say by themselves, when a target is missed."""
    phases = {k: v for k, v in measured["phases"].items() if k != "imports"}
    total, load = sum(phases.values()), phases.get("load YAML", 0.0)
    if total < 1 or load < total / 2:
        return []
    core = phases.get("diff", 0.0) + phases.get("build plan", 0.0)
    return [
        f"Plan CPU: loading the YAML takes {load:.2f} s of the {total:.2f} s; the planning "
        f"proper (diff and build) takes {core:.2f} s. The loader is ruamel's pure-Python "
        "round-trip parser (kept for the line and column of every diagnostic), and it runs "
        "twice: `source._reject_aliases` parses the whole file a second time to refuse YAML "
        "aliases (about 40% of the load). Detecting aliases on the nodes of the one parse, "
        "and a C parser that keeps positions (libyaml, through ruamel.yaml.clib or PyYAML's "
        "CParser; neither is installed here, so this is untested) should bring the whole "
        "command under 1 s.",
        "",
    ]


def scaling() -> list[str]:
    return [
        "The rollout scenario at 1x, 2x and 4x of a base of half the reference org (the 4x "
        "org is twice Zoho's maximum: the sandbox's territory cap is lifted for it, and its "
        "desired state is given to the planner directly, since `validate` rightly refuses "
        "more than 250 territories). Rules scale by rules per module (Zoho has no more "
        "modules), defaults up to the 20 modules there are.",
    ]


def cpu(measured: dict[str, Any], label: str) -> list[str]:
    return [
        f"The {label} org's 10% reorg, planned in a fresh process with the network taken "
        "out: `live.read`'s answers were recorded during the real run and are replayed "
        "(decoding their JSON is part of the replayed read). Every step of the `plan` "
        "command is timed with `time.process_time()`: loading the YAML, reading, checking "
        "names, the diff, building the plan and rendering it as text. "
        f"Median of {measured['runs']} runs; the plan has {measured['steps']} steps.",
    ]


def bounds() -> list[str]:
    doc = live.__doc__ or ""
    calls = doc[doc.index("The calls") : doc.index("`lower_bound()`")].rstrip()
    return [
        "## Lower bounds",
        "",
        "**Read calls of `plan`** (`reconciler/live.py`, `live.lower_bound()`): each term is "
        "a listing the plan cannot do without, at the largest page the endpoint serves; "
        "members are read only where membership is managed (or a territory is deleted) "
        "and only for territories the counts endpoint says are not empty. That counts "
        "listing (ceil(T/200) calls, 2 here) is the price of skipping empty territories "
        "without knowing them in advance: in an org where every territory has members, a "
        "reader told so could do without it.",
        "",
        "```",
        calls,
        "```",
        "",
        "**Write calls of `apply`** (`bench/bounds.py`): the fewest calls the endpoints' "
        "batch sizes allow (REFERENCE §11), computed from the change, not from the plan:",
        "",
        "```",
        *_literal("Writes:"),
        "```",
        "",
        "**Apply wall time**: the critical-path bound of the plan, at latency L, "
        "concurrency C and recomputation window W:",
        "",
        "```",
        *_literal("Wall time:"),
        "```",
        "",
        _paragraph_after("Wall time:"),
    ]


def _after_colons(heading: str) -> list[str]:
    """bench/bounds.py's docstring from the line after `heading`'s `::` on."""
    lines = (formulas.__doc__ or "").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(heading))
    while not lines[start].rstrip().endswith("::"):
        start += 1
    return lines[start + 1 :]


def _literal(heading: str) -> list[str]:
    """The indented block after `heading`'s `::`, dedented."""
    block = []
    for line in _after_colons(heading):
        if line and not line.startswith("    "):
            break
        block.append(line[4:])
    return [line for line in block if line]


def _paragraph_after(heading: str) -> str:
    """The prose that follows `heading`'s literal block."""
    rest = _after_colons(heading)
    first = next(i for i, line in enumerate(rest) if line and not line.startswith("    "))
    paragraph = []
    for line in rest[first:]:
        if not line:
            break
        paragraph.append(line)
    return " ".join(paragraph)


def baselines(s: Setup) -> list[str]:
    budget = "every object" if s.budget is None else f"{s.budget:g} s per kind of object"
    return [
        "## The baselines",
        "",
        "The same change made the two ways a user would otherwise make it, over the same "
        "client and the same served sandbox, from the same starting org:",
        "",
        "- **script**: a hand-written script, one call per object in sequence (a territory, "
        "one user joining or leaving one territory, one rule, one module's default), rules "
        "module by module. For a change it writes only what changes; to check the org "
        "(no-op) or export it, it reads each object once.",
        "- **terraform-style**: a typical provider with parallelism 10: one read per "
        "managed object to refresh (GET by id), then one write per changed object; for the "
        "rollout, each create is read back instead. Objects wait only for the objects they "
        "refer to.",
        "",
        "Both go through the kinds of object in order. A kind that would take longer than "
        f"its budget ({budget}) is sampled: its first objects are done for that long and "
        "the rest is extrapolated linearly from the measured time and calls per object "
        "(each object costs the same calls at the same latency). Figures so obtained are "
        "marked ≈. `python -m bench --budget 0` runs every object (hours at the reference "
        "size: the script makes one call per membership).",
    ]


def reproduce() -> list[str]:
    return [
        "## How to reproduce",
        "",
        "```sh",
        ".venv/bin/python -m bench                     # everything; writes docs/benchmarks.md",
        ".venv/bin/python -m bench --fast --out /tmp/bench.md   # a tiny org, in seconds",
        ".venv/bin/python -m bench --budget 0          # baselines run in full (slow)",
        "```",
        "",
        "The run needs nothing but the project's virtualenv: it generates the orgs, serves "
        "the sandbox on 127.0.0.1 from a subprocess (`bench/server.py`) and works in a "
        "temporary directory (`--workdir` keeps the databases, the recording and the YAML).",
    ]
