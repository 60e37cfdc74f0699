"""Money charts start at zero, and every chart has a phone drawing with legible text.

The report's money charts are ``grouped_bars`` (money per activity type, annual report) and
``trend_lines`` (money per year and income per year of entry, phase report). Their amounts
here lie far from zero (300 to 360 million), where an axis fitted to the data would start
near 280 and make 310 look like twice 305.
"""

from __future__ import annotations

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


def test_the_phone_drawing_is_narrow_and_its_text_large():
    """Shown at its own width (363 px on a 390 px screen), the phone drawing's smallest text
    is at least the page's 15 px body text. Charts are SVG, 96 CSS px an inch: 363 px is
    363 / 96 = 3.78125 inches, and 11.5 pt is 11.5 × 96 / 72 = 15.33 px. The wide drawing's
    smallest text (the 8 pt marker label) would be 8 × 96 / 72 = 10.67 px."""
    wide = _lines(marker_x=2021.5, marker_label="Đổi chuẩn nghèo")
    phone = charts.phone_variant(wide)
    assert phone is not None
    assert phone.get_size_inches()[0] == pytest.approx(3.78125)
    assert charts.smallest_text_px(phone) == pytest.approx(15.333, abs=1e-3)
    assert charts.smallest_text_px(phone) >= 15
    assert charts.smallest_text_px(wide) == pytest.approx(10.667, abs=1e-3)
    # the marker's label is in the phone drawing's legend, not lost
    labels = [t.get_text() for t in phone.axes[0].get_legend().get_texts()]
    assert "Đổi chuẩn nghèo" in labels


@pytest.mark.parametrize("build", [_bars, _lines], ids=["bars", "lines"])
def test_the_phone_drawing_keeps_everything_inside_the_figure_and_starts_at_zero(build):
    phone = charts.phone_variant(build())
    renderer = phone.canvas.get_renderer()
    width, height = phone.bbox.width, phone.bbox.height
    for ax in phone.axes:
        box = ax.get_tightbbox(renderer)  # axes, tick labels, axis labels and legend
        assert box.x0 >= -1 and box.y0 >= -1, box
        assert box.x1 <= width + 1 and box.y1 <= height + 1, box
        low = ax.get_xlim()[0] if build is _bars else ax.get_ylim()[0]
        assert low == 0


def test_a_figure_not_built_here_has_no_phone_drawing():
    fig = charts.new_figure(figsize=(4, 3))
    assert charts.phone_variant(fig) is None


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


def test_panels_sit_side_by_side_wide_and_one_above_the_other_on_a_phone():
    wide = _panels()
    phone = charts.phone_variant(wide)
    assert phone is not None
    (a, b), (c, d) = ([ax.get_position() for ax in f.axes] for f in (wide, phone))
    assert a.y0 == pytest.approx(b.y0) and a.x0 < b.x0
    assert c.x0 == pytest.approx(d.x0) and c.y0 > d.y0
    assert phone.get_size_inches()[0] == pytest.approx(3.78125)
    assert charts.smallest_text_px(phone) >= 15


def test_an_empty_panel_draws_without_a_legend_or_a_warning():
    import warnings

    empty = PANEL.iloc[0:0]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "No artists with labels found" would fail here
        fig = charts.panel_lines([("Nghệ An", PANEL), ("Kon Tum", empty)], ylabel="%", lang="en")
        charts.phone_variant(fig)
    assert fig.axes[0].get_legend() is not None and fig.axes[1].get_legend() is None
