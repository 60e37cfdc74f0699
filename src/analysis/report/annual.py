"""The annual evaluation report, one method per section, structured by the OECD DAC criteria.

The notebook ``notebooks/annual_evaluation.ipynb`` is a thin outline: it builds an
:class:`AnnualReport` from its parameters and displays each section. Every number in the text
comes from the data through :mod:`analysis.indicators`; every word comes from the message
catalogue, so the same report renders in Vietnamese or English.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import pandas as pd

from analysis import indicators as ind
from analysis.i18n import count_text, format_number, label, localized, sort_key, t
from analysis.indicators import phase as ph
from analysis.package import Package
from analysis.provenance import year_rows
from analysis.report import equity
from analysis.report import html as H
from analysis.report.base import (
    BaseReport,
    ReportParameterError,
    check_common,
    load_checked,
    plan_years,
    section_cells,
)
from analysis.report.context import context_section
from analysis.report.html import Col
from analysis.report.narrative import NarrativeMixin

__all__ = ["AnnualReport", "ReportParameterError"]

SHARE_DIMENSIONS = {
    "share_poor": "poverty_status_entry",
    "share_near_poor": "poverty_status_entry",
    "share_poor_or_near_poor": "poverty_status_entry",
    "share_ethnic_minority_women": "em_woman",
}
"""Each share of the targeting table, and the split of people it is computed from."""

PERSON_UNITS = {"house", "livelihood_package", "pupil", "gift"}
"""Units that are one household or one person each: delivered, they count people."""

PEOPLE_BREAKDOWNS = ("sex", "ethnicity", "poverty_status_entry")
"""The year's people reached, broken down in the effectiveness section."""

PERMUTATION_CHART_LEVEL = 0.05
"""The permutation test's chart is drawn only when the design can reach a p-value this small
(at least 20 assignments): with fewer, its few bars say nothing that the impact sentences,
which give the smallest p-value the design can reach, do not."""

SECTIONS = (
    "summary",
    "purpose",
    "relevance",
    "context",
    "coherence",
    "effectiveness",
    "efficiency",
    "impact",
    "gender",
    "sustainability",
    "conclusions",
    "recommendations",
    "lessons",
    "limitations",
    "data-quality",
    "methods",
    "evaluation-matrix",
)


