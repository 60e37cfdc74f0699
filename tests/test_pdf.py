"""`report --pdf`: an A4 PDF with page numbers, printed offline by Debian's Chromium."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from analysis.paths import PROJECT_ROOT
from analysis.render import chromium_path

TINY = PROJECT_ROOT / "tests" / "fixtures" / "tiny_package" / "datapackage.json"


@pytest.mark.skipif(
    not chromium_path() and not os.environ.get("CI"),
    reason="Debian's chromium is not installed (run `make browser`)",
)
def test_commune_profile_prints_to_one_a4_page(tmp_path):
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "analysis",
            "report",
            "--commune",
            "16834",
            "--package",
            str(TINY),
            "--reports-dir",
            str(tmp_path),
            "--lang",
            "vi",
            "--pdf",
        ],
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
    )
    assert proc.returncode == 0, proc.stderr
    pdf = (tmp_path / "communes" / "16834_vi.pdf").read_bytes()
    assert pdf.startswith(b"%PDF-")
    # A4 is 595 × 842 points; one page.
    assert b"/MediaBox [0 0 595" in pdf or b"/MediaBox [0 0 594" in pdf
    assert len(re.findall(rb"/Type\s*/Page(?!s)", pdf)) == 1  # exactly one page
    assert not list(tmp_path.rglob(".*tmp"))


def test_pdf_without_chromium_says_how_to_install(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # no chromium on this PATH
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "analysis",
            "report",
            "--commune",
            "16834",
            "--package",
            str(TINY),
            "--reports-dir",
            str(tmp_path / "r"),
            "--lang",
            "en",
            "--pdf",
        ],
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
    )
    assert proc.returncode == 1
    assert "make browser" in proc.stderr and "apt-get install chromium" in proc.stderr
    assert not (tmp_path / "r").exists()
