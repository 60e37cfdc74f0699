"""End to end: the annual notebook executed with papermill on the tiny fixture package.

Expected figures come from tests/fixtures/tiny_package/EXPECTED.md, computed by hand.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from analysis.paths import NOTEBOOKS_DIR, PROJECT_ROOT
from analysis.render import CSP, Job, RenderError, annual_job, render, write_index

TINY = PROJECT_ROOT / "tests" / "fixtures" / "tiny_package" / "datapackage.json"
SECTION_IDS = (
    "summary",
    "relevance",
    "coherence",
    "effectiveness",
    "efficiency",
    "impact",
    "sustainability",
    "data-quality",
    "methods",
)


@pytest.fixture(scope="module")
def rendered(tmp_path_factory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("reports")
    paths = {}
    for lang in ("vi", "en"):
        result = render(annual_job(2024, lang, TINY, out))
        paths[lang] = result.job.html_path
    return paths


def _html(rendered, lang) -> str:
    return rendered[lang].read_text(encoding="utf-8")


def test_outputs_are_written_side_by_side(rendered):
    html = rendered["vi"]
    assert html.name == "annual_evaluation_2024_vi.html"
    assert html.parent.name == "2024"
    assert html.with_suffix(".ipynb").exists()
    assert html.with_suffix(".xlsx").exists()
    assert not list(html.parent.glob(".*tmp*")), "temporary files left behind"


def test_html_is_self_contained_and_offline(rendered):
    for lang in ("vi", "en"):
        html = _html(rendered, lang)
        assert "<script" not in html.lower()
        assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html, re.I)
        assert "<link" not in html.lower()
        assert f'content="{CSP}"' in html
        assert "data:image/png;base64," in html
        for alt in re.findall(r'<img [^>]*alt="([^"]*)"', html):
            assert len(alt) > 20


def test_html_has_no_code_prompts_or_parameters(rendered):
    html = _html(rendered, "vi")
    assert "injected-parameters" not in html
    assert "AnnualReport.load" not in html
    assert "report.summary()" not in html
    assert "package_path" not in html
    assert "In&nbsp;[" not in html and "jp-InputPrompt" not in html


def test_every_section_has_its_stable_id(rendered):
    for lang in ("vi", "en"):
        html = _html(rendered, lang)
        for sid in SECTION_IDS:
            assert f'<section id="{sid}">' in html


def test_language_and_diacritics(rendered):
    vi, en = _html(rendered, "vi"), _html(rendered, "en")
    assert '<html lang="vi">' in vi and '<html lang="en">' in en
    assert "Tính bền vững" in vi and "Hiệu quả sử dụng nguồn lực" in vi
    assert "Sustainability" in en


def test_figures_match_hand_computation_vi(rendered):
    html = _html(rendered, "vi")
    # Planned 50 + 50 + 30 = 130 M; spent 55 + 50 + 12 = 117 M; rate 117/130 = 90,0%.
    assert "130.000.000 đồng" in html
    assert "117.000.000 đồng" in html
    assert "90,0%" in html
    # DiD: (-19 - 10)/2 - (-4 - 2)/2 = -11,5 points; p = 2/6 = 0,3333 (4 decimals).
    assert "-11,5" in html
    assert "0,3333" in html
    # Poor or near-poor 6/7 = 85,7%; funds raised 150 M against 120 M spent = 125,0%.
    assert "85,7%" in html
    assert "125,0%" in html


def test_figures_match_hand_computation_en(rendered):
    html = _html(rendered, "en")
    assert "VND 130,000,000" in html and "VND 117,000,000" in html
    assert "90.0%" in html and "-11.5" in html


def test_small_counts_are_suppressed(rendered):
    html = _html(rendered, "vi")
    sex = html[html.index("theo giới tính") :]
    sex = sex[: sex.index("</table>")]
    # Female 6, male 1, total 7: the 1 is primary-suppressed, so 6 must be hidden too.
    cells = re.findall(r"<td[^>]*>([^<]*)</td>", sex)
    assert "&lt;5" in cells
    assert "1" not in cells and "6" not in cells


def test_no_people_count_below_the_threshold_in_any_table(rendered):
    for lang in ("vi", "en"):
        html = _html(rendered, lang)
        cells = re.findall(r'<td class="num people">([^<]*)</td>', html)
        assert len(cells) > 10  # the people columns are marked, so this scan sees them
        for cell in cells:
            digits = cell.replace(".", "").replace(",", "")
            if digits.isdigit():
                assert int(digits) == 0 or int(digits) >= 5, cell


def test_the_illustrative_banner_is_shown(rendered):
    assert 'class="banner"' in _html(rendered, "vi")


def test_footer_carries_provenance(rendered):
    html = _html(rendered, "en")
    footer = html[html.index('<footer class="provenance">') :]
    # The package hash, by its definition: the descriptor, then each resource's name, a NUL
    # byte and its file, in descriptor order.
    digest = hashlib.sha256(TINY.read_bytes())
    for res in json.loads(TINY.read_text(encoding="utf-8"))["resources"]:
        digest.update(res["name"].encode() + b"\0" + (TINY.parent / res["path"]).read_bytes())
    assert "SHA-256" in footer
    assert digest.hexdigest() in footer
    assert "year=2024" in footer and "lang=en" in footer
    assert "pandas" in footer and "frictionless" in footer


def test_executed_notebook_keeps_parameters_in_metadata(rendered):
    nb = json.loads(rendered["vi"].with_suffix(".ipynb").read_text(encoding="utf-8"))
    params = nb["metadata"]["papermill"]["parameters"]
    assert params["year"] == 2024 and params["lang"] == "vi"


def test_rendering_twice_differs_only_in_the_generation_line(rendered, tmp_path):
    again = render(annual_job(2024, "vi", TINY, tmp_path)).job.html_path.read_text("utf-8")
    first = _html(rendered, "vi")
    strip = re.compile(r'<p class="note generated">[^<]*</p>')
    assert strip.sub("", again) == strip.sub("", first)
    assert len(strip.findall(first)) == 1


def test_unknown_parameter_is_an_error(tmp_path):
    job = annual_job(2024, "vi", TINY, tmp_path)
    bad = Job(job.notebook, {**job.parameters, "yeer": 2023}, job.html_path, job.title)
    with pytest.raises(RenderError, match="yeer"):
        render(bad)
    assert not job.html_path.exists()


def test_failing_cell_names_the_cell_and_keeps_the_previous_report(tmp_path):
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    nb = json.loads((NOTEBOOKS_DIR / "annual_evaluation.ipynb").read_text(encoding="utf-8"))
    nb["cells"].insert(
        5,
        {
            "cell_type": "code",
            "execution_count": None,
            "id": "boom",
            "metadata": {},
            "outputs": [],
            "source": ["raise ValueError('boom in the relevance section')"],
        },
    )
    (notebooks / "annual_evaluation.ipynb").write_text(json.dumps(nb), encoding="utf-8")
    job = annual_job(2024, "vi", TINY, tmp_path / "reports")
    job.html_path.parent.mkdir(parents=True)
    job.html_path.write_text("previous report", encoding="utf-8")
    with pytest.raises(RenderError) as err:
        render(job, notebooks_dir=notebooks)
    message = str(err.value)
    assert "annual_evaluation.ipynb" in message and "cell" in message
    assert "ValueError" in message and "boom in the relevance section" in message
    assert job.html_path.read_text(encoding="utf-8") == "previous report"
    assert sorted(p.name for p in job.html_path.parent.iterdir()) == [job.html_path.name]


def test_invalid_package_renders_nothing(tmp_path):
    broken = tmp_path / "pkg"
    shutil.copytree(TINY.parent, broken)
    plans = broken / "data" / "plans.csv"
    plans.write_text(plans.read_text(encoding="utf-8").replace(",2024,", ",2031,", 1), "utf-8")
    reports = tmp_path / "reports"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "analysis",
            "report",
            "--year",
            "2024",
            "--package",
            str(broken / "datapackage.json"),
            "--reports-dir",
            str(reports),
            "--lang",
            "en",
        ],
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
    )
    assert proc.returncode == 1
    assert "data/plans.csv" in proc.stderr and "year" in proc.stderr
    assert not reports.exists()


def test_unknown_year_is_refused(tmp_path):
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "analysis",
            "report",
            "--year",
            "2019",
            "--package",
            str(TINY),
            "--reports-dir",
            str(tmp_path),
            "--lang",
            "en",
        ],
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
    )
    assert proc.returncode == 1
    assert "2019" in proc.stderr and "2023, 2024" in proc.stderr


def test_index_links_every_report(rendered):
    index = write_index(rendered["vi"].parent.parent)
    html = index.read_text(encoding="utf-8")
    assert 'href="2024/annual_evaluation_2024_vi.html"' in html
    assert 'href="2024/annual_evaluation_2024_en.html"' in html
    assert "<script" not in html


def test_a_reused_kernel_gives_the_same_report_as_a_fresh_one(rendered, tmp_path):
    strip = re.compile(r'<p class="note generated">[^<]*</p>')
    first = render(annual_job(2023, "en", TINY, tmp_path / "a"), reuse_kernel=True)
    second = render(annual_job(2024, "vi", TINY, tmp_path / "b"), reuse_kernel=True)
    assert first.job.html_path.exists()
    reused = strip.sub("", second.job.html_path.read_text(encoding="utf-8"))
    assert reused == strip.sub("", _html(rendered, "vi"))
    # The kept kernel writes the workbook itself; a fresh kernel hands its tables over and
    # the renderer writes it. Same sheets, same cells.
    import pandas as pd

    kept = pd.read_excel(second.job.workbook_path, sheet_name=None)
    handed = pd.read_excel(rendered["vi"].with_suffix(".xlsx"), sheet_name=None)
    assert list(kept) == list(handed) and len(kept) > 10
    for name in kept:
        pd.testing.assert_frame_equal(kept[name], handed[name])


def test_a_failure_on_a_reused_kernel_is_reported_and_the_next_run_recovers(tmp_path):
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    nb = json.loads((NOTEBOOKS_DIR / "annual_evaluation.ipynb").read_text(encoding="utf-8"))
    position = next(
        i for i, c in enumerate(nb["cells"]) if "report.impact()" in "".join(c["source"])
    )
    nb["cells"][position]["source"] = ["1 / 0"]
    (notebooks / "annual_evaluation.ipynb").write_text(json.dumps(nb), encoding="utf-8")
    job = annual_job(2024, "en", TINY, tmp_path / "reports")
    with pytest.raises(
        RenderError, match=rf"cell {position + 1} \(1 / 0\) raised ZeroDivisionError"
    ):
        render(job, notebooks_dir=notebooks, reuse_kernel=True)
    assert not job.html_path.exists()
    ok = render(job, reuse_kernel=True)
    assert ok.job.html_path.exists()


def _pid_notebook(folder: Path, name: str, body: str) -> None:
    nb = {
        "cells": [
            {
                "cell_type": "code",
                "id": "params",
                "metadata": {"tags": ["parameters"]},
                "source": "x = 1",
                "outputs": [],
                "execution_count": None,
            },
            {
                "cell_type": "code",
                "id": "body",
                "metadata": {},
                "source": body,
                "outputs": [],
                "execution_count": None,
            },
        ],
        "metadata": {
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    (folder / name).write_text(json.dumps(nb), encoding="utf-8")


def _stdout(notebook: Path) -> str:
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    return "".join(
        "".join(o.get("text", "")) for c in cells if c["cell_type"] == "code" for o in c["outputs"]
    )


def test_a_reused_kernel_starts_each_notebook_with_an_empty_namespace(tmp_path):
    """The second notebook runs on the same kernel process, and cannot see the first's names."""
    from analysis.render import _shutdown_warm_kernel

    _shutdown_warm_kernel()  # (an earlier test may have left this process a warm kernel)
    _pid_notebook(tmp_path, "first.ipynb", "import os\nleak = 1\nprint(os.getpid())")
    _pid_notebook(
        tmp_path, "second.ipynb", "import os\nassert 'leak' not in globals()\nprint(os.getpid())"
    )
    first = render(
        Job("first.ipynb", {"x": 2}, tmp_path / "out" / "first.html", "t"),
        notebooks_dir=tmp_path,
        reuse_kernel=True,
    )
    second = render(
        Job("second.ipynb", {"x": 2}, tmp_path / "out" / "second.html", "t"),
        notebooks_dir=tmp_path,
        reuse_kernel=True,
    )
    render(  # and a fresh kernel (this also shuts the reused one down)
        Job("first.ipynb", {"x": 3}, tmp_path / "out" / "fresh.html", "t"), notebooks_dir=tmp_path
    )
    assert _stdout(first.job.notebook_path) == _stdout(second.job.notebook_path)  # same kernel
    reset = "kernel-reset"
    assert reset not in first.job.notebook_path.read_text(encoding="utf-8")  # nothing to clear
    assert reset in second.job.notebook_path.read_text(encoding="utf-8")
    fresh = tmp_path / "out" / "fresh.ipynb"
    assert reset not in fresh.read_text(encoding="utf-8")
    assert _stdout(fresh) != _stdout(first.job.notebook_path)  # another process


