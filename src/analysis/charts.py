"""The house style and the chart builders. Builders return figures and do no I/O.

Charts must read when printed in greyscale: series differ by grey level *and* by hatch or line
style, never by hue alone. Titles and axis labels come from the caller in the report's language;
reports put a chart's title in the page, above the image, rather than in it.

Figures are drawn on their own Agg canvas, outside pyplot: importing this module leaves the
session's plotting backend alone, so a chart returned in JupyterLab shows inline.

The value axis of bars and lines always includes zero (:func:`_from_zero`): most of these
charts show money, and an axis that starts at 300 million makes 310 look like twice 305.

Reports embed charts as SVG (:data:`CSS_PX_PER_INCH`): sharp at any zoom, on a phone's dense
screen and on paper, and cheaper to draw than a raster image dense enough for a phone.

Every chart is drawn once, for the narrowest screen that shows it: a phone. It is
:data:`CHART_WIDTH` wide (the content width of a 390 px screen) with text of at least
:data:`CHART_FONT_SIZE`, so that shown at its own width its text is no smaller than the page's
body text (:func:`smallest_text_px` measures that); a wider screen and paper show the same
drawing a little larger (the stylesheet's ``figure.chart``). Long category and legend labels
are wrapped to that width, several panels stand one above the other, and the legend sits above
the plot, where it covers nothing.
"""

from __future__ import annotations

import functools
import textwrap
from collections.abc import Collection, Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.layout_engine import TightLayoutEngine
from matplotlib.patches import Patch
from matplotlib.ticker import AutoLocator, FuncFormatter, MaxNLocator

from analysis.i18n import format_number

GREYS = ("#222222", "#8c8c8c", "#d0d0d0", "#5a5a5a", "#b0b0b0")
HATCHES = ("", "///", "...", "xx", "\\\\")
LINESTYLES = ("-", "--", ":", "-.")
MARKERS = ("o", "s", "^", "D")
ACCENT = "#7a1f3d"

STYLE = {
    "font.family": "DejaVu Sans",
    "font.size": 10,
    "axes.titlesize": 11,
    "axes.titleweight": "bold",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.color": "#e3e3e3",
    "grid.linewidth": 0.6,
    "axes.axisbelow": True,
    "legend.frameon": False,
    "figure.dpi": 110,
    # Labels come from data (commune names, activity descriptions): a "$" must print as
    # itself, not start mathematical notation (which fails on an unpaired "$").
    "text.parse_math": False,
}


SVG_OPTIONS = {"svg.hashsalt": "bien-cuong", "svg.fonttype": "path"}
"""How a chart is saved as SVG: its element ids from a fixed salt (the same chart gives the
same bytes), its text as shapes (it looks the same without the font on the reader's machine)."""


MAX_TICK_INTERVALS = 7
"""Numbered axes have at most seven intervals (matplotlib's automatic locator allows nine):
round steps (0, 50, 100... rather than 0, 25, 50...), a lighter grid, fewer labels to read
and to draw."""


CSS_PX_PER_INCH = 96
"""CSS pixels per inch: an SVG chart's natural width on screen is its width in inches times
this."""
CHART_WIDTH = 363 / CSS_PX_PER_INCH
"""Width in inches of every chart: 363 px, the content width of a 390 px phone screen (the
stylesheet's phone padding is 12 px a side), about 3.78 inches."""
CHART_FONT_SIZE = 11.5
"""Smallest font size (points) of a chart: 11.5 × 96 / 72 = 15.3 px, at least the 15 px of the
page's body text when the chart is shown at its own width."""
CHART_STYLE = {**STYLE, "font.size": CHART_FONT_SIZE, "axes.titlesize": CHART_FONT_SIZE + 1}
"""The house style with the charts' text size (maps and diagrams keep :data:`STYLE`)."""
_LABEL_CHARS = 16
"""A category label (a bar's name) longer than this is wrapped."""
_LEGEND_CHARS = 22
"""A legend entry longer than this is wrapped."""


