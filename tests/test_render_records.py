"""Record impact in words: the text section and the Markdown tables."""

from __future__ import annotations

from reconciler.model import Realign
from reconciler.plan.impact import Flow, ModuleImpact, RecordImpact, UserAccess
from reconciler.render.markdown import escape
from reconciler.render.records import markdown, text_lines

MANY = RecordImpact(
    modules=(
        ModuleImpact(
            module="Accounts",
            read=1200,
            gain=3,
            lose=2,
            move=25,
            over_cap=("1",),
            manual_kept=4,
            realign=Realign.full,
            territories=tuple(Flow(territory=f"T{i}", gained=30 - i, lost=i) for i in range(23)),
        ),
    ),
    users=tuple(UserAccess(user=f"u{i}@zylker.example", gains=i, loses=1) for i in range(22)),
)


def test_the_text_names_each_module_and_sums_all_but_the_top_territories() -> None:
    lines = text_lines(MANY)
    assert lines[0] == (
        "  Accounts: 1,200 records read; 25 move; 3 gain a territory; 2 lose one; 1 record over"
        " the territory cap (Zoho keeps the first in tree order); 4 manual assignments the rules"
        " leave alone (apply realigns: full)"
    )
    assert lines[21] == "    3 other territories: +27 -63"
    assert lines[-1] == "  u21@zylker.example gains access to 21 records, loses 1 record"
    assert text_lines(RecordImpact()) == ["  no territory rule changes: no records read"]


def test_markdown_tables_stop_at_twenty_rows() -> None:
    text = markdown(MANY, escape)
    assert "| 3 other territories | 27 | 63 |" in text
    assert "| 2 other users | 1 | 2 |" in text
    assert text.count("\n| u") == 20