def test_outputs_are_keyboard_focusable_and_every_image_has_alt_text(rendered):
    """What nbconvert's second pass over the page added, the offline template now writes."""
    for lang in ("vi", "en"):
        html = _html(rendered, lang)
        images = re.findall(r"<img [^>]*>", html)
        assert images and all(re.search(r'alt="[^"]{20,}"', img) for img in images)
        outputs = re.findall(r'<div class="[^"]*jp-OutputArea-output[^"]*"[^>]*>', html)
        assert outputs and all('tabindex="0"' in div for div in outputs)


def test_the_executed_notebook_holds_each_section_once(rendered):
    """A section's output is its HTML plus a one-line text stand-in, not a second copy of
    the HTML as a quoted string (which doubled the notebook, charts included)."""
    nb = json.loads(rendered["vi"].with_suffix(".ipynb").read_text(encoding="utf-8"))
    outputs = [o for c in nb["cells"] if c["cell_type"] == "code" for o in c.get("outputs", [])]
    shown = [o["data"] for o in outputs if "text/html" in o.get("data", {})]
    assert len(shown) >= 10
    for data in shown:
        html, plain = "".join(data["text/html"]), "".join(data["text/plain"])
        assert plain == f"<HTML: {len(html):,} characters>"


def _count_kernel_starts(monkeypatch) -> list:
    from jupyter_client.manager import AsyncKernelManager

    starts = []
    original = AsyncKernelManager._async_start_kernel

    async def counted(self, **kw):
        starts.append(kw.get("cwd"))
        return await original(self, **kw)

    monkeypatch.setattr(AsyncKernelManager, "_async_start_kernel", counted)
    monkeypatch.setattr(AsyncKernelManager, "start_kernel", counted)
    return starts


