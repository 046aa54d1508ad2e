"""Guardrails: the `policies:` a plan and the desired state must pass (docs/safety.md).

Each policy has one check. A finding names the policy and the object that breaks it, at the
place in the YAML where that object is written (or, for what the YAML does not hold, such as
a territory about to be deleted, at the policy itself). `deny` findings stop `plan --out` and
`apply`; `warn` findings are shown. Pure: the checks read the desired state, the live state
the plan was made against, and the plan.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Literal

from reconciler.config.load import Policy
from reconciler.config.source import Location, SourceMap
from reconciler.errors import Diagnostic, PolicyDenied
from reconciler.model import Access, Frozen, OrgState, PrincipalKind, ShareType, name_key
from reconciler.plan.build import Plan
from reconciler.plan.diff import depths

WIDTH = {share: rank for rank, share in enumerate(ShareType)}  # private narrowest


class Finding(Frozen):
    """A policy broken: which, how strongly, by what, and where."""

    policy: str
    enforce: Literal["deny", "warn"]
    message: str
    file: str
    line: int
    column: int

    def __str__(self) -> str:
        level = "error" if self.enforce == "deny" else "warning"
        return f"{self.file}:{self.line}:{self.column}: {level}: policy `{self.policy}`: " + (
            self.message
        )

    def diagnostic(self) -> Diagnostic:
        return Diagnostic(
            self.file, self.line, self.column, f"policy `{self.policy}`: {self.message}"
        )


@dataclass(frozen=True)
class Facts:
    """What the checks look at."""

    desired: OrgState
    live: OrgState
    plan: Plan


Broken = Iterator[tuple[Location, str]]


def check(policies: tuple[Policy, ...], facts: Facts, sources: SourceMap) -> tuple[Finding, ...]:
    """Every finding of every policy, in the order the policies are written."""
    found = []
    for policy in policies:
        for where, message in CHECKS[policy.doc.check](policy, facts, sources):
            found.append(
                Finding(
                    policy=policy.doc.name,
                    enforce=policy.doc.enforce,
                    message=message,
                    file=where.file,
                    line=where.line,
                    column=where.column,
                )
            )
    return tuple(found)


def refuse_denied(findings: tuple[Finding, ...]) -> None:
    """Raise `PolicyDenied` naming every `deny` finding, if there is one."""
    denied = [f.diagnostic() for f in findings if f.enforce == "deny"]
    if denied:
        raise PolicyDenied(denied)


def _data_sharing(policy: Policy, facts: Facts, sources: SourceMap) -> Broken:
    limits = policy.doc.data_sharing_at_most or {}
    for module, share in sorted((facts.desired.data_sharing or {}).items()):
        widest = limits.get(module, limits.get("*"))
        if widest is not None and WIDTH[share] > WIDTH[widest]:
            where = sources.get(("data_sharing", module)) or policy.place()
            yield where, f"{module} is `{share.value}`, wider than `{widest.value}`"


def _all_users_rwd(policy: Policy, facts: Facts, sources: SourceMap) -> Broken:
    for module, rules in sorted((facts.desired.sharing_rules or {}).items()):
        for rule in rules:
            everyone = rule.target.kind is PrincipalKind.all_users
            if everyone and rule.access is Access.read_write_delete:
                where = sources.get(("rule", module, rule.key, "to")) or policy.place()
                said = f"sharing rule `{rule.name}` ({module})"
                yield where, f"{said} grants all users read_write_delete"


def _manager_is_member(policy: Policy, facts: Facts, sources: SourceMap) -> Broken:
    for territory in facts.desired.territories or ():
        if territory.is_root:
            continue
        where = sources.get(("territory", territory.key, "manager")) or sources.get(
            ("territory", territory.key)
        )
        if territory.manager is None:
            yield where or policy.place(), f"territory `{territory.name}` has no manager"
        elif territory.users is not None and territory.manager not in territory.users:
            yield (
                where or policy.place(),
                f"the manager of `{territory.name}`, {territory.manager}, is not one of its users",
            )


def _max_deletes(policy: Policy, facts: Facts, sources: SourceMap) -> Broken:
    limit = policy.doc.max_deletes or 0
    gone = [f"territory `{c.name}`" for c in facts.plan.changes.territories if c.action == "delete"]
    gone += [
        f"sharing rule `{r.name}` ({r.module})"
        for r in facts.plan.changes.rules
        if r.action == "delete"
    ]
    if len(gone) > limit:
        yield (
            policy.key_place("max_deletes"),
            f"the plan deletes {len(gone)} objects, more than {limit}: {', '.join(gone)}",
        )


def _max_removed(policy: Policy, facts: Facts, sources: SourceMap) -> Broken:
    written = policy.doc.max_memberships_removed
    existing = sum(len(t.users or ()) for t in facts.live.territories or ())
    if isinstance(written, str):
        limit = int(existing * float(written.rstrip("%")) / 100)
        said = f"{written} of {existing}, i.e. {limit}"
    else:
        limit = written or 0
        said = str(limit)
    summary = facts.plan.summary
    removed = summary.members_removed + summary.members_dropped
    if removed > limit:
        yield (
            policy.key_place("max_memberships_removed"),
            f"the plan removes {removed} memberships, more than {said}",
        )


def _max_depth(policy: Policy, facts: Facts, sources: SourceMap) -> Broken:
    limit = policy.doc.max_depth or 0
    territories = facts.desired.territories or ()
    depth = depths(territories)
    for territory in territories:
        if depth[territory.key] > limit:
            where = sources.get(("territory", territory.key)) or policy.place()
            said = f"territory `{territory.name}` is at depth {depth[territory.key]}"
            yield where, f"{said}, deeper than {limit}"


def _protected(policy: Policy, facts: Facts, sources: SourceMap) -> Broken:
    deleted = {c.key: c.name for c in facts.plan.changes.territories if c.action == "delete"}
    for index, name in enumerate(policy.doc.protected or ()):
        if name_key(name) in deleted:
            yield policy.place("protected", index), f"the plan deletes territory `{name}`"


CHECKS: dict[str, Callable[[Policy, Facts, SourceMap], Broken]] = {
    "data_sharing_at_most": _data_sharing,
    "no_read_write_delete_for_all_users": _all_users_rwd,
    "manager_is_member": _manager_is_member,
    "max_deletes": _max_deletes,
    "max_memberships_removed": _max_removed,
    "max_depth": _max_depth,
    "protected": _protected,
}
