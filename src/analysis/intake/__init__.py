"""Excel workbooks in and out: the data-entry template and its checked, all-or-nothing import.

Provinces, district women's unions and border posts report in Excel. :func:`write_template`
writes the workbook for a year from ``datapackage.json`` (one sheet per table a province
reports, pre-filled, with drop-down lists and a generated help sheet); :func:`import_workbook`
reads a filled one back, converts Vietnamese numbers, dates and commune names without
guessing, refuses personal data, checks the result with the rest of the package and writes
the changed CSV files all together or not at all.

The names below are imported on first use, so that ``python -m analysis --help`` (which
imports :func:`register`) stays quick.

Example:
    >>> from analysis.intake import import_workbook, write_template
    >>> write_template("mau_2024.xlsx", 2024)  # doctest: +SKIP
    >>> result = import_workbook("mau_2024.xlsx", dry_run=True)  # doctest: +SKIP
    >>> result.changed  # doctest: +SKIP
    False
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "register": "cli",
    "FieldChange": "importer",
    "ImportResult": "importer",
    "ResourceChange": "importer",
    "import_workbook": "importer",
    "workbook_source_id": "importer",
    "CodeMatcher": "parse",
    "ParseError": "parse",
    "fold": "parse",
    "parse_boolean": "parse",
    "parse_date": "parse",
    "parse_number": "parse",
    "IntakeProblem": "problems",
    "TemplateError": "template",
    "TemplateSummary": "template",
    "build_template": "template",
    "write_template": "template",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'analysis.intake' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"analysis.intake.{_EXPORTS[name]}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])
