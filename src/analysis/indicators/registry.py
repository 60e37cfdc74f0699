"""Every indicator of the evaluation, collected from where it is declared: the
``@indicator(...)`` line above its function in its criterion's module
(:func:`analysis.indicators.spec.indicator`).

The share of illustrative rows behind each criterion (what the ratings weigh), the
indicators table of the data package (``data/indicators.csv``, written by
``python -m analysis dictionary`` from these specs and the catalogue's ``indicator.<id>``
titles; a test fails when it is stale) and the evaluation matrix read these specs. Adding
an indicator is its function with its ``@indicator`` line, its test and its titles in the
catalogue.

Example:
    >>> [s.indicator_id for s in by_criterion("efficiency")]
    ['budget_execution_rate', 'cost_per_beneficiary']
    >>> evidence_of("sustainability")
    ('livestock_events', 'beneficiary_followups')
"""

from __future__ import annotations

import csv
import importlib
import inspect
import io

from analysis.indicators.spec import CRITERIA, IndicatorSpec

__all__ = [
    "CRITERIA",
    "INDICATORS",
    "IndicatorSpec",
    "by_criterion",
    "evidence_of",
    "function_of",
    "indicators_csv",
]


def collect() -> tuple[IndicatorSpec, ...]:
    """The specs declared in the criterion modules: criterion by criterion (in
    :data:`CRITERIA` order), then in the order of the module's source."""
    specs: list[IndicatorSpec] = []
    for criterion in CRITERIA:
        module = importlib.import_module(f"analysis.indicators.{criterion}")
        functions = [
            fn
            for fn in vars(module).values()
            if inspect.isfunction(fn) and fn.__module__ == module.__name__
        ]
        for fn in sorted(functions, key=lambda f: f.__code__.co_firstlineno):
            specs.extend(getattr(fn, "__indicators__", ()))
    ids = [s.indicator_id for s in specs]
    twice = sorted({i for i in ids if ids.count(i) > 1})
    if twice:
        raise ValueError(f"indicators declared twice: {', '.join(twice)}")
    return tuple(specs)


INDICATORS: tuple[IndicatorSpec, ...] = collect()
"""Every indicator, criterion by criterion."""


def by_criterion(criterion: str) -> list[IndicatorSpec]:
    """The indicators of one criterion, in declaration order."""
    if criterion not in CRITERIA:
        raise ValueError(f"criterion {criterion!r}: one of {', '.join(CRITERIA)}")
    return [s for s in INDICATORS if s.criterion == criterion]


def evidence_of(criterion: str) -> tuple[str, ...]:
    """The resources a criterion's evidence rests on (each once, in declaration order)."""
    return tuple(dict.fromkeys(r for s in by_criterion(criterion) for r in s.evidence))


def function_of(spec: IndicatorSpec):
    """The function that computes ``spec`` (read from its criterion's module, so a new
    indicator need not be exported by :mod:`analysis.indicators` to be computed)."""
    return getattr(importlib.import_module(f"analysis.indicators.{spec.criterion}"), spec.function)


def _cell(spec: IndicatorSpec, field: str) -> str:
    """One cell of ``indicators.csv``: a title in the language its column is for (``title``
    alone is English), the unit in every language of the catalogue, else the spec's value."""
    from analysis.i18n import LANGUAGES, t

    if field == "title" or field.startswith("title_"):
        return t(f"indicator.{spec.indicator_id}", field.removeprefix("title").strip("_") or "en")
    if field == "unit":
        return " / ".join(dict.fromkeys(t(f"indicator.unit.{spec.unit}", x) for x in LANGUAGES))
    value = {
        "indicator_id": spec.indicator_id,
        "level": spec.level,
        "dac_criterion": spec.criterion,
        "measure": spec.measure,
        "ascending": "true" if spec.ascending else "false",
        "computed_by": spec.function,
        "evidence_resource": spec.evidence[0],
        "source_id": spec.source,
    }
    return value[field]


def indicators_csv() -> str:
    """``data/indicators.csv`` as the specs and the catalogue give it: the columns the
    bundled schema declares for the ``indicators`` resource, one row per indicator sorted by
    id, each ``title_<lang>`` column from the catalogue's ``indicator.<id>`` in that
    language."""
    from analysis.schema import Schema

    fields = Schema.load().field_names("indicators")
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(fields)
    for spec in sorted(INDICATORS, key=lambda s: s.indicator_id):
        writer.writerow([_cell(spec, f) for f in fields])
    return out.getvalue()
