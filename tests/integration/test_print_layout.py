"""The reports printed on A4 by Debian's headless Chromium: nothing runs off the page, and
each table's caption is printed on the same page as the table (a short table whole).

Two checks, by two methods:

- in print emulation at the width of A4's content box (210 mm less the stylesheet's 11 mm
  margins a side, 188 mm = 710.6 CSS px), no element reaches past the right edge and no box
  hides part of its content (what a scroll box would clip on paper);
- in the printed PDF (``page.pdf``, the stylesheet's ``@page``), read back with
  ``pdftotext -bbox-layout`` (Debian's poppler-utils), every word lies inside the page's
  margins (the page numbers inside the bottom margin), and for each table, the page that
  holds its caption also holds, after the caption, its column titles and, for a short table
  (``table-scroll short``), its last row.
"""

from __future__ import annotations

import html
import os
import re
import shutil
import subprocess
import unicodedata
from pathlib import Path

import pytest

from analysis.paths import DATAPACKAGE, PROJECT_ROOT
from analysis.render import CHROMIUM_ARGS, make_job, render

pytestmark = [pytest.mark.slow, pytest.mark.browser]

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
TINY = PROJECT_ROOT / "tests" / "fixtures" / "tiny_package" / "datapackage.json"

if not CHROMIUM:
    if os.environ.get("CI"):
        pytest.fail("Chromium is missing in CI", pytrace=False)
    pytest.skip("Debian's chromium is not installed (run `make browser`)", allow_module_level=True)
if not shutil.which("pdftotext"):
    pytest.skip("pdftotext (poppler-utils) is not installed", allow_module_level=True)

sync_api = pytest.importorskip("playwright.sync_api")

MM = 72 / 25.4  # points per millimetre
PAGE_W, PAGE_H = 595.28, 841.89  # A4 in points
MARGIN = {"top": 10 * MM, "right": 11 * MM, "bottom": 14 * MM, "left": 11 * MM}  # report.css
CONTENT_PX = (210 - 22) / 25.4 * 96  # A4's content width in CSS pixels: 710.6

REPORTS = {
    "annual_vi": ("annual", "vi", {"year": 2024}),
    "annual_en": ("annual", "en", {"year": 2024}),
    "phase_vi": ("phase", "vi", {}),
    "profile_vi": ("commune", "vi", {"commune_code": "16834"}),
    # the bundled package's phase report: its context chart stacks three provinces' panels
    "phase_bundled_vi": ("phase", "vi", {}),
}
PAGE_CONTENT_PX = (297 - 24) / 25.4 * 96  # A4's content height in CSS pixels: 1031.8

LAYOUT = """(width) => {
  const out = {overflowing: [], clipped: []};
  for (const el of document.querySelectorAll('body *')) {
    const r = el.getBoundingClientRect();
    if (r.width > 0 && r.right > width + 0.5) {
      out.overflowing.push(`${el.tagName}.${el.className} right=${r.right.toFixed(1)}`);
    }
    const style = getComputedStyle(el);
    if (style.overflowX !== 'visible' && el.scrollWidth > el.clientWidth + 1) {
      out.clipped.push(`${el.tagName}.${el.className} ${el.scrollWidth}>${el.clientWidth}`);
    }
  }
  out.tables = Array.from(document.querySelectorAll('table.data')).map((t) => ({
    caption: t.caption ? t.caption.textContent : '',
    head: t.tHead ? t.tHead.innerText : '',
    last: t.tBodies.length && t.tBodies[0].rows.length
      ? t.tBodies[0].rows[t.tBodies[0].rows.length - 1].innerText : '',
    short: !!t.closest('.table-scroll.short'),
  }));
  out.charts = Array.from(document.querySelectorAll('figure.chart')).map(
    (f) => f.getBoundingClientRect().height);
  return out;
}"""


def _key(text: str) -> str:
    """Text as compared between the page and the PDF: NFC, no spaces, no illustrative mark."""
    return re.sub(r"[\s*]+", "", unicodedata.normalize("NFC", text))


def _pdf_pages(pdf: Path) -> list[list[tuple[float, float, float, float, str]]]:
    """Each page's words as (xMin, yMin, xMax, yMax, text), points from the top left."""
    xhtml = subprocess.run(
        ["pdftotext", "-bbox-layout", "-enc", "UTF-8", str(pdf), "-"],
        capture_output=True,
        check=True,
    ).stdout.decode("utf-8")
    word = re.compile(
        r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>'
    )
    return [
        [(float(a), float(b), float(c), float(d), html.unescape(t)) for a, b, c, d, t in words]
        for words in (word.findall(chunk) for chunk in xhtml.split("<page ")[1:])
    ]


