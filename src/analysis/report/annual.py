"""The annual evaluation report, one method per section, structured by the OECD DAC criteria.

The notebook ``notebooks/annual_evaluation.ipynb`` is a thin outline: it builds an
:class:`AnnualReport` from its parameters and displays each section. Every number in the text
comes from the data through :mod:`analysis.indicators`; every word comes from the message
catalogue, so the same report renders in Vietnamese or English.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field

import pandas as pd

from analysis.checks import check_package
from analysis.errors import Problem
from analysis.i18n import (
    LANGUAGES,
    format_money,
    format_percent,
    t,
)
from analysis.package import Package, load_package
from analysis.provenance import (
    illustrative_share,
)
from analysis.report import html as H

SECTIONS = (
    "summary",
    "relevance",
    "coherence",
    "effectiveness",
    "efficiency",
    "impact",
    "sustainability",
    "data-quality",
    "methods",
)


class ReportParameterError(ValueError):
    """A report parameter is wrong; the message says which and what is allowed."""


def _is_nan(x) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x)) or x is pd.NA


@dataclass
class AnnualReport:
    """The annual evaluation of one year in one language.

    Build it with :meth:`load`; each public method returns one displayable HTML section.
    """

    pkg: Package
    year: int
    lang: str
    min_cell: int = 5
    problems: list[Problem] = field(default_factory=list)
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)

    # ------------------------------------------------------------------ construction
    @classmethod
    def load(
        cls,
        *,
        year: int,
        lang: str,
        package_path: str,
        min_cell: int = 5,
        pkg: Package | None = None,
    ) -> AnnualReport:
        """Check the parameters, load the package strictly, and return the report.

        Raises:
            ReportParameterError: unknown language, a year absent from the package, or a
                threshold below 1.
            analysis.errors.PackageInvalid: the package has errors.
        """
        if lang not in LANGUAGES:
            raise ReportParameterError(
                f"lang={lang!r}: unknown language; use one of {', '.join(LANGUAGES)}"
            )
        if not isinstance(year, int) or isinstance(year, bool):
            raise ReportParameterError(f"year={year!r}: the year must be an integer")
        if not isinstance(min_cell, int) or min_cell < 1:
            raise ReportParameterError(f"min_cell={min_cell!r}: must be an integer >= 1")
        pkg = pkg or load_package(package_path)
        years = sorted(int(y) for y in pkg["plans"]["year"].dropna().unique())
        if year not in years:
            raise ReportParameterError(
                t("cli.unknown_year", lang, year=year, years=", ".join(map(str, years)))
            )
        problems = check_package(pkg)
        errors = [p for p in problems if p.severity == "error"]
        if errors:
            from analysis.errors import PackageInvalid

            raise PackageInvalid(errors)
        return cls(pkg, year, lang, min_cell, problems)

    # ------------------------------------------------------------------ helpers
    def _t(self, key: str, **kwargs) -> str:
        return t(key, self.lang, **kwargs)

    def _money(self, x) -> str:
        return format_money(x, self.lang)

    def _pct(self, x) -> str:
        return format_percent(x, self.lang)

    def _people(self, n) -> str:
        from analysis.i18n import format_count

        return format_count(n, self.lang, threshold=self.min_cell)

    def _keep(self, name: str, frame: pd.DataFrame) -> pd.DataFrame:
        """Remember a table for the workbook (sheet names are at most 31 characters)."""
        self.tables[name[:31]] = frame.reset_index(drop=True)
        return frame

    @property
    def _share(self) -> pd.DataFrame:
        return illustrative_share(self.pkg, self.year)

    def _plans(self) -> pd.DataFrame:
        plans = self.pkg["plans"]
        return plans[plans["year"] == self.year]

    # ------------------------------------------------------------------ header and banner
    def header(self) -> H.Fragment:
        """Title, subtitle, generation time, the illustrative-data banner and the contents."""
        title = self._t("report.title", year=self.year)
        pkg_title = self.pkg.descriptor.get("title_vi" if self.lang == "vi" else "title", "")
        now = dt.datetime.now().strftime("%d/%m/%Y %H:%M")
        parts = [
            f"<header>{H.h(1, title)}",
            H.p(pkg_title, "subtitle"),
            H.p(self._t("report.generated", when=now), "note generated"),
        ]
        share = self._share.set_index("resource").loc["all", "share"]
        if not _is_nan(share) and share > 0:
            parts.append(
                f'<div class="banner" role="note">'
                f"{H.esc(self._t('report.banner', share=self._pct(share)))}</div>"
            )
        links = "".join(
            f'<li><a href="#{s}">{H.esc(self._t("section." + s))}</a></li>' for s in SECTIONS
        )
        parts.append(
            f'<nav aria-label="{H.esc(self._t("report.contents"))}"><ol>{links}</ol></nav></header>'
        )
        return H.join(parts)
