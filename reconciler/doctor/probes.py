"""`reconciler doctor`: is this org ready for reconciler, and if not, what to fix.

`diagnose` makes a handful of cheap reads, each of which proves one thing, and turns every
answer (or refusal) into a `Check`: what was found and, when something is wrong, what to do.

    credentials           an access token is issued; which API domain and data centre
    org, edition          GET /org: the org, its edition and the limits that follow from it
                          (REFERENCE §10.1 credits, §10.2 calls in flight)
    scope: <family>       one read per scope family (users, territories, data sharing, sharing
                          rules, roles, groups); 401 OAUTH_SCOPE_MISMATCH names the scope
    scope: writes         the scopes the token response lists, against what apply needs
    scope: audit log      GET the audit-log export jobs, and the granted scopes: what `drift`
                          needs to say who changed what (a warning: drift works without)
    territory management  the territory read: FEATURE_NOT_ENABLED and friends mean it is off
    API credits           X-API-CREDITS-REMAINING, when Zoho sends it (§10.3)

A check fails when plan or apply cannot work until it is fixed, and warns when they can work
but something deserves attention. Nothing is written to the org.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol

from reconciler.counts import plural
from reconciler.doctor.verdict import Check, Status
from reconciler.errors import ApiError
from reconciler.zoho import wire
from reconciler.zoho.client import ZohoClient, concurrency_for_edition
from reconciler.zoho.domains import data_centre_of
from reconciler.zoho.responses import ALL_SCOPES, FEATURE_CODES
from reconciler.zoho.target import Target

# REFERENCE §10.1, current table: base credits, credits per licensed user, ceiling (None: none).
EDITION_CREDITS: dict[str, tuple[int, int, int | None]] = {
    "free": (5_000, 0, 5_000),
    "standard": (50_000, 250, 100_000),
    "starter": (50_000, 250, 100_000),
    "professional": (50_000, 500, 3_000_000),
    "enterprise": (50_000, 1_000, 5_000_000),
    "zoho_one": (50_000, 1_000, 5_000_000),
    "ultimate": (50_000, 2_000, None),
    "crm_plus": (50_000, 2_000, None),
}
TERRITORY_EDITIONS = {"enterprise", "zoho_one", "ultimate", "crm_plus"}
# What apply writes with (REFERENCE §2); reads are proven by the probes instead.
WRITE_SCOPES = (
    "ZohoCRM.settings.territories.ALL",
    "ZohoCRM.users.ALL",
    "ZohoCRM.settings.data_sharing.ALL",
)
ORG_SCOPE = "ZohoCRM.org.READ"
# What `drift` reads the audit log with (REFERENCE §2, §7.6).
AUDIT_SCOPES = (
    "ZohoCRM.settings.audit_logs.CREATE",
    "ZohoCRM.settings.audit_logs.READ",
    "ZohoFiles.files.READ",
)
LOW_CREDITS = 0.1  # warn when less than this share of the day's credits is left


class Connected(Protocol):
    """What `diagnose` needs of a connection (workflow.Connection is one)."""

    @property
    def target(self) -> Target: ...
    @property
    def client(self) -> ZohoClient: ...


@dataclass(frozen=True)
class _Probe:
    name: str
    scope: str
    read: Callable[[ZohoClient], Awaitable[Any]]
    says: Callable[[Any], str]


PROBES = (
    _Probe(
        "scope: users",
        "ZohoCRM.users.READ",
        lambda c: c.current_user(),
        lambda user: f"may read users (the token acts as {_email(user)})",
    ),
    _Probe(
        "scope: territories",
        "ZohoCRM.settings.territories.READ",
        lambda c: c.list_territories(include_criteria=False),
        lambda rows: f"may read territories ({plural(len(rows), 'territory', 'territories')})",
    ),
    _Probe(
        "scope: data sharing",
        "ZohoCRM.settings.data_sharing.READ",
        lambda c: c.get_data_sharing(),
        lambda rows: f"may read the data-sharing settings ({plural(len(rows), 'module')})",
    ),
    _Probe(
        "scope: sharing rules",
        "ZohoCRM.settings.data_sharing.READ",
        lambda c: c.rules_summary(),
        lambda rows: (
            "may read sharing rules "
            f"({plural(sum(int(r.get('rule_count') or 0) for r in rows), 'rule')})"
        ),
    ),
    _Probe(
        "scope: roles",
        "ZohoCRM.settings.roles.READ",
        lambda c: c.list_roles(),
        lambda rows: f"may read roles ({plural(len(rows), 'role')})",
    ),
    _Probe(
        "scope: groups",
        "ZohoCRM.settings.user_groups.READ",
        lambda c: c.list_groups(),
        lambda rows: f"may read user groups ({plural(len(rows), 'group')})",
    ),
)


async def diagnose(connection: Connected) -> list[Check]:
    """Every check, in a fixed order; stops after the credentials if no token is issued."""
    client, target = connection.client, connection.target
    credentials = await _credentials(client, target)
    if credentials.status is Status.fail:
        return [credentials]
    (org, org_error), audit, *probed = await asyncio.gather(
        _outcome(client.get_org()),
        _outcome(client.list_audit_exports()),
        *(_outcome(p.read(client)) for p in PROBES),
    )
    outcomes = {probe.name: outcome for probe, outcome in zip(PROBES, probed, strict=True)}
    checks = [credentials]
    checks += _org_checks(org) if org_error is None else [_refusal("org", ORG_SCOPE, org_error)]
    checks += [_probe_check(probe, outcomes[probe.name]) for probe in PROBES]
    checks.append(_write_scopes(client.session.auth.scopes))
    checks.append(_audit_scopes(audit, client.session.auth.scopes))
    checks.append(_territory_management(outcomes["scope: territories"][1], _edition(org)))
    checks.append(_credits(client.credits_remaining, _daily_credits(org)))
    return checks


# Credentials and org -------------------------------------------------------------------------


async def _credentials(client: ZohoClient, target: Target) -> Check:
    auth = client.session.auth
    try:
        await auth.token()
        domain = await client.api_domain()
    except ApiError as error:
        return Check("credentials", Status.fail, str(error))
    if target.is_sandbox:
        where = "the local sandbox's demo client"
    else:
        dc = data_centre_of(domain)
        where = f"{auth.accounts_url}; API domain {domain}"
        where += f" (data centre {dc})" if dc else " (custom server)"
    return Check("credentials", Status.ok, f"an access token was issued by {where}")


def _org_checks(org: dict[str, Any]) -> list[Check]:
    facts = wire.org_from_wire(org)
    kind = f", {facts['type']}" if facts["type"] else ""
    found = f"{facts['name'] or 'unnamed'} (org {facts['id']}{kind})"
    return [Check("org", Status.ok, found), _edition_check(org)]


def _edition_check(org: dict[str, Any]) -> Check:
    edition = _edition(org)
    if edition not in EDITION_CREDITS:
        return Check(
            "edition",
            Status.warn,
            f"unknown edition {edition or '(none given)'!r}: assuming "
            f"{concurrency_for_edition(edition)} calls in flight",
            "pass --concurrency with your edition's limit (REFERENCE §10.2) if applies are "
            "refused with 429",
        )
    users = _licensed_users(org)
    credits = _daily_credits(org)
    base, per_user, _ = EDITION_CREDITS[edition]
    formula = f"{base:,} + {users} users × {per_user:,}" if users is not None else "users unknown"
    daily = f"{credits:,}" if credits is not None else "unlimited"
    found = (
        f"{edition}: up to {concurrency_for_edition(edition)} calls in flight, "
        f"{daily} API credits a day ({formula})"
    )
    return Check("edition", Status.ok, found)


def _edition(org: dict[str, Any] | None) -> str:
    if org is None:
        return ""
    return str(wire.org_from_wire(org)["edition"]).strip().lower().replace(" ", "_")


def _licensed_users(org: dict[str, Any]) -> int | None:
    users: int | None = wire.org_from_wire(org)["users"]
    return users


def _daily_credits(org: dict[str, Any] | None) -> int | None:
    """The day's credits by REFERENCE §10.1 (add-ons aside), or None if unknown/unlimited."""
    edition = _edition(org)
    if org is None or edition not in EDITION_CREDITS:
        return None
    base, per_user, ceiling = EDITION_CREDITS[edition]
    total = base + per_user * (_licensed_users(org) or 0)
    return total if ceiling is None else min(total, ceiling)


