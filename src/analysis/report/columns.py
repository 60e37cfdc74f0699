"""Columns the reports' tables share, declared once: a column of the indicators' results
(``planned_amount_vnd``, ``spent_vnd``...) has one title and one kind in every table that
shows it. A report asks for them by name (:meth:`analysis.report.base.BaseReport.cols`);
a table's own columns stay declared in the table.

Example:
    >>> cols = columns("en", "planned_amount_vnd", "amount_rate")
    >>> [(c.title, c.kind) for c in cols.values()]
    [('Planned money', 'money'), ('Execution rate (activities with a planned amount)', 'percent')]
"""

from __future__ import annotations

from analysis.i18n import t
from analysis.report.html import Col

COLUMNS: dict[str, tuple[str, str]] = {
    "year": ("col.year", "year"),
    "activity_type": ("col.activity_type", "text"),
    "n_activities": ("col.n_activities", "number"),
    "planned_units": ("col.planned_units", "number"),
    "planned_amount_vnd": ("col.planned", "money"),
    "spent_vnd": ("col.spent", "money"),
    "spent": ("col.spent", "money"),
    "spent_on_plan_vnd": ("col.spent_on_plan", "money"),
    "spent_off_plan_vnd": ("col.spent_off_plan", "money"),
    "amount_rate": ("col.execution_rate", "percent"),
    "people": ("col.people", "people"),
    "estimate": ("col.did_points", "number1"),
    "p_value": ("col.p_value", "number4"),
}
"""Column → (catalogue key of its title, kind of :class:`~analysis.report.html.Col`)."""


def columns(lang: str, *names: str) -> dict[str, Col]:
    """The shared columns ``names``, in that order, titled in ``lang``."""
    return {name: Col(t(COLUMNS[name][0], lang), COLUMNS[name][1]) for name in names}
