"""Indicators of the evaluation, one module per OECD DAC criterion.

Every public function takes the loaded :class:`~analysis.package.Package` first and keyword
arguments, and returns a tidy DataFrame sorted by its keys (or a small frozen dataclass
where a table does not fit). Nothing here prints or formats numbers: amounts stay in đồng,
rates stay fractions (or percent where the name says ``_pct``). Missing evidence gives an
empty frame with the usual columns; impossible requests raise ``ValueError``.

The ``computed_by`` column of the ``indicators`` resource names functions of this package.

Example:
    >>> from analysis.package import load_package
    >>> from analysis import indicators
    >>> pkg = load_package("tests/fixtures/tiny_package/datapackage.json")
    >>> indicators.beneficiaries_reached(pkg, 2024, by=())["people"].item()
    7
"""

from analysis.indicators.coherence import LinkedShare, programme_alignment, share_of_plan_linked
from analysis.indicators.effectiveness import (
    Completion,
    beneficiaries_reached,
    completion_rate,
    plan_vs_delivery,
)
from analysis.indicators.efficiency import (
    DisbursementDelay,
    FundsMobilised,
    budget_execution,
    cost_per_beneficiary,
    cost_per_unit,
    cost_vs_benchmark,
    disbursement_delay_summary,
    funds_mobilised,
    time_to_disbursement,
    unit_cost_benchmarks,
)
from analysis.indicators.impact import (
    IncomeChange,
    PovertyDid,
    cpi_series,
    income_change,
    poverty_did,
    poverty_did_sensitivity,
    poverty_panel,
    price_deflator,
)
from analysis.indicators.relevance import targeting_shares
from analysis.indicators.sustainability import (
    CalvingRate,
    PassOn,
    calving_rate,
    graduated_communes,
    livestock_summary,
    pass_on_rate,
    persistence_cases,
    poverty_persistence,
)

__all__ = [
    "CalvingRate",
    "Completion",
    "DisbursementDelay",
    "FundsMobilised",
    "IncomeChange",
    "LinkedShare",
    "PassOn",
    "PovertyDid",
    "beneficiaries_reached",
    "budget_execution",
    "calving_rate",
    "completion_rate",
    "cost_per_beneficiary",
    "cost_per_unit",
    "cost_vs_benchmark",
    "cpi_series",
    "disbursement_delay_summary",
    "funds_mobilised",
    "graduated_communes",
    "income_change",
    "livestock_summary",
    "pass_on_rate",
    "plan_vs_delivery",
    "poverty_did",
    "poverty_did_sensitivity",
    "poverty_panel",
    "persistence_cases",
    "poverty_persistence",
    "price_deflator",
    "programme_alignment",
    "share_of_plan_linked",
    "targeting_shares",
    "time_to_disbursement",
    "unit_cost_benchmarks",
]
