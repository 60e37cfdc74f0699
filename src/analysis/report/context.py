"""The context section of the annual and phase reports: published figures only.

The partner communes' published poverty rates against their district, province and the
country (one table per province, one row per area, measure and poverty standard, so that no
row runs across the 2022 change of standard), a chart of the poor-household rates that never
joins two standards, the communes formed by the July 2025 merger apart from the old ones, the
programme's previous phase as context, and the numbered sources. Every figure comes from
:mod:`analysis.indicators.context` (rows of an observed source only) and keeps its certainty:
an uncertain figure is marked ``*``.

Both reports call :func:`context_section`; the data-quality section calls
:func:`observed_rows_text`.
"""

from __future__ import annotations

import pandas as pd

from analysis.i18n import (
    count_text,
    format_date,
    format_money,
    format_number,
    format_percent,
    label,
    t,
)
from analysis.indicators import context as ctx
from analysis.indicators.common import phase_years
from analysis.report import html as H
from analysis.report.html import Col

__all__ = ["context_section", "observed_rows_text"]

LEVEL_ORDER = ("commune", "district", "province", "national")
"""Rows of a province's table, from the partner commune out to the country."""


def context_section(report, last_year: int | None = None, *, chart: bool = True) -> H.Fragment:
    """The section ``context`` of ``report`` (an annual or phase report), with the figures of
    the years up to ``last_year`` (every year when None); a clear note when there are none.

    With ``chart`` the poor-household rates are also drawn over the years; without it (the
    annual report) the tables give every figure and a note points to the phase evaluation,
    which draws them.
    """
    pkg, say = report.pkg, report._t
    rates = ctx.poverty_context(pkg, last_year)
    merged = ctx.merged_commune_figures(pkg, last_year)
    previous = ctx.previous_phase_figures(pkg, phase_years(pkg)[0])
    parts: list[str] = [H.p(say("context.intro"))]
    refs = _references(pd.concat([rates, merged, previous], ignore_index=True))
    if rates.empty:
        parts.append(H.missing(say("context.none")))
    else:
        parts.append(H.p(say("context.standard_note"), "note"))
        parts += _province_tables(report, rates, refs)
        if chart:
            parts.append(_chart(report, rates))
        else:
            years = phase_years(pkg)
            parts.append(
                H.p(say("context.chart_elsewhere", first=years[0], last=years[-1]), "note")
            )
    if not merged.empty:
        parts += _merged_block(report, merged, refs)
    parts += _previous_block(report, previous, refs)
    if refs:
        parts.append(_sources_list(report, refs))
    return H.section("context", report.section_title("context"), *parts)


# ------------------------------------------------------------------ formatting one figure
def _decimals(value: float) -> int:
    """Decimals a published figure was given with (up to two): 25.6 -> 1, 42.21 -> 2."""
    for d in (0, 1, 2):
        if abs(value - round(value, d)) < 1e-9:
            return d
    return 2


def _figure(row, lang: str) -> str:
    """A published figure as the report prints it: its unit, its qualifier (nearly, over,
    about) and the uncertain mark."""
    value = float(row.value)
    if row.unit == "percent":
        text = format_percent(value / 100, lang, _decimals(value))
    elif row.unit == "vnd":
        text = format_money(value, lang)
    else:
        text = format_number(value, lang, _decimals(value))
    if isinstance(row.value_qualifier, str) and row.value_qualifier:
        text = t(f"context.qualifier.{row.value_qualifier}", lang, value=text)
    return text + ("*" if row.uncertain else "")


def _area(report, row) -> str:
    level = label("context_level", row.level, report.lang)
    return report._t("context.area_level", name=row.area_name, level=level)


def _references(frame: pd.DataFrame) -> dict[str, int]:
    """A number for each source the section shows, in order of first appearance."""
    refs: dict[str, int] = {}
    for source in frame.get("source_id", pd.Series(dtype=object)):
        refs.setdefault(source, len(refs) + 1)
    return refs


def _cite(sources, refs: dict[str, int]) -> str:
    return ", ".join(f"[{refs[s]}]" for s in sorted(set(sources), key=refs.get))


