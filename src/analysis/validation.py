"""The reference validator: frictionless, with its findings as project problems."""

from __future__ import annotations

from pathlib import Path

from analysis.errors import Problem
from analysis.package import _unsafe_path


def frictionless_problems(package: Path) -> list[Problem]:
    """Validate ``package`` with frictionless (never trusted: unsafe paths are refused).

    Returns one :class:`Problem` per frictionless error, with file, row, field and the error
    type as the rule.
    """
    import json

    import frictionless

    try:
        descriptor = json.loads(Path(package).read_text(encoding="utf-8"))
        paths = [r.get("path") for r in descriptor.get("resources", [])]
    except (OSError, ValueError, AttributeError) as exc:
        return [Problem(Path(package).name, None, None, "descriptor", {"detail": str(exc)})]
    unsafe = [
        Problem(str(p), None, None, "unsafe-path", {"detail": why})
        for p in paths
        if (why := _unsafe_path(p))
    ]
    if unsafe:
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
