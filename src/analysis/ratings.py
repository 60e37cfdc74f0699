"""A rating per OECD DAC criterion, computed by rules whose thresholds live in a config file.

Ratings: ``met``, ``partly_met``, ``not_met``, ``insufficient_evidence``. The thresholds,
and the reason each was chosen, are in ``config/ratings.json``; the phase report's methods
section and ``docs/methods.md`` print them. The rules below only compare. Each rule is a
small pure function, tested at its thresholds, and each can fail.

A judgement is withheld when its evidence is generated: when more than
``max_illustrative_share`` of the rows behind a criterion's evidence are illustrative, the
rating is ``insufficient_evidence`` and the rule's result on those rows is kept only as a
labelled demonstration (:attr:`Finding.demonstration`).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

from analysis.indicators.registry import CRITERIA
from analysis.paths import CONFIG_DIR

RATINGS = ("met", "partly_met", "not_met", "insufficient_evidence")
RULES_FILE = CONFIG_DIR / "ratings.json"

REASONS = ("illustrative", "missing", "few_people", "few_treated", "undetectable", "undocumented")
"""Why a rating can be ``insufficient_evidence`` (each has a sentence in the catalogue)."""


def load_rules(path: Path = RULES_FILE) -> dict:
    """The rating rules (thresholds) from the config file."""
    rules = json.loads(Path(path).read_text(encoding="utf-8"))
    missing = [c for c in CRITERIA if c not in rules]
    if missing:
        raise ValueError(f"{path}: no rule for {', '.join(missing)}")
    share = rules.get("max_illustrative_share")
    if not isinstance(share, int | float) or not 0 <= share <= 1:
        raise ValueError(f"{path}: max_illustrative_share must be a fraction between 0 and 1")
    return rules


def _missing(x) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def rate_at_least(value: float | None, met: float, partly_met: float) -> str:
    """``met`` when value ≥ met, ``partly_met`` when ≥ partly_met, else ``not_met``."""
    if _missing(value):
        return "insufficient_evidence"
    if value >= met:
        return "met"
    return "partly_met" if value >= partly_met else "not_met"


def rate_at_most(value: float | None, met: float, partly_met: float) -> str:
    """``met`` when value ≤ met, ``partly_met`` when ≤ partly_met, else ``not_met``."""
    if _missing(value):
        return "insufficient_evidence"
    if value <= met:
        return "met"
    return "partly_met" if value <= partly_met else "not_met"


def rate_impact(
    estimate: float | None,
    p_value: float | None,
    n_treated: int,
    *,
    min_p: float | None,
    pretrend_p: float | None,
    robust: bool | None,
    alpha: float,
    min_treated: int,
    min_effect_points: float,
) -> str:
    """A fall in the poor-household rate beyond the comparison communes.

    ``met`` needs all of: a difference-in-differences of at least ``min_effect_points``
    percentage points downwards; a stratified permutation p ≤ ``alpha``; no pre-trend (the
    placebo over the baseline years has p > ``alpha``); and a robust sign (every row of the
    sensitivity table is negative). ``partly_met``: negative but one of these fails or is
    unknown. ``not_met``: zero or positive. ``insufficient_evidence``: no estimate, fewer
    than ``min_treated`` treated communes, or a design whose smallest reachable p
    (``min_p``) is above ``alpha`` (it could never show an effect).
    """
    if _missing(estimate) or _missing(p_value) or n_treated < min_treated:
        return "insufficient_evidence"
    if not _missing(min_p) and min_p > alpha:
        return "insufficient_evidence"
    if estimate >= 0:
        return "not_met"
    checks = (
        -estimate >= min_effect_points,
        p_value <= alpha,
        not _missing(pretrend_p) and pretrend_p > alpha,
        robust is True,
    )
    return "met" if all(checks) else "partly_met"


def rate_sustainability(
    calves_per_animal_year: float | None,
    stayed_out: float | None,
    calving_met: float,
    stayed_out_met: float,
) -> str:
    """``met`` when both the calves born per animal-year of the cows received and the share
    of households staying out of poverty reach their thresholds, ``partly_met`` when one
    does, ``not_met`` when neither. A missing figure counts as not reached; with both
    missing there is insufficient evidence."""
    known = [
        (v, t)
        for v, t in ((calves_per_animal_year, calving_met), (stayed_out, stayed_out_met))
        if not _missing(v)
    ]
    if not known:
        return "insufficient_evidence"
    reached = sum(v >= t for v, t in known)
    if reached == 2:
        return "met"
    return "partly_met" if reached == 1 else "not_met"


@dataclass(frozen=True)
class Finding:
    """One criterion's rating, the figures it rests on, and how real the evidence is.

    Attributes:
        criterion: The OECD DAC criterion.
        rating: The rating given (``insufficient_evidence`` when withheld).
        values: The figures the rule compared.
        thresholds: The criterion's rule from the config file.
        illustrative_share: Share of the rows behind the evidence that are illustrative.
        demonstration: When the rating is withheld because the evidence is mostly
            illustrative: what the rule gives on those rows (a demonstration, never a
            judgement). None otherwise.
        reason: Why the rating is ``insufficient_evidence`` (one of :data:`REASONS`), or "".
    """

    criterion: str
    rating: str
    values: dict = field(default_factory=dict)
    thresholds: dict = field(default_factory=dict)
    illustrative_share: float = float("nan")
    demonstration: str | None = None
    reason: str = ""


def _rate(criterion: str, figures: dict, rules: dict) -> tuple[str, dict, str]:
    """The rule of one criterion: (rating, values compared, reason when insufficient)."""
    r = rules[criterion]
    if criterion == "relevance":
        if (figures.get("people") or 0) < rules["min_people"]:
            return "insufficient_evidence", {"value": None}, "few_people"
        value = figures.get("share_poor_or_near_poor")
        return rate_at_least(value, r["met"], r["partly_met"]), {"value": value}, "missing"
    if criterion == "coherence":
        value = figures.get("documented_share_of_plan_linked")
        if _missing(value) and not _missing(figures.get("share_of_plan_linked")):
            return "insufficient_evidence", {"value": None}, "undocumented"
        return rate_at_least(value, r["met"], r["partly_met"]), {"value": value}, "missing"
    if criterion == "effectiveness":
        value = figures.get("units_delivered_rate")
        return rate_at_least(value, r["met"], r["partly_met"]), {"value": value}, "missing"
    if criterion == "efficiency":
        value = figures.get("cost_vs_benchmark")
        return rate_at_most(value, r["met"], r["partly_met"]), {"value": value}, "missing"
    if criterion == "impact":
        return _rate_impact(figures, r)
    value = {
        "calving": figures.get("calves_per_animal_year"),
        "stayed": figures.get("stayed_out_share"),
    }
    rating = rate_sustainability(
        value["calving"], value["stayed"], r["calving_met"], r["stayed_out_met"]
    )
    return rating, value, "missing"


def _rate_impact(figures: dict, r: dict) -> tuple[str, dict, str]:
    n = figures.get("did_n_treated") or 0
    min_p = figures.get("did_min_p")
    values = {
        "value": figures.get("did_estimate"),
        "p": figures.get("did_p_value"),
        "min_p": min_p,
        "pretrend_p": figures.get("did_pretrend_p"),
        "robust": figures.get("did_robust"),
    }
    rating = rate_impact(
        values["value"],
        values["p"],
        n,
        min_p=min_p,
        pretrend_p=values["pretrend_p"],
        robust=values["robust"],
        alpha=r["alpha"],
        min_treated=r["min_treated"],
        min_effect_points=r["min_effect_points"],
    )
    if _missing(values["value"]) or _missing(values["p"]):
        reason = "missing"
    elif n < r["min_treated"]:
        reason = "few_treated"
    else:
        reason = "undetectable"
    return rating, values, reason


def findings(figures: dict, rules: dict, illustrative: dict[str, float]) -> list[Finding]:
    """Rate every criterion from whole-phase ``figures``, withholding generated judgements.

    Args:
        figures: people, share_poor_or_near_poor, share_of_plan_linked,
            documented_share_of_plan_linked, units_delivered_rate, cost_vs_benchmark,
            did_estimate, did_p_value, did_min_p, did_n_treated, did_pretrend_p, did_robust,
            calves_per_animal_year, stayed_out_share (None or NaN where unknown).
        rules: from :func:`load_rules`.
        illustrative: share of illustrative rows behind each criterion's evidence.

    Returns:
        One :class:`Finding` per criterion, in :data:`CRITERIA` order. A criterion whose
        illustrative share exceeds ``rules["max_illustrative_share"]`` is
        ``insufficient_evidence`` with reason ``illustrative``; its rule's result on the
        illustrative rows is the finding's ``demonstration``.
    """
    limit = rules["max_illustrative_share"]
    out = []
    for criterion in CRITERIA:
        rating, values, reason = _rate(criterion, figures, rules)
        share = illustrative.get(criterion, float("nan"))
        demonstration = None
        if not _missing(share) and share > limit:
            rating, demonstration, reason = "insufficient_evidence", rating, "illustrative"
        elif rating != "insufficient_evidence":
            reason = ""
        out.append(
            Finding(criterion, rating, values, rules[criterion], share, demonstration, reason)
        )
    return out
