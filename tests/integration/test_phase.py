"""The phase evaluation and commune profiles, executed on the tiny fixture package.

Expected figures are computed by hand from tests/fixtures/tiny_package (see EXPECTED.md).
"""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from analysis import load_package
from analysis.paths import PROJECT_ROOT
from analysis.provenance import phase_rows
from analysis.render import make_job, render
from analysis.theory import link_confidence

# the phase evaluation and commune profiles, rendered from their notebooks
pytestmark = pytest.mark.slow

TINY = PROJECT_ROOT / "tests" / "fixtures" / "tiny_package" / "datapackage.json"


@pytest.fixture(scope="module")
def phase_html(tmp_path_factory) -> str:
    out = tmp_path_factory.mktemp("phase")
    return render(make_job("phase", "vi", TINY, out)).job.html_path.read_text("utf-8")


def test_phase_sections(phase_html):
    for sid in (
        "summary",
        "findings",
        "totals",
        "efficiency",
        "impact",
        "sustainability",
        "theory-of-change",
        "reform",
        "map",
        "data-quality",
        "methods",
    ):
        assert f'<section id="{sid}">' in phase_html


def test_phase_totals_match_hand_computation(phase_html):
    # planned 90 M (2023) + 130 M (2024) = 220 M; raised 90 + 150 = 240 M;
    # spent 90 + 120 = 210 M; people 3 (2023) + 7 (2024) = 10.
    # (in words in sentences and key figures; exact in the tables)
    assert "220 triệu đồng" in phase_html and "220.000.000 đồng" in phase_html
    assert "240 triệu đồng" in phase_html
    assert "210 triệu đồng" in phase_html and "210.000.000 đồng" in phase_html


def test_phase_did_and_relevance_rating(phase_html):
    # Phase DiD: post = 2021..2024 averages; p = 2/6 (EXPECTED.md).
    assert "0,3333" in phase_html
    # 10 beneficiaries < 30 (min_people): relevance cannot be rated.
    findings = phase_html[phase_html.index('<section id="findings">') :]
    findings = findings[: findings.index("</section>")]
    first_row = re.search(r"<tbody><tr>(.*?)</tr>", findings).group(1)
    assert "Sự phù hợp" in first_row and "Chưa đủ bằng chứng" in first_row


def test_phase_prints_the_rating_thresholds(phase_html):
    methods = phase_html[phase_html.index('<section id="methods">') :]
    methods = methods[: methods.index("</section>")]
    # Relevance 0.8 / 0.6, in Vietnamese decimals; no file path in a Vietnamese report.
    assert "≥ 0,80 là đạt, ≥ 0,60 là đạt một phần" in methods
    assert "ratings.json" not in methods
    # The rule that withholds judgements, with its limit (0.5 in the config file).
    assert "Không xếp loại khi hơn 50,0%" in methods


def test_phase_prints_the_glossary(phase_html):
    from analysis.glossary import TERMS
    from analysis.i18n import t

    methods = phase_html[phase_html.index('<section id="methods">') :]
    for term in TERMS:
        assert t(f"glossary.{term.key}.term", "vi") in methods


def test_phase_map_is_embedded_with_alt_text(phase_html):
    section = phase_html[phase_html.index('<section id="map">') :]
    section = section[: section.index("</section>")]
    assert "data:image/png;base64," in section
    assert re.search(r'alt="[^"]*Na Loi[^"]*"', section)
    assert "Natural Earth" in section


def test_theory_of_change_confidence_from_evidence():
    pkg = load_package(TINY)
    conf = link_confidence(pkg, phase_rows(pkg)).set_index("link_id")["confidence"]
    # plans: 4 of 7 rows come from the real 2024 plan (4/7 >= 1/2: real); transactions are
    # all illustrative. l01 = budget execution (transactions) + activities planned (plans):
    # one real indicator -> medium. l03 rests on beneficiaries only (illustrative) -> low.
    # l07 has no indicator -> none.
    assert conf["l01_funds_support"] == "medium"
    assert conf["l03_support_reach"] == "low"
    assert conf["l07_reach_housing"] == "none"


@pytest.fixture(scope="module")
def profile_html(tmp_path_factory) -> str:
    out = tmp_path_factory.mktemp("commune")
    job = make_job("commune", "vi", TINY, out, commune_code="16834")
    return render(job).job.html_path.read_text("utf-8")


def test_commune_profile_figures(profile_html):
    # Na Loi: 2023 livelihood 40 M spent, 2024 cows 30 + 25 = 55 M: 95 M in all; people in
    # Na Loi: B2, B3, B5, B8, B9 = 5.
    assert "95.000.000 đồng" in profile_html
    assert "Na Loi" in profile_html and "Nghệ An" in profile_html
    assert "Đoọc Mạy" in profile_html and "Mường Típ" in profile_html  # district peers
    assert 'class="profile"' in profile_html


