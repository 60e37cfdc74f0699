"""Read and edit the files of a private copy of a data package (no pytest here).

Row numbers follow frictionless (and :class:`analysis.errors.Problem`): the header is row 1,
the first data row is row 2. ``tests/conftest.py`` hands these out as fixtures; modules that
are not tests (``helpers.corpus``) import them from here.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
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
