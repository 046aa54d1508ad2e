"""`reconciler sandbox ...`: serve the emulated org, reset it from a seed, read its request log.
Each command parses its options, calls one sandbox function and prints the result."""

from __future__ import annotations

import json
import socket
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import click

from reconciler.sandbox.orgs import ORG_NAME, Orgs, open_orgs
from reconciler.sandbox.sandbox import Sandbox, read_stats, reset
from reconciler.sandbox.seed import Seed, demo_seed, load_seed
from reconciler.sandbox.seed_errors import SeedError
from reconciler.sandbox.server import base_url, is_loopback, listen, serve
from reconciler.sandbox.settings import SandboxSettings
from reconciler.sandbox.store import NotASandboxDatabase

F = TypeVar("F", bound=Callable[..., Any])

DEFAULT_DB = ".reconciler/sandbox.sqlite3"
db_option = click.option(
    "--db",
    "db",
    default=DEFAULT_DB,
    show_default=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The sandbox's SQLite file (created and seeded when missing).",
)
seed_option = click.option(
    "--seed",
    "seed_file",
    type=click.Path(path_type=Path),
    help="Seed file (YAML or JSON); default: demo org.",
)


def reports_errors(command: F) -> F:
    """A bad seed or database path: the problems on stderr, exit 1, never a traceback."""

    @wraps(command)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except SeedError as error:
            click.echo(str(error), err=True)
        except NotASandboxDatabase as error:
            click.echo(f"error: {error}", err=True)
        sys.exit(1)

    return run  # type: ignore[return-value]


def _seed(path: Path | None) -> Seed:
    return load_seed(path) if path else demo_seed()


@click.group("sandbox")
def sandbox() -> None:
    """The local Zoho CRM stand-in: serve it, reset it, read its request log.

    \b
    Example:
        reconciler sandbox serve --port 8765
        reconciler sandbox reset --seed org-seed.yaml
        reconciler sandbox stats --db .reconciler/sandbox.sqlite3
    """


@sandbox.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=8765, show_default=True, type=click.IntRange(0, 65535))
@db_option
@seed_option
@click.option(
    "--org",
    "orgs",
    multiple=True,
    metavar="NAME=DB",
    callback=lambda _ctx, _param, value: _named_dbs(value),
    help="Serve several orgs on the one port (repeatable; replaces --db): each its own "
    "database, made from --seed when new, with OAuth client NAME.",
)
@click.option("--allow-remote", is_flag=True, help="Allow a host other than loopback.")
@click.option("--latency", type=click.FloatRange(min=0), default=0.0, help="Seconds per call.")
@click.option(
    "--concurrency-limit", type=click.IntRange(min=1), help="Calls in flight (429 beyond)."
)
@click.option("--credit-limit", type=click.IntRange(min=0), help="API credits per 24 hours.")
@click.option(
    "--token-lifetime",
    type=click.FloatRange(min=1),
    default=3600.0,
    show_default=True,
    help="Access-token lifetime in seconds.",
)
@click.option(
    "--recompute-seconds",
    type=click.FloatRange(min=0),
    default=1.0,
    show_default=True,
    help="Sharing-rule recomputation window per module.",
)
@click.option("--edition", help="Edition whose limits apply (default: the seed's).")
@click.option(
    "--fail-nth",
    type=click.IntRange(min=1),
    multiple=True,
    help="Answer the Nth API call with --fail-status (repeatable).",
)
@click.option(
    "--fail-endpoint",
    multiple=True,
    metavar="'METHOD PATTERN'",
    help="Answer every call matching, e.g. 'PUT /crm/v8/settings/territories/*/users', with "
    "--fail-status (repeatable).",
)
@click.option("--fail-status", type=int, default=500, show_default=True)
@click.option(
    "--drop-nth",
    type=click.IntRange(min=1),
    multiple=True,
    help="Cut the connection on the Nth API call (repeatable).",
)
@click.option("--drop-after-write", is_flag=True, help="Dropped calls commit their writes first.")
@click.option(
    "--failure-rate",
    type=click.FloatRange(0, 1),
    default=0.0,
    help="Share of calls that fail at random with --fail-status.",
)
@click.option("--failure-seed", type=int, default=0, show_default=True)
@reports_errors
def serve_command(**options: Any) -> None:
    """Serve the sandbox over HTTP; one port is both API and accounts server.

    \b
    Example:
        reconciler sandbox serve --port 8765 --db /tmp/org.sqlite3
        # then, in another terminal:
        ZOHO_API_DOMAIN=http://127.0.0.1:8765 ZOHO_ACCOUNTS_URL=http://127.0.0.1:8765 \\
        ZOHO_CLIENT_ID=sandbox ZOHO_CLIENT_SECRET=sandbox-secret \\
        ZOHO_REFRESH_TOKEN=sandbox-refresh \\
        reconciler plan examples/territories.yaml --allow-custom-domain
        reconciler sandbox serve --org staging=/tmp/staging.sqlite3 --org prod=/tmp/prod.sqlite3
    """
    host, port, seed_file = (options[k] for k in ("host", "port", "seed_file"))
    if not is_loopback(host) and not options["allow_remote"]:
        raise click.UsageError(
            f"refusing to serve on {host}: the sandbox accepts any client; "
            "pass --allow-remote to do it anyway"
        )
    dbs = options["orgs"] or {"sandbox": options["db"]}
    for db in dbs.values():
        if seed_file and db.exists():
            click.echo(
                f"sandbox: {db} exists, --seed ignored (use `reconciler sandbox reset`)", err=True
            )
    orgs = _open(options, dbs, _seed(seed_file) if seed_file else None)
    try:
        with _listening(host, port) as sock:
            _announce(orgs, dbs, host, sock.getsockname()[1])
            serve(orgs, host=host, port=port, allow_remote=options["allow_remote"], sock=sock)
    finally:
        orgs.close()


