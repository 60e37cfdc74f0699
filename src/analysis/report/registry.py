"""The kinds of report the toolkit renders: one :class:`ReportSpec` each, in one list.

A spec names the notebook that builds the report, the report class whose methods the
notebook's cells call (``CELLS``), and where the rendered file goes. The command line, the
renderer, the index of rendered reports and the tests all read this list; adding a kind of
report means adding a spec here, its class and its notebook.

Example:
    >>> [spec.kind for spec in REPORTS]
    ['annual', 'phase', 'commune']
    >>> SPECS["annual"].relative_path("vi", year=2024)
    '2024/annual_evaluation_2024_vi.html'
"""

from __future__ import annotations

import importlib
import re
import string
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from analysis.paths import NOTEBOOKS_DIR


@dataclass(frozen=True)
class ReportSpec:
    """One kind of report.

    Attributes:
        kind: Short name (``annual``, ``phase``, ``commune``), also the index's group key.
        notebook: File name in ``notebooks/``.
        report: ``module:Class`` of the report class the notebook builds.
        path: Where a rendered report goes, relative to the reports folder: a template whose
            fields are the report's path fields (see the class's ``path_fields``) and
            ``lang``.
    """

    kind: str
    notebook: str
    report: str
    path: str

    @property
    def report_class(self):
        module, name = self.report.split(":")
        return getattr(importlib.import_module(module), name)

    @property
    def notebook_path(self) -> Path:
        return NOTEBOOKS_DIR / self.notebook

    @property
    def fields(self) -> tuple[str, ...]:
        """The template's fields other than ``lang``."""
        names = [f for _, f, _, _ in string.Formatter().parse(self.path) if f]
        return tuple(dict.fromkeys(n for n in names if n != "lang"))

    def relative_path(self, lang: str, **fields) -> str:
        return self.path.format(lang=lang, **fields)

    def pattern(self) -> re.Pattern:
        """A regular expression matching the template's paths (fields as named groups)."""
        out, seen = [], set()
        for literal, name, _, _ in string.Formatter().parse(self.path):
            out.append(re.escape(literal))
            if name is None:
                continue
            out.append(f"(?P={name})" if name in seen else f"(?P<{name}>[^/]+?)")
            seen.add(name)
        return re.compile("".join(out) + r"\Z")

    def find(self, reports_dir: Path) -> Iterator[tuple[dict, Path]]:
        """Rendered reports of this kind under ``reports_dir``: (fields with lang, path)."""
        pattern = self.pattern()
        glob = re.sub(r"\{[^}]*\}", "*", self.path)
        for path in sorted(reports_dir.glob(glob)):
            m = pattern.match(path.relative_to(reports_dir).as_posix())
            if m:
                yield m.groupdict(), path


REPORTS: tuple[ReportSpec, ...] = (
    ReportSpec(
        kind="annual",
        notebook="annual_evaluation.ipynb",
        report="analysis.report.annual:AnnualReport",
        path="{year}/annual_evaluation_{year}_{lang}.html",
    ),
    ReportSpec(
        kind="phase",
        notebook="phase_evaluation.ipynb",
        report="analysis.report.phase:PhaseReport",
        path="phase_{first}_{last}/phase_evaluation_{lang}.html",
    ),
    ReportSpec(
        kind="commune",
        notebook="commune_profile.ipynb",
        report="analysis.report.commune:CommuneProfile",
        path="communes/{commune_code}_{lang}.html",
    ),
)
"""Every kind of report, in the order the index lists them."""

SPECS: dict[str, ReportSpec] = {spec.kind: spec for spec in REPORTS}