# ------------------------------------------------------------------ the poverty tables
def _province_tables(report, rates: pd.DataFrame, refs: dict[str, int]) -> list[H.Fragment]:
    """One table per province of the partner communes: its communes, district and province,
    then the country; one row per area, measure and poverty standard; one column per year."""
    names = report._province_names()
    national = rates[rates["group"] == "national"]
    parts = []
    for group in [g for g in dict.fromkeys(rates["group"]) if g != "national"]:
        rows = pd.concat([rates[rates["group"] == group], national], ignore_index=True)
        province = names.get(group, group)
        parts.append(H.h(3, report._t("context.group_title", province=province)))
        parts.append(_rates_table(report, rows, refs, group, province))
    return parts


def _rates_table(report, rows: pd.DataFrame, refs, group: str, province: str) -> H.Fragment:
    lang = report.lang
    years = sorted(int(y) for y in rows["year"].unique())
    records = []
    keys = ["level", "area_name", "measure", "poverty_standard"]
    for _, series in rows.groupby(keys, sort=False, dropna=False):
        first = series.iloc[0]
        record = {
            "area": _area(report, first),
            "measure": label("context_measure", first.measure, lang),
            "standard": label("context_standard", first.poverty_standard, lang),
            "sources": _cite(series["source_id"], refs),
            "_order": (LEVEL_ORDER.index(first.level), first.area_name),
        }
        for row in series.itertuples():
            record[str(int(row.year))] = _figure(row, lang)
        records.append(record)
    frame = pd.DataFrame(records).sort_values("_order", kind="stable").fillna("")
    cols = {
        "area": Col(report._t("context.col.area")),
        "measure": Col(report._t("context.col.measure")),
        "standard": Col(report._t("context.col.standard")),
        **{str(y): Col(str(y)) for y in years},
        "sources": Col(report._t("context.col.sources")),
    }
    for y in years:
        frame[str(y)] = frame.get(str(y), "")
    return report.table(
        f"context_{group}", frame, cols, caption=report._t("context.caption", province=province)
    )


# ------------------------------------------------------------------ the chart
def _chart(report, rates: pd.DataFrame) -> H.Fragment:
    """Poor-household rates by year, one panel per province (:func:`analysis.charts.
    panel_lines`): one line per area and standard (a circle marks the 2016–2020 standard, a
    square the 2022–2025 one), hollow points uncertain; two standards are never joined."""
    from analysis import charts

    poor = rates[rates["measure"] == "poor_household_rate_pct"]
    groups = [g for g in dict.fromkeys(poor["group"]) if g != "national"]
    if not groups:
        return H.Fragment("")
    names = report._province_names()
    national = poor[poor["group"] == "national"]
    panels = [
        (
            names.get(group, group),
            _panel(report, pd.concat([poor[poor["group"] == group], national], ignore_index=True)),
        )
        for group in groups
    ]
    fig = charts.panel_lines(
        panels,
        ylabel=report._t("context.chart_ylabel"),
        lang=report.lang,
        xlim=(int(poor["year"].min()) - 0.5, int(poor["year"].max()) + 0.5),
    )
    items = "; ".join(
        f"{_area(report, r)} {int(r.year)}: {_figure(r, report.lang)}" for r in poor.itertuples()
    )
    return H.chart(
        fig,
        alt=report._t("context.chart_alt", items=items),
        caption=report._t("context.chart_caption"),
        title=report._t("context.chart_title"),
    )


STANDARD_MARKERS = dict(zip(ctx.STANDARDS, ("o", "s"), strict=True))
"""The chart's marker of each poverty standard (a circle 2016–2020, a square 2022–2025)."""


def _panel(report, data: pd.DataFrame) -> pd.DataFrame:
    """One province's areas as :func:`analysis.charts.panel_lines` draws them: a series per
    area, a segment per area and standard, hollow points for uncertain figures."""
    data = data[data["poverty_standard"].isin(ctx.STANDARDS)]
    series = [_area(report, r) for r in data.itertuples()]
    standards = data["poverty_standard"]
    return pd.DataFrame(
        {
            "series": series,
            "segment": [f"{a}|{st}" for a, st in zip(series, standards, strict=True)],
            "year": data["year"].astype(int).to_numpy(),
            "value": data["value"].astype(float).to_numpy(),
            "marker": standards.map(STANDARD_MARKERS).to_numpy(),
            "hollow": data["uncertain"].astype(bool).to_numpy(),
        }
    )


