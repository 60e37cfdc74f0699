"""Import a filled workbook into the data package: convert, check, and write all or nothing.

The steps, in order; any error stops the import before anything is written:

1. The workbook is read within limits (:mod:`analysis.intake.workbook`): file size, unpacked
   size, cells per sheet; a workbook with macros (``.xlsm``, or a ``vbaProject.bin`` whatever
   the extension) is refused. Sheets are matched to resources by name, English or Vietnamese
   title (case and diacritics ignored); other sheets are not imported (a note) and a missing
   sheet leaves its resource unchanged (a note). A sheet that is imported must hold its data
   within :attr:`~analysis.intake.workbook.Limits.rows` rows and
   :attr:`~analysis.intake.workbook.Limits.columns` columns (a stray cell at ``XFD1048576``
   is refused, naming it). In each sheet the header row is found among the first 20 rows and
   columns are matched by the field name in parentheses, or by a title.
2. Every cell of every sheet (imported or not), every sheet name, every cell comment and the
   file name are searched for personal data (:func:`analysis.intake.pii.find_in_text`, with
   the package's place names allowed); one finding refuses the whole workbook, and only those
   findings are reported, masked.
3. Text a spreadsheet would run or that hides something is refused, naming the cell: in a
   text column of an imported sheet, a value starting with ``=``, ``+``, ``@`` or a ``-``
   not followed by a space (a ``- `` bullet is text; negative numbers in number columns are
   numbers); in any imported column, a control character (U+0000–U+001F except tab and line
   feed, U+007F–U+009F) or a bidirectional control (U+061C, U+200E, U+200F,
   U+202A–U+202E, U+2066–U+2069); in any sheet, a text longer than Excel's 32,767
   characters.
4. The year (and provinces) come from the template's hidden ``_meta`` sheet, or from the
   ``year``/``provinces`` arguments.
5. Every cell is converted (:mod:`analysis.intake.parse`); each row must belong to the
   workbook's year (and provinces) and appear once.
6. The package itself must be valid (the strict loader finds no problem).
7. The rows are merged into the package (see below), a source row is added for the workbook,
   the merged package is written to a temporary folder, loaded with
   :func:`~analysis.package.read_package` and checked with
   :func:`~analysis.checks.check_package`; its problems are translated back to workbook cells
   (warnings already present in the package are not repeated).
8. Only then are the changed CSV files written: each to a temporary file in its folder, then
   all renamed over the old ones (``os.replace``). If the files changed on disk since they
   were read, or anything fails before the renames, nothing changes; a failure during them
   puts back the files already replaced.

Merging, per resource with a sheet:

* a row whose key is new is **added**;
* a row equal to the package's (values compared by type: ``1`` = ``1.0``) is **unchanged**,
  whatever its source cell says, so a template imported as it was changes nothing;
* a row that differs is **changed**, and its source becomes the workbook. Replacing an
  illustrative row needs nothing; changing a real row needs ``--replace``;
* a real row of the workbook's year (and provinces) that the sheet no longer has is
  **removed**, with ``--replace`` only;
* **illustrative rows are replaced by real ones**: where the workbook adds or changes a row of a
  (year, place) — the place is the commune, else the province, else the whole programme; rows
  without one take the place of the activity or beneficiary they refer to — every illustrative
  row of that resource for the same year and place is removed;
* illustrative rows that refer to a removed or replaced row (a generated output, transaction or
  follow-up of a generated activity or beneficiary) are removed with it, and so is the rest of
  a removed animal's illustrative ledger (:data:`~analysis.intake.schema.ENTITY_LINKS`).

The workbook's source row: ``source_id`` ``workbook_<first 12 hex digits of its SHA-256>``,
kind ``workbook``, a neutral title ``Sổ theo dõi nhập ngày YYYY-MM-DD (SHA-256 abcdef123456)``
(the file's name is never written to the package: it may name a person or a place), and a note
with the full SHA-256 and the import time (UTC, ISO 8601). Its reliability is ``uncertain``:
the figures are as reported by the union, checked against the schema and the cross-table
rules but not against the records they come from; ``verified=True`` (``--verified``) records
``verified`` when someone has checked them. Importing the same file again reuses the row.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import re
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openpyxl.utils import get_column_letter

from analysis import storage
from analysis.checks import check_package
from analysis.errors import Problem
from analysis.intake import pii
from analysis.intake.parse import (
    ParseError,
    canonical_number,
    clean_text,
    display_value,
    fold,
    parse_boolean,
    parse_date,
    parse_number,
)
from analysis.intake.problems import IntakeProblem
from analysis.intake.schema import (
    ENTITY_LINKS,
    HELP_SHEET,
    LISTS_SHEET,
    META_FORMAT,
    META_SHEET,
    PROVINCE_RESOURCES,
    SOURCE_FIELD,
    Field,
    PackageData,
    Resource,
    canonical,
    describe_key,
)
from analysis.intake.workbook import (
    LIMITS,
    Cell,
    Grid,
    Limits,
    WorkbookError,
    cell_name,
    read_workbook,
)
from analysis.package import Package, read_package
from analysis.paths import DATAPACKAGE

__all__ = [
    "FieldChange",
    "ImportResult",
    "ResourceChange",
    "WORKBOOK_KIND",
    "WORKBOOK_RELIABILITY",
    "WORKBOOK_VERIFIED",
    "import_workbook",
    "workbook_source_id",
]

WORKBOOK_KIND = "workbook"
WORKBOOK_RELIABILITY = "uncertain"
"""A workbook's figures are as reported, not verified against their records."""
WORKBOOK_VERIFIED = "verified"
"""The reliability recorded with ``verified=True`` (``--verified``)."""
WORKBOOK_TITLE = "Sổ theo dõi nhập ngày {date} (SHA-256 {sha})"
"""The source row's title: the import date and the file's hash, never its name."""
HEADER_SEARCH_ROWS = 20
TOTAL_LABELS = frozenset({"tong", "tong cong", "cong", "tong so", "total", "grand total", "sum"})
"""Folded labels of a totals row (``Tổng cộng``), which is refused rather than imported."""
MIN_HEADER_MATCHES = 2

Key = tuple[str, ...]


