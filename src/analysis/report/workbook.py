"""The Excel workbook beside each report: the report's tables as proper spreadsheet tables.

Every table a report shows becomes a sheet with the same columns, titled in the report's
language (with the unit), its cells typed as the report shows them (counts and years as whole
numbers, money with a thousands format, percentages as fractions formatted ``0.0%``, dates as
dates, categories as their labels), the header frozen and filtered, the columns sized to their
text. Counts hidden by the report's disclosure ledger are the same marks as on the page (``<5``,
``x``), and so are withheld figures. A first sheet (``README`` / ``Đọc trước``) names the
report, says how much of it is illustrative, and gives the data version, the code version and
the sources. Data text is stored as text, never as a formula.

Example:
    >>> import pandas as pd
    >>> from analysis.report.html import Col
    >>> sheet = Sheet("t", pd.DataFrame({"a": [1500000.0]}), {"a": Col("Chi (đồng)", "money")}, "c")
    >>> write_workbook([sheet], tmp_path / "t.xlsx", readme=[("Báo cáo", "x")], lang="vi")
    >>> import openpyxl
    >>> cell = openpyxl.load_workbook(tmp_path / "t.xlsx")["t"]["A3"]  # caption, titles, data
    >>> cell.value, cell.number_format
    (1500000, '#,##0')
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from analysis.i18n import is_missing, label, t

EXCEL_TEXT_LIMIT = 32_767
"""The most characters an Excel cell holds."""

FORMATS = {
    "money": "#,##0",
    "number": "#,##0",
    "number1": "#,##0.0",
    "number4": "0.0000",
    "percent": "0.0%",
    "people": "#,##0",
    "count": "#,##0",
    "date": "dd/mm/yyyy",
    "year": "0",
}
"""Excel number formats by column kind (Excel shows them with the reader's own separators)."""


@dataclass
class Sheet:
    """One table of a report, as the workbook holds it.

    Attributes:
        name: Sheet name (cut to Excel's 31 characters).
        frame: The table's values as the report shows them: counts already through the
            ledger (a number, or the hidden mark), withheld figures as the mark.
        columns: Column name -> :class:`analysis.report.html.Col` (title and kind).
        caption: The table's caption (a note above the header).
    """

    name: str
    frame: pd.DataFrame
    columns: Mapping
    caption: str


def cell_value(value, kind: str, lang: str):
    """What a cell holds: a number, a date or a text (never a formula)."""
    from analysis.report.html import HIDDEN

    if value is HIDDEN:
        return t("suppressed_complementary", lang)
    if kind == "year" and not is_missing(value) and str(value).isdigit():
        return int(value)
    if isinstance(value, str):
        return _text(value)
    if is_missing(value):
        return None
    if kind.startswith("enum:"):
        return label(kind[5:], value, lang)
    if kind == "bool":
        return t("yes" if value else "no", lang)
    if kind == "date":
        return pd.Timestamp(value).date() if not isinstance(value, dt.date) else value
    if kind in ("people", "count", "number") and float(value) == int(value):
        return int(value)
    if kind in FORMATS:
        return float(value)
    return _text(str(value))


def _text(text: str) -> str:
    if len(text) <= EXCEL_TEXT_LIMIT:
        return text
    note = f" […] ({len(text) - EXCEL_TEXT_LIMIT + 40:,} characters cut)"
    return text[: EXCEL_TEXT_LIMIT - len(note)] + note


def write_workbook(
    sheets: Sequence[Sheet], path: str | Path, *, readme: Sequence[tuple[str, str]], lang: str
) -> None:
    """Write the report's tables to ``path``: a README sheet, then one sheet per table."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    about = book.active
    about.title = t("workbook.readme", lang)[:31]
    for key, value in readme:
        about.append([_text(str(key)), _text(str(value))])
        about.cell(row=about.max_row, column=1).font = Font(bold=True)
    about.column_dimensions["A"].width = 28
    about.column_dimensions["B"].width = 100
    for row in about.iter_rows():
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            if isinstance(cell.value, str):
                cell.data_type = "s"
    used: set[str] = {about.title}
    for sheet in sheets:
        name = _unique(sheet.name[:31], used)
        ws = book.create_sheet(name)
        ws.append([_text(sheet.caption)])
        ws["A1"].font = Font(italic=True)
        ws.append([col.title for col in sheet.columns.values()])
        for cell in ws[2]:
            cell.font = Font(bold=True)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        kinds = [col.kind for col in sheet.columns.values()]
        for values in zip(*(sheet.frame[c].tolist() for c in sheet.columns), strict=True):
            ws.append([cell_value(v, k, lang) for v, k in zip(values, kinds, strict=True)])
        for j, kind in enumerate(kinds, start=1):
            fmt = FORMATS.get(kind)
            widest = len(str(ws.cell(row=2, column=j).value or ""))
            for row in ws.iter_rows(min_row=3, min_col=j, max_col=j):
                cell = row[0]
                if isinstance(cell.value, str):
                    cell.data_type = "s"  # text, even when it starts with "="
                    widest = max(widest, min(len(cell.value), 60))
                elif fmt and cell.value is not None:
                    cell.number_format = fmt
                    widest = max(widest, 14)
            ws.column_dimensions[get_column_letter(j)].width = min(max(widest + 2, 8), 62)
        for cell in ws[1]:
            cell.data_type = "s" if isinstance(cell.value, str) else cell.data_type
        ws.freeze_panes = "A3"
        if ws.max_row >= 2 and kinds:
            ws.auto_filter.ref = f"A2:{get_column_letter(len(kinds))}{ws.max_row}"
    book.save(path)


def _unique(name: str, used: set[str]) -> str:
    base, n = name, 2
    while name in used:
        suffix = f" ({n})"
        name = base[: 31 - len(suffix)] + suffix
        n += 1
    used.add(name)
    return name
