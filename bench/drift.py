"""`python -m bench.drift [--fast]`: the calls and credits of a `drift` run against their lower
bound, on the reference org (Zoho's maximum; `--fast`: a tiny one, in seconds).

The org is rolled out, then another admin (a second OAuth client) renames a territory, removes
a member and changes a default, and `drift` runs through reconciler's own client, in-process
with virtual time (an export job that takes Zoho `--export-seconds` to finish is waited out in
no real time). The bound: the reads `plan` needs for the same YAML (`bench.bounds.read_bound`)
plus three calls to attribute the drift, the fewest the audit-log export allows: schedule the
job, read it once finished, download its file. The polls before it finishes depend on Zoho's
speed and are counted apart. The download is a ZohoFiles call: it costs no CRM API credit.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import random
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from bench.bounds import read_bound
from bench.generate import FAST, REFERENCE, Size, generate
from reconciler.cli import drift_workflow, workflow
from reconciler.cli.target import sandbox_target
from reconciler.config.load import Config
from reconciler.sandbox import Sandbox, SandboxSettings
from reconciler.sandbox.seed import Seed, SeedRefreshToken
from reconciler.scope import Scope
from reconciler.zoho.auth import Credentials
from reconciler.zoho.client import ZohoClient
from reconciler.zoho.target import Target

ATTRIBUTION_BOUND = 3  # POST the job, GET it finished, GET its file
COLLEAGUE = ("colleague", "colleague-secret", "colleague-refresh")
START = 1_780_000_000.0


class VirtualTime:
    """One clock for the sandbox and the client; sleeping moves it, in no real time."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds
        await asyncio.sleep(0)


@dataclass(frozen=True)
class Result:
    size: str
    drifted: int
    attributed: int
    reads: int
    read_bound: int
    attribution: int
    polls: int
    credits: int
    downloads: int

    @property
    def calls(self) -> int:
        return self.reads + self.attribution

    @property
    def bound(self) -> int:
        return self.read_bound + ATTRIBUTION_BOUND


def _seed(raw: dict[str, Any]) -> Seed:
    """The generated org, with a second admin's OAuth client (someone in Zoho's UI)."""
    seed = Seed.model_validate(raw)
    other = seed.users[1].email
    client_id, secret, refresh = COLLEAGUE
    colleague = seed.oauth_clients[0].model_copy(
        update={
            "client_id": client_id,
            "client_secret": secret,
            "refresh_tokens": [SeedRefreshToken(token=refresh)],
            "user": other,
        }
    )
    return seed.model_copy(update={"oauth_clients": [*seed.oauth_clients, colleague]})


async def run(size: Size, export_seconds: float) -> Result:
    generated = generate(size)
    time = VirtualTime()
    settings = SandboxSettings(rule_recompute_s=30.0, audit_export_s=export_seconds)
    with Sandbox(seed=_seed(generated.seed), clock=time, settings=settings) as sandbox:
        target = sandbox_target(sandbox=sandbox)
        config = Config(state=generated.desired, sources={}, files=())
        async with _client(target, time) as client:
            connection = workflow.Connection(target, client)
            saved = await workflow.make_plan(config, connection)
            await workflow.apply_saved(saved, connection, allow_deletes=True, verify=False)
        colleague = dataclasses.replace(target, credentials=Credentials(*COLLEAGUE))
        async with _client(colleague, time) as client:
            await _drift(client, generated.desired)
        sandbox.reset_stats()
        async with _client(target, time) as client:
            now = datetime.fromtimestamp(time.now, UTC)
            found = await drift_workflow.find_drift(
                config, workflow.Connection(target, client), until=now
            )
            stats = client.stats
        credits = int(sandbox.stats()["credits_used"])
    scope = Scope.for_config(generated.desired)
    attribution = sum(n for call, n in stats.calls.items() if "audit" in call or "download" in call)
    return Result(
        size=size.label,
        drifted=len(found.report.items),
        attributed=sum(1 for item in found.report.items if item.entries),
        reads=stats.total - attribution,
        read_bound=read_bound(found.live, scope),
        attribution=attribution,
        polls=stats.polls,
        credits=credits,
        downloads=stats.calls.get("GET {download link}", 0),
    )


def _client(target: Target, time: VirtualTime) -> ZohoClient:
    return ZohoClient.for_target(target, sleep=time.sleep, clock=time, rng=random.Random(0))


async def _drift(client: ZohoClient, desired: Any) -> None:
    """Rename a territory, remove a member, change a default: as another admin."""
    territories = await client.list_territories(include_criteria=False)
    leaf = next(t for t in territories if t.get("reporting_to"))
    await client.update_territories([{"id": leaf["id"], "name": leaf["name"] + " Renamed"}])
    member = next(t for t in desired.territories if t.users)
    territory = next(t for t in territories if t["name"] == member.name)
    users = await client.list_territory_users(territory["id"])
    await client.remove_territory_users(territory["id"], [users[0]["id"]])
    modules = await client.get_data_sharing()
    module = next(m for m in modules if m["module"]["api_name"] in (desired.data_sharing or {}))
    share = "public" if module["share_type"] != "public" else "private"
    await client.update_data_sharing([{"share_type": share, "module": module["module"]}])


def table(results: list[Result], export_seconds: float) -> str:
    lines = [
        f"Zoho's export job takes {export_seconds:g} s (virtual time).",
        "",
        "| org | drifted / attributed | read calls / bound | attribution calls / bound "
        "| polls | total / bound | CRM credits |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in results:
        lines.append(
            f"| {r.size} | {r.drifted} / {r.attributed} | {r.reads} / {r.read_bound} "
            f"| {r.attribution - r.polls} / {ATTRIBUTION_BOUND} | {r.polls} "
            f"| {r.calls - r.polls} / {r.bound} | {r.credits} |"
        )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.drift", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--fast", action="store_true", help="a tiny org, in seconds")
    parser.add_argument(
        "--export-seconds", type=float, default=30.0, help="how long Zoho's export job takes"
    )
    args = parser.parse_args(argv)
    size = FAST if args.fast else REFERENCE
    result = asyncio.run(run(size, args.export_seconds))
    print(table([result], args.export_seconds), end="")


if __name__ == "__main__":
    main()