# Scopes --------------------------------------------------------------------------------------


def _probe_check(probe: _Probe, outcome: tuple[Any, ApiError | None]) -> Check:
    value, error = outcome
    if error is None:
        return Check(probe.name, Status.ok, probe.says(value))
    if error.code in FEATURE_CODES:  # the scope was accepted; the feature is off
        return Check(probe.name, Status.ok, "granted (Territory Management is off: see below)")
    return _refusal(probe.name, probe.scope, error)


def _refusal(name: str, scope: str, error: ApiError) -> Check:
    if error.code == "OAUTH_SCOPE_MISMATCH":
        return Check(
            name,
            Status.fail,
            f"the token may not make {error.request} (401 OAUTH_SCOPE_MISMATCH)",
            f"add {scope} (or the .ALL scope of that area) to the Self Client's scopes, "
            f"generate a new refresh token and set ZOHO_REFRESH_TOKEN; {ALL_SCOPES} cover "
            "every call",
        )
    return Check(name, Status.fail, str(error))


def _write_scopes(granted: tuple[str, ...] | None) -> Check:
    if granted is None:
        return Check(
            "scope: writes",
            Status.warn,
            "the token response did not list the granted scopes",
            "make sure the Self Client has " + ", ".join(WRITE_SCOPES) + ", or apply fails",
        )
    missing = [need for need in WRITE_SCOPES if not any(grants(have, need) for have in granted)]
    if not missing:
        return Check("scope: writes", Status.ok, "apply may write everything it manages")
    return Check(
        "scope: writes",
        Status.warn,
        f"missing {', '.join(missing)}: plan works, but apply cannot make every change",
        "add them to the Self Client's scopes, generate a new refresh token and set "
        "ZOHO_REFRESH_TOKEN",
    )


