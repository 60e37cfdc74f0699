"""The end-of-phase evaluation, 2021–2025: one method per section.

It reuses the indicator library and the annual report's machinery (banner, data quality,
footer, small-cell protection); the notebook ``notebooks/phase_evaluation.ipynb`` displays
each section.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import pandas as pd

from analysis import indicators as ind
from analysis.i18n import count_text, format_number, label, localized, t
from analysis.indicators import phase as ph
from analysis.indicators.registry import CRITERIA, evidence_of
from analysis.package import Package
from analysis.provenance import phase_rows
from analysis.ratings import findings, load_rules
from analysis.report import equity
from analysis.report import html as H
from analysis.report.base import (
    LIVESTOCK_COUNTS,
    LIVESTOCK_HOUSEHOLDS,
    BaseReport,
    check_common,
    is_nan,
    load_checked,
    plan_years,
    section_cells,
    text_or,
)
from analysis.report.context import context_section
from analysis.report.html import Col
from analysis.report.narrative import NarrativeMixin
from analysis.theory import LEVELS, link_confidence

PHASE_BREAKDOWNS = ("commune_code", "activity_type", "implementing_unit")
"""The phase's people, broken down in the totals section."""

SECTIONS = (
    "summary",
    "purpose",
    "context",
    "findings",
    "totals",
    "efficiency",
    "impact",
    "gender",
    "sustainability",
    "theory-of-change",
    "reform",
    "map",
    "conclusions",
    "recommendations",
    "lessons",
    "limitations",
    "data-quality",
    "methods",
    "evaluation-matrix",
)


