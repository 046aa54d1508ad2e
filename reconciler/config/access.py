"""`roles:`, `groups:` and `users:` across files -> the state's roles, groups and users' roles,
with the checks that need every file: one top role, names declared once, grafts that land,
no cycle, tombstones (`transfer_to`) that hand over to a role that stays, and the names one
section uses from another (a group's territory, a rule's group, a user's role) resolved
against what the configuration declares. Names the configuration leaves to the live org are
checked at plan time (config/names.py)."""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from dataclasses import dataclass, field

from reconciler.config.access_doc import GroupDoc, GroupsDoc, RoleDoc, SourceDoc, UserDoc
from reconciler.config.source import Location, SourceFile, SourceMap, YamlPath
from reconciler.errors import Diagnostic
from reconciler.model import (
    GroupSource,
    OrgState,
    PrincipalKind,
    Role,
    SourceKind,
    UserAccess,
    UserGroup,
    name_key,
)


@dataclass
class WrittenRole:
    doc: RoleDoc
    parent: str | None
    where: Location
    source: SourceFile
    path: YamlPath


@dataclass
class Access:
    """The access-model sections of every file, before they are merged."""

    roles: list[WrittenRole] | None = None
    groups: dict[str, tuple[GroupDoc, SourceFile, YamlPath]] | None = None
    prune: bool = False
    prune_at: Location | None = None
    users: dict[str, tuple[UserDoc, SourceFile, YamlPath]] | None = None
    diagnostics: list[Diagnostic] = field(default_factory=list)

    def add_roles(self, top: RoleDoc, source: SourceFile) -> None:
        self.roles = self.roles if self.roles is not None else []
        stack = [WrittenRole(top, top.parent, source.place(("roles", "name")), source, ("roles",))]
        while stack:
            node = stack.pop()
            self.roles.append(node)
            self._check_name_keys(node)
            for index, child in reversed(list(enumerate(node.doc.children))):
                path = (*node.path, "children", index)
                if child.parent is not None:
                    self.diagnostics.append(
                        source.key_place((*path, "parent")).error(
                            "`parent` is only allowed on the top role of a file",
                            "a nested role reports to the one it is nested under",
                        )
                    )
                where = source.place((*path, "name"))
                stack.append(WrittenRole(child, node.doc.name, where, source, path))

    def _check_name_keys(self, node: WrittenRole) -> None:
        extra = node.doc.model_fields_set - {"name", "transfer_to", "parent"}
        if node.doc.transfer_to is not None and extra:
            key = sorted(extra)[0]
            self.diagnostics.append(
                node.source.key_place((*node.path, key)).error(
                    f"role `{node.doc.name}` is deleted (`transfer_to`) and takes no `{key}`",
                    "a deleted role keeps only `name` and `transfer_to`",
                )
            )

    def add_groups(self, groups: GroupsDoc, source: SourceFile) -> None:
        self.groups = self.groups if self.groups is not None else {}
        self.prune = self.prune or groups.prune
        if groups.prune and self.prune_at is None:
            self.prune_at = source.place(("groups", "prune"))
        for index, group in enumerate(groups.items):
            path: YamlPath = ("groups", "items", index)
            first = self.groups.get(name_key(group.name))
            if first is not None:
                self.diagnostics.append(_twice(source, path, f"group `{group.name}`", first))
                continue
            self.groups[name_key(group.name)] = (group, source, path)

    def add_users(self, users: list[UserDoc], source: SourceFile) -> None:
        self.users = self.users if self.users is not None else {}
        for index, user in enumerate(users):
            path: YamlPath = ("users", index)
            first = self.users.get(user.email.casefold())
            if first is not None:
                self.diagnostics.append(_twice(source, path, f"user `{user.email}`", first))
                continue
            self.users[user.email.casefold()] = (user, source, path)


def _twice(
    source: SourceFile, path: YamlPath, what: str, first: tuple[object, SourceFile, YamlPath]
) -> Diagnostic:
    _, first_source, first_path = first
    where = source.place((*path, "name" if path[0] == "groups" else "email"))
    earlier = first_source.place((*first_path, "name" if path[0] == "groups" else "email"))
    return where.error(f"{what} is declared twice", f"first declared at {earlier}")


