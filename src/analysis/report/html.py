"""HTML fragments for the reports. Every string that comes from data is escaped here.

A :class:`Fragment` is a ``str`` that Jupyter displays as HTML, so a notebook cell can simply
return it. Tables format their cells through the message catalogue and the locale helpers, and
people counts go through :mod:`analysis.disclosure`, so no table can show a small count.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import pandas as pd
from markupsafe import Markup, escape

from analysis.i18n import (
    format_date,
    format_money,
    format_number,
    format_percent,
    is_missing,
    label,
    t,
)


class Fragment(Markup):
    """A piece of trusted HTML, on markupsafe's ``Markup``: any plain text joined to it (with
    ``+``, :func:`join`, :func:`section`, :func:`page`) is escaped, so a forgotten
    :func:`esc` cannot become an injection. Only this module's functions wrap markup they
    built themselves."""

    def _repr_html_(self) -> str:
        return str(self)

    def _repr_pretty_(self, printer, cycle: bool) -> None:
        """A one-line plain-text stand-in: the HTML is the output.

        Without it a notebook output would also carry the whole HTML again as a quoted
        Python string (charts included), doubling the executed notebook and its messages.
        """
        printer.text(f"<HTML: {len(self):,} characters>")


def esc(value: object) -> Fragment:
    """Escape any text for HTML (quotes included); markup stays as it is."""
    return Fragment(escape("" if value is None else value))


def join(parts: Iterable[str]) -> Fragment:
    """Parts joined: fragments as they are, plain text escaped."""
    return Fragment(Markup("").join(parts))


def element(tag: str, *children: str, **attributes: str) -> Fragment:
    """``<tag attributes>children</tag>``: attribute values and plain-text children escaped
    (``class_`` for ``class``, ``aria_label`` for ``aria-label``)."""
    attrs = "".join(
        f' {name.rstrip("_").replace("_", "-")}="{esc(value)}"'
        for name, value in attributes.items()
    )
    return Fragment(f"<{tag}{attrs}>") + join(children) + Fragment(f"</{tag}>")


def p(text: str, cls: str | None = None) -> Fragment:
    """A paragraph of plain text (escaped)."""
    return element("p", text, class_=cls) if cls else element("p", text)


def h(level: int, text: str) -> Fragment:
    return element(f"h{int(level)}", text)


def missing(text: str) -> Fragment:
    """A visible note that evidence is missing, instead of silently dropping a table."""
    return element("p", text, class_="missing")


def ul(items: Iterable[str]) -> Fragment:
    return element("ul", *(element("li", i) for i in items))


def section(section_id: str, title: str, *parts: str) -> Fragment:
    """A report section: one HTML element with a stable English id."""
    return element("section", element("h2", title), *parts, id=section_id)


def page(cls: str, *parts: str) -> Fragment:
    """A block laid out by the stylesheet class ``cls`` (e.g. the commune profile)."""
    return element("div", *parts, class_=cls)


ILLUSTRATIVE_MARK = "*"
"""The mark of a figure that rests on illustrative rows (with the ``illustrative`` style)."""


def kpis(items: Iterable[tuple[str, str]], *, illustrative: bool = False) -> Fragment:
    """Key figures as (value, label) boxes; marked when they rest on illustrative rows."""
    cls = "kpi illustrative" if illustrative else "kpi"
    mark = (
        f'<span class="mark" aria-hidden="true">{ILLUSTRATIVE_MARK}</span>' if illustrative else ""
    )
    boxes = "".join(
        f'<div class="{cls}"><div class="value">{esc(v)}{mark}</div>'
        f'<div class="label">{esc(lbl)}</div></div>'
        for v, lbl in items
    )
    return Fragment(f'<div class="kpis">{boxes}</div>')


@dataclass(frozen=True)
class Col:
    """How to show one column: its title and kind.

    Kinds: ``text``, ``year``, ``money``, ``number``, ``number1`` (one decimal), ``number4``
    (four: p-values), ``percent``, ``date``, ``people`` (a count of people: the cell holds
    its ledger key, and the ledger shows it or hides it), ``count`` (another count of the
    ledger, such as calves born), ``enum:<field>`` (a label from the catalogue), ``bool``.
    Any cell holding
    :data:`HIDDEN` shows the withheld mark.
    """

    title: str
    kind: str = "text"


class _Hidden:
    """A figure withheld because it would reveal a hidden count of people (see
    :class:`analysis.disclosure.Ledger`); shown as the ``suppressed_complementary`` mark."""

    def __repr__(self) -> str:
        return "HIDDEN"


HIDDEN = _Hidden()


def format_cell(value: object, kind: str, lang: str, ledger=None) -> str:
    if value is HIDDEN:
        return t("suppressed_complementary", lang)
    if kind in ("people", "count"):
        # Not a ledger key: nobody counted (zero) or unknown.
        if not isinstance(value, tuple) and (is_missing(value) or value == 0):
            return format_number(0, lang) if value == 0 else t("missing_value", lang)
        if ledger is None or not isinstance(value, tuple):
            raise TypeError(
                f"a count of people must be shown through the report's ledger (got {value!r})"
            )
        return ledger.show(value, lang)
    if kind == "year":
        return t("missing_value", lang) if is_missing(value) else str(int(value))
    if kind == "money":
        return format_money(value, lang)
    if kind == "number":
        return format_number(value, lang)
    if kind == "number1":
        return format_number(value, lang, decimals=1)
    if kind == "number4":  # p-values
        return format_number(value, lang, decimals=4)
    if kind == "percent":
        return format_percent(value, lang)
    if kind == "date":
        return format_date(value, lang)
    if kind.startswith("enum:"):
        return label(kind[5:], value, lang)
    if kind == "bool":
        return t("yes" if value else "no", lang) if not pd.isna(value) else t("missing_value", lang)
    return (
        t("missing_value", lang)
        if value is None or (not isinstance(value, str) and pd.isna(value))
        else str(value)
    )


NUMERIC_KINDS = ("money", "number", "number1", "number4", "percent", "people", "count")


def table(
    frame: pd.DataFrame,
    columns: Mapping[str, Col],
    *,
    lang: str,
    caption: str,
    ledger=None,
    total_row: bool = False,
    illustrative: Sequence[bool] | None = None,
) -> Fragment:
    """An HTML table of ``frame`` showing ``columns`` (in that order), formatted for ``lang``.

    ``people`` columns hold ledger keys: ``ledger`` (the report's
    :class:`analysis.disclosure.Ledger`) shows each count or hides it, the same way in every
    table of the report. The last row is styled as a total with ``total_row``. Rows flagged
    in ``illustrative`` rest on illustrative rows: styled ``illustrative`` and their first
    cell marked with :data:`ILLUSTRATIVE_MARK` (the report explains the mark once).
    """
    head = "".join(f'<th scope="col">{esc(c.title)}</th>' for c in columns.values())
    classes = [
        {"people": ' class="num people"'}.get(
            col.kind, ' class="num"' if col.kind in NUMERIC_KINDS else ""
        )
        for col in columns.values()
    ]
    # Column by column: each value keeps its column's type (a row would mix them).
    shown = [
        [format_cell(value, col.kind, lang, ledger) for value in frame[name].tolist()]
        for name, col in columns.items()
    ]
    body = []
    last = len(frame) - 1
    flags = list(illustrative) if illustrative is not None else [False] * len(frame)
    for i, texts in enumerate(zip(*shown, strict=True)):
        marked = [esc(text) for text in texts]
        if flags[i] and marked:
            marked[0] += Fragment(
                f'<span class="mark" aria-hidden="true">{ILLUSTRATIVE_MARK}</span>'
            )
        # The class comes from the cell's own text, not from its markup (the mark's
        # <span> is no long word: it made every marked first cell break anywhere).
        cells = "".join(
            f"<td{_address_class(plain) or cls}>{text}</td>"
            for cls, text, plain in zip(classes, marked, texts, strict=True)
        )
        row_classes = [
            c for c, on in (("total", total_row and i == last), ("illustrative", flags[i])) if on
        ]
        cls = f' class="{" ".join(row_classes)}"' if row_classes else ""
        body.append(f"<tr{cls}>{cells}</tr>")
    table_html = Fragment(
        f'<table class="data"><caption>{esc(caption)}</caption>'
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
    )
    return scroll_box(
        table_html,
        caption,
        lang=lang,
        wide=_looks_wide(columns, shown),
        short=len(frame) <= SHORT_TABLE_ROWS
        and sum(len(text) for texts in shown for text in texts) <= SHORT_TABLE_CHARS
        and max((len(text) for texts in shown for text in texts), default=0) <= SHORT_TABLE_CELL,
    )


SHORT_TABLE_ROWS = 15
SHORT_TABLE_CHARS = 1200
SHORT_TABLE_CELL = 120
"""A table of at most :data:`SHORT_TABLE_ROWS` rows, :data:`SHORT_TABLE_CHARS` characters in
its cells and no cell longer than this (a third of an A4 page or so) is never split across
printed pages; a longer one, or one with paragraphs in its cells (the evaluation matrix's
rules, whose few rows stand taller than a page's rest), may be, row by row, its column
titles repeated."""


def _address_class(text: str) -> str:
    """`` class="addr"`` for a cell holding a web address or another word too long for a
    narrow column (a file path): such a cell may wrap anywhere (stylesheet)."""
    text = str(text)
    long_word = max((len(word) for word in text.split()), default=0) > LONG_WORD
    return ' class="addr"' if text.startswith(("http://", "https://")) or long_word else ""


LONG_WORD = 24
"""A cell with a word longer than this (in characters) may break it anywhere."""


PHONE_CONTENT_PX = 366
"""The width in CSS pixels a table has on a 390 px phone screen (12 px padding a side)."""


def _looks_wide(columns: Mapping[str, Col], shown: Sequence[Sequence[str]]) -> bool:
    """Whether a table is likely wider than a phone screen (then a hint says it scrolls).

    An over-estimate on purpose: about 8 px a character of a column's longest word, title or
    numeric cell, plus the cell padding; a false "wide" costs one line of hint text.
    """
    width = 0.0
    for col, texts in zip(columns.values(), shown, strict=True):
        words = [w for text in (col.title, *texts) for w in str(text).split()]
        cells = texts if col.kind in NUMERIC_KINDS else words
        width += 8.0 * max((len(c) for c in (*cells, *col.title.split())), default=1) + 17
    return width > PHONE_CONTENT_PX * 0.8


def scroll_box(
    content: str, label: str, *, lang: str, wide: bool = True, short: bool = False
) -> Fragment:
    """``content`` (a table) in a box that scrolls sideways on its own on a narrow screen.

    The page itself never scrolls sideways; a shadow at the box's edge (stylesheet) shows
    that more lies beyond it, and for a table likely wider than a phone (``wide``) a hint in
    the reader's language says so (shown on narrow screens only). The box is a named,
    focusable region so a keyboard can scroll it. A ``short`` box is kept on one printed
    page.
    """
    hint = element("p", t("layout.scroll_hint", lang), class_="scroll-hint") if wide else ""
    box = element(
        "div",
        content,
        class_="table-scroll short" if short else "table-scroll",
        role="region",
        tabindex="0",
        aria_label=label,
    )
    return join([hint, box])


def chart(fig, alt: str, caption: str, title: str | None = None) -> Fragment:
    """Embed a chart of :mod:`analysis.charts` as SVG, with alt text and a caption; closes it.

    ``title`` is printed as text above the image (not drawn into it). The chart is drawn for
    a phone (:data:`analysis.charts.CHART_WIDTH`); the stylesheet shows it at that width on a
    phone and a little larger on a wider screen or paper. The image carries ``data-text-px``:
    the size of its smallest text in CSS pixels when shown at its natural width (the browser
    tests compare it with the body text).
    """
    from analysis import charts

    image = (
        f'<img src="{_svg(fig)}" alt="{esc(alt)}" '
        f'data-text-px="{charts.smallest_text_px(fig):.1f}">'
    )
    return _figure("chart", image, caption, title)


def figure(fig, alt: str, caption: str, title: str | None = None) -> Fragment:
    """Embed a picture that is not a chart (a map, a diagram) as a PNG at :data:`FIGURE_DPI`,
    with alt text and a caption; closes it. ``title`` is printed as text above the image."""
    from analysis import charts

    image = (
        f'<img src="{_png(fig, FIGURE_DPI)}" alt="{esc(alt)}" '
        f'data-text-px="{charts.smallest_text_px(fig, FIGURE_DPI):.1f}">'
    )
    return _figure("picture", image, caption, title)


def _figure(cls: str, image: str, caption: str, title: str | None) -> Fragment:
    heading = f'<p class="figure-title">{esc(title)}</p>' if title else ""
    return Fragment(
        f'<figure class="{cls}">{heading}{image}<figcaption>{esc(caption)}</figcaption></figure>'
    )


FIGURE_DPI = 110
"""Pixels per inch of a figure embedded as PNG (a map): one image pixel per CSS pixel at its
natural size."""


def _png(fig, dpi: float) -> str:
    """``fig`` as a PNG data URI; the figure is closed."""
    return _data_uri(fig, "png", "image/png", dpi=dpi, metadata={"Software": None})


def _svg(fig) -> str:
    """``fig`` as an SVG data URI (:data:`analysis.charts.SVG_OPTIONS`: the same chart gives
    the same bytes, text drawn as shapes); the figure is closed."""
    from analysis.charts import SVG_OPTIONS

    return _data_uri(fig, "svg", "image/svg+xml", rc=SVG_OPTIONS, metadata={"Date": None})


def _data_uri(fig, fmt: str, mime: str, rc: Mapping | None = None, **options) -> str:
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    with plt.rc_context(rc):
        fig.savefig(buf, format=fmt, **options)
    plt.close(fig)
    return f"data:{mime};base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def definition_list(items: Iterable[tuple[str, str]]) -> Fragment:
    return Fragment(
        "<dl>" + "".join(f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>" for k, v in items) + "</dl>"
    )
