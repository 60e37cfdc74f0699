"""Pieces of the report machinery: shared indicator results, checked packages, chart titles."""

from __future__ import annotations

import itertools

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402

import analysis.report.base as base_module  # noqa: E402
from analysis import charts  # noqa: E402
from analysis.errors import PackageInvalid  # noqa: E402
from analysis.package import load_package  # noqa: E402
from analysis.paths import PROJECT_ROOT  # noqa: E402
from analysis.report import html as H  # noqa: E402
from analysis.report.annual import AnnualReport  # noqa: E402

TINY = PROJECT_ROOT / "tests" / "fixtures" / "tiny_package" / "datapackage.json"


@pytest.fixture
def report():
    return AnnualReport.load(year=2024, lang="en", package_path=str(TINY), min_cell=5)


def test_an_indicator_is_computed_once_per_report(report):
    calls = []

    def counted(pkg, year, by=()):
        calls.append((year, by))
        return {"year": year, "by": by}

    assert report.indicator(counted, 2024, by=("sex",)) == {"year": 2024, "by": ("sex",)}
    assert report.indicator(counted, 2024, by=("sex",)) is report.indicator(
        counted, 2024, by=("sex",)
    )
    report.indicator(counted, 2023, by=("sex",))
    assert calls == [(2024, ("sex",)), (2023, ("sex",))]


def test_an_indicator_error_is_raised_each_time_it_is_asked_for(report):
    calls = []

    def failing(pkg, year):
        calls.append(year)
        raise ValueError("no comparison communes")

    for _ in range(2):
        with pytest.raises(ValueError, match="no comparison communes"):
            report.indicator(failing, 2024)
    assert calls == [2024]


def test_a_given_package_is_always_checked_and_its_hash_compared():
    pkg = load_package(TINY)
    _, problems = base_module.load_checked("", pkg, pkg.sha256)
    assert all(p.severity == "warning" for p in problems)
    from analysis.errors import PackageChanged

    with pytest.raises(PackageChanged, match="changed"):
        base_module.load_checked("", pkg, "0" * 64)


def test_an_empty_package_path_is_the_bundled_package():
    from analysis.paths import DATAPACKAGE

    pkg, _ = base_module.load_checked("")
    assert pkg.path == DATAPACKAGE.resolve()


def test_a_package_with_errors_is_refused(monkeypatch):
    pkg = load_package(TINY)
    seen = []

    def checks(p):
        seen.append(p)
        return [base_module.Problem("data/plans.csv", 2, "year", "required", {})]

    monkeypatch.setattr(base_module, "check_package", checks)
    with pytest.raises(PackageInvalid):
        base_module.load_checked(str(TINY), pkg)
    assert seen == [pkg]


def test_a_chart_title_is_printed_above_the_image_not_drawn_in_it():
    fig = charts.permutation_histogram(
        [0.0, 1.0, 2.0], 1.5, xlabel="x", ylabel="y", observed_label="observed", lang="en"
    )
    assert [ax.get_title(loc="left") for ax in fig.axes] == [""]
    html = str(H.chart(fig, "alt text", "caption", title="Tỷ lệ <hộ> nghèo"))
    assert html.index('<p class="figure-title">Tỷ lệ &lt;hộ&gt; nghèo</p>') < html.index("<img")
    titled = charts.permutation_histogram(
        [0.0, 1.0],
        1.0,
        title="In the image",
        xlabel="x",
        ylabel="y",
        observed_label="o",
        lang="en",
    )
    assert titled.axes[0].get_title(loc="left") == "In the image"
    assert "figure-title" not in str(H.chart(titled, "alt", "caption"))


def test_the_marker_label_sits_above_the_plot_where_no_line_can_cross_it():
    import pandas as pd

    frame = pd.DataFrame({"year": [2020, 2021, 2022], "a": [5.0, 1.0, 5.0], "b": [4.0, 0.0, 6.0]})
    fig = charts.trend_lines(
        frame,
        "year",
        ["a", "b"],
        ["A", "B"],
        ylabel="pp",
        lang="en",
        marker_x=2021.5,
        marker_label="new standard",
    )
    renderer = fig.canvas.get_renderer()
    fig.draw(renderer)
    ax = fig.axes[0]
    legend = ax.get_legend()
    assert "new standard" in [t.get_text() for t in legend.get_texts()]
    assert legend.get_window_extent(renderer).y0 >= ax.get_window_extent(renderer).y1


