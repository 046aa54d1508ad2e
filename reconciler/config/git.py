"""The configuration as it was at a git revision, read with git itself, without a checkout.

`plan --base REF` compares each change with what REF's YAML asked for. The paths are the
ones given to `plan` (files, or directories expanded to their `*.yaml` / `*.yml` files the
way `config.load` does); a path absent at REF means the configuration had no such file
then. The texts go through the same loader as the working tree's, under names in git's own
`REF:path` notation, so a problem in the base reads `origin/main:org/x.yaml:3:5: error: ...`.
An environment's overlays are read at REF too, so the base is what REF asked of that org.
"""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from reconciler.config.load import Config, Document, load_documents
from reconciler.errors import GitError
from reconciler.model import OrgState

SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True)
class BaseConfig:
    """The configuration at `ref`, which named `commit`."""

    config: Config
    ref: str
    commit: str


def load_at(ref: str, paths: Sequence[Path], overlays: Sequence[Path] = ()) -> BaseConfig:
    """Load the configuration `paths` held at revision `ref` of their git repository, with
    the `overlays` (an environment's files) as they were then merged over it."""
    if not ref or ref.startswith("-"):
        raise GitError(f"`{ref}` is not a git revision")
    places = [Path(p).absolute() for p in paths]
    top = Path(_git(["rev-parse", "--show-toplevel"], _existing(places[0])).decode().strip())
    commit = _commit(ref, top)
    documents = _documents(ref, commit, places, top)
    if not documents:
        return BaseConfig(Config(OrgState(), {}, ()), ref, commit)
    patches = _documents(ref, commit, [Path(p).absolute() for p in overlays], top)
    return BaseConfig(load_documents(documents, patches), ref, commit)


def _documents(ref: str, commit: str, places: Sequence[Path], top: Path) -> list[Document]:
    return [
        (f"{ref}:{name}", _git(["cat-file", "blob", blob], top))
        for place in places
        for name, blob in _files(commit, _inside(place, top), top)
    ]


def _commit(ref: str, top: Path) -> str:
    try:
        found = _git(
            ["rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}"], top
        )
    except GitError:
        raise GitError(
            f"unknown git revision `{ref}` (in a CI checkout, fetch it first, "
            f"e.g. git fetch origin main)"
        ) from None
    return found.decode().strip()


def _files(commit: str, path: str, top: Path) -> list[tuple[str, str]]:
    """(repository path, blob id) of the YAML files `path` names at `commit`, in the order
    `config.load` would read them."""
    listing = _git(["ls-tree", "-r", "-z", "--full-tree", commit, "--", path], top)
    blobs: dict[str, str] = {}
    for entry in listing.decode().split("\0"):
        if not entry:
            continue
        meta, name = entry.split("\t", 1)
        _mode, kind, blob = meta.split()
        if kind == "blob":
            blobs[name] = blob
    if list(blobs) == [path]:
        return [(path, blobs[path])]  # a file named on the command line, whatever its suffix
    chosen = sorted(PurePosixPath(n) for n in blobs if n.endswith(SUFFIXES))
    return [(str(n), blobs[str(n)]) for n in chosen]


def _inside(place: Path, top: Path) -> str:
    try:
        relative = place.resolve().relative_to(top.resolve())
    except ValueError:
        raise GitError(f"{place} is not inside the git repository at {top}") from None
    return relative.as_posix() or "."


def _existing(place: Path) -> Path:
    """The nearest directory that exists, to run git in (a path may exist only at REF)."""
    for candidate in (place, *place.parents):
        if candidate.is_dir():
            return candidate
    return Path.cwd()


def _git(args: list[str], cwd: Path) -> bytes:
    try:
        done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, check=False)
    except OSError as exc:
        raise GitError(f"--base needs git, which could not be run: {exc.strerror}") from None
    if done.returncode != 0:
        message = done.stderr.decode(errors="replace").strip().splitlines()
        if message and "not a git repository" in message[0]:
            raise GitError(f"--base needs a git repository, and {cwd} is not in one")
        raise GitError(f"git {args[0]} failed: {message[0] if message else done.returncode}")
    return done.stdout
