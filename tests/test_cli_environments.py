"""Two orgs, one configuration: environments in reconciler.toml, the user mapping, promotion
from one org to the next and the comparison of two orgs, through the real command line.

The two orgs are served on one port, told apart by their OAuth clients (as a Zoho sandbox
org and its production org are by their tokens); each has Zoho-shaped secrets, and every
secret of both is searched for in everything the runs print and write. The sandbox org's
users have other emails than production's (`@sandbox.zylker.example`), as Zoho sandbox
users often do, so the mapping is exercised on every plan."""

from __future__ import annotations

import json
import logging
import secrets
import shutil
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner, Result
from ruamel.yaml import YAML

from reconciler.cli.main import main
from reconciler.sandbox import DEMO_SEED, Orgs, Sandbox, SandboxSettings, Seed, serve_in_thread
from reconciler.sandbox.seed import SeedClient
from reconciler.zoho.target import VARIABLES
from tests.cli_orgs import EXAMPLE, RETRY_SCALE

pytestmark = pytest.mark.served
SANDBOX_DOMAIN = "sandbox.zylker.example"


def seed(domain: str, client: SeedClient, prefix: int) -> Seed:
    """The demo org with its users at `domain`, its own ids and OAuth client."""
    text = DEMO_SEED.read_text(encoding="utf-8").replace("@zylker.example", f"@{domain}")
    data = YAML(typ="safe").load(text)
    data["org"]["id_prefix"] = prefix
    data["oauth_clients"] = [client.model_dump()]
    return Seed.model_validate(data)


def zoho_client() -> SeedClient:
    return SeedClient(
        client_id=f"1000.{secrets.token_hex(8).upper()}",
        client_secret=secrets.token_hex(20),
        refresh_tokens=[f"1000.{secrets.token_hex(16)}.{secrets.token_hex(16)}"],
    )


@dataclass
class TwoOrgs:
    """The orgs, the directory the commands run in, and everything they printed."""

    orgs: Orgs
    base: str
    directory: Path
    env: dict[str, str | None]
    printed: list[str] = field(default_factory=list)

    def invoke(self, *args: str) -> Result:
        result = CliRunner().invoke(main, [*args, "--allow-custom-domain"], env=self.env)
        self.printed += [result.stdout, result.stderr, repr(result.exception)]
        return result

    def promote(self, applied: str) -> Result:
        """`promote` from the sandbox org to production, `applied` the sandbox's plan."""
        args = ("--from", "sandbox", "--to", "production", "--applied", applied, "org/")
        return self.invoke("promote", *args, "--auto-approve")

    def secrets(self) -> set[str]:
        found: set[str] = set()
        for name in self.orgs:
            with self.orgs[name].store.transaction() as db:
                for table, column in [
                    ("access_tokens", "token"),
                    ("refresh_tokens", "token"),
                    ("oauth_clients", "client_secret"),
                ]:
                    found |= {row[0] for row in db.execute(f"SELECT {column} FROM {table}")}
        return found

    def http(self, name: str) -> httpx.Client:
        token = self.orgs[name].issue_token(self.orgs[name].local_credentials()[0])
        headers = {"Authorization": f"Zoho-oauthtoken {token}"}
        return httpx.Client(base_url=self.base, headers=headers)


@pytest.fixture
def two(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog) -> Iterator[TwoOrgs]:
    caplog.set_level(logging.DEBUG)
    clients = {"sandbox": zoho_client(), "production": zoho_client()}
    fast = SandboxSettings(rule_recompute_s=0.01)  # Zoho's recomputation, in no real time
    made = {
        "sandbox": Sandbox(settings=fast, seed=seed(SANDBOX_DOMAIN, clients["sandbox"], 5_012_345)),
        "production": Sandbox(
            settings=fast, seed=seed("zylker.example", clients["production"], 6_054_321)
        ),
    }
    with Orgs(made) as orgs, serve_in_thread(orgs) as base:
        (tmp_path / "org").mkdir()
        shutil.copy(EXAMPLE, tmp_path / "org" / "territories.yaml")
        (tmp_path / "reconciler.toml").write_text(
            textwrap.dedent(
                f"""\
                [environments.sandbox]
                api_domain = "{base}"
                accounts_url = "{base}"
                credentials = "SANDBOX"
                users = {{ domain = "{SANDBOX_DOMAIN}" }}

                [environments.production]
                api_domain = "{base}"
                accounts_url = "{base}"
                credentials = "PRODUCTION"
                """
            ),
            encoding="utf-8",
        )
        env: dict[str, str | None] = {name: None for name in VARIABLES}
        env |= {"RECONCILER_RETRY_SCALE": RETRY_SCALE, "NO_COLOR": "1", "RECONCILER_ENV": None}
        for name, client in clients.items():
            prefix = name.upper()
            env[f"{prefix}_CLIENT_ID"] = client.client_id
            env[f"{prefix}_CLIENT_SECRET"] = client.client_secret
            env[f"{prefix}_REFRESH_TOKEN"] = client.refresh_tokens[0].token
        monkeypatch.chdir(tmp_path)
        world = TwoOrgs(orgs, base, tmp_path, env)
        yield world
        written = [p.read_text(encoding="utf-8") for p in tmp_path.rglob("*") if p.is_file()]
        texts = [*world.printed, caplog.text, *written]
        leaks = {s for s in world.secrets() for text in texts if s in text}
        assert not leaks, f"secrets printed, logged or written: {leaks}"


