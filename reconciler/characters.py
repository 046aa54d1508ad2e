"""Characters that make text lie about itself: control characters (a newline that starts a
fake bullet in a pull-request comment, an ESC sequence that recolours or rewrites a terminal),
bidirectional overrides (U+202E shows `fdp.exe` as `exe.pdf`) and invisible ones (a
zero-width space makes two names that look the same). A name in the configuration with one
is refused; text from the org is shown with each escaped. Pure: the core may use it."""

from __future__ import annotations

import unicodedata

# Cc: C0/C1 controls (ESC, newline, ...); Cf: format characters (bidi controls, zero-width
# space and joiners, the BOM, the soft hyphen); Zl/Zp: the line and paragraph separators.
HIDDEN = ("Cc", "Cf", "Zl", "Zp")


def _hidden(char: str) -> bool:
    return unicodedata.category(char) in HIDDEN


def first_hidden(text: str) -> str | None:
    """The first such character, as `U+202E (RIGHT-TO-LEFT OVERRIDE)`, or None."""
    found = next((c for c in text if _hidden(c)), None)
    if found is None:
        return None
    return f"U+{ord(found):04X} ({unicodedata.name(found, 'a control character')})"


def escaped(text: str) -> str:
    """`text` with each such character written as a visible escape (`\\n`, `\\u202e`)."""
    if not any(_hidden(c) for c in text):
        return text
    return "".join(_escape(c) if _hidden(c) else c for c in text)


def _escape(char: str) -> str:
    named = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
    return named.get(char, f"\\u{ord(char):04x}")


def plain_name(name: str) -> str:
    """A name as the configuration may give it: NFC-normalised, free of such characters
    (ValueError saying which one, for the YAML position of the name)."""
    hidden = first_hidden(name)
    if hidden is not None:
        raise ValueError(
            f"contains {hidden}: control, bidirectional and invisible characters can make a "
            "name read as another in review; remove it"
        )
    return unicodedata.normalize("NFC", name)
