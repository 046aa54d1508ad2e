"""The sandbox served from its own process for the benchmarks.

A server on a thread of the benchmark's own process would compete with the client for the
GIL, and the client's CPU time would show up as server latency (and the other way round).
A subprocess keeps the two apart, as Zoho and a client are. One server process serves the
whole run (`python -m bench.server --port N`): `/bench/open?db=F&settings=JSON` makes it
serve another database with `SandboxSettings` the CLI has no flags for (the territory and
member caps), `/bench/close` lets go of it so it can be copied. Everything else goes to the
sandbox's own app. The request log lives in the database, so the benchmark reads it with
`read_stats` while the server runs.
"""

from __future__ import annotations

import argparse
import atexit
import json
import os
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import uvicorn

from reconciler.sandbox import (
    BUILT_IN_CREDENTIALS,
    Sandbox,
    SandboxSettings,
    Seed,
    create_app,
    read_stats,
)
from reconciler.sandbox.app import ASGIApp, Receive, Scope, Send

ROOT = Path(__file__).resolve().parent.parent


def create(db: Path, seed: dict[str, Any]) -> None:
    """A new sandbox database holding `seed`."""
    _remove(db)
    Sandbox(db, seed=Seed.model_validate(seed)).close()


def copy(source: Path, target: Path) -> None:
    """A consistent copy of a sandbox database (SQLite's backup API, WAL included)."""
    _remove(target)
    src, dst = sqlite3.connect(source), sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()


def _remove(db: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)


@dataclass(frozen=True)
class Served:
    """One database being served: where, and how the real client reaches it."""

    db: Path
    url: str

    @property
    def env(self) -> dict[str, str]:
        client_id, secret, refresh = BUILT_IN_CREDENTIALS
        return {
            "ZOHO_API_DOMAIN": self.url,
            "ZOHO_ACCOUNTS_URL": self.url,
            "ZOHO_CLIENT_ID": client_id,
            "ZOHO_CLIENT_SECRET": secret,
            "ZOHO_REFRESH_TOKEN": refresh,
        }

    def stats(self, clear: bool = False) -> dict[str, Any]:
        """The sandbox's request log (per endpoint, peak concurrency); `clear` resets it."""
        return read_stats(self.db, clear=clear)


class _Process:
    """The server subprocess, started on first use and stopped at exit."""

    process: subprocess.Popen[bytes] | None = None
    port = 0

    @classmethod
    def url(cls) -> str:
        if cls.process is None or cls.process.poll() is not None:
            cls.start()
        return f"http://127.0.0.1:{cls.port}"

    @classmethod
    def start(cls) -> None:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            cls.port = int(sock.getsockname()[1])
        command = [sys.executable, "-m", "bench.server", "--port", str(cls.port)]
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        cls.process = subprocess.Popen(command, env=env, cwd=ROOT)
        atexit.register(cls.stop)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if cls.process.poll() is not None:
                raise RuntimeError(f"the sandbox server exited with {cls.process.returncode}")
            try:
                socket.create_connection(("127.0.0.1", cls.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        cls.stop()
        raise RuntimeError("the sandbox server did not start within 30 s")

    @classmethod
    def stop(cls) -> None:
        if cls.process is not None and cls.process.poll() is None:
            cls.process.terminate()
            try:
                cls.process.wait(10)
            except subprocess.TimeoutExpired:
                cls.process.kill()
                cls.process.wait()
        cls.process = None


def _control(url: str, path: str, **query: str) -> None:
    address = f"{url}{path}?{urllib.parse.urlencode(query)}"
    with urllib.request.urlopen(address, timeout=30) as answer:
        answer.read()


@contextmanager
def serve(db: Path, settings: dict[str, Any]) -> Iterator[Served]:
    """`db` served with `settings` on 127.0.0.1 until the block ends."""
    url = _Process.url()
    _control(url, "/bench/open", db=str(db), settings=json.dumps(settings))
    try:
        yield Served(db, url)
    finally:
        _control(url, "/bench/close")


def stop() -> None:
    """Stop the server process (it is also stopped when the benchmark exits)."""
    _Process.stop()


class Switch:
    """The ASGI app of the server process: the sandbox of the database opened last."""

    def __init__(self) -> None:
        self.sandbox: Sandbox | None = None
        self.app: ASGIApp | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] == "http" and path.startswith("/bench/"):
            query = urllib.parse.parse_qs(scope.get("query_string", b"").decode())
            self._close()
            if path == "/bench/open":
                settings = SandboxSettings(**json.loads(query["settings"][0]))
                self.sandbox = Sandbox(query["db"][0], settings=settings)
                self.app = create_app(self.sandbox)
            await send({"type": "http.response.start", "status": 200, "headers": []})
            await send({"type": "http.response.body", "body": b"ok"})
        elif self.app is not None:
            await self.app(scope, receive, send)

    def _close(self) -> None:
        if self.sandbox is not None:
            self.sandbox.close()
        self.sandbox = self.app = None


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Serve sandbox databases for the benchmarks.")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args(argv)
    config = uvicorn.Config(
        Switch(),
        host="127.0.0.1",
        port=args.port,
        lifespan="off",
        http="h11",
        log_config=None,
        log_level="warning",
        access_log=False,
    )
    uvicorn.Server(config).run()


if __name__ == "__main__":
    main()
