"""What the workbook tools report: errors, warnings and notes, each tied to a sheet and cell."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from openpyxl.utils.cell import column_index_from_string, coordinate_from_string

from analysis.errors import Problem
from analysis.i18n import t

__all__ = ["IntakeProblem", "visible"]

SEVERITIES = ("error", "warning", "note")

_INVISIBLE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]"
)


def visible(text: str) -> str:
    """``text`` with control, bidi and zero-width characters written as ``‹U+XXXX›``."""
    return _INVISIBLE.sub(lambda m: f"‹U+{ord(m.group(0)):04X}›", text)


@dataclass(frozen=True)
class IntakeProblem:
    """One finding about a workbook or about the package it would produce.

    Attributes:
        rule: Short rule key (``number-ambiguous``, ``pii-phone``, ``foreign-key`` ...). For a
            finding of the package's own checks it is that check's rule.
        severity: ``error`` (nothing is written), ``warning`` (written, but look at it) or
            ``note`` (what the importer did, e.g. an extra sheet it ignored).
        sheet: Worksheet name, when the finding is in the workbook.
        cell: Excel cell (``D14``), when one cell is at fault.
        row: Excel row, when a whole row is at fault.
        value: The value found, as typed (masked for personal data).
        params: Values for the message.
        problem: The package :class:`~analysis.errors.Problem` this finding translates.
        where: Location outside the workbook (``data/plans.csv (activity_id=...)``).
    """

    rule: str
    severity: str = "error"
    sheet: str | None = None
    cell: str | None = None
    row: int | None = None
    value: str | None = None
    params: dict = field(default_factory=dict, compare=False, hash=False)
    problem: Problem | None = field(default=None, compare=False, hash=False)
    where: str | None = None

    @property
    def address(self) -> str | None:
        """``transactions!D14``, or None when no single cell is at fault."""
        if self.sheet and self.cell:
            return f"{self.sheet}!{self.cell}"
        return None

    def location(self, lang: str = "vi") -> str:
        if self.address:
            return self.address
        if self.sheet and self.row:
            return t("intake.at_row", lang, sheet=self.sheet, row=self.row)
        if self.sheet:
            return self.sheet
        return self.where or t("intake.at_workbook", lang)

    def message(self, lang: str = "vi") -> str:
        """The finding in ``lang``: what was found and what was expected."""
        if self.problem is not None:
            text = self.problem.describe(lang)
            if self.value and self.value not in text:
                text += " " + t("intake.cell_held", lang, value=self.value)
            return text
        return t(f"intake.rule.{self.rule}", lang, value=self.value or "", **self.params)

    def format(self, lang: str = "vi") -> str:
        """One line: location, rule and message (control and bidi characters shown as
        ``‹U+202E›``, so that a cell cannot drive the terminal or reorder the line)."""
        return visible(f"{self.location(lang)} [{self.rule}] {self.message(lang)}")

    def sort_key(self, sheets: dict[str, int]) -> tuple:
        """Errors first, then by sheet (workbook order), row and column."""
        row, col = self.row or 0, 0
        if self.cell:
            letters, row = coordinate_from_string(self.cell)
            col = column_index_from_string(letters)
        return (
            SEVERITIES.index(self.severity),
            sheets.get(self.sheet or "", len(sheets)),
            row,
            col,
            self.where or "",
        )
