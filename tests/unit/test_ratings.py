"""The DAC rating rules, tested at their thresholds (values on, just above, just below)."""

from __future__ import annotations

import json
import math

import pytest

from analysis.ratings import (
    CRITERIA,
    findings,
    load_rules,
    rate_at_least,
    rate_at_most,
    rate_impact,
    rate_sustainability,
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
        (1.1, "met"),  # exactly at the met ceiling
        (0.5, "met"),  # cheaper than the benchmark is fine
        (1.1001, "partly_met"),
        (1.5, "partly_met"),
        (1.5001, "not_met"),
        (None, "insufficient_evidence"),
        (NAN, "insufficient_evidence"),
    ],
)
def test_rate_at_most(value, expected):
    assert rate_at_most(value, met=1.1, partly_met=1.5) == expected


IMPACT = {"alpha": 0.1, "min_treated": 3, "min_effect_points": 1.0}
GOOD = {"min_p": 1 / 360, "pretrend_p": 0.5, "robust": True}


@pytest.mark.parametrize(
    ("estimate", "p", "n", "checks", "expected"),
    [
        (-1.0, 0.1, 5, {}, "met"),  # effect exactly 1 point, p exactly at alpha
        (-0.9999, 0.01, 5, {}, "partly_met"),  # a fall smaller than the minimum effect
        (-1.0, 0.1000001, 5, {}, "partly_met"),
        (-2.0, 0.01, 5, {"pretrend_p": 0.1}, "partly_met"),  # placebo p at alpha: a pre-trend
        (-2.0, 0.01, 5, {"pretrend_p": None}, "partly_met"),  # no placebo: cannot be met
        (-2.0, 0.01, 5, {"robust": False}, "partly_met"),  # one sensitivity row not negative
        (-2.0, 0.01, 5, {"robust": None}, "partly_met"),
        (0.0, 0.01, 5, {}, "not_met"),  # zero is not a fall
        (2.0, 0.5, 5, {}, "not_met"),
        (-3.0, 0.01, 2, {}, "insufficient_evidence"),  # fewer treated than min_treated=3
        (-3.0, 0.01, 3, {}, "met"),
        (-3.0, 0.01, 5, {"min_p": 1 / 6}, "insufficient_evidence"),  # cannot reach alpha
        (-3.0, 0.1, 5, {"min_p": 0.1}, "met"),  # reachable p exactly alpha
        (None, 0.01, 5, {}, "insufficient_evidence"),
    ],
)
def test_rate_impact(estimate, p, n, checks, expected):
    given = GOOD | checks
    assert rate_impact(estimate, p, n, **given, **IMPACT) == expected


@pytest.mark.parametrize(
    ("calving", "stayed", "expected"),
    [
        (0.4, 0.8, "met"),
        (0.3999, 0.8, "partly_met"),
        (0.4, 0.7999, "partly_met"),
        (0.1, 0.5, "not_met"),
        (None, 0.9, "partly_met"),
        (0.1, None, "not_met"),
        (None, None, "insufficient_evidence"),
    ],
)
def test_rate_sustainability(calving, stayed, expected):
    # A missing figure counts as not reached: one known figure at most gives partly met.
    assert rate_sustainability(calving, stayed, calving_met=0.4, stayed_out_met=0.8) == expected


def test_the_config_file_has_a_rule_for_every_criterion():
    rules = load_rules()
    assert set(CRITERIA) <= set(rules)
    assert rules["relevance"]["met"] > rules["relevance"]["partly_met"]
    assert rules["max_illustrative_share"] == 0.5  # the default: more than half


def test_a_config_without_a_sane_illustrative_limit_is_refused(tmp_path):
    rules = load_rules()
    for bad in (None, 1.5, -0.1, "half"):
        path = tmp_path / "ratings.json"
        path.write_text(json.dumps(rules | {"max_illustrative_share": bad}), encoding="utf-8")
        with pytest.raises(ValueError, match="max_illustrative_share"):
            load_rules(path)


