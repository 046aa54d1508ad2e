"""`plan.attribution` and `plan.drift`: audit entries matched to each drifted object by id or
by name, only on the fields that drifted; renames found in the log; the report's words."""

from __future__ import annotations

from datetime import UTC, datetime

from reconciler.model import OrgState
from reconciler.plan.attribution import AuditEntry, entries_for, renames, with_renames
from reconciler.plan.diff import diff
from reconciler.plan.drift import Attribution, report
from tests.test_adopt import CONFIG, ORG, state

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def with_ids(live: OrgState) -> OrgState:
    territories = tuple(t.model_copy(update={"id": f"t-{t.key}"}) for t in live.territories or ())
    rules = {
        module: tuple(r.model_copy(update={"id": f"r-{r.key}"}) for r in items)
        for module, items in (live.sharing_rules or {}).items()
    }
    return live.model_copy(update={"territories": territories, "sharing_rules": rules})


def entry(minute: int, area: str, ident: str, name: str, **fields: str | None) -> AuditEntry:
    return AuditEntry(
        time=T0.replace(minute=minute),
        user="Victor Hale",
        action=str(fields.pop("action", "updated")),
        area=area,
        record_id=ident,
        record_name=name,
        **fields,  # type: ignore[arg-type]
    )


LOG = [
    entry(1, "Territories", "t-americas", "Americas", field="manager", old="amy@zylker.example"),
    entry(2, "Territories", "t-americas", "Americas", field="name", old="America", new="Americas"),
    entry(
        3, "Territories", "t-americas", "Americas", field="users", new="carla.mendes@zylker.example"
    ),
    entry(4, "Territories", "t-americas", "Americas", field="users", old="bob@zylker.example"),
    entry(5, "Territories", "t-asia", "Asia", action="added", new="Asia"),
    entry(6, "Territories", "t-apac", "APAC", action="deleted", old="APAC"),
    entry(
        7, "Territories", "t-us west", "US West", field="reporting_to", old="Americas", new="EMEA"
    ),
    entry(
        8,
        "Data_Sharing",
        "m1",
        "Accounts",
        field="share_type",
        old="private",
        new="public_read_only",
    ),
    entry(9, "Sharing_Rules", "r-managers see emea", "Managers see EMEA", field="permission_type"),
    entry(10, "Sharing_Rules", "r-paused", "Paused", field="status", old="active", new="inactive"),
    entry(11, "Sharing_Rules", "r-old rule", "Old rule", action="deleted", field="module"),
    entry(12, "Sharing_Rules", "r-made in the org", "Made in the org", action="added"),
    entry(13, "Records", "1", "Acme", field="Territories"),
]


def test_each_change_gets_the_entries_that_explain_it() -> None:
    live = with_ids(state("org.yaml", ORG))
    changes = diff(live, state("config.yaml", CONFIG))
    found = {
        (type(c).__name__, getattr(c, "name", getattr(c, "territory", getattr(c, "module", "")))): [
            e.time.minute for e in entries_for(c, live, LOG)
        ]
        for c in (*changes.territories, *changes.members, *changes.defaults, *changes.rules)
    }
    assert found == {
        ("TerritoryChange", "Americas"): [1],  # manager and description drifted; not the name
        ("TerritoryChange", "APAC"): [6],
        ("TerritoryChange", "US West"): [7],
        ("TerritoryChange", "Asia"): [5],
        ("MemberChange", "Americas"): [3, 4],
        ("DefaultChange", "Accounts"): [8],
        ("RuleChange", "Managers see EMEA"): [9],
        ("RuleChange", "Paused"): [10],
        ("RuleChange", "Old rule"): [11],
        ("RuleChange", "Made in the org"): [12],
    }


def test_renames_are_read_from_the_log() -> None:
    live = with_ids(
        state(
            "org.yaml",
            "version: 1\nterritories:\n  name: Z\n  children:\n    - name: The Americas\n",
        )
    )
    desired = state(
        "c.yaml", "version: 1\nterritories:\n  name: Z\n  children:\n    - name: Americas\n"
    )
    changes = diff(live, desired)
    log = [
        entry(1, "Territories", "t-the americas", "x", field="name", old="Americas", new="x"),
        entry(
            2,
            "Territories",
            "t-the americas",
            "The Americas",
            field="name",
            old="x",
            new="The Americas",
        ),
    ]
    found = renames(changes, log)
    assert found == {"americas": "The Americas"}
    [change] = diff(live, with_renames(desired, found)).territories
    assert (change.action, change.renamed_from) == ("update", "The Americas")
    assert [e.time.minute for e in entries_for(change, live, log)] == [1, 2]
    assert renames(changes, []) == {} and with_renames(desired, {}) is desired


def test_the_report_says_what_happened_in_the_org() -> None:
    live = with_ids(state("org.yaml", ORG))
    changes = diff(live, state("config.yaml", CONFIG))
    attribution = Attribution(read=True, since=T0, until=T0, entries=len(LOG))
    found = report(changes, live, LOG, attribution, "the org")
    summaries = {item.name: item.summary for item in found.items if item.kind != "members"}
    assert summaries["APAC"] == "in the YAML but not in the org (deleted or renamed there)"
    assert summaries["Asia"] == "in the org (under Zylker) but not in the YAML"
    assert summaries["US West"] == "moved under EMEA in the org (YAML: Americas)"
    assert summaries["Americas"].startswith("changed in the org: ")
    assert summaries["Accounts: Paused"] == "made inactive in the org"
    assert summaries["Accounts: Old rule"] == (
        "in the YAML but not in the org (deleted or renamed there)"
    )
    assert summaries["Accounts: Made in the org"] == "in the org but not in the YAML"
    assert summaries["Accounts: Managers see EMEA"] == "changed in the org: access"
    [members] = [item for item in found.items if item.kind == "members"]
    assert members.summary == (
        "removed from the territory in the org: bob@zylker.example; "
        "added to the territory in the org: carla.mendes@zylker.example"
    )
    assert not found.empty