def _audit_scopes(outcome: tuple[Any, ApiError | None], granted: tuple[str, ...] | None) -> Check:
    name = "scope: audit log"
    fix = (
        f"add {', '.join(AUDIT_SCOPES)} to the Self Client's scopes, generate a new refresh "
        "token and set ZOHO_REFRESH_TOKEN"
    )
    jobs, error = outcome
    if error is not None:
        said = f"{error.status} {error.code}" if error.code else str(error)
        return Check(name, Status.warn, f"drift cannot say who changed what ({said})", fix)
    missing = [s for s in AUDIT_SCOPES if not any(grants(h, s) for h in granted or (s,))]
    if missing:
        found = f"missing {', '.join(missing)}: drift is reported without who changed what"
        return Check(name, Status.warn, found, fix)
    return Check(
        name, Status.ok, f"drift may read the audit log ({plural(len(jobs), 'export job')})"
    )


def grants(granted: str, needed: str) -> bool:
    """Whether scope `granted` covers `needed`: case-insensitive, `ALL` covers every operation
    and, on a parent area (`ZohoCRM.settings.ALL`), every area below it (REFERENCE §2)."""
    have, need = granted.lower().split("."), needed.lower().split(".")
    if have[:-1] == need[:-1]:
        return have[-1] in (need[-1], "all")
    return have[-1] == "all" and need[: len(have) - 1] == have[:-1]


# Territory Management and credits -----------------------------------------------------------


def _territory_management(error: ApiError | None, edition: str) -> Check:
    name = "territory management"
    if error is None:
        return Check(name, Status.ok, "enabled")
    if error.code not in FEATURE_CODES:
        return Check(name, Status.warn, "unknown: the territory read failed (see above)")
    upgrade = (
        ""
        if not edition or edition in TERRITORY_EDITIONS
        else f" (it needs the Enterprise edition or above; this org is {edition})"
    )
    return Check(
        name,
        Status.fail,
        f"not available in this org ({error.status} {error.code})",
        "enable it in Setup > Users and Control > Territory Management" + upgrade,
    )


def _credits(remaining: int | None, daily: int | None) -> Check:
    name = "API credits"
    if remaining is None:
        return Check(
            name,
            Status.ok,
            "Zoho did not say how many are left (it does once half the day's are spent)",
        )
    of = f" of {daily:,}" if daily else ""
    found = f"{remaining:,}{of} left in the rolling 24-hour window"
    if daily and remaining < daily * LOW_CREDITS:
        fix = "a large apply may be refused with 429: wait for credits to free up first"
        return Check(name, Status.warn, found, fix)
    return Check(name, Status.ok, found)


# Helpers -------------------------------------------------------------------------------------


async def _outcome(work: Awaitable[Any]) -> tuple[Any, ApiError | None]:
    try:
        return await work, None
    except ApiError as error:
        return None, error


def _email(user: Any) -> str:
    return wire.user_from_wire(user).email if isinstance(user, dict) else "no user"
