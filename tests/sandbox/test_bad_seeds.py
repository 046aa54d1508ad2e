"""Bad seeds, as `reconciler sandbox reset --seed FILE` meets them: every problem reported at
FILE:LINE:COL on stderr, exit 1, no traceback, and the existing org left exactly as it was.

Each file in tests/sandbox/bad_seeds/ is one kind of mistake; EXPECTED is what must be printed
for it (after the file name). Inputs that cannot be kept as files (a directory, a link to
/dev/zero, a loop of links, a huge or deeply nested file) are made by the tests below."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from reconciler.cli.main import main
from reconciler.sandbox import Sandbox
from reconciler.sandbox.seed_file import MAX_BYTES, MAX_DEPTH

BAD_SEEDS = Path(__file__).with_name("bad_seeds")
EXPECTED = {
    "binary.yaml": "2:17: error: not UTF-8 text (is it a binary file?)",
    "custom_tag.yaml": "1:13: error: unsupported tag '!upper': a seed is plain data, "
    "without YAML tags",
    "duplicate_client.json": "7:19: error: OAuth client 'one' is declared twice "
    "(first at oauth_clients[0].client_id)",
    "duplicate_email.yaml": "5:13: error: user 'A@Acme.example' is declared twice "
    "(first at users[0].email)",
    "duplicate_key.yaml": "4:1: error: duplicate key 'roles'",
    "duplicate_refresh_token.yaml": "6:58: error: this refresh token is declared twice "
    "(first at oauth_clients[0].refresh_tokens[0])",
    "duplicate_territory.yaml": "7:15: error: territory 'west' is declared twice "
    "(first at territories[0].name)",
    "empty.yaml": "1:1: error: the seed is empty; it needs at least `org`, `roles` and `users`",
    "group_source_two_kinds.yaml": "7:9: error: a source names exactly one of user, role, "
    "territory, group",
    "huge_integer.yaml": "4:51: error: a number longer than 4300 digits; is it a seed?",
    "json_duplicate_key.json": "5:3: error: duplicate key 'org'",
    "json_syntax.json": "3:30: error: JSON syntax: Expecting property name enclosed in double "
    "quotes",
    "member_listed_twice.yaml": "5:25: error: lists the same user twice",
    "missing_field.yaml": "4:5: error: `users` entry lacks the required field 'last_name'",
    "not_a_mapping.yaml": "1:1: error: a seed is a mapping with `org`, `roles` and `users` at "
    "the top",
    "not_an_email.yaml": "4:13: error: 'amy at acme' is not an email address",
    "python_tag.yaml": "1:6: error: unsupported tag '!!python/object/apply:os.system': a seed "
    "is plain data, without YAML tags",
    "record_in_unknown_territory.yaml": "7:44: error: unknown territory 'Nowhere'; declare it "
    "under `territories:` first",
    "territory_name_with_forbidden_character.yaml": "4:22: error: territory name 'West (old)' "
    "is not one the API accepts (1 to 50 characters, none of ^~`#%&*()+={}[]|\\;\",'!<>)",
    "territory_named_like_the_org.yaml": "4:22: error: territory 'ACME' is declared twice "
    "(first at org.name)",
    "unknown_field.yaml": "7:5: error: unknown field 'emial'; a `users` entry has email, "
    "first_name, last_name, role, profile, status, confirmed, reports_to",
    "unknown_field_type.yaml": "7:43: error: unknown field type 'bogus'; one of text, email, "
    "phone, textarea, website, autonumber, picklist, lookup, ownerlookup, userlookup, integer, "
    "bigint, currency, double, decimal, percent, date, datetime, boolean, multiselectpicklist, "
    "fileupload, formula, imageupload, subform",
    "unknown_manager.yaml": "6:14: error: unknown user 'nobody@acme.example'; declare it under "
    "`users:` first",
    "unknown_role.yaml": "4:49: error: unknown role 'Nope'; declare it under `roles:` first",
    "yaml_syntax.yaml": "3:1: error: did not find expected ',' or ']'",
}


@pytest.fixture
def org(tmp_path: Path) -> Path:
    """A sandbox database whose org has been changed since it was seeded."""
    db = tmp_path / "org.sqlite3"
    with Sandbox(db) as sandbox, sandbox.store.transaction() as tx:
        tx.execute("UPDATE territories SET description = 'changed since seeding'")
    return db


def reset(db: Path, seed: Path) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["sandbox", "reset", "--db", str(db), "--seed", str(seed)])
    return result.exit_code, result.stdout, result.stderr


def assert_kept(db: Path) -> None:
    with Sandbox(db) as sandbox, sandbox.store.transaction() as tx:
        kept = tx.execute("SELECT DISTINCT description FROM territories").fetchall()
    assert [row[0] for row in kept] == ["changed since seeding"]
    assert sorted(p.name for p in db.parent.iterdir() if p.name.startswith(".")) == []


def test_every_bad_seed_has_its_expected_message() -> None:
    assert sorted(p.name for p in BAD_SEEDS.iterdir()) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_a_bad_seed_is_reported_at_its_position_and_the_org_is_kept(org: Path, name: str) -> None:
    seed = BAD_SEEDS / name
    assert reset(org, seed) == (1, "", f"{seed}:{EXPECTED[name]}\n")
    assert_kept(org)


def test_every_problem_is_reported_at_once(org: Path, tmp_path: Path) -> None:
    seed = tmp_path / "seed.yaml"
    seed.write_text(
        "org: {name: Acme}\n"
        "roles: [{name: Rep}]\n"
        "users:\n"
        "  - {email: a@acme.example, last_name: A, role: Boss}\n"
        "  - {email: b@acme.example, last_name: B, role: Rep, reports_to: c@acme.example}\n"
    )
    code, _, err = reset(org, seed)
    assert code == 1
    assert err.splitlines() == [
        f"{seed}:4:49: error: unknown role 'Boss'; declare it under `roles:` first",
        f"{seed}:5:66: error: unknown user 'c@acme.example'; declare it under `users:` first",
    ]
    assert_kept(org)


def test_a_secret_in_a_bad_seed_is_never_printed(org: Path) -> None:
    _, _, err = reset(org, BAD_SEEDS / "duplicate_refresh_token.yaml")
    assert "same-token" not in err


def hostile(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    """Seed paths that cannot live in the repository, and what must follow the path."""
    tmp_path.mkdir()
    (tmp_path / "loop-a").symlink_to(tmp_path / "loop-b")
    (tmp_path / "loop-b").symlink_to(tmp_path / "loop-a")
    (tmp_path / "dangling.yaml").symlink_to(tmp_path / "gone.yaml")
    (tmp_path / "zero.yaml").symlink_to("/dev/zero")
    with (tmp_path / "huge.yaml").open("wb") as huge:
        huge.truncate(MAX_BYTES + 1)  # sparse: no disk is used
    deep = "roles: " + "[{name: r, children: " * (MAX_DEPTH // 2) + "[]" + "}]" * (MAX_DEPTH // 2)
    (tmp_path / "deep.yaml").write_text(f"org: {{name: A}}\n{deep}\n")
    unreadable = "{" + '"org": ' + "[" * 100_000 + "]" * 100_000 + "}"
    (tmp_path / "unreadable.json").write_text(unreadable)
    return {
        "a directory": (tmp_path, ": error: is a directory; a seed is one YAML or JSON file"),
        "a missing file": (tmp_path / "none.yaml", ": error: no such file"),
        "a dangling link": (
            tmp_path / "dangling.yaml",
            ": error: is a symbolic link that leads nowhere (dangling, or a loop)",
        ),
        "a loop of links": (
            tmp_path / "loop-a",
            ": error: is a symbolic link that leads nowhere (dangling, or a loop)",
        ),
        "a link to /dev/zero": (
            tmp_path / "zero.yaml",
            ": error: is not a regular file; a seed is one YAML or JSON file",
        ),
        "a huge file": (
            tmp_path / "huge.yaml",
            f": error: the seed is larger than {MAX_BYTES // 2**20} MiB; is it a seed?",
        ),
        "deep nesting": (
            tmp_path / "deep.yaml",
            f":2:{8 + 21 * (MAX_DEPTH // 2)}: error: nested more than {MAX_DEPTH} levels deep",
        ),
        "nesting too deep to parse": (
            tmp_path / "unreadable.json",
            ": error: nested too deeply to read",
        ),
    }


def test_hostile_seed_paths_get_one_line_each(org: Path, tmp_path: Path) -> None:
    cases = hostile(tmp_path / "inputs")
    for what, (seed, message) in cases.items():
        assert reset(org, seed) == (1, "", f"{seed}{message}\n"), what
    assert_kept(org)
