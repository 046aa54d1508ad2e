"""cover.min_cover: the fewest territory and user calls that carry every membership change."""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from reconciler.plan.cover import min_cover

edges_strategy = st.lists(
    st.tuples(st.sampled_from("ABCDE"), st.sampled_from(["u1", "u2", "u3", "u4", "u5"])),
    max_size=14,
)


def brute_force(edges: list[tuple[str, str]]) -> int:
    vertices = sorted({("t", t) for t, _ in edges} | {("u", u) for _, u in edges})
    for size in range(len(vertices) + 1):
        for chosen in itertools.combinations(vertices, size):
            picked = set(chosen)
            if all(("t", t) in picked or ("u", u) in picked for t, u in edges):
                return size
    return len(vertices)


@settings(max_examples=300, deadline=None)
@given(edges=edges_strategy)
def test_cover_is_valid_and_minimal(edges: list[tuple[str, str]]) -> None:
    territories, users = min_cover(edges)
    assert all(t in territories or u in users for t, u in edges)
    assert len(territories) + len(users) == brute_force(edges)


def test_one_user_in_many_territories_is_one_user_call() -> None:
    territories, users = min_cover([(t, "eve") for t in "ABCDEF"])
    assert (territories, users) == (set(), {"eve"})


def test_many_users_in_one_territory_is_one_territory_call() -> None:
    territories, users = min_cover([("A", f"u{i}") for i in range(9)])
    assert (territories, users) == ({"A"}, set())


def test_reference_size_graph_is_covered() -> None:
    # 250 territories x 80 users each, the benchmark's reference size.
    edges = [(f"T{t}", f"u{(t * 37 + i) % 5000}") for t in range(250) for i in range(80)]
    territories, users = min_cover(edges)
    assert all(t in territories or u in users for t, u in edges)
    assert len(territories) + len(users) <= 250