_FORMULA_START = re.compile(r"[=+@]|-(?! |$)")
"""Text a spreadsheet evaluates: ``=``, ``+``, ``@``, or ``-`` not followed by a space."""
_BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def _hidden_character(text: str) -> tuple[str, str] | None:
    """(rule, ``U+XXXX``) of the first control or bidi character in ``text``, if any."""
    for ch in text:
        code = ord(ch)
        if (code < 0x20 and ch not in "\t\n") or 0x7F <= code <= 0x9F:
            return "control-character", f"U+{code:04X}"
        if ch in _BIDI:
            return "bidi-control", f"U+{code:04X}"
    return None


def workbook_source_id(sha256: str) -> str:
    """``workbook_`` and the first 12 hex digits of the file's SHA-256."""
    return f"workbook_{sha256[:12]}"


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class FieldChange:
    """A real value the workbook changes."""

    field: str
    old: str
    new: str
    address: str | None


@dataclass
class ResourceChange:
    """What an import does to one resource (keys are primary-key tuples)."""

    added: list[Key] = field(default_factory=list)
    unchanged: int = 0
    changed_real: list[tuple[Key, list[FieldChange]]] = field(default_factory=list)
    changed_illustrative: list[Key] = field(default_factory=list)
    removed_real: list[Key] = field(default_factory=list)
    removed_illustrative: list[Key] = field(default_factory=list)

    @property
    def changed(self) -> int:
        return len(self.changed_real) + len(self.changed_illustrative)

    @property
    def removed(self) -> int:
        return len(self.removed_real) + len(self.removed_illustrative)

    @property
    def any(self) -> bool:
        return bool(self.added or self.changed or self.removed)


@dataclass
class ImportResult:
    """The outcome of :func:`import_workbook`.

    Attributes:
        workbook: The file read.
        year: The workbook's year (None when it could not be known).
        sha256: SHA-256 of the file.
        source_id: The workbook's source id.
        dry_run: Nothing was to be written.
        replace: Real rows could be changed or removed.
        reliability: The reliability recorded for the workbook's source row.
        problems: Errors, warnings and notes, errors first.
        changes: Per resource, what the import does (or would do).
        written: The files written (empty on a dry run or an error).
    """

    workbook: Path
    year: int | None = None
    sha256: str = ""
    source_id: str = ""
    dry_run: bool = False
    replace: bool = False
    reliability: str = WORKBOOK_RELIABILITY
    problems: list[IntakeProblem] = field(default_factory=list)
    changes: dict[str, ResourceChange] = field(default_factory=dict)
    written: list[Path] = field(default_factory=list)
    hidden_rows: dict[str, list[int]] = field(default_factory=dict)
    """Excel rows hidden but imported, per sheet."""
    key_names: dict[str, list[str]] = field(default_factory=dict)
    """Primary-key field names per resource (to read the keys in ``changes``)."""
    files: list[str] = field(default_factory=list)
    """The files written, or that a dry run would write, relative to the package."""

    @property
    def errors(self) -> list[IntakeProblem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[IntakeProblem]:
        return [p for p in self.problems if p.severity == "warning"]

    @property
    def notes(self) -> list[IntakeProblem]:
        return [p for p in self.problems if p.severity == "note"]

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def changed(self) -> bool:
        return any(c.any for c in self.changes.values())


@dataclass
class WorkbookRow:
    """One converted row of a sheet, with where each value came from."""

    resource: str
    sheet: str
    row: int
    values: dict[str, str]
    columns: dict[str, int]
    raw: dict[str, str]
    hidden: bool = False

    def address(self, name: str | None) -> str | None:
        col = self.columns.get(name or "")
        return cell_name(self.row, col) if col else None


@dataclass
class SheetLayout:
    """Where a resource's data sit in a sheet."""

    grid: Grid
    resource: str
    header_row: int
    columns: dict[str, int]
    """Field name → column (1-based)."""
    skip_rows: set[int] = field(default_factory=set)


# --------------------------------------------------------------------------- entry point


def import_workbook(
    workbook: str | Path,
    package: str | Path | None = None,
    *,
    dry_run: bool = False,
    replace: bool = False,
    year: int | None = None,
    provinces: tuple[str, ...] | list[str] = (),
    now: dt.datetime | None = None,
    verified: bool = False,
    limits: Limits = LIMITS,
) -> ImportResult:
    """Import ``workbook`` into the package (see the module docstring for every rule).

    Args:
        workbook: The ``.xlsx`` file.
        package: ``datapackage.json`` (default: the bundled package).
        dry_run: Check and report, write nothing.
        replace: Allow changing and removing real (non-illustrative) rows.
        year: The workbook's year when it has no ``_meta`` sheet (or to confirm it).
        provinces: The provinces (codes or names) the workbook covers, when it has no
            ``_meta`` sheet: real rows elsewhere are then neither removed nor accepted.
        now: Import time recorded in the source row (default: the current UTC time).
        verified: The figures were checked against their records: the source row's
            reliability is ``verified`` instead of ``uncertain``.
        limits: What a workbook may hold (:class:`~analysis.intake.workbook.Limits`).

    Returns:
        The :class:`ImportResult`; ``result.ok`` is False when nothing could be written.
    """
    path = Path(workbook)
    package = Path(package or DATAPACKAGE)
    result = ImportResult(path, dry_run=dry_run, replace=replace)
    result.reliability = WORKBOOK_VERIFIED if verified else WORKBOOK_RELIABILITY
    refuse = _refusal(result, path)
    try:
        data = _read_bounded(path, limits.file_bytes)
    except OSError as exc:
        return refuse("file-unreadable", detail=str(exc))
    if data is None:
        size = path.stat().st_size if path.is_file() else 0
        over = f"{size / 2**20:.1f}" if size > limits.file_bytes else f"> {limits.file_bytes >> 20}"
        return refuse("file-too-large", size=over, limit=limits.file_bytes >> 20)
    result.sha256 = hashlib.sha256(data).hexdigest()
    result.source_id = workbook_source_id(result.sha256)

    try:
        grids = read_workbook(data, path.name, limits)
    except WorkbookError as exc:
        params = {"detail": exc.detail, **exc.params}
        sheet = params.pop("sheet", None)
        return refuse(exc.rule, sheet=_sheet_label(sheet), **params)

    # The package is read, checked and written under its lock (shared for a dry run): a
    # second import waits and then merges into what the first wrote; nothing is lost.
    folder = package.absolute().parent
    with storage.package_lock(folder, shared=dry_run):
        if not dry_run:
            storage.recover(folder)
        try:
            pkg = PackageData(package)
        except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError) as exc:
            result.problems.append(
                IntakeProblem("package-invalid", params={"n": 1, "path": f"{package} ({exc})"})
            )
            return result
        importer = _Importer(pkg, grids, result, path, year, tuple(provinces), limits)
        importer.run(now or dt.datetime.now(dt.UTC))
    order = {g.name: i for i, g in enumerate(grids)}
    result.problems.sort(key=lambda p: p.sort_key(order))
    return result


