"""ECMA-262 Unicode property escapes in JSON Schema patterns (no spec files needed)."""

from __future__ import annotations

import pytest

from tests.contract.regexes import SpecValidator, compiled, python_pattern


@pytest.mark.parametrize(
    ("pattern", "text", "expected"),
    [
        (r"^\p{L}+$", "Zoë日本", True),
        (r"^\p{L}+$", "Zoe1", False),
        (r"^[\p{L}\p{N}_.+-]+@[\p{L}\p{M}]+$", "josé.1@zoho", True),
        (r"^[\p{L}\p{N}_.+-]+@[\p{L}\p{M}]+$", "jose@zoho.com", False),
        (r"^\P{N}+$", "abc", True),
        (r"^\P{N}+$", "a1", False),
        (r"^[0-9]{1,19}$", "4832675000000850800", True),  # patterns without escapes: unchanged
    ],
)
def test_property_escapes_keep_their_meaning(pattern: str, text: str, expected: bool) -> None:
    assert bool(compiled(pattern).search(text)) is expected


def test_plain_patterns_pass_through() -> None:
    assert python_pattern(r"^\d+[\]a]\{$") == r"^\d+[\]a]\{$"


def test_negated_property_inside_a_class_is_refused() -> None:
    with pytest.raises(ValueError, match="not supported"):
        python_pattern(r"[\P{L}]")


def test_ecma_literal_brackets_compile_without_future_warnings() -> None:
    assert compiled("[[a]").search("[")  # FutureWarning would be an error under pytest


def test_the_validator_uses_it() -> None:
    validator = SpecValidator({"type": "string", "pattern": r"^\p{Lu}"})
    assert validator.is_valid("Émile")
    assert [e.message for e in validator.iter_errors("émile")] == [
        "'émile' does not match '^\\\\p{Lu}'"
    ]