def test_permutation_chart_numbers_follow_the_language():
    """Tick labels as the reader's language writes numbers: -0,5 in Vietnamese, -0.5 in English
    (a range of -0.75 to 0.75 is ticked every half on a chart as narrow as a phone)."""
    estimates = [-0.75, -0.5, -0.25, 0.0, 0.25, 0.5, 0.75] * 200
    texts = {}
    for lang in ("vi", "en"):
        fig = charts.permutation_histogram(
            estimates, -0.5, xlabel="x", ylabel="y", observed_label="o", lang=lang
        )
        fig.canvas.draw()
        ax = fig.axes[0]
        texts[lang] = (
            [t.get_text() for t in ax.get_xticklabels()],
            [t.get_text() for t in ax.get_yticklabels()],
        )
    x_vi, y_vi = texts["vi"]
    x_en, y_en = texts["en"]
    assert "-0,5" in x_vi and "-0.5" in x_en
    assert not any("." in t for t in x_vi)  # no English decimal point in the Vietnamese chart
    assert "-0.5" not in x_vi and "-0,5" not in x_en
    heaped = [0.0] * 3000 + [1.0] * 10  # counts in the thousands on the y axis
    labels = {}
    for lang in ("vi", "en"):
        fig = charts.permutation_histogram(
            heaped, 1.0, xlabel="x", ylabel="y", observed_label="o", lang=lang
        )
        fig.canvas.draw()
        labels[lang] = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert "1.000" in labels["vi"] and "1,000" in labels["en"]


def test_fractional_ticks_keep_their_decimals():
    """Ticks 0.5 apart must not all round to whole numbers (\"0, 0, 1, 1\")."""
    import pandas as pd

    frame = pd.DataFrame({"year": [2021, 2022, 2023], "a": [0.0, 1.2, 2.1], "b": [0.3, 0.9, 1.6]})
    fig = charts.trend_lines(frame, "year", ["a", "b"], ["A", "B"], ylabel="pp", lang="vi")
    fig.canvas.draw()
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert len(set(labels)) == len(labels)
    assert "0,5" in labels


def _long_label_charts():
    """One chart of each kind, with labels long enough to need wide margins."""
    import numpy as np
    import pandas as pd

    bars = pd.DataFrame(
        {
            "kind": [f"Hỗ trợ sinh kế cho hộ nghèo số {i} ở xã biên giới" for i in range(6)],
            "planned": [9.5e11, 2e11, 3e11, 4e8, 5e8, 6e8],
            "spent": [9e11, 1e11, 3e11, 2e8, 5e8, 1e8],
        }
    )
    trend = pd.DataFrame(
        {"year": [2021, 2022, 2023, 2024], "a": [-12345.5, -2.0, 3.0, 99999.0], "b": [0, 1, 2, 3]}
    )
    return [
        charts.grouped_bars(
            bars, "kind", ["planned", "spent"], ["Kế hoạch", "Đã chi"], ylabel="đồng", lang="vi"
        ),
        charts.trend_lines(
            trend,
            "year",
            ["a", "b"],
            ["A", "B"],
            ylabel="điểm phần trăm (pp)",
            lang="vi",
            marker_x=2021.5,
            marker_label="chuẩn nghèo mới",
        ),
        charts.permutation_histogram(
            np.linspace(-30000, 30000, 500),
            1234.5,
            xlabel="Ước lượng",
            ylabel="Số cách gán",
            observed_label="Quan sát",
            lang="vi",
        ),
    ]


