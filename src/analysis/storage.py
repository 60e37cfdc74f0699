"""Changing the data package on disk: whole or nothing, one writer at a time.

Commands that change the package (``import``, ``generate``) write several CSV files. A
process killed between two renames would leave some files old and some new, a mix that may
pass validation while describing nothing that ever existed. So every change goes through
:func:`commit`, which:

1. **stages** each new file beside its target under a hidden name (``.plans.csv.<random>.tmp``)
   and flushes it to disk;
2. writes a **journal** (``.analysis-journal.json`` in the package folder) listing each target
   and its staged file, and flushes it: from this moment the change is decided;
3. **renames** the staged files over their targets, in a fixed (sorted) order;
4. removes the journal.

:func:`recover`, which every command of the toolkit runs before it reads the package, finishes
a change whose journal exists (the renames still to do) and deletes staged files that no
journal names (a change that was never decided). After a crash at any point the package is
therefore wholly old or wholly new as soon as any command has run.

One lock per package (an advisory ``flock`` on a file named after the package folder, in the
system's temporary folder) orders the commands: a command
that changes the package holds it exclusively from reading the package to the end of its
commit, so two imports at once run one after the other and neither is lost; a command that
only reads (``validate``, ``report``) holds it shared while it reads and checks, so it never
reads a change half-made.

Example:
    >>> folder = tmp_path / "pkg"; (folder / "data").mkdir(parents=True)
    >>> with package_lock(folder):
    ...     commit(folder, {"data/a.csv": b"x\\n1\\n"})
    ['data/a.csv']
    >>> (folder / "data" / "a.csv").read_bytes()
    b'x\\n1\\n'
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import signal
import tempfile
import time
from collections.abc import Iterator, Mapping
from pathlib import Path

JOURNAL = ".analysis-journal.json"
STAGED_SUFFIX = ".tmp"


class PackageBusy(RuntimeError):
    """Another command holds the package's lock for longer than the wait allows."""


class PackageChangedOnDisk(RuntimeError):
    """A file changed between the moment it was read and the commit."""


class Interrupted(KeyboardInterrupt):
    """Ctrl-C during a commit; ``written`` says whether the change was made (it is then whole)."""

    def __init__(self, written: bool):
        super().__init__("written" if written else "nothing written")
        self.written = written


def sha256_of(path: Path) -> str | None:
    """The file's SHA-256, or None when it does not exist."""
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except FileNotFoundError:
        return None


def lock_path(folder: Path) -> Path:
    """The lock file of the package in ``folder``: outside the package (a command that only
    reads it must leave it byte for byte as it was), one per package folder on this machine."""
    key = hashlib.sha256(str(Path(folder).resolve()).encode()).hexdigest()[:20]
    locks = Path(tempfile.gettempdir()) / "analysis-locks"
    locks.mkdir(mode=0o1777, exist_ok=True)
    return locks / f"{key}.lock"


