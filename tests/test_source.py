"""source.parse: the fast libyaml path and the position-keeping path agree, and positions
are found only when asked for."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from reconciler.config import source
from tests.test_config_fuzz import documents, dump, keys, mutated_example

EXAMPLE = Path(__file__).parent.parent / "examples" / "territories.yaml"


def slow(text: str) -> source.SourceFile:
    return source._slow("x.yaml", text, "")


def test_the_fast_path_is_libyaml() -> None:
    from ruamel.yaml import YAML

    assert "CParser" in YAML(typ="safe").Parser.__name__


def test_a_valid_file_is_read_without_positions_until_one_is_needed() -> None:
    parsed = source.parse("org.yaml", EXAMPLE.read_bytes())
    assert parsed._values is None
    where = parsed.place(("territories", "children", 0, "manager"))
    assert parsed._values is None  # still not parsed for positions
    assert (where.line, where.column) == (11, 16)
    assert parsed._values is not None


def test_both_paths_read_the_example_alike() -> None:
    text = EXAMPLE.read_text()
    assert source.parse("x.yaml", text.encode()).data == slow(text).data


@settings(max_examples=200, deadline=None)
@given(raw=st.one_of(mutated_example(), st.dictionaries(keys, documents(), max_size=5).map(dump)))
def test_both_paths_agree_whenever_the_fast_one_accepts(raw: bytes) -> None:
    try:
        fast = source.parse("x.yaml", raw)
    except source.YamlProblem:
        return
    assert fast.data == slow(raw.decode("utf-8-sig")).data


def test_an_alias_goes_to_the_careful_path_and_is_refused_where_it_is() -> None:
    try:
        source.parse("x.yaml", b"a: &x [1]\nb: *x\n")
    except source.YamlProblem as problem:
        assert (problem.diagnostic.line, problem.diagnostic.column) == (2, 4)
    else:
        raise AssertionError("an alias must be refused")