def ok(result: Result, code: int = 0) -> Result:
    assert result.exit_code == code, result.output
    return result


def test_apply_to_the_sandbox_org_promote_to_production_and_both_match(two: TwoOrgs):
    plan = ok(two.invoke("plan", "--env", "sandbox", "org/", "--out", "sandbox.plan.json"))
    assert plan.stderr.splitlines()[0] == (
        f"target: Zoho CRM {two.base} (environment sandbox, custom server)"
    )
    assert f"amy@{SANDBOX_DOMAIN}" in plan.stdout  # the sandbox org's own emails
    ok(two.invoke("apply", "--env", "sandbox", "sandbox.plan.json"))
    promoted = ok(two.promote("sandbox.plan.json"))
    lines = promoted.stderr.splitlines()
    assert lines[0] == f"target: Zoho CRM {two.base} (environment production, custom server)"
    assert lines[1] == f"promoting from: Zoho CRM {two.base} (environment sandbox, custom server)"
    assert "Apply complete" in promoted.stdout
    for name in ("sandbox", "production"):
        again = ok(two.invoke("plan", "--env", name, "org/", "--detailed-exitcode"))
        assert "No changes." in again.stdout
    same = ok(two.invoke("diff", "--env", "sandbox", "--env", "production", "org/"))
    assert "No changes." in same.stdout
    # the two orgs really are two: their ids differ, their users differ
    ids = {two.orgs[n].org_id for n in two.orgs}
    assert len(ids) == 2


def test_promote_snapshots_the_target_org_first_and_rollback_undoes_it(two: TwoOrgs):
    ok(two.invoke("plan", "--env", "sandbox", "org/", "--out", "sandbox.plan.json"))
    ok(two.invoke("apply", "--env", "sandbox", "sandbox.plan.json"))
    args = ("--from", "sandbox", "--to", "production", "--applied", "sandbox.plan.json", "org/")
    promoted = ok(two.invoke("promote", *args, "--auto-approve", "--format", "json"))
    report = json.loads(promoted.stdout)
    snapshot = two.directory / report["snapshot"]
    production = two.orgs["production"].org_id
    assert snapshot.parent == two.directory / ".reconciler" / "snapshots"
    assert snapshot.name.startswith(f"{production}-")  # the target org's, not the source's
    assert f"snapshot taken before the first write: {report['snapshot']}" in promoted.stderr
    ok(two.invoke("plan", "--env", "production", "org/", "--detailed-exitcode"))
    # The snapshot is of production before the promotion: rolling back to it undoes it.
    back = ("rollback", "--env", "production", str(snapshot), "--auto-approve", "--allow-deletes")
    ok(two.invoke(*back))
    ok(two.invoke("plan", "--env", "production", "org/", "--detailed-exitcode"), 2)


def test_a_change_made_in_production_only_makes_promote_refuse_and_name_it(two: TwoOrgs):
    ok(two.invoke("apply", "--env", "sandbox", "org/", "--auto-approve"))
    ok(two.invoke("apply", "--env", "production", "org/", "--auto-approve"))
    # someone changes production by hand ...
    with two.http("production") as http:
        listed = http.get("/crm/v8/settings/territories").json()["territories"]
        west = next(t["id"] for t in listed if t["name"] == "US West")
        users = http.get("/crm/v8/users", params={"type": "AllUsers"}).json()["users"]
        carla = next(u["id"] for u in users if u["email"] == "carla.mendes@zylker.example")
        body = {"territories": [{"id": west, "manager": {"id": carla}}]}
        assert http.put("/crm/v8/settings/territories", json=body).status_code == 200
    # ... while the configuration gains a territory, applied to the sandbox org first
    (two.directory / "org" / "nordics.yaml").write_text(
        "territories:\n  name: Nordics\n  parent: EMEA\n", encoding="utf-8"
    )
    ok(two.invoke("plan", "--env", "sandbox", "org/", "--out", "edit.plan.json"))
    ok(two.invoke("apply", "--env", "sandbox", "edit.plan.json"))
    refused = two.promote("edit.plan.json")
    ok(refused, 1)
    assert refused.stderr.splitlines()[-2:] == [
        "error: production's plan is not the change applied to sandbox:",
        '  only in production: ~ territory US West; manager (was "carla.mendes@zylker.example")',
    ]
    diff = ok(two.invoke("diff", "--env", "sandbox", "--env", "production", "org/"), 0)
    assert "Nordics" in diff.stdout and "US West" in diff.stdout
    still = two.invoke("plan", "--env", "production", "org/", "--detailed-exitcode")
    ok(still, 2)  # nothing was applied to production


