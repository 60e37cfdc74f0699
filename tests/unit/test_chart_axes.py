"""Money charts start at zero, and every chart is drawn for a phone, with legible text.

The report's money charts are ``grouped_bars`` (money per activity type, annual report) and
``trend_lines`` (money per year and income per year of entry, phase report). Their amounts
here lie far from zero (300 to 360 million), where an axis fitted to the data would start
near 280 and make 310 look like twice 305.
"""

from __future__ import annotations

import io

import pandas as pd
import pytest

from analysis import charts

YEARS = pd.DataFrame(
    {
        "year": [2021, 2022, 2023, 2024],
        "planned": [300.0, 320.0, 340.0, 360.0],  # million đồng
        "spent": [310.0, 305.0, 350.0, 355.0],
    }
)
TYPES = pd.DataFrame(
    {
        "activity_type": ["Mái ấm tình thương", "Vốn sinh kế", "Đỡ đầu học sinh"],
        "planned": [340e6, 320e6, 300e6],  # đồng, shown in millions (scale 1e6)
        "spent": [360e6, 330e6, 310e6],
    }
)


def _bars(**kwargs):
    return charts.grouped_bars(
        TYPES,
        "activity_type",
        ["planned", "spent"],
        ["Kế hoạch", "Đã giải ngân"],
        ylabel="triệu đồng",
        lang="vi",
        scale=1e6,
        **kwargs,
    )


def _lines(frame=YEARS, **kwargs):
    return charts.trend_lines(
        frame, "year", ["planned", "spent"], ["Kế hoạch", "Giải ngân"], ylabel="triệu đồng",
        lang="vi", **kwargs,
    )  # fmt: skip


def test_money_bars_start_at_zero():
    ax = _bars().axes[0]
    low, high = ax.get_xlim()
    assert low == 0
    assert high >= 360  # the largest amount, 360 million, is inside the axis


def test_money_lines_start_at_zero():
    ax = _lines().axes[0]
    low, high = ax.get_ylim()
    assert low == 0
    assert high >= 360


def test_a_negative_amount_stays_visible_below_zero():
    """An income that fell (-50 thousand) is not cut off: the axis runs from below -50 to
    above the largest value, zero included."""
    frame = YEARS.assign(spent=[-50.0, 20.0, 40.0, 80.0])
    low, high = _lines(frame).axes[0].get_ylim()
    assert low < -50 and high >= 360 and low < 0 < high


def test_a_given_range_is_kept():
    assert _lines(ylim=(250, 400)).axes[0].get_ylim() == (250, 400)


def test_a_chart_is_as_wide_as_a_phone_and_its_text_as_large_as_the_body_text():
    """Shown at its own width (363 px on a 390 px screen), a chart's smallest text is at
    least the page's 15 px body text. Charts are SVG, 96 CSS px an inch: 363 px is
    363 / 96 = 3.78125 inches, and 11.5 pt is 11.5 × 96 / 72 = 15.33 px (the marker's label
    included: it was 8 pt, 10.67 px, when charts were drawn for a wide screen too)."""
    fig = _lines(marker_x=2021.5, marker_label="Đổi chuẩn nghèo")
    assert fig.get_size_inches()[0] == pytest.approx(3.78125)
    assert charts.smallest_text_px(fig) == pytest.approx(15.333, abs=1e-3)
    # the marker's label is in the legend, above the plot, where no line runs through it
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert "Đổi chuẩn nghèo" in labels


def test_long_labels_are_wrapped_to_the_width():
    """A bar's name over 16 characters and a legend entry over 22 are wrapped."""
    fig = _bars()
    names = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    # "Mái ấm tình thương" is 18 characters: broken at the last space within 16
    assert names == ["Mái ấm tình\nthương", "Vốn sinh kế", "Đỡ đầu học sinh"]
    legend = _lines(marker_x=2021.5, marker_label="Đổi chuẩn nghèo từ năm 2022 (nghị định)")
    texts = [t.get_text() for t in legend.axes[0].get_legend().get_texts()]
    assert "Đổi chuẩn nghèo từ năm\n2022 (nghị định)" in texts


