"""The evaluation matrix: question → criterion → indicators → sources → judgement rule.

The questions are data (``data/evaluation_questions.csv``: the question in each language, its
OECD DAC criterion and the indicators that answer it). Everything else in a row of the matrix
is read from where it is declared once: an indicator's title from the catalogue
(``indicator.<id>``), its sources (the resources its evidence rests on) from
:data:`analysis.indicators.registry.INDICATORS`, and the judgement rule from the criterion's
rating rule (:func:`analysis.ratings.load_rules`, worded by the catalogue's
``phase.rule.<criterion>`` messages).

The annex (:func:`matrix_section`) also lists every indicator of the registry with its value
for the report's scope (:func:`indicator_values`: the year of an annual report, the whole
phase otherwise), computed by the spec's function and column: a newly declared indicator
appears there, and in the report's workbook, without any change to the reports.

Example:
    >>> questions(pkg)["question_id"].tolist()
    ['EQ1', 'EQ2', 'EQ3']
    >>> questions(pkg).loc[1, "indicator_ids"]
    ('budget_execution_rate', 'cost_per_beneficiary')
    >>> check_questions(pkg)
    []
"""

from __future__ import annotations

import inspect

import pandas as pd

from analysis.i18n import format_money, format_number, format_percent, label, localized, t
from analysis.indicators.registry import CRITERIA, INDICATORS, IndicatorSpec, function_of
from analysis.package import Package
from analysis.report import html as H

RESOURCE = "evaluation_questions"
"""The data package's resource holding the questions."""


class MatrixError(ValueError):
    """The evaluation questions name a criterion or an indicator that does not exist."""


def questions(pkg: Package) -> pd.DataFrame:
    """The evaluation questions in order, with ``indicator_ids`` (a tuple of indicator ids
    parsed from the ``;``-separated ``indicators`` field). Empty when the package has none."""
    if RESOURCE not in pkg:
        return pd.DataFrame(columns=["question_id", "criterion", "indicators", "indicator_ids"])
    frame = pkg[RESOURCE].copy()
    order = frame["question_id"].str.removeprefix("EQ").astype(int)
    frame = frame.iloc[order.argsort(kind="stable")].reset_index(drop=True)
    frame["indicator_ids"] = [
        tuple(i.strip() for i in str(v).split(";") if i.strip()) for v in frame["indicators"]
    ]
    return frame


def check_questions(pkg: Package) -> list[str]:
    """What is wrong with the questions: a criterion that is no OECD DAC criterion, an
    indicator missing from ``indicators.csv`` or from the indicator registry, a question
    without indicators. An empty list when all is well.

    Example:
        >>> import dataclasses
        >>> frames = dict(pkg.frames)
        >>> frames["evaluation_questions"] = pkg["evaluation_questions"].assign(
        ...     indicators=["share_poor_near_poor;no_such_indicator", "budget_execution_rate",
        ...                 "poor_household_rate"])
        >>> check_questions(dataclasses.replace(pkg, frames=frames))
        ["EQ1: indicator 'no_such_indicator' is not in indicators.csv", "EQ1: indicator 'no_such_indicator' has no indicator spec"]
    """  # noqa: E501
    table = set(pkg["indicators"]["indicator_id"]) if "indicators" in pkg else set()
    specs = {s.indicator_id for s in INDICATORS}
    problems = []
    for row in questions(pkg).itertuples():
        if row.criterion not in CRITERIA:
            problems.append(
                f"{row.question_id}: criterion {row.criterion!r} is not a DAC criterion"
            )
        if not row.indicator_ids:
            problems.append(f"{row.question_id}: no indicator answers it")
        for i in row.indicator_ids:
            if i not in table:
                problems.append(f"{row.question_id}: indicator {i!r} is not in indicators.csv")
            if i not in specs:
                problems.append(f"{row.question_id}: indicator {i!r} has no indicator spec")
    return problems