def _listening(host: str, port: int) -> socket.socket:
    """The bound socket, before anyone is told the sandbox serves: a port in use is an
    error here (uvicorn would say "serving" first, then exit 3)."""
    try:
        return listen(host, port)
    except OSError as error:
        raise click.ClickException(
            f"cannot serve on {host}:{port}: {error.strerror or error}; choose another --port"
        ) from None


def _announce(orgs: Orgs, dbs: dict[str, Path], host: str, port: int) -> None:
    click.echo(f"sandbox: serving {base_url(host, port)}", err=True)
    for name in orgs:
        click.echo(f"sandbox: org {name} (db {dbs[name]}): {_client(orgs[name])}", err=True)


def _named_dbs(given: tuple[str, ...]) -> dict[str, Path]:
    """`--org NAME=DB` values as {name: database}, each name valid and given once."""
    dbs: dict[str, Path] = {}
    for spec in given:
        name, _, db = spec.partition("=")
        if not ORG_NAME.match(name) or not db:
            raise click.BadParameter(
                f"{spec!r}: expected NAME=DB, NAME of lower-case letters, digits, - and _",
                param_hint="--org",
            )
        if name in dbs:
            raise click.BadParameter(f"org {name!r} given twice", param_hint="--org")
        dbs[name] = Path(db)
    return dbs


def _open(options: dict[str, Any], dbs: dict[str, Path], seed: Seed | None) -> Orgs:
    """The orgs to serve, faults armed on each: `--org` ones, or the one `--db` names."""
    settings = _settings(options)
    try:
        if options["orgs"]:
            orgs = open_orgs(dbs, seed or demo_seed(), settings)
        else:
            orgs = Orgs({"sandbox": Sandbox(dbs["sandbox"], settings=settings, seed=seed)})
    except (SeedError, NotASandboxDatabase):
        raise  # reported as such, with the seed's positions
    except ValueError as error:
        raise click.UsageError(str(error)) from error
    for name in orgs:
        _arm_faults(orgs[name], options)
    return orgs


def _client(org: Sandbox) -> str:
    try:
        client_id, secret, refresh = org.local_credentials()
    except SeedError:
        return "no seeded OAuth client grants every scope"
    return f"client {client_id}, secret {secret}, refresh token {refresh}"


def _settings(options: dict[str, Any]) -> SandboxSettings:
    try:
        return SandboxSettings(
            latency_s=options["latency"],
            concurrency_limit=options["concurrency_limit"],
            daily_credit_limit=options["credit_limit"],
            token_lifetime_s=options["token_lifetime"],
            rule_recompute_s=options["recompute_seconds"],
            edition=options["edition"],
        )
    except ValueError as error:
        raise click.UsageError(str(error)) from error


def _arm_faults(org: Sandbox, options: dict[str, Any]) -> None:
    status = options["fail_status"]
    for n in options["fail_nth"]:
        org.faults.fail_nth_call(n, status=status)
    for spec in options["fail_endpoint"]:
        method, _, pattern = spec.strip().partition(" ")
        if not pattern.strip():
            raise click.BadParameter("expected 'METHOD PATTERN'", param_hint="--fail-endpoint")
        org.faults.fail_endpoint(method, pattern.strip(), status=status, times=None)
    for n in options["drop_nth"]:
        org.faults.drop_nth_call(n, after_write=options["drop_after_write"])
    if options["failure_rate"]:
        org.faults.random_failures(options["failure_rate"], options["failure_seed"], status)


@sandbox.command("reset")
@db_option
@seed_option
@reports_errors
def reset_command(db: Path, seed_file: Path | None) -> None:
    """Recreate the sandbox org from a seed, dropping every change and the request log.

    \b
    Example:
        reconciler sandbox reset
        reconciler sandbox reset --db /tmp/org.sqlite3 --seed my-org-seed.yaml
    """
    reset(db, _seed(seed_file))
    click.echo(f"sandbox: reset {db}", err=True)


@sandbox.command("stats")
@db_option
@click.option("--reset", "clear", is_flag=True, help="Clear the log after printing it.")
@reports_errors
def stats_command(db: Path, clear: bool) -> None:
    """Print the request log as JSON: per-endpoint counts, credits, peak concurrency, calls.

    \b
    Example:
        reconciler sandbox stats --db .reconciler/sandbox.sqlite3
        reconciler sandbox stats --reset | jq .endpoints
    """
    if not db.exists():
        raise click.UsageError(f"no sandbox database at {db}")
    click.echo(json.dumps(read_stats(db, clear=clear), indent=2))