@pytest.fixture(scope="module")
def printed(tmp_path_factory) -> dict[str, dict]:
    tmp = tmp_path_factory.mktemp("print")
    out = {}
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=list(CHROMIUM_ARGS))
        try:
            for name, (kind, lang, params) in REPORTS.items():
                package = DATAPACKAGE if "bundled" in name else TINY
                path = render(make_job(kind, lang, package, tmp / name, **params)).job.html_path
                context = browser.new_context(
                    viewport={"width": int(CONTENT_PX), "height": 1000}, offline=True
                )
                page = context.new_page()
                page.goto(Path(path).as_uri(), wait_until="load")
                page.emulate_media(media="print")
                layout = page.evaluate(LAYOUT, CONTENT_PX)
                pdf = tmp / f"{name}.pdf"
                page.pdf(path=str(pdf), prefer_css_page_size=True, print_background=True)
                context.close()
                out[name] = {"layout": layout, "pages": _pdf_pages(pdf)}
        finally:
            browser.close()
    return out


@pytest.mark.parametrize("name", REPORTS)
def test_nothing_reaches_past_the_printed_width_or_is_clipped(printed, name):
    layout = printed[name]["layout"]
    assert layout["overflowing"] == []
    assert layout["clipped"] == []


@pytest.mark.parametrize("name", REPORTS)
def test_every_printed_word_lies_inside_the_margins(printed, name):
    pages = printed[name]["pages"]
    assert pages
    left, right = MARGIN["left"] - 1, PAGE_W - MARGIN["right"] + 1
    top, bottom = MARGIN["top"] - 1, PAGE_H - MARGIN["bottom"] + 1
    for number, words in enumerate(pages, 1):
        assert words, f"page {number} is empty"
        for x0, y0, x1, y1, text in words:
            if y0 >= bottom - 2 and re.fullmatch(r"\d+|/", text):
                continue  # the page number, "n / N", printed in the bottom margin
            assert left <= x0 and x1 <= right, f"page {number}: {text!r} at x {x0:.1f}–{x1:.1f}"
            assert top <= y0 and y1 <= bottom, f"page {number}: {text!r} at y {y0:.1f}–{y1:.1f}"


def _find_in_order(words: list[str], wanted: list[str], start: int) -> int | None:
    """Where ``wanted`` ends in ``words`` (from ``start``): its words in order, each within a
    few words of the one before (``pdftotext`` may interleave the lines of two columns, as
    in the commune profile). None if it is not there."""
    for i in range(start, len(words)):
        if words[i] != wanted[0]:
            continue
        at, ok = i, True
        for word in wanted[1:]:
            window = words[at + 1 : at + 12]
            if word not in window:
                ok = False
                break
            at = at + 1 + window.index(word)
        if ok:
            return at + 1
    return None


def _present(word: str, text: str) -> bool:
    """``word`` is in ``text``, or, a word the PDF wrapped over two lines (whose neighbours'
    lines ``pdftotext`` may put between them), both its parts are."""
    return word in text or any(
        word[:k] in text and word[k:] in text for k in range(3, len(word) - 2)
    )


@pytest.mark.parametrize("name", REPORTS)
def test_each_caption_is_printed_on_its_tables_page(printed, name):
    tables = printed[name]["layout"]["tables"]
    assert tables
    pages = [[k for w in words if (k := _key(w[4]))] for words in printed[name]["pages"]]
    page, offset = 0, 0
    for table in tables:
        caption = [k for w in table["caption"].split() if (k := _key(w))]
        assert caption, "every table has a caption"
        for number in range(page, len(pages)):
            found = _find_in_order(pages[number], caption, offset if number == page else 0)
            if found is not None:
                page, offset = number, found
                break
        else:
            pytest.fail(f"caption {table['caption']!r} not found in order in the PDF")
        rest = "".join(pages[page][offset:])
        for word in table["head"].split():
            assert _present(_key(word), rest), (
                f"{table['caption']!r} is on page {page + 1}, its column {word!r} is not"
            )
        if table["short"]:
            for word in table["last"].split():
                assert _present(_key(word), rest), (
                    f"the short table {table['caption']!r} is split: its last row's {word!r} "
                    f"is not on page {page + 1}"
                )


@pytest.mark.parametrize("name", REPORTS)
def test_a_printed_chart_fits_on_one_page_with_its_title_and_caption(printed, name):
    """A figure is never split (break-inside: avoid), so one taller than a page would be cut
    at the page's foot: the bundled phase report's three stacked context panels (about
    30 cm at their screen width) are shown smaller on paper, whole."""
    charts = printed[name]["layout"]["charts"]
    if name == "phase_bundled_vi":
        assert charts, "the bundled phase report draws charts"
    assert all(0 < h <= PAGE_CONTENT_PX for h in charts), charts
