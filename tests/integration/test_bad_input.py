"""The bad-input corpus (``helpers/corpus.py``) against the strict loader, the CLI and frictionless.

For every broken copy of the package:

(a) the strict loader, then the cross-table rules (exactly what the report command's gate runs),
    report exactly the corpus' expected (file, row, field, rule) errors;
(b) ``python -m analysis report --year 2024`` exits non-zero, names the file (row, field) of
    every problem in the report language (alternating vi/en over the corpus), renders nothing
    and leaves an earlier report byte-identical;
(c) the package copy itself is byte-identical after the command;

and, as the issue asks ("frictionless stays the reference: a differential test runs both on
the whole bad-input corpus and requires the same findings"), frictionless finds every strict
finding at the same place, with the correspondence of kinds and the legitimate differences
written down in ``SAME_AS`` and ``ONLY_STRICT`` below and asserted, not ignored.

No case touches the network: sockets are blocked for every test of this module, and the
resource whose path is an ``https://`` URL is refused before anything could fetch it.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path

import pytest
from helpers.corpus import (
    CASES,
    Case,
    Finding,
    block_network,
    cp1258,
    expected_findings,
    fresh_copy,
    network_guard,
    sorted_findings,
    tcvn3,
)
from helpers.package_files import read_rows

import analysis.package
import analysis.render
from analysis.checks import check_package
from analysis.cli import main
from analysis.errors import Problem
from analysis.package import read_package
from analysis.validation import frictionless_problems

LANGS = ("vi", "en")
EARLIER_REPORT = Path("2023") / "annual_evaluation_2023_vi.html"
EARLIER_BYTES = (
    "<!doctype html>\n<title>Đánh giá năm 2023</title>\n<p>rendered earlier</p>\n".encode()
)

# The catalogue's wording, written out here (problem.header, problem.at_row, problem.at_field,
# cli.nothing_rendered) so that a change of wording is a visible change of this test.
INVALID = {
    "vi": "Gói dữ liệu không hợp lệ: {n} lỗi.",
    "en": "The data package is invalid: {n} error(s).",
}
ROW = {"vi": "dòng", "en": "row"}
FIELD = {"vi": "trường", "en": "field"}
NOTHING_RENDERED = {
    "vi": "Không báo cáo nào được tạo: hãy sửa các lỗi trên.",
    "en": "No report was rendered: fix the problems above.",
}

# --- the reference: how a strict finding appears in frictionless' report ------------------------
#
# A frictionless finding (analysis.validation.frictionless_problems) has a file (the resource's
# path, or datapackage.json), a row (header = 1, as ours), a field and a kind: frictionless'
# error type, or "descriptor"/"unsafe-path" when the wrapper refuses before frictionless runs.
# For each strict rule: the frictionless kinds that are the same finding, and what location
# must agree ("file", "row" = file and row, "cell" = file, row and field).

ANY_KIND = frozenset()  # the file must have some finding, whatever its kind
CONSTRAINT = ({"constraint-error"}, "cell")

SAME_AS: dict[str, tuple[set[str] | frozenset, str]] = {
    # datapackage.json itself. frictionless_problems reports JSON it cannot read as
    # "descriptor"; frictionless reports a bad structure as package/resource/schema/field-error,
    # sometimes against the resource's CSV (a foreign key to an unknown resource is a
    # resource-error of that resource's file): any file counts.
    "descriptor": (
        {"descriptor", "package-error", "resource-error", "schema-error", "field-error"},
        "any-file",
    ),
    # A missing CSV is a frictionless scheme-error; a missing datapackage.json is reported by
    # the wrapper as "descriptor" (it cannot read it).
    "missing-file": ({"scheme-error", "descriptor", "missing-file"}, "file"),
    # A FIFO or a device: the wrapper refuses it before frictionless opens it (frictionless
    # would wait forever on a FIFO and read /dev/zero forever).
    "not-a-file": ({"not-a-file"}, "file"),
    # Beyond the first 100 rows of one rule, we count the rest; frictionless lists them.
    "more-problems": (CONSTRAINT[0], "file"),
    # The wrapper applies the same path rule before frictionless opens anything.
    "unsafe-path": ({"unsafe-path"}, "file"),
    "encoding": ({"encoding-error"}, "file"),
    # An empty file is a source-error; a file of blank lines is read as one blank row.
    "empty-file": ({"source-error", "blank-row"}, "file"),
    # An unclosed quote: frictionless' CSV reader runs the quote to the end of the file and
    # reports what the one huge cell breaks (a foreign key, say), in the same file.
    "parse": (ANY_KIND, "file"),
    # We put a header mismatch on row 1; frictionless' label errors carry no row number, one
    # per label, so the file and the kind are compared.
    "columns": ({"incorrect-label", "missing-label", "extra-label", "duplicate-label"}, "file"),
    # We name the first missing field; frictionless reports every missing cell of the row.
    "missing-cell": ({"missing-cell"}, "cell"),
    # An extra cell belongs to no field: frictionless' field name is empty, ours is None.
    "extra-cell": ({"extra-cell"}, "row"),
    "blank-row": ({"blank-row"}, "row"),
    "type": ({"type-error"}, "cell"),
    "required": CONSTRAINT,
    "enum": CONSTRAINT,
    "pattern": CONSTRAINT,
    "minimum": CONSTRAINT,
    "maximum": CONSTRAINT,
    "unique": ({"unique-error"}, "cell"),
    # Key errors are row errors in frictionless (no field name); ours name the key's fields.
    "primary-key": ({"primary-key"}, "row"),
    "primary-key-null": ({"primary-key"}, "row"),
    "foreign-key": ({"foreign-key"}, "row"),
}

# Strict findings frictionless legitimately does not make: asserted by requiring frictionless
# to report nothing at all in that file.
CROSS_TABLE = "a cross-table rule of analysis.checks, which Table Schema cannot express"
ONLY_STRICT: dict[str, str] = {
    "control-character": "frictionless accepts control and bidirectional characters in text",
    "formula-text": "frictionless accepts text a spreadsheet would run as a formula",
    "bom": "frictionless strips a UTF-8 byte-order mark and reads the header as usual",
    "crlf": "frictionless reads \\r\\n line ends like \\n",
    "unicode-nfc": "frictionless compares text as it is: decomposed (NFD) Vietnamese passes",
    "too-large": "frictionless has no size limit: it reads the whole file",
    "not-partner": CROSS_TABLE,
    "beneficiary-commune": CROSS_TABLE,
    "entry-before-activity": CROSS_TABLE,
    "followup-before-entry": CROSS_TABLE,
    "livestock-order": CROSS_TABLE,
    "poverty-exceeds": CROSS_TABLE,
    "tx-before-plan": CROSS_TABLE,
    "scope": CROSS_TABLE,
    "commune-province": CROSS_TABLE,
}

# Cases on which the reference is not run at all.
AGAINST_REFERENCE = {
    "number-full-width-digits": "frictionless reads full-width digits as a number (Python's float "
    "does); a code or amount must be written in ASCII digits",
    "integer-arabic-indic-digit": "frictionless reads Arabic-Indic digits as a number; other CSV "
    "readers see text",
}
"""Cases where we refuse what frictionless accepts: asserted (frictionless reports nothing in
that file), not ignored."""
REFERENCE_NOT_RUN = {
    "file-too-large-sparse": "frictionless would read the whole 1 GiB file; the same difference "
    "('too-large' is ours only) is asserted at a small size by file-too-large-patched-limit",
}


# --- helpers ------------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def no_network(monkeypatch) -> list:
    """Refuse (and record) every attempt to open a network connection."""
    attempts: list = []
    for (owner, name), replacement in network_guard(attempts.append).items():
        monkeypatch.setattr(owner, name, replacement)
    yield attempts
    assert attempts == [], "something tried to reach the network"


def params(test: str, with_lang: bool = False) -> list:
    """One pytest param per case, strict-xfail where the case's bug breaks ``test``."""
    out = []
    for i, case in enumerate(CASES):
        marks = [pytest.mark.xfail(strict=True, reason=case.bug)] if test in case.bug_in else []
        values = (case, LANGS[i % 2]) if with_lang else (case,)
        out.append(pytest.param(*values, id=case.id, marks=marks))
    return out