def smallest_text_px(fig: Figure, dpi: float = CSS_PX_PER_INCH) -> float:
    """The size in pixels, at ``dpi`` pixels an inch, of the smallest visible text of ``fig``.

    Shown at its natural size (one image pixel per CSS pixel) the chart's smallest text is
    this many CSS pixels high; shown scaled, proportionally less.
    """
    from matplotlib.text import Text

    sizes = [
        text.get_fontsize()
        for text in fig.findobj(Text)
        if text.get_visible() and text.get_text().strip()
    ]
    return min(sizes, default=0.0) * dpi / 72


def _legend(ax, handles=None) -> None:
    """The legend above the plot, where it covers no bar, line or point (inside the axes
    it hid the longest bar), its labels wrapped to the chart's width."""
    handles, labels = ax.get_legend_handles_labels() if handles is None else (handles, None)
    labels = [str(text) for text in (labels or [h.get_label() for h in handles])]
    labels = [textwrap.fill(text, _LEGEND_CHARS) for text in labels]
    if ax.get_title(loc="left"):  # a title drawn above the plot: the legend inside
        ax.legend(handles, labels, loc="best")
        return
    ax.legend(handles, labels, loc="lower left", bbox_to_anchor=(0.0, 1.02), borderaxespad=0)


def _from_zero(ax, axis: str) -> None:
    """Make the value axis (``"x"`` or ``"y"``) include zero, keeping the data's far side."""
    low, high = ax.get_xlim() if axis == "x" else ax.get_ylim()
    low, high = min(low, 0.0), max(high, 0.0)
    if axis == "x":
        ax.set_xlim(low, high)
    else:
        ax.set_ylim(low, high)


def new_figure(**kwargs) -> Figure:
    """A matplotlib figure on its own Agg canvas, outside pyplot (``Figure(**kwargs)``).

    Nothing to close, and whatever backend the session uses (JupyterLab's inline one, a
    desktop's window toolkit) is neither needed nor changed.
    """
    fig = Figure(**kwargs)
    FigureCanvasAgg(fig)
    return fig


def _figure(height: float = 3.6):
    """A figure :data:`CHART_WIDTH` wide and its axes, in the charts' style (see
    :func:`new_figure`).

    It has no layout engine: :func:`_fit` lays it out once, when the chart is complete, so
    that saving it draws it once (a layout engine makes ``savefig`` draw twice).
    """
    with plt.rc_context(CHART_STYLE):
        fig = new_figure(figsize=(CHART_WIDTH, height))
        ax = fig.subplots()
    return fig, ax


def _fit(fig) -> None:
    """Fit the axes, their labels and legend into the figure with a small margin.

    One measuring pass, then one drawing pass when the figure is saved:

    - the tick count of each automatic axis is fixed first, at what matplotlib's automatic
      locator gives at the figure's size but at most :data:`MAX_TICK_INTERVALS`, so that
      shrinking the axes to make room for their labels cannot change the tick labels just
      measured;
    - the layout engine is run, not attached (an attached engine, even the placeholder that
      ``Figure.tight_layout`` leaves, makes ``savefig`` draw the figure twice), and with no
      ``rect`` (a ``rect`` makes it measure twice).
    """
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            if type(axis.get_major_locator()) is AutoLocator:
                axis.set_major_locator(_locator(axis))
    TightLayoutEngine(pad=0.4, rect=None).execute(fig)


_TICK_STEPS = [1, 2, 2.5, 5, 10]
_CHAR_EM = 0.7
"""Estimated width of a tick label's character, in ems (DejaVu Sans's digits are 0.64 em,
its separators narrower): an over-estimate, so that labels estimated to fit do."""


