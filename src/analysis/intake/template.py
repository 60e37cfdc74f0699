"""Write the data-entry workbook a province fills in for one year.

One sheet per resource a province reports (:data:`~analysis.intake.schema.PROVINCE_RESOURCES`),
with the columns of ``datapackage.json`` in its order, each headed ``Vietnamese title
(field_name)``. Below the header: the year's rows already in the package. By default only real
rows are shown: illustrative (generated) rows are not figures a union should confirm or copy;
``include_illustrative`` adds them, in grey italics, for reference (they stay illustrative
unless edited). Commune and province columns show names (stored as codes on import),
enumerations show ``Label (code)``, booleans ``Có``/``Không``, dates dd/mm/yyyy.

Drop-down lists (Excel data validation, from a hidden ``_lists`` sheet) are set for
enumerations, yes/no, communes, provinces, implementing units and activities. A first sheet,
``Hướng dẫn``, explains the rules in Vietnamese and English and lists every field with its
titles, description, type, constraints and allowed values, all generated from the schema. A
hidden ``_meta`` sheet records the year and provinces for the importer.

Every text is written as text (:func:`put`): never as a formula, even when it starts with
``=``; a text longer than an Excel cell holds (32,767 characters) refuses the template instead
of being cut.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation

from analysis.i18n import t
from analysis.intake.parse import BOOLEAN_DISPLAY, ParseError
from analysis.intake.schema import (
    ENTITY_LINKS,
    HELP_SHEET,
    LISTS_SHEET,
    META_FORMAT,
    META_SHEET,
    META_VERSION,
    PROVINCE_RESOURCES,
    SOURCE_FIELD,
    Field,
    PackageData,
    Resource,
)
from analysis.package import read_package
from analysis.paths import DATAPACKAGE
from analysis.render import atomic_write

__all__ = ["TemplateError", "TemplateSummary", "build_template", "put", "write_template"]

EXTRA_ROWS = 1000
"""Empty rows below the pre-filled ones that get the drop-down lists and formats."""

_HEADER_FILL = PatternFill("solid", fgColor="FCE4D6")
_REQUIRED_FILL = PatternFill("solid", fgColor="F8CBAD")
_SOURCE_FILL = PatternFill("solid", fgColor="E7E6E6")
_TITLE_FONT = Font(bold=True, size=14)
_BOLD = Font(bold=True)
_ILLUSTRATIVE_FONT = Font(italic=True, color="808080")
_WRAP = Alignment(wrap_text=True, vertical="top")


TEXT_LIMIT = 32_767
"""Characters in one cell: Excel's own limit (a longer text would be cut by Excel)."""
_FORMULA_START = ("=", "+", "-", "@")


def put(ws, row: int, col: int, value: Any):
    """Write a value to a cell; text is always stored as text, never as a formula.

    openpyxl turns a ``str`` starting with ``=`` into a formula: the cell's type is set back
    to text, and text starting with ``=``, ``+``, ``-`` or ``@`` gets Excel's quote prefix so
    that editing the cell in Excel keeps it text.

    Raises:
        TemplateError: ``text-too-long``: the text is longer than a cell holds.
    """
    cell = ws.cell(row, col)
    if isinstance(value, str):
        if len(value) > TEXT_LIMIT:
            raise TemplateError(
                "text-too-long",
                sheet=ws.title,
                cell=cell.coordinate,
                n=len(value),
                limit=TEXT_LIMIT,
            )
        cell.value = value
        cell.data_type = "s"
        if value.startswith(_FORMULA_START):
            cell.quotePrefix = True
    else:
        cell.value = value
    return cell


class TemplateError(ValueError):
    """The template cannot be made (invalid package, unknown province, year out of range)."""

    def __init__(self, rule: str, **params: Any) -> None:
        super().__init__(rule)
        self.rule = rule
        self.params = params

    def message(self, lang: str = "vi") -> str:
        return t(f"intake.template.{self.rule}", lang, **self.params)


@dataclass
class TemplateSummary:
    """What :func:`write_template` wrote."""

    path: Path | None
    year: int
    provinces: tuple[str, ...]
    rows: dict[str, int] = field(default_factory=dict)
    """Pre-filled rows per sheet."""
    illustrative_hidden: dict[str, int] = field(default_factory=dict)
    """Illustrative rows of the year not shown, per sheet."""


