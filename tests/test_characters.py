"""Characters that make text lie about itself: refused in configured names (with the name's
position), escaped in text from the org, and Unicode compared in one normal form."""

from __future__ import annotations

from pathlib import Path

import pytest

from reconciler.characters import escaped, first_hidden, plain_name
from reconciler.config.load import load
from reconciler.errors import ConfigError
from reconciler.model import name_key
from tests.cli_orgs import cli_org

SPOOFS = {
    "a newline": ("No\nterritories are deleted", "U+000A"),
    "an ESC sequence": ("West\x1b[2J", "U+001B"),
    "a right-to-left override": ("Ea\u202est", "U+202E (RIGHT-TO-LEFT OVERRIDE)"),
    "a zero-width space": ("We\u200bst", "U+200B (ZERO WIDTH SPACE)"),
    "a line separator": ("West\u2028East", "U+2028 (LINE SEPARATOR)"),
}


@pytest.mark.parametrize("what", sorted(SPOOFS))
def test_a_name_with_a_hidden_character_is_refused(what: str) -> None:
    name, named = SPOOFS[what]
    assert (first_hidden(name) or "").startswith(named)
    with pytest.raises(ValueError, match="remove it"):
        plain_name(name)


def test_text_from_the_org_is_shown_escaped() -> None:
    assert escaped("West\x1b[2J\nEast\u202e") == "West\\u001b[2J\\nEast\\u202e"
    assert escaped("Zürich – Süd") == "Zürich – Süd"  # ordinary text is left alone


def test_names_compare_in_one_normal_form() -> None:
    composed, decomposed = "Z\u00fcrich", "Zu\u0308rich"
    assert composed != decomposed and name_key(composed) == name_key(decomposed)
    assert plain_name(decomposed) == composed


def test_every_name_and_email_of_a_configuration_is_checked_at_its_position(
    tmp_path: Path,
) -> None:
    config = tmp_path / "org.yaml"
    config.write_text(
        "version: 1\n"
        "territories:\n"
        "  name: Zylker\n"
        "  children:\n"
        '    - name: "West\\e[2J"\n'
        '      manager: "amy@zylker.example\\u200b"\n'
        '      previously: ["Ea\\u202Est"]\n'
        "sharing_rules:\n"
        "  Accounts:\n"
        '    - name: "Managers\\nsee all"\n'
        "      to: {group: Global Managers}\n"
        "      access: read\n"
    )
    with pytest.raises(ConfigError) as refused:
        load([config])
    found = [(d.line, d.column, d.message.split(":")[0]) for d in refused.value.diagnostics]
    assert found == [
        (5, 13, "contains U+001B (a control character)"),
        (6, 16, "contains U+200B (ZERO WIDTH SPACE)"),
        (7, 20, "contains U+202E (RIGHT-TO-LEFT OVERRIDE)"),
        (10, 13, "contains U+000A (a control character)"),
    ]


def test_a_name_from_the_org_is_printed_escaped(tmp_path: Path) -> None:
    with cli_org("in_process", tmp_path) as org:
        with org.sandbox.store.transaction() as db:
            db.execute("UPDATE territories SET name = 'Zylker\x1b[2J' WHERE parent_id IS NULL")
        config = tmp_path / "org.yaml"
        config.write_text("version: 1\nterritories:\n  name: Zylker\n")
        for fmt in ("text", "markdown", "json"):
            result = org.invoke("plan", str(config), "--format", fmt)
            assert result.exit_code == 0, result.stderr
            assert "\x1b" not in result.stdout, fmt
            assert "u001b" in result.stdout, fmt  # markdown escapes the backslash again
