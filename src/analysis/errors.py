"""Problems found in a data package, and the exception that carries them.

A problem names the file, the row (counted as frictionless counts them: the header is row 1),
the field and the rule, so an analyst can find and fix it. Its wording comes from the message
catalogue, in the report's language.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from analysis.i18n import format_money, t

MONEY_PARAMS = frozenset({"spent", "planned", "amount", "incoming"})
"""Message parameters that are amounts of money (formatted per language)."""


@dataclass(frozen=True)
class Problem:
    """One finding about the package.

    Attributes:
        file: Path of the file, relative to the package (e.g. ``data/plans.csv``).
        row: Row number in the file (header = 1), or None for file-level problems.
        field: Field name, or None.
        rule: Short rule key (``type``, ``required``, ``foreign-key``, ...); it selects the
            message template ``problem.<rule>`` in the catalogue.
        params: Values for the message template.
        severity: ``error`` blocks reports; ``warning`` is listed in the report.
    """

    file: str
    row: int | None
    field: str | None
    rule: str
    params: dict = field(default_factory=dict, compare=False, hash=False)
    severity: str = "error"

    def describe(self, lang: str = "en") -> str:
        """The rule's message in ``lang``, without the location (amounts of money written
        as the language writes them: 54.300.000 đồng, VND 54,300,000)."""
        params = {
            k: format_money(v, lang) if k in MONEY_PARAMS and isinstance(v, int | float) else v
            for k, v in self.params.items()
        }
        return t(f"problem.{self.rule}", lang, **params)

    def location(self, lang: str = "en") -> str:
        """``file, row N, field F`` in ``lang``."""
        parts = [self.file]
        if self.row is not None:
            parts.append(t("problem.at_row", lang, row=self.row))
        if self.field:
            parts.append(t("problem.at_field", lang, field=self.field))
        return ", ".join(parts)

    def format(self, lang: str = "en") -> str:
        """One line: location, rule and message."""
        return f"{self.location(lang)} [{self.rule}]: {self.describe(lang)}"


class PackageInvalid(Exception):
    """Raised when a package has errors; carries every problem found."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        super().__init__(self.format("en"))

    def format(self, lang: str = "en", limit: int = 50) -> str:
        """A readable list of the problems (at most ``limit`` lines, then a count)."""
        errors = [p for p in self.problems if p.severity == "error"]
        counted = [p for p in errors if p.rule == "more-problems"]
        listed = [p for p in errors if p.rule != "more-problems"]
        total = len(listed) + sum(int(p.params.get("n", 0)) for p in counted)
        lines = [t("problem.header", lang, n=total)]
        lines += [f"  - {p.format(lang)}" for p in listed[:limit]]
        if len(listed) > limit:
            lines.append("  " + t("problem.more", lang, n=len(listed) - limit))
        lines += [f"  - {p.format(lang)}" for p in counted]  # what was not listed, per rule
        return "\n".join(lines)


class PackageChanged(Exception):
    """The package's files no longer have the hash they were validated with."""

    def __init__(self, expected: str, found: str):
        self.expected, self.found = expected, found
        super().__init__(self.format("en"))

    def format(self, lang: str = "en") -> str:
        return t(
            "problem.package_changed", lang, expected=self.expected[:12], found=self.found[:12]
        )
