"""`report --pdf`: an A4 PDF with page numbers, printed offline by Debian's Chromium.

The real-browser tests skip when Debian's chromium is missing (outside CI); the page-number
checks need ``pdftotext`` (Debian's poppler-utils) and are skipped without it. The failure
tests use a fake ``chromium`` script and run everywhere.
"""

from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from analysis import render
from analysis.paths import PROJECT_ROOT
from analysis.render import PdfUnavailable, chromium_path, print_pdfs

TINY = PROJECT_ROOT / "tests" / "fixtures" / "tiny_package" / "datapackage.json"
A4 = (595.28, 841.89)  # points

needs_chromium = pytest.mark.skipif(
    not chromium_path() and not os.environ.get("CI"),
    reason="Debian's chromium is not installed (run `make browser`)",
)


def _report(reports_dir: Path, *args: str, env: dict | None = None):
    return subprocess.run(
        [sys.executable, "-m", "analysis", "report", "--package", str(TINY)]
        + ["--reports-dir", str(reports_dir), *args],
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
        env=env,
    )


def _page_sizes(pdf: bytes) -> list[tuple[float, float]]:
    boxes = re.findall(rb"/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]", pdf)
    return [(float(w), float(h)) for w, h in boxes]


def _page_count(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page(?!s)", pdf))


def _pages_text(path: Path) -> list[str] | None:
    """The text of each page (``pdftotext``), or None when poppler-utils is missing."""
    if not shutil.which("pdftotext"):
        return None
    out = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True
    ).stdout.decode("utf-8")
    return out.split("\f")[:-1]  # each page ends with a form feed


def _page_number(page: int, pages: int) -> re.Pattern:
    return re.compile(rf"(?<!\d){page}\s*/\s*{pages}(?!\d)")


def _assert_a4(pdf: bytes) -> None:
    sizes = _page_sizes(pdf)
    assert sizes and len(sizes) == _page_count(pdf)
    for w, h in sizes:
        assert abs(w - A4[0]) <= 1 and abs(h - A4[1]) <= 1, (w, h)


@pytest.mark.browser
@pytest.mark.slow
@needs_chromium
def test_commune_profile_prints_to_two_a4_pages_numbered(tmp_path):
    """One sheet printed on both sides: the commune's facts, then the results by activity,
    the evaluation team's judgement and the limits of the evidence."""
    proc = _report(tmp_path, "--commune", "16834", "--lang", "vi", "--pdf")
    assert proc.returncode == 0, proc.stderr
    assert "dbus" not in proc.stderr and "unexpected operator" not in proc.stderr
    path = tmp_path / "communes" / "16834_vi.pdf"
    pdf = path.read_bytes()
    assert pdf.startswith(b"%PDF-")
    assert _page_count(pdf) == 2  # the profile fits one sheet, printed on both sides
    _assert_a4(pdf)
    assert not list(tmp_path.rglob(".*tmp"))
    text = _pages_text(path)
    if text is None:
        pytest.skip("pdftotext (poppler-utils) is missing: page number not checked")
    assert len(text) == 2
    for page in (1, 2):
        assert _page_number(page, 2).search(text[page - 1]), text[page - 1][-300:]
    assert "16834" in text[0] or "Na Loi" in text[0]


@pytest.mark.browser
@pytest.mark.slow
@needs_chromium
def test_annual_report_prints_numbered_a4_pages(tmp_path):
    proc = _report(tmp_path, "--year", "2024", "--lang", "en", "--pdf")
    assert proc.returncode == 0, proc.stderr
    path = tmp_path / "2024" / "annual_evaluation_2024_en.pdf"
    pdf = path.read_bytes()
    pages = _page_count(pdf)
    assert pages > 1
    _assert_a4(pdf)
    text = _pages_text(path)
    if text is None:
        pytest.skip("pdftotext (poppler-utils) is missing: page numbers not checked")
    assert len(text) == pages
    for number, page in enumerate(text, start=1):
        assert _page_number(number, pages).search(page), f"page {number}: no '{number} / {pages}'"


