"""Write a seed into an empty store. Everything goes in with `executemany` inside one
transaction, so a benchmark org (5,000 users, 250 territories, 20,000 memberships) loads in
well under a second."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from reconciler.sandbox.seed import Seed, SeedGroup, SeedRole, SeedTerritory
from reconciler.sandbox.seed_errors import Problem, SeedError
from reconciler.sandbox.store import mark_initialised, new_ids, set_meta
from reconciler.sandbox.territory_names import api_name_for, name_key

DEFAULT_RECORD_CAPS = {"Deals": 1}
ROOT_DESCRIPTION = "Organization Parent Territory"


# A group source's kind -> its lookup table and the `type` the API prints (REFERENCE §7.3).
SOURCE_TABLES = {"user": "users", "role": "roles", "territory": "territories", "group": "groups"}


@dataclass
class _Names:
    """Name -> id lookups built while loading, for cross-references (which `check_seed` has
    checked before anything is written)."""

    profiles: dict[str, str] = field(default_factory=dict)
    roles: dict[str, str] = field(default_factory=dict)
    users: dict[str, str] = field(default_factory=dict)
    groups: dict[str, str] = field(default_factory=dict)
    territories: dict[str, str] = field(default_factory=dict)
    group_ids: list[str] = field(default_factory=list)

    def get(self, kind: str, key: str) -> str:
        table: dict[str, str] = getattr(self, kind)
        return table[key.lower()]


def populate(db: sqlite3.Connection, seed: Seed, now: float) -> None:
    names = _Names()
    _org(db, seed, now)
    set_meta(db, "seed", seed.source or "")
    _profiles(db, seed, names)
    _roles(db, seed, names)
    _users(db, seed, names, now)
    set_meta(db, "admin_user", admin_user(seed, names))
    _modules(db, seed)
    _groups(db, seed, names, now)
    _territories(db, seed, names, now)
    _records(db, seed, names, now)
    _clients(db, seed, names)
    mark_initialised(db)


def _org(db: sqlite3.Connection, seed: Seed, now: float) -> None:
    org = seed.org
    set_meta(db, "org", org.model_dump_json())
    set_meta(db, "id_prefix", str(org.id_prefix))
    set_meta(db, "org_id", new_ids(db, 1)[0])
    set_meta(db, "territory_management", org.territories_state())
    set_meta(db, "created_at", repr(now))


def _profiles(db: sqlite3.Connection, seed: Seed, names: _Names) -> None:
    ids = new_ids(db, len(seed.profiles))
    rows = [
        (pid, p.name, p.description, int(p.custom), int(p.admin), n)
        for n, (pid, p) in enumerate(zip(ids, seed.profiles, strict=True), 1)
    ]
    db.executemany("INSERT INTO profiles VALUES (?, ?, ?, ?, ?, ?)", rows)
    names.profiles.update({p.name.lower(): pid for pid, p in zip(ids, seed.profiles, strict=True)})


def _walk_roles(roles: list[SeedRole], parent: str | None) -> Iterator[tuple[SeedRole, str | None]]:
    for role in roles:
        yield role, parent
        yield from _walk_roles(role.children, role.name)


def _roles(db: sqlite3.Connection, seed: Seed, names: _Names) -> None:
    flat = list(_walk_roles(seed.roles, None))
    ids = new_ids(db, len(flat))
    names.roles.update({role.name.lower(): rid for rid, (role, _) in zip(ids, flat, strict=True)})
    rows = [
        (
            rid,
            role.name,
            names.get("roles", parent) if parent else None,
            role.description,
            int(role.share_with_peers),
            n,
        )
        for n, (rid, (role, parent)) in enumerate(zip(ids, flat, strict=True), 1)
    ]
    db.executemany("INSERT INTO roles VALUES (?, ?, ?, ?, ?, ?)", rows)


def _users(db: sqlite3.Connection, seed: Seed, names: _Names, now: float) -> None:
    ids = new_ids(db, len(seed.users))
    names.users.update({u.email.lower(): uid for uid, u in zip(ids, seed.users, strict=True)})
    rows = []
    for n, (uid, user) in enumerate(zip(ids, seed.users, strict=True), 1):
        boss = names.get("users", user.reports_to) if user.reports_to else None
        rows.append(
            (
                uid,
                str(70_000_000 + n),
                user.email,
                user.first_name,
                user.last_name,
                user.status,
                int(user.confirmed),
                names.get("roles", user.role),
                names.get("profiles", user.profile),
                boss,
                now,
                now,
                n,
            )
        )
    db.executemany("INSERT INTO users VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)", rows)


def _modules(db: sqlite3.Connection, seed: Seed) -> None:
    ids = new_ids(db, len(seed.modules))
    for n, (mid, mod) in enumerate(zip(ids, seed.modules, strict=True), 1):
        cap = mod.record_territory_cap or DEFAULT_RECORD_CAPS.get(mod.api_name)
        db.execute(
            "INSERT INTO modules VALUES (?,?,?,?,?,?,?,?,?,0,?)",
            (
                mid,
                mod.api_name,
                mod.singular or mod.api_name.rstrip("s"),
                mod.plural or mod.api_name,
                mod.share_type,
                int(mod.public_in_portals),
                int(mod.sharing_rules),
                int(mod.territories),
                cap,
                n,
            ),
        )
        field_ids = new_ids(db, len(mod.fields))
        db.executemany(
            "INSERT INTO fields VALUES (?,?,?,?,?,?)",
            [
                (fid, mod.api_name, f.api_name, f.label or f.api_name.replace("_", " "), f.type, i)
                for i, (fid, f) in enumerate(zip(field_ids, mod.fields, strict=True), 1)
            ],
        )


def _groups(db: sqlite3.Connection, seed: Seed, names: _Names, now: float) -> None:
    ids = new_ids(db, len(seed.groups))
    names.groups.update({g.name.lower(): gid for gid, g in zip(ids, seed.groups, strict=True)})
    names.group_ids = ids
    for n, (gid, group) in enumerate(zip(ids, seed.groups, strict=True), 1):
        db.execute(
            "INSERT INTO groups VALUES (?,?,?,?,?)", (gid, group.name, group.description, now, n)
        )
    # Sources come after every group exists; territory sources after territories (below).
    for gid, group in zip(ids, seed.groups, strict=True):
        _group_sources(db, gid, group, names, kinds=("user", "role", "group"))


def _group_sources(
    db: sqlite3.Connection, gid: str, group: SeedGroup, names: _Names, kinds: tuple[str, ...]
) -> None:
    rows = []
    for n, src in enumerate(group.sources, 1):
        kind, ref = _source_ref(src.model_dump())
        if kind in kinds:
            table = SOURCE_TABLES[kind]
            rows.append((gid, table, names.get(table, ref), int(src.subordinates), n))
    db.executemany("INSERT INTO group_sources VALUES (?,?,?,?,?)", rows)


def _source_ref(src: dict[str, Any]) -> tuple[str, str]:
    return next((kind, src[kind]) for kind in SOURCE_TABLES if src[kind])


def _territories(db: sqlite3.Connection, seed: Seed, names: _Names, now: float) -> None:
    root = SeedTerritory(
        name=seed.org.name,
        permission_type="read_only",
        description=ROOT_DESCRIPTION,
        users=seed.root_users,
        children=seed.territories,
    )
    flat = list(_walk_territories([root], None))
    ids = new_ids(db, len(flat))
    names.territories.update({t.name.lower(): tid for tid, (t, _) in zip(ids, flat, strict=True)})
    admin = admin_user(seed, names)
    rows = [
        _territory_row(tid, terr, parent, names, admin, now, n)
        for n, (tid, (terr, parent)) in enumerate(zip(ids, flat, strict=True), 1)
    ]
    marks = ", ".join(f":{key}" for key in rows[0])
    db.executemany(f"INSERT INTO territories ({', '.join(rows[0])}) VALUES ({marks})", rows)
    members = [
        (tid, names.get("users", email))
        for tid, (terr, _) in zip(ids, flat, strict=True)
        for email in terr.users
    ]
    db.executemany(
        "INSERT INTO territory_users VALUES (?, ?, ?)",
        [(tid, uid, n) for n, (tid, uid) in enumerate(members, 1)],
    )
    for gid, group in zip(names.group_ids, seed.groups, strict=True):
        _group_sources(db, gid, group, names, kinds=("territory",))


def _territory_row(
    tid: str,
    terr: SeedTerritory,
    parent: str | None,
    names: _Names,
    admin: str,
    now: float,
    seq: int,
) -> dict[str, object]:
    """One territory's columns; the root (no parent) is managed by the org's admin."""
    manager = names.get("users", terr.manager) if terr.manager else None
    return {
        "id": tid,
        "name": terr.name,
        "name_key": name_key(terr.name),
        "api_name": api_name_for(terr.name),
        "parent_id": names.get("territories", parent) if parent else None,
        "manager_id": manager if parent or manager else admin,
        "permission_type": terr.permission_type,
        "description": terr.description,
        "created_by": admin,
        "modified_by": admin,
        "created_time": now,
        "modified_time": now,
        "seq": seq,
    }


def _walk_territories(
    items: list[SeedTerritory], parent: str | None
) -> Iterator[tuple[SeedTerritory, str | None]]:
    for terr in items:
        yield terr, parent
        yield from _walk_territories(terr.children, terr.name)


# Seed keys of a record that are not fields: who owns it, what it is assigned to, and the
# records it looks up (by the linked record's name: Account_Name, or a contact's Email).
RECORD_KEYS = ("owner", "territories", "rule_territories", "account", "contact")
LINKS = {"account": ("Accounts", "Account_Name"), "contact": ("Contacts", "Contact_Name")}


def _records(db: sqlite3.Connection, seed: Seed, names: _Names, now: float) -> None:
    """Records in bulk (thousands per module load in a blink). Ids are handed out first, in
    seed order, so `account:` and `contact:` may name a record anywhere in the seed."""
    admin = admin_user(seed, names)
    ids = {module: new_ids(db, len(records)) for module, records in seed.records.items()}
    linked = {
        module: _labels(seed.records.get(module, []), ids.get(module, []))
        for module in ("Accounts", "Contacts")
    }
    rows: list[tuple[Any, ...]] = []
    assigned: list[tuple[Any, ...]] = []
    for module, records in seed.records.items():
        for n, (rid, record) in enumerate(zip(ids[module], records, strict=True), 1):
            data = {k: v for k, v in record.items() if k not in RECORD_KEYS}
            for key, (target, field_name) in LINKS.items():
                if record.get(key):
                    found = linked[target].get(str(record[key]).casefold())
                    if found is None:
                        where = ("records", module, n - 1, key)
                        raise SeedError([Problem(where, f"unknown {key} {record[key]!r}")])
                    data[field_name] = {"id": found[0], "name": found[1]}
            owner = names.get("users", record["owner"]) if record.get("owner") else admin
            rows.append((module, rid, json.dumps(data), owner, now, now, n))
            for how, key in (("manually", "territories"), ("automatically", "rule_territories")):
                for name in record.get(key) or []:
                    territory = names.get("territories", name)
                    by = owner if how == "manually" else None  # the owner assigned it
                    assigned.append((module, rid, territory, len(assigned) + 1, how, by, now))
    db.executemany("INSERT INTO records VALUES (?,?,?,?,?,?,?)", rows)
    db.executemany("INSERT OR IGNORE INTO record_territories VALUES (?,?,?,?,?,?,?)", assigned)


def _labels(records: list[dict[str, Any]], ids: list[str]) -> dict[str, tuple[str, str]]:
    """What `account:` / `contact:` match: an account's name, a contact's email."""
    found: dict[str, tuple[str, str]] = {}
    for rid, record in zip(ids, records, strict=True):
        label = str(record.get("Account_Name") or record.get("Email") or rid)
        found[label.casefold()] = (
            rid,
            str(record.get("Account_Name") or record.get("Last_Name") or label),
        )
    return found


def _clients(db: sqlite3.Connection, seed: Seed, names: _Names) -> None:
    for client in seed.oauth_clients:
        user = names.get("users", client.user) if client.user else admin_user(seed, names)
        db.execute(
            "INSERT INTO oauth_clients VALUES (?,?,?,?)",
            (client.client_id, client.client_secret, user, json.dumps(client.scopes)),
        )
        for token in client.refresh_tokens:
            granted = client.scopes if token.scopes is None else token.scopes
            db.execute(
                "INSERT INTO refresh_tokens VALUES (?,?,?)",
                (token.token, client.client_id, json.dumps(granted)),
            )


def admin_user(seed: Seed, names: _Names) -> str:
    """The user tokens act as: `org.admin`, else the first user with an admin profile."""
    if seed.org.admin:
        return names.get("users", seed.org.admin)
    admins = {p.name.lower() for p in seed.profiles if p.admin}
    for user in seed.users:
        if user.profile.lower() in admins:
            return names.get("users", user.email)
    return names.get("users", seed.users[0].email)