def build_template(
    year: int,
    package: str | Path | None = None,
    *,
    provinces: tuple[str, ...] | list[str] = (),
    include_illustrative: bool = False,
) -> tuple[Workbook, TemplateSummary]:
    """Build the workbook for ``year`` (see the module docstring).

    Args:
        year: The reporting year.
        package: ``datapackage.json`` (default: the bundled package).
        provinces: Restrict the workbook to these provinces (codes or names); empty: all.
        include_illustrative: Pre-fill the year's illustrative rows too.

    Returns:
        The openpyxl workbook and a summary of what it holds.

    Raises:
        TemplateError: The package is invalid, a province is unknown or the year is outside
            every resource's range.
    """
    package = Path(package or DATAPACKAGE)
    _, problems = read_package(package)
    if problems:
        raise TemplateError("package-invalid", n=len(problems), path=str(package))
    pkg = PackageData(package)
    low, high = _year_range(pkg)
    if not low <= year <= high:
        raise TemplateError("year-range", year=year, low=low, high=high)
    codes: list[str] = []
    for given in provinces:
        try:
            codes.append(pkg.province_matcher.match(given))
        except ParseError:
            raise TemplateError("province-unknown", value=given) from None
    builder = _Builder(pkg, year, tuple(sorted(set(codes))), include_illustrative)
    return builder.build(), builder.summary


def write_template(
    out: str | Path,
    year: int,
    package: str | Path | None = None,
    *,
    provinces: tuple[str, ...] | list[str] = (),
    include_illustrative: bool = False,
    overwrite: bool = False,
) -> TemplateSummary:
    """Build the workbook and write it to ``out`` atomically.

    Raises:
        TemplateError: as :func:`build_template`, or ``exists`` when ``out`` exists and
            ``overwrite`` is False.
    """
    out = Path(out)
    if out.exists() and not overwrite:
        raise TemplateError("exists", path=str(out))
    workbook, summary = build_template(
        year, package, provinces=provinces, include_illustrative=include_illustrative
    )
    buffer = io.BytesIO()
    workbook.save(buffer)
    atomic_write(out, buffer.getvalue())
    summary.path = out
    return summary


def _year_range(pkg: PackageData) -> tuple[int, int]:
    lows, highs = [], []
    for name in PROVINCE_RESOURCES:
        fld = pkg[name].year_field if name in pkg.resources else None
        if fld is None:
            continue
        cons = fld.constraints
        if fld.type == "date":
            lows.append(int(str(cons.get("minimum", "1900"))[:4]))
            highs.append(int(str(cons.get("maximum", "2100"))[:4]))
        else:
            lows.append(int(cons.get("minimum", 1900)))
            highs.append(int(cons.get("maximum", 2100)))
    return (min(lows), max(highs)) if lows else (1900, 2100)


def _next_identifiers(pkg: PackageData, year: int) -> list[str]:
    """``beneficiary_id: B000934`` ... for identifier fields with a simple pattern."""
    out = []
    for name in PROVINCE_RESOURCES:
        res = pkg[name]
        for fld in res.fields:
            pattern = fld.constraints.get("pattern", "")
            simple = re.fullmatch(r"([A-Z]+)\\d\{(\d+)\}", pattern)
            dated = re.fullmatch(r"([A-Z]+)\\d\{4\}-\\d\{(\d+)\}", pattern)
            entity = ENTITY_LINKS.get(name, ())[:1]
            if not (simple or dated) or fld.name not in [*res.primary_key, *entity]:
                continue
            if simple:
                prefix, width = simple.group(1), int(simple.group(2))
            else:
                prefix, width = f"{dated.group(1)}{year}-", int(dated.group(2))
            used = [
                int(row[f.name][len(prefix) :])
                for row in res.rows
                for f in res.fields
                if f.constraints.get("pattern") == pattern
                and row.get(f.name, "").startswith(prefix)
                and row[f.name][len(prefix) :].isdigit()
            ]
            out.append(f"{name}.{fld.name}: {prefix}{str(max(used, default=0) + 1).zfill(width)}")
    return out


