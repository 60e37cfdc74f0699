"""Rendered reports in a real browser (Debian's headless Chromium), with the network off.

`make test` installs Chromium (`make browser`); outside CI the tests skip when it is missing,
in CI (CI=true) a missing browser is a failure.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from analysis.paths import PROJECT_ROOT
from analysis.render import CHROMIUM_ARGS, make_job, render

# a rendered report opened in Chromium
pytestmark = [pytest.mark.slow, pytest.mark.browser]

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
TINY = PROJECT_ROOT / "tests" / "fixtures" / "tiny_package"
HOSTILE = {
    "2024-16837-01": "<script>alert(1)</script> Mái ấm",
    "2024-16834-01": '<img src=x onerror="alert(2)"> bò sinh sản',
}

if not CHROMIUM:
    if os.environ.get("CI"):
        pytest.fail(
            "Chromium is missing in CI: `make browser` should have installed it", pytrace=False
        )
    pytest.skip("Debian's chromium is not installed (run `make browser`)", allow_module_level=True)

sync_api = pytest.importorskip("playwright.sync_api")


def _hostile_copy(tmp: Path) -> Path:
    import csv

    pkg = tmp / "hostile"
    shutil.copytree(TINY, pkg)
    path = pkg / "data" / "plans.csv"
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    fields = list(rows[0])
    for row in rows:
        if row["activity_id"] in HOSTILE:
            row["description_vi"] = HOSTILE[row["activity_id"]]
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return pkg / "datapackage.json"


@pytest.fixture(scope="module")
def pages(tmp_path_factory) -> dict[str, Path]:
    tmp = tmp_path_factory.mktemp("browser")
    return {
        "vi": render(
            make_job("annual", "vi", TINY / "datapackage.json", tmp / "a", year=2024)
        ).job.html_path,
        "hostile": render(
            make_job("annual", "en", _hostile_copy(tmp), tmp / "b", year=2024)
        ).job.html_path,
    }


def _open(path: Path) -> dict:
    """Open ``path`` offline; return console messages, requests, dialogs, images and text."""
    seen = {"console": [], "requests": [], "dialogs": [], "errors": []}
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=list(CHROMIUM_ARGS))
        try:
            context = browser.new_context(offline=True, java_script_enabled=True)
            page = context.new_page()
            page.on("console", lambda m: seen["console"].append((m.type, m.text)))
            page.on("request", lambda r: seen["requests"].append(r.url))
            page.on("pageerror", lambda e: seen["errors"].append(str(e)))
            page.on("dialog", lambda d: (seen["dialogs"].append(d.message), d.dismiss()))
            page.goto(path.as_uri(), wait_until="load")
            seen["images"] = page.evaluate(
                "Array.from(document.images).map(i => [i.complete, i.naturalWidth, i.alt])"
            )
            seen["text"] = page.evaluate("document.body.innerText")
            seen["scripts"] = page.evaluate("document.scripts.length")
        finally:
            browser.close()
    return seen


def test_report_opens_offline_with_its_charts(pages):
    seen = _open(pages["vi"])
    assert seen["errors"] == []
    assert [m for m in seen["console"] if m[0] in ("error", "warning")] == []
    assert seen["requests"] == [pages["vi"].as_uri()]  # nothing leaves the file
    assert len(seen["images"]) >= 2
    for complete, width, alt in seen["images"]:
        assert complete and width > 0 and alt
    assert "Tính bền vững" in seen["text"] and "Hiệu quả sử dụng nguồn lực" in seen["text"]
    assert "đồng" in seen["text"]


def test_hostile_text_renders_as_text(pages):
    seen = _open(pages["hostile"])
    assert seen["dialogs"] == []
    assert seen["scripts"] == 0
    assert seen["errors"] == []
    assert seen["requests"] == [pages["hostile"].as_uri()]
    for text in HOSTILE.values():
        assert text in seen["text"]
    html = pages["hostile"].read_text(encoding="utf-8")
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