def break_copy(case: Case, package_copy: Path, monkeypatch) -> list[Finding]:
    """Break the fresh copy as the case says; return the expected findings (computed before)."""
    expected = expected_findings(case, package_copy.parent)
    case.mutate(package_copy.parent)
    if case.max_file_bytes is not None:
        monkeypatch.setattr(analysis.package, "MAX_FILE_BYTES", case.max_file_bytes)
    return expected


def strict_errors(path: Path) -> list[Problem]:
    """The errors the report command's gate stops at: the loader's, else the cross-table ones."""
    pkg, problems = read_package(path)
    errors = [p for p in problems if p.severity == "error"]
    if pkg is not None and not problems:
        errors = [p for p in check_package(pkg) if p.severity == "error"]
    return errors


def strict_findings(path: Path) -> list[Finding]:
    return sorted_findings([(p.file, p.row, p.field, p.rule) for p in strict_errors(path)])


_STRICT: dict[str, list[Finding]] = {}


def strict_findings_of(case: Case, path: Path) -> list[Finding]:
    """``strict_findings`` of the broken copy at ``path``, computed once per case.

    The loader is deterministic, so test (a) and the differential test share the result
    (whichever runs first computes it on its own fresh copy).
    """
    if case.id not in _STRICT:
        _STRICT[case.id] = strict_findings(path)
    return _STRICT[case.id]


