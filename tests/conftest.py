"""Shared fixtures: a private copy of the data package, and helpers to break one cell of it.

Row numbers follow frictionless (and :class:`analysis.errors.Problem`): the header is row 1,
the first data row is row 2. Rows are always found by their content, never by position, so
the tests keep working while the bundled package gains illustrative rows.
"""

from __future__ import annotations

import csv
import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[1]
BUNDLED_DATAPACKAGE = PROJECT_ROOT / "datapackage.json"

Rows = list[list[str]]


def resource_file(pkg_path: Path, resource: str) -> Path:
    """The CSV file of ``resource`` in the package whose descriptor is ``pkg_path``."""
    descriptor = json.loads(Path(pkg_path).read_text(encoding="utf-8"))
    for res in descriptor["resources"]:
        if res["name"] == resource:
            return Path(pkg_path).parent / res["path"]
    raise KeyError(f"no resource {resource!r} in {pkg_path}")


def read_rows(pkg_path: Path, resource: str) -> Rows:
    """Every row of the resource's CSV as strings, the header first (``rows[n - 1]`` is row n)."""
    with resource_file(pkg_path, resource).open(encoding="utf-8", newline="") as fh:
        return [list(row) for row in csv.reader(fh)]


def write_rows(pkg_path: Path, resource: str, rows: Rows) -> None:
    """Write ``rows`` (header first) back as UTF-8 CSV with ``\\n`` line ends."""
    with resource_file(pkg_path, resource).open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)


def _edit_csv(pkg_path: Path, resource: str, fn: Callable[[Rows], Rows | None]) -> None:
    """Apply ``fn`` to the rows of one CSV (header first); it may edit in place or return rows."""
    rows = read_rows(pkg_path, resource)
    result = fn(rows)
    write_rows(pkg_path, resource, rows if result is None else result)


def _find_row(pkg_path: Path, resource: str, **match: str) -> int:
    """Row number (header = 1) of the first row whose cells equal every ``field=value`` given."""
    rows = read_rows(pkg_path, resource)
    cols = {rows[0].index(name): value for name, value in match.items()}
    for number, row in enumerate(rows[1:], start=2):
        if all(row[col] == value for col, value in cols.items()):
            return number
    raise LookupError(f"no row of {resource} has {match}")


def _get_row(pkg_path: Path, resource: str, row: int) -> dict[str, str]:
    """Row ``row`` (header = 1) as a dict field -> cell."""
    rows = read_rows(pkg_path, resource)
    return dict(zip(rows[0], rows[row - 1], strict=True))


def _set_cell(pkg_path: Path, resource: str, row: int, field: str, value: str) -> None:
    """Set one cell, addressed as frictionless addresses it (header = row 1)."""
    if row < 2:
        raise ValueError("row 1 is the header; data rows start at 2")

    def edit(rows: Rows) -> None:
        rows[row - 1][rows[0].index(field)] = value

    _edit_csv(pkg_path, resource, edit)


def _append_row(pkg_path: Path, resource: str, values: dict[str, str]) -> int:
    """Append a row (missing fields empty) and return its row number."""
    rows = read_rows(pkg_path, resource)
    header = rows[0]
    unknown = set(values) - set(header)
    if unknown:
        raise KeyError(f"{resource} has no field(s) {sorted(unknown)}")
    rows.append([str(values.get(name, "")) for name in header])
    write_rows(pkg_path, resource, rows)
    return len(rows)


def _edit_descriptor(pkg_path: Path, fn: Callable[[dict], dict | None]) -> None:
    """Apply ``fn`` to the parsed ``datapackage.json`` of the copy and write it back."""
    descriptor = json.loads(Path(pkg_path).read_text(encoding="utf-8"))
    result = fn(descriptor)
    text = json.dumps(descriptor if result is None else result, ensure_ascii=False, indent=2)
    Path(pkg_path).write_text(text + "\n", encoding="utf-8")


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
