"""The headline figures, each defined once: the function that computes it and its words.

Every report prints this glossary in its methods section and ``docs/methods.md`` holds it
for outside evaluators (a test checks both against this list). A term's name and
definition are catalogue messages ``glossary.<key>.term`` and ``glossary.<key>.definition``;
its ``computed_by`` names the one function every table and sentence takes the figure from.

Example:
    >>> [t.key for t in TERMS][:3]
    ['people_reached', 'disbursed', 'execution_rate']
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Term:
    """One headline figure.

    Attributes:
        key: Catalogue key part (``glossary.<key>.term``).
        computed_by: The function of :mod:`analysis.indicators` (or other module) that
            defines it, as ``module.function``.
    """

    key: str
    computed_by: str


TERMS: tuple[Term, ...] = (
    Term("people_reached", "indicators.beneficiaries_reached"),
    Term("disbursed", "indicators.plan_vs_delivery"),
    Term("execution_rate", "indicators.budget_execution"),
    Term("paid_in_year", "indicators.funds_mobilised"),
    Term("units_rate", "indicators.plan_vs_delivery"),
    Term("completion_rate", "indicators.completion_rate"),
    Term("cost_per_beneficiary", "indicators.cost_per_beneficiary"),
    Term("cost_vs_benchmark", "indicators.cost_vs_benchmark"),
    Term("calving_rate", "indicators.calving_rate"),
    Term("pass_on_rate", "indicators.pass_on_rate"),
    Term("did", "indicators.poverty_did"),
    Term("reachable_p", "inference.did_permutation"),
    Term("illustrative_share", "provenance.illustrative_share"),
)
"""The glossary, in the order reports print it."""
