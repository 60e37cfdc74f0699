"""The reference validator: frictionless, with its findings as project problems."""

from __future__ import annotations

from pathlib import Path

from analysis.errors import Problem
from analysis.package import refusals


def frictionless_problems(package: Path) -> list[Problem]:
    """Validate ``package`` with frictionless (never trusted: unsafe paths are refused).

    Returns one :class:`Problem` per frictionless error, with file, row, field and the error
    type as the rule.
    """
    import frictionless

    unsafe = refusals(package)
    if unsafe:  # never hand frictionless a FIFO, a device, a link out or a hostile pattern
        return unsafe
    try:
        report = frictionless.validate(str(package))
    except Exception as exc:  # noqa: BLE001 - frictionless raises on some broken descriptors
        return [Problem(Path(package).name, None, None, "descriptor", {"detail": str(exc)})]
    problems = []
    for task in report.tasks:
        for err in task.errors:
            problems.append(
                Problem(
                    task.place or task.name or str(package),
                    getattr(err, "row_number", None),
                    getattr(err, "field_name", None),
                    "frictionless",
                    {"type": err.type, "note": err.note or err.message},
                )
            )
    for err in report.errors:
        problems.append(
            Problem(
                Path(package).name,
                None,
                None,
                "frictionless",
                {"type": err.type, "note": err.note or err.message},
            )
        )
    return problems