@dataclass
class PhaseReport(NarrativeMixin, BaseReport):
    """The 2021–2025 phase evaluation in one language."""

    SECTIONS: ClassVar[tuple[str, ...]] = SECTIONS
    CELLS: ClassVar[tuple[str, ...]] = section_cells(SECTIONS)

    @classmethod
    def load(
        cls,
        *,
        lang: str,
        package_path: str = "",
        package_sha256: str = "",
        min_cell: int = 5,
        pkg: Package | None = None,
    ) -> PhaseReport:
        """Check the parameters, load the package strictly, and return the report."""
        check_common(lang, min_cell)
        pkg, problems = load_checked(package_path, pkg, package_sha256)
        return cls(pkg, lang, min_cell, problems)

    @classmethod
    def instances(cls, pkg: Package) -> list[dict]:
        return [{}]

    @classmethod
    def path_fields(cls, pkg: Package, **params) -> dict:
        years = plan_years(pkg)
        return {"first": years[0], "last": years[-1]}

    @classmethod
    def title_for(cls, pkg: Package, lang: str, **params) -> str:
        return t("phase.title", lang, **cls.path_fields(pkg))

    # ------------------------------------------------------------------ scope
    @property
    def last_year(self) -> int:
        return int(self.pkg["plans"]["year"].max())

    @property
    def first_year(self) -> int:
        return int(self.pkg["plans"]["year"].min())

    def title(self) -> str:
        return self._t("phase.title", first=self.first_year, last=self.last_year)

    def parameters(self) -> dict:
        return {"lang": self.lang, "min_cell": self.min_cell}

    def scope_rows(self) -> dict[str, pd.DataFrame]:
        return phase_rows(self.pkg)

    def scope_activities(self) -> set[str]:
        return set(self.pkg["plans"]["activity_id"])

    # ------------------------------------------------------------------ counts of people
    def register_counts(self, ledger) -> None:
        """Every count of people the phase report publishes, and how they add up: the
        phase's beneficiaries by year of entry, commune, activity type, implementing unit and
        2025 successor commune; the cow ledger at the end of each year; the people observed
        at each year since entry; the households that stayed out of poverty."""
        equity.register_counts(self, ledger)  # the gender section's counts
        self.register_limitations(ledger)  # the limitations section's counts
        totals = self.indicator(ph.totals_by_year)
        everyone = int(self.pkg["beneficiaries"]["beneficiary_id"].nunique())
        total = (("reached", "phase"), everyone)
        self.breakdown(ledger, total, totals, "year")
        for by in PHASE_BREAKDOWNS:
            frame = self.indicator(ph.totals_by, by)
            if by == "activity_type":
                frame = self.in_label_order(frame, by, by)
            self.breakdown(ledger, total, frame.assign(**{by: frame[by].map(_group)}), by)
        for successor, codes in self._successors().items():
            parts = {
                ("reached", "phase", "commune_code", c): self._commune_people(c) for c in codes
            }
            ledger.line(parts, (("reached", "phase", "successor", successor), sum(parts.values())))
        for year in plan_years(self.pkg):
            herd = self.indicator(ind.livestock_summary, year)
            if herd.empty:
                continue
            row = herd[herd["commune_code"] == "all"].iloc[0]
            for col in LIVESTOCK_COUNTS:
                ledger.count(("herd", year, "all", col), row[col], col in LIVESTOCK_HOUSEHOLDS)
            ledger.together(("herd", year, "all", col) for col in LIVESTOCK_COUNTS)
        for row in self.indicator(ph.income_trajectories).itertuples():
            ledger.count(("since_entry", int(row.years_since_entry)), row.n)
        passes = self.indicator(ind.pass_on_rate, self.last_year)
        ledger.line(
            {
                ("pass_on", "passed"): passes.passed_on,
                ("pass_on", "not_passed"): passes.eligible - passes.passed_on,
            },
            (("pass_on", "eligible"), passes.eligible),
        )
        self.register_persistence(ledger, self.last_year)

    def _commune_people(self, code: str) -> int:
        frame = self.indicator(ph.totals_by, "commune_code").set_index("commune_code")
        return int(frame.loc[code, "people"]) if code in frame.index else 0

    def _successors(self) -> dict[str, list[str]]:
        """Each 2025 successor commune (with its province) and the partner communes in it."""
        by_commune = self.indicator(ph.totals_by, "commune_code").dropna(subset=["commune_code"])
        info = self.pkg["communes"].set_index("commune_code")
        groups: dict[str, list[str]] = {}
        for c in by_commune["commune_code"]:
            successor = text_or(info.loc[c, "successor_name_2025"], "—")
            province = text_or(info.loc[c, "successor_province_2025"], "—")
            name = f"{successor} ({province})"
            groups.setdefault(name, []).append(c)
        return groups

    def funded_key(self, activity_type: str) -> tuple:
        return ("reached", "phase", "activity_type", activity_type)

    # ------------------------------------------------------------------ figures
    def _did(self):
        """The whole phase's difference-in-differences (computed once, by
        :meth:`~analysis.report.base.BaseReport.indicator`), or why it cannot be."""
        try:
            return self.indicator(ind.poverty_did, self.last_year, phase=True)
        except ValueError as exc:
            return exc

    def _figures(self) -> dict:
        """The whole-phase figures the rating rules compare (:func:`analysis.ratings.findings`)."""
        shares = self.indicator(ind.targeting_shares, None)
        overall = shares[shares["activity_type"] == "all"]
        linked = self.indicator(ind.share_of_plan_linked, None)
        did = self._did()
        persistence = self.indicator(ind.poverty_persistence, self.last_year)
        stayed = persistence[persistence["horizon_years"] == 1]
        figures = {
            "people": int(overall["n"].iloc[0]) if len(overall) else 0,
            "share_poor_or_near_poor": float(overall["share_poor_or_near_poor"].iloc[0])
            if len(overall)
            else None,
            "share_of_plan_linked": linked.share,
            "documented_share_of_plan_linked": linked.documented_share,
            "units_delivered_rate": self.indicator(ind.completion_rate, None).rate,
            "cost_vs_benchmark": self.indicator(ind.cost_vs_benchmark, None)["ratio"].max(),
            "calves_per_animal_year": self.indicator(ind.calving_rate, None).rate,
            "stayed_out_share": float(stayed["share_still_out"].iloc[0])
            if len(stayed) and stayed["n"].iloc[0] >= self.min_cell
            else None,
        }
        return figures | self._did_figures(did)

    @staticmethod
    def _did_figures(did) -> dict:
        """The impact rule's figures from the difference-in-differences (None when it failed)."""
        if isinstance(did, Exception):
            return {"did_estimate": None, "did_p_value": None, "did_n_treated": 0}
        return {
            "did_estimate": did.result.estimate,
            "did_p_value": did.result.p_value,
            "did_min_p": did.result.min_p_value,
            "did_n_treated": did.result.n_treated,
            "did_pretrend_p": did.pretrend.p_value if did.pretrend is not None else None,
            "did_robust": did.robust_sign,
        }

    def _criterion_share(self) -> dict[str, float]:
        rows = self.rows()

        def share(*resources: str) -> float:
            frames = [rows[r] for r in resources if len(rows[r])]
            total = sum(len(f) for f in frames)
            return (
                sum(int(self.pkg.is_illustrative(f).sum()) for f in frames) / total
                if total
                else float("nan")
            )

        # The resources behind each criterion are those of its indicators (one declaration).
        return {criterion: share(*evidence_of(criterion)) for criterion in CRITERIA}

    # ------------------------------------------------------------------ sections
    def summary(self) -> H.Fragment:
        """Five-year totals in sentences generated from the data."""
        totals = self.indicator(ph.totals_by_year)
        planned, spent = totals["planned_vnd"].sum(), totals["spent_vnd"].sum()
        mobilised = totals["mobilised_vnd"].sum()
        people = ("reached", "phase")
        communes = self.pkg["communes"]
        partners = communes[communes["role"] == "partner"]
        items = [
            (self._money(planned), self._t("kpi.planned")),
            (self._money(mobilised), self._t("phase.kpi_mobilised")),
            (self._money(spent), self._t("kpi.spent")),
            (self.people_text(people), self._t("kpi.people")),
        ]
        text = self._t(
            "phase.summary",
            first=self.first_year,
            last=self.last_year,
            activities=count_text("activity", int(totals["activities"].sum()), self.lang),
            communes=count_text("partner_commune", len(partners), self.lang),
            planned=self._money(planned),
            mobilised=self._money(mobilised),
            spent=self._money(spent),
            people=self.people_text(people),
        )
        marked = self.illustrative_rows(totals, "all")
        kpis = H.kpis(items, illustrative=bool(marked) and marked[0])
        return H.section(
            "summary", self._t("section.summary"), self.key_messages(), kpis, H.p(text)
        )

    def context(self) -> H.Fragment:
        """Published poverty rates of the partner communes against their district, province
        and the country, every year (:mod:`analysis.report.context`)."""
        return context_section(self)

    def findings(self) -> H.Fragment:
        """A rating per DAC criterion, from rules whose thresholds are in the config file;
        withheld where the evidence is mostly illustrative."""
        figures = self._figures()
        rules = load_rules()
        rated = findings(figures, rules, self._criterion_share())
        frame = pd.DataFrame(
            [
                {
                    "criterion": self._t(f"section.{f.criterion}"),
                    "rating": self._t(f"rating.{f.rating}"),
                    "finding": self._finding_sentence(f, rules),
                    "illustrative": f.illustrative_share,
                    "demonstration": self._t(f"rating.{f.demonstration}")
                    if f.demonstration
                    else "—",
                }
                for f in rated
            ]
        )
        cols = {
            "criterion": Col(self._t("phase.col_criterion")),
            "rating": Col(self._t("phase.col_rating")),
            "finding": Col(self._t("phase.col_finding")),
            "illustrative": Col(self._t("dq.share"), "percent"),
            "demonstration": Col(self._t("phase.col_demonstration")),
        }
        withheld = sum(f.reason == "illustrative" for f in rated)
        return H.section(
            "findings",
            self._t("section.findings"),
            H.p(
                self._t(
                    "phase.findings_intro",
                    limit=self._pct(rules["max_illustrative_share"]),
                    withheld=withheld,
                    n=len(rated),
                )
            ),
            self.table("findings", frame, cols, caption=self._t("phase.findings_caption")),
        )

    def _finding_sentence(self, f, rules: dict) -> str:
        """What the rule compared, and why a rating is withheld when it is."""
        if f.reason == "illustrative":
            return self._t(
                "phase.finding_withheld",
                share=self._pct(f.illustrative_share),
                limit=self._pct(rules["max_illustrative_share"]),
                measured=self._measured(f),
            )
        if f.rating == "insufficient_evidence":
            return self._t(f"phase.finding_insufficient.{f.reason}")
        return self._measured(f)

    def _measured(self, f) -> str:
        """The figures a rule compared, in a sentence."""
        v = f.values
        if f.criterion in ("relevance", "coherence", "effectiveness"):
            if _missing_value(v.get("value")):  # coherence: no documented link at all
                reason = "undocumented" if f.criterion == "coherence" else "missing"
                return self._t(f"phase.finding_insufficient.{reason}")
            value = v["value"]
            if f.criterion == "relevance":  # a share of the phase's people
                value = self.share(value, ("reached", "phase"))
            return self._t(f"phase.finding_{f.criterion}", value=self._pct(value))
        if f.criterion == "efficiency":
            if _missing_value(v.get("value")):
                return self._t("phase.finding_insufficient.missing")
            return self._t(
                "phase.finding_efficiency", value=format_number(v["value"], self.lang, 2)
            )
        if f.criterion == "impact":
            if _missing_value(v.get("value")) or _missing_value(v.get("p")):
                return self._t("phase.finding_insufficient.missing")
            return self._t(
                "phase.finding_impact",
                did=format_number(v["value"], self.lang, 1),
                p=format_number(v["p"], self.lang, 4),
                min_p=format_number(v.get("min_p"), self.lang, 4),
            )
        missing = self._t("missing_value")
        return self._t(
            "phase.finding_sustainability",
            calving=missing
            if _missing_value(v["calving"])
            else format_number(v["calving"], self.lang, 2),
            stayed=missing if _missing_value(v["stayed"]) else self._pct(v["stayed"]),
        )

    def totals(self) -> H.Fragment:
        """Five-year totals and trends per year, commune, activity type and implementing unit."""
        from analysis import charts

        totals = self.indicator(ph.totals_by_year)
        cols = {
            **self.cols("year"),
            "activities": Col(self._t("col.n_activities"), "number"),
            "planned_vnd": Col(self._t("col.planned"), "money"),
            "mobilised_vnd": Col(self._t("col.incoming"), "money"),
            **self.cols("spent_vnd", "people"),
        }
        shown = totals.assign(
            year=totals["year"].astype(str),
            people=[("reached", "phase", "year", y) for y in totals["year"]],
        )
        parts = [
            self.table(
                "totals_by_year",
                shown,
                cols,
                caption=self._t("phase.by_year_caption"),
                marks="year",
            )
        ]
        fig = charts.trend_lines(
            totals.assign(
                planned=totals["planned_vnd"] / 1e6,
                spent=totals["spent_vnd"] / 1e6,
                mobilised=totals["mobilised_vnd"] / 1e6,
            ),
            "year",
            ["planned", "spent", "mobilised"],
            [self._t("col.planned"), self._t("col.spent"), self._t("col.incoming")],
            ylabel=self._t("chart.million_vnd"),
            lang=self.lang,
            **self.chart_marks(totals, "year"),
        )
        alt = self._t(
            "phase.trend_alt",
            items="; ".join(
                f"{int(r.year)}: {self._money(r.planned_vnd)} / {self._money(r.spent_vnd)}"
                for r in totals.itertuples()
            ),
        )
        parts.append(
            H.chart(fig, alt, self._t("phase.trend_caption"), title=self._t("phase.trend_title"))
        )
        names = self._commune_names()
        units = self.pkg["implementing_units"].set_index("unit_id")
        unit_col = localized("name", self.lang, units.columns)
        for by, heading in (
            ("commune_code", "col.commune"),
            ("activity_type", "col.activity_type"),
            ("implementing_unit", "phase.col_unit"),
        ):
            frame = self.indicator(ph.totals_by, by)
            frame = frame.assign(people=[("reached", "phase", by, _group(v)) for v in frame[by]])
            keys = list(frame[by])
            if by == "commune_code":
                frame = frame.assign(
                    commune_code=[
                        self._t("place.not_commune") if pd.isna(c) else names.get(c, c)
                        for c in frame["commune_code"]
                    ]
                )
            elif by == "activity_type":
                frame = self._labelled(frame, "activity_type", "activity_type")
            else:
                frame = frame.assign(
                    implementing_unit=[
                        units.loc[u, unit_col] if u in units.index else u
                        for u in frame["implementing_unit"]
                    ]
                )
            cols = {
                by: Col(self._t(heading)),
                **self.cols("n_activities", "planned_amount_vnd", "spent_vnd", "people"),
            }
            parts.append(
                self.table(
                    f"totals_by_{by}",
                    frame,
                    cols,
                    caption=self._t("phase.by_caption", by=self._t(heading).lower()),
                    marks=by,
                    keys=keys,
                )
            )
        return H.section("totals", self._t("section.totals"), *parts)

    def efficiency(self) -> H.Fragment:
        """Cumulative cost per beneficiary and per unit, against the sourced benchmarks."""
        parts = self.cost_tables(None, self._t("phase.cpb_caption"), self._t("phase.bench_caption"))
        return H.section("efficiency", self._t("section.efficiency"), *parts)

    def gender(self) -> H.Fragment:
        """Gender and equity (:mod:`analysis.report.equity`)."""
        return equity.gender_section(self)

    def impact(self) -> H.Fragment:
        """Partners against comparisons over the whole phase; the beneficiaries' trajectories."""
        from analysis import charts

        parts = []
        did = self._did()
        if isinstance(did, Exception):
            parts.append(H.missing(self._t("missing.did", reason=str(did))))
        else:
            r = did.result
            parts.append(
                H.p(
                    self._t(
                        "phase.did",
                        first=min(did.post),
                        last=max(did.post),
                        **self.did_figures(r),
                    )
                )
            )
            parts += self.did_design_parts(did)
            parts += self.did_commune_table(
                did, self._t("phase.col_post_rate"), self._t("phase.did_caption")
            )
        traj = self.indicator(ph.income_trajectories)
        # A mean of fewer people than the threshold is not shown (nor drawn).
        keys = [("since_entry", int(k)) for k in traj["years_since_entry"]]
        traj = traj.assign(n=keys)[[not self.ledger.is_hidden(k) for k in keys]]
        parts.append(H.h(3, self._t("phase.trajectory_title")))
        if traj.empty:
            parts.append(H.missing(self._t("missing.followups")))
        else:
            cols = {
                "years_since_entry": Col(self._t("phase.col_years_since"), "number"),
                "n": Col(self._t("col.people"), "people"),
                "mean_vnd": Col(self._t("phase.col_mean_income"), "money"),
                "low_vnd": Col(self._t("phase.col_low"), "money"),
                "high_vnd": Col(self._t("phase.col_high"), "money"),
            }
            parts.append(
                self.table(
                    "income_trajectories",
                    traj,
                    cols,
                    caption=self._t("phase.trajectory_caption"),
                    marks="all",
                )
            )
            fig = charts.trend_lines(
                traj.assign(
                    mean=traj["mean_vnd"] / 1e3,
                    low=traj["low_vnd"] / 1e3,
                    high=traj["high_vnd"] / 1e3,
                ),
                "years_since_entry",
                ["mean", "low", "high"],
                [
                    self._t("phase.col_mean_income"),
                    self._t("phase.col_low"),
                    self._t("phase.col_high"),
                ],
                ylabel=self._t("phase.thousand_vnd"),
                lang=self.lang,
            )
            alt = self._t(
                "phase.trajectory_alt",
                items="; ".join(
                    f"{int(r.years_since_entry)}: {self._money(r.mean_vnd)}"
                    for r in traj.itertuples()
                ),
            )
            parts.append(
                H.chart(
                    fig,
                    alt,
                    self._t("phase.trajectory_caption_chart"),
                    title=self._t("phase.trajectory_title"),
                )
            )
        return H.section("impact", self._t("section.impact"), *parts)

    def sustainability(self) -> H.Fragment:
        """The revolving-cow ledger over five years and its projection; staying out of
        poverty; Sín Thầu's graduation and the hand-over to Leng Su Sìn."""
        parts = []
        ledger = self.indicator(ph.livestock_by_year)
        if ledger.empty:
            parts.append(H.missing(self._t("missing.livestock")))
        else:
            shown = ledger.assign(
                **{
                    col: [("herd", int(y), "all", col) for y in ledger["year"]]
                    for col in LIVESTOCK_COUNTS
                },
                herd_per_animal_received=[
                    self.withheld(v, ("herd", int(y), "all", "animals_received"))
                    for v, y in zip(ledger["herd_per_animal_received"], ledger["year"], strict=True)
                ],
                year=ledger["year"].astype(str),
            )
            cols = self.livestock_columns("year", self._t("col.year"), rates=False)
            parts.append(
                self.table(
                    "livestock_by_year",
                    shown,
                    cols,
                    caption=self._t("phase.ledger_caption"),
                    marks="all",
                )
            )
        passes = self.indicator(ind.pass_on_rate, self.last_year)
        if passes.eligible:
            share = self.share(passes.rate, ("pass_on", "eligible"))
            parts.append(
                H.p(
                    self._t(
                        "phase.pass_on",
                        n=self.people_text(("pass_on", "eligible")),
                        years=passes.eligible_years,
                        share=self._t("suppressed_complementary")
                        if share is H.HIDDEN
                        else self._pct(share),
                    )
                )
            )
        projection = ph.revolving_projection(self.pkg)
        if projection is not None:
            parts.append(
                H.p(
                    self._t(
                        "phase.projection",
                        births=format_number(projection.births_per_cow_year, self.lang, 2),
                        cow_years=format_number(projection.cow_years, self.lang),
                        deaths=format_number(projection.deaths_per_animal_year, self.lang, 3),
                        sales=format_number(projection.sales_per_animal_year, self.lang, 3),
                        pass_on=format_number(projection.pass_on_per_birth, self.lang, 2),
                        years=format_number(projection.animal_years, self.lang),
                        female=self._pct(projection.female_share),
                        age=projection.first_calving_years,
                        verdict=self._t(
                            "phase.revolves_yes"
                            if projection.keeps_revolving
                            else "phase.revolves_no"
                        ),
                    )
                )
            )
            cols = {
                **self.cols("year"),
                "cows": Col(self._t("phase.col_cows"), "number"),
                "young": Col(self._t("phase.col_young"), "number"),
                "herd": Col(self._t("col.herd_alive"), "number"),
                "new_households": Col(self._t("phase.col_new_households"), "number"),
            }
            parts.append(
                self.table(
                    "projection",
                    projection.table.assign(year=projection.table["year"].astype(str)),
                    cols,
                    caption=self._t("phase.projection_caption"),
                    marks="all",
                )
            )
        persistence = self.persistence_table(self.last_year)
        if persistence is not None:
            parts.append(persistence)
        parts += self.graduated_paragraphs(self.indicator(ind.graduated_communes))
        communes = self.pkg["communes"]
        newcomers = communes[
            (communes["role"] == "partner") & (communes["partner_from"] > self.first_year)
        ]
        for row in newcomers.itertuples():
            parts.append(
                H.p(self._t("phase.handover", name=row.name_in_source, year=int(row.partner_from)))
            )
        return H.section("sustainability", self._t("section.sustainability"), *parts)

    def theory_of_change(self) -> H.Fragment:
        """The programme's logic as data, its diagram, and the evidence per link."""
        from analysis.theory import diagram

        rules = load_rules()
        confidence = link_confidence(
            self.pkg, self.rows(), rules.get("theory_of_change", {}).get("real_share", 0.5)
        )
        nodes = self.pkg["toc_nodes"].set_index("node_id")
        links = self.pkg["toc_links"].set_index("link_id")
        lbl = localized("label", self.lang, nodes.columns)
        alt_col = localized("alternatives", self.lang, links.columns)
        indicators = self.pkg["indicators"].set_index("indicator_id")
        ind_col = localized("title", self.lang, indicators.columns)
        table = confidence.assign(
            link=[
                f"{nodes.loc[a, lbl]} → {nodes.loc[b, lbl]}"
                for a, b in zip(confidence["from_node"], confidence["to_node"], strict=True)
            ],
            evidence=[
                "; ".join(indicators.loc[i, ind_col] for i in inds) or self._t("missing_value")
                for inds in confidence["indicators"]
            ],
            alternatives=[links.loc[i, alt_col] for i in confidence["link_id"]],
            confidence=[self._t(f"confidence.{c}") for c in confidence["confidence"]],
        )
        fig = diagram(
            self.pkg,
            confidence,
            self.lang,
            level_names={lv: self._t(f"toc.level.{lv}") for lv in LEVELS},
            legend={c: self._t(f"confidence.{c}") for c in ("high", "medium", "low", "none")},
            title=self._t("toc.title"),
        )
        alt = self._t(
            "toc.alt", items="; ".join(f"{r.link}: {r.confidence}" for r in table.itertuples())
        )
        cols = {
            "link": Col(self._t("toc.col_link")),
            "evidence": Col(self._t("toc.col_evidence")),
            "alternatives": Col(self._t("toc.col_alternatives")),
            "confidence": Col(self._t("toc.col_confidence")),
        }
        return H.section(
            "theory-of-change",
            self._t("section.theory-of-change"),
            H.p(self._t("toc.intro")),
            H.figure(fig, alt, self._t("toc.caption")),
            self.table("theory_of_change", table, cols, caption=self._t("toc.table")),
            H.p(
                self._t(
                    "toc.rule",
                    share=self._pct(rules.get("theory_of_change", {}).get("real_share", 0.5)),
                ),
                "note",
            ),
        )

    def _successor_notes(self, communes: pd.DataFrame) -> pd.Series:
        """The reform notes in the report's language (the English note where no Vietnamese
        one was written, so that a missing translation never hides the fact)."""
        own = communes[localized("successor_note", self.lang, communes.columns)]
        return own.fillna(communes[localized("successor_note", "en", communes.columns)])

    def reform(self) -> H.Fragment:
        """The July 2025 reform: each partner commune's successor, and figures in either
        geography."""
        communes = self.pkg["communes"]
        partners = communes[communes["role"] == "partner"].sort_values("commune_code")
        table = partners[
            [
                "name_in_source",
                "district_name",
                "province_name",
                "successor_name_2025",
                "successor_province_2025",
            ]
        ].assign(successor_note=self._successor_notes(partners))
        cols = {
            "name_in_source": Col(self._t("col.commune")),
            "district_name": Col(self._t("reform.col_district")),
            "province_name": Col(self._t("reform.col_province")),
            "successor_name_2025": Col(self._t("reform.col_successor")),
            "successor_province_2025": Col(self._t("reform.col_successor_province")),
            "successor_note": Col(self._t("reform.col_note")),
        }
        totals = self.indicator(ph.totals_by, "commune_code").set_index("commune_code")
        rows = []
        for successor, codes in self._successors().items():
            group = totals.loc[codes]
            rows.append(
                {
                    "successor": successor,
                    "n_activities": int(group["n_activities"].sum()),
                    "planned_amount_vnd": float(group["planned_amount_vnd"].sum()),
                    "spent_vnd": float(group["spent_vnd"].sum()),
                    "people": ("reached", "phase", "successor", successor),
                }
            )
        grouped = pd.DataFrame(rows)
        gcols = {
            "successor": Col(self._t("reform.col_successor")),
            **self.cols("n_activities", "planned_amount_vnd", "spent_vnd", "people"),
        }
        return H.section(
            "reform",
            self._t("section.reform"),
            H.p(self._t("reform.intro")),
            self.table("reform", table, cols, caption=self._t("reform.caption")),
            self.table(
                "reform_geography",
                grouped,
                gcols,
                caption=self._t("reform.geography_caption"),
            ),
            H.p(self._t("reform.note"), "note"),
        )

    def map(self) -> H.Fragment:
        """Partner and comparison communes on an outline of Vietnam and its neighbours."""
        return H.section("map", self._t("section.map"), *map_parts(self, None))

    def methods(self) -> H.Fragment:
        """Designs and limits, the glossary, and each rating rule with its threshold and why."""
        rules = load_rules()
        did = self._did()
        n = 0 if isinstance(did, Exception) else did.result.n_treated
        rule_items = [
            self._t("phase.rule.withheld", limit=self._pct(rules["max_illustrative_share"]))
        ]
        for criterion in CRITERIA:
            values = {
                k: self._threshold(v)
                for k, v in rules[criterion].items()
                if isinstance(v, int | float) and not isinstance(v, bool)
            }
            rule_items.append(
                self._t(f"phase.rule.{criterion}", **values)
                + " "
                + self._t(f"phase.rule_why.{criterion}")
            )
        rule_items.append(self._t("phase.rule.people", n=rules["min_people"]))
        return H.section(
            "methods",
            self._t("section.methods"),
            *self.method_paragraphs(
                self._t("phase.methods_did", communes=count_text("commune", n, self.lang))
            ),
            H.h(3, self._t("phase.rules_title")),
            H.ul(rule_items),
            *self.glossary(),
        )

    def _threshold(self, value: float) -> str:
        """A threshold in the reader's number format (integers stay integers)."""
        if float(value).is_integer() and value >= 1:
            return format_number(value, self.lang, 0)
        return format_number(value, self.lang, 2)


