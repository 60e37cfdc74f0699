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
from analysis.render import CSP, Job, RenderError, make_job, render, write_index

# the annual notebook, executed and rendered
pytestmark = pytest.mark.slow

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
        result = render(make_job("annual", lang, TINY, out, year=2024))
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
        assert "data:image/svg+xml;base64," in html  # charts (maps are PNG)
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
    # Sentences and key figures say money in words; tables keep the exact amount.
    assert "130 triệu đồng" in html and "130.000.000 đồng" in html
    assert "117 triệu đồng" in html
    assert "90,0%" in html
    # DiD: (-19 - 10)/2 - (-4 - 2)/2 = -11,5 points; p = 2/6 = 0,3333 (4 decimals).
    assert "-11,5" in html
    assert "0,3333" in html
    # Poor or near-poor 6/7 = 85,7% would tell that 1 person of the 7 was neither: withheld.
    assert "85,7%" not in html
    # Funds raised 150 M against 120 M spent = 125,0%.
    assert "125,0%" in html


def test_figures_match_hand_computation_en(rendered):
    html = _html(rendered, "en")
    assert "VND 130 million" in html and "VND 130,000,000" in html
    assert "VND 117 million" in html
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
    # The parameters in words (the notebook's metadata keeps their names, tested below).
    assert "report year 2024; language: English; counts below 5 people hidden" in footer
    assert "pandas" in footer and "frictionless" in footer


def test_executed_notebook_keeps_parameters_in_metadata(rendered):
    nb = json.loads(rendered["vi"].with_suffix(".ipynb").read_text(encoding="utf-8"))
    params = nb["metadata"]["papermill"]["parameters"]
    assert params["year"] == 2024 and params["lang"] == "vi"


def test_rendering_twice_differs_only_in_the_generation_line(rendered, tmp_path):
    again = render(make_job("annual", "vi", TINY, tmp_path, year=2024)).job.html_path.read_text(
        "utf-8"
    )
    first = _html(rendered, "vi")
    strip = re.compile(r'<p class="note generated">[^<]*</p>')
    assert strip.sub("", again) == strip.sub("", first)
    assert len(strip.findall(first)) == 1


def test_unknown_parameter_is_an_error(tmp_path):
    job = make_job("annual", "vi", TINY, tmp_path, year=2024)
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
    job = make_job("annual", "vi", TINY, tmp_path / "reports", year=2024)
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


def test_a_package_changed_after_validation_is_refused_and_nothing_is_written(tmp_path):
    """Every notebook gets the hash ``report`` validated and refuses other data."""
    copy = tmp_path / "pkg"
    shutil.copytree(TINY.parent, copy)
    job = make_job("annual", "en", copy / "datapackage.json", tmp_path / "reports", year=2024)
    sources = copy / "data" / "sources.csv"
    text = sources.read_text(encoding="utf-8")
    sources.write_text(text.replace("Hội", "Hoi", 1), encoding="utf-8")
    assert sources.read_text(encoding="utf-8") != text
    with pytest.raises(RenderError, match="PackageChanged") as err:
        render(job)
    assert job.parameters["package_sha256"][:12] in str(err.value)
    assert not job.html_path.parent.exists() or not any(job.html_path.parent.iterdir())


def test_the_notebook_loads_the_package_itself_without_any_cache(rendered):
    """Nothing is handed over but parameters: the package's path and its hash."""
    nb = json.loads(rendered["en"].with_suffix(".ipynb").read_text(encoding="utf-8"))
    params = nb["metadata"]["papermill"]["parameters"]
    assert Path(params["package_path"]) == TINY.resolve()
    assert re.fullmatch(r"[0-9a-f]{64}", params["package_sha256"])


def test_each_notebook_calls_its_report_s_cells_in_order():
    """The notebook is the report's outline: one cell per entry of the class's CELLS."""
    from analysis.report.registry import REPORTS

    for spec in REPORTS:
        nb = json.loads(spec.notebook_path.read_text(encoding="utf-8"))
        calls = [
            m.group(1)
            for cell in nb["cells"]
            if cell["cell_type"] == "code"
            for m in [re.fullmatch(r"report\.(\w+)\(\)", "".join(cell["source"]).strip())]
            if m
        ]
        assert tuple(calls) == spec.report_class.CELLS, spec.notebook
        declared = json.dumps(nb)
        for name in ("lang", "package_path", "package_sha256", "min_cell", "tables_path"):
            assert f"{name}: " in declared, (spec.notebook, name)


