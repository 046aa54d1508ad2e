"""Seeds: the demo org, benchmark-scale orgs, persistence across restarts, reset."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from reconciler.sandbox import Sandbox, Seed, demo_seed, load_seed, reset, serve_in_thread
from reconciler.sandbox.populate import SeedError
from tests.sandbox.conftest import create_territory, make_client

pytestmark = pytest.mark.anyio


def benchmark_seed(users: int = 5000, territories: int = 250, per_territory: int = 80) -> Seed:
    emails = [f"user{n}@bench.example" for n in range(users)]
    children = [
        {
            "name": f"Territory {t}",
            "users": [emails[(t * per_territory + k) % users] for k in range(per_territory)],
        }
        for t in range(territories - 1)
    ]
    return Seed.model_validate(
        {
            "org": {"name": "Bench"},
            "roles": [{"name": "CEO", "children": [{"name": "Rep"}]}],
            "users": [
                {
                    "email": "ceo@bench.example",
                    "last_name": "Ceo",
                    "role": "CEO",
                    "profile": "Administrator",
                }
            ]
            + [{"email": e, "last_name": f"U{n}", "role": "Rep"} for n, e in enumerate(emails)],
            "territories": children,
            "oauth_clients": [
                {"client_id": "bench", "client_secret": "s", "refresh_tokens": ["r"]}
            ],
        }
    )


def test_the_benchmark_scale_seed_loads_whole(tmp_path: Path) -> None:
    # How fast it loads is the benchmarks' business (bench/), not a unit test's.
    seed = benchmark_seed()
    with Sandbox(tmp_path / "bench.sqlite3", seed=seed) as org, org.store.transaction() as db:
        counts = [
            db.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]
            for t in ("users", "territories", "territory_users")
        ]
    assert counts == [5001, 250, 19920]


def test_demo_seed_is_the_documented_org() -> None:
    seed = demo_seed()
    assert seed.org.name == "Zylker"
    assert len(seed.users) == 25
    assert sum(u.status == "inactive" for u in seed.users) == 2
    assert [g.name for g in seed.groups][:2] == ["Global Managers", "Finance"]


def test_json_and_yaml_seeds_load_alike(tmp_path: Path) -> None:
    text = (
        '{"org": {"name": "Acme", "edition": "Professional"}, "roles": [{"name": "R"}],'
        ' "users": [{"email": "a@acme.example", "last_name": "A", "role": "R"}]}'
    )
    (tmp_path / "s.json").write_text(text)
    (tmp_path / "s.yaml").write_text(text)  # JSON is YAML too
    assert load_seed(tmp_path / "s.json") == load_seed(tmp_path / "s.yaml")
    assert load_seed(tmp_path / "s.json").org.edition == "professional"
    assert load_seed(tmp_path / "s.json").org.territories_state() == "not_enabled"


def test_a_seed_referring_to_nothing_is_refused() -> None:
    seed = Seed.model_validate(
        {
            "org": {"name": "Acme"},
            "roles": [{"name": "R"}],
            "users": [{"email": "a@acme.example", "last_name": "A", "role": "Nope"}],
        }
    )
    with pytest.raises(SeedError, match="unknown role 'Nope'"):
        Sandbox(seed=seed)


async def test_a_group_may_have_territory_sources() -> None:
    seed = Seed.model_validate(
        {
            "org": {"name": "Acme"},
            "roles": [{"name": "R"}],
            "users": [{"email": "a@acme.example", "last_name": "A", "role": "R"}],
            "groups": [{"name": "G", "sources": [{"territory": "West", "subordinates": True}]}],
            "territories": [{"name": "West"}],
        }
    )
    with Sandbox(seed=seed) as org, org.store.transaction() as db:
        rows = db.execute("SELECT type, subordinates FROM group_sources").fetchall()
    assert [tuple(row) for row in rows] == [("territories", 1)]


async def test_state_survives_a_restart(tmp_path: Path) -> None:
    db = tmp_path / "org.sqlite3"
    first = Sandbox(db)
    async with make_client(first) as client:
        await create_territory(client, "Americas", "4150868000000000084")
    first.close()
    second = Sandbox(db)
    async with make_client(second) as client:
        names = [
            t["name"]
            for t in (await client.get("/crm/v8/settings/territories")).json()["territories"]
        ]
    assert names == ["Zylker", "Americas"]
    second.close()
    reset(db)
    with Sandbox(db) as third, third.store.transaction() as tx:
        assert tx.execute("SELECT COUNT(*) FROM territories").fetchone()[0] == 1


@pytest.mark.served
async def test_concurrent_writers_in_process_and_served_all_land(tmp_path: Path) -> None:
    org = Sandbox(tmp_path / "org.sqlite3")
    org.configure(latency_s=0.01, concurrency_limit=100)
    root = "4150868000000000084"
    import httpx

    with serve_in_thread(org) as base_url:
        headers = {"Authorization": f"Zoho-oauthtoken {org.issue_token()}"}
        async with (
            make_client(org) as local,
            httpx.AsyncClient(base_url=base_url, headers=headers) as remote,
        ):
            calls = [
                create_territory(client, f"T{n}", root)
                for n, client in enumerate([local, remote] * 20)
            ]
            await asyncio.gather(*calls)
            listed = (await local.get("/crm/v8/settings/territories")).json()["territories"]
    assert len({t["id"] for t in listed}) == 41
    assert org.stats()["peak_concurrency"] > 1
