"""The reports on a 390 px phone screen (Debian's headless Chromium, network off).

The page never scrolls sideways; a table wider than the screen scrolls in its own box, with
a hint above it; the commune profile is one column; each chart (drawn for a phone) is shown at
a size where its smallest text is at least the body text's size.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from analysis.paths import PROJECT_ROOT
from analysis.render import CHROMIUM_ARGS, make_job, render

pytestmark = [pytest.mark.slow, pytest.mark.browser]

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
TINY = PROJECT_ROOT / "tests" / "fixtures" / "tiny_package" / "datapackage.json"
PHONE = {"width": 390, "height": 844}

if not CHROMIUM:
    if os.environ.get("CI"):
        pytest.fail("Chromium is missing in CI", pytrace=False)
    pytest.skip("Debian's chromium is not installed (run `make browser`)", allow_module_level=True)

sync_api = pytest.importorskip("playwright.sync_api")

MEASURE = """() => {
  const box = (el) => el.getBoundingClientRect();
  const tables = Array.from(document.querySelectorAll('.table-scroll')).map((wrap) => {
    const table = wrap.querySelector('table');
    const hint = wrap.previousElementSibling;
    const before = wrap.scrollLeft;
    wrap.scrollLeft = 60;
    const after = wrap.scrollLeft;
    wrap.scrollLeft = before;
    return {
      caption: table.caption ? table.caption.textContent : '',
      tableWidth: table.getBoundingClientRect().width,
      boxWidth: wrap.clientWidth,
      boxRight: box(wrap).right,
      overflowX: getComputedStyle(wrap).overflowX,
      scrolled: after,
      hint: hint && hint.classList.contains('scroll-hint') && hint.offsetParent !== null
        ? hint.innerText.trim() : '',
    };
  });
  const charts = Array.from(document.querySelectorAll('figure.chart')).map((fig) => {
    const img = fig.querySelector('img');
    return {
      natural: img.naturalWidth,
      shown: img.clientWidth,
      right: box(img).right,
      textPx: parseFloat(img.dataset.textPx),
    };
  });
  const profile = document.querySelector('.profile');
  const blocks = profile ? Array.from(profile.children).map((el) => {
    const r = box(el); return {left: r.left, width: r.width};
  }) : [];
  return {
    scrollWidth: document.documentElement.scrollWidth,
    bodyPx: parseFloat(
      getComputedStyle(document.querySelector('main p') || document.body).fontSize),
    tables, charts, blocks,
    profileWidth: profile ? profile.getBoundingClientRect().width : 0,
  };
}"""


@pytest.fixture(scope="module")
def measured(tmp_path_factory) -> dict[str, dict]:
    tmp = tmp_path_factory.mktemp("phone")
    paths = {
        "annual": render(make_job("annual", "vi", TINY, tmp, year=2024)).job.html_path,
        "profile": render(make_job("commune", "vi", TINY, tmp, commune_code="16834")).job.html_path,
    }
    out = {}
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=list(CHROMIUM_ARGS))
        try:
            for name, path in paths.items():
                context = browser.new_context(viewport=PHONE, offline=True)
                page = context.new_page()
                page.goto(Path(path).as_uri(), wait_until="load")
                out[name] = page.evaluate(MEASURE)
                context.close()
        finally:
            browser.close()
    return out


@pytest.mark.parametrize("name", ["annual", "profile"])
def test_the_page_never_scrolls_sideways(measured, name):
    assert measured[name]["scrollWidth"] <= PHONE["width"]


def test_a_wide_table_scrolls_in_its_own_box_with_a_hint(measured):
    tables = measured["annual"]["tables"]
    wide = [t for t in tables if t["tableWidth"] > t["boxWidth"] + 1]
    assert wide, "the annual report has tables wider than a phone: the test must see some"
    for t in tables:
        assert t["boxRight"] <= PHONE["width"], t["caption"]
    for t in wide:
        assert t["overflowX"] in ("auto", "scroll"), t["caption"]
        assert t["scrolled"] > 0, f"{t['caption']!r} does not scroll in its box"
        assert t["hint"], f"{t['caption']!r} is wider than the screen but has no visible hint"


def test_the_commune_profile_is_one_column(measured):
    m = measured["profile"]
    assert len(m["blocks"]) >= 4
    for block in m["blocks"]:
        if block["width"] == 0:
            continue
        assert abs(block["left"] - m["blocks"][0]["left"]) <= 1, block
        assert block["width"] >= 0.95 * m["profileWidth"], block


@pytest.mark.parametrize("name", ["annual", "profile"])
def test_chart_text_is_at_least_the_body_text(measured, name):
    """The smallest text of each chart as shown: its size in the image at the natural width
    (``data-text-px``), scaled by the width it is shown at over its natural width."""
    m = measured[name]
    assert m["charts"], "each report has at least one chart"
    assert m["bodyPx"] >= 14
    for chart in m["charts"]:
        assert chart["right"] <= PHONE["width"]
        shown_px = chart["textPx"] * chart["shown"] / chart["natural"]
        assert shown_px >= m["bodyPx"], chart
