"""The work behind `promote` and `diff --env A --env B`: two environments, each with its own
org, overlays and user mapping. Nothing here prints.

`promote` applies to the second org the change that was applied and verified in the first:
it refuses unless the first org matches the configuration, the plan applied there is the one
given (that org, this configuration), and the second org's plan is the same change modulo
ids and the user mapping (`plan.promote`). `compare_orgs` reads two orgs in the sections the
configuration manages and diffs them, emails translated to the configuration's.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reconciler.cli import workflow
from reconciler.cli.environment import load_config
from reconciler.config.environments import Environment
from reconciler.config.load import Config
from reconciler.config.mapping import emails_of, inverse
from reconciler.errors import PromotionRefused
from reconciler.live import read
from reconciler.model import OrgState, SourceKind, Territory, UserAccess, UserGroup
from reconciler.plan.build import build
from reconciler.plan.diff import diff
from reconciler.plan.file import SavedPlan
from reconciler.plan.promote import Canonical, compare, declared, emails_in
from reconciler.scope import Scope


@dataclass(frozen=True)
class Side:
    """One environment of a two-org command: its configuration (overlays merged, users
    mapped), and the emails the configuration names before mapping."""

    environment: Environment
    config: Config
    emails: frozenset[str]

    def canonical(self, more: set[str] | frozenset[str] = frozenset()) -> Canonical:
        """This org's email -> the configuration's, for `emails` and `more`."""
        if self.environment.users is None:
            return lambda email: email
        return inverse(self.environment.users, self.emails | more)


def side(paths: Sequence[Path], environment: Environment) -> Side:
    bare = Environment(environment.name, environment.where, overlays=environment.overlays)
    emails = frozenset(emails_of(load_config(paths, bare).state))
    return Side(environment, load_config(paths, environment), emails)


async def check_promotion(
    applied: SavedPlan,
    source: Side,
    source_org: workflow.Connection,
    target: Side,
    target_org: workflow.Connection,
) -> SavedPlan:
    """The target's plan, once promoting it is shown to be safe; `PromotionRefused` naming
    every reason otherwise."""
    name, to = source.environment.name, target.environment.name
    now = await workflow.make_plan(source.config, source_org)
    if not now.plan.empty:
        raise PromotionRefused(
            f"{name} does not match the configuration: apply it there and check it first",
            [f"{name} still has changes pending; see `reconciler plan --env {name}`"],
        )
    reasons = []
    if applied.target.org_id != now.target.org_id:
        reasons.append(f"the applied plan is for {applied.target.describe()}, not {name}'s org")
    if applied.config_digest != source.config.digest:
        reasons.append("the applied plan was made from another version of the configuration")
    if reasons:
        raise PromotionRefused(f"the applied plan is not {name}'s plan of this change", reasons)
    saved = await workflow.make_plan(target.config, target_org)
    # Emails only the target's plan names (members it would remove, a manager it would
    # replace) are read back through both mappings too.
    seen = emails_in(saved.plan.changes) | target.emails
    if saved.plan.empty:
        return saved  # already there: nothing to promote
    one_only = declared(source.config.state) ^ declared(target.config.state)
    difference = compare(
        applied.plan.changes,
        saved.plan.changes,
        source.canonical(seen),
        target.canonical(seen),
        shared=lambda key: key not in one_only,
    )
    if not difference.same:
        raise PromotionRefused(
            f"{to}'s plan is not the change applied to {name}:",
            [f"only in {to}: {line}" for line in difference.only_second]
            + [f"only in {name}: {line}" for line in difference.only_first],
        )
    return saved


async def compare_orgs(
    first: Side,
    first_org: workflow.Connection,
    second: Side,
    second_org: workflow.Connection,
) -> SavedPlan:
    """What would change in the second org to make it like the first, in the sections the
    configuration manages, both orgs' emails read as the configuration's."""
    scope = Scope.for_config(first.config.state)
    one, two = await read(first_org.client, scope), await read(second_org.client, scope)
    # The orgs name users the YAML does not (the root's manager): the users of an org
    # without a mapping are in the configuration's terms too.
    people = {
        user.email
        for live, side in ((one, first), (two, second))
        if side.environment.users is None
        for user in live.directory.users
    }
    canonical = first.canonical(people | second.emails)
    ours = _translated(one, canonical)
    theirs = _translated(two, second.canonical(people | first.emails))
    wanted = _managed_like(ours, first.config.state, canonical)
    plan = build(theirs, wanted, diff(theirs, wanted))
    return SavedPlan(
        plan=plan,
        target=await workflow.plan_target(second_org, theirs.directory),
        scope=scope,
    )


def _translated(state: OrgState, canonical: Callable[[str], str]) -> OrgState:
    """`state` with every email its org's: territory managers and members, the users'
    own (their roles and profiles are compared by email) and groups' user sources."""
    users = tuple(u.model_copy(update={"email": canonical(u.email)}) for u in state.directory.users)
    update: dict[str, object] = {"directory": state.directory.model_copy(update={"users": users})}
    if state.territories is not None:
        update["territories"] = tuple(_territory(t, canonical) for t in state.territories)
    if state.groups is not None:
        update["groups"] = tuple(_group(g, canonical) for g in state.groups)
    return state.model_copy(update=update)


