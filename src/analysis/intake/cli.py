"""The ``template`` and ``import`` commands (wired into ``python -m analysis`` by ``register``).

``python -m analysis template --year YEAR --out FILE.xlsx [--province P ...]
[--include-illustrative] [--force] [--lang vi|en] [--package PATH]``

``python -m analysis import FILE.xlsx [--dry-run] [--replace] [--verified] [--year YEAR]
[--province P ...] [--lang vi|en] [--package PATH]``

Exit codes: 0 success (for ``--dry-run``: the import would succeed as asked), 1 the workbook or
the package it would produce has errors, or real rows would change without ``--replace``
(nothing is written), 2 bad usage.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from analysis.i18n import LANGUAGES, t
from analysis.paths import DATAPACKAGE

__all__ = ["cmd_import", "cmd_template", "main", "register"]

DETAIL_LIMIT = 20
"""Keys listed per resource for added rows (changes to real rows are always all listed)."""


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--package",
        type=Path,
        default=DATAPACKAGE,
        help="datapackage.json to use (default: the bundled package)",
    )
    parser.add_argument(
        "--lang", choices=LANGUAGES, default="vi", help="language of the messages (default vi)"
    )


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``template`` and ``import`` sub-commands; each sets ``handler`` to its function."""
    p = subparsers.add_parser(
        "template",
        help="write the data-entry workbook (.xlsx) for a year",
        description="Write the Excel workbook a province fills in for one year: one sheet per "
        "table it reports, pre-filled with the year's real rows, drop-down lists and a help "
        "sheet generated from datapackage.json.",
    )
    p.add_argument("--year", type=int, required=True, help="reporting year")
    p.add_argument("--out", type=Path, required=True, help="the .xlsx file to write")
    p.add_argument(
        "--province",
        action="append",
        default=[],
        metavar="CODE_OR_NAME",
        help="restrict the workbook to a province (repeatable; default: all)",
    )
    p.add_argument(
        "--include-illustrative",
        action="store_true",
        help="also pre-fill the year's illustrative (generated) rows, in grey",
    )
    p.add_argument("--force", action="store_true", help="overwrite --out if it exists")
    _common(p)
    p.set_defaults(handler=cmd_template)

    p = subparsers.add_parser(
        "import",
        help="import a filled workbook into data/ (checked first; all or nothing)",
        description="Read a filled workbook, convert and check it together with the rest of "
        "the package, and write the changed CSV files all at once, or nothing.",
    )
    p.add_argument("workbook", type=Path, help="the filled .xlsx file")
    p.add_argument("--dry-run", action="store_true", help="report what would change; write nothing")
    p.add_argument(
        "--replace",
        action="store_true",
        help="allow changing or removing real (non-illustrative) rows",
    )
    p.add_argument(
        "--verified",
        action="store_true",
        help="the figures were checked against their records: record the workbook's source as "
        "'verified' (default: 'uncertain', as reported)",
    )
    p.add_argument(
        "--year", type=int, default=None, help="the workbook's year, if it has no _meta sheet"
    )
    p.add_argument(
        "--province",
        action="append",
        default=[],
        metavar="CODE_OR_NAME",
        help="the province(s) the workbook covers, if it has no _meta sheet (repeatable)",
    )
    _common(p)
    p.set_defaults(handler=cmd_import)


def cmd_template(args: argparse.Namespace) -> int:
    from analysis.intake.template import TemplateError, write_template
    from analysis.paths import refuse_output

    lang = args.lang
    refused = refuse_output(args.out, args.package)
    if refused:
        why = t(f"output.{refused}", lang)
        print(t("cli.output_refused", lang, path=args.out, why=why), file=sys.stderr)
        return 2
    try:
        summary = write_template(
            args.out,
            args.year,
            args.package,
            provinces=args.province,
            include_illustrative=args.include_illustrative,
            overwrite=args.force,
        )
    except TemplateError as exc:
        print(exc.message(lang), file=sys.stderr)
        return 1
    except OSError as exc:
        print(t("intake.cli.failed_write", lang, detail=str(exc)), file=sys.stderr)
        return 1
    rows = ", ".join(
        t("intake.template.rows", lang, sheet=name, n=n) for name, n in summary.rows.items()
    )
    print(t("intake.template.written", lang, path=str(args.out), rows=rows))
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from analysis.intake.importer import import_workbook

    lang = args.lang
    try:
        result = import_workbook(
            args.workbook,
            args.package,
            dry_run=args.dry_run,
            replace=args.replace,
            year=args.year,
            provinces=args.province,
            verified=args.verified,
        )
    except (OSError, RuntimeError) as exc:
        print(t("intake.cli.failed_write", lang, detail=str(exc)), file=sys.stderr)
        return 1
    print(format_report(result, lang))
    if result.errors:
        for line in _problem_lines(result.errors, lang):
            print(line, file=sys.stderr)
        print(t("intake.cli.problems", lang, n=len(result.errors)), file=sys.stderr)
        return 1
    return 0