def digest(file: Path) -> str:
    """Hash of a file's bytes, reading only its data extents when the system can tell them.

    A hole of a sparse file reads as zeros, so hashing (offset, bytes) of every data extent and
    the size identifies the content without reading the 1 GiB of the sparse case. (Rewriting
    the same bytes without holes would change the hash: a conservative false alarm.)
    """
    h = hashlib.blake2b()
    size = file.stat().st_size
    h.update(size.to_bytes(8, "little"))
    with file.open("rb") as fh:
        offset = 0
        while offset < size:
            try:
                start = os.lseek(fh.fileno(), offset, getattr(os, "SEEK_DATA", os.SEEK_SET))
                end = os.lseek(fh.fileno(), start, getattr(os, "SEEK_HOLE", os.SEEK_END))
            except OSError:  # no data after offset: the rest is a hole
                break
            fh.seek(start)
            h.update(start.to_bytes(8, "little"))
            while start < end:
                chunk = fh.read(min(end - start, 1 << 20))
                if not chunk:
                    break
                h.update(chunk)
                start += len(chunk)
            offset = max(end, offset + 1)
    return h.hexdigest()


def snapshot(folder: Path) -> dict[str, str]:
    """Hash of every file under ``folder``."""
    return {
        file.relative_to(folder).as_posix(): digest(file)
        for file in sorted(folder.rglob("*"))
        if file.is_file()
    }


def location(finding: Finding, lang: str) -> str:
    """How the report names the place of a finding: ``file, dòng N, trường F`` (vi)."""
    file, row, field, _ = finding
    parts = [file]
    if row is not None:
        parts.append(f"{ROW[lang]} {row}")
    if field:
        parts.append(f"{FIELD[lang]} {field}")
    return ", ".join(parts)


def n_records_of(package: Path, resource: str) -> int:
    return len(read_rows(package, resource)) - 1


def refuse_rendering(*args, **kwargs):
    raise AssertionError("the gate let a broken package through to rendering")


def run_report(package: Path, reports: Path, lang: str) -> int:
    return main(
        [
            "report",
            "--year",
            "2024",
            "--package",
            str(package),
            "--reports-dir",
            str(reports),
            "--lang",
            lang,
        ]
    )