# ------------------------------------------------------------------ merged, previous phase
def _figures_table(report, rows: pd.DataFrame, areas: list, refs, name: str, caption: str):
    """One figure a row: area, year, measure, the figure as published, its sources."""
    frame = pd.DataFrame(
        {
            "area": areas,
            "year": rows["year"],
            "measure": [label("context_measure", m, report.lang) for m in rows["measure"]],
            "value": [_figure(r, report.lang) for r in rows.itertuples()],
            "sources": [_cite([s], refs) for s in rows["source_id"]],
        }
    )
    cols = {
        "area": Col(report._t("context.col.area")),
        "year": Col(report._t("context.col.year"), "year"),
        "measure": Col(report._t("context.col.measure")),
        "value": Col(report._t("context.col.value")),
        "sources": Col(report._t("context.col.sources")),
    }
    return report.table(name, frame, cols, caption=report._t(caption))


def _merged_block(report, merged: pd.DataFrame, refs) -> list[H.Fragment]:
    areas = [report._t("context.merged_area", name=name) for name in merged["area_name"]]
    return [
        H.h(3, report._t("context.merged_title")),
        H.p(report._t("context.merged_note"), "note"),
        _figures_table(report, merged, areas, refs, "context_merged", "context.merged_caption"),
    ]


def _previous_block(report, previous: pd.DataFrame, refs) -> list[H.Fragment]:
    """The previous phase's figures, and the comparison communes that were its partners."""
    parts: list[str] = []
    if not previous.empty:
        areas = [_area(report, r) for r in previous.itertuples()]
        parts += [
            H.h(3, report._t("context.previous_title")),
            H.p(report._t("context.previous_note"), "note"),
            _figures_table(
                report, previous, areas, refs, "context_previous", "context.previous_caption"
            ),
        ]
    communes = report.pkg["communes"]
    flags = communes["design_flags"].fillna("").astype(str)
    flagged = communes[flags.str.split(";").map(lambda f: "previous_phase_partner" in f)]
    if not flagged.empty:
        names = ", ".join(flagged["name_official"])
        parts.append(H.p(report._t("context.previous_partners", names=names)))
    return parts


def _sources_list(report, refs: dict[str, int]) -> H.Fragment:
    sources = report.pkg["sources"].set_index("source_id")
    items = []
    for source, n in refs.items():
        src = sources.loc[source]
        date = src["date"]
        when = (
            ""
            if pd.isna(date)
            else report._t("context.source_date", date=format_date(date, report.lang))
        )
        items.append(
            report._t(
                "context.source_item",
                n=n,
                issuer=report.source_text(src.to_dict(), "issuer"),
                title=report.source_text(src.to_dict(), "title"),
                date=when,
                reliability=label("reliability", src["reliability"], report.lang),
            )
        )
    return H.h(3, report._t("context.sources_title")) + H.ul(items)


# ------------------------------------------------------------------ data quality
def observed_rows_text(report) -> H.Fragment:
    """The data-quality sentence: observed rows of the package by resource, and the sources
    it cites (:func:`analysis.indicators.context.observed_rows`, :func:`~analysis.indicators.
    context.cited_sources`)."""
    counts = ctx.observed_rows(report.pkg)
    body, total = counts[counts["resource"] != "all"], counts[counts["resource"] == "all"].iloc[0]
    parts = "; ".join(
        report._t(
            "context.observed_part",
            resource=report._t(f"context.resource.{r.resource}"),
            observed=format_number(r.observed, report.lang),
        )
        for r in body.itertuples()
    )
    return H.p(
        report._t(
            "context.observed_rows",
            observed=format_number(int(total["observed"]), report.lang),
            rows=count_text("row", int(total["rows"]), report.lang),
            parts=parts,
            sources=count_text("source", len(ctx.cited_sources(report.pkg)), report.lang),
        )
    )
