"""Which org to talk to, from the environment only (DESIGN §1): never from YAML, so a pull
request cannot redirect a CI token.

* No `ZOHO_*` variable set: the local sandbox, which only the CLI chooses
  (`reconciler.cli.target`), so that the library never picks the emulator.
* `ZOHO_CLIENT_ID`, `ZOHO_CLIENT_SECRET`, `ZOHO_REFRESH_TOKEN` and `ZOHO_DC`
  (us eu in au jp ca sa cn; us when unset): Zoho's accounts server of that data centre, and
  the API domain its token response names.
* The three credentials with `ZOHO_API_DOMAIN` + `ZOHO_ACCOUNTS_URL` instead of `ZOHO_DC`:
  a custom server such as a served sandbox. A host outside Zoho's own domains needs
  `allow_custom_domain` (the CLI's `--allow-custom-domain`); plain HTTP only to loopback.

Every problem is a `TargetError` naming the variable to fix.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from reconciler.errors import TargetError
from reconciler.zoho.auth import Auth, Credentials
from reconciler.zoho.domains import (
    DATA_CENTRES,
    api_domain_of,
    check_accounts_url,
    check_api_domain,
)

CREDENTIALS = ("ZOHO_CLIENT_ID", "ZOHO_CLIENT_SECRET", "ZOHO_REFRESH_TOKEN")
CUSTOM = ("ZOHO_API_DOMAIN", "ZOHO_ACCOUNTS_URL")
VARIABLES = (*CREDENTIALS, "ZOHO_DC", *CUSTOM)


@dataclass(frozen=True)
class Target:
    """A resolved org: where to get tokens, where to call, and with what.

    `api_domain` is None when the token response decides it (a Zoho data centre). `transport`
    is the in-process sandbox's, or None for real HTTP. `sandbox` is the in-process `Sandbox`
    object (for its stats and faults), kept untyped so this module need not import it.
    """

    label: str
    accounts_url: str
    api_domain: str | None
    credentials: Credentials = field(repr=False)
    data_centre: str | None = None
    is_sandbox: bool = False
    allow_custom_domain: bool = False
    transport: httpx.AsyncBaseTransport | None = field(default=None, repr=False, compare=False)
    sandbox: Any = field(default=None, repr=False, compare=False)

    def auth(self, **options: Any) -> Auth:
        """An `Auth` for this target; `options` go to its constructor (sleep, clock, ...)."""
        return Auth(
            self.credentials,
            self.accounts_url,
            api_domain=self.api_domain,
            allow_custom_domain=self.allow_custom_domain,
            transport=self.transport,
            **options,
        )

    def close(self) -> None:
        """Release the in-process sandbox's database, if any."""
        if self.sandbox is not None:
            self.sandbox.close()


def zoho_target(env: Mapping[str, str], *, allow_custom_domain: bool = False) -> Target:
    """A Zoho (or custom) target from `ZOHO_*` variables; TargetError says what is wrong."""
    missing = [name for name in CREDENTIALS if not env.get(name, "").strip()]
    if missing:
        raise TargetError(
            f"{', '.join(missing)} {'is' if len(missing) == 1 else 'are'} not set: a Zoho org "
            f"needs all of {', '.join(CREDENTIALS)} (from a Self Client in the Zoho API "
            "console). Unset every ZOHO_* variable to use the local sandbox instead"
        )
    credentials = Credentials(*(env[name].strip() for name in CREDENTIALS))
    custom = [name for name in CUSTOM if env.get(name, "").strip()]
    if custom:
        return _custom(env, custom, credentials, allow_custom_domain)
    dc = env.get("ZOHO_DC", "").strip().lower() or "us"
    if dc not in DATA_CENTRES:
        raise TargetError(
            f"ZOHO_DC={env.get('ZOHO_DC')!r} is not a Zoho data centre; use one of "
            f"{' '.join(DATA_CENTRES)} (the one in your Zoho accounts URL, e.g. eu for "
            "accounts.zoho.eu, ca for accounts.zohocloud.ca)"
        )
    accounts, api_domain = DATA_CENTRES[dc]
    return Target(
        label=f"Zoho CRM {api_domain} (data centre {dc})",
        accounts_url=accounts,
        api_domain=None,
        credentials=credentials,
        data_centre=dc,
        allow_custom_domain=allow_custom_domain,
    )


def _custom(
    env: Mapping[str, str], given: list[str], credentials: Credentials, allow: bool
) -> Target:
    if len(given) != len(CUSTOM):
        lacking = next(name for name in CUSTOM if name not in given)
        raise TargetError(
            f"{given[0]} is set but {lacking} is not: a custom server needs both "
            f"{' and '.join(CUSTOM)}; for a Zoho data centre unset both and set ZOHO_DC"
        )
    if env.get("ZOHO_DC", "").strip():
        raise TargetError(
            "ZOHO_DC and ZOHO_API_DOMAIN/ZOHO_ACCOUNTS_URL are both set; use ZOHO_DC for a "
            "Zoho data centre or the two URLs for a custom server, not both"
        )
    api_domain = check_api_domain(env["ZOHO_API_DOMAIN"], allow)
    accounts = check_accounts_url(env["ZOHO_ACCOUNTS_URL"], allow)
    return Target(
        label=f"Zoho CRM {api_domain} (custom server)",
        accounts_url=accounts,
        api_domain=api_domain,
        credentials=credentials,
        allow_custom_domain=allow,
    )


@dataclass(frozen=True)
class Place:
    """Where a named environment's org is: a data centre and the kind of org there, or a
    custom server (`api_domain` + `accounts_url`)."""

    dc: str | None = None
    kind: str = "production"
    api_domain: str | None = None
    accounts_url: str | None = None


KIND_WORDS = {"production": "", "sandbox": ", Zoho sandbox org", "developer": ", developer org"}


def environment_target(
    name: str,
    variables: tuple[str, str, str],
    env: Mapping[str, str],
    place: Place,
    *,
    allow_custom_domain: bool = False,
) -> Target:
    """The org of environment `name`, its credentials read from the variables it names.
    A sandbox or developer org is called at its own API domain whatever the token response
    says; a production org at the one the token response names."""
    missing = [variable for variable in variables if not env.get(variable, "").strip()]
    if missing:
        raise TargetError(
            f"environment {name}: {', '.join(missing)} {'is' if len(missing) == 1 else 'are'} "
            "not set (reconciler.toml names these variables for its credentials)"
        )
    credentials = Credentials(*(env[variable].strip() for variable in variables))
    if place.dc is None:
        source = f"environment {name}"
        api_domain = check_api_domain(str(place.api_domain), allow_custom_domain, source)
        accounts = check_accounts_url(str(place.accounts_url), allow_custom_domain, source)
        label = f"Zoho CRM {api_domain} (environment {name}, custom server)"
        return Target(label, accounts, api_domain, credentials, None, False, allow_custom_domain)
    accounts, _ = DATA_CENTRES[place.dc]
    shown = api_domain_of(place.dc, place.kind)
    label = f"Zoho CRM {shown} (environment {name}{KIND_WORDS[place.kind]}, data centre {place.dc})"
    fixed = None if place.kind == "production" else shown
    return Target(label, accounts, fixed, credentials, place.dc, False, allow_custom_domain)
