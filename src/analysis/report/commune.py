"""A two-page profile of a partner commune (one sheet, both sides): where it is, who lives
there, what support arrived each year and what it cost, the people reached, and its outcomes
next to its district's comparison communes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import pandas as pd

from analysis import indicators as ind
from analysis.i18n import count_text, format_number, in_language, label, sort_key, t
from analysis.package import Package
from analysis.provenance import commune_rows
from analysis.report import html as H
from analysis.report.annual import PERSON_UNITS
from analysis.report.base import (
    BaseReport,
    ReportParameterError,
    check_common,
    is_nan,
    load_checked,
    text_or,
)
from analysis.report.html import Col
from analysis.report.narrative import NarrativeMixin

RESULT_PERSON_UNITS = PERSON_UNITS
"""Units delivered that are one household or one person each (counts of people)."""

SECTIONS = (
    "key-message",
    "purpose",
    "where",
    "people",
    "support",
    "results",
    "outcomes",
    "conclusions",
    "recommendations",
    "lessons",
    "limitations",
)


@dataclass
class CommuneProfile(NarrativeMixin, BaseReport):
    """The profile of one partner commune in one language."""

    commune_code: str = ""
    SECTIONS: ClassVar[tuple[str, ...]] = SECTIONS
    CELLS: ClassVar[tuple[str, ...]] = ("page",)
    NAV: ClassVar[bool] = False  # one printed page: no table of contents

    @classmethod
    def load(
        cls,
        *,
        commune_code: str,
        lang: str,
        package_path: str = "",
        package_sha256: str = "",
        min_cell: int = 5,
        pkg: Package | None = None,
    ) -> CommuneProfile:
        """Check the parameters, load the package strictly, and return the profile.

        ``commune_code`` is the five-digit code as text; a number (papermill reads
        ``-p commune_code 03154`` as 3154) is padded back to five digits.
        """
        check_common(lang, min_cell)
        commune_code = commune_code_text(commune_code)
        pkg, problems = load_checked(package_path, pkg, package_sha256)
        partners = partner_codes(pkg)
        if commune_code not in partners:
            raise ReportParameterError(
                t("commune.unknown", lang, code=commune_code, codes=", ".join(partners))
            )
        return cls(pkg, lang, min_cell, problems, commune_code=commune_code)

    @classmethod
    def instances(cls, pkg: Package) -> list[dict]:
        return [{"commune_code": code} for code in partner_codes(pkg)]

    @classmethod
    def title_for(cls, pkg: Package, lang: str, **params) -> str:
        communes = pkg["communes"].set_index("commune_code")
        row = communes.loc[params["commune_code"]]
        return t("commune.title", lang, name=row["name_in_source"], province=row["province_name"])

    # ------------------------------------------------------------------ scope
    @property
    def info(self) -> pd.Series:
        communes = self.pkg["communes"]
        return communes[communes["commune_code"] == self.commune_code].iloc[0]

    def title(self) -> str:
        return self._t(
            "commune.title", name=self.info["name_in_source"], province=self.info["province_name"]
        )

    def parameters(self) -> dict:
        return {"commune_code": self.commune_code, "lang": self.lang, "min_cell": self.min_cell}

    def scope_rows(self) -> dict[str, pd.DataFrame]:
        return commune_rows(self.pkg, self.commune_code)

    def scope_activities(self) -> set[str]:
        return set(self.rows()["plans"]["activity_id"])

    # ------------------------------------------------------------------ counts of people
    def register_counts(self, ledger) -> None:
        """The commune's people reached, by ethnicity and by year of entry, both adding up
        to the commune's total (printed in a sentence)."""
        self.register_limitations(ledger)  # the limitations part's counts
        ben = self.rows()["beneficiaries"]
        total = (("reached", self.commune_code), int(ben["beneficiary_id"].nunique()))
        ledger.count(*total)
        for by in ("ethnicity", "entry_year"):
            counts = ben.groupby(by)["beneficiary_id"].nunique().rename("people").reset_index()
            self.breakdown(ledger, total, counts.assign(**{by: counts[by].astype(str)}), by)
        self._register_results(ledger, total)

    # ------------------------------------------------------------------ sections
    def where(self) -> H.Fragment:
        """Location, border, partnership years and the 2025 successor, with a map."""
        from analysis.report.phase import map_parts

        c = self.info
        countries = ", ".join(
            self._t(f"country.{code}")
            for code in text_or(c["neighbouring_country"], "").split(";")
            if code
        )
        first, last = (
            self._t("missing_value") if pd.isna(c[k]) else str(int(c[k]))
            for k in ("partner_from", "partner_to")
        )
        years = (
            self._t("missing_value")
            if first == last == self._t("missing_value")
            else (f"{first}–{last}")
        )
        official = text_or(c["name_official"], "")
        text = self._t(
            "commune.where_place",
            name=c["name_in_source"],
            official=self._t("commune.official_name", official=official)
            if official and official != c["name_in_source"]
            else "",
            district=c["district_name"],
            province=c["province_name"],
            countries=countries or "—",
            years=years,
            successor=text_or(c["successor_name_2025"], "—"),
            successor_province=text_or(c["successor_province_2025"], "—"),
        )
        parts = [H.p(text)]
        reason, _ = in_language(c, "exit_reason", self.lang)
        if reason:
            parts.append(H.p(self._t("commune.exit", reason=reason)))
        parts += map_parts(self, self.commune_code)
        return H.section("where", self._t("commune.section.where"), *parts)

    def people(self) -> H.Fragment:
        """Households and population, and who the programme reached."""
        stats = self.rows()["commune_statistics"].dropna(subset=["households"])
        parts = []
        if stats.empty:
            parts.append(H.missing(self._t("commune.no_statistics")))
        else:
            last = stats.sort_values("year").iloc[-1]
            parts.append(
                H.p(
                    self._t(
                        "commune.households",
                        year=int(last["year"]),
                        households=format_number(last["households"], self.lang),
                        population=format_number(last["population"], self.lang)
                        if not pd.isna(last["population"])
                        else self._t("missing_value"),
                    )
                )
            )
        ben = self.rows()["beneficiaries"]
        if ben.empty:
            parts.append(H.missing(self._t("missing.beneficiaries")))
        else:
            total = ("reached", self.commune_code)
            groups = sorted(
                ben["ethnicity"].dropna().unique(),
                key=lambda e: sort_key(label("ethnicity", e, self.lang), self.lang),
            )
            frame = pd.DataFrame(
                {
                    "group": [label("ethnicity", e, self.lang) for e in groups]
                    + [self._t("total")],
                    "people": [(*total, "ethnicity", str(e)) for e in groups] + [total],
                }
            )
            parts.append(
                self.table(
                    "people_by_ethnicity",
                    frame,
                    {
                        "group": Col(self._t("col.ethnicity")),
                        **self.cols("people"),
                    },
                    total_row=True,
                    caption=self._t("commune.people_caption"),
                    marks="all",
                )
            )
        return H.section("people", self._t("commune.section.people"), *parts)

    def support(self) -> H.Fragment:
        """What support arrived each year, what it cost, and the people reached."""
        rows = self.rows()
        plans = rows["plans"]
        if plans.empty:
            return H.section(
                "support", self._t("commune.section.support"), H.missing(self._t("missing.plans"))
            )
        spent = rows["transactions"]
        spent = spent[spent["transaction_type"].isin(["disbursement", "expenditure"])]
        by_activity = spent.groupby("activity_id")["amount_vnd"].sum()
        ben = rows["beneficiaries"]
        detail = plans.assign(
            spent=plans["activity_id"].map(by_activity).fillna(0),
            activity_type=[label("activity_type", a, self.lang) for a in plans["activity_type"]],
        )
        # One row a year: the activities' types, money, and the people who joined that year.
        table = (
            detail.groupby("year")
            .agg(
                activity_type=("activity_type", lambda v: ", ".join(sorted(set(v)))),
                planned_amount_vnd=("planned_amount_vnd", "sum"),
                spent=("spent", "sum"),
            )
            .reset_index()
        )
        total = ("reached", self.commune_code)
        entered = set(ben["entry_year"].dropna().astype(int))
        table["people"] = [
            (*total, "entry_year", str(int(y))) if int(y) in entered else 0 for y in table["year"]
        ]
        table["year"] = table["year"].astype(str)
        cols = {
            **self.cols("year", "activity_type", "planned_amount_vnd", "spent", "people"),
        }
        total_spent = float(table["spent"].sum())
        text = self._t(
            "commune.support",
            activities=count_text("activity", len(plans), self.lang),
            spent=self._money(total_spent),
            people=self.people_text(total),
        )
        return H.section(
            "support",
            self._t("commune.section.support"),
            H.p(text),
            self.table(
                "support",
                table,
                cols,
                caption=self._t("commune.support_caption"),
                marks="all",
            ),
        )

    def outcomes(self) -> H.Fragment:
        """The commune's poor-household rate next to its district's comparison communes."""
        from analysis import charts

        communes = self.pkg["communes"]
        peers = self._comparison_peers()
        frame = self._poverty_rates()
        if frame.empty or not peers:
            return H.section(
                "outcomes",
                self._t("commune.section.outcomes"),
                H.missing(self._t("commune.no_outcomes")),
            )
        self.table(
            "outcomes",
            frame.assign(year=frame["year"].astype(int)),
            {
                **self.cols("year"),
                "commune": Col(self.info["name_in_source"], "number1"),
                "comparison": Col(self._t("commune.comparison_mean"), "number1"),
            },
            caption=self._t("commune.outcomes_title"),
            show=False,  # the chart's data
            marks="all",
        )
        names = ", ".join(
            sorted(communes.loc[communes["commune_code"].isin(peers), "name_in_source"])
        )
        fig = charts.trend_lines(
            frame,
            "year",
            ["commune", "comparison"],
            [self.info["name_in_source"], self._t("commune.comparison_mean")],
            ylabel=self._t("chart.poverty_ylabel_pct"),
            lang=self.lang,
            **self.chart_marks(frame, "year", whole=True),
        )
        alt = self._t(
            "commune.outcomes_alt",
            items="; ".join(
                f"{int(r.year)}: {format_number(r.commune, self.lang, 1)} / "
                f"{format_number(r.comparison, self.lang, 1)}"
                for r in frame.itertuples()
                if not (is_nan(r.commune) and is_nan(r.comparison))
            ),
        )
        return H.section(
            "outcomes",
            self._t("commune.section.outcomes"),
            H.p(self._t("commune.outcomes", peers=names)),
            H.chart(
                fig,
                alt,
                self._t("commune.outcomes_caption"),
                title=self._t("commune.outcomes_title"),
            ),
            *(H.p(note, "note") for note in self.gap_notes(frame)),
        )

    # ------------------------------------------------------------------ key message and results
    def _register_results(self, ledger, total: tuple) -> None:
        """People reached by activity type (adding up to the commune's total), and the
        units delivered that are households or people (a house, a livelihood package): a
        count of people, tied to the people of that activity type when they are equal."""
        ben = self.rows()["beneficiaries"]
        types = self.pkg["plans"].set_index("activity_id")["activity_type"]
        kinds = ben["activity_id"].map(types).astype(str)
        counts = ben.groupby(kinds.to_numpy())["beneficiary_id"].nunique()
        frame = counts.rename("people").rename_axis("activity_type").reset_index()
        self.breakdown(ledger, total, frame, "activity_type")
        for row in self._delivery().itertuples():
            if is_nan(row.delivered_units):
                continue
            person = str(row.unit) in RESULT_PERSON_UNITS
            key = ledger.count(
                ("delivered", self.commune_code, row.activity_type),
                int(row.delivered_units),
                people=person,
            )
            people_key = (*total[0], "activity_type", row.activity_type)
            if person and ledger.values.get(people_key) == int(row.delivered_units):
                ledger.line({people_key: int(row.delivered_units)}, (key, int(row.delivered_units)))

    def _delivery(self) -> pd.DataFrame:
        """Planned against delivered units and money of the commune's own activities, by
        activity type (:func:`analysis.indicators.plan_vs_delivery`)."""
        if "commune_delivery" not in self._computed:
            found = self.indicator(ind.plan_vs_delivery, None, by=("commune_code", "activity_type"))
            own = found[found["commune_code"].eq(self.commune_code).fillna(False).to_numpy(bool)]
            self._computed["commune_delivery"] = own.reset_index(drop=True)
        return self._computed["commune_delivery"]

    def results(self) -> H.Fragment:
        """Results per activity (houses, livelihood support, pupils...): units planned against
        delivered, the money disbursed, and the commune's people it reached. Activities
        planned for the whole province (pupils, Tết gifts) give the commune's people only."""
        total = ("reached", self.commune_code)
        delivery = self._delivery().set_index("activity_type")
        ben_types = {k[3] for k in self.ledger.values if k[:3] == (*total, "activity_type")}
        kinds = sorted(
            set(delivery.index) | ben_types,
            key=lambda a: sort_key(label("activity_type", a, self.lang), self.lang),
        )
        if not kinds:
            return H.section(
                "results", self._t("commune.section.results"), H.missing(self._t("missing.plans"))
            )
        models = self.rows()["plans"].groupby("activity_type")["livelihood_model"]
        rows = []
        for a in kinds:
            name = label("activity_type", a, self.lang)
            if a in models.groups:
                found = sorted(
                    {label("livelihood_model", m, self.lang) for m in models.get_group(a).dropna()}
                )
                name += f" ({', '.join(found)})" if found else ""
            people = (*total, "activity_type", a)
            row = {"activity": name, "people": people if a in ben_types else 0}
            if a in delivery.index:
                d = delivery.loc[a]
                key = ("delivered", self.commune_code, a)
                shown = key if key in self.ledger.values else d["delivered_units"]
                row |= {
                    "unit": label("unit", d["unit"], self.lang) if not is_nan(d["unit"]) else "—",
                    "planned_units": d["planned_units"],
                    "delivered_units": shown,
                    "spent_vnd": d["spent_vnd"],
                }
            else:
                row["unit"] = self._t("commune.province_plan")
            rows.append(row)
        frame = pd.DataFrame(rows)
        cols = {
            "activity": Col(self._t("col.activity_type")),
            "unit": Col(self._t("commune.col_unit")),
            **self.cols("planned_units"),
            "delivered_units": Col(self._t("col.delivered_units"), "count"),
            **self.cols("spent_vnd", "people"),
        }
        for col in cols:
            if col not in frame.columns:
                frame[col] = float("nan")
        parts = [
            self.table(
                "results",
                frame,
                cols,
                caption=self._t(
                    "commune.results_caption",
                    years="–".join(dict.fromkeys(str(y) for y in self._support_years())),
                ),
                marks="all",
            )
        ]
        if any(a not in delivery.index for a in kinds):
            parts.append(H.p(self._t("commune.province_note"), "note"))
        return H.section("results", self._t("commune.section.results"), *parts)

    def key_message(self) -> H.Fragment:
        """What the support was and the one figure that matters (the poor-household rate
        against the district's comparison communes), with the illustrative caveat when it
        rests on generated rows."""
        total = ("reached", self.commune_code)
        delivery = self._delivery()
        items = []
        for row in delivery.itertuples():
            key = ("delivered", self.commune_code, row.activity_type)
            if key not in self.ledger.values or not self.ledger.values[key]:
                continue
            items.append(
                self._t(
                    "commune.key_item",
                    n=self.people_text(key),
                    unit=label("unit", row.unit, self.lang),
                    what=label("activity_type", row.activity_type, self.lang),
                )
            )
        spent = float(delivery["spent_vnd"].sum()) if len(delivery) else 0.0
        first, last = self._support_years()
        sentences = [
            self._t(
                "commune.key_support",
                first=first,
                last=last,
                name=self.info["name_in_source"],
                money=self._money(spent),
                items="; ".join(items) or self._t("missing_value"),
                people=self.people_text(total),
            )
        ]
        rate = self._rate_change()
        if rate is not None:
            sentences.append(rate)
        if self._key_is_illustrative():
            sentences.append(self._t("commune.key_illustrative"))
        return H.section(
            "key-message",
            self._t("commune.section.key"),
            *(H.p(s, "key-message") for s in sentences),
        )

    def _support_years(self) -> tuple[int, int]:
        c = self.info
        years = sorted(int(y) for y in self.rows()["plans"]["year"].dropna().unique())
        first = int(c["partner_from"]) if not is_nan(c["partner_from"]) else years[0]
        last = int(c["partner_to"]) if not is_nan(c["partner_to"]) else years[-1]
        return first, last

    def _poverty_rates(self) -> pd.DataFrame:
        """The commune's poor-household rate and its district's comparison mean, every year
        from the first to the last with a figure (a year without one is a NaN row)."""
        panel = self.indicator(ind.poverty_panel)
        own = panel[panel["commune_code"] == self.commune_code].set_index("year")["rate_pct"]
        comp = panel[panel["commune_code"].isin(self._comparison_peers())].groupby("year")[
            "rate_pct"
        ]
        frame = pd.DataFrame({"commune": own, "comparison": comp.mean()})
        if frame.empty:
            return frame.rename_axis("year").reset_index()
        years = range(int(frame.index.min()), int(frame.index.max()) + 1)
        return frame.reindex(years).rename_axis("year").reset_index()

    def _comparison_peers(self) -> set[str]:
        communes = self.pkg["communes"]
        same = (communes["district_code"] == self.info["district_code"]) & (
            communes["role"] == "comparison"
        )
        return set(communes.loc[same.fillna(False).to_numpy(bool), "commune_code"])

    def _rate_change(self) -> str | None:
        """The poor-household rate from the year before the partnership to its last year
        with a figure, next to the comparison communes' (words, not signs: a fall is good)."""
        frame = self._poverty_rates().dropna().set_index("year")
        first, last = self._support_years()
        before = frame[frame.index < first]
        after = frame[(frame.index >= first) & (frame.index <= last)]
        if before.empty or after.empty:
            return None
        y0, y1 = int(before.index.max()), int(after.index.max())
        a, b = frame.loc[y0], frame.loc[y1]
        return self._t(
            "commune.key_rate",
            y0=y0,
            y1=y1,
            before=format_number(a["commune"], self.lang, 1),
            after=format_number(b["commune"], self.lang, 1),
            change=self._points(b["commune"] - a["commune"]),
            cbefore=format_number(a["comparison"], self.lang, 1),
            cafter=format_number(b["comparison"], self.lang, 1),
            cchange=self._points(b["comparison"] - a["comparison"]),
        )

    def _points(self, diff: float) -> str:
        """A change in percentage points in words: a fall, a rise or no change."""
        n = format_number(abs(diff), self.lang, 1)
        if round(diff, 1) == 0:
            return self._t("commune.points_same")
        return self._t("commune.points_down" if diff < 0 else "commune.points_up", n=n)

    def _key_is_illustrative(self) -> bool:
        """Whether the key message rests on generated rows: the commune's own rows, or the
        statistics of the comparison communes behind the rates."""
        share = self._share.set_index("resource").loc["all", "illustrative_rows"]
        if not is_nan(share) and share > 0:
            return True
        stats = self.pkg["commune_statistics"]
        peers = stats[
            stats["commune_code"].isin(self._comparison_peers()).fillna(False).to_numpy(bool)
        ]
        return bool(peers["source_id"].isin(self.pkg.illustrative_sources).any())

    def gap_notes(self, frame: pd.DataFrame) -> list[str]:
        """Why a year of the chart has no point: the source of that year gives no household
        count, only poor and near-poor households together, or nothing at all."""
        stats = self.pkg["commune_statistics"]
        own = stats[stats["commune_code"].eq(self.commune_code).fillna(False).to_numpy(bool)]
        own = own.set_index(own["year"].astype(int))
        notes = []
        for row in frame.itertuples():
            year = int(row.year)
            if is_nan(row.commune):
                notes.append(self._t("commune.gap", year=year, reason=self._gap_reason(own, year)))
            if is_nan(row.comparison):
                notes.append(self._t("commune.gap_comparison", year=year))
        return notes

    def _gap_reason(self, own: pd.DataFrame, year: int) -> str:
        if year not in own.index:
            return self._t("commune.gap_no_row")
        r = own.loc[year]
        reasons = []
        if is_nan(r["households"]):
            reasons.append(self._t("commune.gap_no_households"))
        if is_nan(r["poor_households"]):
            if not is_nan(r["poor_or_near_poor_households"]):
                n = format_number(r["poor_or_near_poor_households"], self.lang)
                reasons.append(self._t("commune.gap_combined", n=n))
            else:
                reasons.append(self._t("commune.gap_no_poor"))
        return "; ".join(reasons) or self._t("commune.gap_no_row")

    def page(self) -> H.Fragment:
        """The whole profile as one A4 page: two columns under the header (its banner states
        how much of the page is illustrative)."""
        return H.page(
            "profile",
            self.header(),
            self.key_message(),
            self.purpose(),
            self.where(),
            H.page("column", self.people(), self.outcomes()),
            self.support(),
            self.results(),
            *self.narrative_compact(),
            self.footer(),
        )

    def data_quality(self) -> H.Fragment:
        """How much of the page is illustrative (the full source list is in the phase report)."""
        share = self._share.set_index("resource").loc["all", "share"]
        return H.section(
            "data-quality",
            self._t("section.data-quality"),
            H.p(self._t("commune.illustrative", share=self._pct(0.0 if is_nan(share) else share))),
        )


