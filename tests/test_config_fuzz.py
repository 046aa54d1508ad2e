"""Property: whatever bytes a user feeds it, `load` reports problems or succeeds; it never
raises anything but ConfigError. FUZZ_EXAMPLES=3000 runs a longer search."""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from reconciler.config.load import KNOWN_KEYS, load
from reconciler.errors import ConfigError

EXAMPLE = (Path(__file__).parent.parent / "examples" / "territories.yaml").read_text()
SETTINGS = settings(
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "150")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


def load_text(tmp: Path, data: bytes) -> None:
    path = tmp / "fuzz.yaml"
    path.write_bytes(data)
    try:
        load([path])
    except ConfigError as exc:
        assert exc.diagnostics, "a ConfigError always carries at least one diagnostic"
        for d in exc.diagnostics:
            assert d.file == str(path) and d.line >= 0 and d.column >= 0 and d.message


@st.composite
def mutated_example(draw: st.DrawFn) -> bytes:
    lines = EXAMPLE.splitlines(keepends=True)
    for _ in range(draw(st.integers(1, 4))):
        i = draw(st.integers(0, len(lines) - 1))
        op = draw(st.sampled_from(["drop", "dup", "swap", "cut", "insert", "retab"]))
        if op == "drop":
            del lines[i]
        elif op == "dup":
            lines.insert(i, lines[i])
        elif op == "swap":
            j = draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
        elif op == "cut":
            k = draw(st.integers(0, max(0, len(lines[i]) - 1)))
            lines[i] = lines[i][:k] + lines[i][k + 1 :]
        elif op == "insert":
            lines.insert(i, draw(st.text(max_size=20)) + "\n")
        else:
            lines[i] = lines[i].replace("  ", "\t", 1)
    return "".join(lines).encode("utf-8", "surrogatepass")


scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=60)
)
keys = st.one_of(st.sampled_from(sorted(KNOWN_KEYS)), st.text(max_size=10))


def documents() -> st.SearchStrategy[Any]:
    return st.recursive(
        scalars,
        lambda inner: st.one_of(
            st.lists(inner, max_size=6), st.dictionaries(keys, inner, max_size=6)
        ),
        max_leaves=40,
    )


def dump(data: Any) -> bytes:
    out = io.StringIO()
    YAML().dump(data, out)
    return out.getvalue().encode()


@SETTINGS
@given(data=mutated_example())
def test_mutated_example_never_crashes(tmp_path_factory: Any, data: bytes) -> None:
    load_text(tmp_path_factory.mktemp("m"), data)


@SETTINGS
@given(body=st.dictionaries(keys, documents(), max_size=5))
def test_arbitrary_structures_never_crash(tmp_path_factory: Any, body: dict[str, Any]) -> None:
    load_text(tmp_path_factory.mktemp("s"), dump({"version": 1, **body}))


@SETTINGS
@given(data=st.binary(max_size=200))
def test_arbitrary_bytes_never_crash(tmp_path_factory: Any, data: bytes) -> None:
    load_text(tmp_path_factory.mktemp("b"), data)
