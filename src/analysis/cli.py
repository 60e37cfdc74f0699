"""The one entry point: ``python -m analysis COMMAND``.

Commands: ``validate`` the data package, render a ``report``, ``generate`` the illustrative
rows, write the data ``dictionary``. Every command takes ``--package`` (default: the bundled
``datapackage.json``). Exit codes: 0 success, 1 invalid data or failed report, 2 bad usage.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import sys
from pathlib import Path

from analysis.cli_parser import Parser, message_language
from analysis.i18n import LANGUAGES, count_text, t
from analysis.paths import DATAPACKAGE, REPORTS_DIR, refuse_output


def _package_arg(parser: argparse.ArgumentParser, lang: str) -> None:
    parser.add_argument(
        "--package", type=Path, default=DATAPACKAGE, help=t("cli.help.package", lang)
    )


def _lang_arg(parser: argparse.ArgumentParser, lang: str) -> None:
    parser.add_argument("--lang", choices=LANGUAGES, default=lang, help=t("cli.help.lang", lang))


def build_parser(lang: str = "vi") -> argparse.ArgumentParser:
    """The command line, its help and its errors in ``lang``."""
    h = functools.partial(_help, lang=lang)
    parser = Parser(prog="python -m analysis", description=h("description"), lang=lang)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("validate", help=h("validate"), lang=lang)
    _package_arg(p, lang)
    _lang_arg(p, lang)
    p.add_argument("--skip-frictionless", action="store_true", help=h("skip_frictionless"))

    p = sub.add_parser("report", help=h("report"), lang=lang)
    _package_arg(p, lang)
    what = p.add_mutually_exclusive_group(required=True)
    what.add_argument("--year", type=int, help=h("year"))
    what.add_argument("--phase", action="store_true", help=h("phase"))
    what.add_argument("--commune", metavar="CODE", help=h("commune"))
    what.add_argument("--all", action="store_true", help=h("all"))
    p.add_argument("--lang", choices=(*LANGUAGES, "all"), default=lang, help=h("report_lang"))
    p.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help=h("jobs"))
    p.add_argument("--min-cell", type=int, default=5, help=h("min_cell"))
    p.add_argument("--pdf", action="store_true", help=h("pdf"))
    p.add_argument("--reports-dir", type=Path, default=REPORTS_DIR, help=argparse.SUPPRESS)

    p = sub.add_parser("generate", help=h("generate"), lang=lang)
    _package_arg(p, lang)
    _lang_arg(p, lang)
    p.add_argument("--seed", type=int, default=None, help=h("seed"))

    p = sub.add_parser("bench", help=h("bench"), lang=lang)
    _lang_arg(p, lang)
    p.add_argument("--scale", type=float, default=1.0, help=h("scale"))
    p.add_argument("--json", action="store_true", help=h("json"))
    p.add_argument("--no-reports", action="store_true", help=h("no_reports"))
    p.add_argument("--record", action="store_true", help=h("record"))

    from analysis.intake.cli import register as register_intake

    register_intake(sub, lang)

    p = sub.add_parser("dictionary", help=h("dictionary"), lang=lang)
    _package_arg(p, lang)
    _lang_arg(p, lang)
    p.add_argument("--check", action="store_true", help=h("check"))
    return parser


def _help(key: str, lang: str) -> str:
    return t(f"cli.help.{key}", lang)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    args = build_parser(message_language(argv, os.environ)).parse_args(argv)
    handler = {
        "validate": cmd_validate,
        "report": cmd_report,
        "generate": cmd_generate,
        "dictionary": cmd_dictionary,
        "bench": cmd_bench,
    }.get(args.command) or args.handler
    package = getattr(args, "package", None)
    if package is not None:
        from analysis import storage

        # A change that a crash cut short is finished (or undone) before anything is read.
        outcome = storage.settle(Path(package).parent)
        if outcome:
            print(t(f"cli.recovered_{outcome}", "vi"), file=sys.stderr)
    try:
        return handler(args)
    except KeyboardInterrupt as exc:
        written = getattr(exc, "written", None)
        key = {True: "cli.interrupted_written", False: "cli.interrupted_nothing"}.get(
            written, "cli.interrupted"
        )
        print(t(key, getattr(args, "lang", None) or "vi"), file=sys.stderr)
        return 130


def gate(package: Path, lang: str):
    """Load and check the package; print problems and return ``(package, warnings)``, or
    ``(None, [])`` when it is invalid."""
    from analysis.checks import check_package
    from analysis.errors import PackageInvalid
    from analysis.package import load_package
    from analysis.storage import package_lock

    try:
        # Read under the shared lock: never a change half-made by import or generate.
        with package_lock(Path(package).parent, shared=True):
            pkg = load_package(package)
    except PackageInvalid as exc:
        print(exc.format(lang), file=sys.stderr)
        return None, []
    problems = check_package(pkg)
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        print(PackageInvalid(errors).format(lang), file=sys.stderr)
        return None, []
    return pkg, [p for p in problems if p.severity == "warning"]


def personal_data_problems(pkg) -> list:
    """A name, phone or ID-card number in the package's text (the import's own scan, run
    over ``data/``): each with its file, row and field, the value masked."""
    from analysis.errors import Problem
    from analysis.intake.pii import scan_text_fields

    problems = []
    for resource, row, field_name, finding in scan_text_fields(pkg.frames):
        rel = pkg.resource(resource)["path"]
        params = {"kind": finding.kind, "value": finding.masked}
        problems.append(Problem(rel, row, field_name, "personal-data", params))
    return problems


def cmd_validate(args) -> int:
    from analysis.validation import frictionless_problems

    lang = args.lang
    failed = False
    if not args.skip_frictionless:
        found = frictionless_problems(args.package)
        if found:
            failed = True
            print(t("cli.frictionless_failed", lang, n=len(found)), file=sys.stderr)
            for p in found:
                print(f"  - {p.format(lang)}", file=sys.stderr)
        else:
            print(t("cli.frictionless_ok", lang))
    pkg, warnings = gate(args.package, lang)
    if pkg is None:
        return 1
    personal = personal_data_problems(pkg)
    if personal:
        failed = True
        print(t("cli.personal_data", lang, n=len(personal)), file=sys.stderr)
        for p in personal:
            print(f"  - {p.format(lang)}", file=sys.stderr)
    for w in warnings:
        print(f"  ! {w.format(lang)}")
    if failed:
        return 1
    print(
        t(
            "cli.valid",
            lang,
            rows=count_text("row", sum(len(f) for f in pkg.frames.values()), lang),
            resources=len(pkg.frames),
            warnings=len(warnings),
        )
    )
    return 0


def cmd_report(args) -> int:
    from analysis.render import jobs_for, make_job, render_many, write_index
    from analysis.report.base import plan_years
    from analysis.report.commune import partner_codes, resolve_commune

    langs = LANGUAGES if args.lang == "all" else (args.lang,)
    msg_lang = langs[0]
    if args.pdf:
        from analysis.render import chromium_path

        if not chromium_path():
            print(t("cli.no_chromium", msg_lang), file=sys.stderr)
            return 1
    if args.jobs < 1 or args.min_cell < 1:
        print("--jobs and --min-cell must be at least 1", file=sys.stderr)
        return 2
    refused = refuse_output(args.reports_dir, args.package, folder=True)
    if refused:
        why = t(f"output.{refused}", msg_lang)
        print(t("cli.output_refused", msg_lang, path=args.reports_dir, why=why), file=sys.stderr)
        return 2
    pkg, _ = gate(args.package, msg_lang)
    if pkg is None:
        print(t("cli.nothing_rendered", msg_lang), file=sys.stderr)
        return 1
    years = plan_years(pkg)
    if args.year is not None and args.year not in years:
        print(
            t("cli.unknown_year", msg_lang, year=args.year, years=", ".join(map(str, years))),
            file=sys.stderr,
        )
        return 1
    partners = partner_codes(pkg)
    commune = resolve_commune(pkg, args.commune) if args.commune is not None else None
    if commune is not None and commune not in partners:
        print(
            t("commune.unknown", msg_lang, code=args.commune, codes=", ".join(partners)),
            file=sys.stderr,
        )
        return 1
    common = {"min_cell": args.min_cell, "pkg": pkg}
    if args.all:
        jobs = jobs_for(pkg, ("annual", "phase", "commune"), langs, args.reports_dir, args.min_cell)
    elif args.year is not None:
        jobs = [
            make_job("annual", la, args.package, args.reports_dir, **common, year=args.year)
            for la in langs
        ]
    elif args.phase:
        jobs = [make_job("phase", la, args.package, args.reports_dir, **common) for la in langs]
    else:
        jobs = [
            make_job("commune", la, args.package, args.reports_dir, **common, commune_code=commune)
            for la in langs
        ]
    print(t("cli.data_version", msg_lang, sha256=pkg.sha256, n=len(jobs)), flush=True)

    bar = None
    if sys.stdout.isatty():  # a live progress bar; plain lines in logs and CI
        from tqdm import tqdm

        bar = tqdm(total=len(jobs), unit="report", dynamic_ncols=True)

    def progress(done: int, total: int, result) -> None:
        rel = os.path.relpath(result.job.html_path)
        if result.error:
            message = f"[{done}/{total}] FAILED {rel}: {result.error}"
            (bar.write if bar else print)(message, file=sys.stderr)
        elif bar:
            bar.set_postfix_str(rel, refresh=False)
        else:
            print(f"[{done}/{total}] {rel} ({result.seconds:.1f} s)", flush=True)
        if bar:
            bar.update(1)

    results = render_many(jobs, workers=min(args.jobs, len(jobs)), progress=progress)
    if bar:
        bar.close()
    if args.pdf:
        from analysis.render import PdfUnavailable, print_pdfs

        try:
            for pdf in print_pdfs(r.job.html_path for r in results if not r.error):
                print(f"PDF {os.path.relpath(pdf)}")
        except PdfUnavailable as exc:
            print(str(exc), file=sys.stderr)
            return 1
    index = write_index(args.reports_dir, pkg["communes"], pkg.sha256)
    failed = [r for r in results if r.error]
    if any("PackageChanged" in r.error for r in failed):
        print(t("cli.package_changed_during_run", msg_lang, n=len(failed)), file=sys.stderr)
    print(t("cli.open_index", msg_lang, path=os.path.relpath(index)))
    return 1 if failed else 0


def cmd_generate(args) -> int:
    from analysis import illustrative

    kwargs = {} if args.seed is None else {"seed": args.seed}
    counts = illustrative.write(args.package, **kwargs)
    for name, n in counts.items():
        print(f"{name}: {n} illustrative rows")
    return 0


def cmd_bench(args) -> int:
    from analysis import bench
    from analysis.paths import PROJECT_ROOT

    def log(message: str) -> None:
        print(message, file=sys.stderr if args.json else sys.stdout, flush=True)

    result = bench.run(scale=args.scale, reports=not args.no_reports, log=log)
    if args.record:
        out = PROJECT_ROOT / "benchmarks"
        out.mkdir(exist_ok=True)
        (out / "results.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
        bench.chart(result, out / "time_vs_rows.png")
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(bench.format_table(result))
    return 0


def cmd_dictionary(args) -> int:
    from analysis.dictionary import generated_files
    from analysis.render import atomic_write

    stale = 0
    for target, text in generated_files(args.package).items():
        if args.check:
            current = target.read_text(encoding="utf-8") if target.exists() else ""
            if current != text:
                print(f"{target} is stale: run 'python -m analysis dictionary'", file=sys.stderr)
                stale = 1
            else:
                print(f"{target} is up to date")
            continue
        atomic_write(target, text)
        print(f"wrote {target}")
    return stale
