"""The sandbox: a local emulator of the Zoho CRM v8 API subset reconciler uses, built from the
official OpenAPI files and REFERENCE.md rather than from reconciler's own model (so it cannot
share its bugs). It imports nothing from the rest of the package.

In-process (no socket)::

    sandbox = Sandbox(".reconciler/sandbox.sqlite3")
    client = httpx.AsyncClient(
        transport=SandboxTransport(sandbox), base_url="http://sandbox.invalid",
        headers={"Authorization": f"Zoho-oauthtoken {sandbox.issue_token()}"})

Served: `serve(sandbox, port=8765)`, or `with serve_in_thread(sandbox) as base_url: ...`.
Faults: `sandbox.faults.fail_nth_call(3, 500)`; limits: `sandbox.configure(latency_s=0.05)`;
the request log: `sandbox.stats()`. Several orgs behind one address, each call going to the
org whose credentials it carries: `open_orgs({"staging": "a.sqlite3", "prod": "b.sqlite3"},
demo_seed())`. See docs/sandbox.md.
"""

from reconciler.sandbox.app import create_app
from reconciler.sandbox.clock import Clock
from reconciler.sandbox.exchange import Outcome, Request
from reconciler.sandbox.faults import Fault, Faults
from reconciler.sandbox.orgs import Orgs, named_org, open_orgs
from reconciler.sandbox.sandbox import Sandbox, read_stats, reset
from reconciler.sandbox.seed import BUILT_IN_CREDENTIALS, DEMO_SEED, Seed, demo_seed, load_seed
from reconciler.sandbox.seed_errors import SeedError
from reconciler.sandbox.server import RemoteNotAllowed, base_url, serve, serve_in_thread
from reconciler.sandbox.settings import SandboxSettings
from reconciler.sandbox.store import NotASandboxDatabase
from reconciler.sandbox.transport import SandboxTransport

IN_PROCESS_URL = "http://sandbox.invalid"
DEFAULT_DB = ".reconciler/sandbox.sqlite3"

__all__ = [
    "BUILT_IN_CREDENTIALS",
    "DEFAULT_DB",
    "DEMO_SEED",
    "IN_PROCESS_URL",
    "Clock",
    "Fault",
    "Faults",
    "NotASandboxDatabase",
    "Orgs",
    "Outcome",
    "RemoteNotAllowed",
    "Request",
    "Sandbox",
    "SandboxSettings",
    "SandboxTransport",
    "Seed",
    "SeedError",
    "base_url",
    "create_app",
    "demo_seed",
    "load_seed",
    "named_org",
    "open_orgs",
    "read_stats",
    "reset",
    "serve",
    "serve_in_thread",
]
