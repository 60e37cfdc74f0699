"""The evaluation team's texts (conclusions, recommendations, lessons): read from a TOML file
beside the package, checked, figures filled in from the package, escaped; a draft mark and the
file to write when nothing has been written. Key messages and limitations on the tiny package.

Expected figures come from tests/fixtures/tiny_package/EXPECTED.md (2024: execution rate
117 / 130 = 0.9; 4 plan rows transcribed from the 2024 plan) and from its CSV files read by
hand (followed households B000008, B000009, B000010: entered 2023, surveyed that year and in
2024; pupils excluded).
"""

from __future__ import annotations

import re
import shutil
import textwrap

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402

from analysis.paths import PROJECT_ROOT  # noqa: E402
from analysis.report.annual import AnnualReport  # noqa: E402
from analysis.report.commune import CommuneProfile  # noqa: E402
from analysis.report.narrative import (  # noqa: E402
    NarrativeError,
    check_placeholders,
    load_narrative,
    paragraphs,
)
from analysis.report.phase import PhaseReport  # noqa: E402

TINY_DIR = PROJECT_ROOT / "tests" / "fixtures" / "tiny_package"

WRITTEN = textwrap.dedent(
    """\
    # The evaluation team's text for the 2024 annual report (an example for the tests)
    status = "final"
    author = "Evaluation team <b>"
    date = 2025-03-15

    [[conclusions]]
    finding = "EQ2"
    text = \"\"\"
    In {year} the budgeted activities disbursed {execution_rate} of their plan.

    A second paragraph with <script>alert(1)</script> in it.
    \"\"\"

    [[recommendations]]
    to = "Family & Social Affairs department, Hanoi Women's Union"
    finding = "efficiency"
    text = "Report disbursements each quarter."

    [[recommendations]]
    to = "Provincial women's unions"
    finding = "EQ1"
    text = "Keep the entry survey of every household."
    """
)


@pytest.fixture
def package(tmp_path):
    """A private copy of the tiny package, with its narrative folder."""
    shutil.copytree(TINY_DIR, tmp_path / "pkg")
    (tmp_path / "pkg" / "narrative").mkdir()
    return tmp_path / "pkg"


def _annual(package, lang="en", min_cell=5):
    return AnnualReport.load(
        year=2024, lang=lang, package_path=str(package / "datapackage.json"), min_cell=min_cell
    )


def _write(package, name, text):
    path = package / "narrative" / name
    path.write_text(text, encoding="utf-8")
    return path


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


# ---------------------------------------------------------------------- no text written
def test_without_a_file_each_part_shows_a_draft_mark_and_the_file_to_write(package):
    report = _annual(package)
    for part in ("conclusions", "recommendations", "lessons"):
        html = str(getattr(report, part)())
        assert f'<section id="{part}">' in html
        assert 'class="draft-mark">DRAFT</strong>' in html
        assert "<code>narrative/annual_2024.en.toml</code>" in html
        assert "never makes a judgement of its own" in html
    vi = _annual(package, "vi")
    assert "BẢN NHÁP" in str(vi.conclusions())
    assert "narrative/annual_2024.vi.toml" in str(vi.conclusions())


def test_the_file_is_named_by_kind_parameters_and_language(package):
    path = package / "datapackage.json"
    phase = PhaseReport.load(lang="vi", package_path=str(path))
    commune = CommuneProfile.load(commune_code="16834", lang="en", package_path=str(path))
    assert phase.narrative_path() == package / "narrative" / "phase.vi.toml"
    assert commune.narrative_path() == package / "narrative" / "commune_16834.en.toml"
    assert "narrative/commune_16834.en.toml" in str(commune.lessons())


# ---------------------------------------------------------------------- a written text
def test_a_written_text_is_shown_with_its_figures_filled_in_and_escaped(package):
    _write(package, "annual_2024.en.toml", WRITTEN)
    report = _annual(package)
    html = str(report.conclusions())
    text = _text(html)
    # EXPECTED.md: execution rate 2024 = 117 / 130 = 0.9
    assert "In 2024 the budgeted activities disbursed 90.0%" in text
    # the tiny package's transactions are illustrative: the figure is marked and explained
    assert '90.0%</span><span class="mark">*</span>' in html
    assert "a figure marked * rests on illustrative rows" in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>" not in html
    assert "The evaluation team (Evaluation team &lt;b&gt;), 15 Mar 2025." in html
    assert "DRAFT" not in html  # final
    # two paragraphs, and the question it rests on
    assert html.count("<p>") >= 2
    assert "based on: EQ2. Was the money disbursed as planned?" in text


def test_recommendations_name_their_addressee_and_link_their_finding(package):
    _write(package, "annual_2024.en.toml", WRITTEN)
    html = str(_annual(package).recommendations())
    assert "To Family &amp; Social Affairs department, Hanoi Women&#39;s Union" in html
    assert html.count("<li>") == 2
    assert '<a href="#efficiency">based on: Efficiency</a>' in html  # a section of the report
    assert "based on: EQ1. Did the support reach poor and near-poor households?" in _text(html)
    # lessons were not written: their placeholder stays
    assert "DRAFT" in str(_annual(package).lessons())


def test_a_draft_file_carries_the_draft_mark_with_its_author_and_date(package):
    _write(package, "annual_2024.vi.toml", WRITTEN.replace('"final"', '"draft"'))
    html = str(_annual(package, "vi").conclusions())
    assert 'class="draft-mark">BẢN NHÁP</strong>' in html
    assert "Bản nháp của Evaluation team &lt;b&gt;, ngày 15/03/2025" in html
    assert "90,0%" in html  # the figure in the report's language


