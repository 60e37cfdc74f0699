"""The DAC rating rules, tested at their thresholds (values on, just above, just below)."""

from __future__ import annotations

import math

import pytest

from analysis.ratings import (
    CRITERIA,
    findings,
    load_rules,
    rate_at_least,
    rate_impact,
    rate_sustainability,
    rate_within,
)

NAN = float("nan")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0.8, "met"),
        (0.8000001, "met"),
        (0.7999999, "partly_met"),
        (0.6, "partly_met"),
        (0.5999999, "not_met"),
        (0.0, "not_met"),
        (None, "insufficient_evidence"),
        (NAN, "insufficient_evidence"),
    ],
)
def test_rate_at_least(value, expected):
    assert rate_at_least(value, met=0.8, partly_met=0.6) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0.9, "met"),
        (1.05, "met"),
        (1.0, "met"),
        (0.8999, "partly_met"),
        (1.0501, "partly_met"),
        (0.75, "partly_met"),
        (1.15, "partly_met"),
        (0.7499, "not_met"),
        (1.1501, "not_met"),
        (None, "insufficient_evidence"),
    ],
)
def test_rate_within_closed_bands(value, expected):
    assert rate_within(value, met=[0.9, 1.05], partly_met=[0.75, 1.15]) == expected


@pytest.mark.parametrize(
    ("estimate", "p", "n", "expected"),
    [
        (-1.0, 0.1, 5, "met"),  # p exactly at alpha
        (-1.0, 0.1000001, 5, "partly_met"),
        (-0.0001, 0.01, 5, "met"),
        (0.0, 0.01, 5, "not_met"),  # zero is not a fall
        (2.0, 0.5, 5, "not_met"),
        (-3.0, 0.01, 2, "insufficient_evidence"),  # fewer treated communes than min_treated=3
        (-3.0, 0.01, 3, "met"),
        (None, 0.01, 5, "insufficient_evidence"),
    ],
)
def test_rate_impact(estimate, p, n, expected):
    assert rate_impact(estimate, p, n, alpha=0.1, min_treated=3) == expected


@pytest.mark.parametrize(
    ("herd", "stayed", "expected"),
    [
        (1.5, 0.8, "met"),
        (1.4999, 0.8, "partly_met"),
        (1.5, 0.7999, "partly_met"),
        (1.0, 0.5, "not_met"),
        (None, 0.9, "partly_met"),
        (1.0, None, "not_met"),
        (None, None, "insufficient_evidence"),
    ],
)
def test_rate_sustainability(herd, stayed, expected):
    # A missing figure counts as not reached: one known figure at most gives partly met.
    assert rate_sustainability(herd, stayed, herd_met=1.5, stayed_out_met=0.8) == expected


def test_the_config_file_has_a_rule_for_every_criterion():
    rules = load_rules()
    assert set(CRITERIA) <= set(rules)
    assert rules["relevance"]["met"] > rules["relevance"]["partly_met"]


def test_findings_need_enough_people_for_relevance():
    rules = load_rules()
    figures = {
        "people": rules["min_people"] - 1,
        "share_poor_or_near_poor": 0.99,
        "share_of_plan_linked": 1.0,
        "units_delivered_rate": 0.95,
        "budget_execution_rate": 1.0,
        "did_estimate": -2.0,
        "did_p_value": 0.05,
        "did_n_treated": 5,
        "herd_per_animal": 2.0,
        "stayed_out_share": 0.9,
    }
    rated = {f.criterion: f.rating for f in findings(figures, rules, {})}
    assert rated == {
        "relevance": "insufficient_evidence",
        "coherence": "met",
        "effectiveness": "met",
        "efficiency": "met",
        "impact": "met",
        "sustainability": "met",
    }
    figures["people"] = rules["min_people"]
    assert findings(figures, rules, {})[0].rating == "met"
    assert math.isnan(findings(figures, rules, {})[0].illustrative_share)