def _refusal(result: ImportResult, path: Path):
    """A function that records why the file itself is refused (located at its name)."""

    def refuse(rule: str, sheet: str | None = None, **params: Any) -> ImportResult:
        params.setdefault("detail", "")
        if sheet is not None:
            result.problems.append(IntakeProblem(rule, sheet=sheet, params=params))
        else:
            result.problems.append(IntakeProblem(rule, params=params, where=path.name))
        return result

    return refuse


def _sheet_label(name: str | None) -> str | None:
    """A sheet's name as messages show it: masked when it holds personal data."""
    if name is None or not pii.find_in_text(name):
        return name
    return pii.mask(name)


def _read_bounded(path: Path, limit: int) -> bytes | None:
    """The file's bytes, or None when it holds more than ``limit`` (never read past it)."""
    with path.open("rb") as fh:
        data = fh.read(limit + 1)
    return None if len(data) > limit else data


class _Importer:
    def __init__(
        self,
        pkg: PackageData,
        grids: list[Grid],
        result: ImportResult,
        path: Path,
        year: int | None,
        provinces: tuple[str, ...] = (),
        limits: Limits = LIMITS,
    ) -> None:
        self.pkg = pkg
        self.limits = limits
        self.labels = {g.name: _sheet_label(g.name) or g.name for g in grids}
        """Sheet names as messages show them (masked when personal)."""
        self.pii_seen: dict[tuple, list[pii.Finding]] = {}
        """Findings by (text, number column, maximum): workbooks repeat their values."""
        self.province_option = provinces
        self.grids = grids
        self.result = result
        self.path = path
        self.year_option = year
        self.problems = result.problems
        self.layouts: dict[str, SheetLayout] = {}
        self.rows: dict[str, list[WorkbookRow]] = {}
        self.provinces: tuple[str, ...] = ()
        self.loaded: Package | None = None

    # ------------------------------------------------------------------ helpers

    def error(self, rule: str, **kw: Any) -> None:
        self.problems.append(IntakeProblem(rule, "error", **kw))

    def note(self, rule: str, **kw: Any) -> None:
        self.problems.append(IntakeProblem(rule, "note", **kw))

    @property
    def failed(self) -> bool:
        return any(p.severity == "error" for p in self.problems)

    # ------------------------------------------------------------------ steps

    def run(self, now: dt.datetime) -> None:
        self._map_sheets()
        personal = self._scan_personal_data()
        if personal:  # refused: report the personal data only, masked
            self.problems[:] = personal
            return
        self._check_text()
        if self.failed:
            return
        self._read_meta()
        if not self.layouts and not self.failed:
            self.error("no-sheets")
        if self.failed:
            return
        for name, layout in self.layouts.items():
            self.rows[name] = self._read_rows(layout)
        if self.failed:
            return
        self._check_rows()
        if self.failed:
            return
        self.loaded, found = read_package(self.pkg.path)
        if found or self.loaded is None:
            self.error("package-invalid", params={"n": len(found), "path": str(self.pkg.path)})
            return
        _Merge(self, now).run()

    # ------------------------------------------------------------------ sheets and headers

    def _sheet_keys(self) -> dict[str, str]:
        keys: dict[str, str] = {}
        for name, res in self.pkg.resources.items():
            for text in (name, res.title, res.title_vi):
                keys.setdefault(fold(text), name)
        for special in (HELP_SHEET, "huong dan", "help", LISTS_SHEET, META_SHEET):
            keys[fold(special)] = "#special"
        return keys

    def _map_sheets(self) -> None:
        keys = self._sheet_keys()
        seen: dict[str, str] = {}
        for grid in self.grids:
            target = keys.get(fold(grid.name))
            if target == "#special":
                continue
            if target is None:
                self.note("extra-sheet", sheet=grid.name)
                continue
            if target not in PROVINCE_RESOURCES:
                self.note("sheet-not-imported", sheet=grid.name, params={"resource": target})
                continue
            if target in seen:
                self.error("duplicate-sheet", sheet=grid.name, params={"other": seen[target]})
                continue
            seen[target] = grid.name
            if not self._within_limits(grid):
                continue
            layout = self._layout(grid, self.pkg[target])
            if layout is not None:
                self.layouts[target] = layout
                if grid.hidden:
                    self.note("hidden-sheet", sheet=grid.name)
        missing = [n for n in PROVINCE_RESOURCES if n not in seen and n in self.pkg.resources]
        if missing:
            self.note("missing-sheet", params={"resources": ", ".join(missing)})

    def _within_limits(self, grid: Grid) -> bool:
        """A sheet to import holds its data within the row and column limits, and its merged
        ranges cover at most the merged-cell limit (else an error naming the farthest cell)."""
        limits = self.limits
        if grid.max_row > limits.rows or grid.max_col > limits.columns:
            row, col = next(
                (r, c) for r, c in sorted(grid.cells) if r > limits.rows or c > limits.columns
            )
            self.error(
                "sheet-too-large",
                sheet=grid.name,
                cell=cell_name(row, col),
                params={"rows": limits.rows, "columns": limits.columns},
            )
            return False
        if grid.merged_area() > limits.merged_cells:
            self.error(
                "merged-too-large",
                sheet=grid.name,
                params={"n": grid.merged_area(), "limit": limits.merged_cells},
            )
            return False
        return True

    def _header_index(self, res: Resource) -> tuple[dict[str, str], dict[str, str]]:
        """(name keys, title keys): folded text → field name; ambiguous titles dropped."""
        names = {fold(f.name): f.name for f in res.fields}
        titles: dict[str, set[str]] = {}
        for f in res.fields:
            for text in (f.name, f.title, f.title_vi, f.header):
                titles.setdefault(fold(text), set()).add(f.name)
        return names, {k: next(iter(v)) for k, v in titles.items() if len(v) == 1}

    def _header_field(self, text: Any, index: tuple[dict[str, str], dict[str, str]]) -> str | None:
        if not isinstance(text, str):
            return None
        names, titles = index
        text = clean_text(text).rstrip("*").strip()
        coded = re.fullmatch(r"(?P<title>.*?)\s*\((?P<name>[^()]*)\)", text, re.DOTALL)
        if coded and fold(coded.group("name")) in names:
            return names[fold(coded.group("name"))]
        if fold(text) in titles:
            return titles[fold(text)]
        if coded and fold(coded.group("title")) in titles:
            return titles[fold(coded.group("title"))]
        return None

    def _header_text(self, grid: Grid, row: int, col: int) -> Any:
        merge = grid.merge_of(row, col)
        if merge is None:
            return grid.get(row, col).value
        if col != merge[1]:
            return None  # a header merged across columns names its first column only
        return grid.get(merge[0], merge[1]).value

    def _layout(self, grid: Grid, res: Resource) -> SheetLayout | None:
        index = self._header_index(res)
        best_row, best = 0, {}
        for row in range(1, min(grid.max_row, HEADER_SEARCH_ROWS) + 1):
            found: dict[str, int] = {}
            for col in range(1, grid.max_col + 1):
                name = self._header_field(self._header_text(grid, row, col), index)
                if name and name not in found:
                    found[name] = col
            if len(found) > len(best):
                best_row, best = row, found
        if len(best) < MIN_HEADER_MATCHES:
            self.error("no-header", sheet=grid.name, params={"resource": res.name})
            return None
        columns: dict[str, int] = {}
        filled = {c for (r, c), cell in grid.cells.items() if r > best_row and not cell.empty}
        for col in range(1, grid.max_col + 1):
            text = self._header_text(grid, best_row, col)
            name = self._header_field(text, index)
            address = cell_name(best_row, col)
            if name is None:
                if isinstance(text, str) and text.strip():
                    if pii.find_in_header(text) is None:
                        self.note(
                            "ignored-column", sheet=grid.name, cell=address, value=text.strip()
                        )
                elif col in filled:
                    self.note("unnamed-column", sheet=grid.name, cell=address)
                continue
            if name in columns:
                self.error(
                    "duplicate-column",
                    sheet=grid.name,
                    cell=address,
                    value=display_value(text),
                    params={"field": name, "other": cell_name(best_row, columns[name])},
                )
                continue
            columns[name] = col
        missing = [f for f in res.fields if f.name not in columns and f.name != SOURCE_FIELD]
        for f in missing:
            self.error("missing-column", sheet=grid.name, row=best_row, params={"header": f.header})
        if best_row > 1:
            self.note("rows-above-header", sheet=grid.name, params={"row": best_row})
        layout = SheetLayout(grid, res.name, best_row, columns)
        # a second header row (English names under Vietnamese titles) is not data
        for row in range(best_row + 1, min(grid.max_row, best_row + 3) + 1):
            same = sum(
                1
                for name, col in columns.items()
                if self._header_field(grid.get(row, col).value, index) == name
            )
            if same >= max(MIN_HEADER_MATCHES, len(columns) // 2):
                layout.skip_rows.add(row)
                self.note("extra-header-row", sheet=grid.name, row=row)
            else:
                break
        hidden_cols = sorted(c for c in columns.values() if c in grid.hidden_cols)
        if hidden_cols:
            self.note(
                "hidden-columns",
                sheet=grid.name,
                params={"columns": ", ".join(get_column_letter(c) for c in hidden_cols)},
            )
        return layout

    # ------------------------------------------------------------------ personal data

    def _scan_personal_data(self) -> list[IntakeProblem]:
        """Every cell, sheet name and comment (and the file name) holding personal data, masked."""
        found: list[IntakeProblem] = []
        allowed = pii.allowed_phrases(self.pkg.place_names())

        def add(finding: pii.Finding, **where: Any) -> None:
            rule = "pii-" + finding.kind.replace("_", "-")
            found.append(IntakeProblem(rule, value=finding.masked, **where))

        stem = re.sub(r"[_\-.]+", " ", self.path.stem)
        for finding in pii.find_in_text(stem, allowed=allowed):
            found.append(IntakeProblem("pii-file-name", value=finding.masked))
        for index, grid in enumerate(self.grids, start=1):
            label = self.labels[grid.name]
            for finding in pii.find_in_text(grid.name, allowed=allowed):
                found.append(
                    IntakeProblem(
                        "pii-sheet-name",
                        value=finding.masked,
                        params={"n": index},
                    )
                )
            for (row, col), text in sorted(grid.comments.items()):
                for finding in pii.find_in_text(text, allowed=allowed):
                    found.append(
                        IntakeProblem(
                            "pii-comment",
                            sheet=label,
                            cell=cell_name(row, col),
                            value=finding.masked,
                        )
                    )
            self._scan_cells(grid, label, allowed, add)
        return found

    def _scan_cells(self, grid: Grid, label: str, allowed: frozenset[str], add) -> None:
        layout = next((lay for lay in self.layouts.values() if lay.grid is grid), None)
        numeric: dict[int, Field] = {}
        textual: set[int] = set()
        if layout is not None:
            res = self.pkg[layout.resource]
            for name, col in layout.columns.items():
                fld = res.field(name)
                if fld.type in ("integer", "number"):
                    numeric[col] = fld
                elif fld.type == "string":
                    textual.add(col)
            header_row = layout.header_row
        else:
            header_row = min((r for (r, _), c in grid.cells.items() if not c.empty), default=0)
        for (row, col), cell in sorted(grid.cells.items()):
            value = cell.value
            address = cell_name(row, col)
            if row == header_row and isinstance(value, str):
                mapped = layout is not None and col in layout.columns.values()
                header = None if mapped else pii.find_in_header(value)
                if header is not None:
                    add(header, sheet=label, cell=address)
                    continue
            if isinstance(value, str):
                fld = numeric.get(col) if row > header_row else None
                maximum = fld.constraints.get("maximum") if fld else None
                key = (value, fld is not None, maximum)
                if key not in self.pii_seen:  # workbooks repeat their labels and names
                    self.pii_seen[key] = pii.find_in_text(
                        value, numeric_column=fld is not None, maximum=maximum, allowed=allowed
                    )
                for finding in self.pii_seen[key]:
                    add(finding, sheet=label, cell=address)
            elif (
                isinstance(value, int | float)
                and not isinstance(value, bool)
                and col in textual
                and row > header_row
                and float(value).is_integer()
            ):
                digits = str(int(value))
                for finding in pii.find_in_text(digits) or pii.find_in_text("0" + digits):
                    if finding.kind in ("phone", "id_number"):
                        add(finding, sheet=label, cell=address)
                        break

    # ------------------------------------------------------------------ hostile text

    def _check_text(self) -> None:
        """Refuse text too long for Excel (any sheet), control and bidi characters (imported
        columns) and text a spreadsheet would evaluate (imported text columns)."""
        imported = {id(lay.grid): lay for lay in self.layouts.values()}
        for grid in self.grids:
            layout = imported.get(id(grid))
            text_cols: set[int] = set()
            if layout is not None:
                res = self.pkg[layout.resource]
                text_cols = {
                    col
                    for name, col in layout.columns.items()
                    if name != SOURCE_FIELD and self._free_text(res, res.field(name))
                }
            for (row, col), cell in sorted(grid.cells.items()):
                value = cell.value
                if not isinstance(value, str):
                    continue
                where = {"sheet": self.labels[grid.name], "cell": cell_name(row, col)}
                if len(value) > self.limits.text_length:
                    self.error(
                        "text-too-long",
                        **where,
                        params={"n": len(value), "limit": self.limits.text_length},
                    )
                    continue
                if layout is None or row < layout.header_row:
                    continue
                if col not in layout.columns.values():
                    continue
                hidden = _hidden_character(value)
                if hidden is not None:
                    self.error(hidden[0], **where, params={"char": hidden[1]})
                elif (
                    col in text_cols
                    and row > layout.header_row
                    and row not in layout.skip_rows
                    and _FORMULA_START.match(clean_text(value))
                ):
                    self.error("formula-text", **where, value=display_value(clean_text(value)))

    def _free_text(self, res: Resource, fld: Field) -> bool:
        """The field's value is written as typed (text that is not a list or a place)."""
        return fld.type == "string" and not fld.enum and not self.pkg.lookup_kind(res.name, fld)

    # ------------------------------------------------------------------ the year

    def _read_meta(self) -> None:
        """The year and provinces: from the template's ``_meta`` sheet and the options."""
        meta: dict[str, Any] = {}
        for grid in self.grids:
            if fold(grid.name) == fold(META_SHEET):
                for row in grid.rows():
                    key = grid.get(row, 1).value
                    if isinstance(key, str):
                        meta[key.strip()] = grid.get(row, 2).value
        year, provinces = None, ()
        if meta.get("format") == META_FORMAT:
            with contextlib.suppress(TypeError, ValueError):
                year = int(meta.get("year"))
            value = meta.get("provinces") or ""
            if isinstance(value, float) and value.is_integer():
                value = int(value)
            provinces = tuple(p.strip() for p in str(value).split(";") if p.strip())
        chosen = []
        allowed = {"allowed": "; ".join(f"{n} ({c})" for c, n in self.pkg.province_names.items())}
        for given in self.province_option:
            try:
                chosen.append(self.pkg.province_matcher.match(given))
            except ParseError:
                self.error("province-unknown", value=str(given), params=allowed)
        for code in provinces:
            try:
                self.pkg.province_matcher.match(code)
            except ParseError:
                self.error("province-unknown", sheet=META_SHEET, value=code, params=allowed)
        if chosen and provinces and set(chosen) != set(provinces):
            self.error(
                "province-mismatch",
                params={"option": ", ".join(sorted(chosen)), "workbook": ", ".join(provinces)},
            )
        self.provinces = tuple(sorted(set(provinces or chosen)))
        if self.year_option is not None and year is not None and self.year_option != year:
            self.error("year-mismatch", params={"option": self.year_option, "workbook": year})
            return
        year = self.year_option if self.year_option is not None else year
        if year is None:
            self.error("no-year")
            return
        self.result.year = year

    # ------------------------------------------------------------------ cells

    def _read_rows(self, layout: SheetLayout) -> list[WorkbookRow]:
        grid, res = layout.grid, self.pkg[layout.resource]
        out: list[WorkbookRow] = []
        merged_used = False
        hidden: list[int] = []
        for row in range(layout.header_row + 1, grid.max_row + 1):
            if row in layout.skip_rows:
                continue
            cells: dict[str, Cell] = {}
            for name, col in layout.columns.items():
                cell = grid.get(row, col)
                if cell.empty:
                    merge = grid.merge_of(row, col)
                    below_header = merge is not None and merge[0] > layout.header_row
                    if below_header and (merge[0], merge[1]) != (row, col):
                        cell = grid.get(merge[0], merge[1])
                        merged_used = merged_used or not cell.empty
                cells[name] = cell
            content = [c for n, c in cells.items() if n != SOURCE_FIELD]
            if all(c.empty or c.missing_formula_value for c in content):
                continue
            total = self._totals_cell(grid, row)
            if total is not None:
                self.error(
                    "totals-row",
                    sheet=grid.name,
                    cell=cell_name(row, total),
                    value=display_value(grid.get(row, total).value),
                )
                continue
            if row in grid.hidden_rows:
                hidden.append(row)
            values: dict[str, str] = {}
            raw: dict[str, str] = {}
            for name, cell in cells.items():
                raw[name] = display_value(cell.value)
                fld = res.field(name)
                if name == SOURCE_FIELD:
                    values[name] = clean_text(cell.value) if isinstance(cell.value, str) else ""
                    continue
                try:
                    values[name] = self._convert(res, fld, cell)
                except ParseError as exc:
                    self.error(
                        exc.rule,
                        sheet=grid.name,
                        cell=cell_name(row, layout.columns[name]),
                        value=raw[name] if not cell.error else str(cell.value),
                        params=self._expected(res, fld, exc),
                    )
                    continue
                if values[name] == "" and fld.required:
                    self.error(
                        "required",
                        sheet=grid.name,
                        cell=cell_name(row, layout.columns[name]),
                        params={"header": fld.header},
                    )
            for fld in res.fields:
                values.setdefault(fld.name, "")
            out.append(
                WorkbookRow(
                    res.name,
                    grid.name,
                    row,
                    values,
                    dict(layout.columns),
                    raw,
                    hidden=row in grid.hidden_rows,
                )
            )
        if merged_used:
            self.note("merged-cells", sheet=grid.name)
        if hidden:
            self.result.hidden_rows[grid.name] = hidden
            self.note(
                "hidden-rows",
                sheet=grid.name,
                params={"rows": _ranges(hidden), "n": len(hidden)},
            )
        return out

    @staticmethod
    def _totals_cell(grid: Grid, row: int) -> int | None:
        """The column of a ``Tổng cộng`` / ``Total`` label, when the row is a totals row."""
        for col in grid.columns_in_row(row):
            value = grid.get(row, col).value
            if isinstance(value, str) and fold(value).rstrip(":") in TOTAL_LABELS:
                return col
        return None

    def _convert(self, res: Resource, fld: Field, cell: Cell) -> str:
        if cell.error:
            raise ParseError("excel-error")
        if cell.missing_formula_value:
            raise ParseError("formula-no-value")
        value = cell.value
        if value is None or (isinstance(value, str) and not clean_text(value)):
            return ""
        lookup = self.pkg.lookup_kind(res.name, fld)
        if lookup == "commune":
            return self.pkg.commune_matcher.match(value)
        if lookup == "province":
            return self.pkg.province_matcher.match(value)
        if fld.enum:
            if isinstance(value, bool) or not isinstance(value, str | int | float):
                raise ParseError("enum")
            return self.pkg.enum_matcher(fld).match(display_value(value))
        if fld.type == "integer":
            return str(parse_number(value, integer=True, money=fld.is_money))
        if fld.type == "number":
            return canonical_number(parse_number(value, money=fld.is_money))
        if fld.type == "boolean":
            return "true" if parse_boolean(value) else "false"
        if fld.type == "date":
            return parse_date(value).isoformat()
        if isinstance(value, bool | dt.date | dt.time | dt.timedelta):
            raise ParseError("text-expected")
        if isinstance(value, float):
            text = str(int(value)) if value.is_integer() else repr(value)
        elif isinstance(value, int):
            text = str(value)
        else:
            text = clean_text(str(value))
        for fk in res.foreign_keys:  # a drop-down's "Name (key)" stands for its key
            if fk.fields == (fld.name,) and fk.resource not in PROVINCE_RESOURCES:
                text = self.pkg.key_of(fk.resource, text)
        width = fld.digits_pattern
        if width and text.isdigit() and len(text) < width:
            text = text.zfill(width)
        return text

    def _expected(self, res: Resource, fld: Field, exc: ParseError) -> dict[str, Any]:
        params = {"header": fld.header, **exc.params}
        if exc.rule == "enum":
            params["allowed"] = "; ".join(self.pkg.enum_display(fld).values())
        if exc.rule in ("commune-unknown", "commune-ambiguous"):
            params["allowed"] = "; ".join(sorted(self.pkg.commune_display.values()))
        if exc.rule in ("province-unknown", "province-ambiguous"):
            params["allowed"] = "; ".join(sorted(self.pkg.province_names.values()))
        params.setdefault("candidates", "")
        return params

    # ------------------------------------------------------------------ rows

    def _check_rows(self) -> None:
        year = self.result.year
        for name, rows in self.rows.items():
            res = self.pkg[name]
            first: dict[Key, WorkbookRow] = {}
            for wr in rows:
                fld = res.year_field
                found = res.year_of(wr.values)
                if fld is not None and found is not None and found != year:
                    self.error(
                        "row-year",
                        sheet=wr.sheet,
                        cell=wr.address(fld.name),
                        value=wr.raw.get(fld.name, ""),
                        params={"year": year, "found": found},
                    )
                key = res.key(wr.values)
                if not all(key):
                    continue  # reported as required
                if key in first:
                    other = first[key]
                    self.error(
                        "duplicate-key",
                        sheet=wr.sheet,
                        cell=wr.address(res.primary_key[0]),
                        value=", ".join(key),
                        params={"other": f"{other.sheet}!{other.address(res.primary_key[0])}"},
                    )
                else:
                    first[key] = wr


def _ranges(numbers: Iterable[int]) -> str:
    """``[3, 4, 5, 9]`` → ``'3–5, 9'``."""
    out: list[str] = []
    nums = sorted(numbers)
    start = prev = None
    for n in nums + [None]:
        if start is None:
            start = prev = n
            continue
        if n is not None and n == prev + 1:
            prev = n
            continue
        out.append(str(start) if start == prev else f"{start}–{prev}")
        start = prev = n
    return ", ".join(out)


# --------------------------------------------------------------------------- merging


class _Merge:
    """Merge the workbook's rows into the package, check the result, write it."""

    def __init__(self, importer: _Importer, now: dt.datetime) -> None:
        self.imp = importer
        self.pkg = importer.pkg
        self.result = importer.result
        self.now = now
        self.year = importer.result.year
        self.source_id = importer.result.source_id
        self.tables: dict[str, dict[Key, dict[str, str]]] = {
            name: {res.key(row): row for row in res.rows}
            for name, res in self.pkg.resources.items()
        }
        self.origin: dict[tuple[str, Key], WorkbookRow] = {}
        self.from_workbook: dict[str, set[Key]] = {}
        """Keys of rows the workbook added or changed (their source is the workbook)."""
        self.removed: dict[str, dict[Key, dict[str, str]]] = {}
        self.seeds: dict[str, set[Key]] = {}
        self.modified: set[str] = set()
        self.unchanged: dict[str, set[Key]] = {}
        """Keys of workbook rows equal to the package's."""

    def change(self, name: str) -> ResourceChange:
        self.result.key_names.setdefault(name, list(self.pkg[name].primary_key))
        return self.result.changes.setdefault(name, ResourceChange())

    def illustrative(self, row: dict[str, str]) -> bool:
        return self.pkg.is_illustrative(row)

    def place(self, name: str, row: dict[str, str]) -> str | None:
        return self.pkg.place_of(name, row, self.tables)

    def in_scope(self, name: str, row: dict[str, str]) -> bool | None:
        if not self.imp.provinces:
            return True
        place = self.place(name, row)
        if place is None:
            return None
        return self.pkg.province_of_place(place) in self.imp.provinces

    def remove(self, name: str, key: Key, *, real: bool) -> None:
        row = self.tables[name].pop(key)
        self.removed.setdefault(name, {})[key] = row
        self.seeds.setdefault(name, set()).add(key)
        self.modified.add(name)
        change = self.change(name)
        (change.removed_real if real else change.removed_illustrative).append(key)

    # ------------------------------------------------------------------ steps

    def run(self) -> None:
        for name in PROVINCE_RESOURCES:
            if name in self.imp.rows:
                self.apply_sheet(name)
        self.check_scope()
        if self.imp.failed:
            return
        for name in PROVINCE_RESOURCES:
            if name in self.imp.rows:
                self.remove_missing_real(name)
        self.replace_illustrative()
        self.cascade()
        for name, keys in self.unchanged.items():
            self.change(name).unchanged = len(keys - set(self.removed.get(name, {})))
        if self.result.changed:
            self.add_source()
        self.conflicts()
        rendered = self.render()
        self.result.files = sorted(self.pkg[n].rel for n in rendered)
        self.validate(rendered)
        if self.imp.failed or self.result.dry_run or not rendered:
            return
        # Every file at once or none, even if the process dies (analysis.storage).
        folder = self.pkg.path.parent
        written = storage.commit(
            folder,
            {self.pkg[n].rel: data for n, data in rendered.items()},
            {self.pkg[n].rel: self.pkg[n].sha256 for n in rendered},
        )
        self.result.written = [folder / rel for rel in written]

    def apply_sheet(self, name: str) -> None:
        res = self.pkg[name]
        table = self.tables[name]
        change = self.change(name)
        source_notes = 0
        for wr in self.imp.rows[name]:
            key = res.key(wr.values)
            self.origin[(name, key)] = wr
            old = table.get(key)
            if old is None:
                table[key] = {**wr.values, SOURCE_FIELD: self.source_id}
                change.added.append(key)
                self.from_workbook.setdefault(name, set()).add(key)
                self.modified.add(name)
                source_notes += bool(wr.values.get(SOURCE_FIELD))
                continue
            diffs = [
                f
                for f in res.fields
                if f.name != SOURCE_FIELD
                and canonical(f, old.get(f.name, "")) != canonical(f, wr.values[f.name])
            ]
            if not diffs:
                self.unchanged.setdefault(name, set()).add(key)
                continue
            names = {f.name for f in diffs}
            new = {
                f.name: (wr.values[f.name] if f.name in names else old[f.name]) for f in res.fields
            }
            new[SOURCE_FIELD] = self.source_id
            if self.illustrative(old):
                change.changed_illustrative.append(key)
                self.seeds.setdefault(name, set()).add(key)
            else:
                fields = [
                    FieldChange(f.name, old[f.name], new[f.name], _at(wr, f.name)) for f in diffs
                ]
                change.changed_real.append((key, fields))
            source_notes += bool(wr.values.get(SOURCE_FIELD)) and wr.values[SOURCE_FIELD] != (
                self.source_id
            )
            table[key] = new
            self.from_workbook.setdefault(name, set()).add(key)
            self.modified.add(name)
        if source_notes:
            self.imp.note(
                "source-replaced",
                sheet=self.imp.layouts[name].grid.name,
                params={"n": source_notes, "source": self.source_id},
            )

    def check_scope(self) -> None:
        if not self.imp.provinces:
            return
        for name, rows in self.imp.rows.items():
            res = self.pkg[name]
            for wr in rows:
                row = self.tables[name].get(res.key(wr.values), wr.values)
                if self.in_scope(name, row) is False:
                    place = self.place(name, row) or ""
                    field_name = "commune_code" if res.has("commune_code") else res.primary_key[0]
                    self.imp.error(
                        "row-scope",
                        sheet=wr.sheet,
                        cell=wr.address(field_name),
                        value=wr.raw.get(field_name, ""),
                        params={
                            "place": place.lstrip("CP") or "*",
                            "provinces": ", ".join(
                                f"{self.pkg.province_names.get(p, p)} ({p})"
                                for p in self.imp.provinces
                            ),
                        },
                    )

    def remove_missing_real(self, name: str) -> None:
        res = self.pkg[name]
        present = {res.key(wr.values) for wr in self.imp.rows[name]}
        for key, row in list(self.tables[name].items()):
            if key in present or self.illustrative(row) or res.year_of(row) != self.year:
                continue
            if self.in_scope(name, row) is not True:
                continue
            self.remove(name, key, real=True)

    def replace_illustrative(self) -> None:
        doomed: list[tuple[str, Key]] = []
        for name in PROVINCE_RESOURCES:
            res = self.pkg[name] if name in self.pkg.resources else None
            written = self.from_workbook.get(name)
            if res is None or not written:
                continue
            table = self.tables[name]
            groups = {(res.year_of(table[k]), self.place(name, table[k])) for k in written}
            groups = {g for g in groups if g[1] is not None}
            for key, row in table.items():
                if key in written or not self.illustrative(row):
                    continue
                if (res.year_of(row), self.place(name, row)) in groups:
                    doomed.append((name, key))
        for name, key in doomed:
            self.remove(name, key, real=False)

    def cascade(self) -> None:
        """Remove the illustrative rows that hang from removed or replaced rows."""
        while True:
            doomed: set[tuple[str, Key]] = set()
            for name, res in self.pkg.resources.items():
                written = self.from_workbook.get(name, set())
                for fk in res.foreign_keys:
                    seeds = self.seeds.get(fk.resource)
                    target = self.pkg.resources.get(fk.resource)
                    if not seeds or target is None or list(fk.target) != target.primary_key:
                        continue
                    for key, row in self.tables[name].items():
                        if key in written or not self.illustrative(row):
                            continue
                        ref = tuple(
                            canonical(target.field(t), row.get(f, ""))
                            for f, t in zip(fk.fields, fk.target, strict=True)
                        )
                        if all(ref) and ref in seeds:
                            doomed.add((name, key))
                if name in ENTITY_LINKS:
                    own, parent = ENTITY_LINKS[name]
                    gone = {r[own] for r in self.removed.get(name, {}).values() if r.get(own)}
                    for key, row in self.tables[name].items():
                        if key in written or not self.illustrative(row):
                            continue
                        if row.get(own) in gone or (row.get(parent) and row[parent] in gone):
                            doomed.add((name, key))
            if not doomed:
                return
            for name, key in sorted(doomed):
                self.remove(name, key, real=False)  # which seeds the next round

    def add_source(self) -> None:
        sources = self.pkg["sources"]
        key = (self.source_id,)
        if key in self.tables["sources"]:
            return
        stamp = self.now.astimezone(dt.UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")
        note = (
            f"Workbook imported with 'python -m analysis import'; SHA-256 {self.result.sha256}; "
            f"imported {stamp} (UTC); year {self.year}"
        )
        if self.imp.provinces:
            note += "; provinces " + ", ".join(self.imp.provinces)
        row = {f.name: "" for f in sources.fields}
        row.update(
            {
                "source_id": self.source_id,
                "title": WORKBOOK_TITLE.format(
                    date=self.now.astimezone(dt.UTC).date().isoformat(),
                    sha=self.result.sha256[:12],
                ),
                "kind": WORKBOOK_KIND,
                "reliability": self.result.reliability,
                "note": note + ".",
            }
        )
        self.tables["sources"][key] = {k: v for k, v in row.items() if sources.has(k)}
        self.change("sources").added.append(key)
        self.modified.add("sources")

    def conflicts(self) -> None:
        if self.result.replace:
            return
        for name, change in self.result.changes.items():
            res = self.pkg[name]
            for key, fields in change.changed_real:
                wr = self.origin.get((name, key))
                for fc in fields:
                    self.imp.error(
                        "real-change",
                        sheet=wr.sheet if wr else None,
                        cell=wr.address(fc.field) if wr else None,
                        value=wr.raw.get(fc.field, "") if wr else fc.new,
                        params={
                            "record": describe_key(res, key),
                            "field": fc.field,
                            "old": fc.old,
                            "new": fc.new,
                        },
                    )
            for key in change.removed_real:
                row = self.removed[name][key]
                layout = self.imp.layouts.get(name)
                sheet = layout.grid.name if layout else name
                self.imp.error(
                    "real-removal",
                    where=f"{sheet} ← {res.rel} ({describe_key(res, key)})",
                    params={"record": describe_key(res, key), "source": row.get(SOURCE_FIELD, "")},
                )

    # ------------------------------------------------------------------ check and write

    def render(self) -> dict[str, bytes]:
        out = {}
        self.final: dict[str, list[dict[str, str]]] = {}
        for name in self.modified:
            res = self.pkg[name]
            rows = sorted(self.tables[name].values(), key=res.sort_key)
            self.final[name] = rows
            data = res.render(rows)
            if data != res.raw:
                out[name] = data
        return out

    def validate(self, rendered: dict[str, bytes]) -> None:
        if not rendered:
            return
        with tempfile.TemporaryDirectory(prefix="intake-") as tmp:
            root = Path(tmp)
            (root / self.pkg.path.name).write_bytes(self.pkg.descriptor_bytes)
            for name, res in self.pkg.resources.items():
                dest = root / res.rel
                dest.parent.mkdir(parents=True, exist_ok=True)
                dest.write_bytes(rendered.get(name, res.raw))
            merged, problems = read_package(root / self.pkg.path.name)
            if not problems and merged is not None:
                problems = check_package(merged)
        before = self._original_warnings()
        rel_to_name = {res.rel: name for name, res in self.pkg.resources.items()}
        for problem in problems:
            name = rel_to_name.get(problem.file)
            key = self._key_at(name, problem.row)
            if problem.severity != "error" and (name, key, problem.field, problem.rule) in before:
                continue
            self.imp.problems.append(self._translate(problem, name, key))

    def _original_warnings(self) -> set[tuple]:
        pkg = self.imp.loaded
        if pkg is None:
            return set()
        out = set()
        rel_to_name = {res.rel: name for name, res in self.pkg.resources.items()}
        for p in check_package(pkg):
            name = rel_to_name.get(p.file)
            key = None
            if name and p.row:
                rows = self.pkg[name].rows
                if 0 <= p.row - 2 < len(rows):
                    key = self.pkg[name].key(rows[p.row - 2])
            out.add((name, key, p.field, p.rule))
        return out

    def _key_at(self, name: str | None, row: int | None) -> Key | None:
        if name is None or row is None:
            return None
        rows = self.final.get(name)
        if rows is None:
            rows = self.pkg[name].rows
        index = row - 2
        if 0 <= index < len(rows):
            return self.pkg[name].key(rows[index])
        return None

    def _translate(self, problem: Problem, name: str | None, key: Key | None) -> IntakeProblem:
        wr = self.origin.get((name, key)) if name and key else None
        if wr is not None and (name, key) in self.origin:
            fields = (problem.field or "").split(",")
            first = fields[0] if fields and fields[0] else None
            address = wr.address(first)
            return IntakeProblem(
                problem.rule,
                problem.severity,
                sheet=wr.sheet,
                cell=address,
                row=None if address else wr.row,
                value=wr.raw.get(first or "", "") or None,
                problem=problem,
            )
        where = problem.file
        if name and key:
            where = f"{problem.file} ({describe_key(self.pkg[name], key)})"
        if problem.field:
            where += f" [{problem.field}]"
        return IntakeProblem(problem.rule, problem.severity, problem=problem, where=where)


def _at(wr: WorkbookRow, name: str) -> str | None:
    address = wr.address(name)
    return f"{wr.sheet}!{address}" if address else None


# --------------------------------------------------------------------------- writing
