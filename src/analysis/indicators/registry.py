"""Every indicator of the evaluation, declared once: its OECD DAC criterion, the function that
computes it, the column of that function's result that is the indicator, and the resources
its evidence comes from.

The share of illustrative rows behind each criterion (what the ratings weigh), the
indicators table of the data package (``data/indicators.csv``, checked against this list by
a test) and the evaluation matrix read these specs; adding an indicator is one spec here,
its function in the criterion's module, its test and its row of ``indicators.csv``.

Example:
    >>> [s.indicator_id for s in by_criterion("efficiency")]
    ['budget_execution_rate', 'cost_per_beneficiary']
    >>> evidence_of("sustainability")
    ('livestock_events', 'beneficiary_followups')
"""

from __future__ import annotations

from dataclasses import dataclass

CRITERIA = ("relevance", "coherence", "effectiveness", "efficiency", "impact", "sustainability")


@dataclass(frozen=True)
class IndicatorSpec:
    """One indicator.

    Attributes:
        indicator_id: Its id in ``data/indicators.csv``.
        criterion: The OECD DAC criterion it informs.
        function: Name of the function in :mod:`analysis.indicators` that computes it.
        column: The column (or attribute) of the function's result that is the indicator.
        evidence: The resources whose rows it rests on (the first is the main one).
    """

    indicator_id: str
    criterion: str
    function: str
    column: str
    evidence: tuple[str, ...]


INDICATORS: tuple[IndicatorSpec, ...] = (
    IndicatorSpec(
        "share_poor_near_poor", "relevance", "targeting_shares", "share_poor_or_near_poor",
        ("beneficiaries",),
    ),
    IndicatorSpec(
        "plan_linked_to_programmes", "coherence", "share_of_plan_linked", "share", ("plans",)
    ),
    IndicatorSpec(
        "activities_planned", "effectiveness", "plan_vs_delivery", "n_activities", ("plans",)
    ),
    IndicatorSpec(
        "units_delivered_rate", "effectiveness", "plan_vs_delivery", "units_rate", ("outputs",)
    ),
    IndicatorSpec(
        "beneficiaries_reached", "effectiveness", "beneficiaries_reached", "people",
        ("beneficiaries",),
    ),
    IndicatorSpec(
        "budget_execution_rate", "efficiency", "budget_execution", "execution_rate",
        ("transactions",),
    ),
    IndicatorSpec(
        "cost_per_beneficiary", "efficiency", "cost_per_beneficiary", "cost_per_beneficiary_vnd",
        ("transactions",),
    ),
    IndicatorSpec(
        "poor_household_rate", "impact", "poverty_did", "estimate", ("commune_statistics",)
    ),
    IndicatorSpec(
        "income_change", "impact", "income_change", "mean_change", ("beneficiary_followups",)
    ),
    IndicatorSpec(
        "herd_per_animal", "sustainability", "livestock_summary", "herd_per_animal_received",
        ("livestock_events",),
    ),
    IndicatorSpec(
        "stayed_out_of_poverty", "sustainability", "poverty_persistence", "share_still_out",
        ("beneficiary_followups",),
    ),
)  # fmt: skip
"""Every indicator, criterion by criterion."""


def by_criterion(criterion: str) -> list[IndicatorSpec]:
    """The indicators of one criterion, in declaration order."""
    if criterion not in CRITERIA:
        raise ValueError(f"criterion {criterion!r}: one of {', '.join(CRITERIA)}")
    return [s for s in INDICATORS if s.criterion == criterion]


def evidence_of(criterion: str) -> tuple[str, ...]:
    """The resources a criterion's evidence rests on (each once, in declaration order)."""
    return tuple(dict.fromkeys(r for s in by_criterion(criterion) for r in s.evidence))
