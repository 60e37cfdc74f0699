"""Read an ``.xlsx`` file into plain grids of cell values, keeping what Excel knows about them.

The file is opened twice with openpyxl: once for the cached values of formulas
(``data_only=True``) and once to know which cells hold a formula. A formula whose value was
never computed (the file was written by a program, not saved by Excel) has no value to import.
Merged cells, hidden rows, hidden columns and hidden sheets are recorded so that the importer
can say what it did with them.
"""

from __future__ import annotations

import io
import warnings
import zipfile
from dataclasses import dataclass, field
from typing import Any

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

__all__ = ["Cell", "Grid", "WorkbookError", "read_workbook"]


class WorkbookError(Exception):
    """The file is not a readable ``.xlsx`` workbook."""

    def __init__(self, rule: str, detail: str = "") -> None:
        super().__init__(detail or rule)
        self.rule = rule
        self.detail = detail


@dataclass(frozen=True)
class Cell:
    """A cell's value as imported.

    Attributes:
        value: The value (the cached value of a formula); None when empty.
        formula: The cell holds a formula.
        error: The cell holds an Excel error value (``#N/A``, ``#DIV/0!`` ...).
    """

    value: Any
    formula: bool = False
    error: bool = False

    @property
    def missing_formula_value(self) -> bool:
        return self.formula and self.value is None

    @property
    def empty(self) -> bool:
        if self.formula or self.error:
            return False
        return self.value is None or (isinstance(self.value, str) and not self.value.strip())


@dataclass
class Grid:
    """One worksheet: its cells by (row, column), 1-based, and what is hidden or merged."""

    name: str
    cells: dict[tuple[int, int], Cell] = field(default_factory=dict)
    max_row: int = 0
    max_col: int = 0
    hidden: bool = False
    hidden_rows: set[int] = field(default_factory=set)
    hidden_cols: set[int] = field(default_factory=set)
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)
    """Merged ranges as (min_row, min_col, max_row, max_col)."""

    def get(self, row: int, col: int) -> Cell:
        return self.cells.get((row, col), _EMPTY)

    def merge_of(self, row: int, col: int) -> tuple[int, int, int, int] | None:
        for rng in self.merged:
            if rng[0] <= row <= rng[2] and rng[1] <= col <= rng[3]:
                return rng
        return None

    def row_values(self, row: int) -> list[Cell]:
        return [self.get(row, c) for c in range(1, self.max_col + 1)]


_EMPTY = Cell(None)


def cell_name(row: int, col: int) -> str:
    """``(14, 4)`` → ``'D14'``."""
    return f"{get_column_letter(col)}{row}"


def read_workbook(data: bytes) -> list[Grid]:
    """Every worksheet of an ``.xlsx`` file as a :class:`Grid`, in the workbook's order.

    Raises:
        WorkbookError: ``not-xlsx`` when the bytes are not an Excel 2007+ workbook.
    """
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise WorkbookError("not-xlsx")
    try:
        with warnings.catch_warnings():
            # "Data Validation extension is not supported and will be removed" and the like:
            # the importer reads values only, so these warnings say nothing to the user.
            warnings.simplefilter("ignore", UserWarning)
            values = load_workbook(io.BytesIO(data), data_only=True, keep_links=False)
            formulas = load_workbook(io.BytesIO(data), data_only=False, keep_links=False)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds for a bad file
        raise WorkbookError("not-xlsx", f"{type(exc).__name__}: {exc}") from None
    grids = []
    for ws in values.worksheets:
        wf = formulas[ws.title]
        grid = Grid(ws.title, hidden=ws.sheet_state != "visible")
        formula_cells = {
            (c.row, c.column)
            for row in wf.iter_rows()
            for c in row
            if c.data_type == "f" and c.value is not None
        }
        for row in ws.iter_rows():
            for c in row:
                if c.value is None and (c.row, c.column) not in formula_cells:
                    continue
                grid.cells[(c.row, c.column)] = Cell(
                    c.value,
                    formula=(c.row, c.column) in formula_cells,
                    error=c.data_type == "e",
                )
        for r, c in grid.cells:
            grid.max_row = max(grid.max_row, r)
            grid.max_col = max(grid.max_col, c)
        grid.hidden_rows = {r for r, dim in ws.row_dimensions.items() if dim.hidden}
        for dim in ws.column_dimensions.values():
            if dim.hidden and dim.min and dim.max:
                grid.hidden_cols.update(range(dim.min, dim.max + 1))
        grid.merged = [(m.min_row, m.min_col, m.max_row, m.max_col) for m in ws.merged_cells.ranges]
        grids.append(grid)
    return grids