@dataclass
class AnnualReport(NarrativeMixin, BaseReport):
    """The annual evaluation of one year in one language.

    Build it with :meth:`load`; each public method returns one displayable HTML section.
    """

    year: int = 0
    SECTIONS: ClassVar[tuple[str, ...]] = SECTIONS
    CELLS: ClassVar[tuple[str, ...]] = section_cells(SECTIONS)

    # ------------------------------------------------------------------ construction
    @classmethod
    def load(
        cls,
        *,
        year: int,
        lang: str,
        package_path: str = "",
        package_sha256: str = "",
        min_cell: int = 5,
        pkg: Package | None = None,
    ) -> AnnualReport:
        """Check the parameters, load the package strictly, and return the report.

        Raises:
            ReportParameterError: unknown language, a year absent from the package, or a
                threshold below 1.
            analysis.errors.PackageInvalid: the package has errors.
            analysis.errors.PackageChanged: the package is not the one ``package_sha256``
                names.
        """
        check_common(lang, min_cell)
        if not isinstance(year, int) or isinstance(year, bool):
            raise ReportParameterError(f"year={year!r}: the year must be an integer")
        pkg, problems = load_checked(package_path, pkg, package_sha256)
        years = plan_years(pkg)
        if year not in years:
            raise ReportParameterError(
                t("cli.unknown_year", lang, year=year, years=", ".join(map(str, years)))
            )
        return cls(pkg, lang, min_cell, problems, year=year)

    @classmethod
    def instances(cls, pkg: Package) -> list[dict]:
        return [{"year": y} for y in plan_years(pkg)]

    @classmethod
    def title_for(cls, pkg: Package, lang: str, **params) -> str:
        return t("report.title", lang, year=params["year"])

    # ------------------------------------------------------------------ scope
    def title(self) -> str:
        return self._t("report.title", year=self.year)

    def parameters(self) -> dict:
        return {"year": self.year, "lang": self.lang, "min_cell": self.min_cell}

    def scope_rows(self) -> dict[str, pd.DataFrame]:
        return year_rows(self.pkg, self.year)

    def scope_activities(self) -> set[str]:
        return set(self._plans()["activity_id"])

    def _plans(self) -> pd.DataFrame:
        plans = self.pkg["plans"]
        return plans[plans["year"] == self.year]

    # ------------------------------------------------------------------ counts of people
    def register_counts(self, ledger) -> None:
        """Every count of people the annual report publishes, and how they add up.

        People reached in a year are the beneficiaries who entered the programme that year;
        the year's breakdowns (sex, ethnicity, poverty status at entry, activity type, and
        activity type by status and by ethnic-minority woman) all add up to its total. The
        cost table counts the people of the year's own activities (``funded``): with the
        households who joined through an earlier activity (``carried``, a passed-on calf)
        they make the people reached of that activity type.
        """
        equity.register_counts(self, ledger)  # the gender section's counts
        self.register_limitations(ledger)  # the limitations section's counts
        y = self.year
        for earlier in plan_years(self.pkg):
            if earlier <= y:
                reached = self.indicator(ind.beneficiaries_reached, earlier, by=())
                ledger.count(("reached", earlier), int(reached["people"].sum()))
        total = (("reached", y), ledger.values[("reached", y)])
        if not total[1]:
            return
        for field_name in (*PEOPLE_BREAKDOWNS, "activity_type"):
            counts = self.indicator(ind.beneficiaries_reached, y, by=(field_name,))
            self.breakdown(ledger, total, counts, field_name)
        cells = self._targeting_cells()
        for dim in ("poverty_status_entry", "em_woman"):
            self._register_cross(ledger, total[0], cells, dim)
        funded = self.indicator(ind.cost_per_beneficiary, y)
        for a, n in zip(funded["activity_type"], funded["beneficiaries"], strict=True):
            reached_a = (*total[0], "activity_type", a)
            ledger.line(
                {("funded", y, a): n, ("carried", y, a): ledger.values[reached_a] - n},
                (reached_a, ledger.values[reached_a]),
            )
        self._register_delivered(ledger)
        herd = self.indicator(ind.livestock_summary, y)
        if not herd.empty:
            self.register_livestock(ledger, herd, y)
        self.register_persistence(ledger, y)
        self._register_followed(ledger)

    @staticmethod
    def _register_cross(ledger, total: tuple, cells: pd.DataFrame, dim: str) -> None:
        """Activity type by ``dim``: each row adds up to the activity type's people, each
        column to the people with that value of ``dim``, and those to the year's total."""
        cross = cells.groupby(["activity_type", dim]).size()
        for a, row in cross.groupby(level=0):
            ledger.line(
                {(*total, "activity_type", a, dim, v): n for (_, v), n in row.items()},
                ((*total, "activity_type", a), int(row.sum())),
            )
        columns = {}
        for v, column in cross.groupby(level=1):
            columns[(*total, dim, v)] = int(column.sum())
            ledger.line(
                {(*total, "activity_type", a, dim, v): n for (a, _), n in column.items()},
                ((*total, dim, v), int(column.sum())),
            )
        ledger.line(columns, (total, int(cross.sum())))

    def _split_keys(self, key: tuple, dim: str) -> list[tuple]:
        """The counts that split the people of ``key`` by ``dim`` (and ``key`` itself)."""
        prefix = (*key, dim)
        return [key] + [k for k in self.ledger.values if k[: len(prefix)] == prefix]

    def _targeting_cells(self) -> pd.DataFrame:
        """One row per person reached this year: activity type, status at entry, and whether
        she is an ethnic-minority woman (the targeting table's counts)."""
        ben = self.pkg["beneficiaries"]
        ben = ben[ben["entry_year"].eq(self.year).fillna(False).to_numpy(bool)]
        types = self.pkg["plans"].set_index("activity_id")["activity_type"]
        return pd.DataFrame(
            {
                "activity_type": ben["activity_id"].map(types).astype(str).to_numpy(),
                "poverty_status_entry": ben["poverty_status_entry"].astype(str).to_numpy(),
                "em_woman": (ben["sex"].eq("female") & ben["ethnicity"].ne("kinh"))
                .map({True: "yes", False: "no"})
                .astype(str)
                .to_numpy(),
            }
        )

    def _register_delivered(self, ledger) -> None:
        """Houses, livelihood packages, pupils and gifts delivered are households or people
        (one unit each): counts of people. When they equal the people the cost table counts,
        they are one figure to a reader and are shown or hidden together."""
        delivered = self.indicator(ind.plan_vs_delivery, self.year, by="activity_type")
        plans = self._plans()
        units = {a: set(group["unit"].dropna()) for a, group in plans.groupby("activity_type")}
        for _, row in delivered.iterrows():
            a, n = row["activity_type"], row["delivered_units"]
            if pd.isna(n):
                continue
            people = bool(units.get(a)) and units[a] <= PERSON_UNITS
            key = ledger.count(("delivered", self.year, a), int(n), people=people)
            if not pd.isna(row["delivered_on_plan"]):
                parts = {
                    ("delivered", self.year, a, "on_plan"): int(row["delivered_on_plan"]),
                    ("delivered", self.year, a, "off_plan"): int(row["delivered_off_plan"]),
                }
                ledger.line(parts, (key, int(n)), people=people)
            funded = self.funded_key(a)
            if people and ledger.values.get(funded) == int(n):
                ledger.line({funded: int(n)}, (key, int(n)))

    def _register_followed(self, ledger) -> None:
        """The people followed from entry to this year, and the counts behind their shares."""
        try:
            inc = self.indicator(ind.income_change, self.year)
        except ValueError:
            return
        changes = inc.changes
        n, y = len(changes), self.year
        with_income = int(changes["change_vnd"].notna().sum())
        ledger.line(
            {("followed", y, "income"): with_income, ("followed", y, "no_income"): n - with_income},
            (("followed", y), n),
        )
        ledger.count(("pupils_excluded", y), int(inc.pupils_excluded))
        real = int(changes["real_change_vnd"].notna().sum())
        ledger.line(
            {("followed", y, "real"): real, ("followed", y, "not_real"): with_income - real},
            (("followed", y, "income"), with_income),
        )
        poor_entry = int(changes["poor_entry"].sum())
        poor_now = int(changes["poor_year"].sum())
        left = int((changes["poor_entry"] & ~changes["poor_year"]).sum())
        ledger.line(
            {
                ("followed", y, "poor_entry"): poor_entry,
                ("followed", y, "not_poor_entry"): n - poor_entry,
            },
            (("followed", y), n),
        )
        ledger.line(
            {("followed", y, "poor_now"): poor_now, ("followed", y, "not_poor_now"): n - poor_now},
            (("followed", y), n),
        )
        ledger.line(
            {("followed", y, "left"): left, ("followed", y, "stayed"): poor_entry - left},
            (("followed", y, "poor_entry"), poor_entry),
        )
        exposure = inc.by_exposure
        for column, total in (("n", "income"), ("n_real", "real")):
            parts = {
                ("followed", y, total, "exposure", int(k)): int(v)
                for k, v in zip(exposure["exposure_years"], exposure[column], strict=True)
            }
            ledger.line(parts, (("followed", y, total), sum(parts.values())))

    def funded_key(self, activity_type: str) -> tuple:
        return ("funded", self.year, activity_type)

    def _did(self):
        try:
            return self.indicator(ind.poverty_did, self.year)
        except ValueError as exc:
            return exc

    def _people_total(self) -> int:
        return self.ledger.values[("reached", self.year)]

    # ------------------------------------------------------------------ summary
    def summary(self) -> H.Fragment:
        """Key figures and sentences generated from the data, and the years before."""
        plans = self._plans()
        # One definition each (analysis.glossary): disbursed = on all the year's activities,
        # as in the phase report's year table; the execution rate = on budgeted activities.
        totals = self._year_totals()
        planned = float(totals.at[self.year, "planned_vnd"]) if self.year in totals.index else 0.0
        spent = float(totals.at[self.year, "spent_vnd"]) if self.year in totals.index else 0.0
        rate = self._execution_rates().get(self.year, float("nan"))
        people = self._people_total()
        shares = self.indicator(ind.targeting_shares, self.year)
        overall = shares[shares["activity_type"] == "all"]
        share_poor = float(overall["share_poor_or_near_poor"].iloc[0]) if len(overall) else None
        n_communes = plans["commune_code"].dropna().nunique()
        did = self._did()
        items = [
            (self._money(planned), self._t("kpi.planned")),
            (self._money(spent), self._t("kpi.spent")),
            (self._pct(rate), self._t("kpi.execution")),
            (self.people_text(("reached", self.year)), self._t("kpi.people")),
        ]
        sentences = [
            self._t(
                "summary.plan",
                year=self.year,
                activities=count_text("activity", len(plans), self.lang),
                communes=count_text("partner_commune", n_communes, self.lang),
                m=int(plans["planned_amount_vnd"].notna().sum()),
                planned=self._money(planned),
            ),
            self._t("summary.money", spent=self._money(spent), rate=self._pct(rate)),
        ]
        if people:
            total = ("reached", self.year)
            status = [(*total, "poverty_status_entry", s) for s in ("poor", "near_poor", "other")]
            status = [k for k in status if k in self.ledger.values]
            sentences.append(
                self._t(
                    "summary.people",
                    people=self.people_text(("reached", self.year)),
                    share=self._pct(self.withheld(share_poor, *status)),
                )
            )
        else:
            sentences.append(self._t("missing.beneficiaries"))
        if isinstance(did, Exception):
            sentences.append(self._t("missing.did", reason=str(did)))
        else:
            r = did.result
            items.append((format_number(r.estimate, self.lang, 1), self._t("kpi.did")))
            sentences.append(self._t("summary.impact", year=self.year, **self.did_figures(r)))
        key_figures = pd.DataFrame(
            [{"planned": planned, "spent": spent, "rate": rate, "people": ("reached", self.year)}]
        )
        parts = [
            self.key_messages(),
            H.kpis(items, illustrative=self.illustrative_rows(key_figures, "year", [self.year])[0]),
            *(H.p(s) for s in sentences),
            self._trend_table(),
            # The key figures as numbers in the workbook (the boxes above show them).
            self.table(
                "key_figures",
                key_figures,
                self._year_columns(),
                self._t("kpi.caption"),
                show=False,
                marks="year",
                keys=[self.year],
            ),
        ]
        return H.section("summary", self._t("section.summary"), *parts)

    def _year_totals(self) -> pd.DataFrame:
        """Planned, disbursed and people per plan year: the phase report's year table."""
        totals = self.indicator(ph.totals_by_year)
        return totals.set_index(totals["year"].astype(int))

    def _execution_rates(self) -> dict[int, float]:
        """The execution rate of each plan year (:func:`analysis.indicators.budget_execution`)."""
        by_year = self.indicator(ind.budget_execution, None, by="year")
        return dict(zip(by_year["year"].astype(int), by_year["execution_rate"], strict=True))

    def _year_columns(self) -> dict[str, Col]:
        """A year's planned, disbursed, execution rate and people (glossary definitions)."""
        return {
            "planned": Col(self._t("col.planned"), "money"),
            **self.cols("spent"),
            "rate": Col(self._t("col.execution_rate"), "percent"),
            **self.cols("people"),
        }

    def _trend_table(self) -> H.Fragment:
        totals = self._year_totals()
        rates = self._execution_rates()
        rows = [
            {
                "year": str(y),
                "planned": float(totals.at[y, "planned_vnd"]),
                "spent": float(totals.at[y, "spent_vnd"]),
                "rate": rates.get(y, float("nan")),
                "people": ("reached", y),
            }
            for y in totals.index
            if y <= self.year
        ]
        frame = pd.DataFrame(rows)
        if len(frame) < 2:
            return H.missing(self._t("missing.previous_years"))
        cols = self.cols("year") | self._year_columns()
        return H.h(3, self._t("summary.years_title")) + self.table(
            "years",
            frame,
            cols,
            caption=self._t("summary.years_caption"),
            marks="year",
        )

    # ------------------------------------------------------------------ relevance
    def relevance(self) -> H.Fragment:
        """Whether support reached poor and near-poor households and ethnic-minority women."""
        shares = self.indicator(ind.targeting_shares, self.year)
        if shares.empty:
            return H.section(
                "relevance",
                self._t("section.relevance"),
                H.missing(self._t("missing.beneficiaries")),
            )
        total = ("reached", self.year)
        keys = [
            total if a == "all" else (*total, "activity_type", a) for a in shares["activity_type"]
        ]
        shown = pd.DataFrame(
            {
                "activity_type": [
                    self._t("total") if a == "all" else label("activity_type", a, self.lang)
                    for a in shares["activity_type"]
                ],
                "n": keys,
            }
        )
        # A share would reveal its numerator and the rest of the row: withheld when any
        # count of the row's status or ethnic-minority split is hidden.
        for col, dim in SHARE_DIMENSIONS.items():
            shown[col] = [
                self.withheld(v, *self._split_keys(k, dim))
                for v, k in zip(shares[col], keys, strict=True)
            ]
        cols = {
            **self.cols("activity_type"),
            "n": Col(self._t("col.people"), "people"),
            "share_poor": Col(self._t("col.share_poor"), "percent"),
            "share_near_poor": Col(self._t("col.share_near_poor"), "percent"),
            "share_poor_or_near_poor": Col(self._t("col.share_poor_or_near_poor"), "percent"),
            "share_ethnic_minority_women": Col(self._t("col.share_em_women"), "percent"),
        }
        text = self._t(
            "relevance.sentence",
            share=self._pct(shown["share_poor_or_near_poor"].iloc[-1]),
            women=self._pct(shown["share_ethnic_minority_women"].iloc[-1]),
        )
        return H.section(
            "relevance",
            self._t("section.relevance"),
            H.p(text),
            self.table(
                "targeting",
                shown,
                cols,
                caption=self._t("relevance.caption"),
                total_row=True,
                marks="activity_type",
                keys=list(shares["activity_type"]),
            ),
            H.p(self._t("relevance.note"), "note"),
        )

    # ------------------------------------------------------------------ context
    def context(self) -> H.Fragment:
        """Published poverty rates of the partner communes against their district, province
        and the country, up to the report's year (:mod:`analysis.report.context`)."""
        return context_section(self, self.year, chart=False)

    # ------------------------------------------------------------------ coherence
    def coherence(self) -> H.Fragment:
        """How the year's activities map to the national programmes they serve (held as data)."""
        align = self.indicator(ind.programme_alignment, self.year)
        align = self.in_label_order(align, "activity_type", "activity_type")
        if align.empty:
            return H.section(
                "coherence", self._t("section.coherence"), H.missing(self._t("missing.plans"))
            )
        programmes = self.pkg["national_programmes"].set_index("programme_id")
        name_col = localized("name", self.lang, programmes.columns)
        shown = self._labelled(align, "activity_type", "activity_type").assign(
            programme=[
                self._t("coherence.none") if pd.isna(p) else programmes.loc[p, name_col]
                for p in align["programme_id"]
            ]
        )
        linked = self.indicator(ind.share_of_plan_linked, self.year)
        cols = {
            **self.cols("activity_type"),
            "programme": Col(self._t("col.programme")),
            **self.cols("n_activities", "planned_amount_vnd"),
        }
        return H.section(
            "coherence",
            self._t("section.coherence"),
            H.p(
                self._t(
                    "coherence.sentence",
                    share=self._pct(linked.share),
                    amount=self._money(linked.linked_amount_vnd),
                )
            ),
            self.table(
                "coherence",
                shown,
                cols,
                caption=self._t("coherence.caption"),
                marks="activity_type",
                keys=list(align["activity_type"]),
            ),
            H.p(self._t("coherence.note"), "note"),
        )

    # ------------------------------------------------------------------ effectiveness
    def effectiveness(self) -> H.Fragment:
        """The plan as its sources state it; planned against delivered; people reached."""
        parts = [self._plan_table()]
        by_type = self.indicator(ind.plan_vs_delivery, self.year, by="activity_type")
        by_type = self.in_label_order(by_type, "activity_type", "activity_type")
        if by_type.empty:
            parts.append(H.missing(self._t("missing.plans")))
        else:
            on_plan, off_plan = self._delivered_parts(by_type)
            shown = self._labelled(by_type, "activity_type", "activity_type").assign(
                delivered_on_plan=on_plan,
                delivered_off_plan=off_plan,
                units_rate=[
                    self.withheld(v, k) if isinstance(k, tuple) else v
                    for k, v in zip(on_plan, by_type["units_rate"], strict=True)
                ],
            )
            units = {
                **self.cols("activity_type", "n_activities", "planned_units"),
                "delivered_on_plan": Col(self._t("col.delivered_on_plan"), "count"),
                "units_rate": Col(self._t("col.units_rate"), "percent"),
                "delivered_off_plan": Col(self._t("col.delivered_off_plan"), "count"),
            }
            money = {
                **self.cols(
                    "activity_type",
                    "planned_amount_vnd",
                    "spent_on_plan_vnd",
                    "amount_rate",
                    "spent_off_plan_vnd",
                ),
            }
            parts.append(H.h(3, self._t("effectiveness.delivery_title")))
            for name, cols, caption in (
                ("plan_vs_delivery", units, "effectiveness.delivery_caption"),
                ("money_vs_plan", money, "effectiveness.money_caption"),
            ):
                parts.append(
                    self.table(
                        name,
                        shown,
                        cols,
                        caption=self._t(caption),
                        marks="activity_type",
                        keys=list(by_type["activity_type"]),
                    )
                )
            parts.append(self._money_chart(shown.assign(_key=list(by_type["activity_type"]))))
        by_commune = self.indicator(ind.plan_vs_delivery, self.year, by="commune_code")
        if not by_commune.empty:
            names = self._commune_names()
            shown = by_commune.assign(
                commune_code=[
                    self._t("place.not_commune") if pd.isna(c) else names.get(c, c)
                    for c in by_commune["commune_code"]
                ]
            )
            cols = {
                "commune_code": Col(self._t("col.commune")),
                **self.cols(
                    "n_activities",
                    "planned_amount_vnd",
                    "spent_on_plan_vnd",
                    "amount_rate",
                    "spent_off_plan_vnd",
                ),
            }
            parts.append(
                self.table(
                    "by_commune",
                    shown,
                    cols,
                    caption=self._t("effectiveness.commune_caption"),
                    marks="commune_code",
                    keys=list(by_commune["commune_code"]),
                )
            )
        parts.append(H.h(3, self._t("effectiveness.people_title")))
        parts += self._people_tables()
        return H.section("effectiveness", self._t("section.effectiveness"), *parts)

    def _delivered_parts(self, by_type: pd.DataFrame) -> tuple[list, list]:
        """The delivered units of each activity type as two table cells: on the activities
        that state planned units (what the rate compares with the plan) and on the others
        (never added to the rate). Ledger keys where registered, else the number or NaN."""
        on_plan, off_plan = [], []
        for _, row in by_type.iterrows():
            key = ("delivered", self.year, row["activity_type"])
            if key not in self.ledger.values:
                on_plan.append(row["delivered_on_plan"])
                off_plan.append(row["delivered_off_plan"])
            elif pd.isna(row["delivered_on_plan"]):
                on_plan.append(float("nan"))
                off_plan.append(key)
            else:
                on_plan.append((*key, "on_plan"))
                off_plan.append((*key, "off_plan"))
        return on_plan, off_plan

    def _plan_table(self) -> H.Fragment:
        plans = self._plans().sort_values("activity_id")
        if plans.empty:
            return H.missing(self._t("missing.plans"))
        sources = self.pkg["sources"].set_index("source_id")
        illustrative = self.pkg.illustrative_sources
        shown = plans.assign(
            place=[self._place(r) for _, r in plans.iterrows()],
            activity_type=[label("activity_type", v, self.lang) for v in plans["activity_type"]],
            planned=[
                self._t(
                    "plan.units", n=format_number(u, self.lang), unit=label("unit", un, self.lang)
                )
                if not pd.isna(u)
                else self._t("missing_value")
                for u, un in zip(plans["planned_units"], plans["unit"], strict=True)
            ],
            source=[
                self._t("plan.illustrative")
                if s in illustrative
                else label("source_kind", sources.loc[s, "kind"], self.lang)
                for s in plans["source_id"]
            ],
        )
        cols = {
            "activity_id": Col(self._t("col.activity_id")),
            "place": Col(self._t("col.place")),
            **self.cols("activity_type"),
            "description_vi": Col(self._t("col.description")),
            "planned": Col(self._t("col.planned_units")),
            **self.cols("planned_amount_vnd"),
            "is_conditional": Col(self._t("col.conditional"), "bool"),
            "source": Col(self._t("col.source")),
        }
        real = plans[~plans["source_id"].isin(illustrative)]
        cited = ", ".join(sorted({sources.loc[s, "title"] for s in real["source_id"]}))
        intro = (
            self._t(
                "plan.real_intro",
                n=len(real),
                activities=count_text("activity", len(plans), self.lang),
                sources=cited,
                amount=self._money(real["planned_amount_vnd"].sum()),
            )
            if len(real)
            else self._t("plan.all_illustrative")
        )
        return (
            H.h(3, self._t("plan.title", year=self.year))
            + H.p(intro)
            + self.table(
                "plan",
                shown,
                cols,
                caption=self._t("plan.caption", year=self.year),
                marks="activity_id",
            )
        )

    def _money_chart(self, shown: pd.DataFrame) -> H.Fragment:
        from analysis import charts

        data = shown[(shown["planned_amount_vnd"].fillna(0) > 0) | (shown["spent_vnd"] > 0)]
        if data.empty:
            return H.Fragment("")
        fig = charts.grouped_bars(
            data,
            "activity_type",
            ["planned_amount_vnd", "spent_vnd"],
            [self._t("col.planned"), self._t("col.spent")],
            ylabel=self._t("chart.million_vnd"),
            lang=self.lang,
            scale=1e6,
            illustrative=self.illustrative_rows(data, "activity_type", data["_key"]),
            illustrative_label=self._t("chart.illustrative"),
        )
        alt = self._t(
            "chart.money_alt",
            year=self.year,
            items="; ".join(
                f"{r.activity_type}: {self._money(r.planned_amount_vnd)}"
                f" / {self._money(r.spent_vnd)}"
                for r in data.itertuples()
            ),
        )
        return H.chart(
            fig,
            alt,
            self._t("chart.money_caption"),
            title=self._t("chart.money_title", year=self.year),
        )

    def _people_tables(self) -> list[H.Fragment]:
        total = ("reached", self.year)
        if not self.ledger.values[total]:
            return [H.missing(self._t("missing.beneficiaries"))]
        out = []
        for field_name in PEOPLE_BREAKDOWNS:
            counts = self.indicator(ind.beneficiaries_reached, self.year, by=(field_name,))
            enum_field = "poverty_status" if field_name == "poverty_status_entry" else field_name
            order = sorted(
                counts[field_name],
                key=lambda v: sort_key(label(enum_field, v, self.lang), self.lang),
            )
            frame = pd.DataFrame(
                {
                    "group": [label(enum_field, v, self.lang) for v in order] + [self._t("total")],
                    "people": [(*total, field_name, v) for v in order] + [total],
                }
            )
            cols = {
                "group": Col(self._t(f"col.{field_name}")),
                **self.cols("people"),
            }
            out.append(
                self.table(
                    f"people_by_{field_name}"[:31],
                    frame,
                    cols,
                    total_row=True,
                    marks="all",
                    caption=self._t(
                        "effectiveness.people_caption", by=self._t(f"col.{field_name}").lower()
                    ),
                )
            )
        return out

    # ------------------------------------------------------------------ efficiency
    def efficiency(self) -> H.Fragment:
        """Execution rate, cost per beneficiary and per unit against benchmarks, timeliness,
        funds mobilised against funds spent."""
        parts = []
        execution = self.indicator(ind.budget_execution, self.year)
        if execution.empty or not execution["planned_amount_vnd"].sum():
            parts.append(H.missing(self._t("missing.amounts")))
        else:
            row = execution.iloc[0]
            parts.append(
                H.p(
                    self._t(
                        "efficiency.execution",
                        planned=self._money(row["planned_amount_vnd"]),
                        spent=self._money(row["spent_vnd"]),
                        rate=self._pct(row["execution_rate"]),
                    )
                )
            )
        parts += self.cost_tables(
            self.year, self._t("efficiency.cpb_caption"), self._t("efficiency.bench_caption")
        )
        delay = self.indicator(ind.disbursement_delay_summary, self.year)
        if delay.n_measured:
            parts.append(
                H.p(
                    self._t(
                        "efficiency.delay",
                        activities=count_text("activity", delay.n_measured, self.lang),
                        median=count_text("day", delay.median_days, self.lang),
                        max=count_text("day", delay.max_days, self.lang),
                    )
                )
            )
        else:
            parts.append(H.missing(self._t("missing.delay")))
        funds = self.indicator(ind.funds_mobilised, self.year)
        if funds.table.empty:
            parts.append(H.missing(self._t("missing.funds")))
        else:
            table = self.in_label_order(funds.table, "contributor_kind", "contributor_kind")
            shown = self._labelled(table, "contributor_kind", "contributor_kind")
            cols = {
                "contributor_kind": Col(self._t("col.contributor")),
                "incoming_vnd": Col(self._t("col.incoming"), "money"),
                "share": Col(self._t("col.share"), "percent"),
            }
            parts.append(
                H.p(
                    self._t(
                        "efficiency.funds",
                        incoming=self._money(funds.incoming_vnd),
                        spent=self._money(funds.spent_vnd),
                        coverage=self._pct(funds.coverage),
                    )
                )
            )
            parts.append(
                self.table(
                    "funds_mobilised",
                    shown,
                    cols,
                    caption=self._t("efficiency.funds_caption"),
                    marks="all",
                )
            )
        return H.section("efficiency", self._t("section.efficiency"), *parts)

    # ------------------------------------------------------------------ impact
    def gender(self) -> H.Fragment:
        """Gender and equity (:mod:`analysis.report.equity`)."""
        return equity.gender_section(self)

    def impact(self) -> H.Fragment:
        """Poor-household rate of partners against comparisons (difference-in-differences with
        permutation inference) and beneficiaries' change in income and poverty status."""
        parts = []
        did = self._did()
        if isinstance(did, Exception):
            parts.append(H.missing(self._t("missing.did", reason=str(did))))
        else:
            parts += self._did_parts(did)
        parts.append(H.h(3, self._t("impact.panel_title")))
        parts += self._followed_parts()
        return H.section("impact", self._t("section.impact"), *parts)

    def _followed_parts(self) -> list[H.Fragment]:
        """Beneficiaries' change in income and poverty since entry, through the ledger: a
        mean of fewer people than the threshold, or a share of a hidden count, is withheld."""
        y = self.year
        try:
            inc = self.indicator(ind.income_change, y)
        except ValueError:
            return [H.missing(self._t("missing.followups"))]
        income = ("followed", y, "income")
        if income not in self.ledger.values or self.ledger.is_hidden(income):
            return [H.missing(self._t("missing.followups"))]
        m, lp = inc.mean_change, inc.left_poverty
        parts = [
            H.p(
                self._t(
                    "impact.income",
                    n=self.people_text(income),
                    mean=self._money(m.estimate),
                    low=self._money(m.low),
                    high=self._money(m.high),
                    clusters=count_text("commune", m.n_clusters, self.lang),
                    pupils=self.people_text(("pupils_excluded", y)),
                )
            )
        ]
        parts.append(H.p(self._real_income_text(inc)))
        parts.append(self._exposure_table(inc.by_exposure))
        parts.append(H.p(self._t("impact.before_after"), "note"))
        poor_entry = ("followed", y, "poor_entry")
        if self.ledger.is_hidden(poor_entry) or not self.ledger.values[poor_entry]:
            return parts + [H.missing(self._t("missing.followups"))]
        split = [("followed", y, k) for k in ("poor_entry", "not_poor_entry")]
        now = [("followed", y, k) for k in ("poor_now", "not_poor_now")]
        left = [("followed", y, k) for k in ("left", "stayed")]
        parts.append(
            H.p(
                self._t(
                    "impact.poverty",
                    entry=self._pct(self.withheld(inc.share_poor_entry, *split)),
                    now=self._pct(self.withheld(inc.share_poor_year, *now)),
                    year=y,
                    n=self.people_text(poor_entry),
                    left=self._pct(self.withheld(lp.estimate, *left)),
                    low=self._pct(self.withheld(lp.low, *left)),
                    high=self._pct(self.withheld(lp.high, *left)),
                )
            )
        )
        return parts

    def _exposure_table(self, exposure: pd.DataFrame) -> H.Fragment:
        """The change by years since entry, each mean beside its number of people (a mean
        of a hidden count is withheld): the longer-exposed are not pooled with newcomers."""
        y = self.year
        n_keys = [("followed", y, "income", "exposure", int(k)) for k in exposure["exposure_years"]]
        real_keys = [
            ("followed", y, "real", "exposure", int(k)) for k in exposure["exposure_years"]
        ]
        shown = exposure.assign(
            n=n_keys,
            n_real=real_keys,
            mean_change_vnd=[
                self.withheld(v, k)
                for v, k in zip(exposure["mean_change_vnd"], n_keys, strict=True)
            ],
            mean_real_change_vnd=[
                self.withheld(v, k)
                for v, k in zip(exposure["mean_real_change_vnd"], real_keys, strict=True)
            ],
        )
        cols = {
            "exposure_years": Col(self._t("col.exposure_years"), "number"),
            "n": Col(self._t("col.followed_people"), "people"),
            "mean_change_vnd": Col(self._t("col.mean_change"), "money"),
            "n_real": Col(self._t("col.followed_people_real"), "people"),
            "mean_real_change_vnd": Col(self._t("col.mean_real_change"), "money"),
        }
        return self.table(
            "income_by_exposure",
            shown,
            cols,
            caption=self._t("impact.exposure_caption", year=y),
            marks="all",
        )

    def _real_income_text(self, inc) -> str:
        """The change at constant prices (national CPI), or why there is none."""
        real = ("followed", self.year, "real")
        if not self.ledger.values.get(real):
            years = ", ".join(str(y) for y in inc.cpi_missing_years)
            return self._t("impact.income_no_real", years=years or self._t("missing_value"))
        if self.ledger.is_hidden(real):
            return self._t("missing.followups")
        r = inc.real_mean_change
        text = self._t(
            "impact.income_real",
            mean=self._money(r.estimate),
            low=self._money(r.low),
            high=self._money(r.high),
            n=self.people_text(real),
        )
        if inc.cpi_uncertain_years:
            years = ", ".join(str(y) for y in inc.cpi_uncertain_years)
            text += " " + self._t("impact.cpi_uncertain", years=years)
        return text

    def _did_parts(self, did) -> list[H.Fragment]:
        from analysis import charts

        r = did.result
        text = self._t("impact.did", year=self.year, **self.did_figures(r))
        parts = [
            H.p(text),
            # The sensitivity table is the phase report's (one per package, not per year).
            *self.did_design_parts(did, sensitivity=False),
            *self.did_commune_table(
                did, self._t("col.post_rate", year=self.year), self._t("impact.did_caption")
            ),
        ]
        panel = self.indicator(ind.poverty_panel)
        panel = panel[panel["year"] <= self.year]
        # Each commune's rate minus its own baseline, averaged by group: a commune missing in
        # one year then shifts neither group's level (a plain mean of rates would).
        base = did.changes.set_index("commune_code")
        panel = panel[panel["commune_code"].isin(base.index)]
        trend = (
            panel.assign(
                g=panel["commune_code"].map(base["group"]),
                d=panel["rate_pct"] - panel["commune_code"].map(base["pre_rate"]),
            )
            .groupby(["year", "g"])["d"]
            .mean()
            .unstack("g")
            .reset_index()
        )
        if {"treated", "control"} <= set(trend.columns):
            fig = charts.trend_lines(
                trend,
                "year",
                ["treated", "control"],
                [self._t("impact.group_treated"), self._t("impact.group_control")],
                ylabel=self._t("chart.poverty_ylabel"),
                lang=self.lang,
                marker_x=2021.5 if self.year >= 2022 else None,
                marker_label=self._t("chart.standard_change"),
                **self.chart_marks(trend, "year"),
            )
            alt = self._t(
                "chart.poverty_alt",
                items="; ".join(
                    f"{int(row.year)}: {format_number(row.treated, self.lang, 1)} / "
                    f"{format_number(row.control, self.lang, 1)}"
                    for row in trend.itertuples()
                ),
            )
            parts.append(
                H.chart(
                    fig, alt, self._t("chart.poverty_caption"), title=self._t("chart.poverty_title")
                )
            )
        if r.distribution and r.min_p_value > PERMUTATION_CHART_LEVEL:
            # A handful of bars shows nothing the sentences above do not already say.
            parts.append(
                H.p(
                    self._t(
                        "chart.perm_omitted",
                        n=format_number(r.n_assignments, self.lang),
                        minp=format_number(r.min_p_value, self.lang, 4),
                        level=format_number(PERMUTATION_CHART_LEVEL, self.lang, 2),
                    ),
                    "note",
                )
            )
        elif r.distribution:
            fig = charts.permutation_histogram(
                r.distribution,
                r.estimate,
                xlabel=self._t("chart.perm_xlabel"),
                ylabel=self._t("chart.perm_ylabel"),
                observed_label=self._t("chart.perm_observed"),
                lang=self.lang,
            )
            alt = self._t(
                "chart.perm_alt",
                n=format_number(r.n_assignments, self.lang),
                did=format_number(r.estimate, self.lang, 1),
                p=format_number(r.p_value, self.lang, 4),
            )
            parts.append(
                H.chart(fig, alt, self._t("chart.perm_caption"), title=self._t("chart.perm_title"))
            )
        return parts

    # ------------------------------------------------------------------ sustainability
    def sustainability(self) -> H.Fragment:
        """The revolving cows, households that stayed out of poverty, communes that graduated."""
        parts = []
        herd = self.indicator(ind.livestock_summary, self.year)
        if herd.empty:
            parts.append(H.missing(self._t("missing.livestock")))
        else:
            total = herd[herd["commune_code"] == "all"].iloc[0]
            key = ("herd", self.year, "all")
            parts.append(
                H.p(
                    self._t(
                        "sustainability.herd",
                        year=self.year,
                        received=self.people_text((*key, "animals_received")),
                        herd=self.people_text((*key, "herd_alive")),
                        per=self._num(
                            self.withheld(
                                total["herd_per_animal_received"], (*key, "animals_received")
                            ),
                            1,
                        ),
                        passed=self.people_text((*key, "passed_on")),
                        rate=self._pct(
                            self.share(total["pass_on_rate"], (*key, "animals_received"))
                        ),
                    )
                )
            )
            parts.append(
                self.livestock_table(herd, self.year, self._t("sustainability.herd_caption"))
            )
        persistence = self.persistence_table(self.year)
        parts.append(persistence or H.missing(self._t("missing.persistence")))
        graduated = self.indicator(ind.graduated_communes)
        parts += self.graduated_paragraphs(graduated[graduated["partner_to"] < self.year])
        return H.section("sustainability", self._t("section.sustainability"), *parts)

    # ------------------------------------------------------------------ methods
    def methods(self) -> H.Fragment:
        """Designs and limits in plain words."""
        plans = self._plans()
        treated = plans["commune_code"].dropna().nunique()
        partners = count_text("partner_commune", treated, self.lang)
        return H.section(
            "methods",
            self._t("section.methods"),
            *self.method_paragraphs(self._t("methods.did", partners=partners)),
            *self.glossary(),
        )
