"""reconciler.toml: named environments, checked with every problem at its line and column,
and never a secret in it."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from reconciler.config.environments import find, load
from reconciler.config.toml_source import locate
from reconciler.errors import ConfigError

GOOD = """\
default = "sandbox"

[environments.sandbox]
dc = "eu"
kind = "sandbox"
credentials = "ZOHO_SANDBOX"
overlays = ["environments/sandbox"]

[environments.sandbox.users]
suffix = ".sandbox"
map = { "amy@zylker.example" = "amy.qa@zylker.example" }

[environments.production]
dc = "eu"

[environments.acme.credentials]
client_id = "ACME_ID"
client_secret = "ACME_SECRET"
refresh_token = "ACME_REFRESH"

[environments.acme]
api_domain = "https://crm.acme.example"
accounts_url = "https://accounts.acme.example"

[environments.local]
local = ".reconciler/staging.sqlite3"
"""


def write(tmp_path: Path, text: str, name: str = "reconciler.toml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def errors(path: Path) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load(path, path.name)
    return [str(d) for d in caught.value.diagnostics]


def test_a_file_names_each_org_and_only_the_names_of_its_secrets(tmp_path: Path):
    (tmp_path / "environments" / "sandbox").mkdir(parents=True)
    envs = load(write(tmp_path, GOOD))
    assert list(envs.by_name) == ["sandbox", "production", "acme", "local"]
    sandbox = envs.pick(None)
    assert sandbox is not None and sandbox.name == "sandbox"
    assert (sandbox.dc, sandbox.kind) == ("eu", "sandbox")
    assert sandbox.credentials == (
        "ZOHO_SANDBOX_CLIENT_ID",
        "ZOHO_SANDBOX_CLIENT_SECRET",
        "ZOHO_SANDBOX_REFRESH_TOKEN",
    )
    assert sandbox.overlays == (tmp_path / "environments" / "sandbox",)
    assert envs.by_name["production"].credentials[0] == "ZOHO_CLIENT_ID"
    assert envs.by_name["production"].kind == "production"
    assert envs.by_name["acme"].credentials == ("ACME_ID", "ACME_SECRET", "ACME_REFRESH")
    assert envs.by_name["local"].local == tmp_path / ".reconciler" / "staging.sqlite3"


def test_the_user_mapping_prefers_the_map_then_the_rule(tmp_path: Path):
    (tmp_path / "environments" / "sandbox").mkdir(parents=True)
    users = load(write(tmp_path, GOOD)).by_name["sandbox"].users
    assert users is not None
    assert users("Amy@Zylker.example") == "amy.qa@zylker.example"
    assert users("bob@zylker.example") == "bob@zylker.example.sandbox"
    assert str(users.where) == f"{tmp_path / 'reconciler.toml'}:11:1"


def test_a_domain_rule_replaces_the_part_after_the_at(tmp_path: Path):
    path = write(
        tmp_path,
        """\
        [environments.qa]
        dc = "us"
        users = { domain = "qa.zylker.example" }
        """,
    )
    users = load(path).by_name["qa"].users
    assert users is not None and users("bob@zylker.example") == "bob@qa.zylker.example"


def test_without_a_rule_an_email_the_map_leaves_out_is_unmapped(tmp_path: Path):
    path = write(
        tmp_path,
        """\
        [environments.qa]
        dc = "us"
        users.map = { "amy@zylker.example" = "amy@qa.example" }
        """,
    )
    users = load(path).by_name["qa"].users
    assert users is not None and users("bob@zylker.example") is None


def test_every_problem_is_reported_at_its_line_and_column(tmp_path: Path):
    path = write(
        tmp_path,
        """\
        [environments.sandbox]
        dc = "mars"
        surprise = 1

        [environments.Prod]
        dc = "eu"

        [environments.half]
        api_domain = "http://127.0.0.1:8765"

        [environments.both]
        dc = "eu"
        local = "x.sqlite3"

        [environments.rules]
        dc = "eu"
          [environments.rules.users]
          suffix = ".s"
          domain = "x.example"
        """,
    )
    assert errors(path) == [
        "reconciler.toml:2:1: error: environments.sandbox.dc: Input should be 'us', 'eu', "
        "'in', 'au', 'jp', 'ca', 'sa' or 'cn'",
        "reconciler.toml:3:1: error: unknown key `surprise` (docs/environments.md lists the keys)",
        "reconciler.toml:5:1: error: `Prod`: environment names use lower-case letters, digits, "
        "- and _",
        "reconciler.toml:8:1: error: environments.half: a custom server needs both "
        "`api_domain` and `accounts_url`",
        "reconciler.toml:11:1: error: environments.both: say where the org is with exactly one "
        "of `dc` (a Zoho data centre), `api_domain` + `accounts_url` (a custom server) or "
        "`local` (a local sandbox)",
        "reconciler.toml:17:3: error: environments.rules.users: give one rule, `suffix` or "
        "`domain`, not both",
    ]


def test_a_secret_where_a_variable_name_belongs_is_refused_and_never_repeated(tmp_path: Path):
    token = "1000." + "ab12" * 8 + "." + "cd34" * 8
    path = write(
        tmp_path,
        f"""\
        [environments.prod]
        dc = "eu"
        credentials = "{token}"

        [environments.other.credentials]
        client_id = "OTHER_ID"
        client_secret = "{token}"
        refresh_token = "OTHER_REFRESH"
        [environments.other]
        dc = "us"
        """,
    )
    found = errors(path)
    assert found == [
        "reconciler.toml:3:1: error: `environments.prod.credentials` must name an environment "
        "variable, like ZOHO_SANDBOX (never write a secret in this file: put it in a variable "
        "and name the variable)",
        "reconciler.toml:7:1: error: `environments.other.credentials.client_secret` must name an "
        "environment variable, like ZOHO_SANDBOX (never write a secret in this file: put it "
        "in a variable and name the variable)",
    ]
    assert not any(token in line for line in found)


def test_the_checks_that_need_the_whole_file(tmp_path: Path):
    path = write(
        tmp_path,
        """\
        default = "staging"
        [environments.qa]
        dc = "us"
        overlays = ["environments/qa"]
        [environments.qa.users]
        map = { "a@zylker.example" = "x@qa.example", "b@zylker.example" = "x@qa.example" }
        """,
    )
    assert errors(path) == [
        "reconciler.toml:1:1: error: `default` names `staging`, which is not an environment "
        "(define [environments.staging] or pick one of: qa)",
        "reconciler.toml:4:1: error: overlay `environments/qa` does not exist",
        "reconciler.toml:6:46: error: `b@zylker.example` and `a@zylker.example` both map to "
        "`x@qa.example` (each user of this org stands for one production user)",
    ]


def test_bad_toml_is_an_error_at_its_position(tmp_path: Path):
    path = write(tmp_path, '[environments.qa]\ndc = "us\n')
    (found,) = errors(path)
    assert found == "reconciler.toml:2:9: error: not valid TOML: Illegal character '\\n'"


def test_an_unknown_environment_names_the_ones_there_are(tmp_path: Path):
    envs = load(write(tmp_path, '[environments.qa]\ndc = "us"\n'), "reconciler.toml")
    assert envs.pick(None) is None
    with pytest.raises(ConfigError) as caught:
        envs.pick("prod")
    assert [str(d) for d in caught.value.diagnostics] == [
        "reconciler.toml: error: no environment named `prod` (reconciler.toml defines: qa)"
    ]


def test_pyproject_may_hold_the_table_instead(tmp_path: Path):
    assert find(tmp_path) is None
    write(tmp_path, '[project]\nname = "x"\n', "pyproject.toml")
    assert find(tmp_path) is None
    path = write(
        tmp_path,
        '[project]\nname = "x"\n\n[tool.reconciler.environments.qa]\ndc = "us"\nbad = 1\n',
        "pyproject.toml",
    )
    assert find(tmp_path) == path
    assert errors(path) == [
        "pyproject.toml:6:1: error: unknown key `bad` (docs/environments.md lists the keys)"
    ]
    toml = write(tmp_path, '[environments.qa]\ndc = "us"\n')
    assert find(tmp_path) == toml  # reconciler.toml wins


def test_keys_are_found_in_headers_dotted_and_inline_tables():
    text = 'a = 1\n[t."x y"]\n  k.j = { p = "1,}", \'q\' = [1, {r = 2}] }\n'
    keys = locate("f.toml", text).keys
    assert {k: (v.line, v.column) for k, v in keys.items()} == {
        ("a",): (1, 1),
        ("t", "x y"): (2, 1),
        ("t", "x y", "k", "j"): (3, 3),
        ("t", "x y", "k", "j", "p"): (3, 11),
        ("t", "x y", "k", "j", "q"): (3, 22),
    }
    assert str(locate("f.toml", text).place(("nowhere",))) == "f.toml:1:1"
