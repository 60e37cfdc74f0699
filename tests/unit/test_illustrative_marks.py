"""Every table row, key figure and chart point resting on illustrative rows is marked.

Expected flags come from the raw CSV files read with the csv module (an activity rests on
illustrative rows when its plan, an output, a transaction or a beneficiary of it, or a
follow-up or cow-ledger event of such a beneficiary, names the generator as its source),
never from the code under test.
"""

from __future__ import annotations

import csv
import re
import shutil

import pytest

from analysis.package import load_package
from analysis.paths import PROJECT_ROOT
from analysis.provenance import illustrative_keys, year_rows
from analysis.report import html as H
from analysis.report.annual import AnnualReport
from analysis.report.html import Col

TINY = PROJECT_ROOT / "tests" / "fixtures" / "tiny_package" / "datapackage.json"
GENERATOR = "illustrative_generator"


def _rows(folder, name):
    with (folder / "data" / f"{name}.csv").open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _flagged_activities_by_hand(folder, year):
    plans = [p for p in _rows(folder, "plans") if int(p["year"]) == year]
    ids = {p["activity_id"] for p in plans}
    flagged = {p["activity_id"] for p in plans if p["source_id"] == GENERATOR}
    for name in ("outputs", "transactions"):
        flagged |= {
            r["activity_id"]
            for r in _rows(folder, name)
            if r["source_id"] == GENERATOR and r["activity_id"] in ids
        }
    people = {b["beneficiary_id"]: b for b in _rows(folder, "beneficiaries")}
    # The year's beneficiaries are those who entered that year (the report's scope).
    flagged |= {
        b["activity_id"]
        for b in people.values()
        if b["source_id"] == GENERATOR and int(b["entry_year"]) == year and b["activity_id"] in ids
    }
    for name, in_scope in (
        ("beneficiary_followups", lambda r: int(r["year"]) <= year),
        ("livestock_events", lambda r: int(r["date"][:4]) <= year),
    ):
        flagged |= {
            people[r["beneficiary_id"]]["activity_id"]
            for r in _rows(folder, name)
            if r["source_id"] == GENERATOR
            and in_scope(r)
            and people[r["beneficiary_id"]]["activity_id"] in ids
        }
    return ids, flagged


def test_the_activities_marked_are_those_with_an_illustrative_row_behind_them():
    pkg = load_package(TINY)
    ids, expected = _flagged_activities_by_hand(TINY.parent, 2024)
    found = illustrative_keys(pkg, year_rows(pkg, 2024), "activity_id") & ids
    assert found == expected
    assert ids - expected, "the tiny package should hold a wholly real activity in 2024"


def test_a_table_marks_exactly_the_flagged_rows():
    import pandas as pd

    frame = pd.DataFrame({"what": ["a", "b", "c"], "amount": [1.0, 2.0, 3.0]})
    cols = {"what": Col("What"), "amount": Col("Amount", "money")}
    html = str(H.table(frame, cols, lang="en", caption="c", illustrative=[False, True, False]))
    rows = re.findall(r"<tr[^>]*>.*?</tr>", html.split("<tbody>")[1])
    assert ['class="illustrative"' in r for r in rows] == [False, True, False]
    assert [H.ILLUSTRATIVE_MARK in r for r in rows] == [False, True, False]


@pytest.fixture(scope="module")
def real_copy(tmp_path_factory):
    """The tiny package with every generated row re-attributed to a real source."""
    folder = tmp_path_factory.mktemp("real") / "tiny"
    shutil.copytree(TINY.parent, folder)
    for path in (folder / "data").glob("*.csv"):
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace(f",{GENERATOR}", ",plan_2024_hanoi_wu"), encoding="utf-8")
    return folder / "datapackage.json"


def _report_html(path, year=2024):
    report = AnnualReport.load(year=year, lang="vi", package_path=str(path), min_cell=5)
    sections = ("header", "summary", "relevance", "effectiveness", "efficiency", "impact")
    return report, "".join(str(getattr(report, s)()) for s in sections)


def test_a_report_on_illustrative_rows_marks_them_and_explains_the_mark_once():
    report, html = _report_html(TINY)
    assert html.count("dựa trên số liệu minh hoạ (do máy tạo)") == 1  # the legend, once
    assert 'class="kpi illustrative"' in html
    marked = len(re.findall(r'<tr class="(?:total )?illustrative">', html))
    assert marked > 0
    plan = next(s for s in report.sheets if s.name == "plan").frame
    _, expected = _flagged_activities_by_hand(TINY.parent, 2024)
    by_id = dict(zip(plan["activity_id"], plan["illustrative"], strict=True))
    assert {a for a, mark in by_id.items() if mark} == expected


def test_a_report_on_real_rows_only_marks_nothing(real_copy):
    report, html = _report_html(real_copy)
    assert "illustrative" not in re.sub(r"<style.*?</style>", "", html)
    assert "do máy tạo" not in html
    for sheet in report.sheets:
        if "illustrative" in sheet.frame:
            assert not any(sheet.frame["illustrative"]), sheet.name


def test_charts_draw_illustrative_years_hollow():
    import pandas as pd

    from analysis import charts

    frame = pd.DataFrame({"year": [2022, 2023, 2024], "a": [1.0, 2.0, 3.0]})
    fig = charts.trend_lines(
        frame,
        "year",
        ["a"],
        ["A"],
        ylabel="y",
        lang="en",
        illustrative=[2024],
        illustrative_label="hollow",
    )
    ax = fig.axes[0]
    hollow = [ln for ln in ax.lines if ln.get_markerfacecolor() == "white" and len(ln.get_xdata())]
    assert [list(ln.get_xdata()) for ln in hollow] == [[2024]]
    assert "hollow" in [t.get_text() for t in ax.get_legend().get_texts()]
    plain = charts.trend_lines(frame, "year", ["a"], ["A"], ylabel="y", lang="en")
    assert not [
        ln
        for ln in plain.axes[0].lines
        if ln.get_markerfacecolor() == "white" and len(ln.get_xdata())
    ]
