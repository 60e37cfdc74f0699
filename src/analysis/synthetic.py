"""National-scale synthetic packages, for benchmarks only.

The programme is national (100 communes in 30 provinces in this phase, more in the next), so
the toolkit is measured on packages far larger than the bundled one. :func:`make_package`
writes a package with the real descriptor and schema, ``n`` communes and as many
beneficiaries and follow-up rows as asked, every row vectorised with numpy (no Python loop per
row; loops run per year, activity type, generation of animals or calving round) and every
generated row marked illustrative (``source_id = "illustrative_generator"``). The result loads
with no error under the strict loader and the cross-table rules, validates with frictionless,
and is byte-identical for a given seed. The CSV files are joined by Arrow, byte for byte as
pandas' ``to_csv`` writes them (a million follow-up rows take a few seconds).

Every field that the bundled package fills is filled here too, and the optional fields are
left blank at rates like those of real data:

* **communes** (every third commune is a partner; from three partners on, a tenth of them
  leave after 2023 with an ``exit_reason`` and as many join in 2024): no coordinates for 5%, no
  ``coordinates_note`` for 10% of those with coordinates; no ``neighbouring_country`` for 10%
  of the comparison communes (which then say so in ``comparison_note``); successors of 2025
  (45% of the pairs of neighbours merge, the others are unchanged): unknown for 8%
  (``successor_name_2025`` blank, ``successor_province_2025`` blank for a third of those), no
  note for 4% of the others; ``comparison_note`` on about a third of the
  comparison communes (merged with a partner, possible spill-over, not on the border), with
  the matching ``design_flags``; ``merged_year`` 2025 for the communes merged with a known
  successor.
* **plans**: a charity house (absent for 4% of commune-years) and a livelihood package per
  partner commune and year (model blank for 5%; ginseng vine in 15% of the partners, breeding
  cows elsewhere); per province and year Tết gifts (no amount for 20%), pupil sponsorship in
  30% of provinces, now and then visits, a school repair (conditional) or an education trip;
  per year programme-wide border-post visits and communication (and, from 2024, experience
  sharing and the district unions' communication, with no unit).
* **outputs**: one per plan; 10% of gifts and pupils partly completed, 30% of conditional
  activities not started; no completion date for 2% of the activities without money.
* **transactions**: a commitment and one or two disbursements per activity with money (1% of
  houses over-spent by 10%, a warning); incoming funds per year worth 95–115% of the planned
  amounts, from members, businesses, individuals and district unions (kind blank for 5%).
* **beneficiaries**: exactly ``followups // 3``: a household per house and the pupils of
  each sponsorship (at most a fifth of them each), livelihood households, and the households
  that receive a passed-on calf (entry in the pass-on year).
* **livestock_events**: every cow of a breeding-cow household is received on the hand-over
  day, calves 12–24 months later and then every 14–20 months (home-born heifers at 26–34
  months), dies (4% a year) or is sold (2% a year; 60% of young bulls within two years); the
  first weaned calf of every received cow is passed on at 8–12 months to a new household of
  the same activity. The schema allows 99,999 animals: beyond that, the last households keep
  no ledger (their ``livestock_head`` is blank).
* **beneficiary_followups**: a row a year from entry to 2025; ``livestock_head`` from the
  ledger for cow households, blank for the others; income blank for 2%, housing for 2%,
  children in school for 3%; the proposed equity fields (who decides on the income, the
  woman's workload) filled for 60% of the rows, as a survey that asks them would.
* **commune_statistics**: households and population each blank for 2%, poor and near-poor
  households for 2%; a combined poor-or-near-poor count for 10% of the rows (half of which
  give only the combined count).
* **indicator_values**: each partner's 2020 poor-household rate as baseline and targets 3
  points lower a year for its partner years.

Example:
    >>> from analysis.synthetic import make_package
    >>> path = make_package(tmp_path, communes=50, followups=10_000)  # doctest: +SKIP
"""

from __future__ import annotations

import shutil
from functools import reduce
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from analysis.paths import DATAPACKAGE
from analysis.schema import Schema

YEARS = np.arange(2021, 2026)
STAT_YEARS = np.arange(2019, 2026)
SOURCE = "illustrative_generator"
COPIED = tuple(Schema.load().names(role="reference"))
"""Resources copied from the bundled package as they are (``role: reference``)."""
MAX_ANIMALS = 99_999
"""``animal_id`` is ``A`` and five digits."""
DEATH_RATE = -np.log(1 - 0.04) / 365.25
SALE_RATE = -np.log(1 - 0.02) / 365.25
BULL_SALE_SHARE = 0.6
GIFT_VND = 500_000
PUPIL_YEAR_VND = 6_000_000

