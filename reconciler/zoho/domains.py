"""Where Zoho lives: the data centres' accounts servers and API domains (REFERENCE §1, §8.3),
and the rules for sending credentials anywhere (DESIGN §5): HTTPS always, plain HTTP only to
this machine, and a host outside Zoho's own list only when the user says so
(`allow_custom_domain`, the CLI's `--allow-custom-domain`)."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

import httpx

from reconciler import __version__
from reconciler.errors import TargetError

USER_AGENT = f"reconciler/{__version__} (config-as-code for Zoho CRM) httpx/{httpx.__version__}"

# ZOHO_DC -> (accounts server, API domain). Canada's accounts server is `zohocloud.ca`.
DATA_CENTRES: dict[str, tuple[str, str]] = {
    "us": ("https://accounts.zoho.com", "https://www.zohoapis.com"),
    "eu": ("https://accounts.zoho.eu", "https://www.zohoapis.eu"),
    "in": ("https://accounts.zoho.in", "https://www.zohoapis.in"),
    "au": ("https://accounts.zoho.com.au", "https://www.zohoapis.com.au"),
    "jp": ("https://accounts.zoho.jp", "https://www.zohoapis.jp"),
    "ca": ("https://accounts.zohocloud.ca", "https://www.zohoapis.ca"),
    "sa": ("https://accounts.zoho.sa", "https://www.zohoapis.sa"),
    "cn": ("https://accounts.zoho.com.cn", "https://www.zohoapis.com.cn"),
}
API_TLDS = ("com", "eu", "in", "com.au", "jp", "ca", "sa", "com.cn")
# Production, sandbox and developer orgs (REFERENCE §1): the API host's first label. All
# three use their data centre's accounts server, as Zoho's SDKs do.
ORG_KINDS = {"production": "www", "sandbox": "sandbox", "developer": "developer"}
API_HOSTS = frozenset(f"{kind}.zohoapis.{tld}" for kind in ORG_KINDS.values() for tld in API_TLDS)
ACCOUNTS_HOSTS = frozenset(
    str(urlsplit(accounts).hostname) for accounts, _ in DATA_CENTRES.values()
)


def is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_api_domain(url: str, allow_custom: bool, source: str = "ZOHO_API_DOMAIN") -> str:
    """The API domain as `scheme://host[:port]`, or TargetError saying why it is refused."""
    return _check(url, "API domain", source, API_HOSTS, allow_custom)


def check_accounts_url(url: str, allow_custom: bool, source: str = "ZOHO_ACCOUNTS_URL") -> str:
    return _check(url, "accounts server", source, ACCOUNTS_HOSTS, allow_custom)


def _check(url: str, what: str, source: str, known: frozenset[str], allow_custom: bool) -> str:
    parts = urlsplit(url.strip())
    host = parts.hostname or ""
    if parts.scheme not in ("http", "https") or not host:
        raise TargetError(
            f"the {what} {url!r} (from {source}) is not an http(s) URL; "
            "give it as https://host, e.g. https://www.zohoapis.eu"
        )
    if parts.username or parts.password or parts.query or parts.fragment:
        raise TargetError(
            f"the {what} {url!r} (from {source}) must be just scheme://host[:port], "
            "without credentials, query or fragment"
        )
    if parts.scheme == "http" and not is_loopback(host):
        raise TargetError(
            f"the {what} {url!r} (from {source}) uses plain HTTP; reconciler sends OAuth "
            "tokens over HTTPS only, except to this machine (localhost, 127.0.0.1, ::1). "
            "Use its https:// address"
        )
    if host.lower() not in known and not allow_custom:
        raise TargetError(
            f"the {what} {url!r} (from {source}) is not one of Zoho's own domains, so "
            "reconciler will not send credentials there; if this is intended (a served "
            "sandbox, a proxy), pass --allow-custom-domain"
        )
    return f"{parts.scheme}://{parts.netloc}"


def data_centre_of(api_domain: str) -> str | None:
    """The data centre whose API domain this is (sandbox and developer orgs included)."""
    host = (urlsplit(api_domain).hostname or "").lower()
    if host not in API_HOSTS:
        return None
    tld = host.split(".zohoapis.", 1)[1]
    return next(dc for dc, (_, api) in DATA_CENTRES.items() if api.endswith(f".zohoapis.{tld}"))


def api_domain_of(dc: str, kind: str = "production") -> str:
    """The API domain of a data centre's production, sandbox or developer orgs."""
    _, production = DATA_CENTRES[dc]
    return production.replace("://www.", f"://{ORG_KINDS[kind]}.", 1)
