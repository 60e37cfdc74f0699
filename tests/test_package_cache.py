"""The validated-package cache that `report` shares with its kernels."""

from __future__ import annotations

import shutil

import pytest

import analysis.package as package_module
from analysis.package import CACHE_ENV, load_package, read_package, store_in_cache
from analysis.paths import PROJECT_ROOT

TINY = PROJECT_ROOT / "tests" / "fixtures" / "tiny_package"


@pytest.fixture
def copy(tmp_path):
    shutil.copytree(TINY, tmp_path / "pkg")
    return tmp_path / "pkg" / "datapackage.json"


def test_a_cached_package_is_used_without_parsing(copy, tmp_path, monkeypatch):
    pkg = load_package(copy)
    folder = tmp_path / "cache"
    folder.mkdir()
    store_in_cache(pkg, folder)
    monkeypatch.setenv(CACHE_ENV, str(folder))

    def no_parsing(*args, **kwargs):
        raise AssertionError("parsed although the package was cached")

    monkeypatch.setattr(package_module, "_read_resource", no_parsing)
    again, problems = read_package(copy)
    assert problems == [] and again.sha256 == pkg.sha256
    assert list(again["plans"]["activity_id"]) == list(pkg["plans"]["activity_id"])


def test_an_edited_file_is_parsed_afresh(copy, tmp_path, monkeypatch):
    pkg = load_package(copy)
    folder = tmp_path / "cache"
    folder.mkdir()
    store_in_cache(pkg, folder)
    monkeypatch.setenv(CACHE_ENV, str(folder))
    plans = copy.parent / "data" / "plans.csv"
    plans.write_text(plans.read_text(encoding="utf-8").replace(",2024,", ",2031,", 1), "utf-8")
    again, problems = read_package(copy)
    assert again.sha256 != pkg.sha256
    assert [(p.file, p.field, p.rule) for p in problems] == [("data/plans.csv", "year", "maximum")]


def test_a_corrupt_cache_entry_is_ignored(copy, tmp_path, monkeypatch):
    pkg = load_package(copy)
    folder = tmp_path / "cache"
    folder.mkdir()
    (folder / f"{pkg.sha256}.pickle").write_bytes(b"not a pickle")
    monkeypatch.setenv(CACHE_ENV, str(folder))
    again, problems = read_package(copy)
    assert problems == [] and again.sha256 == pkg.sha256
