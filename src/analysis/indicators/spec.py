"""The ``@indicator`` decorator: an indicator is declared once, above its function.

Each criterion module (``relevance``, ``coherence``, ... ``sustainability``) marks the
function that computes an indicator with ``@indicator(...)``; the criterion is the module's
name and the titles are the catalogue's ``indicator.<id>`` messages. The registry
(:mod:`analysis.indicators.registry`) collects the specs; this module holds only the
decorator, so the criterion modules can use it without importing the registry.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

CRITERIA = ("relevance", "coherence", "effectiveness", "efficiency", "impact", "sustainability")
"""The OECD DAC criteria, in the order of the reports (and of the registry)."""

LEVELS = ("output", "outcome", "impact")
"""IATI result types."""

MEASURES = {"percent": "percentage", "vnd": "nominal"}
"""The IATI measure of a unit (any other unit is a count of units: ``unit``)."""


@dataclass(frozen=True)
class IndicatorSpec:
    """One indicator.

    Attributes:
        indicator_id: Its id in ``data/indicators.csv``.
        criterion: The OECD DAC criterion it informs (the name of its function's module).
        function: Name of the function in :mod:`analysis.indicators` that computes it.
        column: The column (or attribute; dotted for an attribute of an attribute) of the
            function's result that is the indicator.
        evidence: The resources whose rows it rests on (the first is the main one).
        level: IATI result type (:data:`LEVELS`).
        unit: ``percent``, ``vnd`` or the counted unit (``people``, ``activities``,
            ``head``...): how its value is formatted; words in ``indicator.unit.<unit>``.
        ascending: Whether a higher value is better.
        kwargs: Keyword arguments (name, value) that make the function give the overall
            figure.
        row: (column, value) pairs picking the overall row of a frame with several rows.
        count: The column of the result counting the people behind the value (a share or
            a cost per person is withheld when they are fewer than the report's threshold).
        people: The value is a count of people, and this is its name in the reports'
            disclosure ledger (``"reached"``): a report shows the count its ledger registered
            for its scope under that name (the summary's figure), never one computed again,
            and points to its section when it registered none.
        in_section: The value needs its section's words (an estimate with its design).
        source: The ``source_id`` of the results framework that defines it.
    """

    indicator_id: str
    criterion: str
    function: str
    column: str
    evidence: tuple[str, ...]
    level: str
    unit: str
    ascending: bool = True
    kwargs: tuple[tuple[str, object], ...] = ()
    row: tuple[tuple[str, object], ...] = ()
    count: str = ""
    people: str = ""
    in_section: bool = False
    source: str = "toolkit_results_framework"

    @property
    def measure(self) -> str:
        """The IATI measure: ``percentage``, ``nominal`` or ``unit``."""
        return MEASURES.get(self.unit, "unit")


def indicator(indicator_id: str, **fields) -> Callable:
    """Declare the indicator ``indicator_id`` computed by the decorated function.

    Stack several to declare several indicators of one function (top one first).

    Example:
        >>> @indicator("x_rate", column="rate", evidence=("plans",), level="output",
        ...            unit="percent", criterion="efficiency")
        ... def f(pkg, year=None): ...
        >>> f.__indicators__[0].function, f.__indicators__[0].measure
        ('f', 'percentage')
    """

    def register(fn: Callable) -> Callable:
        criterion = fields.pop("criterion", fn.__module__.rsplit(".", 1)[-1])
        if criterion not in CRITERIA:
            raise ValueError(f"{indicator_id}: declare it in a criterion's module ({criterion})")
        if fields.get("level") not in LEVELS:
            raise ValueError(f"{indicator_id}: level must be one of {', '.join(LEVELS)}")
        spec = IndicatorSpec(
            indicator_id,
            criterion,
            fn.__name__,
            evidence=tuple(fields.pop("evidence")),
            kwargs=tuple(fields.pop("kwargs", {}).items()),
            row=tuple(fields.pop("row", {}).items()),
            **fields,
        )
        # decorators apply bottom-up: put this one first so the list reads top-down
        fn.__indicators__ = (spec, *getattr(fn, "__indicators__", ()))
        return fn

    return register