def finish_access(access: Access, state: OrgState, sources: SourceMap) -> OrgState:
    """`state` with the access sections added; problems go to `access.diagnostics`."""
    roles = _roles(access, sources) if access.roles is not None else None
    groups = _groups(access, sources) if access.groups is not None else None
    if access.prune_at is not None:
        sources[("groups", "prune")] = access.prune_at
    users = _users(access, sources) if access.users is not None else None
    done = state.model_copy(
        update={"roles": roles, "groups": groups, "prune_groups": access.prune, "users": users}
    )
    access.diagnostics += list(cross_references(done, sources))
    return done


def _roles(access: Access, sources: SourceMap) -> tuple[Role, ...]:
    nodes = access.roles or []
    access.diagnostics += list(check_roles(nodes))
    built = []
    for node in nodes:
        key = name_key(node.doc.name)
        sources.setdefault(("role", key), node.where)
        given = node.doc.model_fields_set - {"children", "parent", "previously"}
        for name in given:
            sources[("role", key, name)] = node.source.place((*node.path, name))
        values = {name: getattr(node.doc, name) for name in given}
        parent = None if node.doc.transfer_to is not None else node.parent
        built.append(Role(parent=parent, previously=tuple(node.doc.previously), **values))
    return tuple(built)


def check_roles(nodes: list[WrittenRole]) -> Iterator[Diagnostic]:
    """One top role, names declared once, grafts that land and make no cycle, renames that
    do not collide, tombstones that hand over to a role that stays."""
    names: dict[str, WrittenRole] = {}
    for node in nodes:
        key = name_key(node.doc.name)
        if key in names:
            yield node.where.error(
                f"role `{node.doc.name}` is declared twice (names are compared ignoring case)",
                f"first declared at {names[key].where}",
            )
        names.setdefault(key, node)
    tops = [n for n in nodes if n.parent is None and n.doc.transfer_to is None]
    for extra in tops[1:]:
        yield extra.where.error(
            f"a second top role `{extra.doc.name}`",
            f"the top role is already declared at {tops[0].where}; give this subtree a "
            "`parent:` to hang it under a role",
        )
    for node in nodes:
        yield from _graft(node, names)
        yield from _tombstone(node, names)
        for index, old in enumerate(node.doc.previously):
            if name_key(old) in names:
                where = node.source.place((*node.path, "previously", index))
                yield where.error(
                    f"`previously: {old}` is the name of a role declared at "
                    f"{names[name_key(old)].where}",
                    "a former name must not be in use; remove it from `previously`",
                )


def _graft(node: WrittenRole, names: dict[str, WrittenRole]) -> Iterator[Diagnostic]:
    if node.doc.parent is None:
        return
    where = node.source.place((*node.path, "parent"))
    parent = names.get(name_key(node.doc.parent))
    if parent is None:
        yield where.error(
            f"`parent: {node.doc.parent}` names no declared role", _close(node.doc.parent, names)
        )
        return
    seen: set[str] = set()
    current: WrittenRole | None = parent
    while current is not None and name_key(current.doc.name) not in seen:
        if current is node:
            yield where.error(
                f"`parent: {node.doc.parent}` is inside this subtree, which would make a "
                "cycle in the role tree",
                "hang the subtree under a role outside it",
            )
            return
        seen.add(name_key(current.doc.name))
        current = names.get(name_key(current.parent)) if current.parent else None


def _tombstone(node: WrittenRole, names: dict[str, WrittenRole]) -> Iterator[Diagnostic]:
    heir_name = node.doc.transfer_to
    if heir_name is None:
        return
    where = node.source.place((*node.path, "transfer_to"))
    heir = names.get(name_key(heir_name))
    if heir is None:
        yield where.error(
            f"`transfer_to: {heir_name}` names no declared role", _close(heir_name, names)
        )
    elif heir.doc.transfer_to is not None:
        yield where.error(
            f"`transfer_to: {heir_name}` is deleted in this configuration too",
            "hand the users over to a role that stays",
        )


def _close(name: str, names: dict[str, WrittenRole]) -> str:
    close = difflib.get_close_matches(name, [n.doc.name for n in names.values()], n=1)
    return f"did you mean `{close[0]}`?" if close else "declare it, or fix the name"


