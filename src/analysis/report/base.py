"""What every report shares: parameter checks, formatting helpers, the illustrative-data
banner, the data-quality section, the provenance footer and the tables workbook.

A report class names its scope (which rows it draws on, which parameters it was given, its
title and sections); this base turns that into the common parts, so the annual report, the
phase evaluation and the commune profiles say the same things the same way.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import platform
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

import pandas as pd

from analysis.checks import check_package
from analysis.disclosure import Ledger
from analysis.errors import PackageChanged, PackageInvalid, Problem
from analysis.i18n import (
    LANGUAGES,
    count_text,
    format_money_prose,
    format_number,
    format_percent,
    in_language,
    label,
    localized,
    sort_key,
    t,
)
from analysis.indicators.context import published_statistics
from analysis.package import Package, read_package
from analysis.provenance import (
    git_commit,
    illustrative_keys,
    illustrative_money_share,
    illustrative_share,
    library_versions,
)
from analysis.report import html as H
from analysis.report.columns import columns
from analysis.report.context import observed_rows_text
from analysis.report.html import Col
from analysis.report.workbook import Sheet, write_workbook

LIVESTOCK_COUNTS = (
    "animals_received",
    "calves_born",
    "died",
    "sold",
    "passed_on",
    "herd_alive",
)
"""The count columns of the cow ledger."""
LIVESTOCK_HOUSEHOLDS = ("animals_received", "passed_on")
"""Columns that count households: each receives one animal (bought, or a passed-on calf)."""


class ReportParameterError(ValueError):
    """A report parameter is wrong; the message says which and what is allowed."""


def is_nan(x) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x)) or x is pd.NA


def plan_years(pkg: Package) -> list[int]:
    """The years the package has plans for, in order (the annual reports it can give)."""
    return sorted(int(y) for y in pkg["plans"]["year"].dropna().unique())


def text_or(value, default: str) -> str:
    """``value`` as text, or ``default`` when it is missing or empty (NA-safe: an optional
    field left blank is ``pd.NA``, whose truth value is an error)."""
    if value is None or pd.isna(value) or str(value) == "":
        return default
    return str(value)


def check_common(lang: str, min_cell: int) -> None:
    """Refuse an unknown language or a suppression threshold below 1."""
    if lang not in LANGUAGES:
        raise ReportParameterError(
            f"lang={lang!r}: unknown language; use one of {', '.join(LANGUAGES)}"
        )
    if not isinstance(min_cell, int) or isinstance(min_cell, bool) or min_cell < 1:
        raise ReportParameterError(f"min_cell={min_cell!r}: must be an integer >= 1")


def load_checked(
    package_path: str | Path = "", pkg: Package | None = None, package_sha256: str = ""
) -> tuple[Package, list[Problem]]:
    """Load the package strictly and run the cross-table rules; raise on any error.

    Args:
        package_path: ``datapackage.json`` to load; empty for the bundled package (so a
            notebook finds it from any working directory).
        pkg: An already loaded package (tests and in-process use); it is checked all the same.
        package_sha256: The hash the caller validated (``report`` passes it to every
            notebook of a run); a package whose files now hash differently is refused, so
            that every report of one run describes the same data.

    Raises:
        PackageChanged: the package's hash is not ``package_sha256``.
        PackageInvalid: the package has errors.
    """
    if pkg is None:
        pkg, problems = read_package(package_path or None)
        if pkg is not None and package_sha256 and pkg.sha256 != package_sha256:
            raise PackageChanged(expected=package_sha256, found=pkg.sha256)
        if problems:
            raise PackageInvalid(problems)
    elif package_sha256 and pkg.sha256 != package_sha256:
        raise PackageChanged(expected=package_sha256, found=pkg.sha256)
    problems = check_package(pkg)
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        raise PackageInvalid(errors)
    return pkg, problems


def section_cells(sections: tuple[str, ...]) -> tuple[str, ...]:
    """The notebook cells of a report that shows each section in a cell of its own: the
    header, one cell per section (its id with ``_`` for ``-``: the method's name), the footer.

    >>> section_cells(("summary", "evaluation-matrix"))
    ('header', 'summary', 'evaluation_matrix', 'footer')
    """
    return ("header", *(s.replace("-", "_") for s in sections), "footer")


@dataclass
class BaseReport:
    """Shared machinery; subclasses set ``SECTIONS`` and implement the scope methods."""

    pkg: Package
    lang: str
    min_cell: int = 5
    problems: list[Problem] = field(default_factory=list)
    sheets: list[Sheet] = field(default_factory=list)
    _computed: dict = field(default_factory=dict, repr=False)

    SECTIONS: ClassVar[tuple[str, ...]] = ()
    """Ids of the report's sections, in order (the contents and the HTML ids)."""
    CELLS: ClassVar[tuple[str, ...]] = ()
    """The methods the report's notebook calls, one cell each, in order (tested)."""
    NAV: ClassVar[bool] = True

    # ------------------------------------------------------------------ the kind's registry hooks
    @classmethod
    def instances(cls, pkg: Package) -> list[dict]:
        """The parameters that pick each report of this kind the package can give."""
        raise NotImplementedError

    @classmethod
    def path_fields(cls, pkg: Package, **params) -> dict:
        """The fields of the spec's path template for the report picked by ``params``."""
        return dict(params)

    @classmethod
    def title_for(cls, pkg: Package, lang: str, **params) -> str:
        """The title of the report picked by ``params`` (the HTML page's title)."""
        raise NotImplementedError

    def indicator(self, fn, *args, **kwargs):
        """``fn(self.pkg, *args, **kwargs)``, computed once for the whole report.

        Several sections use the same figures (the year's execution, the people reached,
        the difference-in-differences); they share one result, which they read and never
        modify in place. An indicator that cannot be computed raises its ``ValueError`` again
        each time it is asked for.
        """
        key = (fn.__name__, args, tuple(sorted(kwargs.items())))
        if key not in self._computed:
            try:
                self._computed[key] = fn(self.pkg, *args, **kwargs)
            except ValueError as exc:
                self._computed[key] = exc
        found = self._computed[key]
        if isinstance(found, ValueError):
            raise found
        return found

    def section_title(self, section_id: str) -> str:
        return self._t(f"section.{section_id}")

    # ------------------------------------------------------------------ scope (subclasses)
    def title(self) -> str:
        raise NotImplementedError

    def parameters(self) -> dict:
        """The report's parameters, for the footer."""
        raise NotImplementedError

    def scope_rows(self) -> dict[str, pd.DataFrame]:
        """The rows of each resource this report draws on (for the illustrative share)."""
        raise NotImplementedError

    def rows(self) -> dict[str, pd.DataFrame]:
        """:meth:`scope_rows`, selected once for the whole report (read, never modified)."""
        if "rows" not in self._computed:
            self._computed["rows"] = self.scope_rows()
        return self._computed["rows"]

    def scope_activities(self) -> set[str]:
        """Activity ids in scope (warnings about other activities are not listed)."""
        raise NotImplementedError

    # ------------------------------------------------------------------ helpers
    def _t(self, key: str, **kwargs) -> str:
        return t(key, self.lang, **kwargs)

    def _money(self, x) -> str:
        """Money in a sentence, a key figure or an alt text: three significant figures in
        words ("2,83 tỷ đồng"); tables and workbooks keep the exact amount."""
        if x is H.HIDDEN:
            return t("suppressed_complementary", self.lang)
        return format_money_prose(x, self.lang)

    def _num(self, x, decimals: int = 0) -> str:
        if x is H.HIDDEN:
            return t("suppressed_complementary", self.lang)
        return format_number(x, self.lang, decimals)

    def _pct(self, x) -> str:
        if x is H.HIDDEN:
            return t("suppressed_complementary", self.lang)
        return format_percent(x, self.lang)

    # ------------------------------------------------------------------ counts of people
    @property
    def ledger(self) -> Ledger:
        """Every count of people this report publishes, decided once (see :meth:`register_counts`).

        Built before any section is formatted, so that a count hidden in one table is hidden
        in every table, sentence, chart and workbook sheet of the report, and every figure it
        could be recovered from is withheld with it.
        """
        if "ledger" not in self._computed:
            ledger = Ledger(self.min_cell)
            self.register_counts(ledger)
            ledger.solve()
            self._computed["ledger"] = ledger
        return self._computed["ledger"]

    def register_counts(self, ledger: Ledger) -> None:
        """Register every count of people the report publishes, with the lines (totals)
        that tie them together (subclasses)."""
        raise NotImplementedError

    def cols(self, *names: str) -> dict[str, Col]:
        """The shared columns ``names`` (:data:`analysis.report.columns.COLUMNS`: one title
        and kind per column across the reports), in the report's language."""
        return columns(self.lang, *names)

    def people_text(self, key) -> str:
        """A registered count of people as the report shows it: the number, ``<5`` or ``x``."""
        return self.ledger.show(key, self.lang)

    def withheld(self, value, *keys):
        """``value``, or :data:`~analysis.report.html.HIDDEN` when it is computed from a hidden
        count (a share, an amount per person, a mean)."""
        return H.HIDDEN if self.ledger.any_hidden(keys) else value

    def share(self, value, key):
        """A share of the count ``key``: withheld when the count is hidden, or when the share
        would give a count of people below the threshold (its numerator or the rest)."""
        if self.ledger.is_hidden(key) or is_nan(value) or value is H.HIDDEN:
            return H.HIDDEN if self.ledger.is_hidden(key) else value
        n = self.ledger.values[key]
        part = round(float(value) * n)
        if any(0 < x < self.min_cell for x in (part, n - part)):
            return H.HIDDEN
        return value

    def table(
        self,
        name: str,
        frame: pd.DataFrame,
        columns: dict,
        caption: str,
        *,
        total_row: bool = False,
        show: bool = True,
        marks: str | None = None,
        keys: Sequence | None = None,
    ) -> H.Fragment:
        """Show a table and keep it for the workbook: one declaration serves both.

        ``columns`` maps each column to its :class:`~analysis.report.html.Col` (title and
        kind); ``people`` and ``count`` columns hold ledger keys, shown or hidden by the
        ledger the same way on the page and in the workbook. With ``show=False`` the table
        only goes to the workbook (the data behind a chart).

        ``marks`` says which rows rest on illustrative rows (:meth:`illustrative_rows`): a
        key (``year``, ``activity_type``, ``commune_code``...) whose values are
        ``frame[marks]`` or ``keys``, or ``"all"`` for a table drawn from everything the
        report uses. Marked rows carry the mark on the page and ``illustrative`` in the
        workbook.
        """
        kept = frame[list(columns)].reset_index(drop=True).copy()
        for col, spec in columns.items():
            if spec.kind in ("people", "count"):
                kept[col] = [self._count_cell(k) for k in kept[col]]
        flags = self.illustrative_rows(frame, marks, keys) if marks else None
        sheet_columns = dict(columns)
        if flags is not None:
            kept["illustrative"] = [self._t("mark.yes") if f else "" for f in flags]
            sheet_columns["illustrative"] = Col(self._t("mark.column"))
        self.sheets.append(Sheet(name, kept, sheet_columns, caption))
        if not show:
            return H.Fragment("")
        return H.table(
            frame,
            columns,
            lang=self.lang,
            caption=caption,
            ledger=self.ledger,
            total_row=total_row,
            illustrative=flags,
        )

    def chart_marks(self, frame: pd.DataFrame, x: str, *, whole: bool = False) -> dict:
        """A year chart's marking: the years of ``frame[x]`` that rest on illustrative rows
        (every year when ``whole``: a chart drawn from everything the report uses)."""
        flags = self.illustrative_rows(frame, "all" if whole else x, list(frame[x].astype(int)))
        years = [int(y) for y, f in zip(frame[x], flags, strict=True) if f]
        return {"illustrative": years, "illustrative_label": self._t("chart.illustrative")}

    def illustrative_rows(self, frame: pd.DataFrame, key: str, keys: Sequence | None = None):
        """Per row of ``frame``: does it rest on illustrative rows of this report's scope?

        With ``key == "all"`` every row does when any row the report uses is illustrative.
        Otherwise a row does when its ``key`` value has an illustrative row behind it
        (:func:`analysis.provenance.illustrative_keys`); a row whose value is no key (a
        total, a missing value) does when any row of the table does.
        """
        any_flag = bool(self._share.set_index("resource").loc["all", "illustrative_rows"])
        if key == "all":
            return [any_flag] * len(frame)
        values = list(frame[key]) if keys is None else list(keys)
        cache = self._computed.setdefault("illustrative_keys", {})
        if key not in cache:  # (values with an illustrative row behind, all known values)
            flagged = illustrative_keys(self.pkg, self.rows(), key)
            cache[key] = (
                flagged,
                flagged
                | {
                    str(v)
                    for frame_ in (self.pkg["plans"], *self.rows().values())
                    if key in frame_.columns
                    for v in frame_[key].dropna().unique()
                },
            )
        flagged, known = cache[key]
        flags = [str(v) in flagged for v in values]
        return [
            f or (str(v) not in known and any(flags)) for f, v in zip(flags, values, strict=True)
        ]

    def _count_cell(self, key):
        """A ledger count as the workbook holds it: the number, or the hidden mark."""
        if not isinstance(key, tuple):
            return key
        return self.people_text(key) if self.ledger.is_hidden(key) else self.ledger.values[key]

    @property
    def tables(self) -> dict[str, pd.DataFrame]:
        """The workbook's tables by sheet name (their values as the report shows them)."""
        return {sheet.name[:31]: sheet.frame for sheet in self.sheets}

    @property
    def _share(self) -> pd.DataFrame:
        """Share of illustrative rows in what the report draws on (banner and data quality)."""
        if "illustrative_share" not in self._computed:
            self._computed["illustrative_share"] = illustrative_share(self.pkg, self.rows())
        return self._computed["illustrative_share"]

    # ------------------------------------------------------------------ header and banner
    def header(self) -> H.Fragment:
        """Title, subtitle, generation time, the illustrative-data banner and the contents."""
        title = self.title()
        pkg_title = self.pkg.descriptor.get(localized("title", self.lang, self.pkg.descriptor), "")
        now = dt.datetime.now().strftime("%d/%m/%Y %H:%M")
        parts = [
            H.h(1, title),
            H.p(pkg_title, "subtitle"),
            H.p(self._t("report.generated", when=now), "note generated"),
        ]
        share = self._share.set_index("resource").loc["all", "share"]
        if not is_nan(share) and share > 0:
            banner = self._t("report.banner", share=self._pct(share))
            legend = self._t("report.mark_legend")
            parts.append(H.element("div", f"{banner} {legend}", class_="banner", role="note"))
        if self.NAV:
            links = [
                H.element("li", H.element("a", self.section_title(s), href=f"#{s}"))
                for s in self.SECTIONS
            ]
            contents = self._t("report.contents")
            parts.append(H.element("nav", H.element("ol", *links), aria_label=contents))
        return H.element("header", *parts)

    # ------------------------------------------------------------------ shared lookups
    def _commune_names(self) -> dict[str, str]:
        communes = self.pkg["communes"]
        return dict(zip(communes["commune_code"], communes["name_in_source"], strict=True))

    def _province_names(self) -> dict[str, str]:
        communes = self.pkg["communes"]
        return dict(zip(communes["province_code"], communes["province_name"], strict=False))

    def _place(self, row) -> str:
        if not pd.isna(row["commune_code"]):
            return self._commune_names().get(row["commune_code"], row["commune_code"])
        if not pd.isna(row["province_code"]):
            return self._t(
                "place.province", name=self._province_names().get(row["province_code"], "?")
            )
        return self._t("place.programme")

    def _labelled(self, frame: pd.DataFrame, column: str, field_name: str) -> pd.DataFrame:
        return frame.assign(**{column: [label(field_name, v, self.lang) for v in frame[column]]})

    def in_label_order(self, frame: pd.DataFrame, column: str, field_name: str) -> pd.DataFrame:
        """``frame``'s rows in the order of their ``column`` labels in the report's language
        (Vietnamese collation: "Đỡ đầu học sinh" after "Chia sẻ", not after "Vốn"), a row
        without a value last; the order of rows with the same label is kept. Sort before
        labelling or building keys, so that every list drawn from the frame stays aligned."""

        def key(value) -> tuple:
            if is_nan(value) or value is None:
                return (1, ())
            return (0, sort_key(label(field_name, value, self.lang), self.lang))

        order = sorted(range(len(frame)), key=lambda i: key(frame[column].iat[i]))
        return frame.iloc[order].reset_index(drop=True)

    # ------------------------------------------------------------------ shared counts
    def breakdown(
        self, ledger: Ledger, total: tuple, counts: pd.DataFrame, by: str, value: str = "people"
    ) -> None:
        """Register ``counts`` (one row per value of ``by``) as parts of the count ``total``:
        keys ``(*total[0], by, v)``. When the parts do not add up to the total (a person in
        no group), they are registered as counts of their own."""
        parts = {(*total[0], by, v): n for v, n in zip(counts[by], counts[value], strict=True)}
        if sum(parts.values()) == total[1]:
            ledger.line(parts, total)
        else:
            ledger.count(*total)
            for key, n in parts.items():
                ledger.count(key, n)

    def funded_key(self, activity_type: str) -> tuple:
        """The key of the people the cost table divides by (subclasses)."""
        raise NotImplementedError

    def register_livestock(self, ledger: Ledger, herd: pd.DataFrame, scope) -> None:
        """The cow ledger by commune: animals received and passed on are households (one
        animal each), the other columns animals; a commune's row is shown or hidden whole,
        and each column adds up to the ``all`` row."""
        body, total = herd[herd["commune_code"] != "all"], herd[herd["commune_code"] == "all"]
        for col in LIVESTOCK_COUNTS:
            parts = {
                ("herd", scope, c, col): n
                for c, n in zip(body["commune_code"], body[col], strict=True)
            }
            ledger.line(
                parts,
                (("herd", scope, "all", col), int(total[col].iloc[0])),
                people=col in LIVESTOCK_HOUSEHOLDS,
            )
        for c in herd["commune_code"]:
            ledger.together(("herd", scope, c, col) for col in LIVESTOCK_COUNTS)

    def register_persistence(self, ledger: Ledger, year: int) -> None:
        """Households still out of poverty h years after leaving it: n = still out + back."""
        from analysis import indicators as ind

        persistence = self.indicator(ind.poverty_persistence, year)
        for row in persistence.itertuples():
            h = int(row.horizon_years)
            ledger.line(
                {
                    ("persist", year, h, "still_out"): row.still_out,
                    ("persist", year, h, "back"): row.n - row.still_out,
                },
                (("persist", year, h, "n"), row.n),
            )

    def livestock_table(self, herd: pd.DataFrame, scope, caption: str) -> H.Fragment:
        """The cow ledger by commune, counts through the ledger, rates withheld with them."""
        names = self._commune_names()
        shown = herd.assign(
            commune_code=[
                self._t("total") if c == "all" else names.get(c, c) for c in herd["commune_code"]
            ]
        )
        for col in LIVESTOCK_COUNTS:
            shown[col] = [("herd", scope, c, col) for c in herd["commune_code"]]
        shown["herd_per_animal_received"] = [
            self.withheld(v, ("herd", scope, c, "animals_received"))
            for v, c in zip(herd["herd_per_animal_received"], herd["commune_code"], strict=True)
        ]
        for col in ("survival_rate", "pass_on_rate"):
            shown[col] = [
                self.share(v, ("herd", scope, c, "animals_received"))
                for v, c in zip(herd[col], herd["commune_code"], strict=True)
            ]
        cols = self.livestock_columns("commune_code", self._t("col.commune"))
        return self.table(
            "livestock",
            shown,
            cols,
            total_row=True,
            caption=caption,
            marks="commune_code",
            keys=list(herd["commune_code"]),
        )

    # ------------------------------------------------------------------ shared tables
    def cost_tables(self, year: int | None, cpb_caption: str, bench_caption: str) -> list:
        """Cost per beneficiary by activity type, and cost per unit against the benchmarks
        (``year`` None: the whole package). A cost per person is withheld with its count."""
        from analysis import indicators as ind

        parts = []
        cpb = self.indicator(ind.cost_per_beneficiary, year)
        cpb = self.in_label_order(cpb, "activity_type", "activity_type")
        if not cpb.empty:
            keys = [self.funded_key(a) for a in cpb["activity_type"]]
            for k, n in zip(keys, cpb["beneficiaries"], strict=True):
                if self.ledger.values[k] != n:  # one definition: the registered one
                    raise AssertionError(f"{k}: registered {self.ledger.values[k]}, table {n}")
            shown = self._labelled(cpb, "activity_type", "activity_type").assign(
                beneficiaries=keys,
                cost_per_beneficiary_vnd=[
                    self.withheld(v, k)
                    for v, k in zip(cpb["cost_per_beneficiary_vnd"], keys, strict=True)
                ],
            )
            cols = {
                **self.cols("activity_type", "spent_vnd"),
                "beneficiaries": Col(self._t("col.people"), "people"),
                "cost_per_beneficiary_vnd": Col(self._t("col.cost_per_beneficiary"), "money"),
            }
            parts.append(
                self.table(
                    "cost_per_beneficiary",
                    shown,
                    cols,
                    caption=cpb_caption,
                    marks="activity_type",
                    keys=list(cpb["activity_type"]),
                )
            )
        bench = self.indicator(ind.cost_vs_benchmark, year)
        bench = bench[bench["benchmark_n"] > 0]
        bench = self.in_label_order(bench, "activity_type", "activity_type")
        if bench.empty:
            parts.append(H.missing(self._t("missing.benchmarks")))
            return parts
        # A cost per house or per pupil is a cost per household: withheld when the units
        # delivered (households) are too few to show.
        shown = self._labelled(bench, "activity_type", "activity_type").assign(
            unit=[label("unit", u, self.lang) for u in bench["unit"]],
            cost_per_unit_vnd=[
                self.withheld(v, *self.unit_keys(a))
                for v, a in zip(bench["cost_per_unit_vnd"], bench["activity_type"], strict=True)
            ],
            ratio=[
                self.withheld(v, *self.unit_keys(a))
                for v, a in zip(bench["ratio"], bench["activity_type"], strict=True)
            ],
        )
        cols = {
            **self.cols("activity_type"),
            "unit": Col(self._t("col.unit")),
            "cost_per_unit_vnd": Col(self._t("col.cost_per_unit"), "money"),
            "benchmark_median_vnd": Col(self._t("col.benchmark"), "money"),
            "benchmark_n": Col(self._t("col.benchmark_n"), "number"),
            "ratio": Col(self._t("col.ratio"), "number1"),
        }
        return parts + [
            self.table(
                "cost_vs_benchmark",
                shown,
                cols,
                caption=bench_caption,
                marks="activity_type",
                keys=list(bench["activity_type"]),
            ),
            H.p(self._t("efficiency.bench_note"), "note"),
        ]

    def livestock_columns(self, key: str, key_title: str, rates: bool = True) -> dict:
        """How the cow-ledger tables show their columns (``key`` first: commune or year);
        the counts are ledger keys."""
        cols = {
            key: Col(key_title, "year" if key == "year" else "text"),
            "animals_received": Col(self._t("col.animals_received"), "people"),
            "calves_born": Col(self._t("col.calves_born"), "count"),
            "died": Col(self._t("col.died"), "count"),
            "sold": Col(self._t("col.sold"), "count"),
            "passed_on": Col(self._t("col.passed_on"), "people"),
            "herd_alive": Col(self._t("col.herd_alive"), "count"),
            "herd_per_animal_received": Col(self._t("col.herd_per_animal"), "number1"),
        }
        if rates:
            cols["survival_rate"] = Col(self._t("col.survival"), "percent")
            cols["pass_on_rate"] = Col(self._t("col.pass_on_rate"), "percent")
        return cols

    def unit_keys(self, activity_type: str) -> tuple:
        """The counts a cost per unit of ``activity_type`` would reveal (the people it
        served, when its units are households or pupils)."""
        key = self.funded_key(activity_type)
        return (key,) if key in self.ledger.values else ()

    def method_paragraphs(self, did_sentence: str) -> list:
        """The methods every evaluation states, around its own design sentence."""
        return [
            H.p(x)
            for x in (
                self._t("methods.criteria"),
                self._t("methods.contribution"),
                did_sentence,
                self._t("methods.bootstrap"),
                self._t("methods.standard_change"),
                self._t("methods.small_cells", n=self.min_cell),
                self._t("methods.illustrative"),
            )
        ]

    def glossary(self) -> list:
        """The glossary: each headline figure's one definition (:mod:`analysis.glossary`)."""
        from analysis.glossary import TERMS

        return [
            H.h(3, self._t("glossary.title")),
            H.definition_list(
                [
                    (
                        self._t(f"glossary.{term.key}.term"),
                        self._t(f"glossary.{term.key}.definition"),
                    )
                    for term in TERMS
                ]
            ),
        ]

    def graduated_paragraphs(self, graduated: pd.DataFrame) -> list[H.Fragment]:
        """A sentence per commune of ``graduated`` (:func:`analysis.indicators.
        graduated_communes`) saying when its partnership ended and why, the reason in the
        report's language (:func:`analysis.i18n.in_language`: ``exit_reason_<lang>``, else
        ``exit_reason``, the English), or that the source gives none."""
        parts = []
        for row in graduated.to_dict("records"):
            reason, _ = in_language(row, "exit_reason", self.lang)
            parts.append(
                H.p(
                    self._t(
                        "sustainability.graduated",
                        name=row["name_official"],
                        year=int(row["partner_to"]),
                        reason=reason or self._t("sustainability.no_reason"),
                    )
                )
            )
        return parts

    def did_figures(self, r) -> dict:
        """A difference-in-differences result's figures, formatted for the sentences."""
        return {
            "partners": count_text("partner_commune", r.n_treated, self.lang),
            "comparisons": count_text("comparison_commune", r.n_control, self.lang),
            "treated": format_number(r.treated_change, self.lang, 1),
            "control": format_number(r.control_change, self.lang, 1),
            "did": format_number(r.estimate, self.lang, 1),
            "p": format_number(r.p_value, self.lang, 4),
            "n": format_number(r.n_assignments, self.lang),
            "minp": format_number(r.min_p_value, self.lang, 4),
        }

    def did_commune_table(self, did, post_title: str, caption: str) -> list:
        """The communes left out of a difference-in-differences, and each commune's rates."""
        names = self._commune_names()
        parts = []
        if did.dropped:
            parts.append(
                H.p(
                    self._t(
                        "impact.dropped", communes=", ".join(names.get(c, c) for c in did.dropped)
                    ),
                    "note",
                )
            )
        changes = did.changes.assign(
            commune=[names.get(c, c) for c in did.changes["commune_code"]],
            group=[self._t(f"impact.group_{g}") for g in did.changes["group"]],
        )
        cols = {
            "commune": Col(self._t("col.commune")),
            "group": Col(self._t("col.group")),
            "pre_rate": Col(self._t("col.pre_rate"), "number1"),
            "post_rate": Col(post_title, "number1"),
            "change": Col(self._t("col.change_points"), "number1"),
        }
        table = self.table(
            "did_communes",
            changes,
            cols,
            caption=caption,
            marks="commune_code",
        )
        return [*parts, table]

    def did_design_parts(self, did, *, sensitivity: bool = True) -> list:
        """How far the difference-in-differences can be trusted, beside the estimate: the
        within-district permutation and its smallest p, the household-weighted estimate,
        the placebo over the baseline, the communes left out and why, and the sensitivity
        table (each commune left out, flagged comparisons left out, one poverty standard)."""
        r, w = did.result, did.weighted
        parts = [
            H.p(
                self._t(
                    "impact.design",
                    n=format_number(r.n_assignments, self.lang),
                    strata=count_text("district", len(did.strata), self.lang),
                    minp=format_number(r.min_p_value, self.lang, 4),
                    weighted=format_number(w.estimate, self.lang, 1),
                    pw=format_number(w.p_value, self.lang, 4),
                )
            )
        ]
        placebo = did.placebo
        if placebo is None:
            parts.append(H.p(self._t("impact.no_placebo"), "note"))
        else:
            from analysis.ratings import load_rules

            alpha = load_rules()["impact"]["alpha"]  # the rating rule's pre-trend threshold
            verdict = "impact.pretrend_yes" if placebo.p_value <= alpha else "impact.pretrend_no"
            parts.append(
                H.p(
                    self._t(
                        "impact.placebo",
                        pre="–".join(
                            str(y) for y in sorted({min(did.placebo_pre), max(did.placebo_pre)})
                        ),
                        post=max(did.placebo_post),
                        did=format_number(placebo.estimate, self.lang, 1),
                        p=format_number(placebo.p_value, self.lang, 4),
                    )
                    + " "
                    + self._t(verdict)
                    + (  # one change before the programme: a placebo, not a trend
                        " " + self._t("impact.placebo_one_pair")
                        if len(did.placebo_pre) + len(did.placebo_post) <= 2
                        else ""
                    )
                )
            )
        if len(did.excluded):
            names = self._commune_names()
            items = [
                f"{names.get(c, c)} ({self._reason(reason)})"
                for c, reason in zip(
                    did.excluded["commune_code"], did.excluded["reason"], strict=True
                )
            ]
            parts.append(H.p(self._t("impact.excluded", items="; ".join(items)), "note"))
        if sensitivity:
            parts += self._cohort_table(did) + self._sensitivity_table(did)
        return parts

    def _cohort_table(self, did) -> list:
        """Each cohort of partners (by first partner year) with its own years and estimate:
        the windows are unbalanced (Sín Thầu three years, Leng Su Sìn from 2024), and this
        says so rather than hiding it in one average."""
        cohorts = did.cohorts
        if cohorts is None or len(cohorts) < 2:
            return []
        names = self._commune_names()
        shown = cohorts.assign(
            communes=[
                ", ".join(names.get(c, c) for c in str(codes).split(";") if c)
                for codes in cohorts["communes"]
            ],
            years=[
                f"{int(a)}–{int(b)}" if a != b else str(int(a))
                for a, b in zip(cohorts["first_post"], cohorts["last_post"], strict=True)
            ],
        )
        cols = {
            "communes": Col(self._t("impact.col_cohort_communes")),
            "years": Col(self._t("impact.col_cohort_years")),
            "share": Col(self._t("impact.col_cohort_weight"), "percent"),
            **self.cols("estimate", "p_value"),
        }
        caption = self._t("impact.cohort_caption")
        return [self.table("did_cohorts", shown, cols, caption=caption, marks="all")]

    def _reason(self, reason: str) -> str:
        """A commune's reason for leaving a design, in words (``flagged:a;b``, ``merged:2025``)."""
        kind, _, detail = str(reason).partition(":")
        if kind == "flagged":
            flags = ", ".join(label("design_flags", f, self.lang) for f in detail.split(";") if f)
            return self._t("impact.reason.flagged", flags=flags)
        if kind == "merged":
            return self._t("impact.reason.merged", year=detail)
        return self._t(f"impact.reason.{kind}")

    def _sensitivity_table(self, did) -> list:
        """The sensitivity rows of the design, in words."""
        table = did.sensitivity
        if table is None or table.empty:
            return []
        names = self._commune_names()

        def detail(variant: str, value) -> str:
            if variant.startswith("leave_out"):
                return names.get(value, value)
            if variant == "without_flag":
                return label("design_flags", value, self.lang)
            return ""

        shown = table.assign(
            variant=[self._t(f"impact.variant.{v}") for v in table["variant"]],
            detail=[detail(v, d) for v, d in zip(table["variant"], table["detail"], strict=True)],
        )
        cols = {
            "variant": Col(self._t("impact.col_variant")),
            "detail": Col(self._t("impact.col_detail")),
            **self.cols("estimate", "p_value"),
            "min_p_value": Col(self._t("col.min_p"), "number4"),
            "n_treated": Col(self._t("col.n_treated"), "number"),
            "n_control": Col(self._t("col.n_control"), "number"),
        }
        robust = {True: "impact.robust_yes", False: "impact.robust_no"}.get(
            did.robust_sign, "impact.robust_unknown"
        )
        return [
            H.h(3, self._t("impact.sensitivity_title")),
            self.table(
                "did_sensitivity",
                shown,
                cols,
                caption=self._t("impact.sensitivity_caption"),
                marks="all",
            ),
            H.p(self._t(robust), "note"),
        ]

    def persistence_table(self, year: int):
        """Households that left poverty and were still out 1 and 2 years later (None when no
        household can be followed that long). Counts through the ledger; a share is withheld
        with its counts."""
        from analysis import indicators as ind

        persistence = self.indicator(ind.poverty_persistence, year)
        if persistence.empty or not persistence["n"].sum():
            return None
        h = persistence["horizon_years"].astype(int)
        shown = persistence.assign(
            n=[("persist", year, x, "n") for x in h],
            still_out=[("persist", year, x, "still_out") for x in h],
            share_still_out=[
                self.withheld(
                    self.share(v, ("persist", year, x, "n")),
                    ("persist", year, x, "still_out"),
                    ("persist", year, x, "back"),
                )
                for v, x in zip(persistence["share_still_out"], h, strict=True)
            ],
        )
        cols = {
            "horizon_years": Col(self._t("col.horizon"), "number"),
            "n": Col(self._t("col.households"), "people"),
            "share_still_out": Col(self._t("col.still_out"), "percent"),
        }
        return self.table(
            "persistence",
            shown,
            cols,
            caption=self._t("sustainability.persistence_caption"),
            marks="all",
        )

    # ------------------------------------------------------------------ data quality
    def data_quality(self) -> H.Fragment:
        """Validation warnings, the illustrative share, and the sources the report draws on."""
        share = self._share
        cols = {
            "resource": Col(self._t("dq.resource")),
            "rows": Col(self._t("dq.rows"), "number"),
            "illustrative_rows": Col(self._t("dq.illustrative_rows"), "number"),
            "share": Col(self._t("dq.share"), "percent"),
        }
        shown = share.assign(resource=[self._t(f"resource.{r}") for r in share["resource"]])
        overall = share.set_index("resource").loc["all", "share"]
        money = illustrative_money_share(self.pkg, self.rows())
        parts = [
            H.p(
                self._t(
                    "dq.illustrative_sentence",
                    share=self._pct(0.0 if is_nan(overall) else overall),
                    money=self._pct(0.0 if is_nan(money) else money),
                )
            ),
            self.table(
                "data_quality", shown, cols, caption=self._t("dq.share_caption"), total_row=True
            ),
            observed_rows_text(self),  # the package's observed rows and cited sources
        ]
        ids = self.scope_activities()
        warnings = [
            w
            for w in self.problems
            if w.severity == "warning"
            and (w.params.get("activity") in ids or "activity" not in w.params)
        ]
        parts.append(H.h(3, self._t("dq.warnings_title")))
        if warnings:
            # the reader's words; the file, row and rule are `python -m analysis validate`'s
            parts.append(H.ul(w.describe(self.lang) for w in warnings))
        else:
            parts.append(H.p(self._t("dq.no_warnings")))
        parts.append(H.h(3, self._t("dq.sources_title")))
        parts.append(self._sources_table())
        return H.section("data-quality", self._t("section.data-quality"), *parts)

    def _sources_table(self) -> H.Fragment:
        used = set()
        for frame in (
            self.rows()["plans"],
            self.pkg["commune_statistics"],
            self.pkg["unit_costs"],
            self.pkg["communes"],
        ):
            used |= set(frame["source_id"].dropna())
        if "context" in self.SECTIONS:  # the published figures the context section shows
            used |= set(published_statistics(self.pkg)["source_id"])
        src = self.pkg["sources"]
        src = src[src["source_id"].isin(used)].sort_values(["kind", "source_id"])
        src = src.assign(
            title=[self.source_text(r, "title") for r in src.to_dict("records")],
            issuer=[self.source_text(r, "issuer") for r in src.to_dict("records")],
        )
        cols = {
            "title": Col(self._t("dq.source_title")),
            "issuer": Col(self._t("dq.issuer")),
            "date": Col(self._t("dq.date"), "date"),
            "kind": Col(self._t("dq.kind"), "enum:source_kind"),
            "reliability": Col(self._t("dq.reliability"), "enum:reliability"),
            "address": Col(self._t("dq.address")),
        }
        return self.table("sources", src, cols, caption=self._t("dq.sources_caption"))

    def source_text(self, row: dict, base: str) -> str:
        """A source's title or issuer in the report's language: the maintainers' translation
        where the source's own words are in another language. A published title (a source
        with an address) is marked as translated; the toolkit's own sources are not."""
        text, translated = in_language(row, base, self.lang)
        published = not is_nan(row.get("address")) and bool(row.get("address"))
        if translated and base == "title" and published:
            return self._t("source.translated", text=text)
        return text

    # ------------------------------------------------------------------ footer
    @functools.cached_property
    def code_commit(self) -> str:
        """The code's git commit (:func:`analysis.provenance.git_commit`), asked once: the
        footer and the workbook's first sheet name the same one."""
        return git_commit()

    def footer(self) -> H.Fragment:
        """Provenance: package version and hash, code commit, parameters, library versions."""
        params = self.parameters()
        versions = library_versions()
        items = [
            (
                self._t("footer.package"),
                f"{self.pkg.descriptor.get('name', '')} {self.pkg.version}",
            ),
            (self._t("footer.sha256"), self.pkg.sha256),
            (self._t("footer.commit"), self.code_commit),
            (self._t("footer.parameters"), self._parameters_text(params)),
            (
                self._t("footer.libraries"),
                ", ".join(
                    [f"python {platform.python_version()}"]
                    + [f"{k} {v}" for k, v in versions.items()]
                ),
            ),
        ]
        return H.element("footer", H.definition_list(items), class_="provenance")

    def _parameters_text(self, params: dict) -> str:
        """The report's parameters in words ("Năm báo cáo: 2024; ngôn ngữ: tiếng Việt")."""
        shown = {**params, "lang": self._t(f"lang.{params['lang']}")} if params else {}
        return "; ".join(self._t(f"param.{k}", value=v) for k, v in shown.items())

    # ------------------------------------------------------------------ workbook
    def save_tables(self, path: str) -> None:
        """Write every table the report shows to an Excel workbook (nothing when ``path`` is
        empty): a README sheet, then one typed, formatted sheet per table
        (:mod:`analysis.report.workbook`)."""
        if not path:
            return
        write_workbook(self.sheets, path, readme=self.readme(), lang=self.lang)

    def readme(self) -> list[tuple[str, str]]:
        """The workbook's first sheet: what it is, how much is illustrative, where it comes from."""
        share = self._share.set_index("resource").loc["all", "share"]
        params = ", ".join(f"{k}={v}" for k, v in self.parameters().items())
        rows = [
            (self._t("workbook.report"), self.title()),
            (self._t("workbook.contents"), self._t("workbook.contents_text")),
        ]
        if not is_nan(share) and share > 0:
            rows.append(
                (self._t("workbook.illustrative"), self._t("report.banner", share=self._pct(share)))
            )
        rows += [
            (self._t("workbook.suppression"), self._t("methods.small_cells", n=self.min_cell)),
            (
                self._t("footer.package"),
                f"{self.pkg.descriptor.get('name', '')} {self.pkg.version}",
            ),
            (self._t("footer.sha256"), self.pkg.sha256),
            (self._t("footer.commit"), self.code_commit),
            (self._t("footer.parameters"), params),
        ]
        return rows
