"""Serving the sandbox over real HTTP with uvicorn: `serve()` in the foreground (the CLI), and
`serve_in_thread()` for tests that need a socket while controlling the same `Sandbox`."""

from __future__ import annotations

import ipaddress
import logging
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn

from reconciler.sandbox.app import Host, create_app

INCOMPLETE = "ASGI callable returned without completing response."


class RemoteNotAllowed(ValueError):
    """Serving beyond loopback was asked for without `allow_remote`."""


class _DroppedCallFilter(logging.Filter):
    """A dropped call is deliberate; uvicorn's complaint about it is noise."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() != INCOMPLETE


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def base_url(host: str, port: int) -> str:
    """`http://HOST:PORT`, with an IPv6 address in brackets (`http://[::1]:8765`)."""
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def _server(
    sandbox: Host, host: str, port: int, allow_remote: bool, log_level: str
) -> uvicorn.Server:
    if not is_loopback(host) and not allow_remote:
        raise RemoteNotAllowed(
            f"refusing to serve on {host}: the sandbox accepts any client; "
            "pass allow_remote (--allow-remote) to do it anyway"
        )
    logging.getLogger("uvicorn.error").addFilter(_DroppedCallFilter())
    config = uvicorn.Config(
        create_app(sandbox),
        host=host,
        port=port,
        lifespan="off",
        http="h11",
        log_config=None,
        log_level=log_level,
        access_log=False,
    )
    return uvicorn.Server(config)


def listen(host: str, port: int) -> socket.socket:
    """The listening socket, bound now: a port in use raises `OSError` here, before anyone
    is told the sandbox is serving (uvicorn would report it later and exit 3)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # TIME_WAIT, not in use
        sock.bind((host, port))
        sock.listen(128)
    except OSError:
        sock.close()
        raise
    return sock


def serve(
    sandbox: Host,
    host: str = "127.0.0.1",
    port: int = 8765,
    allow_remote: bool = False,
    log_level: str = "info",
    sock: socket.socket | None = None,
) -> None:
    """Serve until interrupted, on `sock` when given (see `listen`)."""
    server = _server(sandbox, host, port, allow_remote, log_level)
    server.run(sockets=[sock] if sock is not None else None)


@contextmanager
def serve_in_thread(
    sandbox: Host, host: str = "127.0.0.1", port: int = 0, timeout: float = 10.0
) -> Iterator[str]:
    """Serve on a background thread (port 0 = any free port); yields the base URL."""
    server = _server(sandbox, host, port, False, "warning")
    thread = threading.Thread(target=server.run, name="sandbox-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the sandbox server did not start")
        time.sleep(0.01)
    bound = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield base_url(host, bound)
    finally:
        server.should_exit = True
        thread.join(timeout)
