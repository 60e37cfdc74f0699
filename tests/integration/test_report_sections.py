"""Every kind of report, in both languages, has the sections that say what it is for and what
to do (issue 17): purpose, conclusions, recommendations, lessons, limitations, and (annual and
phase) the evaluation matrix as the last section; in the order the reports declare them, with
no field name, resource name or file path in the Vietnamese text (the narrative file to write
is named, as code, only in the draft placeholder)."""

from __future__ import annotations

import re

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402

from analysis.paths import PROJECT_ROOT  # noqa: E402
from analysis.report.annual import AnnualReport  # noqa: E402
from analysis.report.commune import CommuneProfile  # noqa: E402
from analysis.report.phase import PhaseReport  # noqa: E402

TINY = PROJECT_ROOT / "tests" / "fixtures" / "tiny_package" / "datapackage.json"
OURS = ("purpose", "conclusions", "recommendations", "lessons", "limitations")
KINDS = {
    "annual": (AnnualReport, {"year": 2024}),
    "phase": (PhaseReport, {}),
    "commune": (CommuneProfile, {"commune_code": "16834"}),
}
FIELD_WORDS = re.compile(
    r"evaluation_questions|beneficiary_followups|indicators\.csv|ratings\.json|\.py\b|"
    r"source_id|indicator_id|datapackage|[a-z]+_[a-z]+"
)


def _render(kind: str, lang: str, package=TINY) -> str:
    cls, params = KINDS[kind]
    report = cls.load(lang=lang, package_path=str(package), **params)
    return "".join(str(getattr(report, cell)()) for cell in cls.CELLS)


def _sections(html: str) -> dict[str, str]:
    return dict(re.findall(r'<section id="([^"]+)">(.*?)</section>', html, re.S))


@pytest.fixture(scope="module", params=[(k, lang) for k in KINDS for lang in ("vi", "en")])
def rendered(request):
    kind, lang = request.param
    return kind, lang, _render(kind, lang)


def test_each_report_has_the_sections_with_their_ids(rendered):
    kind, lang, html = rendered
    ids = re.findall(r'<section id="([^"]+)">', html)
    for section in OURS:
        assert ids.count(section) == 1, (kind, lang, section)
    if kind == "commune":
        # the profile omits the matrix: its purpose points to the phase report's annex
        assert "evaluation-matrix" not in ids
        assert ids.index("purpose") < ids.index("where")
    else:
        assert ids[-1] == "evaluation-matrix"
        first = "relevance" if kind == "annual" else "findings"  # the first judged section
        assert ids.index("summary") < ids.index("purpose") < ids.index(first)
        assert (
            ids.index("conclusions")
            < ids.index("recommendations")
            < ids.index("lessons")
            < ids.index("limitations")
            < ids.index("data-quality")
        )


def test_the_declared_sections_are_the_rendered_ones(rendered):
    kind, _, html = rendered
    cls = KINDS[kind][0]
    ids = re.findall(r'<section id="([^"]+)">', html)
    if kind != "commune":  # the profile's page lays its parts out in columns
        assert [s for s in ids if s in cls.SECTIONS] == [s for s in cls.SECTIONS if s in ids]
    for section in OURS + (() if kind == "commune" else ("evaluation-matrix",)):
        assert section in cls.SECTIONS


def test_the_summary_opens_with_key_messages(rendered):
    kind, _, html = rendered
    if kind == "commune":
        return
    summary = _sections(html)["summary"]
    assert summary.index('class="key-messages"') < summary.index('class="kpis"')


def test_vietnamese_sections_have_no_field_names_or_paths(rendered):
    kind, lang, html = rendered
    if lang != "vi":
        return
    sections = _sections(html)
    for section in OURS + (() if kind == "commune" else ("evaluation-matrix",)):
        text = re.sub(r"<code>[^<]*</code>", "", sections[section])  # the file to write
        text = re.sub(r"<[^>]+>", " ", text)
        assert not FIELD_WORDS.search(text), (kind, section, FIELD_WORDS.search(text))


def test_the_bundled_annual_report_prints_the_six_questions_and_their_matrix():
    html = _render("annual", "vi", PROJECT_ROOT / "datapackage.json")
    sections = _sections(html)
    assert len(re.findall(r"<li>EQ\d \(", sections["purpose"])) == 6
    matrix = sections["evaluation-matrix"]
    assert len(re.findall(r"<tr[^>]*><td[^>]*>EQ\d\.", matrix)) == 6
    # the partners are read from the package: the six partner communes of the phase
    for commune in ("Sín Thầu", "Leng Su Sìn", "Na Loi", "Nậm Cắn", "Mô Rai", "Đăk Plô"):
        assert commune in sections["purpose"]
    assert "Hội LHPN Hà Nội" in sections["purpose"] and "Bộ đội Biên phòng" in sections["purpose"]
