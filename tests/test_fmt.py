"""fmt: the canonical layout, each comment kept with its key, twice is once, export as is."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from reconciler.cli.main import main
from reconciler.config.export import dump
from reconciler.config.fmt import format_document
from reconciler.config.load import load, load_documents
from reconciler.errors import ConfigError, ReconcilerError
from tests.states import live_t, org
from tests.test_export import RICH

ROOT = Path(__file__).parent.parent

MESSY = """\
# yaml-language-server: $schema=../schemas/reconciler.schema.json
# Zylker, by hand.

# the rules come last once formatted
sharing_rules:
  Deals:
      # above the rule
    - to: {group: Finance}   # who gets it
      name: Big deals
      criteria: {all: [{field: Amount, greater_than: 1000000}, {equal: Lost, field: Stage}]}
      from_note_is_not_a_key: 1
data_sharing:
    Leads: private  # leads stay private
    Accounts: "public"
territories:   # the tree
  children:
  - users:
    - bob@zylker.example   # bob
    - amy@zylker.example
    # the name
    name: Americas
    manager: null
    description: 'North & South'
  name: Zylker
version: 1
# the end
"""
CANONICAL = """\
# yaml-language-server: $schema=../schemas/reconciler.schema.json
# Zylker, by hand.

version: 1
territories:   # the tree
  name: Zylker
  children:
    # the name
    - name: Americas
      manager: null
      description: 'North & South'
      # bob
      users: [bob@zylker.example, amy@zylker.example]
data_sharing:
  Leads: private    # leads stay private
  Accounts: "public"
# the rules come last once formatted
sharing_rules:
  Deals:
    # above the rule
    - name: Big deals
      criteria:
        all:
          - {field: Amount, greater_than: 1000000}
          - {field: Stage, equal: Lost}
      to: {group: Finance}   # who gets it
