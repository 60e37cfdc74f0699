"""Helpers shared by the intake tests: private package copies, workbook builders, file hashes.

Every test works on a copy of ``datapackage.json`` and ``data/`` in ``tmp_path``; nothing here
touches the project's own data. The module holds no tests of its own.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import shutil
import zipfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import openpyxl

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def copy_package(target: Path) -> Path:
    """Copy the bundled descriptor and every resource file into ``target``; return the copy."""
    target.mkdir(parents=True, exist_ok=True)
    descriptor = PROJECT_ROOT / "datapackage.json"
    shutil.copyfile(descriptor, target / "datapackage.json")
    for res in json.loads(descriptor.read_text(encoding="utf-8"))["resources"]:
        dest = target / res["path"]
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(PROJECT_ROOT / res["path"], dest)
    return target / "datapackage.json"


def package_hashes(pkg: Path) -> dict[str, str]:
    """SHA-256 of the descriptor and of every file under ``data/`` (temporary files included)."""
    root = pkg.parent
    files = [pkg, *sorted((root / "data").rglob("*"))]
    return {
        str(f.relative_to(root)): hashlib.sha256(f.read_bytes()).hexdigest()
        for f in files
        if f.is_file()
    }


def read_csv(pkg: Path, resource: str) -> list[dict[str, str]]:
    with (pkg.parent / "data" / f"{resource}.csv").open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def csv_bytes(pkg: Path, resource: str) -> bytes:
    return (pkg.parent / "data" / f"{resource}.csv").read_bytes()


def headers(pkg: Path, resource: str) -> list[str]:
    """The template's headers for a resource, straight from the descriptor."""
    for res in json.loads(pkg.read_text(encoding="utf-8"))["resources"]:
        if res["name"] == resource:
            return [f"{f['title_vi']} ({f['name']})" for f in res["schema"]["fields"]]
    raise KeyError(resource)


def build_workbook(
    path: Path,
    sheets: dict[str, list[list[Any]]],
    *,
    year: int | None = 2024,
    provinces: Iterable[str] = (),
    hidden_rows: dict[str, Iterable[int]] | None = None,
    merged: dict[str, Iterable[str]] | None = None,
) -> Path:
    """Write a workbook: one sheet per item (rows as lists, row 1 first), plus ``_meta``.

    Args:
        year: The year written to the ``_meta`` sheet; None: no ``_meta`` sheet.
        hidden_rows: Sheet → Excel rows to hide.
        merged: Sheet → ranges to merge (``"A1:F1"``).
    """
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for r, row in enumerate(rows, start=1):
            for c, value in enumerate(row, start=1):
                if value is not None:
                    ws.cell(r, c, value)
        for r in (hidden_rows or {}).get(name, ()):
            ws.row_dimensions[r].hidden = True
        for rng in (merged or {}).get(name, ()):
            ws.merge_cells(rng)
    if year is not None:
        meta = wb.create_sheet("_meta")
        meta.append(["format", "bien-cuong-intake"])
        meta.append(["version", 1])
        meta.append(["year", year])
        meta.append(["provinces", ";".join(provinces)])
        meta.sheet_state = "hidden"
    wb.save(path)
    return path


def set_cached_value(path: Path, sheet: str, cell: str, value: float) -> None:
    """Give a formula cell the value Excel would have cached (openpyxl never writes one)."""
    wb = openpyxl.load_workbook(path)
    index = wb.sheetnames.index(sheet) + 1
    member = f"xl/worksheets/sheet{index}.xml"
    with zipfile.ZipFile(path) as zin:
        items = {n: zin.read(n) for n in zin.namelist()}
    xml = items[member].decode("utf-8")
    pattern = re.compile(rf'(<c r="{cell}"[^>]*>)(<f>.*?</f>)(<v>.*?</v>|<v\s*/>)?(</c>)')
    xml, count = pattern.subn(rf"\g<1>\g<2><v>{value}</v>\g<4>", xml)
    assert count == 1, f"no formula cell {cell} in {sheet}"
    items[member] = xml.encode("utf-8")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zout:
        for name, data in items.items():
            zout.writestr(name, data)
    path.write_bytes(buffer.getvalue())


def find(problems, rule: str):
    """The problems of ``rule``."""
    return [p for p in problems if p.rule == rule]