def test_promote_refuses_an_org_that_does_not_match_or_a_foreign_plan(two: TwoOrgs):
    ok(two.invoke("plan", "--env", "production", "org/", "--out", "production.plan.json"))
    pending = ok(two.promote("production.plan.json"), 1)
    assert pending.stderr.splitlines()[-2:] == [
        "error: sandbox does not match the configuration: apply it there and check it first",
        "  sandbox still has changes pending; see `reconciler plan --env sandbox`",
    ]
    ok(two.invoke("apply", "--env", "sandbox", "org/", "--auto-approve"))
    foreign = ok(two.promote("production.plan.json"), 1)
    assert foreign.stderr.splitlines()[-2:] == [
        "error: the applied plan is not sandbox's plan of this change",
        f"  the applied plan is for Zoho CRM {two.base} (org {two.orgs['production'].org_id}), "
        "not sandbox's org",
    ]


def test_two_org_commands_need_two_different_environments(two: TwoOrgs):
    result = two.invoke("diff", "--env", "sandbox", "org/")
    assert result.exit_code != 0
    assert "give --env twice" in result.output
    (two.directory / "p.json").write_text("{}", encoding="utf-8")
    args = ("--from", "sandbox", "--to", "sandbox", "--applied", "p.json", "org/")
    same = two.invoke("promote", *args)
    assert same.exit_code != 0
    assert "--from and --to name the same environment" in same.output


ACCESS = """\
groups:
  items:
    - name: Closers
      sources: [{user: amy@zylker.example}, {role: Americas Sales Manager}]
users:
  - {email: bob@zylker.example, role: EMEA Sales}
"""


def test_users_and_groups_are_mapped_and_promoted_like_the_rest(two: TwoOrgs):
    """The same YAML names production's users; the sandbox org sees its own."""
    (two.directory / "org" / "access.yaml").write_text(ACCESS, encoding="utf-8")
    plan = ok(two.invoke("plan", "--env", "sandbox", "org/", "--out", "access.plan.json"))
    assert f"bob@{SANDBOX_DOMAIN}" in plan.stdout and "Closers" in plan.stdout
    ok(two.invoke("apply", "--env", "sandbox", "access.plan.json"))
    ok(two.promote("access.plan.json"))
    for name in ("sandbox", "production"):
        again = ok(two.invoke("plan", "--env", name, "org/", "--detailed-exitcode"))
        assert "No changes." in again.stdout
    with two.http("production") as http:
        users = http.get("/crm/v8/users", params={"type": "AllUsers"}).json()["users"]
        bob = next(u for u in users if u["email"] == "bob@zylker.example")
        assert bob["role"]["name"] == "EMEA Sales"


def test_an_unmapped_user_of_users_is_an_error_at_its_line(two: TwoOrgs):
    toml = two.directory / "reconciler.toml"
    toml.write_text(
        toml.read_text().replace(
            f'users = {{ domain = "{SANDBOX_DOMAIN}" }}',
            'users = { map = { "amy@zylker.example" = "amy@sandbox.zylker.example" } }',
        )
    )
    (two.directory / "org" / "access.yaml").write_text(ACCESS, encoding="utf-8")
    failed = ok(two.invoke("plan", "--env", "sandbox", "org/"), 1)
    assert "org/access.yaml:6:13: error: user `bob@zylker.example` has no mapping" in failed.output


def test_diff_of_two_orgs_compares_their_access_through_the_mapping(two: TwoOrgs):
    (two.directory / "org" / "access.yaml").write_text(ACCESS, encoding="utf-8")
    ok(two.invoke("apply", "--env", "sandbox", "org/access.yaml", "--auto-approve"))
    differs = ok(two.invoke("diff", "--env", "sandbox", "--env", "production", "org/access.yaml"))
    assert "Closers" in differs.stdout and "bob@zylker.example" in differs.stdout
    assert SANDBOX_DOMAIN not in differs.stdout  # both orgs read in the configuration's terms
    ok(two.invoke("apply", "--env", "production", "org/access.yaml", "--auto-approve"))
    same = ok(two.invoke("diff", "--env", "sandbox", "--env", "production", "org/access.yaml"))
    assert "No changes." in same.stdout