@pytest.fixture
def reports(tmp_path_factory) -> Path:
    """A reports folder that already holds an earlier report."""
    folder = tmp_path_factory.mktemp("reports")
    (folder / EARLIER_REPORT).parent.mkdir(parents=True)
    (folder / EARLIER_REPORT).write_bytes(EARLIER_BYTES)
    return folder


# --- the corpus itself --------------------------------------------------------------------------


def test_corpus_is_large_and_covers_every_rule(package_copy):
    assert len(CASES) >= 40
    assert len({case.id for case in CASES}) == len(CASES)
    rules = {f[3] for case in CASES for f in case.expected(package_copy.parent)}
    loader_rules = {
        "descriptor", "missing-file", "unsafe-path", "too-large", "encoding", "bom", "crlf",
        "empty-file", "blank-row", "missing-cell", "extra-cell", "parse", "columns", "required",
        "type", "enum", "pattern", "minimum", "maximum", "unique", "unicode-nfc", "primary-key",
        "primary-key-null", "foreign-key", "control-character", "formula-text", "not-a-file",
        "more-problems",
    }  # fmt: skip
    cross_table = {
        "not-partner", "beneficiary-commune", "followup-before-entry", "livestock-order",
        "poverty-exceeds",
    }  # fmt: skip
    assert loader_rules | cross_table <= rules
    # Every rule of the corpus has its documented place in the differential test.
    assert rules <= set(SAME_AS) | set(ONLY_STRICT)
    assert not set(SAME_AS) & set(ONLY_STRICT)


def test_legacy_encodings_are_not_utf8():
    # "Đăk Plô" in TCVN3: Đ = 0xA7, ă = 0xA8, ô = 0xAB; 0xA7 cannot start a UTF-8 sequence.
    assert tcvn3("Đăk Plô") == b"\xa7\xa8k Pl\xab"
    # "Đắk" in Windows-1258: Đ = 0xD0, ă = 0xE3, then the combining acute tone 0xEC.
    assert cp1258("Đắk") == b"\xd0\xe3\xeck"
    for raw in (tcvn3("Đăk Plô"), cp1258("Đắk Blô")):
        with pytest.raises(UnicodeDecodeError):
            raw.decode("utf-8")


def test_the_network_is_blocked(no_network):
    import urllib.request

    with pytest.raises(OSError):
        urllib.request.urlopen("https://example.org/unit_costs.csv", timeout=1)
    assert no_network  # the attempt was recorded ...
    no_network.clear()  # ... and is not one of the corpus'


# --- (a) the strict loader ----------------------------------------------------------------------


@pytest.mark.parametrize("case", params("strict"))
def test_strict_loader_reports_exactly_the_expected_problems(case, package_copy, monkeypatch):
    expected = break_copy(case, package_copy, monkeypatch)
    assert strict_findings_of(case, package_copy) == expected


# --- (b) and (c) the report command -------------------------------------------------------------


@pytest.mark.parametrize(("case", "lang"), params("cli", with_lang=True))
def test_report_refuses_and_changes_nothing(case, lang, package_copy, reports, monkeypatch, capsys):
    expected = break_copy(case, package_copy, monkeypatch)
    monkeypatch.setattr(analysis.render, "render_many", refuse_rendering)
    before = snapshot(package_copy.parent)
    capsys.readouterr()

    try:
        code, crash = run_report(package_copy, reports, lang), None
    except Exception as exc:  # checked below, after the files
        code, crash = None, exc
    out, err = capsys.readouterr()

    # (c) Whatever happened, the package copy is byte-identical, ...
    assert snapshot(package_copy.parent) == before
    # ... no report was written and the earlier one is untouched.
    written = sorted(p.relative_to(reports) for p in reports.rglob("*") if p.is_file())
    assert written == [EARLIER_REPORT]
    assert (reports / EARLIER_REPORT).read_bytes() == EARLIER_BYTES

    # (b) A non-zero exit and a message naming every place, in the report's language.
    assert crash is None, f"the report command crashed: {crash!r}"
    assert code == 1
    assert out == ""
    assert "Traceback" not in err
    counted = [f for f in expected if f[3] == "more-problems"]
    if counted:  # beyond 100 rows of a rule the rest are counted, not listed
        n = n_records_of(package_copy, "beneficiary_followups")  # every row breaks the rule
        assert INVALID[lang].format(n=n) in err
        shown = [f for f in expected if f not in counted][:50] + counted
    else:
        assert INVALID[lang].format(n=len(expected)) in err
        shown = expected
    assert NOTHING_RENDERED[lang] in err
    for finding in shown:
        assert f"  - {location(finding, lang)} [" in err
    if any(f[1] is not None for f in expected):
        assert f" {ROW[lang]} " in err
    if lang == "en":
        assert "dòng" not in err and "Gói dữ liệu" not in err