def test_the_index_groups_commune_profiles_by_province_in_vietnamese_order(tmp_path):
    import pandas as pd

    communes = pd.DataFrame(
        {
            "commune_code": ["00001", "00002", "00003", "00004"],
            "name_in_source": ["Đăk Plô", "Mô Rai", "Ăn Xa", "Dương"],
            "province_name": ["Kon Tum", "Kon Tum", "Điện Biên", "Điện Biên"],
        }
    )
    for code in communes["commune_code"]:
        for lang in ("vi", "en"):
            path = tmp_path / "communes" / f"{code}_{lang}.html"
            path.parent.mkdir(exist_ok=True)
            path.write_text("x", encoding="utf-8")
    html = write_index(tmp_path, communes, "ab" * 32).read_text(encoding="utf-8")
    order = [html.index(x) for x in ("Điện Biên (2 xã", "Ăn Xa", "Dương", "Kon Tum (2 xã")]
    assert order == sorted(order)
    assert html.index("Đăk Plô") < html.index("Mô Rai")
    assert html.count('href="communes/00001_vi.html"') == 1
    assert "ab" * 32 in html


def test_the_workbook_is_typed_formatted_and_titled_in_the_report_language(rendered):
    """Counts and years are numbers (SUM works), money has a thousands format, rates are
    fractions shown as percentages, headers are the page's column titles, the header is
    frozen and filtered, and a first sheet says what the workbook is."""
    import openpyxl

    from analysis.i18n import t

    book = openpyxl.load_workbook(rendered["vi"].with_suffix(".xlsx"))
    assert book.sheetnames[0] == t("workbook.readme", "vi")
    readme = {row[0]: row[1] for row in book.worksheets[0].iter_rows(values_only=True)}
    assert t("footer.sha256", "vi") in readme and len(readme[t("footer.sha256", "vi")]) == 64
    years = book["years"]
    header = [c.value for c in years[2]]
    assert header[:2] == [t("col.year", "vi"), t("col.planned", "vi")]
    assert [years.cell(row=r, column=1).value for r in (3, 4)] == [2023, 2024]
    planned = years.cell(row=4, column=2)
    assert planned.value == 130_000_000 and planned.number_format == "#,##0"  # hand: 50+50+30 M
    rate = years.cell(row=4, column=4)
    assert rate.value == pytest.approx(117 / 130) and rate.number_format == "0.0%"
    assert years.freeze_panes == "A3" and years.auto_filter.ref.startswith("A2:")
    book_en = openpyxl.load_workbook(rendered["en"].with_suffix(".xlsx"))
    assert [c.value for c in book_en["years"][2]][0] == t("col.year", "en")


def test_report_all_notices_a_package_changed_during_the_run(tmp_path, monkeypatch, capsys):
    """The package changes after report validated it: every report that would read the new
    version is refused, the command says why and exits 1."""
    import analysis.render
    from analysis.cli import main

    copy = tmp_path / "pkg"
    shutil.copytree(TINY.parent, copy)
    real = analysis.render.render_many

    def change_then_render(jobs, workers=1, progress=None):
        sources = copy / "data" / "sources.csv"
        sources.write_text(sources.read_text("utf-8").replace("Hội", "Hoi", 1), "utf-8")
        return real(jobs, workers=1, progress=progress)

    monkeypatch.setattr(analysis.render, "render_many", change_then_render)
    code = main(
        ["report", "--phase", "--lang", "en", "--package", str(copy / "datapackage.json"),
         "--reports-dir", str(tmp_path / "reports")]
    )  # fmt: skip
    err = capsys.readouterr().err
    assert code == 1
    assert "changed while the reports were being rendered" in err
    assert not list((tmp_path / "reports").rglob("phase_evaluation_en.html"))