@pytest.mark.parametrize("index", [0, 1, 2], ids=["bars", "trend", "histogram"])
def test_the_one_pass_layout_keeps_every_label_inside_the_figure(index):
    """After the chart is drawn as saved, everything drawn lies inside the figure, and the
    tick labels are the ones the layout measured (shrinking the axes changed none)."""
    fig = _long_label_charts()[index]
    ax = fig.axes[0]
    measured = [[t.get_text() for t in axis.get_ticklabels()] for axis in (ax.xaxis, ax.yaxis)]
    renderer = fig.canvas.get_renderer()
    fig.draw(renderer)
    drawn = [[t.get_text() for t in axis.get_ticklabels()] for axis in (ax.xaxis, ax.yaxis)]
    assert drawn == measured
    inside, box = fig.bbox, ax.get_tightbbox(renderer)
    assert inside.x0 <= box.x0 and box.x1 <= inside.x1, (box, inside)
    assert inside.y0 <= box.y0 and box.y1 <= inside.y1, (box, inside)
    # and the margins are small: the axes with their labels fill the figure to within 2 %
    assert box.width > 0.98 * inside.width - 12 and box.height > 0.98 * inside.height - 12
    # no two tick labels overlap (long amounts on a phone-wide axis, wrapped long names)
    for axis in (ax.xaxis, ax.yaxis):
        low, high = sorted(axis.get_view_interval())
        shown = [
            t.get_window_extent(renderer)
            for t, v in zip(axis.get_ticklabels(), axis.get_ticklocs(), strict=True)
            if low <= v <= high and t.get_text()
        ]
        for a, b in itertools.pairwise(shown):
            assert not a.overlaps(b), (axis.axis_name, a, b)


def test_a_chart_is_drawn_once_when_it_is_saved():
    """No layout engine is attached: ``savefig`` would otherwise draw the chart twice."""
    for fig in _long_label_charts():
        assert fig.get_layout_engine() is None
        draws = []
        fig.canvas.mpl_connect("draw_event", draws.append)
        H.figure(fig, "alt", "caption")
        assert len(draws) == 1


def test_the_years_table_adds_up_each_year_from_the_raw_files():
    """The summary's year-by-year table, against sums taken straight from the CSV files with
    the csv module, with the glossary's definitions: planned = the year's stated planned
    amounts; disbursed = disbursements plus expenditures on ALL the year's activities
    (budgeted or not); execution rate = disbursed on the budgeted activities / planned."""
    import csv

    def rows(name):
        with (TINY.parent / "data" / f"{name}.csv").open(encoding="utf-8") as fh:
            return list(csv.DictReader(fh))

    planned, spent, spent_budgeted, activity_year, budgeted = {}, {}, {}, {}, set()
    for plan in rows("plans"):
        y = int(plan["year"])
        activity_year[plan["activity_id"]] = y
        if plan["planned_amount_vnd"]:
            budgeted.add(plan["activity_id"])
            planned[y] = planned.get(y, 0) + float(plan["planned_amount_vnd"])
    for tx in rows("transactions"):
        y = activity_year.get(tx["activity_id"])
        if y is not None and tx["transaction_type"] in ("disbursement", "expenditure"):
            spent[y] = spent.get(y, 0) + float(tx["amount_vnd"])
            if tx["activity_id"] in budgeted:
                spent_budgeted[y] = spent_budgeted.get(y, 0) + float(tx["amount_vnd"])
    years = sorted({int(p["year"]) for p in rows("plans") if int(p["year"]) <= 2024})

    report = AnnualReport.load(year=2024, lang="en", package_path=str(TINY), min_cell=5)
    report.summary()
    table = report.tables["years"]
    assert table["year"].tolist() == [str(y) for y in years]
    assert table["planned"].tolist() == [planned.get(y, 0.0) for y in years]
    assert table["spent"].tolist() == [spent.get(y, 0.0) for y in years]
    assert table["rate"].tolist() == pytest.approx([spent_budgeted[y] / planned[y] for y in years])
    # 2024: 120 million disbursed in all, 117 million of it on the budgeted activities.
    assert (spent[2024], spent_budgeted[2024]) == (120_000_000, 117_000_000)


@pytest.mark.slow
def test_the_phase_year_table_equals_the_annual_reports():
    """One definition per figure: each year's planned money, disbursed money and people in the
    phase report are those the annual report of that year prints in its key figures."""
    from analysis.report.phase import PhaseReport

    phase = PhaseReport.load(lang="en", package_path=str(TINY), min_cell=5)
    phase.totals()
    by_year = phase.tables["totals_by_year"].set_index("year")
    for year in (2023, 2024):
        annual = AnnualReport.load(year=year, lang="en", package_path=str(TINY), min_cell=5)
        annual.summary()
        row = annual.tables["key_figures"].iloc[0]
        assert by_year.loc[str(year), "planned_vnd"] == row["planned"]
        assert by_year.loc[str(year), "spent_vnd"] == row["spent"]
        assert (
            annual.ledger.values[("reached", year)]
            == phase.ledger.values[("reached", "phase", "year", year)]
        )