def test_a_warmed_up_kernel_renders_the_next_report_as_a_fresh_one(tmp_path, monkeypatch):
    """``report --year`` starts the kernel while it validates the package: the render uses
    that kernel (no second start, no namespace-reset cell) and shuts it down afterwards."""
    import analysis.render as render_module
    from analysis.package import load_package, store_in_cache
    from analysis.render import package_cache, warm_up

    starts = _count_kernel_starts(monkeypatch)
    with package_cache() as cache:
        warm_up()
        assert len(starts) == 1
        store_in_cache(load_package(TINY), cache)
        result = render(annual_job(2024, "en", TINY, tmp_path))
        assert len(starts) == 1
        assert "km" not in render_module._WARM  # shut down after its one notebook
    executed = result.job.notebook_path.read_text(encoding="utf-8")
    assert "reset(new_session" not in executed
    assert "<h1" in result.job.html_path.read_text(encoding="utf-8")


def test_a_kernel_warmed_up_elsewhere_is_not_used(tmp_path, monkeypatch):
    import analysis.render as render_module
    from analysis.render import warm_up

    starts = _count_kernel_starts(monkeypatch)
    other = tmp_path / "elsewhere"
    other.mkdir()
    try:
        warm_up(other)
        render(annual_job(2024, "en", TINY, tmp_path / "out"))
    finally:
        render_module._shutdown_warm_kernel()
    assert [Path(cwd) for cwd in starts] == [other, NOTEBOOKS_DIR]