def _groups(access: Access, sources: SourceMap) -> tuple[UserGroup, ...]:
    built = []
    for key, (group, source, path) in (access.groups or {}).items():
        sources[("group", key)] = source.place((*path, "name"))
        for index, written in enumerate(group.sources):
            item = _source(written)
            sources.setdefault(("group", key, *item.key), source.place((*path, "sources", index)))
        values = {n: getattr(group, n) for n in group.model_fields_set - {"sources", "previously"}}
        sources_ = tuple(_source(s) for s in group.sources)
        built.append(UserGroup(previously=tuple(group.previously), sources=sources_, **values))
    return tuple(sorted(built, key=lambda g: g.key))


def _source(written: SourceDoc) -> GroupSource:
    if written.user is not None:
        return GroupSource(kind=SourceKind.user, name=written.user.casefold())
    if written.role is not None:
        return GroupSource(
            kind=SourceKind.role, name=written.role, below=bool(written.subordinates)
        )
    assert written.territory is not None
    return GroupSource(
        kind=SourceKind.territory, name=written.territory, below=bool(written.sub_territories)
    )


def _users(access: Access, sources: SourceMap) -> tuple[UserAccess, ...]:
    built = []
    for key, (user, source, path) in sorted((access.users or {}).items()):
        sources[("user", key)] = source.place((*path, "email"))
        given = user.model_fields_set - {"email"}
        for name in given:
            sources[("user", key, name)] = source.place((*path, name))
        built.append(UserAccess(email=user.email, **{n: getattr(user, n) for n in given}))
    return tuple(built)


def cross_references(state: OrgState, sources: SourceMap) -> Iterator[Diagnostic]:
    """Names one section takes from another section the configuration manages."""
    roles = {r.key: r for r in state.roles or ()} if state.roles is not None else None
    territories = None
    if state.territories is not None:
        territories = {t.key for t in state.territories}
    for group in state.groups or ():
        for item in group.sources:
            where = sources[("group", group.key, *item.key)]
            if item.kind is SourceKind.territory and territories is not None:
                if name_key(item.name) not in territories:
                    yield where.error(
                        f"group `{group.name}` draws on territory `{item.name}`, which "
                        "`territories:` does not declare",
                        "declare the territory, or fix the name",
                    )
            if item.kind is SourceKind.role and roles is not None:
                yield from _role_in_use(roles, item.name, where, f"group `{group.name}` draws on")
    for user in state.users or ():
        if user.role is not None and roles is not None:
            where = sources[("user", user.email, "role")]
            yield from _role_in_use(roles, user.role, where, f"user `{user.email}` moves to")
    yield from _rule_principals(state, roles, sources)


def _role_in_use(
    roles: dict[str, Role], name: str, where: Location, what: str
) -> Iterator[Diagnostic]:
    found = roles.get(name_key(name))
    if found is None:
        yield where.error(
            f"{what} role `{name}`, which `roles:` does not declare", "declare it, or fix the name"
        )
    elif found.deleted:
        yield where.error(
            f"{what} role `{name}`, which is deleted in this configuration "
            f"(`transfer_to: {found.transfer_to}`)",
            f"use `{found.transfer_to}`, or keep the role",
        )


def _rule_principals(
    state: OrgState, roles: dict[str, Role] | None, sources: SourceMap
) -> Iterator[Diagnostic]:
    groups = {g.key for g in state.groups or ()}
    for module, rules in (state.sharing_rules or {}).items():
        for rule in rules:
            for side, principal in (("from", rule.source), ("to", rule.target)):
                if principal is None or principal.name is None:
                    continue
                where = sources.get(("rule", module, rule.key, side))
                if where is None:
                    continue
                what = f"sharing rule `{rule.name}` shares {side}"
                if principal.kind is PrincipalKind.role and roles is not None:
                    yield from _role_in_use(roles, principal.name, where, what)
                if (
                    principal.kind is PrincipalKind.group
                    and state.prune_groups
                    and name_key(principal.name) not in groups
                ):
                    yield where.error(
                        f"{what} group `{principal.name}`, which `groups:` (with `prune: "
                        "true`) deletes",
                        "list the group under `groups:`, or share to another one",
                    )
