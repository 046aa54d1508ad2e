"""Synthetic orgs for the benchmarks: a sandbox seed (users, roles, groups, modules, the root
territory only) and the desired state to roll out into it, deterministic for a seed number.

The reference size is Zoho's maximum (REFERENCE §11): 250 territories (root included) five
levels below the root, 5,000 users, 20,000 memberships at most 100 per territory, 15 sharing
rules in each of 10 modules, and data-sharing defaults for 20 modules. `reorg()` changes a
share of everything the way a quarterly reorganisation does: renames, moves, field edits,
membership reshuffles, rule edits and a few defaults.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from typing import Any

from reconciler.model import (
    DATA_SHARING_MODULES,
    Access,
    Condition,
    Criteria,
    Group,
    OrgState,
    Permission,
    Principal,
    PrincipalKind,
    ShareType,
    SharingRule,
    Territory,
    name_key,
)

DOMAIN = "zylker-bench.example"
ROOT = "Zylker Global"
RULE_MODULES = (
    "Leads",
    "Accounts",
    "Contacts",
    "Deals",
    "Tasks",
    "Events",
    "Calls",
    "Products",
    "Quotes",
    "Sales_Orders",
)
REGIONS = ("Americas", "EMEA", "APAC", "LATAM", "Nordics", "Benelux", "DACH", "Iberia")
COUNTRIES = (
    "USA Canada Mexico Brazil Argentina Chile Colombia Peru Germany France Italy Spain "
    "Portugal Netherlands Belgium Sweden Norway Denmark Finland Poland Austria Switzerland "
    "Ireland Scotland Japan Korea India China Singapore Australia Vietnam Thailand Malaysia "
    "Indonesia Philippines Egypt Kenya Nigeria Morocco Israel Turkey Greece Hungary Czechia"
).split()
CITIES = (
    "Seattle Denver Austin Boston Atlanta Chicago Miami Dallas Phoenix Toronto Montreal Calgary "
    "Monterrey Recife Curitiba Rosario Valparaiso Medellin Cusco Hamburg Munich Cologne Lyon "
    "Lille Nantes Milan Turin Naples Seville Valencia Bilbao Porto Braga Utrecht Eindhoven "
    "Antwerp Ghent Malmo Uppsala Bergen Aarhus Tampere Krakow Gdansk Graz Basel Geneva Cork "
    "Galway Glasgow Osaka Kyoto Busan Incheon Pune Chennai Kolkata Shenzhen Chengdu Perth "
    "Adelaide Brisbane Hanoi Danang Chiangmai Penang Surabaya Cebu Davao Giza Mombasa Lagos "
    "Abuja Casablanca Haifa Izmir Patras Debrecen Brno Leipzig Dresden Bremen"
).split()
AREAS = ("North", "South", "East", "West", "Central")
SEGMENTS = ("Enterprise", "Mid-Market", "SMB", "Public Sector", "Channel", "Strategic")
FIRST = (
    "Amelia Ben Carla David Erin Felix Greta Hugo Ines Jonas Kenji Lina Mohan Nora Oscar Priya "
    "Quentin Rosa Sam Tara Uma Victor Walter Xenia Yuki Zoe Aaron Bianca Chen Dara Elif Farah "
    "Gil Hana Ivan Jade Kofi Leah Mateo Nadia Omar Pia Raj Sofia Tomas Ulla Vera Wei Yara Zane"
).split()
LAST = (
    "Ortiz Fischer Mendes Kim Walsh Martin Nilsson Bernard Costa Weber Sato Wong Iyer Lee Tan "
    "Nair Roy Diaz Okafor Singh Patel Hale Byrne Mori Novak Rossi Silva Dubois Jensen Kowalski "
    "Horvat Murphy Ahmed Cohen Haddad Garcia Lopez Moreau Keller Berg Lund Virtanen Popescu "
    "Yilmaz Papadopoulos Nakamura Park Chen Gupta Reyes"
).split()
FIELDS = {  # module -> (text field, picklist field, currency field)
    "Accounts": ("Billing_Country", "Industry", "Annual_Revenue"),
    "Deals": ("Deal_Name", "Stage", "Amount"),
    "Leads": ("Country", "Lead_Source", "Annual_Revenue"),
}
GENERIC_FIELDS = ("Country", "Rating", "Amount")
SHARES = (ShareType.public_read_only, ShareType.private, ShareType.public_read_write)


@dataclass(frozen=True)
class Size:
    """How big an org is. `territories` counts the root; the others hang `depth` levels
    below it."""

    label: str
    territories: int
    users: int
    memberships: int
    depth: int = 5
    rule_modules: int = 10
    rules_per_module: int = 15
    default_modules: int = 20
    max_members: int = 100

    def scaled(self, factor: int, label: str) -> Size:
        """Every count times `factor`; rule modules and default modules are capped by how
        many modules Zoho has (10 rule modules here, 20 data-sharing modules)."""
        return replace(
            self,
            label=label,
            territories=(self.territories - 1) * factor + 1,
            users=self.users * factor,
            memberships=self.memberships * factor,
            rules_per_module=self.rules_per_module * factor,
            default_modules=min(len(DATA_SHARING_MODULES), self.default_modules * factor),
        )


REFERENCE = Size("reference", territories=250, users=5000, memberships=20000)
BASE = Size(
    "1x",
    territories=125,
    users=2500,
    memberships=10000,
    rules_per_module=8,
    default_modules=10,
)
FAST_BASE = Size(
    "1x",
    territories=8,
    users=20,
    memberships=40,
    depth=3,
    rule_modules=2,
    rules_per_module=2,
    default_modules=5,
    max_members=10,
)
FAST = Size(
    "fast",
    territories=16,
    users=40,
    memberships=90,
    depth=3,
    rule_modules=2,
    rules_per_module=3,
    default_modules=20,
    max_members=10,
)


@dataclass(frozen=True)
class Generated:
    """A synthetic org: the sandbox seed of the org before the rollout (root territory
    only, no rules, every default `private`) and the desired state to roll out."""

    size: Size
    seed: dict[str, Any]
    desired: OrgState


def generate(size: Size, seed: int = 7) -> Generated:
    rng = random.Random(seed)
    users = _users(size.users)
    regions = REGIONS[: min(len(REGIONS), level_sizes(size)[0])]
    tree = _tree(size, rng, regions)
    territories = _members(tree, users[1:], size, rng)
    desired = OrgState(
        territories=(Territory(name=ROOT, parent=None, previously=()), *territories),
        data_sharing=_defaults(size),
        sharing_rules=_rules(size, regions, rng),
    )
    return Generated(size=size, seed=_seed(users, regions, size), desired=desired)


def _users(count: int) -> list[tuple[str, str, str]]:
    """(email, first name, last name); the first user is the admin the tokens act as."""
    found: list[tuple[str, str, str]] = []
    seen: set[str] = set()
    for i in range(count):
        first, last = FIRST[i % len(FIRST)], LAST[(i // len(FIRST)) % len(LAST)]
        email = f"{first}.{last}".lower()
        n = 1
        while email in seen:
            n += 1
            email = f"{first}.{last}{n}".lower()
        seen.add(email)
        found.append((f"{email}@{DOMAIN}", first, last))
    return found


def level_sizes(size: Size) -> list[int]:
    """Territories per level below the root, widening with depth (1:4:12:16:17 at five)."""
    weights = [1, 4, 12, 16, 17][: size.depth] if size.depth <= 5 else [1] * size.depth
    total = size.territories - 1
    sizes = [max(1, round(total * w / sum(weights))) for w in weights]
    sizes[-1] += total - sum(sizes)
    return sizes


def _tree(size: Size, rng: random.Random, regions: tuple[str, ...]) -> list[Territory]:
    levels: list[list[str]] = []
    parents: dict[str, str] = {}
    used: set[str] = {name_key(ROOT)}
    for depth, count in enumerate(level_sizes(size)):
        above = levels[-1] if levels else [ROOT]
        names = []
        for i in range(count):
            parent = above[i % len(above)]
            name = _unique(_name(depth, i, parent, regions), used)
            parents[name] = parent
            names.append(name)
        levels.append(names)
    built = []
    for depth, names in enumerate(levels):
        for name in names:
            built.append(
                Territory(
                    name=name,
                    parent=parents[name],
                    permission=Permission.read_only
                    if rng.random() < 0.2
                    else Permission.read_write_delete,
                    description=f"{name}: level {depth + 1} sales territory",
                    previously=(),
                    **_criteria(depth, name, rng),
                )
            )
    return built


def _name(depth: int, i: int, parent: str, regions: tuple[str, ...]) -> str:
    if depth == 0:
        return regions[i % len(regions)] if i < len(regions) else f"Region {i + 1}"
    if depth == 1:
        return COUNTRIES[i % len(COUNTRIES)]
    if depth == 2:
        return f"{parent} {AREAS[i % len(AREAS)]}"
    if depth == 3:
        return CITIES[i % len(CITIES)]
    return f"{parent} {SEGMENTS[i % len(SEGMENTS)]}"


def _unique(name: str, used: set[str]) -> str:
    base = name[:45].rstrip()
    candidate, n = base, 1
    while name_key(candidate) in used:
        n += 1
        candidate = f"{base} {n}"
    used.add(name_key(candidate))
    return candidate


def _criteria(depth: int, name: str, rng: random.Random) -> dict[str, Criteria]:
    """Assignment rules on the upper levels: accounts by country, deals by size."""
    if depth > 2:
        return {}
    country = Condition(field="Billing_Country", comparator="in", value=(name, f"{name} Ltd"))
    revenue = Condition(
        field="Annual_Revenue", comparator="greater_than", value=str(rng.randrange(1, 50) * 10**5)
    )
    rules: dict[str, Criteria] = {
        "account_rule": Group(operator="and", criteria=(country, revenue))
    }
    if depth == 0:
        rules["deal_rule"] = Condition(
            field="Amount", comparator="greater_equal", value=str(rng.randrange(1, 9) * 10**4)
        )
    return rules


def _members(
    tree: list[Territory], users: list[tuple[str, str, str]], size: Size, rng: random.Random
) -> list[Territory]:
    """Spread `size.memberships` over the territories (at most `max_members` each); a
    territory draws from a pool of users that follows its top-level region."""
    counts = _counts(len(tree), size.memberships, size.max_members, rng)
    region_of = _regions(tree)
    regions = sorted(set(region_of.values()))
    pools = {
        r: [u[0] for k, u in enumerate(users) if k % len(regions) == i]
        for i, r in enumerate(regions)
    }
    built = []
    for territory, count in zip(tree, counts, strict=True):
        pool = pools[region_of[territory.key]]
        members = sorted(rng.sample(pool, min(count, len(pool))))
        built.append(
            territory.model_copy(
                update={"users": tuple(members), "manager": members[0] if members else None}
            )
        )
    return built


def _counts(territories: int, total: int, cap: int, rng: random.Random) -> list[int]:
    if total > territories * cap:
        raise ValueError(f"{total} memberships do not fit {territories} territories of {cap}")
    counts = [total // territories] * territories
    for i in range(total - sum(counts)):
        counts[i] += 1
    for _ in range(territories):  # shuffle some weight around, keeping the total and the cap
        a, b = rng.randrange(territories), rng.randrange(territories)
        move = min(rng.randrange(0, cap // 4 + 1), counts[a] - 1, cap - counts[b])
        if a != b and move > 0:
            counts[a] -= move
            counts[b] += move
    return counts


def _regions(tree: list[Territory]) -> dict[str, str]:
    parent = {t.key: name_key(t.parent or "") for t in tree}
    found = {}
    for t in tree:
        key = t.key
        while parent.get(key) not in (None, name_key(ROOT)):
            key = parent[key]
        found[t.key] = key
    return found


def _defaults(size: Size) -> dict[str, ShareType]:
    modules = DATA_SHARING_MODULES[: size.default_modules]
    return {m: SHARES[i % len(SHARES)] for i, m in enumerate(modules)}


def roles(regions: tuple[str, ...]) -> list[str]:
    return ["CEO", "VP Sales", "Finance", "Sales Operations", "Marketing", "Support"] + [
        f"{r} {kind}" for r in regions for kind in ("Sales Manager", "Sales")
    ]


def groups(regions: tuple[str, ...]) -> list[str]:
    return ["Global Managers", "Finance", "Sales Operations", "Marketing", "Executives"] + [
        f"{r} Team" for r in regions
    ]


def _rules(
    size: Size, regions: tuple[str, ...], rng: random.Random
) -> dict[str, tuple[SharingRule, ...]]:
    role_names, group_names = roles(regions), groups(regions)
    found: dict[str, tuple[SharingRule, ...]] = {}
    for module in RULE_MODULES[: size.rule_modules]:
        text, _, amount = FIELDS.get(module, GENERIC_FIELDS)
        pairs = [(r, g) for r in role_names for g in group_names]
        rng.shuffle(pairs)
        rules = []
        for i in range(size.rules_per_module):
            access = Access.read_write_delete if i % 4 == 3 else Access.read
            if i % 3 == 2:
                criteria = Group(
                    operator="and",
                    criteria=(
                        Condition(
                            field=text,
                            comparator="in",
                            value=(COUNTRIES[i % 40], COUNTRIES[(i + 7) % 40]),
                        ),
                        Condition(
                            field=amount, comparator="greater_than", value=str((i + 1) * 25000)
                        ),
                    ),
                )
                target = Principal(kind=PrincipalKind.group, name=group_names[i % len(group_names)])
                name = f"{module} {i + 1:02d} big {COUNTRIES[i % 40]} deals"
                rule = SharingRule(
                    name=name,
                    criteria=criteria,
                    target=target,
                    access=access,
                    superiors=i % 2 == 0,
                    active=True,
                )
            else:
                role, group = pairs[i % len(pairs)]
                source = Principal(kind=PrincipalKind.role, name=role, subordinates=i % 2 == 1)
                target = Principal(kind=PrincipalKind.group, name=group)
                rule = SharingRule(
                    name=f"{module} {i + 1:02d} {role} to {group}"[:50].rstrip(),
                    source=source,
                    target=target,
                    access=access,
                    superiors=i % 5 == 0,
                    active=True,
                )
            rules.append(rule)
        found[module] = tuple(sorted(rules, key=lambda r: r.key))
    return found


def _seed(
    users: list[tuple[str, str, str]], regions: tuple[str, ...], size: Size
) -> dict[str, Any]:
    role_list = roles(regions)
    admin = users[0][0]
    seed_users = [
        {
            "email": admin,
            "first_name": users[0][1],
            "last_name": users[0][2],
            "role": "CEO",
            "profile": "Administrator",
        }
    ]
    for i, (email, first, last) in enumerate(users[1:]):
        role = role_list[6 + 2 * (i % len(regions)) + (0 if i % 20 == 0 else 1)]
        seed_users.append({"email": email, "first_name": first, "last_name": last, "role": role})
    return {
        "org": {
            "name": ROOT,
            "edition": "enterprise",
            "domain": DOMAIN,
            "admin": admin,
            "territory_management": "enabled",
        },
        "roles": _role_tree(regions),
        "users": seed_users,
        "groups": [
            {"name": g, "sources": [{"role": role_list[k % len(role_list)]}]}
            for k, g in enumerate(groups(regions))
        ],
        "modules": [_module(m) for m in DATA_SHARING_MODULES],
        "oauth_clients": [
            {
                "client_id": "sandbox",
                "client_secret": "sandbox-secret",
                "refresh_tokens": ["sandbox-refresh"],
                "user": admin,
            }
        ],
    }


def _role_tree(regions: tuple[str, ...]) -> list[dict[str, Any]]:
    managers = [
        {"name": f"{r} Sales Manager", "children": [{"name": f"{r} Sales"}]} for r in regions
    ]
    below_ceo = [{"name": "VP Sales", "children": managers}] + [
        {"name": n} for n in ("Finance", "Sales Operations", "Marketing", "Support")
    ]
    return [{"name": "CEO", "children": below_ceo}]


def _module(name: str) -> dict[str, Any]:
    fields = FIELDS.get(name, GENERIC_FIELDS)
    types = ("text", "picklist", "currency")
    return {
        "api_name": name,
        "share_type": "private",
        "territories": name in FIELDS,
        "fields": [{"api_name": f, "type": t} for f, t in zip(fields, types, strict=True)],
    }