def _group(group: UserGroup, canonical: Callable[[str], str]) -> UserGroup:
    sources = tuple(
        s.model_copy(update={"name": canonical(s.name)}) if s.kind is SourceKind.user else s
        for s in group.sources
    )
    return group.model_copy(update={"sources": sources})


def _territory(territory: Territory, canonical: Callable[[str], str]) -> Territory:
    update: dict[str, object] = {}
    if territory.manager is not None:
        update["manager"] = canonical(territory.manager)
    if territory.users is not None:
        update["users"] = tuple(sorted({canonical(u) for u in territory.users}))
    return territory.model_copy(update=update)


def _managed_like(live: OrgState, config: OrgState, canonical: Callable[[str], str]) -> OrgState:
    """The first org as a desired state: only the sections, and the members of only the
    territories, the configuration manages; its whole role tree, the groups the
    configuration lists (every group with `prune: true`), the roles and profiles of the
    users it lists (`canonical`: the first org's email -> the configuration's)."""
    managed = {t.key for t in config.territories or () if t.users is not None}
    territories = None
    if config.territories is not None:
        territories = tuple(
            t if t.key in managed else t.model_copy(update={"users": None})
            for t in live.territories or ()
        )
    defaults, rules = config.data_sharing, config.sharing_rules
    return OrgState(
        **_access_like(live, config, canonical),
        territories=territories,
        data_sharing=None
        if defaults is None
        else {m: v for m, v in (live.data_sharing or {}).items() if m in defaults},
        sharing_rules=None
        if rules is None
        else {m: v for m, v in (live.sharing_rules or {}).items() if m in rules},
    )


def _access_like(
    live: OrgState, config: OrgState, canonical: Callable[[str], str]
) -> dict[str, Any]:
    listed = {g.key for g in config.groups or ()}
    access: dict[str, Any] = {"prune_groups": config.prune_groups}
    if config.roles is not None:
        access["roles"] = live.roles
    if config.groups is not None:
        access["groups"] = tuple(
            g for g in live.groups or () if config.prune_groups or g.key in listed
        )
    if config.users is not None:
        access["users"] = tuple(_user(u, live, canonical) for u in config.users)
    return access


def _user(wanted: UserAccess, live: OrgState, canonical: Callable[[str], str]) -> UserAccess:
    """The first org's role and profile of a user the configuration lists, as far as it
    manages them."""
    email = canonical(wanted.email)
    user = live.directory.user_by_email(email)
    managed = wanted.managed_fields() - {"email"}
    values = {name: getattr(user, name) for name in managed} if user else {}
    return UserAccess(email=email, **values)
