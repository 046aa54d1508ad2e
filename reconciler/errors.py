"""The one exception tree. Library code raises these; only `cli.py` turns them into
messages and exit codes.

    ReconcilerError
    ├── ConfigError           bad YAML: every problem at once, each with file:line:col
    │   ├── UnresolvedNames   names only the live org can resolve (unknown email, role, group)
    │   └── PolicyDenied      a `deny` policy the plan or the desired state breaks
    ├── TargetError           where to talk to is wrong (credentials, data centre, domain)
    ├── GitError              `plan --base`: no git, not a repository, an unknown revision
    ├── PlanFileError         a saved plan that is unreadable, tampered with or too new
    ├── StalePlan             the org changed since the plan was made (names each object)
    ├── UnsafePlan            deletes beyond the safety thresholds without --allow-deletes
    ├── PromotionRefused      `promote`: the orgs are not where promoting is safe (names why)
    ├── SnapshotError         a snapshot that is unreadable or of another org
    ├── ScopeError            `--target`/`--exclude` that name nothing, or cut a dependency
    ├── ApiError              Zoho (or the network) said no; keeps Zoho's code, message, details
    │   ├── AuthError         credentials refused, token expired and not refreshable, scope
    │   ├── RateLimited       429 / concurrency / credits: retryable, retries ran out
    │   ├── Unavailable       5xx, dropped connections, timeouts: retryable, retries ran out
    │   ├── BadResponse       the server answered something that is not Zoho's JSON
    │   ├── Rejected          a terminal 4xx: retrying cannot help
    │   └── AuditLogUnavailable  an audit-log export failed, never finished or was refused
    └── ApplyError            an apply finished with failed or skipped operations
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


class ReconcilerError(Exception):
    """Base of every error the tool raises on purpose."""


@dataclass(frozen=True, order=True)
class Diagnostic:
    """One problem in a config file, at a position a user can jump to.

    `line` and `column` are 1-based; 0 means "the whole file".
    """

    file: str
    line: int
    column: int
    message: str
    hint: str | None = field(default=None, compare=False)

    @property
    def where(self) -> str:
        """`FILE:LINE:COL`, or `FILE` alone for the whole file: editors' problem matchers
        read `FILE:0:0` as a position that does not exist."""
        if not self.line:
            return self.file
        return (
            f"{self.file}:{self.line}:{self.column}" if self.column else f"{self.file}:{self.line}"
        )

    def __str__(self) -> str:
        text = f"{self.where}: error: {self.message}"
        return f"{text} ({self.hint})" if self.hint else text


class ConfigError(ReconcilerError):
    """The configuration is invalid; `diagnostics` lists every problem found."""

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        self.diagnostics = sorted(diagnostics)
        count = len(self.diagnostics)
        super().__init__(f"{count} error{'s' if count != 1 else ''} in the configuration")


class UnresolvedNames(ConfigError):
    """The configuration names users, roles, groups or fields the live org does not have."""


class PolicyDenied(ConfigError):
    """A `deny` policy is broken: each diagnostic names the policy and the offending object."""


class TargetError(ReconcilerError):
    """The target org cannot be used as configured (credentials, data centre, domain)."""


class GitError(ReconcilerError):
    """The configuration at a git revision cannot be read (`plan --base`)."""


class PlanFileError(ReconcilerError):
    """A saved plan file cannot be used: unreadable, altered, or from another version."""


class StalePlan(ReconcilerError):
    """The live org changed since the plan was made; `changed` names each object."""

    def __init__(self, changed: list[str]) -> None:
        self.changed = changed
        super().__init__(
            f"the org changed since the plan was made ({len(changed)} object"
            f"{'s' if len(changed) != 1 else ''}); run plan again"
        )


class UnsafePlan(ReconcilerError):
    """The plan deletes more than the safety thresholds allow."""

    def __init__(self, reasons: list[str]) -> None:
        self.reasons = reasons
        super().__init__("; ".join(reasons))


class PromotionRefused(ReconcilerError):
    """`promote` found the source org or the target's plan not as promotion needs them."""

    def __init__(self, summary: str, reasons: list[str]) -> None:
        self.reasons = reasons
        super().__init__("\n".join([summary, *(f"  {reason}" for reason in reasons)]))


class SnapshotError(ReconcilerError):
    """A snapshot cannot be rolled back to: unreadable, damaged, or of another org."""


class ScopeError(ReconcilerError):
    """A scoped plan (`--target`/`--exclude`) names nothing, or would cut a dependency."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))


class ApiError(ReconcilerError):
    """Zoho, or the way to it, refused a request. Carries Zoho's own code and message."""

    retryable = False

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        status: int | None = None,
        details: Any = None,
        request: str | None = None,
    ) -> None:
        self.code = code
        self.status = status
        self.details = details
        self.request = request
        super().__init__(message)


class AuthError(ApiError):
    """Credentials were refused, a scope is missing, or the token could not be refreshed."""


class RateLimited(ApiError):
    """Zoho said 429 (credits or concurrency) and retries ran out."""

    retryable = True


class Unavailable(ApiError):
    """5xx, dropped connections or timeouts, and retries ran out."""

    retryable = True


class BadResponse(ApiError):
    """The server's answer was not the JSON Zoho sends."""


class Rejected(ApiError):
    """A terminal refusal (4xx): retrying the same request cannot succeed."""


class AuditLogUnavailable(ApiError):
    """An audit-log export job failed, did not finish in time, or could not be scheduled:
    drift is then reported without attribution."""


class ApplyError(ReconcilerError):
    """An apply ended with failed or skipped operations; `report` says which."""

    def __init__(self, message: str, report: Any = None) -> None:
        self.report = report
        super().__init__(message)