# the end
"""


def fmt(text: str, name: str = "org.yaml") -> str:
    return format_document(name, text.encode())


def test_the_canonical_layout_keeps_every_comment_with_its_key() -> None:
    messy = MESSY.replace("      from_note_is_not_a_key: 1\n", "")
    assert fmt(messy) == CANONICAL


@pytest.mark.parametrize(
    "text",
    [
        MESSY.replace("      from_note_is_not_a_key: 1\n", ""),
        CANONICAL,
        (ROOT / "examples" / "territories.yaml").read_text(),
        dump(RICH, header="exported"),
    ],
    ids=["messy", "canonical", "example", "export"],
)
def test_twice_is_once_and_the_data_is_the_same(text: str) -> None:
    once = fmt(text)
    assert fmt(once) == once
    assert load_documents([("a.yaml", once.encode())]).state == (
        load_documents([("a.yaml", text.encode())]).state
    )


def test_export_is_already_canonical() -> None:
    many = org(live_t("Zylker"), live_t("T", "Zylker", users=[f"u{i}" for i in range(30)]))
    for text in (dump(RICH, header="Exported from the sandbox"), dump(many)):
        assert fmt(text) == text
        assert not any(line != line.rstrip() for line in text.splitlines())


@pytest.mark.parametrize(
    ("written", "formatted"),
    [
        (
            "territories:\n  children:\n    - {name: A, users: [a@x.example]}\n  name: Z\n",
            "territories:\n  name: Z\n  children:\n    - name: A\n      users: [a@x.example]\n",
        ),
        (
            "territories:\n  name: Z\n  account_rule:\n    in: [USA]\n    field: Country\n",
            "territories:\n  name: Z\n  account_rule: {field: Country, in: [USA]}\n",
        ),
        (
            "sharing_rules:\n  Leads:\n    - active: false\n      name: R\n"
            "      to:\n        subordinates: true\n        role: CEO\n"
            "      criteria: {field: A, equal: 1}\n",
            "sharing_rules:\n  Leads:\n    - name: R\n      criteria: {field: A, equal: 1}\n"
            "      to: {role: CEO, subordinates: true}\n      active: false\n",
        ),
        (
            "territories:\n    name: Z\n    previously:\n        - Old\n",
            "territories:\n  name: Z\n  previously: [Old]\n",
        ),
        (
            "data_sharing: {Leads: private, Accounts: public}\n",
            "data_sharing:\n  Leads: private\n  Accounts: public\n",
        ),
        (
            "roles:\n  name: CEO\n  children: [name: VP]\n",
            "roles:\n  name: CEO\n  children: [{name: VP}]\n",
        ),
    ],
    ids=[
        "flow children",
        "block condition",
        "rule keys",
        "indent",
        "modules keep order",
        "a one-key mapping in a flow list keeps its braces",
    ],
)
def test_key_order_indentation_and_list_style(written: str, formatted: str) -> None:
    assert fmt(f"version: 1\n{written}") == f"version: 1\n{formatted}"


def test_blank_lines_between_entries_stay() -> None:
    text = "version: 1\n\ndata_sharing:\n  Leads: private\n\n  Accounts: public\n"
    assert fmt(text) == text


def test_a_file_that_does_not_parse_is_refused_like_validate_does() -> None:
    with pytest.raises(ConfigError) as caught:
        fmt("version: 1\ndata_sharing: {Leads: open}\n", "bad.yaml")
    (found,) = caught.value.diagnostics
    assert (found.file, found.line, found.column) == ("bad.yaml", 2, 23)
    with pytest.raises(ConfigError):
        fmt("version: 1\nterritories: [\n")


def test_a_comment_inside_a_multi_line_flow_value_is_refused_not_lost() -> None:
    text = "version: 1\ndata_sharing: {Leads: private,\n  # why\n  Accounts: public}\n"
    with pytest.raises(ReconcilerError, match=r"org.yaml:3: fmt cannot keep this comment"):
        fmt(text)


def test_a_graft_file_formats_on_its_own() -> None:
    text = "version: 1\nterritories:\n  parent: Zylker\n  name: EMEA\n"
    assert fmt(text) == "version: 1\nterritories:\n  name: EMEA\n  parent: Zylker\n"


# -- the command ----------------------------------------------------------------------------


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))
    return path


def test_check_names_what_needs_formatting_and_exits_1(tmp_path: Path) -> None:
    messy = write(tmp_path / "org" / "a.yaml", "version: 1\ndata_sharing: {Leads: private}\n")
    tidy = write(tmp_path / "org" / "b.yml", "version: 1\ndata_sharing:\n  Deals: private\n")
    before = messy.read_text()
    result = CliRunner().invoke(main, ["fmt", "--check", str(tmp_path / "org")])
    assert result.exit_code == 1
    assert f"would reformat {messy}" in result.stderr and str(tidy) not in result.stderr
    assert "1 file would be reformatted, 1 file already formatted" in result.stderr
    assert messy.read_text() == before


def test_fmt_rewrites_then_check_passes(tmp_path: Path) -> None:
    path = write(tmp_path / "a.yaml", "data_sharing: {Leads: private}  # keep\nversion: 1\n")
    result = CliRunner().invoke(main, ["fmt", str(path)])
    assert result.exit_code == 0, result.output
    lines = path.read_text().splitlines()
    assert lines[:2] == ["version: 1", "data_sharing:"]
    assert lines[2].startswith("  Leads: private ") and lines[2].endswith(" # keep")
    assert load([path]).state.data_sharing == {"Leads": "private"}
    again = CliRunner().invoke(main, ["fmt", "--check", str(path)])
    assert again.exit_code == 0 and "0 files would be reformatted" in again.stderr


def test_nothing_is_written_when_a_file_does_not_parse(tmp_path: Path) -> None:
    good = write(tmp_path / "good.yaml", "data_sharing: {Leads: private}\nversion: 1\n")
    bad = write(tmp_path / "bad.yaml", "version: 1\ndata_sharing: {Leads: open}\n")
    before = good.read_text()
    result = CliRunner().invoke(main, ["fmt", str(good), str(bad)])
    assert result.exit_code == 1
    assert f"{bad}:2:23: error: `open` is not a valid share type" in result.stderr
    assert good.read_text() == before


def test_crlf_files_keep_their_line_endings(tmp_path: Path) -> None:
    """Git checks files out with CRLF on Windows: a canonical CRLF file is left alone, and
    a rewrite keeps CRLF."""
    example = Path(__file__).parent.parent / "examples" / "territories.yaml"
    canonical = tmp_path / "canonical.yaml"
    canonical.write_bytes(example.read_bytes().replace(b"\n", b"\r\n"))
    result = CliRunner().invoke(main, ["fmt", "--check", str(canonical)])
    assert result.exit_code == 0, result.output
    messy = tmp_path / "messy.yaml"
    messy.write_bytes(b"territories:\r\n  name: Zylker   # the root\r\nversion: 1\r\n")
    assert CliRunner().invoke(main, ["fmt", str(messy)]).exit_code == 0
    assert messy.read_bytes() == b"version: 1\r\nterritories:\r\n  name: Zylker   # the root\r\n"


@pytest.mark.parametrize("check", [True, False])
def test_diff_shows_each_change_as_a_unified_diff(tmp_path: Path, check: bool) -> None:
    path = tmp_path / "org.yaml"
    path.write_text("territories:\n  name: Zylker\nversion: 1\n")
    args = ["fmt", "--diff", str(path), *(["--check"] if check else [])]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == (1 if check else 0)
    assert result.stdout.splitlines() == [
        f"--- {path} (now)",
        f"+++ {path} (formatted)",
        "@@ -1,3 +1,3 @@",
        "+version: 1",
        " territories:",
        "   name: Zylker",
        "-version: 1",
    ]
    written = path.read_text().startswith("version: 1")
    assert written is not check  # --check writes nothing; without it the file is formatted
    if not check:
        assert CliRunner().invoke(main, ["fmt", "--diff", str(path)]).stdout == ""
