"""Each indicator is declared once, by the ``@indicator`` line above its function: the
registry collects the specs, the criterion is the module, the titles are the catalogue's."""

from __future__ import annotations

import pytest

from analysis.i18n import LANGUAGES, t
from analysis.indicators.registry import (
    CRITERIA,
    INDICATORS,
    by_criterion,
    evidence_of,
    function_of,
)
from analysis.indicators.spec import IndicatorSpec, indicator


def test_every_criterion_has_indicators_and_every_function_exists():
    assert {s.criterion for s in INDICATORS} == set(CRITERIA)
    for spec in INDICATORS:
        fn = function_of(spec)
        assert spec in fn.__indicators__, spec.indicator_id
        # the criterion is the module the function is declared in
        assert fn.__module__ == f"analysis.indicators.{spec.criterion}"


def test_the_order_is_criterion_by_criterion_then_the_source_s():
    criteria = [s.criterion for s in INDICATORS]
    assert criteria == sorted(criteria, key=CRITERIA.index)
    # plan_vs_delivery declares two indicators, top one first; beneficiaries_reached is
    # declared further down effectiveness.py (an indicator added later may follow them)
    ids = [s.indicator_id for s in by_criterion("effectiveness")]
    assert ids[:3] == ["activities_planned", "units_delivered_rate", "beneficiaries_reached"]
    assert evidence_of("effectiveness")[:3] == ("plans", "outputs", "beneficiaries")


def test_a_spec_reads_as_its_decorator_line():
    spec = next(s for s in INDICATORS if s.indicator_id == "cost_per_beneficiary")
    assert spec == IndicatorSpec(
        "cost_per_beneficiary",
        "efficiency",
        "cost_per_beneficiary",
        column="cost_per_beneficiary_vnd",
        evidence=("transactions",),
        level="output",
        unit="vnd",
        ascending=False,
        kwargs=(("by", None),),
        count="beneficiaries",
    )
    assert spec.measure == "nominal"


def test_every_indicator_has_its_titles_and_unit_in_every_language():
    for spec in INDICATORS:
        for lang in LANGUAGES:
            assert t(f"indicator.{spec.indicator_id}", lang).strip()
            assert t(f"indicator.unit.{spec.unit}", lang).strip()


def test_an_indicator_outside_a_criterion_module_is_refused():
    with pytest.raises(ValueError, match="criterion's module"):

        @indicator("x", column="x", evidence=("plans",), level="output", unit="percent")
        def f(pkg, year=None): ...

    with pytest.raises(ValueError, match="level"):

        @indicator("x", column="x", evidence=("plans",), level="big", unit="percent",
                   criterion="impact")  # fmt: skip
        def g(pkg, year=None): ...


def test_stacked_declarations_read_top_down():
    @indicator("first", column="a", evidence=("plans",), level="output", unit="percent",
               criterion="relevance")  # fmt: skip
    @indicator("second", column="b", evidence=("outputs",), level="outcome", unit="people",
               criterion="relevance")  # fmt: skip
    def f(pkg, year=None): ...

    assert [s.indicator_id for s in f.__indicators__] == ["first", "second"]
    assert [s.measure for s in f.__indicators__] == ["percentage", "unit"]