# ---------------------------------------------------------------------- errors name file and line
@pytest.mark.parametrize(
    ("change", "line", "message"),
    [
        (("{execution_rate}", "{spending_rate}"), 9, "unknown placeholder {spending_rate}"),
        (("{execution_rate}", "{execution_rate:.1f}"), 9, "takes no format"),
        (('finding = "EQ1"', 'finding = "EQ9"'), 21, "finding 'EQ9' is neither"),
        (('to = "Provincial women\'s unions"\n', ""), 19, "[[recommendations]] needs to"),
        (('status = "final"', 'status = "done"'), 2, "status must be one of draft, final"),
        (("date = 2025-03-15", "date = 2025"), 4, "date must be a date"),
        (("[[recommendations]]\nto", "[[recommendation]]\nto"), 14, "unknown key 'recommendation'"),
    ],
)
def test_a_wrong_file_is_an_error_naming_the_file_and_the_line(package, change, line, message):
    path = _write(package, "annual_2024.en.toml", WRITTEN.replace(*change, 1))
    with pytest.raises(NarrativeError) as err:
        _annual(package).conclusions()
    assert f"{path}:{line}: " in str(err.value)
    assert message in str(err.value)


def test_the_placeholder_error_lists_the_known_placeholders():
    with pytest.raises(NarrativeError, match=r"f\.toml:3: unknown placeholder \{x\}.*\{spent\}"):
        check_placeholders("a {x}", {"spent"}, "f.toml", "one\ntwo\nthree {x}\n")
    assert check_placeholders("{{literal}} {spent}", {"spent"}, "f.toml", "") == ["spent"]


def test_a_missing_file_is_none_and_paragraphs_split_at_blank_lines(tmp_path):
    assert load_narrative(tmp_path / "none.toml", {}, set()) is None
    assert paragraphs("one\nline\n\n\ntwo  ") == ["one line", "two"]


def test_the_figures_are_those_of_the_report(package):
    figures = _annual(package).narrative_figures()
    assert figures["execution_rate"] == ("90.0%", True)
    assert figures["year"] == ("2024", False)
    # beneficiaries.csv: B000001-B000007 entered in 2024; 7 >= 5 is shown as it is
    assert figures["people_reached"][0] == "7"
    assert {"planned", "spent", "did_points", "did_p_value", "illustrative_share"} <= set(figures)


# ---------------------------------------------------------------------- key messages
def test_key_messages_open_the_summary_and_say_what_numbers_mean(package):
    report = _annual(package)
    summary = str(report.summary())
    assert summary.index('class="key-messages"') < summary.index('class="kpis"')
    block = summary[summary.index('class="key-messages"') :]
    items = re.findall(r"<li>(.*?)</li>", block[: block.index("</ol>")])
    assert 3 <= len(items) <= 5
    text = " ".join(items)
    assert "90.0% of the planned money" in text
    assert "A negative difference is good" in text
    # every figure rests on illustrative rows here: each message says so
    assert text.count("a demonstration, not a finding") == 3


def test_a_message_on_partly_illustrative_rows_says_how_much(package):
    report = _annual(package)
    report._resource_share = lambda *resources: 0.25  # below the ratings' limit of 0.5
    expected = " (25.0% of the rows behind this message are illustrative.)"
    assert report._evidence_note("transactions") == expected
    report._resource_share = lambda *resources: 0.0
    assert report._evidence_note("transactions") == ""


def test_the_phase_key_messages_count_the_withheld_ratings(package):
    phase = PhaseReport.load(lang="en", package_path=str(package / "datapackage.json"))
    text = _text(str(phase.summary()))
    assert re.search(r"\d of the 6 criteria are rated; \d are not rated", text)


# ---------------------------------------------------------------------- limitations
def test_limitations_name_the_sources_of_the_monitoring_rows(package):
    text = _text(str(_annual(package).limitations()))
    assert "Ban Thường vụ Hội LHPN Hà Nội: 4 rows (Plan, Verified)" in text
    assert "The evaluation toolkit (illustrative rows it generated, not observed)" in text
    assert "no monitoring report from the provincial" in text
    assert "no interviews, group discussions" in text


def test_attrition_counts_households_followed_and_lost(package):
    # B000008, B000009, B000010 entered in 2023 with an entry survey; all three in 2024
    report = _annual(package, min_cell=1)
    assert "Of the 3 households with an entry survey who joined before 2024, 0 have" in _text(
        str(report.limitations())
    )
    followups = package / "data" / "beneficiary_followups.csv"
    lines = followups.read_text(encoding="utf-8").splitlines(keepends=True)
    kept = [x for x in lines if not x.startswith("B000010,2024,")]
    assert len(kept) == len(lines) - 1
    followups.write_text("".join(kept), encoding="utf-8")
    report = _annual(package, min_cell=1)
    text = _text(str(report.limitations()))
    assert "Of the 3 households" in text and "1 have no follow-up in 2024 (33.3%)" in text
    # at the default threshold these counts are hidden
    text = _text(str(_annual(package).limitations()))
    assert "Of the &lt;5 households" in text and "(33.3%)" not in text


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_the_shipped_templates_are_valid_narrative_files(package, lang):
    """narrative/TEMPLATE.<lang>.toml, copied to a report's name, renders as a draft."""
    template = PROJECT_ROOT / "narrative" / f"TEMPLATE.{lang}.toml"
    _write(package, f"annual_2024.{lang}.toml", template.read_text(encoding="utf-8"))
    report = _annual(package, lang)
    html = str(report.conclusions()) + str(report.recommendations()) + str(report.lessons())
    assert html.count('class="draft-mark"') == 3
    assert ("90,0%" if lang == "vi" else "90.0%") in html  # {execution_rate}, EXPECTED.md
    assert "{" not in _text(html)
