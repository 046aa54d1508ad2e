"""Small literal states for table tests: a territory, a rule, an org with a directory."""

from __future__ import annotations

from typing import Any

from reconciler.model import (
    DATA_SHARING_MODULES,
    Condition,
    Directory,
    Named,
    OrgState,
    Principal,
    PrincipalKind,
    SharingRule,
    Territory,
    User,
)

EMAILS = ("amy", "bob", "cid", "dee", "eve", "fay", "gus", "hal", "ivy", "jon")


def user(name: str) -> str:
    return f"{name}@zylker.example"


DIRECTORY = Directory(
    users=tuple(User(id=f"90{i}", email=user(n), name=n.title()) for i, n in enumerate(EMAILS))
    + (User(id="999", email=user("old"), status="inactive"),),
    roles=(Named(id="r1", name="CEO"), Named(id="r2", name="Sales Manager")),
    groups=(Named(id="g1", name="Global Managers"), Named(id="g2", name="Finance")),
    modules=tuple(Named(id=f"m{i}", name=m) for i, m in enumerate(DATA_SHARING_MODULES)),
    current_user="900",
)


def live_t(name: str, parent: str | None = None, **fields: Any) -> Territory:
    """A live territory: every field stated, as the reader returns them."""
    values: dict[str, Any] = {
        "manager": None,
        "permission": "read_write_delete",
        "description": None,
        "users": (),
        "account_rule": None,
        "deal_rule": None,
        "lead_rule": None,
        "id": f"t-{name.lower().replace(' ', '-')}",
    }
    values.update(fields)
    if values["users"] is not None:
        values["users"] = tuple(user(u) if "@" not in u else u for u in values["users"])
    return Territory(name=name, parent=parent, **values)


def want(name: str, parent: str | None = None, **fields: Any) -> Territory:
    """A desired territory: only the fields given are managed."""
    if "users" in fields and fields["users"] is not None:
        fields["users"] = tuple(user(u) if "@" not in u else u for u in fields["users"])
    return Territory(name=name, parent=parent, **fields)


def rule(name: str, **fields: Any) -> SharingRule:
    values: dict[str, Any] = {"to": Principal(kind=PrincipalKind.group, name="Finance")}
    if "criteria" not in fields and "source" not in fields:
        values["from"] = Principal(kind=PrincipalKind.role, name="CEO")
    values.update(fields)
    if "source" in values:
        values["from"] = values.pop("source")
    if "target" in values:
        values["to"] = values.pop("target")
    return SharingRule(name=name, **values)


def live_rule(name: str, **fields: Any) -> SharingRule:
    base = {"access": "read", "superiors": False, "active": True, "id": f"s-{name.lower()}"}
    return rule(name, **{**base, **fields})


def cond(field: str, **comparator: Any) -> Condition:
    ((name, value),) = comparator.items()
    return Condition(field=field, comparator=name.rstrip("_"), value=value)


def org(*territories: Territory, **sections: Any) -> OrgState:
    return OrgState(territories=territories or None, directory=DIRECTORY, **sections)
