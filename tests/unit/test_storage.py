"""Changes to the package are whole or nothing, and one at a time (analysis.storage)."""

from __future__ import annotations

import multiprocessing
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from analysis import storage
from analysis.cli import main
from analysis.paths import DATAPACKAGE, PROJECT_ROOT


def copy_package(folder: Path) -> Path:
    folder.mkdir(parents=True)
    shutil.copy(DATAPACKAGE, folder / "datapackage.json")
    shutil.copytree(DATAPACKAGE.parent / "data", folder / "data")
    return folder / "datapackage.json"


def files_of(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder``, by relative path."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_a_commit_replaces_every_file_and_leaves_nothing_behind(tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "a.csv").write_bytes(b"old a")
    with storage.package_lock(tmp_path):
        written = storage.commit(
            tmp_path,
            {"data/b.csv": b"new b", "data/a.csv": b"new a"},
            expected={"data/a.csv": storage.sha256_of(tmp_path / "data" / "a.csv")},
        )
    assert written == ["data/a.csv", "data/b.csv"]
    assert files_of(tmp_path) == {"data/a.csv": b"new a", "data/b.csv": b"new b"}


def test_a_file_changed_since_it_was_read_is_refused_and_nothing_is_written(tmp_path):
    (tmp_path / "a.csv").write_bytes(b"old")
    with storage.package_lock(tmp_path), pytest.raises(storage.PackageChangedOnDisk):
        storage.commit(tmp_path, {"a.csv": b"new", "b.csv": b"b"}, expected={"a.csv": "0" * 64})
    assert files_of(tmp_path) == {"a.csv": b"old"}


def test_recovery_finishes_a_decided_change_and_drops_an_undecided_one(tmp_path):
    (tmp_path / "a.csv").write_bytes(b"old a")
    (tmp_path / "b.csv").write_bytes(b"old b")
    staged_a = storage._stage(tmp_path / "a.csv", b"new a")
    staged_b = storage._stage(tmp_path / "b.csv", b"new b")
    os.replace(staged_a, tmp_path / "a.csv")  # the crash came between the two renames
    storage._write_journal(
        tmp_path, {"a.csv": staged_a.name, "b.csv": staged_b.relative_to(tmp_path).as_posix()}
    )
    assert storage.settle(tmp_path) == "completed"
    assert files_of(tmp_path) == {"a.csv": b"new a", "b.csv": b"new b"}
    orphan = storage._stage(tmp_path / "a.csv", b"never decided")
    assert orphan.name.startswith(".a.csv.") and orphan.name.endswith(".tmp")
    assert storage.settle(tmp_path) == "cleaned"
    assert files_of(tmp_path) == {"a.csv": b"new a", "b.csv": b"new b"}
    assert storage.settle(tmp_path) is None


def test_ctrl_c_before_the_change_is_decided_writes_nothing(tmp_path, monkeypatch, capsys):
    pkg = copy_package(tmp_path / "pkg")
    before = files_of(pkg.parent)

    def interrupt(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(storage, "_write_journal", interrupt)
    assert main(["generate", "--package", str(pkg), "--seed", "7"]) == 130
    assert files_of(pkg.parent) == before
    assert "gói dữ liệu giữ nguyên" in capsys.readouterr().err


def _generate_and_die_after(pkg: str, steps: int) -> None:
    """In a child: run ``generate`` and kill the process after ``steps`` writes/renames."""
    done = [0]
    real_replace, real_fsync = os.replace, os.fsync

    def counted(real):
        def wrapper(*args, **kwargs):
            result = real(*args, **kwargs)
            done[0] += 1
            if done[0] >= steps:
                os._exit(137)
            return result

        return wrapper

    storage.os.replace = counted(real_replace)
    storage.os.fsync = counted(real_fsync)
    main(["generate", "--package", pkg, "--seed", "7"])
    os._exit(0)


@pytest.mark.slow
def test_generate_killed_after_any_write_or_rename_leaves_the_package_whole(tmp_path):
    old_pkg = copy_package(tmp_path / "old")
    new_pkg = copy_package(tmp_path / "new")
    assert main(["generate", "--package", str(new_pkg), "--seed", "7"]) == 0
    old, new = files_of(old_pkg.parent), files_of(new_pkg.parent)
    assert old != new
    context = multiprocessing.get_context("fork")
    outcomes = set()
    for steps in range(1, 60):
        pkg = copy_package(tmp_path / f"kill_{steps}")
        child = context.Process(target=_generate_and_die_after, args=(str(pkg), steps))
        child.start()
        child.join(120)
        # The next command (any: validate here) finishes or undoes the change first.
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "analysis",
                "validate",
                "--skip-frictionless",
                "--package",
                str(pkg),
            ],
            capture_output=True,
            text=True,
            cwd=PROJECT_ROOT,
        )
        assert proc.returncode == 0, proc.stderr
        now = files_of(pkg.parent)
        assert now in (old, new), f"killed after {steps} steps: a mix of old and new files"
        outcomes.add("new" if now == new else "old")
        if child.exitcode == 0:  # it ran to the end: every step has been tried
            break
    else:
        pytest.fail("generate did not finish within 60 steps")
    assert outcomes == {"old", "new"}


def _bump_counter(folder: str, times: int) -> None:
    for _ in range(times):
        with storage.package_lock(Path(folder)):
            value = int((Path(folder) / "counter.csv").read_text())
            storage.commit(Path(folder), {"counter.csv": f"{value + 1}".encode()})


def test_two_writers_at_once_take_turns_and_lose_nothing(tmp_path):
    (tmp_path / "counter.csv").write_text("0")
    context = multiprocessing.get_context("fork")
    workers = [context.Process(target=_bump_counter, args=(str(tmp_path), 25)) for _ in range(2)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(120)
    assert [w.exitcode for w in workers] == [0, 0]
    assert (tmp_path / "counter.csv").read_text() == "50"
