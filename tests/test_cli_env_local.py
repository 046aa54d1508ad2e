"""`--env` with local sandbox environments (in-process, no socket): choosing one, overlays
and the user mapping through the real command line, and where each org really is."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from reconciler.cli.environment import chosen, load_config, target_of
from reconciler.cli.main import main
from reconciler.config.environments import Environment
from reconciler.config.source import Location
from reconciler.errors import ConfigError, TargetError
from reconciler.zoho.target import VARIABLES, Place, environment_target

TOML = """\
default = "staging"

[environments.staging]
local = "dbs/staging.sqlite3"
overlays = ["environments/staging"]

[environments.staging.users]
map = { "amy@zylker.example" = "amy@zylker.example" }

[environments.production]
local = "dbs/production.sqlite3"
"""
YAML = """\
version: 1
territories:
  name: Zylker
  children:
    - name: Americas
      manager: amy@zylker.example
      users: [amy@zylker.example, bob@zylker.example]
"""


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "environments" / "staging").mkdir(parents=True)
    (tmp_path / "org").mkdir()
    (tmp_path / "reconciler.toml").write_text(TOML, encoding="utf-8")
    (tmp_path / "org" / "org.yaml").write_text(YAML, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def invoke(*args: str, **env: str) -> Result:
    environment: dict[str, str | None] = {name: None for name in VARIABLES}
    environment |= {"NO_COLOR": "1", "RECONCILER_ENV": None, **env}
    return CliRunner().invoke(main, list(args), env=environment)


def test_an_unmapped_user_is_an_error_at_the_line_that_names_them(here: Path):
    result = invoke("plan", "org/")
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "org/org.yaml:7:35: error: user `bob@zylker.example` has no mapping in environment "
        "`staging`",
        "    hint: add it to the map at reconciler.toml:8:1, or give the environment a rule "
        "(`suffix` or `domain`)",
        "1 error in 1 file",
    ]


def test_the_environment_comes_from_the_flag_the_variable_or_the_default(here: Path):
    flag = invoke("plan", "org/", "--env", "production")
    assert flag.exit_code == 0, flag.output
    banner = "target: local sandbox ({}, environment production)"
    assert flag.stderr.splitlines()[0] == banner.format(here / "dbs" / "production.sqlite3")
    variable = invoke("plan", "org/", RECONCILER_ENV="production")
    assert variable.stderr.splitlines()[0] == flag.stderr.splitlines()[0]
    unknown = invoke("plan", "org/", "--env", "prod")
    assert unknown.exit_code == 1
    assert "reconciler.toml: error: no environment named `prod`" in unknown.stderr


def test_an_overlay_changes_what_one_environment_plans(here: Path):
    (here / "environments" / "staging" / "americas.yaml").write_text(
        textwrap.dedent(
            """\
            territories:
              name: Americas
              users: [amy@zylker.example]
              description: staging only
            """
        ),
        encoding="utf-8",
    )
    staging = invoke("plan", "org/")
    assert staging.exit_code == 0, staging.output
    assert "staging only" in staging.stdout
    assert "bob@zylker.example" not in staging.stdout
    production = invoke("plan", "org/", "--env", "production")
    assert "staging only" not in production.stdout
    assert "bob@zylker.example" in production.stdout


def test_each_local_environment_is_an_org_of_its_own(here: Path):
    assert invoke("apply", "--env", "staging", "org/", "--auto-approve").exit_code == 1
    assert invoke("apply", "--env", "production", "org/", "--auto-approve").exit_code == 0
    # staging refused bob (unmapped); production applied
    assert invoke("plan", "--env", "production", "org/", "--detailed-exitcode").exit_code == 0
    staging, production = (chosen(n) for n in ("staging", "production"))
    assert staging is not None and production is not None
    ids = set()
    for environment in (staging, production):
        target = target_of(environment, {}, allow_custom_domain=False)
        try:
            ids.add(target.sandbox.org_id)
        finally:
            target.close()
    assert len(ids) == 2


def test_env_without_a_file_is_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(tmp_path)
    assert chosen(None) is None
    with pytest.raises(ConfigError) as caught:
        chosen("staging")
    assert "there is no reconciler.toml here" in caught.value.diagnostics[0].message


NAMES = ("QA_ID", "QA_SECRET", "QA_REFRESH")


def test_a_zoho_sandbox_org_is_called_at_its_own_domain():
    env = {"QA_ID": "id", "QA_SECRET": "secret", "QA_REFRESH": "refresh"}
    target = environment_target("qa", NAMES, env, Place(dc="eu", kind="sandbox"))
    assert target.label == (
        "Zoho CRM https://sandbox.zohoapis.eu (environment qa, Zoho sandbox org, data centre eu)"
    )
    assert (target.accounts_url, target.api_domain) == (
        "https://accounts.zoho.eu",
        "https://sandbox.zohoapis.eu",
    )
    production = environment_target("prod", NAMES, env, Place(dc="ca"))
    assert production.api_domain is None  # the token response names it
    assert production.label == "Zoho CRM https://www.zohoapis.ca (environment prod, data centre ca)"
    developer = environment_target("dev", NAMES, env, Place(dc="cn", kind="developer"))
    assert developer.api_domain == "https://developer.zohoapis.com.cn"
    assert "secret" not in repr(target) and "refresh" not in target.label


def test_an_environments_missing_variables_are_named_never_their_values():
    with pytest.raises(TargetError) as caught:
        environment_target("qa", NAMES, {"QA_ID": "x", "QA_SECRET": " "}, Place(dc="us"))
    assert str(caught.value) == (
        "environment qa: QA_SECRET, QA_REFRESH are not set (reconciler.toml names these "
        "variables for its credentials)"
    )


def test_a_custom_server_is_checked_like_the_variables_are():
    env = {"QA_ID": "x", "QA_SECRET": "y", "QA_REFRESH": "z"}
    place = Place(api_domain="http://crm.example", accounts_url="http://crm.example")
    with pytest.raises(TargetError, match="plain HTTP"):
        environment_target("qa", NAMES, env, place)
    local = Place(api_domain="http://127.0.0.1:8765", accounts_url="http://127.0.0.1:8765")
    with pytest.raises(TargetError, match="allow-custom-domain"):
        environment_target("qa", NAMES, env, local)
    target = environment_target("qa", NAMES, env, local, allow_custom_domain=True)
    assert target.label == "Zoho CRM http://127.0.0.1:8765 (environment qa, custom server)"


def test_an_environment_built_in_code_reaches_its_org(tmp_path: Path):
    environment = Environment("scratch", Location("t", 1, 1), local=tmp_path / "s.sqlite3")
    target = target_of(environment, {}, allow_custom_domain=False)
    try:
        assert target.credentials.client_id == "scratch"
        assert target.label.endswith("environment scratch)")
    finally:
        target.close()


def test_the_environments_guide_runs_only_real_commands():
    from tests.test_ci_examples import check, doc_scripts, reconciler_calls

    guide = Path(__file__).parent.parent / "docs" / "environments.md"
    calls = [c for script in doc_scripts(guide.read_text()) for c in reconciler_calls(script)]
    assert {check(call) for call in calls} >= {
        "reconciler plan",
        "reconciler apply",
        "reconciler promote",
        "reconciler diff",
        "reconciler sandbox serve",
    }


def test_the_base_of_plan_base_gets_the_same_overlays_and_user_mapping(here: Path):
    from reconciler.cli.environment import load_base
    from reconciler.config.environments import UserMap
    from tests.test_git import commit, git

    (here / "environments" / "staging" / "a.yaml").write_text(
        "territories:\n  name: Americas\n  description: staging's Americas\n"
    )
    git(here, "init", "-q", "-b", "main")
    commit(here, {})
    assert load_base("main", [here / "org"], None).config.state.territory("Americas") == (
        load_config([here / "org"], None).state.territory("Americas")
    )
    qa = Environment(
        "qa",
        Location("t", 1, 1),
        overlays=(here / "environments" / "staging",),
        users=UserMap({}, suffix=".qa"),
    )
    mapped = load_base("main", [here / "org"], qa).config.state.territory("Americas")
    assert mapped is not None and mapped.manager == "amy@zylker.example.qa"
    assert mapped.description == "staging's Americas"


def test_validate_checks_the_configuration_as_an_environment_sees_it(here: Path):
    mapped = invoke("validate", "org/")  # the file's default environment: staging
    assert mapped.exit_code == 1
    assert "org/org.yaml:7:35: error: user `bob@zylker.example` has no mapping" in mapped.stderr
    assert invoke("validate", "org/", "--env", "production").exit_code == 0
