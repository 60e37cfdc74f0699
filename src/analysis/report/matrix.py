"""The evaluation matrix: question → criterion → indicators → sources → judgement rule.

The questions are data (``data/evaluation_questions.csv``: the question in each language, its
OECD DAC criterion and the indicators that answer it). Everything else in a row of the matrix
is read from where it is declared once: an indicator's title from ``indicators.csv``, its
sources (the resources its evidence rests on) from :data:`analysis.indicators.registry.INDICATORS`,
and the judgement rule from the criterion's rating rule (:func:`analysis.ratings.load_rules`,
worded by the catalogue's ``phase.rule.<criterion>`` messages).

Example:
    >>> questions(pkg)["question_id"].tolist()
    ['EQ1', 'EQ2', 'EQ3']
    >>> questions(pkg).loc[1, "indicator_ids"]
    ('budget_execution_rate', 'cost_per_beneficiary')
    >>> check_questions(pkg)
    []
"""

from __future__ import annotations

import pandas as pd

from analysis.i18n import format_number, label, localized, t
from analysis.indicators.registry import CRITERIA, INDICATORS
from analysis.package import Package

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
    indicators = pkg["indicators"].set_index("indicator_id")
    title = localized("title", lang, indicators.columns)
    evidence = {s.indicator_id: s.evidence for s in INDICATORS}
    text = localized("question", lang, qs.columns)
    rows = []
    for row in qs.itertuples():
        resources = dict.fromkeys(r for i in row.indicator_ids for r in evidence[i])
        rows.append(
            {
                "question": f"{row.question_id}. {getattr(row, text)}",
                "criterion": label("dac", row.criterion, lang),
                "indicators": "; ".join(str(indicators.loc[i, title]) for i in row.indicator_ids),
                "sources": "; ".join(t(f"resource.{r}", lang) for r in resources),
                "rule": rule_text(row.criterion, rules, lang),
            }
        )
    return pd.DataFrame(
        rows, columns=["question", "criterion", "indicators", "sources", "rule"], dtype=object
    )