def _locator(axis) -> MaxNLocator:
    """Round ticks for an automatic axis: as many intervals as matplotlib's automatic locator
    gives at the figure's size, at most :data:`MAX_TICK_INTERVALS`, and on the horizontal
    axis few enough that its longest label (``1.000.000`` on a narrow chart) fits between two
    ticks with a gap of one em."""
    most = int(np.clip(axis.get_tick_space(), 1, MAX_TICK_INTERVALS))
    if axis.axis_name != "x":
        return MaxNLocator(nbins=most, steps=_TICK_STEPS)
    size = axis.get_ticklabels()[0].get_fontsize() if axis.get_ticklabels() else 10
    length = axis.axes.bbox.width * 72 / axis.figure.dpi  # points
    low, high = sorted(axis.get_view_interval())
    for n in range(most, 1, -1):
        locator = MaxNLocator(nbins=n, steps=_TICK_STEPS)
        ticks = [v for v in locator.tick_values(low, high) if low <= v <= high]
        if len(ticks) < 2:
            break
        labels = axis.get_major_formatter().format_ticks(ticks)
        widest = max(len(text) for text in labels) * _CHAR_EM * size + size
        if widest <= length * (ticks[1] - ticks[0]) / (high - low):
            return locator
    return MaxNLocator(nbins=1, steps=_TICK_STEPS)


@functools.lru_cache(maxsize=4096)
def _tick(value: float, lang: str) -> str:
    """A tick value in ``lang``, with as many decimals as it needs (up to two)."""
    for decimals in (0, 1, 2):
        if abs(value - round(value, decimals)) < 1e-9:
            return format_number(value, lang, decimals)
    return format_number(value, lang, 2)


def _title(ax, title: str | None) -> None:
    """A title drawn in the image, when asked for.

    The reports pass none: they print the title as text above the image (readable by screen
    readers, sharp at any zoom, and a third of a chart's drawing time saved).
    """
    if title:
        ax.set_title(title, loc="left", wrap=True)


def _apply(ax) -> None:
    for key, value in STYLE.items():
        if key.startswith("axes.spines."):
            ax.spines[key.rsplit(".", 1)[1]].set_visible(value)
    ax.grid(True, color=STYLE["grid.color"], linewidth=STYLE["grid.linewidth"])
    ax.set_axisbelow(True)


def grouped_bars(
    frame: pd.DataFrame,
    category: str,
    series: Sequence[str],
    series_labels: Sequence[str],
    *,
    title: str | None = None,
    ylabel: str,
    lang: str,
    scale: float = 1.0,
    max_categories: int = 12,
    illustrative: Sequence[bool] | None = None,
    illustrative_label: str = "",
):
    """Side-by-side bars of ``series`` columns per ``category`` (values divided by ``scale``).

    More than ``max_categories`` categories are reduced to the largest ones plus "…" so that a
    chart for hundreds of communes stays legible. Categories flagged in ``illustrative`` (one
    flag per row of ``frame``) are drawn with a dashed outline and a lighter fill, and the
    legend explains them with ``illustrative_label``.
    """
    with plt.rc_context(CHART_STYLE):
        data = frame.copy()
        data["_illustrative"] = list(illustrative) if illustrative is not None else False
        if len(data) > max_categories:
            data = data.nlargest(max_categories, series[0])
        names = [textwrap.fill(name, _LABEL_CHARS) for name in data[category].astype(str)]
        lines = max((name.count("\n") + 1 for name in names), default=1)
        # each category as tall as its bars (0.3 in) or its wrapped name (0.2 in a line)
        fig, ax = _figure(height=max(3.0, max(0.3, 0.2 * lines) * len(data) + 2))
        _apply(ax)
        y = np.arange(len(data))
        height = 0.8 / max(len(series), 1)
        for i, (col, lbl) in enumerate(zip(series, series_labels, strict=True)):
            values = pd.to_numeric(data[col], errors="coerce").astype(float).fillna(0) / scale
            bars = ax.barh(
                y + i * height,
                values,
                height=height,
                color=GREYS[i % len(GREYS)],
                edgecolor="#222222",
                linewidth=0.6,
                hatch=HATCHES[i % len(HATCHES)],
                label=lbl,
            )
            for bar, flagged in zip(bars, data["_illustrative"], strict=True):
                if flagged:
                    bar.set_alpha(0.45)
                    bar.set_linestyle("--")
        ax.set_yticks(y + height * (len(series) - 1) / 2, names)
        ax.invert_yaxis()
        ax.set_xlabel(ylabel)
        _title(ax, title)
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: _tick(v, lang)))
        handles, _ = ax.get_legend_handles_labels()
        if data["_illustrative"].any() and illustrative_label:
            handles.append(
                Patch(
                    facecolor="white", edgecolor="#222222", linestyle="--", label=illustrative_label
                )
            )
        _from_zero(ax, "x")
        _legend(ax, handles)
        _fit(fig)
    return fig