@contextlib.contextmanager
def package_lock(folder: Path, *, shared: bool = False, wait: float = 600.0) -> Iterator[None]:
    """Hold the package's lock (exclusive to change it, shared to read it).

    The lock file is created in the package folder when it is missing. Waits up to ``wait``
    seconds for another command to finish, then raises :class:`PackageBusy`.
    """
    fd = os.open(lock_path(folder), os.O_RDWR | os.O_CREAT, 0o666)
    try:
        mode = fcntl.LOCK_SH if shared else fcntl.LOCK_EX
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(fd, mode | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise PackageBusy(str(folder)) from None
                time.sleep(0.05)
        yield
    finally:
        os.close(fd)  # releases the lock


def settle(folder: Path) -> str | None:
    """Take the lock briefly and :func:`recover` (what every command does first)."""
    folder = Path(folder)
    if not folder.is_dir() or not ((folder / JOURNAL).exists() or _staged_files(folder)):
        return None
    with package_lock(folder):
        return recover(folder)


def recover(folder: Path) -> str | None:
    """Finish or clean up an earlier change that did not end (call with the lock held).

    Returns:
        ``"completed"`` when a decided change was finished, ``"cleaned"`` when staged files
        of an undecided change were removed, None when there was nothing to do.
    """
    folder = Path(folder)
    journal = folder / JOURNAL
    outcome = None
    if journal.exists():
        try:
            entries = json.loads(journal.read_text(encoding="utf-8"))["files"]
        except (OSError, ValueError, KeyError):  # a journal cut short was never decided
            entries = []
        for entry in sorted(entries, key=lambda e: e["target"]):
            staged = folder / entry["staged"]
            if staged.exists():
                os.replace(staged, folder / entry["target"])
        _fsync_dirs({(folder / e["target"]).parent for e in entries} | {folder})
        journal.unlink()
        _fsync_dirs({folder})
        outcome = "completed" if entries else "cleaned"
    for staged in _staged_files(folder):
        staged.unlink()
        outcome = outcome or "cleaned"
    return outcome


def commit(
    folder: Path, files: Mapping[str, bytes], expected: Mapping[str, str | None] | None = None
) -> list[str]:
    """Replace files of the package all together (call with the exclusive lock held).

    Args:
        folder: The package folder (where ``datapackage.json`` is).
        files: Relative path -> new content.
        expected: Relative path -> the SHA-256 the file had when it was read (None: it did
            not exist); a file that changed since is refused and nothing is written.

    Returns:
        The relative paths written, sorted.

    Raises:
        PackageChangedOnDisk: a file changed since it was read.
        Interrupted: Ctrl-C; ``written`` tells whether the change was made (whole).
    """
    folder = Path(folder)
    recover(folder)
    for rel, digest in (expected or {}).items():
        if sha256_of(folder / rel) != digest:
            raise PackageChangedOnDisk(rel)
    order = sorted(files)
    staged: dict[str, Path] = {}
    try:
        for rel in order:
            staged[rel] = _stage(folder / rel, files[rel])
        _write_journal(folder, {rel: staged[rel].relative_to(folder).as_posix() for rel in order})
    except KeyboardInterrupt:
        for path in staged.values():
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
        raise Interrupted(written=False) from None
    except BaseException:
        for path in staged.values():
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
        raise
    # Decided: the renames run to the end even if Ctrl-C arrives meanwhile.
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        recover(folder)
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)
    return order


def _stage(target: Path, data: bytes) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    mode = target.stat().st_mode & 0o777 if target.exists() else 0o644
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=STAGED_SUFFIX)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    return Path(tmp)


def _write_journal(folder: Path, staged: Mapping[str, str]) -> None:
    entries = [{"target": rel, "staged": path} for rel, path in staged.items()]
    data = json.dumps({"version": 1, "files": entries}, indent=1).encode("utf-8")
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f"{JOURNAL}.", suffix=".new")
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, folder / JOURNAL)
    _fsync_dirs({folder})


def _staged_files(folder: Path) -> list[Path]:
    """Hidden staged files of the toolkit in the package folder and its resources' folders."""
    folders = {folder}
    with contextlib.suppress(OSError, ValueError, KeyError, TypeError, AttributeError):
        descriptor = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
        for res in descriptor["resources"]:
            parent = (folder / str(res.get("path", ""))).parent
            if parent.resolve().is_relative_to(folder.resolve()):
                folders.add(parent)
    found = [
        p
        for sub in folders
        for p in sub.glob(f".*{STAGED_SUFFIX}")
        if p.is_file() and p.name.count(".") >= 3
    ]
    found += [p for p in folder.glob(f"{JOURNAL}.*.new") if p.is_file()]
    return sorted(set(found))


def _fsync_dirs(folders) -> None:
    for f in folders:
        with contextlib.suppress(OSError):
            fd = os.open(f, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
