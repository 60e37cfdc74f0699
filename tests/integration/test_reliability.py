"""Privacy of beneficiaries in the shared outputs, and behaviour under concurrent runs.

(That the bundled package itself holds no personal data is tested in
``tests/data/test_package_privacy.py``.)
"""

from __future__ import annotations

import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from analysis import load_package
from analysis.paths import PROJECT_ROOT
from analysis.render import make_job, render

# a rendered report, and two report commands at once
pytestmark = pytest.mark.slow

TINY = PROJECT_ROOT / "tests" / "fixtures" / "tiny_package" / "datapackage.json"
BENEFICIARY_ID = re.compile(r"\bB\d{6}\b")


@pytest.fixture(scope="module")
def shared_outputs(tmp_path_factory) -> list[Path]:
    out = tmp_path_factory.mktemp("shared")
    result = render(make_job("annual", "vi", TINY, out, year=2024))
    html = result.job.html_path
    return [html, html.with_suffix(".ipynb"), html.with_suffix(".xlsx")]


def _text_of(path: Path) -> str:
    if path.suffix == ".xlsx":
        with zipfile.ZipFile(path) as zf:
            return "\n".join(
                zf.read(n).decode("utf-8", "replace") for n in zf.namelist() if n.endswith(".xml")
            )
    return path.read_text(encoding="utf-8")


def test_shared_outputs_never_list_beneficiaries(shared_outputs):
    known = set(load_package(TINY)["beneficiaries"]["beneficiary_id"])
    assert known  # the fixture has beneficiaries, so the scan is meaningful
    for path in shared_outputs:
        text = _text_of(path)
        assert not set(BENEFICIARY_ID.findall(text)) & known, path.name


def test_workbook_people_counts_are_suppressed(shared_outputs):
    """Every column of counts of people (headed as on the page, in the report's language,
    under the table's caption) holds no count from 1 to 4."""
    import openpyxl

    from analysis.i18n import t

    book = openpyxl.load_workbook(shared_outputs[2], read_only=True)
    people_columns = {
        t(key, "vi") for key in ("col.people", "col.households", "col.animals_received")
    }
    checked = 0
    for sheet in book.worksheets[1:]:  # the first sheet is the README
        rows = list(sheet.iter_rows(values_only=True))
        if len(rows) < 2:
            continue
        header = rows[1]  # row 1: the caption; row 2: the column titles
        for j, name in enumerate(header):
            if name in people_columns:
                for row in rows[2:]:
                    value = row[j]
                    checked += 1
                    if isinstance(value, int | float):
                        assert value == 0 or value >= 5, (sheet.title, name, value)
                    else:
                        assert value in ("<5", "x", None), (sheet.title, name, value)
    assert checked > 10


def test_two_runs_for_the_same_year_end_with_one_complete_report(tmp_path):
    command = [
        sys.executable,
        "-m",
        "analysis",
        "report",
        "--year",
        "2024",
        "--package",
        str(TINY),
        "--reports-dir",
        str(tmp_path),
        "--lang",
        "vi",
        "--jobs",
        "1",
    ]
    procs = [
        subprocess.Popen(command, cwd=PROJECT_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for _ in range(2)
    ]
    for proc in procs:
        proc.communicate(timeout=300)
        assert proc.returncode == 0
    html = tmp_path / "2024" / "annual_evaluation_2024_vi.html"
    text = html.read_text(encoding="utf-8")
    assert text.count("<html") == 1 and text.rstrip().endswith("</html>")
    assert text.count('<section id="summary">') == 1
    leftovers = [p.name for p in (tmp_path / "2024").iterdir() if p.name.startswith(".")]
    assert leftovers == []