def trend_lines(
    frame: pd.DataFrame,
    x: str,
    groups: Sequence[str],
    labels: Sequence[str],
    *,
    title: str | None = None,
    ylabel: str,
    lang: str,
    marker_x: float | None = None,
    marker_label: str | None = None,
    ylim: tuple[float, float] | None = None,
    height: float = 3.6,
    illustrative: Collection | None = None,
    illustrative_label: str = "",
):
    """Lines over ``x`` for each column in ``groups``, distinguished by line style and marker.

    Points whose ``x`` is in ``illustrative`` (years resting on illustrative rows, say) are
    drawn hollow, real ones filled; the legend explains the hollow marker with
    ``illustrative_label``.
    """
    hollow = set(illustrative or ())
    with plt.rc_context(CHART_STYLE):
        fig, ax = _figure(height)
        _apply(ax)
        for i, (col, lbl) in enumerate(zip(groups, labels, strict=True)):
            ax.plot(
                frame[x].astype(int),
                pd.to_numeric(frame[col], errors="coerce"),
                color=GREYS[i % 2 * 1],
                linestyle=LINESTYLES[i % len(LINESTYLES)],
                marker=MARKERS[i % len(MARKERS)],
                linewidth=2,
                label=lbl,
            )
            shown = frame[frame[x].astype(int).isin(hollow).to_numpy(bool)]
            _hollow_points(
                ax,
                shown[x].astype(int),
                pd.to_numeric(shown[col], errors="coerce"),
                marker=MARKERS[i % len(MARKERS)],
                color=GREYS[i % 2 * 1],
            )
        if hollow & set(frame[x].astype(int)) and illustrative_label:
            ax.plot(
                [],
                [],
                linestyle="none",
                marker="o",
                markerfacecolor="white",
                markeredgecolor="#222222",
                label=illustrative_label,
            )
        if marker_x is not None:
            # Its label in the legend (above the plot), where no line can run through it.
            ax.axvline(marker_x, color=ACCENT, linewidth=1, linestyle=":", label=marker_label)
        ax.set_xticks(sorted(frame[x].astype(int).unique()))
        ax.set_ylabel(ylabel)
        if ylim:
            ax.set_ylim(*ylim)
        else:
            _from_zero(ax, "y")
        _title(ax, title)
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: _tick(v, lang)))
        _legend(ax)
        _fit(fig)
    return fig


def permutation_histogram(
    estimates: Sequence[float],
    observed: float,
    *,
    title: str | None = None,
    xlabel: str,
    ylabel: str,
    observed_label: str,
    lang: str,
):
    """Distribution of the estimate under every reassignment of treatment, observed marked.

    Both axes' numbers follow ``lang`` (``-1,5`` in Vietnamese, ``-1.5`` in English).
    """
    with plt.rc_context(CHART_STYLE):
        fig, ax = _figure(height=3.0)
        _apply(ax)
        ax.hist(
            np.asarray(estimates, dtype=float),
            bins=30,
            histtype="stepfilled",
            color=GREYS[2],
            edgecolor=GREYS[0],
            linewidth=0.5,
        )
        ax.axvline(observed, color=ACCENT, linewidth=2, linestyle="--", label=observed_label)
        _title(ax, title)
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: _tick(v, lang)))
        # counts of assignments: whole numbers only (two bars of one are not ticked 0.2, 0.4)
        ax.yaxis.set_major_locator(
            MaxNLocator(nbins=MAX_TICK_INTERVALS, steps=_TICK_STEPS, integer=True)
        )
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: _tick(v, lang)))
        _legend(ax)
        _fit(fig)
    return fig