@pytest.mark.parametrize("build", [_bars, _lines], ids=["bars", "lines"])
def test_a_chart_keeps_everything_inside_the_figure_and_starts_at_zero(build):
    fig = build()
    renderer = fig.canvas.get_renderer()
    width, height = fig.bbox.width, fig.bbox.height
    for ax in fig.axes:
        box = ax.get_tightbbox(renderer)  # axes, tick labels, axis labels and legend
        assert box.x0 >= -1 and box.y0 >= -1, box
        assert box.x1 <= width + 1 and box.y1 <= height + 1, box
        low = ax.get_xlim()[0] if build is _bars else ax.get_ylim()[0]
        assert low == 0


PANEL = pd.DataFrame(
    {
        "series": ["Kỳ Sơn (huyện)"] * 4 + ["Việt Nam (cả nước)"] * 2,
        # 2019-2020 under one standard, 2022-2023 under the next: never joined
        "segment": ["a|old", "a|old", "a|new", "a|new", "vn|new", "vn|new"],
        "year": [2019, 2020, 2022, 2023, 2022, 2023],
        "value": [65.0, 42.0, 50.0, 45.0, 4.0, 3.0],
        "marker": ["o", "o", "s", "s", "s", "s"],
        "hollow": [False, False, False, True, False, False],
    }
)


def _panels():
    return charts.panel_lines(
        [("Nghệ An", PANEL), ("Kon Tum", PANEL)], ylabel="% số hộ", lang="vi", xlim=(2018.5, 2023.5)
    )


def test_panels_never_join_two_segments_and_draw_uncertain_points_hollow():
    ax = _panels().axes[0]
    lines = [line for line in ax.get_lines() if line.get_linestyle() != "None"]
    spans = sorted(tuple(int(x) for x in line.get_xdata()) for line in lines)
    assert spans == [(2019, 2020), (2022, 2023), (2022, 2023)]  # three segments, none across
    hollow = [line for line in ax.get_lines() if line.get_markerfacecolor() == "white"]
    assert [list(line.get_xdata()) for line in hollow] == [[2023]]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "Kỳ Sơn (huyện)",
        "Việt Nam (cả nước)",
    ]
    # zero included; below it only the 5 % margin of the 3-65 range (0.05 × 62 = 3.1)
    assert -3.2 < ax.get_ylim()[0] <= 0


def test_panels_stand_one_above_the_other_each_with_its_value_label():
    fig = _panels()
    top, bottom = (ax.get_position() for ax in fig.axes)
    assert top.x0 == pytest.approx(bottom.x0) and top.y0 > bottom.y0
    assert [ax.get_ylabel() for ax in fig.axes] == ["% số hộ", "% số hộ"]
    assert fig.get_size_inches()[0] == pytest.approx(3.78125)
    assert charts.smallest_text_px(fig) >= 15


def test_an_empty_panel_draws_without_a_legend_or_a_warning():
    import warnings

    empty = PANEL.iloc[0:0]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "No artists with labels found" would fail here
        fig = charts.panel_lines([("Nghệ An", PANEL), ("Kon Tum", empty)], ylabel="%", lang="en")
        fig.savefig(io.BytesIO(), format="svg")
    assert fig.axes[0].get_legend() is not None and fig.axes[1].get_legend() is None


def test_each_panel_legend_stands_above_its_plot_headed_by_the_panel_title():
    """A legend inside the plot hid the Kỳ Sơn line (matplotlib's "best" place still covered
    it); above the plot it covers no line, and it names the panel."""
    fig = _panels()
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    for ax, title in zip(fig.axes, ("Nghệ An", "Kon Tum"), strict=True):
        legend = ax.get_legend()
        assert legend.get_title().get_text() == title
        assert legend.get_window_extent(renderer).y0 >= ax.get_window_extent(renderer).y1
    top, bottom = fig.axes
    # the lower panel's legend does not run into the upper panel's tick labels
    upper_ticks = top.xaxis.get_tightbbox(renderer)
    assert bottom.get_legend().get_window_extent(renderer).y1 <= upper_ticks.y0
