"""Shared fixtures: a private copy of the data package, and helpers to break one cell of it.

Row numbers follow frictionless (and :class:`analysis.errors.Problem`): the header is row 1,
the first data row is row 2. Rows are always found by their content, never by position, so
the tests keep working while the bundled package gains illustrative rows.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from helpers.package_files import (
    BUNDLED_DATAPACKAGE,
    PROJECT_ROOT,
    Rows,
    _append_row,
    _edit_csv,
    _edit_descriptor,
    _find_row,
    _get_row,
    _set_cell,
    read_rows,
    resource_file,
)


@pytest.fixture
def package_copy(tmp_path: Path) -> Path:
    """A private copy of ``datapackage.json`` and its CSV files; returns the copied descriptor."""
    target = tmp_path / "datapackage.json"
    shutil.copyfile(BUNDLED_DATAPACKAGE, target)
    descriptor = json.loads(target.read_text(encoding="utf-8"))
    for res in descriptor["resources"]:
        dest = tmp_path / res["path"]
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(PROJECT_ROOT / res["path"], dest)
    return target


@pytest.fixture
def csv_file() -> Callable[[Path, str], Path]:
    """``csv_file(pkg_path, resource)``: the resource's CSV path in that package."""
    return resource_file


@pytest.fixture
def csv_rows() -> Callable[[Path, str], Rows]:
    """``csv_rows(pkg_path, resource)``: the CSV's rows as strings, header first."""
    return read_rows


@pytest.fixture
def edit_csv() -> Callable[[Path, str, Callable[[Rows], Rows | None]], None]:
    """``edit_csv(pkg_path, resource, fn)``: rewrite one CSV through ``fn(rows)``."""
    return _edit_csv


@pytest.fixture
def find_row() -> Callable[..., int]:
    """``find_row(pkg_path, resource, field=value, ...)``: row number (header = 1) of a row."""
    return _find_row


@pytest.fixture
def get_row() -> Callable[[Path, str, int], dict[str, str]]:
    """``get_row(pkg_path, resource, row)``: the row as a dict of strings."""
    return _get_row


@pytest.fixture
def set_cell() -> Callable[[Path, str, int, str, str], None]:
    """``set_cell(pkg_path, resource, row, field, value)``: change one cell."""
    return _set_cell


@pytest.fixture
def append_row() -> Callable[[Path, str, dict[str, str]], int]:
    """``append_row(pkg_path, resource, values)``: add a row; returns its row number."""
    return _append_row


@pytest.fixture
def edit_descriptor() -> Callable[[Path, Callable[[dict], dict | None]], None]:
    """``edit_descriptor(pkg_path, fn)``: rewrite the copy's ``datapackage.json``."""
    return _edit_descriptor
