"""Knobs of the emulated org: limits, timings and the switches for places where Zoho's own
sources disagree (REFERENCE §13). Every default is explained in docs/sandbox.md."""

from __future__ import annotations

from dataclasses import dataclass

AUDIT_JOB_OUTCOMES = ("finished", "failed", "stalled")

# Edition names as Zoho prints them, with the aliases its price pages use.
EDITION_ALIASES = {
    "free": "free",
    "standard": "standard",
    "starter": "standard",
    "professional": "professional",
    "enterprise": "enterprise",
    "zoho_one": "enterprise",
    "ultimate": "ultimate",
    "crm_plus": "ultimate",
}

# REFERENCE §10.2: simultaneous in-flight calls per edition.
EDITION_CONCURRENCY = {
    "free": 5,
    "standard": 10,
    "professional": 15,
    "enterprise": 20,
    "ultimate": 25,
}

# REFERENCE §10.1 (current table): base, credits per user, ceiling (None = unlimited).
EDITION_CREDITS: dict[str, tuple[int, int, int | None]] = {
    "free": (5_000, 0, 5_000),
    "standard": (50_000, 250, 100_000),
    "professional": (50_000, 500, 3_000_000),
    "enterprise": (50_000, 1_000, 5_000_000),
    "ultimate": (50_000, 2_000, None),
}


def normalise_edition(name: str) -> str:
    """Return the canonical edition for `name`; unknown names are an error, not a guess."""
    key = name.strip().lower().replace(" ", "_")
    if key not in EDITION_ALIASES:
        raise ValueError(f"unknown edition {name!r}; expected one of {sorted(EDITION_ALIASES)}")
    return EDITION_ALIASES[key]


def edition_concurrency(edition: str) -> int:
    return EDITION_CONCURRENCY[normalise_edition(edition)]


def edition_credits(edition: str, users: int) -> int | None:
    """Daily credits of an org with `users` licensed users; None means no ceiling."""
    base, per_user, ceiling = EDITION_CREDITS[normalise_edition(edition)]
    total = base + per_user * users
    return total if ceiling is None else min(total, ceiling)


@dataclass(frozen=True)
class SandboxSettings:
    """Limits and timings. `None` for a limit means "what the org's edition gives"."""

    latency_s: float = 0.0
    concurrency_limit: int | None = None
    daily_credit_limit: int | None = None
    token_lifetime_s: float = 3600.0
    rule_recompute_s: float = 1.0
    territory_cap: int = 250
    users_per_territory_cap: int = 100
    territory_batch_limit: int = 100
    # DOC says 10, OAS2 says 100: the stricter value, so a client built here works on both.
    delete_batch_limit: int = 10
    transfer_batch_limit: int = 10
    # DOC says 100, OAS2 says 200: the stricter value again.
    user_territories_batch_limit: int = 100
    territory_users_batch_limit: int = 100
    ids_limit: int = 100
    record_territory_cap: int = 10
    record_batch_limit: int = 100
    # OAS2 assignTerritoriesToRecords / removeTerritoriesFromRecords: data maxItems 10.
    territory_assign_batch_limit: int = 10
    # Zoho schedules record territory work when an org offloads it (202 SCHEDULED).
    schedule_territory_jobs: bool = False
    territory_job_s: float = 2.0
    sharing_rules_per_module_cap: int = 100
    # REFERENCE §7.3, §11: groups per create call, sources per group.
    group_batch_limit: int = 10
    group_sources_limit: int = 200
    users_batch_limit: int = 10
    # A group deletion answers SCHEDULED and completes this many seconds later; 0 = at once.
    group_deletion_s: float = 1.0
    max_body_bytes: int = 1_048_576
    mixed_batch_status: int = 207
    nested_user_results: bool = True
    edition: str | None = None
    # The audit-log export (REFERENCE §7.6): how long a job takes, how it ends (the fault
    # control: "finished", "failed", or "stalled" for a job that never finishes), the rows per
    # CSV before the download becomes a ZIP, the export's cap, how long links live, and the
    # settings areas the log covers (Zoho's coverage is unconfirmed: docs/drift.md).
    audit_export_s: float = 1.0
    audit_job_outcome: str = "finished"
    audit_rows_per_file: int = 100_000
    audit_max_entries: int = 1_000_000
    audit_link_days: float = 7.0
    audited_areas: tuple[str, ...] = ("Territories", "Data_Sharing", "Sharing_Rules")

    def __post_init__(self) -> None:
        if self.latency_s < 0 or self.rule_recompute_s < 0 or self.token_lifetime_s <= 0:
            raise ValueError("latency and recompute must be >= 0, token lifetime > 0")
        if self.mixed_batch_status not in (200, 207, 400):
            raise ValueError("mixed_batch_status must be 200, 207 or 400")
        if self.edition is not None:
            normalise_edition(self.edition)
        if self.audit_job_outcome not in AUDIT_JOB_OUTCOMES:
            raise ValueError(f"audit_job_outcome must be one of {AUDIT_JOB_OUTCOMES}")
        if self.audit_export_s < 0 or self.audit_rows_per_file < 1:
            raise ValueError("audit_export_s must be >= 0 and audit_rows_per_file >= 1")
