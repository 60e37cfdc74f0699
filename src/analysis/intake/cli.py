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


def _common(parser: argparse.ArgumentParser, lang: str) -> None:
    parser.add_argument(
        "--package", type=Path, default=DATAPACKAGE, help=t("cli.help.package", lang)
    )
    parser.add_argument("--lang", choices=LANGUAGES, default=lang, help=t("cli.help.lang", lang))


def register(subparsers, lang: str = "vi") -> None:
    """Add the ``template`` and ``import`` sub-commands (help in ``lang``); each sets
    ``handler`` to its function."""

    def h(key: str) -> str:
        return t(f"cli.help.{key}", lang)

    extra = {"lang": lang}  # the sub-commands' parsers are analysis.cli_parser.Parser
    p = subparsers.add_parser(
        "template", help=h("template"), description=h("template_description"), **extra
    )
    p.add_argument("--year", type=int, required=True, help=h("template_year"))
    p.add_argument("--out", type=Path, required=True, help=h("out"))
    p.add_argument(
        "--province",
        action="append",
        default=[],
        metavar="CODE_OR_NAME",
        help=h("template_province"),
    )
    p.add_argument("--include-illustrative", action="store_true", help=h("include_illustrative"))
    p.add_argument("--force", action="store_true", help=h("force"))
    _common(p, lang)
    p.set_defaults(handler=cmd_template)

    p = subparsers.add_parser(
        "import", help=h("import"), description=h("import_description"), **extra
    )
    p.add_argument("workbook", type=Path, help=h("workbook"))
    p.add_argument("--dry-run", action="store_true", help=h("dry_run"))
    p.add_argument("--replace", action="store_true", help=h("replace"))
    p.add_argument("--verified", action="store_true", help=h("verified"))
    p.add_argument("--year", type=int, default=None, help=h("import_year"))
    p.add_argument(
        "--province", action="append", default=[], metavar="CODE_OR_NAME", help=h("import_province")
    )
    _common(p, lang)
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
    import os

    from analysis.cli_parser import Parser, message_language

    argv = sys.argv[1:] if argv is None else list(argv)
    lang = message_language(argv, os.environ)
    parser = Parser(prog="python -m analysis.intake", lang=lang)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    register(sub, lang)
    args = parser.parse_args(argv)
    try:
        return args.handler(args)
    except KeyboardInterrupt as exc:
        written = getattr(exc, "written", None)
        key = {True: "cli.interrupted_written", False: "cli.interrupted_nothing"}.get(
            written, "cli.interrupted"
        )
        print(t(key, args.lang), file=sys.stderr)
        return 130
