"""config.load(): every kind of bad input is reported with its position, all at once."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from reconciler.config.load import check_document, load, load_documents
from reconciler.errors import ConfigError, Diagnostic
from reconciler.model import Group, OrgState, Permission, PrincipalKind, ShareType


def write(tmp_path: Path, text: str, name: str = "org.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def errors_of(*paths: Path) -> list[Diagnostic]:
    with pytest.raises(ConfigError) as caught:
        load(paths)
    return caught.value.diagnostics


def only_error(*paths: Path) -> Diagnostic:
    found = errors_of(*paths)
    assert len(found) == 1, found
    return found[0]


def at(d: Diagnostic) -> tuple[int, int]:
    return d.line, d.column


TREE = """
version: 1
territories:
  name: Zylker
  children:
    - name: Americas
      manager: amy@zylker.example
      users: [amy@zylker.example, bob@zylker.example]
"""


def test_valid_file_loads_into_flat_state(tmp_path: Path) -> None:
    config = load([write(tmp_path, TREE)])
    root, americas = config.state.territories or ()
    assert root.is_root and root.name == "Zylker"
    assert americas.parent == "Zylker"
    assert americas.users == ("amy@zylker.example", "bob@zylker.example")
    assert americas.manager == "amy@zylker.example"
    assert config.state.data_sharing is None and config.state.sharing_rules is None


def test_left_out_keys_are_unmanaged_and_null_is_explicit(tmp_path: Path) -> None:
    text = TREE.replace("manager: amy@zylker.example", "manager: null\n      description: x")
    americas = load([write(tmp_path, text)]).state.territory("americas")
    assert americas is not None
    assert {"manager", "description", "users"} <= americas.managed_fields()
    assert "permission" not in americas.managed_fields()
    assert americas.manager is None


def test_example_file_is_valid() -> None:
    config = load([Path(__file__).parent.parent / "examples" / "territories.yaml"])
    state = config.state
    assert state.territories is not None and len(state.territories) >= 9
    depth = {t.name: 0 for t in state.territories if t.parent is None}
    for t in state.territories:
        if t.parent is not None:
            depth[t.name] = depth[t.parent] + 1
    assert max(depth.values()) == 2  # root + 2 levels: three levels of territories
    assert state.data_sharing and state.sharing_rules
    assert sum(len(r) for r in state.sharing_rules.values()) == 2


def test_yaml_syntax_error(tmp_path: Path) -> None:
    d = only_error(write(tmp_path, "version: 1\nterritories: [a, b\n"))
    assert d.message.startswith("YAML: ") and at(d) == (3, 1)


def test_duplicate_key(tmp_path: Path) -> None:
    d = only_error(
        write(tmp_path, "version: 1\ndata_sharing:\n  Leads: private\n  Leads: public\n")
    )
    assert "duplicate key" in d.message and "first at line 3" in d.message
    assert at(d) == (4, 3)


def test_tab_indentation(tmp_path: Path) -> None:
    d = only_error(write(tmp_path, "version: 1\ndata_sharing:\n\tLeads: private\n"))
    assert "tab character" in d.message and d.hint and "spaces" in d.hint
    assert d.line == 3


def test_empty_file(tmp_path: Path) -> None:
    d = only_error(write(tmp_path, "# nothing here\n"))
    assert d.message == "the file is empty" and at(d) == (1, 1)


def test_non_utf8_bytes(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes("version: 1\ndata_sharing:\n  M\xfcnchen: private\n".encode("latin-1"))
    d = only_error(path)
    assert "0xfc is not valid UTF-8" in d.message and at(d) == (3, 4)


def test_alias_bomb_is_refused_not_expanded(tmp_path: Path) -> None:
    lines = ["version: 1", "a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [*a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}]" for i in range(1, 30)]
    d = errors_of(write(tmp_path, "\n".join(lines) + "\n"))[0]
    assert "alias `*a0` is not supported" in d.message and at(d) == (3, 10)


def test_top_level_must_be_a_mapping(tmp_path: Path) -> None:
    d = only_error(write(tmp_path, "- version: 1\n"))
    assert "top level must be a mapping" in d.message


def test_unknown_key_with_suggestion(tmp_path: Path) -> None:
    text = TREE + "      permision: read_only\n"
    d = only_error(write(tmp_path, text))
    assert d.message == "unknown key `permision`" and d.hint == "did you mean `permission`?"
    assert at(d) == (8, 7)


def test_wrong_type(tmp_path: Path) -> None:
    d = only_error(
        write(
            tmp_path,
            TREE.replace(
                "users: [amy@zylker.example, bob@zylker.example]", "users: amy@zylker.example"
            ),
        )
    )
    assert d.message == "`users` should be a list, not the text `amy@zylker.example`"
    assert at(d) == (7, 14)


@pytest.mark.parametrize(
    ("snippet", "value", "noun"),
    [
        ("      permission: read_write\n", "read_write", "territory permission"),
    ],
)
def test_bad_territory_enum(tmp_path: Path, snippet: str, value: str, noun: str) -> None:
    d = only_error(write(tmp_path, TREE + snippet))
    assert d.message == f"`{value}` is not a valid {noun}"
    assert d.hint == "did you mean `read_write_delete`?"
    assert at(d) == (8, 19)


def test_bad_share_type(tmp_path: Path) -> None:
    d = only_error(write(tmp_path, "version: 1\ndata_sharing:\n  Leads: open\n"))
    assert d.message == "`open` is not a valid share type"
    assert d.hint and "private" in d.hint and at(d) == (3, 10)


RULE = """
version: 1
sharing_rules:
  Accounts:
    - name: Managers
      from: {role: Sales Manager, subordinates: true}
      to: {group: Global Managers}
      access: read