def commune_code_text(code: object) -> str:
    """A commune code as its five-digit text, whether given as text or as a number.

    Example:
        >>> commune_code_text(3154), commune_code_text("03154")
        ('03154', '03154')
    """
    if isinstance(code, bool):
        raise ReportParameterError(f"commune_code={code!r}: give the 5-digit commune code")
    if isinstance(code, int):
        code = str(code)
    code = str(code).strip()
    if code.isdigit() and len(code) <= 5:
        return code.zfill(5)
    return code


def resolve_commune(pkg: Package, given: object) -> str:
    """A commune's code from its code (``03154``, ``3154``) or its name, with or without
    diacritics and the word "xã" (``Mô Rai``, ``xa mo rai``, ``Đắk Blô``); the text as given
    when nothing matches (the caller then lists the partners).

    Example:
        >>> resolve_commune(pkg, "xa na loi"), resolve_commune(pkg, 16834)
        ('16834', '16834')
    """
    from analysis.intake.parse import fold

    code = commune_code_text(given)
    communes = pkg["communes"]
    if code in set(communes["commune_code"]):
        return code
    key = fold(str(given)).removeprefix("xa ").strip()
    for row in communes.itertuples():
        names = {fold(str(row.name_in_source)), fold(str(row.name_official))}
        if key in names:
            return row.commune_code
    return code


def partner_codes(pkg: Package) -> list[str]:
    """Codes of the communes that were partners in some year, sorted."""
    communes = pkg["communes"]
    return sorted(communes.loc[communes["role"] == "partner", "commune_code"])
