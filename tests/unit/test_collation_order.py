"""Categories appear in the order of their names in the reader's language (Vietnamese
collation: Đ after D, Ơ after O), never in the order of the English codes behind them."""

from __future__ import annotations

from analysis.paths import PROJECT_ROOT
from analysis.report.annual import AnnualReport

TINY = PROJECT_ROOT / "tests" / "fixtures" / "tiny_package" / "datapackage.json"


def _report(lang: str) -> AnnualReport:
    return AnnualReport.load(year=2024, lang=lang, package_path=str(TINY), min_cell=1)


def test_activity_types_follow_the_language_of_the_report():
    vi, en = _report("vi"), _report("en")
    vi.effectiveness()
    en.effectiveness()
    # By hand, in the Vietnamese alphabet (... d đ e ... m ... q r s t u ư v): Đỡ, Mái, Quà,
    # Truyền, Vốn; the codes' order would have put Mái ấm (charity_house) first.
    assert vi.tables["plan_vs_delivery"]["activity_type"].tolist() == [
        "Đỡ đầu học sinh",
        "Mái ấm tình thương",
        "Quà Tết",
        "Truyền thông",
        "Vốn sinh kế",
    ]
    assert en.tables["plan_vs_delivery"]["activity_type"].tolist() == [
        "Charity house",
        "Communication",
        "Livelihood capital",
        "Pupil sponsorship",
        "Tết gifts",
    ]


def test_the_marks_stay_with_their_rows_when_sorted():
    """Sorting happens before the keys are drawn: the illustrative column of each row is the
    one computed for that activity type."""
    vi = _report("vi")
    vi.effectiveness()
    table = vi.tables["plan_vs_delivery"]
    flags = dict(zip(table["activity_type"], table["illustrative"], strict=True))
    en = _report("en")
    en.effectiveness()
    table_en = en.tables["plan_vs_delivery"]
    flags_en = dict(zip(table_en["activity_type"], table_en["illustrative"], strict=True))
    pairs = {
        "Đỡ đầu học sinh": "Pupil sponsorship",
        "Mái ấm tình thương": "Charity house",
        "Quà Tết": "Tết gifts",
        "Truyền thông": "Communication",
        "Vốn sinh kế": "Livelihood capital",
    }
    assert {k: bool(v) for k, v in flags.items()} == {
        k: bool(flags_en[e]) for k, e in pairs.items()
    }


def test_a_marked_cell_breaks_only_between_words():
    """The illustrative mark's markup is not a long word: a marked label keeps its words
    whole (it was given the anywhere-breaking class of web addresses)."""
    import pandas as pd

    from analysis.report import html as H

    frame = pd.DataFrame({"place": ["Cấp tỉnh hoặc toàn chương trình"], "n": [3]})
    cols = {"place": H.Col("Xã"), "n": H.Col("Số", "number")}
    marked = str(H.table(frame, cols, lang="vi", caption="c", illustrative=[True]))
    assert 'class="addr"' not in marked
    url = pd.DataFrame({"place": ["https://example.org/a/very/long/address"], "n": [1]})
    assert 'class="addr"' in str(H.table(url, cols, lang="vi", caption="c", illustrative=[True]))