def test_pdf_without_chromium_says_how_to_install(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # no chromium on this PATH
    proc = _report(tmp_path / "r", "--commune", "16834", "--lang", "en", "--pdf")
    assert proc.returncode == 1
    assert "make browser" in proc.stderr and "apt-get install chromium" in proc.stderr
    assert not (tmp_path / "r").exists()


def test_print_pdfs_without_chromium_says_how_to_install(tmp_path, monkeypatch):
    monkeypatch.setattr(render, "chromium_path", lambda: None)
    with pytest.raises(PdfUnavailable, match=r"apt-get install chromium"):
        print_pdfs([tmp_path / "a.html"])


# A stand-in for chromium: finds --print-to-pdf=, records its arguments, then runs BODY.
FAKE = """#!/bin/sh
for a in "$@"; do case "$a" in --print-to-pdf=*) out="${a#--print-to-pdf=}";; esac; done
printf '%s\\n' "$@" > "$(dirname "$0")/args.txt"
echo "[1:2:ERROR:dbus/bus.cc:405] Failed to connect to the bus: no such file" >&2
BODY
"""


def _fake_chromium(folder: Path, body: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    exe = folder / "chromium"
    exe.write_text(FAKE.replace("BODY", body))
    exe.chmod(exe.stat().st_mode | stat.S_IXUSR)
    return exe


@pytest.fixture
def report_html(tmp_path) -> Path:
    html = tmp_path / "reports" / "r.html"
    html.parent.mkdir()
    html.write_text("<!doctype html><title>r</title><p>x</p>", encoding="utf-8")
    html.with_suffix(".pdf").write_bytes(b"%PDF-old")  # a PDF from an earlier run
    return html


def _untouched(html: Path) -> bool:
    left = sorted(p.name for p in html.parent.iterdir())
    return html.with_suffix(".pdf").read_bytes() == b"%PDF-old" and left == ["r.html", "r.pdf"]


def test_print_pdfs_calls_chromium_offline_and_quietly(tmp_path, monkeypatch, capfd, report_html):
    exe = _fake_chromium(tmp_path / "bin", 'printf "%%PDF-1.4 fake" > "$out"')
    monkeypatch.setattr(render, "chromium_path", lambda: str(exe))
    assert print_pdfs([report_html]) == [report_html.with_suffix(".pdf")]
    assert report_html.with_suffix(".pdf").read_bytes() == b"%PDF-1.4 fake"
    assert capfd.readouterr() == ("", "")  # chromium's stderr chatter is not shown
    args = (tmp_path / "bin" / "args.txt").read_text().splitlines()
    assert args[0] == "--headless" and args[-1] == report_html.resolve().as_uri()
    for flag in ("--no-pdf-header-footer", "--disable-background-networking", "--no-sandbox"):
        assert flag in args
    profile = next(a.split("=", 1)[1] for a in args if a.startswith("--user-data-dir="))
    assert not Path(profile).exists()  # a fresh temporary profile, removed afterwards
    assert not list(tmp_path.rglob(".*tmp"))


@pytest.mark.parametrize(
    "body, message",
    [
        # fails after writing half a PDF
        (
            'printf "%%PDF-1.4 half" > "$out"; echo "renderer crashed" >&2; exit 3',
            "renderer crashed",
        ),
        # real Chromium exits 0 when the page fails to load, and writes nothing
        ('echo "Page load failed: net::ERR_FILE_NOT_FOUND" >&2; exit 0', "ERR_FILE_NOT_FOUND"),
        # writes something that is not a PDF
        ('echo "<html>" > "$out"', "could not print"),
    ],
    ids=["crash", "no-file", "not-a-pdf"],
)
def test_failing_chromium_leaves_no_partial_pdf(tmp_path, monkeypatch, report_html, body, message):
    exe = _fake_chromium(tmp_path / "bin", body)
    monkeypatch.setattr(render, "chromium_path", lambda: str(exe))
    with pytest.raises(PdfUnavailable, match=message) as info:
        print_pdfs([report_html])
    assert str(report_html) in str(info.value)
    assert "dbus" not in str(info.value)
    assert _untouched(report_html)


def test_hanging_chromium_is_killed_after_the_timeout(tmp_path, monkeypatch, report_html):
    exe = _fake_chromium(tmp_path / "bin", 'printf "%%PDF-1.4 half" > "$out"; exec sleep 60')
    monkeypatch.setattr(render, "chromium_path", lambda: str(exe))
    start = time.monotonic()
    with pytest.raises(PdfUnavailable, match="took more than 1 s"):
        print_pdfs([report_html], timeout=1)
    assert time.monotonic() - start < 20
    assert _untouched(report_html)


def test_missing_html_is_a_clear_error(tmp_path, monkeypatch):
    exe = _fake_chromium(tmp_path / "bin", 'printf "%%PDF-1.4 fake" > "$out"')
    monkeypatch.setattr(render, "chromium_path", lambda: str(exe))
    with pytest.raises(PdfUnavailable, match="no such file"):
        print_pdfs([tmp_path / "gone.html"])
    assert not (tmp_path / "gone.pdf").exists()


@pytest.mark.slow
def test_report_pdf_with_failing_chromium_exits_1_with_the_reason(tmp_path):
    fake = _fake_chromium(tmp_path / "bin", 'echo "GPU process exited unexpectedly" >&2; exit 1')
    env = {**os.environ, "PATH": f"{fake.parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    proc = _report(tmp_path / "r", "--commune", "16834", "--lang", "en", "--pdf", env=env)
    assert proc.returncode == 1
    assert "GPU process exited unexpectedly" in proc.stderr
    assert "Traceback" not in proc.stderr and "dbus" not in proc.stderr
    assert (tmp_path / "r" / "communes" / "16834_en.html").exists()
    assert not list((tmp_path / "r").rglob("*.pdf")) and not list((tmp_path / "r").rglob(".*tmp"))
