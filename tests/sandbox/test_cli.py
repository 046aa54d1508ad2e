"""`reconciler sandbox serve|reset|stats`."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from reconciler.cli.main import main
from reconciler.sandbox import Sandbox
from reconciler.sandbox.cli import sandbox as sandbox_group


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["sandbox", *args])
    return result.exit_code, result.stdout, result.stderr


def test_every_command_has_help_with_an_example() -> None:
    for name, command in sandbox_group.commands.items():
        assert command.help and "Example:" in command.help and "\b" in command.help, name
    assert "Example:" in (sandbox_group.help or "")


def test_reset_seeds_a_fresh_org_and_stats_reads_it(tmp_path: Path) -> None:
    db = tmp_path / "org.sqlite3"
    code, _, err = run("reset", "--db", str(db))
    assert code == 0, err
    with Sandbox(db) as org, org.store.transaction() as tx:
        assert tx.execute("SELECT COUNT(*) FROM users").fetchone()[0] == 25
    code, out, _ = run("stats", "--db", str(db))
    assert code == 0
    assert json.loads(out)["calls"] == 0


def test_reset_with_a_seed_file_builds_that_org(tmp_path: Path) -> None:
    seed = tmp_path / "seed.json"
    seed.write_text(
        json.dumps(
            {
                "org": {"name": "Acme"},
                "roles": [{"name": "Boss"}],
                "users": [
                    {
                        "email": "boss@acme.example",
                        "last_name": "Boss",
                        "role": "Boss",
                        "profile": "Administrator",
                    }
                ],
            }
        )
    )
    db = tmp_path / "org.sqlite3"
    assert run("reset", "--db", str(db), "--seed", str(seed))[0] == 0
    with Sandbox(db) as org, org.store.transaction() as tx:
        assert tx.execute("SELECT name FROM territories").fetchone()[0] == "Acme"


def test_a_bad_seed_is_reported_like_a_configuration_error(tmp_path: Path) -> None:
    seed = tmp_path / "seed.yaml"
    seed.write_text("org: {name: Acme}\nroles: []\nusers: []\n")
    db = tmp_path / "x.sqlite3"
    code, _, err = run("reset", "--db", str(db), "--seed", str(seed))
    assert (code, err) == (
        1,
        f"{seed}:3:8: error: users: List should have at least 1 item after validation, not 0\n",
    )
    assert not db.exists()
    code, _, err = run("serve", "--db", str(db), "--seed", str(seed))
    assert code == 1 and err.startswith(f"{seed}:3:8: error:")
    assert not db.exists()


def test_a_database_path_holding_something_else_is_refused(tmp_path: Path) -> None:
    config = tmp_path / "territories.yaml"
    config.write_text("version: 1\n")
    for command in ("reset", "stats", "serve"):
        code, _, err = run(command, "--db", str(config))
        assert code == 1, command
        assert err.startswith(f"error: {config} is not an SQLite database"), command
    assert config.read_text() == "version: 1\n"


def test_stats_reset_clears_the_log(tmp_path: Path) -> None:
    db = tmp_path / "org.sqlite3"
    with Sandbox(db) as org, org.store.transaction() as tx:
        tx.execute(
            "INSERT INTO call_log (at, method, template, path, status, credits, write,"
            " dropped) VALUES (1, 'GET', '/crm/v8/org', '/crm/v8/org', 200, 1, 0, 0)"
        )
    code, out, _ = run("stats", "--db", str(db), "--reset")
    assert json.loads(out)["endpoints"] == {
        "GET /crm/v8/org": {"count": 1, "credits": 1, "statuses": {"200": 1}}
    }
    assert json.loads(run("stats", "--db", str(db))[1])["calls"] == 0


def test_stats_of_a_missing_database_is_a_usage_error(tmp_path: Path) -> None:
    code, _, err = run("stats", "--db", str(tmp_path / "none.sqlite3"))
    assert code == 1  # a usage error, never the 2 of "changes pending"
    assert "no sandbox database" in err


def test_serve_refuses_remote_hosts_without_the_flag(tmp_path: Path) -> None:
    code, _, err = run("serve", "--host", "0.0.0.0", "--db", str(tmp_path / "org.sqlite3"))
    assert code == 1  # a usage error, never the 2 of "changes pending"
    assert "--allow-remote" in err


def test_serve_rejects_a_malformed_endpoint_fault(tmp_path: Path) -> None:
    code, _, err = run("serve", "--fail-endpoint", "GET", "--db", str(tmp_path / "o.sqlite3"))
    assert code == 1  # a usage error, never the 2 of "changes pending"
    assert "METHOD PATTERN" in err


def test_serve_rejects_an_unknown_edition(tmp_path: Path) -> None:
    code, _, err = run("serve", "--edition", "platinum", "--db", str(tmp_path / "o.sqlite3"))
    assert code == 1  # a usage error, never the 2 of "changes pending"
    assert "unknown edition" in err


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.served
def test_serve_answers_and_another_process_reads_its_stats(tmp_path: Path) -> None:
    db, port = tmp_path / "org.sqlite3", free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "reconciler",
            "sandbox",
            "serve",
            "--port",
            str(port),
            "--db",
            str(db),
            "--fail-nth",
            "2",
            "--fail-endpoint",
            "GET /crm/v8/settings/roles",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        token = _token(base)
        headers = {"Authorization": f"Zoho-oauthtoken {token}"}
        statuses = [httpx.get(f"{base}/crm/v8/org", headers=headers).status_code for _ in range(3)]
        assert statuses == [200, 500, 200]
        roles = httpx.get(f"{base}/crm/v8/settings/roles", headers=headers)
        assert roles.status_code == 500
        stats = json.loads(run("stats", "--db", str(db))[1])
        assert stats["endpoints"]["GET /crm/v8/org"]["statuses"] == {"200": 2, "500": 1}
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.mark.served
def test_serve_on_ipv6_loopback_prints_a_url_that_works(tmp_path: Path) -> None:
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "reconciler", "sandbox", "serve", "--host", "::1", "--port",
         str(port), "--db", str(tmp_path / "org.sqlite3")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    try:
        assert server.stderr is not None
        assert server.stderr.readline() == f"sandbox: serving http://[::1]:{port}\n"
        assert (
            server.stderr.readline()
            .rstrip()
            .endswith("client sandbox, secret sandbox-secret, refresh token sandbox-refresh")
        )
        assert _token(f"http://[::1]:{port}")
    finally:
        server.terminate()
        server.wait(timeout=10)
        assert server.stderr is not None
        server.stderr.close()


def _token(base: str, client: str = "sandbox") -> str:
    grant = {
        "grant_type": "refresh_token",
        "client_id": client,
        "client_secret": f"{client}-secret",
        "refresh_token": f"{client}-refresh",
    }
    deadline = time.monotonic() + 20
    while True:
        try:
            return str(httpx.post(f"{base}/oauth/v2/token", data=grant).json()["access_token"])
        except httpx.TransportError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


@pytest.mark.parametrize(
    ("orgs", "message"),
    [(["Prod=x.sqlite3"], "expected NAME=DB"), (["a=x", "a=y"], "org 'a' given twice")],
)
def test_serve_checks_its_orgs(orgs: list[str], message: str):
    code, _, err = run("serve", *(f"--org={org}" for org in orgs))
    assert code != 0
    assert message in err


def test_serve_refuses_two_copies_of_one_org(tmp_path: Path):
    db = str(tmp_path / "o.sqlite3")
    Sandbox(db).close()
    code, _, err = run("serve", "--org", f"a={db}", "--org", f"b={db}")
    assert code != 0
    assert "'a' and 'b' share the org id" in err


@pytest.mark.served
def test_serve_several_orgs_each_reached_with_its_own_client(tmp_path: Path):
    port = free_port()
    dbs = {name: tmp_path / f"{name}.sqlite3" for name in ("staging", "prod")}
    orgs = [f"--org={name}={db}" for name, db in dbs.items()]
    command = [sys.executable, "-m", "reconciler", "sandbox", "serve", "--port", str(port)]
    server = subprocess.Popen(
        [*command, *orgs], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        base = f"http://127.0.0.1:{port}"
        ids = {}
        for name in dbs:
            headers = {"Authorization": f"Zoho-oauthtoken {_token(base, name)}"}
            ids[name] = httpx.get(f"{base}/crm/v8/org", headers=headers).json()["org"][0]["id"]
    finally:
        server.terminate()
        server.wait(timeout=10)
    for name, db in dbs.items():
        with Sandbox(db) as org:
            assert org.org_id == ids[name]
    assert ids["staging"] != ids["prod"]


@pytest.mark.served
def test_serve_on_a_port_in_use_says_so_first_and_exits_1(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = str(taken.getsockname()[1])
        code, _, err = run("serve", "--port", port, "--db", str(tmp_path / "org.sqlite3"))
    assert code == 1
    assert err.splitlines()[0].startswith(f"Error: cannot serve on 127.0.0.1:{port}: ")
    assert "serving" not in err