# --- the differential test: frictionless stays the reference ------------------------------------


def kind(problem: Problem) -> str:
    return problem.params.get("type") if problem.rule == "frictionless" else problem.rule


def same_finding(finding: Finding, reference: list[Problem]) -> bool:
    file, row, field, rule = finding
    kinds, where = SAME_AS[rule]
    for p in reference:
        if (where != "any-file" and p.file != file) or (kinds and kind(p) not in kinds):
            continue
        if where == "any-file":
            return True
        if where == "file" or (p.row == row and (where == "row" or p.field == field)):
            return True
    return False


DIFFERENTIAL = "test_frictionless_finds_what_the_strict_loader_finds"


@pytest.fixture(scope="module", autouse=True)
def reference_runs(request, tmp_path_factory) -> dict[str, tuple[Path, Future]]:
    """frictionless on the broken copy of every case the differential test will check.

    frictionless takes most of this module's time (about half a second per case), so the runs
    start before the first test of the module, in two worker processes (which block the
    network too), while the other tests run. Maps case id -> (broken copy, future findings).
    """
    wanted = {
        item.callspec.id
        for item in request.session.items
        if getattr(item, "originalname", None) == DIFFERENTIAL and item.module is request.module
    }
    wanted -= set(REFERENCE_NOT_RUN)
    if not wanted:
        yield {}
        return
    folder = tmp_path_factory.mktemp("reference")
    context = multiprocessing.get_context("forkserver")
    workers = max(1, min(2, os.cpu_count() or 1))
    runs: dict[str, tuple[Path, Future]] = {}
    with ProcessPoolExecutor(workers, mp_context=context, initializer=block_network) as pool:
        for case in CASES:
            if case.id in wanted:
                path = fresh_copy(folder / case.id)
                case.mutate(path.parent)
                runs[case.id] = (path, pool.submit(frictionless_problems, path))
        yield runs
        for _, future in runs.values():
            future.cancel()


@pytest.mark.parametrize("case", params("differential"))
def test_frictionless_finds_what_the_strict_loader_finds(case, reference_runs, monkeypatch):
    if case.id in REFERENCE_NOT_RUN:
        pytest.skip(REFERENCE_NOT_RUN[case.id])
    path, future = reference_runs[case.id]
    if case.max_file_bytes is not None:
        monkeypatch.setattr(analysis.package, "MAX_FILE_BYTES", case.max_file_bytes)
    strict = strict_findings_of(case, path)
    reference = future.result(timeout=600)

    assert strict, "the strict loader finds nothing wrong with a broken copy"
    if case.id in AGAINST_REFERENCE:
        files = {f[0] for f in strict}
        assert [p.format() for p in reference if p.file in files] == [], AGAINST_REFERENCE[case.id]
        return
    for finding in strict:
        rule = finding[3]
        if rule in ONLY_STRICT:
            in_file = [p.format() for p in reference if p.file == finding[0]]
            assert in_file == [], f"{rule} is documented as ours only ({ONLY_STRICT[rule]})"
        else:
            assert same_finding(finding, reference), (
                f"frictionless does not report {finding}; it reports: "
                + "; ".join(p.format() for p in reference[:10])
            )