def test_a_refused_report_leaves_no_kernel_running(tmp_path):
    """The kernel warmed up for a single report is shut down when the year is refused."""
    code = (
        "import sys, analysis.render as r; from analysis.cli import main\n"
        f"rc = main(['report', '--year', '2019', '--package', {str(TINY)!r}, "
        f"'--reports-dir', {str(tmp_path)!r}, '--lang', 'en'])\n"
        "assert 'km' not in r._WARM, r._WARM\n"
        "sys.exit(rc)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=PROJECT_ROOT
    )
    assert proc.returncode == 1, proc.stderr
    assert "2019" in proc.stderr


def test_a_worker_forked_while_the_exporter_is_busy_can_still_export():
    """Worker processes are forked: one forked while a thread holds the exporter's lock
    must not inherit it held (it would wait forever)."""
    import multiprocessing

    import nbformat

    import analysis.render as render_module

    def export(queue):
        html = render_module.export_html(nbformat.v4.new_notebook(), "forked")
        queue.put("<title>forked</title>" in html)

    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    with render_module._EXPORTER_LOCK:  # as if the warming thread were at work
        child = context.Process(target=export, args=(queue,))
        child.start()
    try:
        child.join(timeout=60)
        assert child.exitcode == 0
        assert queue.get(timeout=5) is True
    finally:
        if child.is_alive():
            child.kill()
