"""A one-page profile of a partner commune: where it is, who lives there, what support
arrived each year and what it cost, the people reached, and its outcomes next to its
district's comparison communes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import pandas as pd

from analysis import indicators as ind
from analysis.i18n import format_number, label, sort_key, t
from analysis.package import Package
from analysis.provenance import commune_rows
from analysis.report import html as H
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

SECTIONS = (
    "purpose",
    "where",
    "people",
    "support",
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
        text = self._t(
            "commune.where",
            name=c["name_in_source"],
            official=c["name_official"],
            district=c["district_name"],
            province=c["province_name"],
            countries=countries or "—",
            years=years,
            successor=text_or(c["successor_name_2025"], "—"),
            successor_province=text_or(c["successor_province_2025"], "—"),
        )
        parts = [H.p(text)]
        if not pd.isna(c["exit_reason"]):
            parts.append(H.p(self._t("commune.exit", reason=c["exit_reason"])))
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
                        "people": Col(self._t("col.people"), "people"),
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
            "year": Col(self._t("col.year"), "year"),
            "activity_type": Col(self._t("col.activity_type")),
            "planned_amount_vnd": Col(self._t("col.planned"), "money"),
            "spent": Col(self._t("col.spent"), "money"),
            "people": Col(self._t("col.people"), "people"),
        }
        total_spent = float(table["spent"].sum())
        text = self._t(
            "commune.support",
            n=len(plans),
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

        panel = ind.poverty_panel(self.pkg)
        communes = self.pkg["communes"]
        district = self.info["district_code"]
        peers = set(
            communes[(communes["district_code"] == district) & (communes["role"] == "comparison")][
                "commune_code"
            ]
        )
        own = panel[panel["commune_code"] == self.commune_code].set_index("year")["rate_pct"]
        comp = panel[panel["commune_code"].isin(peers)].groupby("year")["rate_pct"].mean()
        frame = pd.DataFrame({"commune": own, "comparison": comp}).reset_index()
        frame = frame.rename(columns={"index": "year"}).sort_values("year")
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
                "year": Col(self._t("col.year"), "year"),
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
            H.figure(
                fig,
                alt,
                self._t("commune.outcomes_caption"),
                title=self._t("commune.outcomes_title"),
            ),
        )

    def page(self) -> H.Fragment:
        """The whole profile as one A4 page: two columns under the header (its banner states
        how much of the page is illustrative)."""
        return H.page(
            "profile",
            self.header(),
            self.purpose(),
            self.where(),
            H.page("column", self.people(), self.outcomes()),
            self.support(),
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