PROVINCES = (
    # code, name, province after the 2025 mergers, latitude, longitude of the border
    # communes, neighbouring country (and a second one), main ethnicity
    ("02", "Hà Giang", "Tuyên Quang", 23.05, 105.00, "CN", "CN", "hmong"),
    ("04", "Cao Bằng", "Cao Bằng", 22.75, 106.30, "CN", "CN", "other"),
    ("10", "Lào Cai", "Lào Cai", 22.55, 103.90, "CN", "CN", "hmong"),
    ("11", "Điện Biên", "Điện Biên", 21.90, 102.60, "LA", "LA;CN", "ha_nhi"),
    ("12", "Lai Châu", "Lai Châu", 22.45, 103.10, "CN", "CN", "hmong"),
    ("14", "Sơn La", "Sơn La", 20.95, 104.10, "LA", "LA", "thai"),
    ("20", "Lạng Sơn", "Lạng Sơn", 21.95, 106.60, "CN", "CN", "other"),
    ("22", "Quảng Ninh", "Quảng Ninh", 21.55, 107.70, "CN", "CN", "kinh"),
    ("38", "Thanh Hóa", "Thanh Hóa", 20.30, 104.60, "LA", "LA", "thai"),
    ("40", "Nghệ An", "Nghệ An", 19.40, 104.20, "LA", "LA", "hmong"),
    ("42", "Hà Tĩnh", "Hà Tĩnh", 18.35, 105.30, "LA", "LA", "kinh"),
    ("44", "Quảng Bình", "Quảng Trị", 17.45, 106.00, "LA", "LA", "other"),
    ("45", "Quảng Trị", "Quảng Trị", 16.60, 106.60, "LA", "LA", "other"),
    ("46", "Thừa Thiên Huế", "Huế", 16.20, 107.20, "LA", "LA", "other"),
    ("49", "Quảng Nam", "Đà Nẵng", 15.60, 107.45, "LA", "LA", "other"),
    ("62", "Kon Tum", "Quảng Ngãi", 14.60, 107.60, "LA", "KH", "gie_trieng"),
    ("64", "Gia Lai", "Gia Lai", 13.90, 107.50, "KH", "KH", "jarai"),
    ("66", "Đắk Lắk", "Đắk Lắk", 12.95, 107.60, "KH", "KH", "other"),
    ("67", "Đắk Nông", "Lâm Đồng", 12.20, 107.45, "KH", "KH", "other"),
    ("70", "Bình Phước", "Đồng Nai", 11.80, 106.80, "KH", "KH", "other"),
    ("72", "Tây Ninh", "Tây Ninh", 11.25, 106.05, "KH", "KH", "kinh"),
    ("80", "Long An", "Tây Ninh", 10.90, 105.90, "KH", "KH", "kinh"),
    ("87", "Đồng Tháp", "Đồng Tháp", 10.85, 105.40, "KH", "KH", "kinh"),
    ("89", "An Giang", "An Giang", 10.70, 105.10, "KH", "KH", "other"),
    ("91", "Kiên Giang", "An Giang", 10.40, 104.60, "KH", "KH", "other"),
)
"""The border provinces; further provinces get a free code, ``Tỉnh NN`` and a real one's site."""
FIRST = ("Nậm", "Mường", "Sín", "Pá", "Na", "Đăk", "Ia", "Chung", "Leng", "Huổi", "Tà", "Bản")
FIRST += ("Phìn", "Lũng", "Xín", "Bờ", "Mô", "Rờ", "Sa", "Keng", "Thanh", "Tân", "Hua", "Pa")
FIRST_IN_SOURCE = ("Nặm", "Muờng", "Xín", "Pa", "Nà", "Đắk", "Ya", "Trung", "Lênh", "Huội")
FIRST_IN_SOURCE += ("Ta", "Bàn", "Phin", "Lủng", "Sín", "Bơ", "Mo", "Rơ", "Xa", "Kheng")
FIRST_IN_SOURCE += ("Thạnh", "Tấn", "Hùa", "Pá")
"""The spelling of a plan or a news item, used for ``name_in_source`` now and then."""
SECOND = ("Thầu", "Thượng", "Chải", "Su", "Kè", "Đu", "Mạy", "Loi", "Cắn", "Típ", "Plô")
SECOND += ("Nhoong", "Long", "Kơi", "Rai", "Sơn", "Lếch", "Pồ", "Hồ", "Sáng", "Khoang")
SECOND += ("Mỳ", "Ngài", "Lầu", "Phong", "Xa", "Hin", "Chà", "Ly", "Toong")
ETHNICITIES = ("hmong", "thai", "khmu", "ha_nhi", "jarai", "ro_mam", "gie_trieng", "kinh", "other")
ETHNIC_WEIGHTS = (0.2, 0.15, 0.1, 0.05, 0.1, 0.02, 0.03, 0.2, 0.15)
POVERTY = ("poor", "near_poor", "other")
TRANSITIONS = np.array([[0.74, 0.22, 0.04], [0.04, 0.76, 0.20], [0.0, 0.03, 0.97]])
LIVELIHOOD_TRANSITIONS = np.array([[0.64, 0.30, 0.06], [0.03, 0.71, 0.26], [0.0, 0.02, 0.98]])
CUMULATIVE = np.cumsum(TRANSITIONS, axis=1)
LIVELIHOOD_CUMULATIVE = np.cumsum(LIVELIHOOD_TRANSITIONS, axis=1)
HOUSING = ("temporary", "semi_permanent", "permanent")
DECIDERS = tuple(
    Schema.load().field("beneficiary_followups", "income_decided_by")["constraints"]["enum"]
)
WORKLOAD = tuple(
    Schema.load().field("beneficiary_followups", "woman_workload_change")["constraints"]["enum"]
)
NO_COORDINATES = (
    "Not found by the geocoder (illustrative).",
    "Not trusted: the geocoder gives another commune's coordinates (illustrative).",
)
COMPARISON_NOTES = (
    "Not known to lie on the border (illustrative).",
    "Merged with a partner commune in 2025: compare before July 2025 only.",
    "Received gifts from a Hanoi district union: possible spill-over.",
)
COMPARISON_FLAGS = ("not_known_on_border", "merged_with_partner", "hanoi_union_gifts")
"""``design_flags`` of the comparison communes carrying each of ``COMPARISON_NOTES``."""
SUCCESSOR_NOTES = (
    (
        ("Unchanged according to the 2025 list (illustrative).", ""),
        ("Merged with its neighbour into a new xã ", " (illustrative)."),
        ("Merged into the new xã ", " (illustrative)."),
        ("No successor found in the 2025 lists (illustrative).", ""),
    ),
    (
        ("Giữ nguyên theo danh mục năm 2025 (minh hoạ).", ""),
        ("Sáp nhập với xã lân cận thành xã ", " mới (minh hoạ)."),
        ("Sáp nhập vào xã ", " mới (minh hoạ)."),
        ("Chưa tìm thấy xã kế thừa trong danh mục năm 2025 (minh hoạ).", ""),
    ),
)
"""(English, Vietnamese) notes on the 2025 successor: unchanged, merged (the pair's first
commune, the second one), not found; text before and after the successor's name."""
EXIT_REASONS = (
    (
        "Met the New Rural standard; the Hanoi Women's Union stopped its partnership from 2024 "
        "(illustrative).",
        "Đạt chuẩn nông thôn mới; Hội LHPN Hà Nội dừng đồng hành từ năm 2024 (minh hoạ).",
    ),
    (
        "Moved to another sponsoring unit from 2024 (illustrative).",
        "Chuyển sang đơn vị khác đỡ đầu từ năm 2024 (minh hoạ).",
    ),
)
"""(English, Vietnamese) reasons a partnership ended in 2023."""
INCOMING_KINDS = ("members", "businesses", "individuals", "district_unions")
INCOMING_WEIGHTS = (4 / 12, 3 / 12, 2 / 12, 3 / 12)

ACTIVITY = {
    # type: serial, unit, planned units, planned amount, conditional, window (first and last
    # day of the year's disbursements or of the activity), days from the last one to completion
    "charity_house": (51, "house", 1, 50_000_000, False, (59, 272), (20, 90)),
    "livelihood_capital": (52, "livelihood_package", np.nan, 50_000_000, False, (59, 242), (3, 20)),
    "tet_gifts": (51, "gift", 50, 25_000_000, False, (3, 25), (0, 3)),
    "pupil_sponsorship": (52, "pupil", 10, 60_000_000, False, (212, 262), (0, 10)),
    "visits_gifts": (53, "visit", np.nan, np.nan, False, (151, 333), (0, 10)),
    "school_repair": (54, "school", 1, np.nan, True, (181, 242), (0, 0)),
    "traditional_education_trip": (55, "trip", 1, np.nan, False, (114, 126), (0, 0)),
    "border_post_support": (51, "visit", np.nan, np.nan, False, (181, 353), (0, 0)),
    "communication": (52, "campaign", np.nan, np.nan, False, (318, 361), (0, 0)),
    "experience_sharing": (53, "session", np.nan, np.nan, True, (243, 333), (0, 0)),
}
"""(Tết gifts end three days before Tết: their window is shifted per year, see ``TET_DAY``.)"""
TET_DAY = {2021: 42, 2022: 31, 2023: 21, 2024: 40, 2025: 28}
"""Day of the year (from 0) of the Lunar New Year."""
DELIVERED = {k: 1 for k in ACTIVITY} | {"border_post_support": 2}
"""Units delivered by the activities planned without a number of units."""
TX_ORDER = {"incoming_funds": 0, "commitment": 1, "disbursement": 2}
EVENT_TYPES = ("received", "calf_born", "passed_on", "sold", "died")
QUOTED = np.array([ord(c) for c in '",\r\n'], dtype=np.uint32)
"""Characters that make a CSV cell quoted."""
END = int(np.datetime64("2025-12-31", "D").astype(np.int64))
"""Last day of the ledger (days since 1970-01-01)."""
DESCRIPTION = {
    "charity_house": (
        "Trao kinh phí hỗ trợ xây, sửa 01 Mái ấm tình thương tại xã ",
        ", trị giá 50.000.000 đồng.",
    ),
    "breeding_cows": (
        "Hỗ trợ vốn sinh kế cho phụ nữ khó khăn xã ",
        " (nuôi bò sinh sản), trị giá 50.000.000 đồng.",
    ),
    "ginseng_vine": (
        "Hỗ trợ vốn sinh kế cho phụ nữ khó khăn xã ",
        " (trồng sâm dây), trị giá 50.000.000 đồng.",
    ),
    "": ("Hỗ trợ vốn sinh kế cho phụ nữ khó khăn xã ", ", trị giá 50.000.000 đồng."),
    "tet_gifts": (
        "Phối hợp cùng Hội LHPN tỉnh ",
        ", Bộ đội Biên phòng tỉnh tổ chức chương trình “Tết ấm biên cương”, tặng 50 suất quà "
        "cho phụ nữ, trẻ em khó khăn.",
    ),
    "pupil_sponsorship": (
        "Trao kinh phí đỡ đầu 10 học sinh nghèo vượt khó tỉnh ",
        " trong chương trình “Nâng bước em đến trường”, trị giá 60.000.000 đồng "
        "(500.000 đồng/tháng/cháu).",
    ),
    "visits_gifts": ("Thăm, tặng quà phụ nữ có hoàn cảnh khó khăn tại các xã đồng hành tỉnh ", "."),
    "school_repair": (
        "Trên cơ sở thực tế của nguồn lực huy động có thể hỗ trợ sửa chữa 01 điểm trường tỉnh ",
        ".",
    ),
    "traditional_education_trip": (
        "Tổ chức Đoàn công tác thực hiện hoạt động giáo dục truyền thống tại tỉnh ",
        ".",
    ),
    "border_post_support": (
        "Tổ chức thăm hỏi, tặng quà các đơn vị quân đội, cán bộ, chiến sĩ đang làm nhiệm vụ "
        "tại các đồn, chốt vùng biên giới năm ",
        ".",
    ),
    "communication": (
        "Tuyên truyền kết quả thực hiện Chương trình “Đồng hành cùng phụ nữ biên cương” năm ",
        " trên Website, Fanpage của Hội LHPN Hà Nội, Báo Phụ nữ Thủ đô.",
    ),
    "experience_sharing": (
        "Căn cứ theo nhu cầu thực tế của các xã, Hội LHPN Hà Nội có thể hỗ trợ chuyển giao tài "
        "liệu, chia sẻ kinh nghiệm hoạt động của Hội năm ",
        ".",
    ),
}
"""Plan wording (before and after the commune, province or year), in the 2024 plan's style."""