def threshold_text(value: float, lang: str) -> str:
    """A rule's threshold in the reader's number format (integers stay integers)."""
    if float(value).is_integer() and value >= 1:
        return format_number(value, lang, 0)
    return format_number(value, lang, 2)


def rule_text(criterion: str, rules: dict, lang: str) -> str:
    """The criterion's rating rule in words, with its thresholds from the config file."""
    values = {
        k: threshold_text(v, lang)
        for k, v in rules[criterion].items()
        if isinstance(v, int | float) and not isinstance(v, bool)
    }
    return t(f"phase.rule.{criterion}", lang, **values)


def matrix_frame(pkg: Package, lang: str) -> pd.DataFrame:
    """One row per question: question, criterion, indicators, sources and judgement rule,
    in ``lang``.

    Raises:
        MatrixError: a question names an unknown criterion or indicator.
    """
    from analysis.ratings import load_rules

    problems = check_questions(pkg)
    if problems:
        raise MatrixError("evaluation_questions: " + "; ".join(problems))
    rules = load_rules()
    qs = questions(pkg)
    evidence = {s.indicator_id: s.evidence for s in INDICATORS}
    text = localized("question", lang, qs.columns)
    rows = []
    for row in qs.itertuples():
        resources = dict.fromkeys(r for i in row.indicator_ids for r in evidence[i])
        rows.append(
            {
                "question": f"{row.question_id}. {getattr(row, text)}",
                "criterion": label("dac", row.criterion, lang),
                "indicators": "; ".join(t(f"indicator.{i}", lang) for i in row.indicator_ids),
                "sources": "; ".join(t(f"resource.{r}", lang) for r in resources),
                "rule": rule_text(row.criterion, rules, lang),
            }
        )
    return pd.DataFrame(
        rows, columns=["question", "criterion", "indicators", "sources", "rule"], dtype=object
    )


# ---------------------------------------------------------------------- values by scope
def scope_year(report) -> int | None:
    """The report's year (an annual report), or None: the whole phase."""
    return getattr(report, "year", None) or None


def _pick(result, path: str):
    """``result``'s column or attribute ``path`` (dotted: an attribute of an attribute)."""
    for part in path.split("."):
        result = result[part] if isinstance(result, pd.Series) else getattr(result, part)
    return result


def indicator_value(report, spec: IndicatorSpec):
    """The indicator's number for the report's scope, :data:`~analysis.report.html.HIDDEN`
    when it rests on fewer people than the report's threshold, or None when its section
    gives it (an estimate that needs its design, a figure by group). A count of people is
    not computed here: :func:`_ledger_count_text` gives the report's own.

    The spec's function is called with the report's year (the last year of the plans for a
    function that needs one in a phase report) and the spec's ``kwargs``; a frame is
    narrowed to the spec's ``row`` and must then have one row.
    """
    if spec.people or spec.in_section:
        return None
    fn = function_of(spec)
    year = scope_year(report)
    if year is None and inspect.signature(fn).parameters["year"].default is inspect.Parameter.empty:
        year = int(report.pkg["plans"]["year"].max())
    try:
        result = report.indicator(fn, year, **dict(spec.kwargs))
    except ValueError:
        return float("nan")
    if isinstance(result, pd.DataFrame):
        for column, value in spec.row:
            result = result[result[column] == value]
        if len(result) != 1:
            return None if len(result) else float("nan")
        result = result.iloc[0]
    value = _pick(result, spec.column)
    if spec.count:
        n = int(_pick(result, spec.count))
        if 0 < n < report.min_cell:
            return H.HIDDEN
        # A share of people tells its part and the rest: both must be safe to show (6 of 7
        # poor or near-poor is 85.7 %, and it tells that one person was neither).
        if spec.unit == "percent" and not pd.isna(value):
            part = round(float(value) * n)
            if any(0 < x < report.min_cell for x in (part, n - part)):
                return H.HIDDEN
    return value