STRONG = {
    "people": 100,
    "share_poor_or_near_poor": 0.99,
    "share_of_plan_linked": 1.0,
    "documented_share_of_plan_linked": 1.0,
    "units_delivered_rate": 0.95,
    "cost_vs_benchmark": 1.0,
    "did_estimate": -2.0,
    "did_p_value": 0.05,
    "did_min_p": 1 / 360,
    "did_n_treated": 5,
    "did_pretrend_p": 0.6,
    "did_robust": True,
    "calves_per_animal_year": 0.5,
    "stayed_out_share": 0.9,
}


def test_strong_real_evidence_is_met_everywhere():
    rated = findings(STRONG, load_rules(), dict.fromkeys(CRITERIA, 0.0))
    assert [f.rating for f in rated] == ["met"] * 6
    assert all(f.demonstration is None and f.reason == "" for f in rated)


def test_findings_need_enough_people_for_relevance():
    rules = load_rules()
    figures = STRONG | {"people": rules["min_people"] - 1}
    first = findings(figures, rules, {})[0]
    assert (first.criterion, first.rating, first.reason) == (
        "relevance",
        "insufficient_evidence",
        "few_people",
    )
    figures["people"] = rules["min_people"]
    assert findings(figures, rules, {})[0].rating == "met"
    assert math.isnan(findings(figures, rules, {})[0].illustrative_share)


@pytest.mark.parametrize(
    ("share", "withheld"),
    [(0.5, False), (0.5001, True), (0.78, True), (1.0, True), (0.0, False), (NAN, False)],
)
def test_a_rating_on_mostly_illustrative_evidence_is_withheld(share, withheld):
    rated = findings(STRONG, load_rules(), dict.fromkeys(CRITERIA, share))
    for f in rated:
        if withheld:
            assert (f.rating, f.reason, f.demonstration) == (
                "insufficient_evidence",
                "illustrative",
                "met",  # what the rule gives on the illustrative rows: a demonstration
            )
        else:
            assert (f.rating, f.demonstration) == ("met", None)


def test_withholding_is_per_criterion():
    shares = dict.fromkeys(CRITERIA, 0.1) | {"impact": 0.9}
    rated = {f.criterion: f for f in findings(STRONG, load_rules(), shares)}
    assert rated["impact"].rating == "insufficient_evidence"
    assert rated["impact"].demonstration == "met"
    assert {c: f.rating for c, f in rated.items() if c != "impact"} == dict.fromkeys(
        [c for c in CRITERIA if c != "impact"], "met"
    )


def test_a_failing_rule_stays_failing_as_a_demonstration():
    figures = STRONG | {"did_estimate": 0.5}
    rated = {f.criterion: f for f in findings(figures, load_rules(), {"impact": 0.9})}
    assert (rated["impact"].rating, rated["impact"].demonstration) == (
        "insufficient_evidence",
        "not_met",
    )


def test_links_the_toolkit_drew_itself_are_not_coherence_evidence():
    figures = STRONG | {"documented_share_of_plan_linked": NAN, "share_of_plan_linked": 1.0}
    coherence = findings(figures, load_rules(), {})[1]
    assert (coherence.rating, coherence.reason) == ("insufficient_evidence", "undocumented")
    figures["documented_share_of_plan_linked"] = 0.4  # documented, but for too little money
    assert findings(figures, load_rules(), {})[1].rating == "not_met"


def test_a_design_that_cannot_reach_alpha_gives_no_impact_rating():
    figures = STRONG | {"did_min_p": 1 / 6}  # C(4, 2) = 6 assignments: p >= 0.167
    impact = findings(figures, load_rules(), {})[4]
    assert (impact.criterion, impact.rating, impact.reason) == (
        "impact",
        "insufficient_evidence",
        "undetectable",
    )