def make_package(
    out: Path, *, communes: int = 100, provinces: int = 30, followups: int = 100_000, seed: int = 1
) -> Path:
    """Write a synthetic package into ``out`` and return its ``datapackage.json``.

    Args:
        out: Folder to write (created; an existing package there is replaced).
        communes: Number of communes (every third is a partner, the rest comparisons).
        provinces: Number of provinces the communes are spread over.
        followups: Approximate number of beneficiary follow-up rows (the largest resource;
            a little fewer, as calves are passed on late in the phase); beneficiaries are
            ``followups // 3``.
        seed: Random seed.
    """
    if not 3 <= communes <= 89_999 or not 1 <= provinces <= 89:
        raise ValueError("communes must be within 3..89999 and provinces within 1..89")
    rng = np.random.default_rng(seed)
    out = Path(out)
    (out / "data").mkdir(parents=True, exist_ok=True)
    shutil.copy(DATAPACKAGE, out / "datapackage.json")
    schema = Schema.read(DATAPACKAGE)
    columns = {name: schema.field_names(name) for name in schema.resources}
    for name in COPIED:
        shutil.copy(DATAPACKAGE.parent / "data" / f"{name}.csv", out / "data" / f"{name}.csv")

    geo = _communes(rng, communes, min(provinces, communes))
    plans = _plans(rng, geo)
    outputs = _outputs(rng, plans)
    transactions = _transactions(rng, plans, outputs)
    n_b = max(1, min(999_999, followups // 3))
    ben, events, herd = _beneficiaries(rng, geo, plans, outputs, n_b)
    stats, rate_2020 = _commune_statistics(rng, geo)
    tables = {
        "communes": geo,
        "plans": plans,
        "outputs": outputs,
        "transactions": transactions,
        "beneficiaries": ben,
        "beneficiary_followups": _followups(rng, ben, herd),
        "livestock_events": events,
        "commune_statistics": stats,
        "indicator_values": _indicator_values(geo, rate_2020),
    }
    for name, table in tables.items():
        _write(out / "data" / f"{name}.csv", table, columns[name])
    return out / "datapackage.json"


# --------------------------------------------------------------------------- resources
# Each returns its table as a dict of equal-length arrays: the schema's columns (a missing
# one is written blank; NaN and "" are blanks) and helpers whose names start with "_".


def _communes(rng: np.random.Generator, n: int, provinces: int) -> dict:
    """Communes in contiguous blocks per province, five to a district, every third a partner."""
    idx = np.arange(n)
    prov = idx * provinces // n
    first = np.searchsorted(prov, prov)  # each commune's province's first commune
    rank, size = idx - first, np.bincount(prov)[prov]
    table = _province_table(provinces)
    official, variant = _names(rng, n)
    district = rank // 5
    no_coords = rng.random(n) < 0.05
    lat = np.clip(np.round(table["lat"][prov] + rng.normal(0, 0.2, n), 4), 8.5, 23.5)
    lon = np.clip(np.round(table["lon"][prov] + rng.normal(0, 0.2, n), 4), 102.2, 109.5)
    why = np.where(rng.random(n) < 0.5, NO_COORDINATES[0], NO_COORDINATES[1])
    noted = np.where(
        rng.random(n) < 0.1, "", "Approximate, generated near the border (illustrative)."
    )
    partner = idx % 3 == 0
    start, end = np.where(partner, 2021, 0), np.where(partner, 2025, 0)
    ids = np.flatnonzero(partner)
    if ids.size >= 3:  # a tenth of the partners leave after 2023, as many join in 2024
        moved = max(1, round(0.1 * ids.size))
        order = rng.permutation(ids)
        end[order[:moved]], start[order[moved : 2 * moved]] = 2023, 2024
    country = np.where(rng.random(n) < 0.3, table["country2"][prov], table["country"][prov])
    off_border = ~partner & (rng.random(n) < 0.1)
    successor = _successors(rng, official, rank, first, size, table["successor"][prov])
    head = first + (rank // 2) * 2
    mate = np.minimum(head + 1, n - 1)
    with_partner = successor["_merged"] & (successor["successor_name_2025"] != "")
    with_partner &= partner[head] | (partner[mate] & (prov[mate] == prov))
    spill = ~partner & ~off_border & ~with_partner & (rng.random(n) < 0.06)
    verified = ~off_border & (rng.random(n) < 0.3)
    reason = np.array(EXIT_REASONS)[rng.integers(0, len(EXIT_REASONS), n)]  # (n, 2)
    return successor | {
        "commune_code": _ids("", 10_000 + idx, 5),
        "name_in_source": np.where(rng.random(n) < 0.08, variant, official),
        "name_official": official,
        "district_code": _ids("", 100 + (prov * 41 + district) % 900, 3),
        "district_name": _syllables(prov * 31 + district * 7),
        "province_code": table["code"][prov],
        "province_name": table["name"][prov],
        "latitude": np.where(no_coords, np.nan, lat),
        "longitude": np.where(no_coords, np.nan, lon),
        "coordinates_note": np.where(no_coords, why, noted),
        "coordinates_source": np.where(no_coords, "", SOURCE),
        "neighbouring_country": np.where(off_border, "", country),
        "border_status": np.where(verified, "verified", "unverified"),
        "role": np.where(partner, "partner", "comparison"),
        "partner_from": np.where(partner, start, np.nan),
        "partner_to": np.where(partner, end, np.nan),
        "exit_reason": np.where(partner & (end == 2023), reason[:, 0], ""),
        "exit_reason_vi": np.where(partner & (end == 2023), reason[:, 1], ""),
        "comparison_note": np.select(
            [partner, off_border, with_partner, spill], ["", *COMPARISON_NOTES], ""
        ),
        "design_flags": np.select(
            [partner, off_border, with_partner, spill], ["", *COMPARISON_FLAGS], ""
        ),
        "merged_year": np.where(
            successor["_merged"] & (successor["successor_name_2025"] != ""), 2025, np.nan
        ),
        "source_id": SOURCE,
        "_province": prov,
        "_partner": partner,
        "_from": start,
        "_to": end,
        "_ginseng": partner & (rng.random(n) < 0.15),
        "_ethnicity": table["ethnicity"][prov],
        "_pcode": table["code"],
        "_pname": table["name"],
        "_pfirst": np.searchsorted(prov, np.arange(provinces)),
        "_psize": np.bincount(prov, minlength=provinces),
    }


def _successors(rng, official, rank, first, size, province) -> dict:
    """2025 successors: neighbours merge two by two (45% of pairs), 8% not found."""
    n = official.size
    head = first + (rank // 2) * 2
    merged = (rng.random(n) < 0.45)[head] & ((rank // 2) * 2 + 1 < size)
    unknown = rng.random(n) < 0.08
    name = np.where(unknown, "", np.where(merged, official[head], official))
    kind = np.select([unknown, merged & (rank % 2 == 0), merged], [3, 1, 2], 0)
    notes = []
    for texts in SUCCESSOR_NOTES:
        note = np.full(n, "", dtype=object)
        for k, (before, after) in enumerate(texts):
            at = kind == k
            note[at] = _cat(before, name[at], after) if after else before
        notes.append(note.astype(str))
    blank = ~unknown & (rng.random(n) < 0.04)
    return {
        "successor_name_2025": name,
        "successor_province_2025": np.where(unknown & (rng.random(n) < 1 / 3), "", province),
        "successor_note": np.where(blank, "", notes[0]),
        "successor_note_vi": np.where(blank, "", notes[1]),
        "_merged": merged,
    }


def _plans(rng: np.random.Generator, geo: dict) -> dict:
    """Commune, province and programme activities of every year, sorted by ``activity_id``."""
    partner, prov = geo["_partner"], geo["_province"]
    active = partner[:, None] & (geo["_from"][:, None] <= YEARS) & (geo["_to"][:, None] >= YEARS)
    yi, ci = np.nonzero(active.T)  # year by year, communes in order
    years, codes = YEARS[yi], geo["commune_code"]
    model = np.where(geo["_ginseng"][ci], "ginseng_vine", "breeding_cows")
    model = np.where(rng.random(ci.size) < 0.05, "", model)
    house = rng.random(ci.size) >= 0.04
    blocks = [
        _block("charity_house", years[house], codes[ci[house]], c=ci[house]),
        _block("livelihood_capital", years, codes[ci], c=ci, livelihood_model=model),
    ]
    in_year = np.zeros((YEARS.size, geo["_pcode"].size), dtype=bool)
    in_year[yi, prov[ci]] = True
    yi, pi = np.nonzero(in_year)
    years, where = YEARS[yi], _cat("P", geo["_pcode"][pi])
    pupils = (rng.random(geo["_pcode"].size) < 0.3)[pi]
    for kind, keep in (
        ("tet_gifts", np.ones(pi.size, dtype=bool)),
        ("pupil_sponsorship", pupils),
        ("visits_gifts", rng.random(pi.size) < 0.1),
        ("school_repair", rng.random(pi.size) < 0.05),
        ("traditional_education_trip", rng.random(pi.size) < 0.05),
    ):
        blocks.append(_block(kind, years[keep], where[keep], p=pi[keep]))
    later = YEARS[YEARS >= 2024]
    blocks += [
        _block("border_post_support", YEARS, "ALL"),
        _block("communication", YEARS, "ALL"),
        _block("experience_sharing", later, "ALL"),
        _block("communication", later, "ALL", serial="54", unit="", district=True),
    ]
    plans = {k: np.concatenate([b[k] for b in blocks]) for k in blocks[0]}
    order = np.argsort(plans["activity_id"], kind="stable")
    plans = {k: v[order] for k, v in plans.items()}
    n, c, kind = order.size, plans["_c"], plans["activity_type"]
    at_c = np.maximum(c, 0)
    p = np.where(c >= 0, prov[at_c], plans["_p"])
    at_p = np.maximum(p, 0)
    plans["_p"] = p
    plans["scope"] = np.select([c >= 0, p >= 0], ["commune", "province"], "programme")
    plans["commune_code"] = np.where(c >= 0, codes[at_c], "")
    plans["province_code"] = np.where(p >= 0, geo["_pcode"][at_p], "")
    tet = kind == "tet_gifts"
    plans["planned_amount_vnd"][tet & (rng.random(n) < 0.2)] = np.nan
    unit = np.full(n, "hanoi_wu", dtype=object)
    unit[((c >= 0) | tet) & (rng.random(n) < np.where(tet, 0.25, 0.1))] = "hanoi_district_unions"
    visits = kind == "visits_gifts"
    unit[visits] = np.array(["ha_dong_wu", "long_bien_wu"])[rng.integers(0, 2, n)][visits]
    unit[plans["_district"]] = "hanoi_district_unions"
    plans["implementing_unit"] = unit.astype(str)
    place = np.where(c >= 0, geo["name_official"][at_c], geo["_pname"][at_p])
    place = np.where(p < 0, plans["year"].astype(str), place)
    key = np.where(kind == "livelihood_capital", plans["livelihood_model"], kind)
    text = np.full(n, "", dtype=object)
    for k, (before, after) in DESCRIPTION.items():
        at = key == k
        text[at] = _cat(before, place[at], after)
    plans["description_vi"] = text.astype(str)
    plans["source_id"] = SOURCE
    return plans


def _block(kind, years, where, *, c=None, p=None, serial=None, unit=None, **extra) -> dict:
    """Plan rows of one activity type: their ``years`` and the place in their id (``where``)."""
    n = len(years)
    number, default_unit, units, amount, conditional = ACTIVITY[kind][:5]
    block = {
        "activity_id": _cat(np.asarray(years).astype(str), "-", where, "-", serial or number),
        "year": years,
        "activity_type": np.full(n, kind),
        "livelihood_model": extra.get("livelihood_model", np.full(n, "")),
        "planned_units": np.full(n, units, dtype=float),
        "unit": np.full(n, default_unit if unit is None else unit),
        "planned_amount_vnd": np.full(n, amount, dtype=float),
        "is_conditional": np.full(n, "true" if conditional else "false"),
        "_c": np.full(n, -1) if c is None else c,
        "_p": np.full(n, -1) if p is None else p,
        "_district": np.full(n, extra.get("district", False)),
    }
    return {k: np.asarray(v) for k, v in block.items()}


def _outputs(rng: np.random.Generator, plans: dict) -> dict:
    """One output per plan, and the days its money moves (helpers ``_commit``, ``_d1``, ``_d2``)."""
    kind, units, amount = (
        plans["activity_type"],
        plans["planned_units"],
        plans["planned_amount_vnd"],
    )
    n = kind.size
    y0 = _year_start(plans["year"])
    window = _lookup(kind, {k: v[5] for k, v in ACTIVITY.items()}).reshape(n, 2)
    lag = _lookup(kind, {k: v[6] for k, v in ACTIVITY.items()}).reshape(n, 2)
    tet = kind == "tet_gifts"
    lo = window[:, 0]
    hi = np.where(tet, _lookup(plans["year"], TET_DAY) - 3, window[:, 1])
    not_started = (plans["is_conditional"] == "true") & (rng.random(n) < 0.3)
    partly = np.isin(kind, ["tet_gifts", "pupil_sponsorship"]) & (rng.random(n) < 0.1)
    status = np.select([not_started, partly], ["not_started", "partly_completed"], "completed")
    delivered = np.where(np.isnan(units), _lookup(kind, DELIVERED, float), units)
    short = rng.integers(1, np.ceil(np.nan_to_num(units) * 0.15).astype(np.int64) + 2)
    delivered = np.where(not_started, 0, np.where(partly, delivered - short, delivered))
    money = (~np.isnan(amount) | tet) & ~not_started
    total = np.round(np.nan_to_num(amount) * rng.uniform(0.85, 1.0, n), -5)
    over = (kind == "charity_house") & (rng.random(n) < 0.01)  # building costs
    total = np.where(over, np.round(amount * 1.1, -5), total)
    total = np.where(tet, delivered * GIFT_VND, total)
    total = np.where(kind == "pupil_sponsorship", delivered * PUPIL_YEAR_VND, total)
    commit = y0 + np.where(tet, rng.integers(1, 3, n), rng.integers(1, 45, n))
    d1 = np.maximum(y0 + lo + rng.integers(0, np.maximum(hi - lo, 1)), commit + 3)
    d1 = np.minimum(d1, y0 + hi)
    two = np.isin(kind, ["charity_house", "livelihood_capital"]) & (rng.random(n) < 0.4)
    d2 = np.where(two, np.minimum(d1 + rng.integers(20, 91, n), y0 + hi), d1)
    done = d2 + rng.integers(lag[:, 0], lag[:, 1] + 1)
    done = np.where(money, done, y0 + lo + rng.integers(0, hi - lo + 1))
    done = np.minimum(done, y0 + 364)
    undated = not_started | (~money & (kind != "livelihood_capital") & (rng.random(n) < 0.02))
    return {
        "activity_id": plans["activity_id"],
        "status": status,
        "delivered_units": delivered,
        "delivered_amount_vnd": np.where(money, total, np.nan),
        "completed_on": np.where(undated, "", _dates(done)),
        "source_id": SOURCE,
        "_money": money,
        "_total": total,
        "_commit": commit,
        "_d1": d1,
        "_d2": d2,
        "_two": two,
        "_done": done,
    }


def _transactions(rng: np.random.Generator, plans: dict, outputs: dict) -> dict:
    """Commitments and disbursements of the activities with money, and each year's funds raised."""
    money, total, planned = outputs["_money"], outputs["_total"], plans["planned_amount_vnd"]
    first = np.where(outputs["_two"], np.round(total / 2, -5), total)
    parts = [
        (money & ~np.isnan(planned), "commitment", outputs["_commit"], planned),
        (money, "disbursement", outputs["_d1"], first),
        (money & outputs["_two"], "disbursement", outputs["_d2"], total - first),
    ]
    activity = [plans["activity_id"][m] for m, *_ in parts]
    kinds = [np.full(int(m.sum()), t) for m, t, *_ in parts]
    days = [d[m] for m, _, d, _ in parts]
    amounts = [a[m] for m, _, _, a in parts]
    contributor = [np.full(a.size, "") for a in activity]
    needed = np.where(money, np.where(np.isnan(planned), total, planned), 0)
    for y in YEARS:  # funds raised: 95–115% of the year's needs, in a few contributions
        in_year = plans["year"] == y
        k = max(4, round(int((money & in_year).sum()) / 4))
        share = rng.dirichlet(np.ones(k)) * needed[in_year].sum() * rng.uniform(0.95, 1.15)
        activity.append(np.full(k, ""))
        kinds.append(np.full(k, "incoming_funds"))
        days.append(_year_start(np.full(k, y)) + rng.integers(3, 330, k))
        amounts.append(np.maximum(np.round(share, -5), 100_000))
        who = np.array(INCOMING_KINDS)[rng.choice(len(INCOMING_KINDS), k, p=INCOMING_WEIGHTS)]
        contributor.append(np.where(rng.random(k) < 0.05, "", who))
    tx = {
        "activity_id": np.concatenate(activity),
        "transaction_type": np.concatenate(kinds),
        "_day": np.concatenate(days),
        "amount_vnd": np.concatenate(amounts).astype(np.int64),
        "contributor_kind": np.concatenate(contributor),
    }
    rank = _lookup(tx["transaction_type"], TX_ORDER)
    order = np.lexsort((tx["activity_id"], rank, tx["_day"]))
    tx = {k: v[order] for k, v in tx.items()}
    tx["date"] = _dates(tx["_day"])
    tx["transaction_id"] = _unique_ids(tx["date"].astype("U4"), "T")
    tx["source_id"] = SOURCE
    return tx


def _beneficiaries(rng, geo, plans, outputs, n_b) -> tuple[dict, dict, np.ndarray]:
    """Exactly ``n_b`` households and pupils, the cow ledger, and the herd of each 31 December.

    Houses (one household each) and sponsored pupils take at most a fifth of ``n_b`` each;
    livelihood households and the households that receive their passed-on calves the rest.
    """
    kind = plans["activity_type"]
    houses = np.sort(rng.permutation(np.flatnonzero(kind == "charity_house"))[: n_b // 5])
    sponsored = np.flatnonzero(kind == "pupil_sponsorship")
    seats = np.repeat(sponsored, outputs["delivered_units"][sponsored].astype(np.int64))
    pupils = np.sort(rng.permutation(seats)[: n_b // 5])
    budget = n_b - houses.size - pupils.size
    pool = rng.choice(np.flatnonzero(kind == "livelihood_capital"), budget)
    cow = plans["livelihood_model"][pool] == "breeding_cows"
    kept, ledger = _fit(cow, _ledger(rng, outputs["_done"][pool[cow][:MAX_ANIMALS]]), budget)
    direct = np.concatenate([houses, pupils, pool[:kept]])
    order = np.lexsort((direct, plans["year"][direct]))  # numbered by year, then activity
    roots = int((ledger["gen"] == 0).sum())  # the first cows of the pool keep a ledger
    give = np.argsort(order)[houses.size + pupils.size + np.flatnonzero(cow[:kept])[:roots]]
    passed = np.flatnonzero(ledger["passed"])
    passed = passed[np.argsort(ledger["weaned"][passed], kind="stable")]
    receiver_of = np.full(roots, -1)
    receiver_of[ledger["root"][passed]] = direct.size + np.arange(passed.size)
    acts = direct[order]
    acts = np.concatenate([acts, acts[give[ledger["root"][passed]]]])
    n = acts.size
    entry = plans["year"][acts].copy()
    entry[direct.size :] = _year_of(ledger["weaned"][passed])
    p = plans["_p"][acts]
    is_pupil = kind[acts] == "pupil_sponsorship"
    anywhere = geo["_pfirst"][p] + rng.integers(0, geo["_psize"][p])  # pupils: the province
    c = np.where(is_pupil, anywhere, plans["_c"][acts])
    is_house = kind[acts] == "charity_house"
    ethnicity = np.where(
        rng.random(n) < 0.6,
        geo["_ethnicity"][c],
        np.array(ETHNICITIES)[rng.choice(len(ETHNICITIES), n, p=ETHNIC_WEIGHTS)],
    )
    adult = np.array(["18-29", "30-44", "45-59", "60+"])[
        rng.choice(4, n, p=[0.25, 0.45, 0.25, 0.05])
    ]
    child = np.array(["6-10", "11-14", "15-17"])[rng.choice(3, n, p=[0.35, 0.4, 0.25])]
    female = rng.random(n) < np.where(is_pupil, 0.5, 0.97)
    poverty = np.where(
        is_house, rng.choice(3, n, p=[0.8, 0.2, 0.0]), rng.choice(3, n, p=[0.6, 0.3, 0.1])
    )
    ids = _ids("B", np.arange(1, n + 1), 6)
    cows = np.zeros(n, dtype=bool)
    cows[give], cows[direct.size :] = True, True
    events, herd = _events(ledger, give, receiver_of, ids)
    ben = {
        "beneficiary_id": ids,
        "activity_id": plans["activity_id"][acts],
        "commune_code": geo["commune_code"][c],
        "household_size": rng.integers(2, 9, n),
        "ethnicity": ethnicity,
        "sex": np.where(female, "female", "male"),
        "age_band": np.where(is_pupil, child, adult),
        "poverty_status_entry": np.array(POVERTY)[poverty],
        "entry_year": entry,
        "source_id": SOURCE,
        "_poverty": poverty,
        "_house": is_house,
        "_pupil": is_pupil,
        "_livelihood": kind[acts] == "livelihood_capital",
        "_cows": cows,
    }
    return ben, events, herd


def _ledger(rng: np.random.Generator, received: np.ndarray) -> dict:
    """Every animal descended from the cows received on days ``received``, one generation at a
    time, with its fate: death, sale, calvings and (for a received cow's first calf) pass-on.

    Arrays per animal: ``start`` day, ``root`` (the received cow it descends from), ``mother``
    (index, -1), ``gen``, ``passed`` and its ``weaned`` day, ``exit`` day and ``died``.
    """
    n0 = received.size
    batch = {
        "start": received,
        "root": np.arange(n0),
        "mother": np.full(n0, -1),
        "female": np.ones(n0, dtype=bool),
        "owed": np.zeros(n0, dtype=bool),
        "weaned": np.zeros(n0, dtype=np.int64),
    }
    done: list[dict] = []
    offset = 0
    while batch["start"].size or not done:
        m = batch["start"].size
        adult = np.full(m, not done)
        death = batch["start"] + np.maximum(1, rng.exponential(1 / DEATH_RATE, m).astype(np.int64))
        passed = batch["owed"] & (batch["weaned"] <= END) & (death > batch["weaned"])
        settled = np.where(passed, batch["weaned"], batch["start"])
        bull = ~batch["female"] & (rng.random(m) < BULL_SALE_SHARE)
        kept_for = np.maximum(1, rng.exponential(1 / SALE_RATE, m).astype(np.int64))
        sale = np.where(bull, batch["start"] + rng.integers(365, 731, m), settled + kept_for)
        sale = np.maximum(sale, settled + 1)
        batch |= {"gen": np.full(m, len(done)), "passed": passed, "died": death <= sale}
        batch["exit"] = np.minimum(death, sale)
        done.append(batch)
        mothers = np.flatnonzero(batch["female"])
        first = np.where(adult[mothers], 365, 790)
        calving = (
            batch["start"][mothers] + first + rng.integers(0, np.where(adult[mothers], 366, 246))
        )
        calves = []
        while True:  # one calving round at a time, every 14-20 months
            alive = (calving < batch["exit"][mothers]) & (calving <= END)
            if not alive.any():
                break
            day = calving[alive]
            calves.append(
                {
                    "start": day,
                    "root": batch["root"][mothers[alive]],
                    "mother": offset + mothers[alive],
                    "owed": adult[mothers[alive]] & (len(calves) == 0),
                    "weaned": day + rng.integers(240, 366, day.size),
                }
            )
            calving = calving + rng.integers(426, 610, mothers.size)
        offset += m
        batch = (
            {k: np.concatenate([c[k] for c in calves]) for k in calves[0]}
            if calves
            else {k: np.zeros(0, dtype=np.int64) for k in ("start", "root", "mother", "weaned")}
            | {"owed": np.zeros(0, dtype=bool)}
        )
        batch["female"] = rng.random(batch["start"].size) < 0.5
    keys = ("start", "root", "mother", "gen", "passed", "weaned", "exit", "died")
    return {k: np.concatenate([b[k] for b in done]) for k in keys}


def _fit(cow: np.ndarray, ledger: dict, budget: int) -> tuple[int, dict]:
    """How many households of the pool to keep so that, with the households their cows' calves
    are passed on to, they number ``budget``; and the ledger of their cows.

    Cows keep a ledger in pool order while the animals fit in ``MAX_ANIMALS``. When the last
    household's pass-on would make one too many, it keeps its calf. Adds ``line`` (the animal
    is a passed-on calf or descends from one: its receiver holds it).
    """
    root, gen = ledger["root"], ledger["gen"]
    simulated = int((gen == 0).sum())
    fits = np.cumsum(np.bincount(root, minlength=simulated)) <= MAX_ANIMALS
    passes = np.bincount(root[ledger["passed"]], minlength=simulated).astype(bool) & fits
    cows = np.flatnonzero(cow)[:simulated]
    extra = np.zeros(budget, dtype=np.int64)
    extra[cows] = passes
    total = np.cumsum(1 + extra)
    kept = int(np.searchsorted(total, budget, side="right"))
    if (total[kept - 1] if kept else 0) < budget:
        ledger["passed"] = ledger["passed"] & (root != np.searchsorted(cows, kept))
        kept += 1
    line = ledger["passed"].copy()
    for g in range(1, int(gen.max(initial=0)) + 1):
        at = np.flatnonzero(gen == g)
        line[at] |= line[ledger["mother"][at]]
    keep = root < int((fits & (cows < kept)).sum())  # kept cows are a prefix of the ledger's
    renumber = np.cumsum(keep) - 1
    out = {k: v[keep] for k, v in (ledger | {"line": line}).items()}
    out["mother"] = np.where(out["mother"] >= 0, renumber[np.maximum(out["mother"], 0)], -1)
    return kept, out


def _events(ledger: dict, give: np.ndarray, receiver_of: np.ndarray, ids: np.ndarray):
    """The ledger's events (sorted by date, animal and kind) and each household's cattle on
    31 December of each year (beneficiaries by years)."""
    start, gen, passed, line = ledger["start"], ledger["gen"], ledger["passed"], ledger["line"]
    k = start.size
    number = np.empty(k, dtype=np.int64)
    number[np.lexsort((np.arange(k), start))] = np.arange(1, k + 1)  # by arrival
    giver, taker = give[ledger["root"]], receiver_of[ledger["root"]]
    ended = ledger["exit"] <= END
    kind = np.concatenate(
        [np.where(gen == 0, 0, 1), np.full(passed.sum(), 2), np.where(ledger["died"], 4, 3)[ended]]
    )
    day = np.concatenate([start, ledger["weaned"][passed], ledger["exit"][ended]])
    animal = np.concatenate([number, number[passed], number[ended]])
    holder = np.concatenate(
        [np.where(line & ~passed, taker, giver), giver[passed], np.where(line, taker, giver)[ended]]
    )
    to = np.concatenate([np.full(k, -1), taker[passed], np.full(ended.sum(), -1)])
    mother = np.full(day.size, -1)
    mother[:k] = np.where(ledger["mother"] >= 0, number[np.maximum(ledger["mother"], 0)], -1)
    order = np.lexsort((kind, animal, day))
    to, mother = to[order], mother[order]
    events = {
        "event_id": _ids("E", np.arange(1, order.size + 1), 6),
        "animal_id": _ids("A", animal[order], 5),
        "event_type": np.array(EVENT_TYPES)[kind[order]],
        "date": _dates(day[order]),
        "beneficiary_id": ids[holder[order]],
        "to_beneficiary_id": np.where(to >= 0, ids[np.maximum(to, 0)], ""),
        "mother_animal_id": np.where(mother >= 0, _ids("A", np.maximum(mother, 0), 5), ""),
        "source_id": SOURCE,
    }
    herd = np.zeros((ids.size, YEARS.size), dtype=np.int64)
    for i, year in enumerate(YEARS):
        last = _year_start(year + 1) - 1
        alive = (start <= last) & (ledger["exit"] > last)
        who = np.where(line & (~passed | (ledger["weaned"] <= last)), taker, giver)
        herd[:, i] = np.bincount(who[alive], minlength=ids.size)
    return events, herd


def _followups(rng: np.random.Generator, ben: dict, herd: np.ndarray) -> dict:
    """A follow-up a year from entry to 2025 for every beneficiary (loops run per year)."""
    entry = ben["entry_year"]
    span = 2026 - entry
    start = np.cumsum(span) - span
    rows = np.repeat(np.arange(entry.size), span)
    offset = np.arange(rows.size) - np.repeat(start, span)
    n, later = rows.size, [np.flatnonzero(offset == k) for k in range(1, YEARS.size)]
    livelihood, house = ben["_livelihood"][rows], ben["_house"][rows]
    growth = np.where(livelihood, rng.uniform(0.10, 0.20, n), rng.uniform(0.05, 0.15, n))
    growth = np.cumsum(np.where(offset == 0, 0.0, np.log1p(growth)))
    growth -= np.repeat(growth[start], span)
    income = np.round(rng.integers(70, 141, entry.size)[rows] * 10_000 * np.exp(growth), -4)
    status = np.repeat(ben["_poverty"], span)
    housing = np.repeat(
        np.where(ben["_house"], 0, rng.choice(3, entry.size, p=[0.2, 0.55, 0.25])), span
    )
    most = np.minimum(4, ben["household_size"] - 1)
    low = ben["_pupil"].astype(np.int64)
    children = np.repeat(rng.integers(low, most + 1), span)
    most, low = most[rows], low[rows]
    u = rng.random(n)
    upgrade = rng.random(n) < 0.08
    step = np.where(rng.random(n) < 0.2, rng.choice([-1, 1], n), 0)
    for at in later:  # each year from the previous one
        before = status[at - 1]
        table = np.where(livelihood[at, None], LIVELIHOOD_CUMULATIVE[before], CUMULATIVE[before])
        status[at] = np.minimum((u[at, None] > table).sum(1), 2)
        housing[at] = np.where(house[at], 2, np.minimum(housing[at - 1] + upgrade[at], 2))
        children[at] = np.clip(children[at - 1] + step[at], low[at], most[at])
    cows = ben["_cows"][rows]
    head = herd[rows, entry[rows] + offset - YEARS[0]]
    return {
        "beneficiary_id": ben["beneficiary_id"][rows],
        "year": entry[rows] + offset,
        "income_per_person_month_vnd": np.where(rng.random(n) < 0.02, np.nan, income),
        "livestock_head": np.where(cows, head, np.nan),
        "housing_condition": np.where(rng.random(n) < 0.02, "", np.array(HOUSING)[housing]),
        "poverty_status": np.array(POVERTY)[status],
        "children_in_school": np.where(rng.random(n) < 0.03, np.nan, children),
        **_equity_answers(
            rng, n, ("income_decided_by", DECIDERS), ("woman_workload_change", WORKLOAD)
        ),
        "source_id": SOURCE,
    }


def _equity_answers(rng: np.random.Generator, n: int, *fields: tuple[str, tuple]) -> dict:
    """The proposed equity fields: a category for 60% of ``n`` rows, blank for the rest.

    Drawn from a jumped copy of ``rng``'s stream, so adding these fields left every other
    generated value as it was.
    """
    extra = np.random.Generator(rng.bit_generator.jumped())
    return {
        name: np.where(
            extra.random(n) < 0.4, "", np.array(values)[extra.integers(len(values), size=n)]
        )
        for name, values in fields
    }


def _commune_statistics(rng: np.random.Generator, geo: dict) -> tuple[dict, np.ndarray]:
    """Households, population and poverty of every commune and year 2019-2025, and each
    commune's 2020 poor-household rate (%).

    The poor-household rate falls 3 points a year, jumps 10 points in 2022 (the new poverty
    standard) and falls 0.8 points more for each year a commune has been a partner.
    """
    n, years = geo["commune_code"].size, STAT_YEARS.size
    c, y = np.repeat(np.arange(n), years), np.tile(STAT_YEARS, n)
    m = c.size
    households = np.round(
        rng.integers(300, 1500, n)[c] * (1 + rng.uniform(0.006, 0.014, n)[c]) ** (y - 2019)
    )
    population = np.round(households * rng.uniform(4.5, 5.5, n)[c] * rng.normal(1, 0.01, m))
    partner_years = np.clip(np.minimum(y, geo["_to"][c]) - geo["_from"][c] + 1, 0, None)
    partner_years = np.where(geo["_partner"][c], partner_years, 0)
    rate = rng.uniform(15, 60, n)[c] - 3.0 * (y - 2019) + 10.0 * (y >= 2022)
    rate = np.clip(rate - 0.8 * partner_years + rng.normal(0, 0.6, m), 0.5, 90)
    near_rate = rng.uniform(6, 12, n)[c] - 0.3 * (y - 2019) + 3.0 * (y >= 2022)
    near_rate = np.clip(near_rate + rng.normal(0, 0.7, m), 0.5, None)
    poor = np.round(households * rate / 100)
    near = np.minimum(np.round(households * near_rate / 100), households - poor)
    combined = rng.random(m) < 0.1
    only_combined = combined & (rng.random(m) < 0.5)
    stats = {
        "commune_code": geo["commune_code"][c],
        "year": y,
        "households": np.where(rng.random(m) < 0.02, np.nan, households),
        "population": np.where(rng.random(m) < 0.02, np.nan, population),
        "poor_households": np.where(only_combined | (rng.random(m) < 0.02), np.nan, poor),
        "near_poor_households": np.where(only_combined | (rng.random(m) < 0.02), np.nan, near),
        "poor_or_near_poor_households": np.where(combined, poor + near, np.nan),
        "source_id": SOURCE,
    }
    return stats, rate[y == 2020]


def _indicator_values(geo: dict, rate_2020: np.ndarray) -> dict:
    """Each partner's 2020 poor-household rate as baseline, and targets 3 points lower a year
    for each of its partner years."""
    partners = np.flatnonzero(geo["_partner"])
    active = (geo["_from"][partners, None] <= YEARS) & (geo["_to"][partners, None] >= YEARS)
    who, yi = np.nonzero(active)
    c = np.concatenate([partners, partners[who]])
    y = np.concatenate([np.full(partners.size, 2020), YEARS[yi]])
    base = np.round(rate_2020[c], 1)
    value = np.where(y == 2020, base, np.maximum(np.round(base - 3.0 * (y - 2020), 1), 0.0))
    order = np.lexsort((y, c))
    return {
        "indicator_id": np.full(c.size, "poor_household_rate"),
        "commune_code": geo["commune_code"][c][order],
        "year": y[order],
        "value_type": np.where(y == 2020, "baseline", "target")[order],
        "value": value[order],
        "source_id": SOURCE,
    }


# --------------------------------------------------------------------------- helpers


def _province_table(count: int) -> dict:
    """The first ``count`` provinces: the border provinces, then ``Tỉnh NN`` on a free code."""
    real = len(PROVINCES)
    taken = {p[0] for p in PROVINCES}
    free = [f"{c:02d}" for c in range(1, 100) if f"{c:02d}" not in taken]
    rows = [list(PROVINCES[p % real]) for p in range(count)]  # (one per province)
    for p in range(real, count):
        rows[p][0] = free[p - real]
        rows[p][1] = rows[p][2] = f"Tỉnh {free[p - real]}"
    names = ("code", "name", "successor", "lat", "lon", "country", "country2", "ethnicity")
    return {k: np.array([r[i] for r in rows]) for i, k in enumerate(names)}


def _names(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Distinct commune names of two syllables (numbered beyond the combinations), and the
    same names as a plan or a news item may spell them."""
    combos = len(FIRST) * len(SECOND)
    pick = rng.permutation(combos)[np.arange(n) % combos]
    tail = _cat(" ", np.array(SECOND)[pick % len(SECOND)])
    again = np.arange(n) // combos
    tail = np.where(again > 0, _cat(tail, " ", (again + 1).astype(str)), tail)
    head = pick // len(SECOND)
    return _cat(np.array(FIRST)[head], tail), _cat(np.array(FIRST_IN_SOURCE)[head], tail)


def _syllables(k: np.ndarray) -> np.ndarray:
    """A two-syllable place name for each number."""
    k = np.asarray(k) % (len(FIRST) * len(SECOND))
    return _cat(np.array(FIRST)[k // len(SECOND)], " ", np.array(SECOND)[k % len(SECOND)])


def _cat(*parts) -> np.ndarray:
    """Element-wise concatenation of strings and string arrays."""
    return reduce(np.char.add, [np.asarray(p).astype(str) for p in parts])


def _lookup(values: np.ndarray, mapping: dict, dtype=np.int64) -> np.ndarray:
    """``mapping[v]`` for every value (one dictionary look-up per distinct value)."""
    keys, inverse = np.unique(values, return_inverse=True)
    return np.array([mapping[k] for k in keys.tolist()], dtype=dtype)[inverse]


def _ids(prefix: str, numbers, width: int) -> np.ndarray:
    """``prefix`` and each number zero-padded to ``width`` digits, built byte by byte."""
    numbers = np.asarray(numbers, dtype=np.int64)
    digits = numbers[:, None] // 10 ** np.arange(width - 1, -1, -1) % 10 + ord("0")
    head = np.array([ord(c) for c in prefix], dtype=np.int64)
    raw = np.hstack([np.broadcast_to(head, (numbers.size, head.size)), digits])
    size = raw.shape[1]
    return np.ascontiguousarray(raw, dtype=np.uint32).view(f"U{size}").ravel()


def _year_start(years) -> np.ndarray:
    """Day number (days since 1970-01-01) of each year's 1 January."""
    return (
        (np.asarray(years) - 1970).astype("datetime64[Y]").astype("datetime64[D]").astype(np.int64)
    )


def _year_of(days: np.ndarray) -> np.ndarray:
    return np.asarray(days).astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970


def _dates(days: np.ndarray) -> np.ndarray:
    """Day numbers as ``YYYY-MM-DD``."""
    return np.datetime_as_string(np.asarray(days, dtype=np.int64).astype("datetime64[D]"))


def _unique_ids(years: np.ndarray, prefix: str) -> np.ndarray:
    """``TYYYY-NNNN`` ids numbered within each year (the schema allows 9,999 a year)."""
    order = pd.Series(years).groupby(years).cumcount().to_numpy() + 1
    if order.size and order.max() > 9_999:
        raise ValueError("more than 9,999 transactions in a year: use fewer partner communes")
    return np.char.add(
        np.char.add(np.char.add(prefix, years.astype(str)), "-"),
        np.char.zfill(order.astype(str), 4),
    )


def _write(path: Path, table: dict, columns: list[str]) -> None:
    """Write the schema's ``columns`` of ``table`` as CSV, as pandas would (quotes only where
    needed, blanks empty, whole numbers without a decimal point), but joined by Arrow."""
    n = max((len(v) for v in table.values() if np.ndim(v)), default=0)
    with path.open("wb") as fh:
        fh.write((",".join(columns) + "\n").encode())
        if not n:
            return
        lines = pc.binary_join_element_wise(*[_text(table.get(c, ""), n) for c in columns], ",")
        lines = pc.binary_join_element_wise(lines, "", "\n")
        for chunk in lines.chunks if isinstance(lines, pa.ChunkedArray) else [lines]:
            offsets = np.frombuffer(chunk.buffers()[1], dtype=np.int32)
            offsets = offsets[chunk.offset : chunk.offset + len(chunk) + 1]
            fh.write(memoryview(chunk.buffers()[2])[offsets[0] : offsets[-1]])


def _text(values, n: int) -> pa.Array:
    """One column as CSV cells (quoted where needed, blanks empty)."""
    if isinstance(values, str) or np.ndim(values) == 0:
        return pc.fill_null(pa.nulls(n, pa.string()), _text(np.array([values]), 1)[0])
    values = np.asarray(values)
    if values.dtype.kind == "f":
        blank = np.isnan(values)
        filled = np.where(blank, 0, values)
        whole = bool(np.all(filled == np.round(filled)))
        typed = pa.array(filled.astype(np.int64) if whole else filled, mask=blank)
        return pc.fill_null(pc.cast(typed, pa.string()), "")
    if values.dtype.kind in "iu":
        return pc.cast(pa.array(values), pa.string())
    values = np.ascontiguousarray(values.astype(str))
    codes = values.view(np.uint32).reshape(n, -1) if n else np.zeros((0, 1), np.uint32)
    if codes.max(initial=0) < 128:  # ASCII (ids, codes, dates, enums): no object per cell
        text = _ascii(codes.astype(np.uint8))
        needs = np.isin(codes, QUOTED).any(axis=1)
    else:
        text = pa.array(values, pa.string())
        needs = pc.match_substring_regex(text, '[",\r\n]').to_numpy(zero_copy_only=False)
    if needs.any():
        quoted = pc.binary_join_element_wise('"', pc.replace_substring(text, '"', '""'), '"', "")
        text = pc.if_else(pa.array(needs), quoted, text)
    return text


def _ascii(matrix: np.ndarray) -> pa.Array:
    """Rows of ASCII bytes, NUL-padded, as an Arrow string array."""
    present = matrix != 0
    offsets = np.zeros(matrix.shape[0] + 1, dtype=np.int32)
    np.cumsum(present.sum(axis=1), out=offsets[1:])
    data = pa.py_buffer(np.ascontiguousarray(matrix[present]))
    return pa.StringArray.from_buffers(matrix.shape[0], pa.py_buffer(offsets), data)