def test_numbered_axes_have_at_most_seven_intervals():
    """Round steps: 0, 50, 100, 150, 200 rather than 0, 25, 50, ... 200."""
    for fig in _long_label_charts():
        fig.canvas.draw()
        ax = fig.axes[0]
        for axis in (ax.xaxis, ax.yaxis):
            if isinstance(axis.get_major_locator(), charts.MaxNLocator):
                lo, hi = sorted(axis.get_view_interval())
                inside = [t for t in axis.get_majorticklocs() if lo <= t <= hi]
                assert 2 <= len(inside) <= charts.MAX_TICK_INTERVALS + 1


@pytest.mark.slow
def test_charts_leave_the_session_plotting_backend_alone():
    """JupyterLab's inline backend must survive ``import analysis.charts`` (it used to be
    switched to Agg, and a chart returned in a notebook then showed as text), and charts
    are not pyplot figures (nothing to close, no window)."""
    import os
    import subprocess
    import sys

    code = (
        "import matplotlib, matplotlib.pyplot as plt\n"
        "import analysis.charts as c, analysis.maps\n"
        "fig = c.permutation_histogram([0.0, 1.0], 0.5, xlabel='x', ylabel='y',"
        " observed_label='o', lang='en')\n"
        "print(matplotlib.get_backend(), plt.get_fignums(), type(fig.canvas).__name__)\n"
    )
    env = {**os.environ, "MPLBACKEND": "svg"}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    )
    assert out.stdout.split() == ["svg", "[]", "FigureCanvasAgg"]


def test_workbook_text_is_text_never_a_formula_and_long_text_is_cut_visibly(tmp_path):
    import openpyxl
    import pandas as pd

    from analysis.report.html import Col
    from analysis.report.workbook import EXCEL_TEXT_LIMIT, Sheet, write_workbook

    long = "a" * 40_000
    frame = pd.DataFrame(
        {
            "description": ['=HYPERLINK("http://x","y")', "=cmd|' /C calc'!A0", long],
            "n": [1, 2, 3],
        }
    )
    cols = {"description": Col("Mô tả"), "n": Col("Số", "number")}
    path = tmp_path / "t.xlsx"
    write_workbook([Sheet("plan", frame, cols, "caption")], path, readme=[("a", "=b")], lang="vi")
    book = openpyxl.load_workbook(path)
    sheet = book["plan"]
    cells = [sheet.cell(row=r, column=1) for r in (3, 4, 5)]
    assert [c.data_type for c in cells] == ["s", "s", "s"]
    assert cells[0].value == '=HYPERLINK("http://x","y")'
    assert len(cells[2].value) == EXCEL_TEXT_LIMIT and cells[2].value.endswith("characters cut)")
    assert sheet.cell(row=3, column=2).value == 1  # numbers stay numbers
    assert book["Đọc trước"]["B1"].data_type == "s"


def test_a_dollar_sign_in_a_commune_name_prints_as_itself_in_charts():
    """Labels from data are not mathematical notation: an unpaired "$" used to break the
    phase report's charts."""
    import dataclasses

    from analysis.package import load_package
    from analysis.report.phase import PhaseReport

    pkg = load_package()
    communes = pkg["communes"].copy()
    communes.loc[communes["commune_code"] == "23536", "name_in_source"] = "Mô Rai $5"
    changed = dataclasses.replace(pkg, frames={**pkg.frames, "communes": communes})
    report = PhaseReport.load(lang="vi", pkg=changed)
    html = report.map() + report.totals()
    assert "Mô Rai $5" in html


def test_html_is_safe_by_construction():
    """Fragments are markupsafe Markup: plain text joined to them is escaped, wherever it is
    joined (a forgotten esc() is no injection)."""
    from analysis.report import html as H

    hostile = "<script>alert(1)</script>"
    assert str(H.Fragment("<p>") + hostile) == "<p>&lt;script&gt;alert(1)&lt;/script&gt;"
    assert "<script>" not in H.join([H.p("ok"), hostile])
    assert "<script>" not in H.section("s", hostile, hostile)
    assert "<script>" not in H.page("profile", hostile)
    assert str(H.element("a", "x", href='"><script>')) == '<a href="&#34;&gt;&lt;script&gt;">x</a>'


