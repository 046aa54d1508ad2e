"""Seeds: the demo org, benchmark-scale orgs, persistence across restarts, reset."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from reconciler.sandbox import (
    Sandbox,
    Seed,
    SeedError,
    demo_seed,
    load_seed,
    reset,
    serve_in_thread,
)
from reconciler.sandbox.seed import ALL_SCOPES
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
    assert (
        load_seed(tmp_path / "s.json").model_dump() == load_seed(tmp_path / "s.yaml").model_dump()
    )
    assert load_seed(tmp_path / "s.json").org.edition == "professional"
    assert load_seed(tmp_path / "s.json").org.territories_state() == "not_enabled"


def test_a_seed_referring_to_nothing_is_refused_before_a_file_is_made(tmp_path: Path) -> None:
    seed = Seed.model_validate(
        {
            "org": {"name": "Acme"},
            "roles": [{"name": "R"}],
            "users": [{"email": "a@acme.example", "last_name": "A", "role": "Nope"}],
        }
    )
    with pytest.raises(SeedError) as refused:
        Sandbox(tmp_path / "org.sqlite3", seed=seed)
    assert str(refused.value) == (
        "seed: error: users[0].role: unknown role 'Nope'; declare it under `roles:` first"
    )
    assert list(tmp_path.iterdir()) == []


def small_seed(**extra: object) -> dict[str, object]:
    return {
        "org": {"name": "Acme"},
        "roles": [{"name": "R"}],
        "users": [{"email": "a@acme.example", "last_name": "A", "role": "R"}],
        **extra,
    }


def test_a_seed_without_clients_gets_the_built_in_one() -> None:
    with Sandbox(seed=Seed.model_validate(small_seed())) as org:
        assert org.local_credentials() == ("sandbox", "sandbox-secret", "sandbox-refresh")


def test_the_local_target_uses_any_client_that_may_do_everything() -> None:
    clients = [
        {"client_id": "narrow", "client_secret": "n", "refresh_tokens": ["n1"],
         "scopes": ["ZohoCRM.org.ALL"]},
        {"client_id": "ops", "client_secret": "o", "refresh_tokens": [
            {"token": "o-narrow", "scopes": ["ZohoCRM.settings.ALL"]}, "o-full"]},
    ]  # fmt: skip
    with Sandbox(seed=Seed.model_validate(small_seed(oauth_clients=clients))) as org:
        assert org.local_credentials() == ("ops", "o", "o-full")


def test_a_seed_no_client_of_which_can_serve_the_local_target_is_named(tmp_path: Path) -> None:
    seed_file = tmp_path / "narrow.yaml"
    seed_file.write_text(
        "org: {name: Acme}\nroles: [{name: R}]\n"
        "users: [{email: a@acme.example, last_name: A, role: R}]\n"
        "oauth_clients: [{client_id: c, client_secret: s, refresh_tokens: [t], "
        "scopes: [ZohoCRM.org.ALL]}]\n"
    )
    db = tmp_path / "org.sqlite3"
    reset(db, load_seed(seed_file))
    with Sandbox(db) as org, pytest.raises(SeedError) as refused:
        org.local_credentials()
    assert str(refused.value) == (
        f"{seed_file}: error: no OAuth client of the sandbox org in {db} can serve the local "
        f"target: none has a refresh token granting {', '.join(ALL_SCOPES)}. Give the seed "
        "such a client (or leave `oauth_clients` out for the built-in one), then run "
        f"`reconciler sandbox reset --seed {seed_file}`"
    )


def test_a_reset_replaces_the_org_whole(tmp_path: Path) -> None:
    db = tmp_path / "org.sqlite3"
    with Sandbox(db) as org, org.store.transaction() as tx:
        tx.execute("UPDATE territories SET description = 'changed'")
    reset(db, Seed.model_validate(small_seed()))
    with Sandbox(db) as org, org.store.transaction() as tx:
        names = [row[0] for row in tx.execute("SELECT name FROM territories")]
    assert names == ["Acme"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["org.sqlite3"]


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