LINE_GREYS = ("#222222", "#5a5a5a", "#8c8c8c", "#b0b0b0")
"""Grey levels of :func:`panel_lines`' series (with line styles: readable printed in greyscale)."""


def panel_lines(
    panels: Sequence[tuple[str, pd.DataFrame]],
    *,
    ylabel: str,
    lang: str,
    xlim: tuple[float, float] | None = None,
):
    """Small multiples of lines over years, one panel per ``(title, frame)``, same value axis.

    Each frame has ``series`` (the legend's label: one grey and line style per series within
    a panel), ``segment`` (points of one segment are joined; two segments of a series never
    are: a change of definition), ``year``, ``value``, ``marker`` (matplotlib's marker code,
    one per segment) and ``hollow`` (an uncertain point is drawn hollow). The panels stand
    one above the other, each with its value label and, above its plot where it covers no
    line, its legend headed by the panel's title (a panel with nothing to draw has only the
    title).
    """
    n = max(len(panels), 1)
    entries = sum(frame["series"].nunique() + 1 for _, frame in panels)  # legend lines
    with plt.rc_context(CHART_STYLE):
        fig = new_figure(figsize=(CHART_WIDTH, 2.1 * n + 0.25 * entries + 0.4))
        axes = fig.subplots(n, 1, sharey=True, squeeze=False)[:, 0]
        for ax, (title, frame) in zip(axes, panels, strict=True):
            _apply(ax)
            _draw_lines(ax, frame)
            if ax.get_legend_handles_labels()[0]:
                ax.legend(
                    title=title,
                    title_fontproperties={"weight": "bold", "size": CHART_FONT_SIZE},
                    alignment="left",
                    loc="lower left",
                    bbox_to_anchor=(0.0, 1.02),
                    borderaxespad=0,
                )
            else:
                ax.set_title(title, loc="left", fontsize=CHART_FONT_SIZE)
            ax.xaxis.set_major_locator(MaxNLocator(nbins="auto", integer=True))
            ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: _tick(v, lang)))
            if xlim:
                ax.set_xlim(*xlim)
        _from_zero(axes[0], "y")
        for ax in axes:
            ax.set_ylabel(ylabel)
        _fit(fig)
    return fig


def _draw_lines(ax, frame: pd.DataFrame) -> None:
    """One panel of :func:`panel_lines`: a line with its points per segment (filled), the
    hollow points drawn over them, one legend entry per series."""
    for i, (series, rows) in enumerate(frame.groupby("series", sort=False)):
        grey = LINE_GREYS[i % len(LINE_GREYS)]
        style = LINESTYLES[i % len(LINESTYLES)]
        text = series
        for _, part in rows.groupby("segment", sort=False):
            part = part.sort_values("year")
            marker = part["marker"].iloc[0]
            ax.plot(
                part["year"],
                part["value"],
                linestyle=style,
                color=grey,
                linewidth=1.2,
                marker=marker,
                markersize=5,
                label=text,
            )
            text = None  # one legend entry per series
            hollow = part[part["hollow"].to_numpy(bool)]
            if not hollow.empty:
                _hollow_points(
                    ax, hollow["year"], hollow["value"], marker=marker, color=grey, markersize=5
                )


def _hollow_points(ax, xs, ys, *, marker: str, color: str, **style) -> None:
    """Points drawn hollow (white inside) over their line: an uncertain or illustrative value.

    Used by :func:`trend_lines` and :func:`panel_lines`, so that both mark such a value the
    same way."""
    ax.plot(
        xs,
        ys,
        linestyle="none",
        marker=marker,
        markerfacecolor="white",
        markeredgecolor=color,
        zorder=3,
        **style,
    )