def test_commune_profile_refuses_a_comparison_commune(tmp_path):
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "analysis",
            "report",
            "--commune",
            "16825",
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
    assert "16825" in proc.stderr and "16834" in proc.stderr
    assert not any(tmp_path.iterdir())


def test_report_all_renders_every_kind_and_indexes_them(tmp_path):
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "analysis",
            "report",
            "--all",
            "--package",
            str(TINY),
            "--reports-dir",
            str(tmp_path),
            "--lang",
            "vi",
        ],
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
    )
    assert proc.returncode == 0, proc.stderr
    names = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*.html"))
    # 2 years + the phase + 3 partner communes (Sín Thầu, Na Loi, Nậm Cắn) + the index
    assert names == [
        "2023/annual_evaluation_2023_vi.html",
        "2024/annual_evaluation_2024_vi.html",
        "communes/03154_vi.html",
        "communes/16834_vi.html",
        "communes/16837_vi.html",
        "index.html",
        "phase_2023_2024/phase_evaluation_vi.html",
    ]
    index = (tmp_path / "index.html").read_text(encoding="utf-8")
    for heading in ("Báo cáo hằng năm", "Đánh giá giai đoạn", "Hồ sơ xã"):
        assert heading in index
    assert 'href="communes/16834_vi.html"' in index and "Na Loi" in index


@pytest.mark.parametrize("which", ["phase", "profile"])
def test_phase_and_profile_never_list_beneficiaries_or_small_counts(
    which, phase_html, profile_html
):
    html = phase_html if which == "phase" else profile_html
    assert not re.search(r"\bB\d{6}\b", html)
    for cell in re.findall(r'<td class="num people">([^<]*)</td>', html):
        digits = cell.replace(".", "")
        if digits.isdigit():
            assert int(digits) == 0 or int(digits) >= 5, cell


def test_reform_notes_are_in_the_report_language():
    """The bundled package's notes: Vietnamese in the Vietnamese report, English in the English
    one, and the English note where no Vietnamese one was written."""
    from analysis.paths import DATAPACKAGE
    from analysis.report.phase import PhaseReport

    pkg = load_package(DATAPACKAGE)
    vi = PhaseReport.load(lang="vi", package_path=str(DATAPACKAGE), pkg=pkg).reform()
    en = PhaseReport.load(lang="en", package_path=str(DATAPACKAGE), pkg=pkg).reform()
    assert "Sáp nhập với Đoọc Mạy thành xã Na Loi mới (Báo Nghệ An, 09/10/2025)." in vi
    assert "Merged with Đoọc Mạy into a new xã Na Loi" not in vi
    assert "Merged with Đoọc Mạy into a new xã Na Loi (Báo Nghệ An, 09/10/2025)." in en
    assert "Sáp nhập với" not in en

    communes = pkg.frames["communes"]
    na_loi = communes["commune_code"] == "16834"
    communes.loc[na_loi, "successor_note_vi"] = None  # a translation not yet written
    vi = PhaseReport.load(lang="vi", package_path=str(DATAPACKAGE), pkg=pkg).reform()
    assert "Merged with Đoọc Mạy into a new xã Na Loi (Báo Nghệ An, 09/10/2025)." in vi


def test_every_reform_note_has_its_vietnamese_version():
    from analysis.paths import DATAPACKAGE

    communes = load_package(DATAPACKAGE)["communes"]
    has_note = communes["successor_note"].notna()
    assert (communes.loc[has_note, "successor_note_vi"].notna()).all()
    assert communes["successor_note_vi"].notna().sum() == has_note.sum()


def test_phase_impact_shows_the_design_beside_the_estimate(phase_html):
    """The within-district permutation, the placebo and the sensitivity table are printed with
    the estimate (their figures are tested in tests/unit/test_impact_design.py)."""
    from analysis.i18n import t

    impact = phase_html[phase_html.index('<section id="impact">') :]
    impact = impact[: impact.index("</section>")]
    assert "chỉ đổi nhãn xã đồng hành trong từng huyện" in impact
    assert "Kiểm định giả trước khi có xã đồng hành (2019 → 2020)" in impact
    # 2019 -> 2020 is one change, not a trend: the report says the test is weak.
    assert "chỉ có một cặp năm nên kiểm định này xét một lần thay đổi" in impact
    assert "xã đồng hành được chọn, không bốc thăm" in impact
    for variant in ("main", "leave_out_partner", "leave_out_comparison", "one_standard"):
        assert t(f"impact.variant.{variant}", "vi") in impact
