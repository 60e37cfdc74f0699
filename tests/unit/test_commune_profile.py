"""The commune profile's key message, its results by activity, the official name shown only
when it differs, and a note for every year the chart has no point (issue 17).

By hand on the tiny fixture, Na Loi (16834): its own activities are the breeding cows of 2023
(2 packages planned, 40,000,000 planned and disbursed) and of 2024 (50,000,000 planned;
30,000,000 disbursed and 25,000,000 spent): 95,000,000 in all, "95 triệu đồng" in prose. Its
people: B000002, B000003, B000008, B000009 (cows) and B000005 (a pupil of the province's
sponsorship), 5 in all. Poor-household rate: 240 / 500 = 48.0 % in 2020, the year before the
partnership, and 150 / 500 = 30.0 % in 2024, its last year with a figure: down 18.0 points.
Comparison communes of Kỳ Sơn: Đoọc Mạy 152 / 400 = 38.0 % and Mường Típ 100 / 200 = 50.0 %
in 2020 (mean 44.0 %), 140 / 400 = 35.0 % and 96 / 200 = 48.0 % in 2024 (mean 41.5 %): down
2.5 points. Nậm Cắn (16837): one charity house planned in 2024 (50,000,000) and delivered.
"""

from __future__ import annotations

import re
import shutil

import matplotlib

matplotlib.use("Agg")

import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from analysis.i18n import t  # noqa: E402
from analysis.package import load_package  # noqa: E402
from analysis.paths import PROJECT_ROOT  # noqa: E402
from analysis.report.commune import CommuneProfile  # noqa: E402

TINY = PROJECT_ROOT / "tests" / "fixtures" / "tiny_package" / "datapackage.json"


@pytest.fixture(scope="module")
def tiny():
    return load_package(TINY)


def profile(pkg, code="16834", lang="vi", min_cell=1):
    return CommuneProfile.load(commune_code=code, lang=lang, pkg=pkg, min_cell=min_cell)


def text(fragment) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", str(fragment)))


def edited_copy(tmp_path, resource: str, edit) -> object:
    """A copy of the tiny package with ``edit(frame)`` applied to one CSV (read as text)."""
    shutil.copytree(TINY.parent, tmp_path / "pkg")
    path = tmp_path / "pkg" / "data" / f"{resource}.csv"
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    edit(frame).to_csv(path, index=False, lineterminator="\n")
    return load_package(tmp_path / "pkg" / "datapackage.json")


def test_key_message_by_hand(tiny):
    html = str(profile(tiny).key_message())
    words = text(html)
    assert 'id="key-message"' in html
    assert "Từ 2021 đến 2025" in words and "95 triệu đồng" in words and "xã Na Loi" in words
    assert "hỗ trợ 5 người dân" in words
    assert "từ 48,0% năm 2020 còn 30,0% năm 2024 (giảm 18,0 điểm phần trăm)" in words
    assert "từ 44,0% còn 41,5% (giảm 2,5 điểm phần trăm)" in words
    assert "Tỷ lệ giảm là tốt" in words
    # every row of the fixture is generated: the message says so
    assert t("commune.key_illustrative", "vi") in words


def test_key_message_in_english_says_a_fall_is_good(tiny):
    words = text(profile(tiny, lang="en").key_message())
    assert "VND 95 million" in words
    assert "from 48.0% in 2020 to 30.0% in 2024 (down 18.0 percentage points)" in words
    assert "A fall is good" in words


def test_no_rate_sentence_without_figures_during_the_partnership(tiny):
    # Sín Thầu has statistics for 2019 and 2020 only, and no comparison commune in its district
    words = text(profile(tiny, code="03154").key_message())
    assert "Từ 2021 đến 2023" in words
    assert "Tỷ lệ hộ nghèo" not in words


def test_results_by_activity_by_hand(tiny):
    report = profile(tiny)
    html = str(report.results())
    assert 'id="results"' in html
    rows = report.tables["results"].set_index("activity")
    cows = rows.loc["Vốn sinh kế (Bò sinh sản)"]
    assert cows["unit"] == "gói sinh kế" and cows["planned_units"] == 2  # 2023 states 2
    assert cows["spent_vnd"] == 95_000_000
    assert cows["people"] == 4
    pupils = rows.loc["Đỡ đầu học sinh"]
    assert pupils["people"] == 1 and pupils["unit"] == "Kế hoạch của tỉnh"
    assert t("commune.province_note", "vi") in text(html)
    house = profile(tiny, code="16837")
    house.results()
    row = house.tables["results"].set_index("activity").loc["Mái ấm tình thương"]
    assert (row["unit"], row["planned_units"], row["delivered_units"]) == ("nhà", 1, 1)
    assert (row["spent_vnd"], row["people"]) == (50_000_000, 1)


def test_results_hide_small_counts_with_what_gives_them_away(tiny):
    report = profile(tiny, min_cell=5)
    report.results()
    rows = report.tables["results"].set_index("activity")
    hidden = {t("suppressed", "vi", threshold=5), t("suppressed_complementary", "vi")}
    assert rows.loc["Vốn sinh kế (Bò sinh sản)", "people"] in hidden  # 4
    assert rows.loc["Đỡ đầu học sinh", "people"] in hidden  # 1
    house = profile(tiny, code="16837", min_cell=5)
    house.results()
    row = house.tables["results"].set_index("activity").loc["Mái ấm tình thương"]
    assert row["delivered_units"] in hidden and row["people"] in hidden
    assert "1 nhà" not in text(house.key_message())


def test_official_name_only_when_it_differs(tiny, tmp_path):
    words = text(profile(tiny).where())
    assert "tên chính thức" not in words and "Na Loi (tên chính thức: Na Loi)" not in words

    def rename(frame):
        frame.loc[frame["commune_code"] == "16834", "name_official"] = "Na Lơi"
        return frame

    words = text(profile(edited_copy(tmp_path, "communes", rename)).where())
    assert "Xã Na Loi (tên chính thức: Na Lơi)" in words


def test_every_gap_in_the_chart_has_a_note(tiny, tmp_path):
    assert "không có tỷ lệ hộ nghèo" not in text(profile(tiny).outcomes())

    def gaps(frame):
        na_loi = frame["commune_code"] == "16834"
        combined = na_loi & (frame["year"] == "2022")
        for col in ("households", "population", "poor_households"):
            frame.loc[combined, col] = ""
        frame.loc[combined, "poor_or_near_poor_households"] = "260"
        return frame[~(na_loi & (frame["year"] == "2023"))]

    report = profile(edited_copy(tmp_path, "commune_statistics", gaps))
    words = text(report.outcomes())
    assert (
        "Năm 2022 không có tỷ lệ hộ nghèo của xã: nguồn năm đó không ghi tổng số hộ; "
        "nguồn chỉ ghi số hộ nghèo và cận nghèo gộp lại (260 hộ)."
    ) in words
    assert "Năm 2023 không có tỷ lệ hộ nghèo của xã: gói dữ liệu không có số liệu" in words
    # the chart's data keep the empty years (a gap, not a line drawn across them)
    years = report.tables["outcomes"]["year"].tolist()
    assert years == list(range(2019, 2025))


def test_the_page_opens_with_the_key_message_and_lists_the_results(tiny):
    html = str(profile(tiny).page())
    ids = re.findall(r'<section[^>]* id="([^"]+)"', html)
    assert ids[0] == "key-message"
    assert ids.index("where") < ids.index("results")
    assert "tên chính thức" not in html