"""


def test_bad_access(tmp_path: Path) -> None:
    d = only_error(write(tmp_path, RULE.replace("access: read", "access: write")))
    assert d.message == "`write` is not a valid sharing access"
    assert at(d) == (7, 15)


def test_bad_comparator_is_an_unknown_key(tmp_path: Path) -> None:
    text = TREE + "      account_rule: {field: Billing_Country, equals: USA}\n"
    d = only_error(write(tmp_path, text))
    assert d.message == "unknown key `equals`" and d.hint == "did you mean `equal`?"
    assert at(d) == (8, 46)


def test_condition_with_two_comparators(tmp_path: Path) -> None:
    text = TREE + "      account_rule: {field: X, equal: a, not_equal: b}\n"
    d = only_error(write(tmp_path, text))
    assert "exactly one comparator (found `equal`, `not_equal`)" in d.message


def test_comparator_value_shape(tmp_path: Path) -> None:
    text = TREE + "      account_rule: {field: Amount, greater_than: [1, 2]}\n"
    d = only_error(write(tmp_path, text))
    assert d.message == "`greater_than` takes a single value, not a list"
    assert at(d) == (8, 21)


def test_territory_name_too_long(tmp_path: Path) -> None:
    name = "N" * 51
    d = only_error(write(tmp_path, TREE.replace("name: Americas", f"name: {name}")))
    assert d.message == "`name` is 51 characters long; Zoho allows at most 50"
    assert at(d) == (5, 13)


def test_description_too_long(tmp_path: Path) -> None:
    d = only_error(write(tmp_path, TREE + f"      description: {'d' * 251}\n"))
    assert d.message == "`description` is 251 characters long; Zoho allows at most 250"
    assert at(d) == (8, 20)


def test_duplicate_names_case_insensitive_within_a_file(tmp_path: Path) -> None:
    text = TREE + "    - name: AMERICAS\n"
    d = only_error(write(tmp_path, text))
    assert "territory `AMERICAS` is declared twice" in d.message
    assert at(d) == (8, 13) and d.hint == f"first declared at {tmp_path / 'org.yaml'}:5:13"


def test_duplicate_names_across_files_name_both_places(tmp_path: Path) -> None:
    write(tmp_path, TREE, "a.yaml")
    write(tmp_path, "version: 1\nterritories:\n  name: americas\n  parent: Zylker\n", "b.yaml")
    d = only_error(tmp_path)
    assert d.file.endswith("b.yaml") and at(d) == (3, 9)
    assert d.hint == f"first declared at {tmp_path / 'a.yaml'}:5:13"


def test_subtree_in_its_own_file_is_merged(tmp_path: Path) -> None:
    write(tmp_path, TREE, "a.yaml")
    write(tmp_path, "version: 1\nterritories:\n  name: EMEA\n  parent: Zylker\n", "b.yaml")
    state = load([tmp_path]).state
    emea = state.territory("emea")
    assert emea is not None and emea.parent == "Zylker"


def test_graft_to_an_undeclared_parent(tmp_path: Path) -> None:
    write(tmp_path, TREE, "a.yaml")
    write(tmp_path, "version: 1\nterritories:\n  name: EMEA\n  parent: Amerikas\n", "b.yaml")
    d = only_error(tmp_path)
    assert d.message == "`parent: Amerikas` names no declared territory"
    assert d.hint == "did you mean `Americas`?"


def test_two_roots(tmp_path: Path) -> None:
    write(tmp_path, TREE, "a.yaml")
    write(tmp_path, "version: 1\nterritories:\n  name: Other\n", "b.yaml")
    d = only_error(tmp_path)
    assert "a second root territory `Other`" in d.message


def test_root_takes_only_its_name(tmp_path: Path) -> None:
    text = TREE.replace("  name: Zylker\n", "  name: Zylker\n  permission: read_only\n")
    d = only_error(write(tmp_path, text))
    assert d.message == "the root territory takes no `permission`" and at(d) == (4, 3)


def test_previously_naming_a_declared_territory(tmp_path: Path) -> None:
    text = TREE + "    - name: EMEA\n      previously: [Americas]\n"
    d = only_error(write(tmp_path, text))
    assert d.message.startswith("`previously: Americas` is the name of a territory declared at")
    assert at(d) == (9, 20)


def test_same_user_twice_in_a_territory(tmp_path: Path) -> None:
    text = TREE.replace("bob@zylker.example]", "bob@zylker.example, Amy@Zylker.example]")
    d = only_error(write(tmp_path, text))
    assert d.message == "`Amy@Zylker.example` is listed twice in `Americas`"
    assert at(d) == (7, 55)


def test_malformed_email(tmp_path: Path) -> None:
    d = only_error(write(tmp_path, TREE.replace("manager: amy@zylker.example", "manager: amy")))
    assert d.message == "`amy` is not an email address" and at(d) == (6, 16)


def test_group_with_one_condition(tmp_path: Path) -> None:
    text = TREE + "      account_rule:\n        all:\n          - {field: X, equal: a}\n"
    d = only_error(write(tmp_path, text))
    assert d.message == "a criteria group (`all`) holds 2 to 25 conditions; this one has 1"
    assert at(d) == (9, 9)


def test_group_with_26_conditions(tmp_path: Path) -> None:
    items = "".join(f"          - {{field: F{i}, equal: a}}\n" for i in range(26))
    d = only_error(write(tmp_path, TREE + "      account_rule:\n        any:\n" + items))
    assert "holds 2 to 25 conditions; this one has 26" in d.message


def test_nested_groups_map_to_zoho_groups(tmp_path: Path) -> None:
    text = TREE + textwrap.indent(
        "account_rule:\n  all:\n    - {field: A, equal: 1}\n"
        "    - any: [{field: B, in: [x, y]}, {field: C, between: [1, 5]}]\n",
        "      ",
    )
    americas = load([write(tmp_path, text)]).state.territory("Americas")
    assert americas is not None and isinstance(americas.account_rule, Group)
    assert americas.account_rule.operator == "and"
    inner = americas.account_rule.criteria[1]
    assert isinstance(inner, Group) and inner.operator == "or"
    assert americas.account_rule.criteria[0].model_dump()["value"] == "1"  # Zoho's text


def test_rule_with_both_from_and_criteria(tmp_path: Path) -> None:
    text = RULE.replace("      to:", "      criteria: {field: A, equal: x}\n      to:")
    d = only_error(write(tmp_path, text))
    assert d.message == "a rule shares either `from` owners or by `criteria`, not both"
    assert at(d) == (4, 7)


def test_rule_with_neither_from_nor_criteria(tmp_path: Path) -> None:
    text = RULE.replace("      from: {role: Sales Manager, subordinates: true}\n", "")
    d = only_error(write(tmp_path, text))
    assert d.message == "a rule needs `from` (owners) or `criteria`"


def test_all_users_with_subordinates(tmp_path: Path) -> None:
    text = RULE.replace("{group: Global Managers}", "{all_users: true, subordinates: true}")
    d = only_error(write(tmp_path, text))
    assert d.message == "`subordinates` applies to a role, not to `all_users`"
    assert at(d) == (6, 11)


def test_duplicate_rule_names_in_a_module(tmp_path: Path) -> None:
    text = RULE + "    - name: MANAGERS\n      from: {group: X}\n      to: {all_users: true}\n"
    d = only_error(write(tmp_path, text))
    assert d.message == "sharing rule `MANAGERS` in Accounts is declared twice"
    assert at(d) == (8, 13)


def test_same_rule_name_in_two_modules_is_fine(tmp_path: Path) -> None:
    text = (
        RULE
        + "  Deals:\n    - name: Managers\n      from: {group: X}\n      to: {all_users: true}\n"
    )
    rules = load([write(tmp_path, text)]).state.sharing_rules
    assert rules is not None and set(rules) == {"Accounts", "Deals"}
    assert rules["Accounts"][0].source is not None
    assert rules["Accounts"][0].source.kind is PrincipalKind.role


def test_more_than_250_territories(tmp_path: Path) -> None:
    children = "".join(f"    - name: T{i}\n" for i in range(250))
    text = "version: 1\nterritories:\n  name: Zylker\n  children:\n" + children
    d = only_error(write(tmp_path, text))
    assert d.message == "251 territories are declared; Zoho allows at most 250 per org"


def test_unknown_module_in_data_sharing(tmp_path: Path) -> None:
    d = only_error(write(tmp_path, "version: 1\ndata_sharing:\n  Acounts: private\n"))
    assert d.message == "unknown module `Acounts`" and d.hint == "did you mean `Accounts`?"
    assert at(d) == (3, 3)


def test_unknown_module_in_sharing_rules(tmp_path: Path) -> None:
    d = only_error(write(tmp_path, RULE.replace("Accounts:", "Acount:")))
    assert d.message == "unknown module `Acount`"


def test_unsupported_version(tmp_path: Path) -> None:
    d = only_error(write(tmp_path, "version: 2\ndata_sharing: {Leads: private}\n"))
    assert d.message == "unsupported version 2" and at(d) == (1, 10)


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    text = TREE + "      permision: x\n    - name: AMERICAS\n"
    first = write(tmp_path, text, "a.yaml")
    second = write(tmp_path, "version: 1\ndata_sharing:\n  Leads: open\n", "b.yaml")
    found = errors_of(first, second)
    assert [(Path(d.file).name, d.line) for d in found] == [
        ("a.yaml", 8),
        ("a.yaml", 9),
        ("b.yaml", 3),
    ]


def test_no_yaml_files(tmp_path: Path) -> None:
    d = only_error(tmp_path)
    assert d.message == "no YAML files found"


def test_defaults_load_as_enums(tmp_path: Path) -> None:
    text = "version: 1\ndata_sharing:\n  Leads: public_read_only\n"
    defaults = load([write(tmp_path, text)]).state.data_sharing
    assert defaults == {"Leads": ShareType.public_read_only}


def test_sources_locate_names_for_later_stages(tmp_path: Path) -> None:
    config = load([write(tmp_path, TREE + "      permission: read_only\n")])
    americas = config.state.territory("Americas")
    assert americas is not None and americas.permission is Permission.read_only
    where = config.sources[("territory", "americas", "users", "bob@zylker.example")]
    assert (where.line, where.column) == (7, 35)
    assert config.sources[("territory", "americas", "manager")].line == 6


def test_documents_given_as_bytes_load_like_files(tmp_path: Path) -> None:
    # `plan --base` reads files from git: the same loader, fed (name, bytes) pairs.
    path = write(tmp_path, TREE)
    from_file = load([path])
    from_bytes = load_documents([(str(path), path.read_bytes())])
    assert from_bytes.state == from_file.state
    assert (from_bytes.files, from_bytes.digest) == (from_file.files, from_file.digest)
    assert load_documents([]).state == OrgState()  # nothing there: nothing managed


def test_bad_documents_are_reported_under_the_name_given(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_documents([("main:org/x.yaml", b"version: 1\ndata_sharing: {Leads: open}\n")])
    (found,) = caught.value.diagnostics
    assert (found.file, found.line, found.column) == ("main:org/x.yaml", 2, 23)


def test_check_document_reports_one_files_own_problems() -> None:
    graft = b"version: 1\nterritories:\n  name: Sub\n  parent: Elsewhere\n"
    assert check_document("sub.yaml", graft) == []  # the parent is another file's business
    (found,) = check_document("bad.yaml", b"version: 1\nterritories: {name: X, manger: a}\n")
    assert "manger" in found.message and found.file == "bad.yaml"


def test_special_characters_in_territory_names(tmp_path: Path) -> None:
    text = TREE.replace("name: Americas", "name: Americas & Co (old)")
    d = only_error(write(tmp_path, text))
    assert d.message == (
        "territory name `Americas & Co (old)` has characters Zoho refuses: `&` `(` `)`"
    )
    assert at(d) == (5, 13)


def test_the_root_may_keep_the_org_name_whatever_it_holds(tmp_path: Path) -> None:
    load([write(tmp_path, TREE.replace("name: Zylker", "name: Zylker & Sons"))])


def test_names_are_trimmed_as_zoho_trims_them(tmp_path: Path) -> None:
    text = TREE.replace("name: Americas", 'name: " Americas  "') + (
        "sharing_rules:\n  Accounts:\n    - name: 'Big '\n      from: {role: ' CEO'}\n"
        "      to: {all_users: true}\n"
    )
    state = load([write(tmp_path, text)]).state
    assert state.territory("Americas") is not None
    assert state.territory("Americas").name == "Americas"  # type: ignore[union-attr]
    rule = (state.sharing_rules or {})["Accounts"][0]
    assert rule.name == "Big" and rule.source is not None and rule.source.name == "CEO"


def test_records_and_realign_sections(tmp_path: Path) -> None:
    path = write(tmp_path, "records: {impact: true}\nrealign: {Accounts: full, Leads: assign}\n")
    records = load([path]).state.records
    assert records is not None and records.impact
    assert {m: mode.value for m, mode in records.realign.items()} == {
        "Accounts": "full",
        "Leads": "assign",
    }


def test_realign_only_where_records_follow_rules(tmp_path: Path) -> None:
    path = write(tmp_path, "realign:\n  Contacts: full\n  Tasks: assign\n")
    first, second = errors_of(path)
    assert (at(first), first.message) == (
        (2, 3),
        "`Contacts` records have no territory rules to realign",
    )
    assert first.hint == "contacts follow their accounts: realign Accounts"
    assert (at(second), second.message) == (
        (3, 3),
        "`Tasks` records have no territory rules to realign",
    )
    twice = write(tmp_path, "realign: {Accounts: full}\n", "again.yaml")
    (error,) = errors_of(write(tmp_path, "realign: {Accounts: assign}\n", "one.yaml"), twice)
    assert error.message == "realign for `Accounts` is declared twice"