def _ledger_count_text(report, spec: IndicatorSpec) -> str | None:
    """A count of people in the report's scope as the report shows it elsewhere: the count
    its disclosure ledger registered under the spec's name (:meth:`~analysis.report.
    narrative.NarrativeMixin.people_key`), with the ledger's mark when it is hidden; None
    when the report registered no such count. The annex never counts people its own way."""
    key = report.people_key(spec.people)
    if key not in report.ledger.values:
        return None
    if report.ledger.is_hidden(key):
        return report.people_text(key)
    return value_text(report.ledger.values[key], spec.unit, report.lang)


def value_text(value, unit: str, lang: str) -> str:
    """A value in its unit, in the reader's format."""
    if pd.isna(value):
        return t("missing_value", lang)
    if unit == "percent":
        return format_percent(value, lang)
    if unit == "vnd":
        return format_money(value, lang)
    decimals = 0 if float(value).is_integer() else 2
    return f"{format_number(value, lang, decimals)} {t(f'indicator.unit.{unit}', lang)}"


def values_frame(report) -> pd.DataFrame:
    """One row per indicator of the registry: its title, criterion, value for the report's
    scope (as text; withheld, or "see its section") and sources."""
    lang = report.lang
    rows = []
    for spec in INDICATORS:
        rows.append(
            {
                "indicator": t(f"indicator.{spec.indicator_id}", lang),
                "criterion": label("dac", spec.criterion, lang),
                "value": _annex_text(report, spec),
                "sources": "; ".join(t(f"resource.{r}", lang) for r in spec.evidence),
            }
        )
    return pd.DataFrame(rows, columns=["indicator", "criterion", "value", "sources"], dtype=object)


def _annex_text(report, spec: IndicatorSpec):
    """An indicator's value in the annex: the report's count of people, the value in its
    unit, the withheld mark, or where the report gives it."""
    value = _ledger_count_text(report, spec) if spec.people else indicator_value(report, spec)
    if isinstance(value, str):  # a count of people, as the ledger shows it
        return value
    if value is H.HIDDEN:
        return H.HIDDEN
    if value is not None:
        return value_text(value, spec.unit, report.lang)
    if spec.criterion in report.SECTIONS:
        return t("matrix.in_section", report.lang, section=report.section_title(spec.criterion))
    return t("matrix.in_sections", report.lang)


def matrix_section(report) -> H.Fragment:
    """The annex: question → criterion → indicators → sources → judgement rule, then every
    indicator's value for the report's scope (both tables also go to the workbook)."""
    from analysis.ratings import load_rules
    from analysis.report.html import Col

    _t = report._t
    frame = matrix_frame(report.pkg, report.lang)
    if frame.empty:
        parts = [H.missing(_t("narr.no_questions"))]
    else:
        cols = {
            "question": Col(_t("narr.col_question")),
            "criterion": Col(_t("narr.col_criterion")),
            "indicators": Col(_t("narr.col_indicators")),
            "sources": Col(_t("narr.col_sources")),
            "rule": Col(_t("narr.col_rule")),
        }
        limit = report._pct(load_rules()["max_illustrative_share"])
        parts = [
            H.p(_t("narr.matrix_intro", limit=limit)),
            report.table("evaluation_matrix", frame, cols, caption=_t("narr.matrix_caption")),
        ]
    year = scope_year(report)
    value_title = _t("matrix.col_value_year", year=year) if year else _t("matrix.col_value_phase")
    values = {
        "indicator": Col(_t("matrix.col_indicator")),
        "criterion": Col(_t("narr.col_criterion")),
        "value": Col(value_title),
        "sources": Col(_t("narr.col_sources")),
    }
    caption = _t("matrix.values_caption")
    parts.append(
        report.table("indicator_values", values_frame(report), values, caption, marks="all")
    )
    parts.append(H.p(_t("matrix.values_note"), "note"))
    return H.section("evaluation-matrix", report.section_title("evaluation-matrix"), *parts)