def test_followed_households_are_a_before_after_change_in_real_terms():
    """Tiny 2024: incomes at the entry year's prices, deflated by the sourced 2024 CPI change
    (3.63 %): (4.3 M / 1.0363 - 3.1 M) / 3 = 349,793 đồng (tests/unit/test_real_income.py
    derives it row by row); the 2024 source is marked uncertain, and the text says it."""
    report = AnnualReport.load(year=2024, lang="en", package_path=str(TINY), min_cell=1)
    html = str(report.impact())
    expected = round((4_300_000 / 1.0363 - 3_100_000) / 3)
    # A sentence says it to three significant figures (349,793 -> 350 thousand); the
    # table below gives the exact mean.
    assert "the rise was VND 350 thousand" in html
    assert "rests on a source marked uncertain" in html
    assert "not the programme&#39;s impact" in html or "not the programme's impact" in html
    # By years since entry: the three households entered in 2023, one year before. Their
    # changes: B000008 1.0 -> 1.6 M, B000009 1.2 -> 1.5 M, B000010 0.9 -> 1.2 M: mean
    # (0.6 + 0.3 + 0.3) / 3 = 0.4 M; longer exposures have nobody yet.
    table = report.tables["income_by_exposure"]
    assert table["exposure_years"].tolist()[:1] == [1]
    assert table["n"].tolist()[0] == 3 and set(table["n"].tolist()[1:]) <= {0}
    assert table["mean_change_vnd"].iloc[0] == 400_000
    assert round(table["mean_real_change_vnd"].iloc[0]) == expected
    assert "by years since entry" in html


def test_charts_are_embedded_as_svg_and_other_figures_as_png():
    """A chart is one SVG drawing (sharp at any density, text as shapes); a figure drawn
    elsewhere (a map) is a PNG; the same chart gives the same bytes twice."""
    import re

    def embedded():
        fig = charts.permutation_histogram(
            [0.0, 1.0, 2.0], 1.5, xlabel="x", ylabel="y", observed_label="observed", lang="en"
        )
        return str(H.chart(fig, "alt text", "caption"))

    html = embedded()
    assert re.findall(r"data:image/([a-z+]+);", html) == ["svg+xml"]
    assert '<figure class="chart">' in html and 'data-text-px="15.3"' in html
    assert html == embedded()
    picture = charts.new_figure(figsize=(2, 1))
    picture.subplots()
    other = str(H.figure(picture, "a map of the communes", "caption"))
    assert re.findall(r"data:image/([a-z+]+);", other) == ["png"]
    assert '<figure class="picture">' in other


def test_the_permutation_chart_counts_assignments_in_whole_numbers():
    """Two assignments make two bars of one: the count axis reads 0, 1, not 0, 0.2, 0.4..."""
    fig = charts.permutation_histogram(
        [-4.4, 0.1], -4.4, xlabel="x", ylabel="y", observed_label="o", lang="en"
    )
    fig.canvas.draw()
    ax = fig.axes[0]
    low, high = ax.get_ylim()
    ticks = [v for v in ax.get_yticks() if low <= v <= high]
    assert ticks and all(float(v).is_integer() for v in ticks)
    assert [t.get_text() for t in ax.get_yticklabels() if t.get_text()][:2] == ["0", "1"]


def test_the_permutation_chart_is_drawn_only_when_the_design_can_reach_five_percent():
    """The bundled 2024 design has 360 within-district assignments (smallest p 1/360): its
    distribution is drawn. In 2025 one partner commune is left with one comparison commune
    in its district: 2 assignments, smallest p 0.5; two bars would add nothing, so the
    report says why there is no chart instead."""
    title = "Permutation test: the estimate under every reassignment"
    with_chart = str(AnnualReport.load(year=2024, lang="en").impact())
    assert title in with_chart
    assert "is not drawn" not in with_chart
    without = str(AnnualReport.load(year=2025, lang="en").impact())
    assert title not in without
    assert "there are only 2 possible assignments" in without
    assert "(0.5000) is above 0.05" in without
    assert without.count("<img") == with_chart.count("<img") - 1 == 1


def test_the_footer_and_the_workbook_name_one_commit_asked_of_git_once(monkeypatch):
    calls = []

    def fake_commit():
        calls.append(1)
        return f"commit{len(calls)}"

    monkeypatch.setattr(base_module, "git_commit", fake_commit)
    report = AnnualReport.load(year=2024, lang="en")
    footer = str(report.footer())
    readme = dict(report.readme())
    assert "commit1" in footer
    assert "commit1" in readme.values()
    assert len(calls) == 1
