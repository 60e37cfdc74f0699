"""The house style and the chart builders. Builders return figures and do no I/O.

Charts must read when printed in greyscale: series differ by grey level *and* by hatch or line
style, never by hue alone. Titles and axis labels come from the caller in the report's language;
reports put a chart's title in the page, above the image, rather than in it.

Figures are drawn on their own Agg canvas, outside pyplot: importing this module leaves the
session's plotting backend alone, so a chart returned in JupyterLab shows inline.
"""

from __future__ import annotations

import functools
from collections.abc import Collection, Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.layout_engine import TightLayoutEngine
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
    "svg.hashsalt": "bien-cuong",
    # Labels come from data (commune names, activity descriptions): a "$" must print as
    # itself, not start mathematical notation (which fails on an unpaired "$").
    "text.parse_math": False,
}


MAX_TICK_INTERVALS = 7
"""Numbered axes have at most seven intervals (matplotlib's automatic locator allows nine):
round steps (0, 50, 100... rather than 0, 25, 50...), a lighter grid, fewer labels to read
and to draw."""


def new_figure(**kwargs) -> Figure:
    """A matplotlib figure on its own Agg canvas, outside pyplot (``Figure(**kwargs)``).

    Nothing to close, and whatever backend the session uses (JupyterLab's inline one, a
    desktop's window toolkit) is neither needed nor changed.
    """
    fig = Figure(**kwargs)
    FigureCanvasAgg(fig)
    return fig


def _figure(width: float = 7.5, height: float = 3.6):
    """A figure and its axes in the house style (see :func:`new_figure`).

    It has no layout engine: :func:`_fit` lays it out once, when the chart is complete, so
    that saving it draws it once (a layout engine makes ``savefig`` draw twice).
    """
    with plt.rc_context(STYLE):
        fig = new_figure(figsize=(width, height))
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
                n = int(np.clip(axis.get_tick_space(), 1, MAX_TICK_INTERVALS))
                axis.set_major_locator(MaxNLocator(nbins=n, steps=[1, 2, 2.5, 5, 10]))
    TightLayoutEngine(pad=0.4, rect=None).execute(fig)


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
    with plt.rc_context(STYLE):
        data = frame.copy()
        data["_illustrative"] = list(illustrative) if illustrative is not None else False
        if len(data) > max_categories:
            data = data.nlargest(max_categories, series[0])
        fig, ax = _figure(height=max(3.0, 0.3 * len(data) + 2))
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
        ax.set_yticks(y + height * (len(series) - 1) / 2, data[category].astype(str).tolist())
        ax.invert_yaxis()
        ax.set_xlabel(ylabel)
        _title(ax, title)
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: _tick(v, lang)))
        if data["_illustrative"].any() and illustrative_label:
            ax.barh(
                [], [], color="white", edgecolor="#222222", linestyle="--", label=illustrative_label
            )
        ax.legend(loc="lower right")
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
    size: tuple[float, float] = (7.5, 3.6),
    illustrative: Collection | None = None,
    illustrative_label: str = "",
):
    """Lines over ``x`` for each column in ``groups``, distinguished by line style and marker.

    Points whose ``x`` is in ``illustrative`` (years resting on illustrative rows, say) are
    drawn hollow, real ones filled; the legend explains the hollow marker with
    ``illustrative_label``.
    """
    hollow = set(illustrative or ())
    with plt.rc_context(STYLE):
        fig, ax = _figure(*size)
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
            ax.plot(
                shown[x].astype(int),
                pd.to_numeric(shown[col], errors="coerce"),
                linestyle="none",
                marker=MARKERS[i % len(MARKERS)],
                markerfacecolor="white",
                markeredgecolor=GREYS[i % 2 * 1],
                zorder=3,
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
            ax.axvline(marker_x, color=ACCENT, linewidth=1, linestyle=":")
            if marker_label:
                ax.annotate(
                    marker_label,
                    (marker_x, 1),
                    xycoords=("data", "axes fraction"),
                    xytext=(0, 3),  # above the plot, where no line can run through it
                    textcoords="offset points",
                    ha="center",
                    va="bottom",
                    fontsize=8,
                    color=ACCENT,
                )
        ax.set_xticks(sorted(frame[x].astype(int).unique()))
        ax.set_ylabel(ylabel)
        if ylim:
            ax.set_ylim(*ylim)
        _title(ax, title)
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: _tick(v, lang)))
        ax.legend(loc="best")
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
    with plt.rc_context(STYLE):
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
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: _tick(v, lang)))
        ax.legend(loc="upper right")
        _fit(fig)
    return fig
