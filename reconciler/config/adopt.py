"""`reconciler adopt`: rewrite the YAML so that it says what the org has, for the drifted
objects only, in place. Pure: (files, the drift plan's changes, the live org) -> new texts.

Each change of a drift plan is undone on the YAML side rather than in the org: a field takes
the org's value, a territory renamed in the org takes its new name, members added or removed
there are added to or removed from `users` (the others keep their order), a territory or rule
only in the org is written where it belongs, one gone from the org is removed, a default takes
the org's value. Everything else in the files stays as it was, comments included: the files go
through the `fmt` machinery (`fmt.rewrite`), so they come out in its layout.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq

from reconciler.config.export import field_yaml, rule_yaml, territory_yaml
from reconciler.config.fmt import rewrite
from reconciler.config.load import Document
from reconciler.model import OrgState, SharingRule, Territory, name_key
from reconciler.plan.diff import Changes, MemberChange, RuleChange, TerritoryChange

YAML_RULE_KEYS = {"source": "from", "target": "to"}


@dataclass(frozen=True)
class Adopted:
    """A file and its text before and after adopting."""

    name: str
    before: str
    after: str

    @property
    def changed(self) -> bool:
        return self.before != self.after


@dataclass
class _Place:
    """Where a territory or rule is written: its mapping, the list holding it, which file."""

    node: CommentedMap
    siblings: CommentedSeq | None
    document: int


@dataclass
class _Index:
    """The loaded documents, and where each territory and rule is in them."""

    documents: list[CommentedMap]
    territories: dict[str, _Place] = field(default_factory=dict)
    rules: dict[tuple[str, str], _Place] = field(default_factory=dict)


def adopt(documents: Sequence[Document], changes: Changes, live: OrgState) -> list[Adopted]:
    """Every file with the drift written into it (unchanged files included, `changed`
    false). Two passes: the first finds where everything is, the second edits."""
    loaded: list[CommentedMap] = []

    def capture(data: CommentedMap) -> None:
        loaded.append(data)

    for name, raw in documents:
        rewrite(name, raw, capture)
    index = _index(loaded)
    edits = list(_edits(index, changes, live))
    results = []
    for number, (name, raw) in enumerate(documents):
        mine = [edit for doc, edit in edits if doc == number]
        before = raw.decode("utf-8-sig")
        if not mine:
            results.append(Adopted(name, before, before))
            continue
        after = rewrite(name, raw, _applying(mine))
        results.append(Adopted(name, before, after))
    return results


Edit = Callable[["_Locator"], None]


@dataclass
class _Locator:
    """The freshly loaded document an edit works on, indexed like the first pass."""

    index: _Index
    number: int


def _applying(edits: list[Edit]) -> Callable[[CommentedMap], None]:
    """The edits of one file, made on it as `rewrite` loads it again."""

    def apply(data: CommentedMap) -> None:
        index = _index([data])
        for edit in edits:
            edit(_Locator(index, 0))

    return apply


def _index(documents: list[CommentedMap]) -> _Index:
    index = _Index(documents)
    for number, document in enumerate(documents):
        tree = document.get("territories")
        if isinstance(tree, CommentedMap):
            for node, siblings in _walk(tree, None):
                index.territories[name_key(str(node.get("name", "")))] = _Place(
                    node, siblings, number
                )
        rules = document.get("sharing_rules")
        if isinstance(rules, CommentedMap):
            for module, items in rules.items():
                for item in items if isinstance(items, CommentedSeq) else ():
                    key = (module, name_key(str(item.get("name", ""))))
                    index.rules[key] = _Place(item, items, number)
    return index


def _walk(node: CommentedMap, siblings: CommentedSeq | None) -> Iterator[tuple[CommentedMap, Any]]:
    yield node, siblings
    children = node.get("children")
    if isinstance(children, CommentedSeq):
        for child in children:
            if isinstance(child, CommentedMap):
                yield from _walk(child, children)


def _document_of_section(index: _Index, section: str) -> int:
    for number, document in enumerate(index.documents):
        if section in document:
            return number
    return 0


def _edits(index: _Index, changes: Changes, live: OrgState) -> Iterator[tuple[int, Edit]]:
    """(file number, edit) for every change; an edit finds its node again by name."""
    added = sorted((c for c in changes.territories if c.action == "delete"), key=lambda c: c.depth)
    for change in changes.territories:
        if change.action == "update":
            place = index.territories.get(change.key)
            if place is not None:
                yield place.document, _territory_update(change)
        elif change.action == "create":
            place = index.territories.get(change.key)
            if place is not None and place.siblings is not None:
                yield place.document, _removal(_territory_at(change.key))
    for change in added:
        parent = index.territories.get(name_key(change.parent or ""))
        if parent is not None and change.live is not None:
            yield parent.document, _territory_addition(change.parent or "", change.live)
    for member in changes.members:
        place = index.territories.get(name_key(member.territory))
        if place is not None and not member.new_territory:
            yield place.document, _members(member)
    for default in changes.defaults:
        if default.before is not None:
            number = _document_of_section(index, "data_sharing")
            yield number, _default(default.module, default.before.value)
    for rule in changes.rules:
        edit = _rule(rule, index)
        if edit is not None:
            yield edit


def _territory_update(change: TerritoryChange) -> Edit:
    def edit(at: _Locator) -> None:
        node = at.index.territories[change.key].node
        for fc in change.fields:
            node[fc.field] = field_yaml(fc.field, fc.before)
        if change.renamed_from is not None:
            node["name"] = change.renamed_from
        if change.moved_from is not None:
            _move(at.index, change.key, change.moved_from)

    return edit


def _move(index: _Index, key: str, parent: str) -> None:
    place, target = index.territories[key], index.territories.get(name_key(parent))
    if target is None or place.siblings is None:
        return
    place.siblings.remove(place.node)
    _children(target.node).append(place.node)


def _children(node: CommentedMap) -> CommentedSeq:
    if not isinstance(node.get("children"), CommentedSeq):
        node["children"] = CommentedSeq()
    children: CommentedSeq = node["children"]
    return children


def _territory_at(key: str) -> Callable[[_Index], _Place]:
    return lambda index: index.territories[key]


def _removal(find: Callable[[_Index], _Place]) -> Edit:
    """Take a territory or rule out of the list that holds it, with what is below it."""

    def edit(at: _Locator) -> None:
        place = find(at.index)
        if place.siblings is not None:
            place.siblings.remove(place.node)

    return edit


def _territory_addition(parent: str, territory: Territory) -> Edit:
    def edit(at: _Locator) -> None:
        node = territory_yaml(territory)
        _children(at.index.territories[name_key(parent)].node).append(node)
        at.index.territories[territory.key] = _Place(node, None, at.number)

    return edit


def _members(change: MemberChange) -> Edit:
    def edit(at: _Locator) -> None:
        node = at.index.territories[name_key(change.territory)].node
        users = node.get("users")
        if not isinstance(users, CommentedSeq):
            return
        gone = {name_key(u) for u in change.added}  # in the YAML, not in the org
        for user in [u for u in users if name_key(str(u)) in gone]:
            users.remove(user)
        users.extend(sorted(change.removed))  # in the org, not in the YAML

    return edit


def _default(module: str, value: str) -> Edit:
    def edit(at: _Locator) -> None:
        defaults = at.index.documents[0].get("data_sharing")
        if isinstance(defaults, CommentedMap):
            defaults[module] = value

    return edit


def _rule(change: RuleChange, index: _Index) -> tuple[int, Edit] | None:
    key = (change.module, name_key(change.name))
    place = index.rules.get(key)
    if change.action == "delete" and change.live is not None:
        number = place.document if place else _document_of_section(index, "sharing_rules")
        return number, _rule_addition(change.module, change.live)
    if place is None:
        return None
    if change.action == "create":
        return place.document, _removal(lambda index: index.rules[key])
    return place.document, _rule_update(key, change)


def _rule_update(key: tuple[str, str], change: RuleChange) -> Edit:
    def edit(at: _Locator) -> None:
        node = at.index.rules[key].node
        assert change.live is not None
        written = rule_yaml(change.live)
        for fc in change.fields:
            name = YAML_RULE_KEYS.get(fc.field, fc.field)
            if name in written:
                node[name] = written[name]
            else:
                node.pop(name, None)
        if change.activation is not None:
            node["active"] = change.live.active

    return edit


def _rule_addition(module: str, rule: SharingRule) -> Edit:
    def edit(at: _Locator) -> None:
        rules = at.index.documents[0].setdefault("sharing_rules", CommentedMap())
        items = rules.setdefault(module, CommentedSeq())
        items.append(rule_yaml(rule))

    return edit