def _problem_lines(problems, lang: str) -> list[str]:
    return [f"  - {p.format(lang)}" for p in problems]


def format_report(result, lang: str = "vi") -> str:
    """The dry-run / import report: per resource counts, real changes, notes, warnings, and the
    reliability the workbook's source row gets (control and bidi characters made visible)."""
    from analysis.intake.problems import visible

    lines = [
        t(
            "intake.cli.header_dry" if result.dry_run else "intake.cli.header",
            lang,
            file=result.workbook.name,
            year=result.year if result.year is not None else "?",
        )
    ]
    if result.errors and result.changes:
        lines.append(t("intake.cli.would_change", lang))
    for name, change in result.changes.items():
        line = t(
            "intake.cli.summary",
            lang,
            resource=name,
            added=len(change.added),
            changed=change.changed,
            removed=change.removed,
            unchanged=change.unchanged,
        )
        if change.changed_illustrative or change.removed_illustrative:
            line += t(
                "intake.cli.detail_illustrative",
                lang,
                changed=len(change.changed_illustrative),
                removed=len(change.removed_illustrative),
            )
        lines.append(line)
        names = _key_names(result, name)
        for key in change.added[:DETAIL_LIMIT]:
            lines.append(t("intake.cli.added", lang, record=_key(names, key)))
        if len(change.added) > DETAIL_LIMIT:
            lines.append(t("intake.cli.more", lang, n=len(change.added) - DETAIL_LIMIT))
        for key, fields in change.changed_real:
            for fc in fields:
                lines.append(
                    t(
                        "intake.cli.real_change",
                        lang,
                        record=_key(names, key),
                        field=fc.field,
                        old=fc.old,
                        new=fc.new,
                        address=fc.address or "",
                    )
                )
        for key in change.removed_real:
            lines.append(t("intake.cli.real_removal", lang, record=_key(names, key)))
    for title, items in (
        ("intake.cli.warnings", result.warnings),
        ("intake.cli.notes", result.notes),
    ):
        if items:
            lines.append(t(title, lang))
            lines += _problem_lines(items, lang)
    if not result.errors:
        files = ", ".join(result.files)
        sources = result.changes.get("sources")
        if sources is not None and (result.source_id,) in sources.added:
            key = "intake.cli.reliability_" + (
                "verified" if result.reliability == "verified" else "uncertain"
            )
            lines.append(t(key, lang, source=result.source_id, reliability=result.reliability))
        if result.written:
            lines.append(
                t(
                    "intake.cli.written",
                    lang,
                    n=len(result.files),
                    files=files,
                    source=result.source_id,
                )
            )
        elif not result.files:
            lines.append(t("intake.cli.no_change", lang))
        elif result.dry_run:
            lines.append(t("intake.cli.would_write", lang, n=len(result.files), files=files))
    return visible("\n".join(lines))


def _key_names(result, name: str) -> list[str]:
    return result.key_names.get(name, [])


def _key(names: list[str], key: tuple[str, ...]) -> str:
    if names and len(names) == len(key):
        return ", ".join(f"{n}={v}" for n, v in zip(names, key, strict=True))
    return ", ".join(key)


def main(argv: list[str] | None = None) -> int:
    """Run ``template`` or ``import`` on their own (``python -m analysis.intake``)."""
    parser = argparse.ArgumentParser(prog="python -m analysis.intake")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    register(sub)
    args = parser.parse_args(argv)
    try:
        return args.handler(args)
    except KeyboardInterrupt as exc:
        written = getattr(exc, "written", None)
        key = {True: "cli.interrupted_written", False: "cli.interrupted_nothing"}.get(
            written, "cli.interrupted"
        )
        print(t(key, getattr(args, "lang", None) or "vi"), file=sys.stderr)
        return 130