def map_parts(report: BaseReport, highlight: str | None) -> list[H.Fragment]:
    """The communes map (shared by the phase report and the commune profiles).

    Without ``highlight`` it is the national map: its inset shows Hoàng Sa and Trường Sa,
    named in the report's language, and its alt text names both. An archipelago that the
    boundary data do not hold is drawn as a conventional sign, which a note says.
    """
    try:
        from analysis import maps
    except ImportError:  # pragma: no cover - the map module ships with the package
        return [H.missing(report._t("missing.map"))]
    communes = report.pkg["communes"]
    names = {
        "VNM": t("map.vietnam", report.lang),
        "LAO": t("map.laos", report.lang),
        "KHM": t("map.cambodia", report.lang),
        "CHN": t("map.china", report.lang),
        "THA": t("map.thailand", report.lang),
    }
    national = highlight is None
    archipelagos = {a.key: report._t(f"map.{a.key}") for a in maps.ARCHIPELAGOS}
    fig, left_off = maps.commune_map(
        communes,
        title=report._t("map.title"),
        country_names=names,
        archipelago_names=archipelagos if national else None,
        labels={
            "partner": report._t("impact.group_treated"),
            "comparison": report._t("impact.group_control"),
        },
        highlight=highlight,
        extent="auto" if highlight else None,
        width=3.6 if highlight else 5.2,
    )
    shown = communes[~communes["name_in_source"].isin(left_off)]
    sources = maps.point_sources(communes, fig)
    alt = report._t(
        "map.alt_national" if national else "map.alt",
        items="; ".join(
            f"{r.name_in_source} ({label('role', r.role, report.lang)}, {r.province_name})"
            for r in shown.itertuples()
        ),
        **archipelagos,
    )
    parts = [H.figure(fig, alt, report._t("map.caption", source=maps.source_note(report.lang)))]
    signs = [archipelagos[a.key] for a in maps.ARCHIPELAGOS if not maps.archipelago_islands(a.key)]
    if national and signs:
        parts.append(H.p(report._t("map.archipelago_sign", names=", ".join(signs)), "note"))
    if left_off:
        parts.append(H.p(report._t("map.left_off", communes=", ".join(left_off)), "note"))
    if sources:  # where the points come from (GADM's licence asks for the attribution)
        parts.append(H.p(_point_sources_text(report, sources), "note"))
    return parts


def _point_sources_text(report: BaseReport, sources: dict[str, list[str]]) -> str:
    """The note "Commune coordinates: <source>; for <communes>: <source>." under a map:
    the source of most points first, without names; each other source with its communes."""
    table = report.pkg["sources"].set_index("source_id")

    def cite(source: str) -> str:
        src = table.loc[source].to_dict()
        return report._t(
            "map.point_source",
            title=report.source_text(src, "title"),
            issuer=report.source_text(src, "issuer"),
        )

    main, *others = sorted(sources, key=lambda s: -len(sources[s]))  # stable: ties keep order
    items = [cite(main)] + [
        report._t("map.point_source_for", communes=", ".join(sources[s]), source=cite(s))
        for s in others
    ]
    return report._t("map.point_sources", items="; ".join(items))


def _missing_value(value) -> bool:
    """None or NaN: a figure the data do not give."""
    return value is None or is_nan(value)


def _group(value) -> str:
    """A group's value as a ledger key part (``none`` for activities of no commune)."""
    return "none" if pd.isna(value) else str(value)
