"""The 2024 plan in the package matches the Hanoi Women's Union's plan, figure by figure.

Expected values were transcribed by hand from shared/sources/000_715860d40cf38a56.txt (section
IV.1 "Thực hiện Chương trình" and IV.2 "hậu phương quân đội"), not produced by the code.
"""

from __future__ import annotations

import pandas as pd
import pytest

from analysis import load_package

SOURCE = "plan_2024_hanoi_wu"

# (commune or province, activity type) -> (planned units, planned amount in đồng); None = the
# plan states no figure.
BY_COMMUNE = {
    ("16837", "charity_house"): (1, 50_000_000),  # Nậm Cắn: 01 Mái ấm, 50.000.000 đồng
    ("16834", "livelihood_capital"): (None, 50_000_000),  # Na Loi: vốn sinh kế (bò), 50.000.000
    ("03158", "charity_house"): (1, 50_000_000),  # Leng Su Sìn: 01 Mái ấm, 50.000.000
    ("03158", "livelihood_capital"): (None, 50_000_000),  # Leng Su Sìn: vốn sinh kế, 50.000.000
    ("23536", "charity_house"): (1, 50_000_000),  # Mô Rai: 1 Mái ấm, 50.000.000
    ("23344", "livelihood_capital"): (None, 50_000_000),  # Đăk Plô: sâm dây, 50.000.000
}
BY_PROVINCE = {
    ("62", "pupil_sponsorship"): (10, 60_000_000),  # 10 học sinh, 60.000.000 (500.000/tháng)
    ("62", "tet_gifts"): (50, None),  # 50 suất quà "Tết ấm biên cương"
    ("40", "visits_gifts"): (None, None),  # thăm, tặng quà tại 2 xã
    ("40", "school_repair"): (1, None),  # có thể sửa chữa 01 điểm trường (conditional)
    ("11", "tet_gifts"): (None, None),  # Tết ấm biên cương, Leng Su Sìn và Sín Thầu
    ("11", "traditional_education_trip"): (None, None),  # 70 năm chiến thắng Điện Biên Phủ
}
PROGRAMME = ["border_post_support", "communication", "communication", "experience_sharing"]


@pytest.fixture(scope="module")
def plan() -> pd.DataFrame:
    plans = load_package()["plans"]
    return plans[(plans["year"] == 2024) & (plans["source_id"] == SOURCE)]


def _figures(rows: pd.DataFrame) -> tuple:
    assert len(rows) == 1, rows
    units, amount = rows["planned_units"].iloc[0], rows["planned_amount_vnd"].iloc[0]
    return (None if pd.isna(units) else int(units), None if pd.isna(amount) else int(amount))


def test_every_2024_plan_row_comes_from_the_plan(plan):
    plans = load_package()["plans"]
    assert set(plans.loc[plans["year"] == 2024, "source_id"]) == {SOURCE}
    assert len(plan) == len(BY_COMMUNE) + len(BY_PROVINCE) + len(PROGRAMME)  # 6 + 6 + 4 = 16


@pytest.mark.parametrize(("key", "expected"), BY_COMMUNE.items(), ids=str)
def test_commune_activities(plan, key, expected):
    commune, activity = key
    rows = plan[(plan["commune_code"] == commune) & (plan["activity_type"] == activity)]
    assert _figures(rows) == expected


@pytest.mark.parametrize(("key", "expected"), BY_PROVINCE.items(), ids=str)
def test_province_activities(plan, key, expected):
    province, activity = key
    rows = plan[
        (plan["scope"] == "province")
        & (plan["province_code"] == province)
        & (plan["activity_type"] == activity)
    ]
    assert _figures(rows) == expected


def test_programme_wide_activities(plan):
    rows = plan[plan["scope"] == "programme"]
    assert sorted(rows["activity_type"]) == PROGRAMME
    assert rows["planned_amount_vnd"].isna().all()


def test_total_of_stated_amounts(plan):
    # 6 × 50.000.000 + 60.000.000 = 360.000.000 đồng
    assert int(plan["planned_amount_vnd"].sum()) == 360_000_000


def test_plan_communes_are_the_five_named_in_section_III(plan):
    # Nậm Cắn, Na Loi (Nghệ An); Leng Su Sìn (Điện Biên); Mô Rai, Đăk Plô (Kon Tum)
    assert set(plan["commune_code"].dropna()) == {"16837", "16834", "03158", "23536", "23344"}


def test_conditional_activities(plan):
    conditional = plan[plan["is_conditional"].astype(bool)]
    assert sorted(conditional["activity_type"]) == ["experience_sharing", "school_repair"]


def test_livelihood_models(plan):
    models = plan.dropna(subset=["livelihood_model"]).set_index("commune_code")
    assert models["livelihood_model"].to_dict() == {
        "16834": "breeding_cows",
        "23344": "ginseng_vine",
    }


def test_pupil_sponsorship_matches_the_monthly_rate(plan):
    row = plan[plan["activity_type"] == "pupil_sponsorship"].iloc[0]
    # 10 pupils × 500.000 đồng/month × 12 months = 60.000.000 đồng
    assert int(row["planned_amount_vnd"]) == int(row["planned_units"]) * 500_000 * 12


def test_the_agreements_the_plan_cites_are_sources():
    sources = load_package()["sources"].set_index("source_id")
    for sid, date in [
        ("agreement_967_2020", "2020-12-28"),
        ("letter_2155_2023", "2023-07-14"),
        ("programme_06_2023", "2023-03-10"),
    ]:
        assert str(sources.loc[sid, "date"].date()) == date
        assert sources.loc[sid, "kind"] == "agreement"