class _Builder:
    def __init__(
        self, pkg: PackageData, year: int, provinces: tuple[str, ...], illustrative: bool
    ) -> None:
        self.pkg = pkg
        self.year = year
        self.provinces = provinces
        self.illustrative = illustrative
        self.summary = TemplateSummary(None, year, provinces)
        self.wb = Workbook()
        self.lists: dict[str, str] = {}
        self.tables = {
            name: {res.key(row): row for row in res.rows} for name, res in pkg.resources.items()
        }

    # ------------------------------------------------------------------ rows

    def in_scope(self, name: str, row: dict[str, str]) -> bool:
        if not self.provinces:
            return True
        place = self.pkg.place_of(name, row, self.tables)
        return self.pkg.province_of_place(place) in self.provinces

    def rows_for(self, res: Resource) -> list[dict[str, str]]:
        shown, hidden = [], 0
        for row in res.rows:
            if res.year_of(row) != self.year or not self.in_scope(res.name, row):
                continue
            if self.pkg.is_illustrative(row) and not self.illustrative:
                hidden += 1
                continue
            shown.append(row)
        self.summary.rows[res.name] = len(shown)
        self.summary.illustrative_hidden[res.name] = hidden
        return shown

    # ------------------------------------------------------------------ cells

    def display(self, res: Resource, fld: Field, text: str) -> Any:
        """What a cell shows for a CSV value; the importer reads it back to the same value."""
        if text == "":
            return None
        lookup = self.pkg.lookup_kind(res.name, fld)
        if lookup == "commune":
            return self.pkg.commune_display.get(text, text)
        if lookup == "province":
            return self.pkg.province_names.get(text, text)
        if fld.enum:
            return self.pkg.enum_display(fld).get(text, text)
        for fk in res.foreign_keys:  # a named key (an implementing unit) as in its drop-down
            if fk.fields == (fld.name,) and fk.resource not in PROVINCE_RESOURCES:
                return self.pkg.key_display(fk.resource).get(text, text)
        if fld.type == "integer":
            return int(text)
        if fld.type == "number":
            number = Decimal(text)
            if number == number.to_integral_value():
                return int(number)
            as_float = float(number)
            return as_float if Decimal(repr(as_float)) == number else text.replace(".", ",")
        if fld.type == "boolean":
            return BOOLEAN_DISPLAY[text in ("true", "True", "TRUE", "1")]
        if fld.type == "date":
            return dt.date.fromisoformat(text)
        return text

    @staticmethod
    def number_format(fld: Field) -> str:
        if fld.type == "date":
            return "DD/MM/YYYY"
        if fld.type == "integer":
            return "0" if fld.name == "year" or fld.name.endswith("_year") else "#,##0"
        if fld.type == "number":
            return "General"
        return "@"

    # ------------------------------------------------------------------ lists

    def list_name(self, key: str, values: list[str]) -> str | None:
        """A defined name for a drop-down list, written once to the hidden lists sheet."""
        if not values:
            return None
        if key in self.lists:
            return self.lists[key]
        sheet = self.wb[LISTS_SHEET]
        col = len(self.lists) + 1
        put(sheet, 1, col, key)
        for i, value in enumerate(values, start=2):
            cell = put(sheet, i, col, value)
            cell.number_format = "@"
        letter = get_column_letter(col)
        name = "lst_" + re.sub(r"\W", "_", key)
        ref = f"{quote_sheetname(LISTS_SHEET)}!${letter}$2:${letter}${len(values) + 1}"
        self.wb.defined_names[name] = DefinedName(name, attr_text=ref)
        self.lists[key] = name
        return name

    def choices(self, res: Resource, fld: Field) -> tuple[str, list[str], bool] | None:
        """(list key, values, strict) of a column's drop-down, or None."""
        lookup = self.pkg.lookup_kind(res.name, fld)
        if lookup == "commune":
            codes = [
                r["commune_code"]
                for r in self.pkg.communes
                if not self.provinces or r.get("province_code") in self.provinces
            ]
            return "communes", [self.pkg.commune_display[c] for c in codes], False
        if lookup == "province":
            names = [
                name
                for code, name in self.pkg.province_names.items()
                if not self.provinces or code in self.provinces
            ]
            return "provinces", names, False
        if fld.enum:
            return f"{res.name}.{fld.name}", list(self.pkg.enum_display(fld).values()), True
        if fld.type == "boolean":
            return "boolean", [BOOLEAN_DISPLAY[True], BOOLEAN_DISPLAY[False]], True
        for fk in res.foreign_keys:
            if fk.fields != (fld.name,) or fk.resource == "sources":
                continue
            target = self.pkg[fk.resource]
            if fk.resource == "plans":
                ids = [
                    row[fk.target[0]]
                    for row in target.rows
                    if (target.year_of(row) or 0) in (self.year - 1, self.year)
                    and self.in_scope("plans", row)
                ]
                return f"activities_{self.year}", ids, False
            if fk.resource not in PROVINCE_RESOURCES:
                return fk.resource, list(self.pkg.key_display(fk.resource).values()), False
        return None

    # ------------------------------------------------------------------ sheets

    def build(self) -> Workbook:
        help_sheet = self.wb.active
        help_sheet.title = HELP_SHEET
        sheets = [self.wb.create_sheet(name) for name in PROVINCE_RESOURCES]
        lists = self.wb.create_sheet(LISTS_SHEET)
        meta = self.wb.create_sheet(META_SHEET)
        for ws in sheets:
            self.resource_sheet(ws, self.pkg[ws.title])
        self.help_sheet(help_sheet)
        self.meta_sheet(meta)
        lists.sheet_state = "hidden"
        meta.sheet_state = "hidden"
        self.wb.active = 0
        return self.wb

    def resource_sheet(self, ws, res: Resource) -> None:
        rows = self.rows_for(res)
        last = len(rows) + 1 + EXTRA_ROWS
        for col, fld in enumerate(res.fields, start=1):
            letter = get_column_letter(col)
            cell = put(ws, 1, col, fld.header)
            cell.font = _BOLD
            cell.alignment = _WRAP
            cell.fill = (
                _SOURCE_FILL
                if fld.name == SOURCE_FIELD
                else (_REQUIRED_FILL if fld.required else _HEADER_FILL)
            )
            cell.comment = Comment(self.comment(res, fld), "datapackage.json")
            fmt = self.number_format(fld)
            ws.column_dimensions[letter].number_format = fmt
            ws.column_dimensions[letter].width = min(45, max(12, len(fld.header) * 0.9))
            choice = self.choices(res, fld)
            if choice is not None:
                key, values, strict = choice
                name = self.list_name(key, values)
                if name:
                    dv = DataValidation(
                        type="list",
                        formula1=f"={name}",
                        allow_blank=True,
                        showErrorMessage=True,
                        errorStyle="stop" if strict else "warning",
                        errorTitle=fld.header[:32],
                        error=t("intake.template.choose", "vi")
                        + " / "
                        + t("intake.template.choose", "en"),
                    )
                    ws.add_data_validation(dv)
                    dv.add(f"{letter}2:{letter}{last}")
        for r, row in enumerate(rows, start=2):
            illustrative = self.pkg.is_illustrative(row)
            for col, fld in enumerate(res.fields, start=1):
                value = self.display(res, fld, row.get(fld.name, ""))
                if value is None:
                    continue
                cell = put(ws, r, col, value)
                cell.number_format = self.number_format(fld)
                if illustrative:
                    cell.font = _ILLUSTRATIVE_FONT
        ws.freeze_panes = "A2"
        ws.auto_filter.ref = f"A1:{get_column_letter(len(res.fields))}{max(2, len(rows) + 1)}"
        ws.row_dimensions[1].height = 45

    def comment(self, res: Resource, fld: Field) -> str:
        lines = [f"{fld.title} ({fld.name})", fld.description, self.type_text(fld, "en")]
        constraints = self.constraint_text(res, fld, "en")
        if constraints:
            lines.append(constraints)
        return "\n".join(x for x in lines if x)

    def type_text(self, fld: Field, lang: str) -> str:
        return t(f"intake.type.{fld.type}", lang)

    def constraint_text(self, res: Resource, fld: Field, lang: str) -> str:
        cons = fld.constraints
        parts = []
        if fld.name in res.primary_key:
            parts.append(t("intake.help.primary_key", lang))
        if "pattern" in cons:
            parts.append(t("intake.help.pattern", lang, pattern=cons["pattern"]))
        for key in ("minimum", "maximum"):
            if key in cons:
                parts.append(t(f"intake.help.{key}", lang, limit=cons[key]))
        for fk in res.foreign_keys:
            if fld.name in fk.fields and fk.resource != "sources":
                parts.append(
                    t("intake.help.refers", lang, resource=fk.resource, field=",".join(fk.target))
                )
        if fld.name == SOURCE_FIELD:
            parts.append(t("intake.help.source_column", lang))
        return "; ".join(parts)

    def allowed_text(self, res: Resource, fld: Field) -> str:
        lookup = self.pkg.lookup_kind(res.name, fld)
        if lookup == "commune":
            return "; ".join(
                f"{self.pkg.commune_display[r['commune_code']]} ({r['commune_code']})"
                for r in self.pkg.communes
                if not self.provinces or r.get("province_code") in self.provinces
            )
        if lookup == "province":
            return "; ".join(f"{n} ({c})" for c, n in self.pkg.province_names.items())
        if fld.enum:
            return "; ".join(self.pkg.enum_display(fld).values())
        if fld.type == "boolean":
            return f"{BOOLEAN_DISPLAY[True]}; {BOOLEAN_DISPLAY[False]}"
        return ""

    def help_sheet(self, ws) -> None:
        scope = (
            ", ".join(f"{self.pkg.province_names.get(c, c)} ({c})" for c in self.provinces)
            if self.provinces
            else None
        )
        row = 1
        put(ws, row, 1, t("intake.help.title", "vi", year=self.year)).font = _TITLE_FONT
        row += 1
        put(ws, row, 1, t("intake.help.title", "en", year=self.year)).font = _BOLD
        row += 2
        hidden = sum(self.summary.illustrative_hidden.values())
        next_ids = ", ".join(_next_identifiers(self.pkg, self.year))
        for lang in ("vi", "en"):
            put(ws, row, 1, t("intake.help.heading", lang)).font = _BOLD
            row += 1
            lines = [
                t("intake.help.scope", lang, scope=scope or t("intake.help.all", lang)),
                *(t(f"intake.help.rule{i}", lang) for i in range(1, 10)),
                t("intake.help.next_ids", lang, ids=next_ids or "—"),
            ]
            if hidden and not self.illustrative:
                lines.append(t("intake.help.hidden_illustrative", lang, n=hidden))
            if self.illustrative:
                lines.append(t("intake.help.shown_illustrative", lang))
            for line in lines:
                put(ws, row, 1, "• " + line)
                row += 1
            row += 1
        headers = [
            "Trang tính / Sheet",
            "Tiêu đề cột / Column header",
            "Trường / Field",
            "Tiêu đề (tiếng Việt)",
            "Title (English)",
            "Mô tả / Description",
            "Kiểu / Type",
            "Bắt buộc / Required",
            "Ràng buộc / Constraints",
            "Giá trị cho phép / Allowed values",
        ]
        for col, text in enumerate(headers, start=1):
            cell = put(ws, row, col, text)
            cell.font = _BOLD
            cell.fill = _HEADER_FILL
            cell.alignment = _WRAP
        table_start = row
        for name in PROVINCE_RESOURCES:
            res = self.pkg[name]
            for fld in res.fields:
                row += 1
                values = [
                    f"{name} — {res.title_vi}",
                    fld.header,
                    fld.name,
                    fld.title_vi,
                    fld.title,
                    fld.description,
                    f"{self.type_text(fld, 'vi')} / {self.type_text(fld, 'en')}",
                    "Có / Yes" if fld.required else "Không / No",
                    self.constraint_text(res, fld, "vi")
                    + (" | " if self.constraint_text(res, fld, "vi") else "")
                    + self.constraint_text(res, fld, "en"),
                    self.allowed_text(res, fld),
                ]
                for col, value in enumerate(values, start=1):
                    cell = put(ws, row, col, value or None)
                    cell.alignment = _WRAP
                    cell.number_format = "@"
        widths = (24, 34, 24, 28, 28, 50, 18, 12, 40, 60)
        for col, width in enumerate(widths, start=1):
            ws.column_dimensions[get_column_letter(col)].width = width
        ws.freeze_panes = ws.cell(table_start + 1, 1).coordinate

    def meta_sheet(self, ws) -> None:
        pairs = [
            ("format", META_FORMAT),
            ("version", META_VERSION),
            ("year", self.year),
            ("provinces", ";".join(self.provinces)),
            ("include_illustrative", "true" if self.illustrative else "false"),
            ("package_version", str(self.pkg.descriptor.get("version", ""))),
        ]
        for r, (key, value) in enumerate(pairs, start=1):
            put(ws, r, 1, key)
            put(ws, r, 2, value).number_format = "@"
