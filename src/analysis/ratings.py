"""A rating per OECD DAC criterion, computed by rules whose thresholds live in a config file.

Ratings: ``met``, ``partly_met``, ``not_met``, ``insufficient_evidence``. The thresholds are
in ``config/ratings.json`` (printed in the phase report's methods section); the rules below
only compare. Each rule is a small pure function, tested at its thresholds.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

from analysis.paths import CONFIG_DIR

RATINGS = ("met", "partly_met", "not_met", "insufficient_evidence")
CRITERIA = ("relevance", "coherence", "effectiveness", "efficiency", "impact", "sustainability")
RULES_FILE = CONFIG_DIR / "ratings.json"


def load_rules(path: Path = RULES_FILE) -> dict:
    """The rating rules (thresholds) from the config file."""
    rules = json.loads(Path(path).read_text(encoding="utf-8"))
    missing = [c for c in CRITERIA if c not in rules]
    if missing:
        raise ValueError(f"{path}: no rule for {', '.join(missing)}")
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


def rate_within(value: float | None, met: list[float], partly_met: list[float]) -> str:
    """``met`` inside the closed band ``met``, ``partly_met`` inside ``partly_met``."""
    if _missing(value):
        return "insufficient_evidence"
    if met[0] <= value <= met[1]:
        return "met"
    return "partly_met" if partly_met[0] <= value <= partly_met[1] else "not_met"


def rate_impact(
    estimate: float | None, p_value: float | None, n_treated: int, alpha: float, min_treated: int
) -> str:
    """A fall in the poor-household rate beyond comparisons: ``met`` when the
    difference-in-differences is negative with p ≤ alpha; ``partly_met`` when negative but
    not distinguishable from chance; ``not_met`` when zero or positive."""
    if _missing(estimate) or _missing(p_value) or n_treated < min_treated:
        return "insufficient_evidence"
    if estimate < 0:
        return "met" if p_value <= alpha else "partly_met"
    return "not_met"


def rate_sustainability(
    herd_per_animal: float | None, stayed_out: float | None, herd_met: float, stayed_out_met: float
) -> str:
    """``met`` when both the herd per animal received and the share staying out of poverty
    reach their thresholds, ``partly_met`` when one does, ``not_met`` when neither. A missing
    figure counts as not reached; with both missing there is insufficient evidence."""
    known = [
        (v, t)
        for v, t in ((herd_per_animal, herd_met), (stayed_out, stayed_out_met))
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
    """One criterion's rating, the figure it rests on, and how real the evidence is."""

    criterion: str
    rating: str
    values: dict = field(default_factory=dict)
    thresholds: dict = field(default_factory=dict)
    illustrative_share: float = float("nan")


def findings(figures: dict, rules: dict, illustrative: dict[str, float]) -> list[Finding]:
    """Rate every criterion from whole-phase ``figures``.

    Args:
        figures: share_poor_or_near_poor, people, share_of_plan_linked, units_delivered_rate,
            budget_execution_rate, did_estimate, did_p_value, did_n_treated,
            herd_per_animal, stayed_out_share (NaN/None where unknown).
        rules: from :func:`load_rules`.
        illustrative: share of illustrative rows behind each criterion's figure.
    """
    few = (figures.get("people") or 0) < rules["min_people"]
    out = []
    r = rules["relevance"]
    share = None if few else figures.get("share_poor_or_near_poor")
    out.append(
        Finding("relevance", rate_at_least(share, r["met"], r["partly_met"]), {"value": share}, r)
    )
    r = rules["coherence"]
    out.append(
        Finding(
            "coherence",
            rate_at_least(figures.get("share_of_plan_linked"), r["met"], r["partly_met"]),
            {"value": figures.get("share_of_plan_linked")},
            r,
        )
    )
    r = rules["effectiveness"]
    out.append(
        Finding(
            "effectiveness",
            rate_at_least(figures.get("units_delivered_rate"), r["met"], r["partly_met"]),
            {"value": figures.get("units_delivered_rate")},
            r,
        )
    )
    r = rules["efficiency"]
    out.append(
        Finding(
            "efficiency",
            rate_within(figures.get("budget_execution_rate"), r["met"], r["partly_met"]),
            {"value": figures.get("budget_execution_rate")},
            r,
        )
    )
    r = rules["impact"]
    out.append(
        Finding(
            "impact",
            rate_impact(
                figures.get("did_estimate"),
                figures.get("did_p_value"),
                figures.get("did_n_treated") or 0,
                r["alpha"],
                r["min_treated"],
            ),
            {"value": figures.get("did_estimate"), "p": figures.get("did_p_value")},
            r,
        )
    )
    r = rules["sustainability"]
    out.append(
        Finding(
            "sustainability",
            rate_sustainability(
                figures.get("herd_per_animal"),
                figures.get("stayed_out_share"),
                r["herd_met"],
                r["stayed_out_met"],
            ),
            {"herd": figures.get("herd_per_animal"), "stayed": figures.get("stayed_out_share")},
            r,
        )
    )
    return [
        Finding(
            f.criterion,
            f.rating,
            f.values,
            f.thresholds,
            illustrative.get(f.criterion, float("nan")),
        )
        for f in out
    ]
