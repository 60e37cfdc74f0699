"""Illustrative (generated) rows for the years without public monitoring data.

Only the 2024 plan, a 2023 news item and a few commune counts are observed. Every other row
of ``plans``, ``outputs``, ``transactions``, ``beneficiaries``, ``beneficiary_followups``,
``livestock_events``, ``commune_statistics`` and ``indicator_values`` is generated here, from
one seeded ``numpy.random.default_rng`` consumed in a fixed order, and carries
``source_id = "illustrative_generator"`` (a source whose kind is ``illustrative``). The same
seed gives byte-identical files; real rows are never changed.

What is generated, and the magnitudes used:

* **Plans** for 2021, 2022, 2023 and 2025, shaped like the real 2024 plan: for each partner
  commune active that year one charity house (1 house, 50,000,000 đồng: the support per house
  reported in Lâm Đồng and Bình Định, 2025) and one livelihood package (50,000,000 đồng;
  breeding cows, except ginseng vine in Đăk Plô as in 2024); per province a *Tết ấm biên
  cương* gift programme (50 gifts of about 500,000 đồng, the Hà Đông 2023 gift value, so
  25,000,000 đồng); in Kon Tum 10 sponsored pupils of *Nâng bước em đến trường* at 500,000
  đồng a pupil a month, i.e. 6,000,000 a year and 60,000,000 in all; one programme-wide
  border-post visit and one communication campaign (no amount). One commune-year goes without
  a house. Serials start at 51 (``2023-P11-51``) so they never collide with transcribed rows.
* **Outputs** for every plan row without a real output: mostly completed; some gift and
  pupil activities partly completed (fewer units delivered); the delivered amount is the
  money disbursed. An activity that has a real output (the Hà Đông gifts of November 2023,
  given partly outside the partner communes) is documented by its source and gets no
  generated output, money or beneficiaries.
* **Transactions**: per year incoming funds from members, businesses, individuals and
  district unions worth 95–115% of the year's planned amounts (plus the costed gifts of
  activities planned without an amount, so that receipts cover spending); per activity with money a
  commitment of the planned amount early in the year and one or two disbursements worth
  85–100% of it (gifts and pupils: delivered units times the unit cost). Exactly one charity
  house is over-spent by about 10% (building costs), so reports have a warning to show.
  Gift activities without a planned amount get one disbursement of gifts × 500,000 đồng.
* **Beneficiaries** (pseudonymous ids only, never names, phones or identity numbers): one
  woman per house; 4 women per livelihood package (a breeding cow costs about 12,500,000
  đồng, so 50,000,000 buys 4 cows, one per household); 10 pupils per sponsorship; one woman
  or child per gift. Ethnicity follows the commune mixes (Kỳ Sơn: Mông 48%, Thái 28%, Khơ Mú
  23%; Sín Thầu ~96% Hà Nhì; Leng Su Sìn mostly Hà Nhì, some Mông; Mô Rai Gia Rai, Rơ Măm,
  northern migrants and some Kinh; Đăk Plô almost all Giẻ Triêng); entry poverty about 60%
  poor, 30% near-poor, 10% other (houses: 80% poor).
* **Follow-ups** once a year from entry to 2025 for house, livelihood and pupil households:
  income per person per month starting at 700,000–1,400,000 đồng and rising 5–15% a year
  (10–20% for livelihood households); poverty status moving poor → near-poor → other with
  yearly probabilities of about 0.2–0.3 and rare falls back; charity-house households live in
  a temporary dwelling at entry and a permanent one afterwards; cattle held on 31 December,
  counted from the livestock ledger for cow households.
* **Livestock ledger**: each cow is received on the livelihood hand-over day; cows calve
  12–24 months after receipt and then every 14–20 months (home-born heifers at 26–34 months);
  about 4% of animals die each year, some are sold (young bulls mostly); the first weaned
  calf of every cow is passed on at 8–12 months to a new household of the same commune, which
  joins ``beneficiaries`` under the same activity with the pass-on year as entry year.
* **Commune statistics** for the 16 communes, 2019–2025, except (commune, year) pairs with a
  real row. Households: Mô Rai 1,514 in 2022, Đăk Plô 453 in 2025, Sín Thầu about 280, the
  others 350–1,500, growing 0.6–1.4% a year; population 4.5–5.5 people a household.
* **Indicator values**: the 2020 poor-household rate of every partner commune as baseline,
  and targets cutting it by 3 points a year (the national target programme's goal).

Ground truth built into the commune poor-household rate (percent of households)::

    rate(c, y) = level(c) - 3.0 * (y - 2019) + 10.0 * [y >= 2022]
                 - 0.8 * (partner years of c up to and including y) + noise(c, y)

``level(c)`` is the 2019 rate, drawn by district: Kỳ Sơn 45–60, Mường Nhé 35–50 (Sín Thầu
15–20: it met the New Rural standard for 2020), Sa Thầy 15–25, Đắk Glei 30–40. The 2022
jump of 10 points is the change to the multidimensional standard of Decree 07/2021/NĐ-CP,
common to all communes; ``noise`` is normal with a standard deviation of 0.6 points. **The
true programme effect is an extra decline of 0.8 points a year for each year a commune is a
partner**, kept afterwards (Sín Thầu: 2.4 points from 2023; Leng Su Sìn: 1.6 by 2025; the
other four partners: 4.0 by 2025). A difference-in-differences of partners against the ten
comparison communes should recover it. The near-poor rate is 6–12% in 2019, falls 0.3 points
a year and jumps 3 points in 2022, with no programme effect.

Example:
    >>> from pathlib import Path
    >>> from analysis.illustrative import generate
    >>> rows = generate(Path("datapackage.json"))  # doctest: +SKIP
    >>> rows["plans"][0]["activity_id"]  # doctest: +SKIP
    '2021-03154-51'
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from analysis.schema import Schema

__all__ = ["DEFAULT_SEED", "ILLUSTRATIVE_SOURCE", "generate", "write"]

DEFAULT_SEED = 20210101
"""Seed of the committed illustrative rows."""

ILLUSTRATIVE_SOURCE = "illustrative_generator"
"""``sources.source_id`` of every generated row."""

ILLUSTRATIVE_KIND = "illustrative"
PLAN_YEARS = (2021, 2022, 2023, 2025)
"""Years whose plans are generated (2024 is transcribed from the real plan)."""
FIRST_YEAR, LAST_YEAR = 2021, 2025
STAT_YEARS = tuple(range(2019, 2026))
END = date(LAST_YEAR, 12, 31)
FIRST_SERIAL = 51

HOUSE_VND = 50_000_000
LIVELIHOOD_PACKAGE_VND = 50_000_000
COW_VND = 12_500_000
HOUSEHOLDS_PER_PACKAGE = LIVELIHOOD_PACKAGE_VND // COW_VND
PUPIL_MONTH_VND = 500_000
PUPIL_YEAR_VND = 12 * PUPIL_MONTH_VND
PUPILS = 10
GIFT_VND = 500_000
GIFTS = 50

CITY_UNION = "hanoi_wu"
DISTRICT_UNIONS = "hanoi_district_unions"
PUPIL_PROVINCES = ("62",)
"""Provinces with pupil sponsorship (Kon Tum, as in the 2024 plan)."""
GINSENG_COMMUNES = ("23344",)
"""Communes whose livelihood model is ginseng vine (Đăk Plô, as in the 2024 plan)."""

ETHNIC_MIX: dict[str, dict[str, float]] = {
    "16837": {"hmong": 0.48, "thai": 0.28, "khmu": 0.23, "kinh": 0.01},
    "16834": {"hmong": 0.48, "thai": 0.28, "khmu": 0.23, "kinh": 0.01},
    "03154": {"ha_nhi": 0.96, "hmong": 0.03, "kinh": 0.01},
    "03158": {"ha_nhi": 0.75, "hmong": 0.23, "kinh": 0.02},
    "23536": {"jarai": 0.50, "ro_mam": 0.20, "hmong": 0.08, "other": 0.12, "kinh": 0.10},
    "23344": {"gie_trieng": 0.97, "kinh": 0.02, "other": 0.01},
}
"""Ethnic mix of each partner commune (shares of beneficiaries)."""
DEFAULT_MIX = {"kinh": 0.5, "other": 0.5}

POOR_LEVEL_2019: dict[str, tuple[float, float]] = {
    "417": (45, 60),
    "096": (35, 50),
    "616": (15, 25),
    "610": (30, 40),
}
"""Range of the 2019 poor-household rate (%) by district code."""
POOR_LEVEL_OVERRIDE: dict[str, tuple[float, float]] = {"03154": (15, 20)}
POOR_TREND = -3.0
POOR_JUMP_2022 = 10.0
PARTNER_EFFECT = -0.8
POOR_NOISE_SD = 0.6
NEAR_POOR_LEVEL = (6.0, 12.0)
NEAR_POOR_TREND = -0.3
NEAR_POOR_JUMP_2022 = 3.0
NEAR_POOR_NOISE_SD = 0.7
TARGET_CUT_PER_YEAR = 3.0
HOUSEHOLD_ANCHORS: dict[str, tuple[int, int]] = {
    "23536": (2022, 1514),
    "23344": (2025, 453),
    "03154": (2021, 280),
}
"""Known commune sizes: (year, households)."""

DEATH_RATE = -math.log(1 - 0.04) / 365.25
"""Daily death hazard of cattle (4% a year)."""
SALE_RATE = -math.log(1 - 0.02) / 365.25
"""Daily sale hazard of cows kept for breeding (2% a year)."""
BULL_SALE_SHARE = 0.6

POVERTY = ("poor", "near_poor", "other")
ENTRY_POVERTY = (0.6, 0.3, 0.1)
HOUSE_POVERTY = (0.8, 0.2, 0.0)
TRANSITIONS = {
    "poor": {"poor": 0.74, "near_poor": 0.22, "other": 0.04},
    "near_poor": {"poor": 0.04, "near_poor": 0.76, "other": 0.20},
    "other": {"poor": 0.0, "near_poor": 0.03, "other": 0.97},
}
LIVELIHOOD_TRANSITIONS = {
    "poor": {"poor": 0.64, "near_poor": 0.30, "other": 0.06},
    "near_poor": {"poor": 0.03, "near_poor": 0.71, "other": 0.26},
    "other": {"poor": 0.0, "near_poor": 0.02, "other": 0.98},
}
HOUSING = ("temporary", "semi_permanent", "permanent")

TET = {
    2021: date(2021, 2, 12),
    2022: date(2022, 2, 1),
    2023: date(2023, 1, 22),
    2024: date(2024, 2, 10),
    2025: date(2025, 1, 29),
}
"""Lunar New Year's day: Tết gifts are handed over in the weeks before."""

DESCRIPTION = {
    "charity_house": (
        "Trao kinh phí hỗ trợ xây, sửa 01 Mái ấm tình thương tại xã {name}, trị giá {amount} đồng."
    ),
    "breeding_cows": (
        "Hỗ trợ vốn sinh kế cho phụ nữ khó khăn xã {name} (nuôi bò sinh sản), "
        "trị giá {amount} đồng."
    ),
    "ginseng_vine": (
        "Hỗ trợ vốn sinh kế cho phụ nữ khó khăn xã {name} (trồng sâm dây), trị giá {amount} đồng."
    ),
    "pupil_sponsorship": (
        "Trao kinh phí đỡ đầu {pupils} học sinh nghèo vượt khó trong chương trình "
        "“Nâng bước em đến trường”, trị giá {amount} đồng ({month} đồng/tháng/cháu)."
    ),
    "tet_gifts": (
        "Phối hợp cùng Hội LHPN tỉnh {province}, Bộ đội Biên phòng tỉnh tổ chức chương trình "
        "“Tết ấm biên cương”, tặng {gifts} suất quà cho phụ nữ, trẻ em khó khăn xã {names}, "
        "trị giá {amount} đồng."
    ),
    "border_post_support": (
        "Tổ chức thăm hỏi, tặng quà các đơn vị quân đội, cán bộ, chiến sĩ đang làm nhiệm vụ "
        "tại các đồn, chốt vùng biên giới."
    ),
    "communication": (
        "Tuyên truyền kết quả thực hiện Chương trình “Đồng hành cùng phụ nữ biên cương” năm "
        "{year} trên Website, Fanpage của Hội LHPN Hà Nội, Báo Phụ nữ Thủ đô và hệ thống "
        "thông tin cơ sở."
    ),
}
"""Plan wording, in the style of the 2024 plan."""

SPENDING_WINDOW = {
    "charity_house": ((3, 1), (9, 30), (20, 90)),
    "livelihood_capital": ((3, 1), (8, 31), (3, 20)),
    "visits_gifts": ((6, 1), (11, 30), (0, 10)),
}
"""Disbursement window (first and last month, day) and days from the last one to completion."""
EVENT_WINDOW = {
    "border_post_support": ((7, 1), (12, 20)),
    "communication": ((11, 15), (12, 28)),
    "experience_sharing": ((9, 1), (11, 30)),
    "traditional_education_trip": ((4, 25), (5, 7)),
    "school_repair": ((7, 1), (8, 31)),
}
"""Completion window of activities without money."""

INCOMING_KINDS = ("members", "businesses", "individuals", "district_unions")
INCOMING_WEIGHTS = (4.0, 3.0, 2.0, 3.0)
TX_ORDER = {"incoming_funds": 0, "commitment": 1, "disbursement": 2, "expenditure": 3}
EVENT_ORDER = {"received": 0, "calf_born": 1, "passed_on": 2, "sold": 3, "died": 4}
FOLLOWED_TYPES = ("charity_house", "livelihood_capital", "pupil_sponsorship")
GIFT_TYPES = ("tet_gifts", "visits_gifts")

GENERATED = tuple(Schema.load().names(generated=True))
"""Resources this module writes (their ``generated`` property in ``datapackage.json``), in
the descriptor's order."""


# --------------------------------------------------------------------------- package access


@dataclass(frozen=True)
class _Package:
    descriptor_path: Path
    descriptor: dict[str, Any]

    def resource(self, name: str) -> dict[str, Any]:
        for res in self.descriptor["resources"]:
            if res["name"] == name:
                return res
        raise KeyError(f"no resource {name!r} in {self.descriptor_path}")

    def fields(self, name: str) -> list[str]:
        return [f["name"] for f in self.resource(name)["schema"]["fields"]]

    def field_types(self, name: str) -> dict[str, str]:
        return {f["name"]: f.get("type", "string") for f in self.resource(name)["schema"]["fields"]}

    def primary_key(self, name: str) -> list[str]:
        key = self.resource(name)["schema"].get("primaryKey", [])
        return [key] if isinstance(key, str) else list(key)

    def path(self, name: str) -> Path:
        return self.descriptor_path.parent / self.resource(name)["path"]

    def read(self, name: str) -> list[dict[str, str]]:
        path = self.path(name)
        if not path.exists():
            return []
        with path.open(encoding="utf-8", newline="") as handle:
            return [
                {k: (v or "") for k, v in row.items() if k is not None}
                for row in csv.DictReader(handle)
            ]

    def illustrative_sources(self) -> frozenset[str]:
        return frozenset(
            r["source_id"] for r in self.read("sources") if r.get("kind") == ILLUSTRATIVE_KIND
        )

    def real_rows(self, name: str) -> list[dict[str, str]]:
        generated = self.illustrative_sources()
        return [r for r in self.read(name) if r.get("source_id", "") not in generated]


def _open(package_path: Path) -> _Package:
    path = Path(package_path)
    if path.is_dir():
        path = path / "datapackage.json"
    descriptor = json.loads(path.read_text(encoding="utf-8"))
    pkg = _Package(path, descriptor)
    sources = {r["source_id"]: r for r in pkg.read("sources")}
    if sources.get(ILLUSTRATIVE_SOURCE, {}).get("kind") != ILLUSTRATIVE_KIND:
        raise ValueError(
            f"sources.csv needs a row {ILLUSTRATIVE_SOURCE!r} of kind {ILLUSTRATIVE_KIND!r}"
        )
    return pkg


def _sort_key(pkg: _Package, name: str) -> Callable[[dict[str, str]], tuple]:
    key = pkg.primary_key(name)
    types = pkg.field_types(name)

    def sort_key(row: dict[str, str]) -> tuple:
        out = []
        for f in key:
            value = row.get(f, "")
            if types.get(f) in ("integer", "number") and value:
                out.append((0, float(value), ""))
            else:
                out.append((1, 0.0, value))
        return tuple(out)

    return sort_key


# --------------------------------------------------------------------------- small helpers


def _vnd(amount: int) -> str:
    """50000000 -> '50.000.000' (Vietnamese thousands separator)."""
    return f"{amount:,}".replace(",", ".")


def _int_or_none(value: str) -> int | None:
    if value in ("", None):
        return None
    number = float(value)
    return int(number) if number.is_integer() else int(round(number))


def _round_to(amount: float, step: int) -> int:
    return int(round(amount / step)) * step


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


@dataclass
class _Activity:
    """A plan row and what the generator decides about its delivery."""

    plan: dict[str, str]
    year: int
    activity_type: str
    unit: str
    planned_units: int | None
    planned_amount: int | None
    status: str = "completed"
    delivered_units: int | None = None
    recipients: int = 0
    spent: int = 0
    commitment: date | None = None
    disbursements: list[tuple[date, int]] = field(default_factory=list)
    completed_on: date | None = None

    @property
    def activity_id(self) -> str:
        return self.plan["activity_id"]


@dataclass
class _Beneficiary:
    beneficiary_id: str
    activity: _Activity
    commune_code: str
    household_size: int
    ethnicity: str
    sex: str
    age_band: str
    poverty_status_entry: str
    entry_year: int
    kind: str


@dataclass
class _Animal:
    animal_id: str
    start: date
    holders: list[tuple[date, _Beneficiary]]
    death: date
    adult: bool
    female: bool
    mother_id: str = ""
    passed_on: date | None = None
    exit: date | None = None
    exit_type: str = ""

    def holder_at(self, day: date) -> _Beneficiary:
        current = self.holders[0][1]
        for since, who in self.holders:
            if since <= day:
                current = who
        return current


# --------------------------------------------------------------------------- the generator


class _Generator:
    def __init__(self, pkg: _Package, seed: int) -> None:
        self.pkg = pkg
        self.rng = np.random.default_rng(seed)
        self.communes = sorted(pkg.read("communes"), key=lambda r: r["commune_code"])
        self.commune = {c["commune_code"]: c for c in self.communes}
        self.real_plans = sorted(pkg.real_rows("plans"), key=lambda r: r["activity_id"])
        self.real_outputs = {r["activity_id"] for r in pkg.real_rows("outputs")}
        self.real_stats = {
            (r["commune_code"], int(r["year"])): r for r in pkg.real_rows("commune_statistics")
        }
        self.beneficiaries: list[_Beneficiary] = []
        self.animals: list[_Animal] = []

    # ---- random draws (every draw goes through self.rng, in a fixed order)

    def uniform(self, low: float, high: float) -> float:
        return float(self.rng.uniform(low, high))

    def integer(self, low: int, high: int) -> int:
        """Integer in [low, high], both included."""
        return int(self.rng.integers(low, high + 1))

    def chance(self, p: float) -> bool:
        return bool(self.rng.random() < p)

    def pick(self, options: Sequence[Any], weights: Sequence[float] | None = None) -> Any:
        if weights is None:
            return options[int(self.rng.integers(len(options)))]
        p = np.asarray(weights, dtype=float)
        return options[int(self.rng.choice(len(options), p=p / p.sum()))]

    def day(self, first: date, last: date) -> date:
        last = max(first, last)
        return first + timedelta(days=self.integer(0, (last - first).days))

    # ---- communes

    def is_partner(self, code: str, year: int) -> bool:
        row = self.commune.get(code)
        if row is None or row["role"] != "partner":
            return False
        start, end = _int_or_none(row["partner_from"]), _int_or_none(row["partner_to"])
        return start is not None and end is not None and start <= year <= end

    def partners(self, year: int, province: str | None = None) -> list[str]:
        return [
            c["commune_code"]
            for c in self.communes
            if self.is_partner(c["commune_code"], year)
            and (province is None or c["province_code"] == province)
        ]

    def partner_years_through(self, code: str, year: int) -> int:
        return sum(self.is_partner(code, y) for y in range(FIRST_YEAR, year + 1))

    # ---- 1. plans

    def plans(self) -> list[dict[str, Any]]:
        candidates = [(y, c) for y in PLAN_YEARS for c in self.partners(y)]
        no_house = self.pick(candidates)
        rows: list[dict[str, Any]] = []
        plan = self._plan
        for year in PLAN_YEARS:
            for code in self.partners(year):
                info = self.commune[code]
                province, name = info["province_code"], info["name_in_source"]
                serial = FIRST_SERIAL
                if (year, code) != no_house:
                    text = DESCRIPTION["charity_house"].format(name=name, amount=_vnd(HOUSE_VND))
                    unit_id = self._unit(0.15)
                    rows.append(
                        plan(
                            year,
                            code,
                            province,
                            serial,
                            "charity_house",
                            text,
                            units=1,
                            unit="house",
                            amount=HOUSE_VND,
                            unit_id=unit_id,
                        )
                    )
                    serial += 1
                model = "ginseng_vine" if code in GINSENG_COMMUNES else "breeding_cows"
                text = DESCRIPTION[model].format(name=name, amount=_vnd(LIVELIHOOD_PACKAGE_VND))
                rows.append(
                    plan(
                        year,
                        code,
                        province,
                        serial,
                        "livelihood_capital",
                        text,
                        unit="livelihood_package",
                        amount=LIVELIHOOD_PACKAGE_VND,
                        model=model,
                    )
                )
            provinces = sorted({self.commune[c]["province_code"] for c in self.partners(year)})
            for province in provinces:
                members = self.partners(year, province)
                serial = FIRST_SERIAL
                if province in PUPIL_PROVINCES:
                    amount = PUPILS * PUPIL_YEAR_VND
                    text = DESCRIPTION["pupil_sponsorship"].format(
                        pupils=PUPILS, amount=_vnd(amount), month=_vnd(PUPIL_MONTH_VND)
                    )
                    rows.append(
                        plan(
                            year,
                            "",
                            province,
                            serial,
                            "pupil_sponsorship",
                            text,
                            units=PUPILS,
                            unit="pupil",
                            amount=amount,
                        )
                    )
                    serial += 1
                text = DESCRIPTION["tet_gifts"].format(
                    province=self.commune[members[0]]["province_name"],
                    gifts=GIFTS,
                    names=" và ".join(self.commune[c]["name_in_source"] for c in members),
                    amount=_vnd(GIFTS * GIFT_VND),
                )
                unit_id = self._unit(0.2)
                rows.append(
                    plan(
                        year,
                        "",
                        province,
                        serial,
                        "tet_gifts",
                        text,
                        units=GIFTS,
                        unit="gift",
                        amount=GIFTS * GIFT_VND,
                        unit_id=unit_id,
                    )
                )
            text = DESCRIPTION["border_post_support"]
            rows.append(plan(year, "", "", FIRST_SERIAL, "border_post_support", text, unit="visit"))
            text = DESCRIPTION["communication"].format(year=year)
            rows.append(
                plan(
                    year,
                    "",
                    "",
                    FIRST_SERIAL + 1,
                    "communication",
                    text,
                    unit="campaign",
                    unit_id=self._unit(0.3),
                )
            )
        return rows

    def _unit(self, p_district: float) -> str:
        return DISTRICT_UNIONS if self.chance(p_district) else CITY_UNION

    @staticmethod
    def _plan(
        year: int,
        commune: str,
        province: str,
        serial: int,
        activity_type: str,
        description: str,
        *,
        unit: str,
        units: int | None = None,
        amount: int | None = None,
        unit_id: str = CITY_UNION,
        model: str = "",
    ) -> dict[str, Any]:
        """One plan row; the scope follows from the commune and province given."""
        scope = "commune" if commune else "province" if province else "programme"
        scope_code = commune or (f"P{province}" if province else "ALL")
        return {
            "activity_id": f"{year}-{scope_code}-{serial:02d}",
            "year": year,
            "scope": scope,
            "commune_code": commune,
            "province_code": province,
            "activity_type": activity_type,
            "livelihood_model": model,
            "implementing_unit": unit_id,
            "description_vi": description,
            "planned_units": units,
            "unit": unit,
            "planned_amount_vnd": amount,
            "is_conditional": False,
            "source_id": ILLUSTRATIVE_SOURCE,
        }

    # ---- 2. and 3. outputs and transactions

    def deliver(self, plans: list[dict[str, str]]) -> list[_Activity]:
        """Decide status, units, money and dates of every activity without a real output."""
        activities = [
            _Activity(
                plan=p,
                year=int(p["year"]),
                activity_type=p["activity_type"],
                unit=p["unit"],
                planned_units=_int_or_none(p["planned_units"]),
                planned_amount=_int_or_none(p["planned_amount_vnd"]),
            )
            for p in sorted(plans, key=lambda r: r["activity_id"])
            if p["activity_id"] not in self.real_outputs
        ]
        houses = [a for a in activities if a.activity_type == "charity_house" and a.planned_amount]
        overspent = self.pick(houses).activity_id if houses else None
        for act in activities:
            self._deliver(act, act.activity_id == overspent)
        return activities

    def _deliver(self, act: _Activity, overspent: bool) -> None:
        units, amount, kind = act.planned_units, act.planned_amount, act.activity_type
        partial = (
            units is not None and units > 1 and act.unit in ("gift", "pupil") and self.chance(0.2)
        )
        if partial:
            act.status = "partly_completed"
            act.delivered_units = units - (self.integer(2, 7) if act.unit == "gift" else 1)
        elif units is not None:
            act.delivered_units = units
        elif kind == "livelihood_capital":
            act.delivered_units = max(1, (amount or 0) // LIVELIHOOD_PACKAGE_VND)
        elif act.unit == "gift":
            act.delivered_units = self.integer(45, 55)
        elif kind == "border_post_support":
            act.delivered_units = self.integer(1, 3)
        else:
            act.delivered_units = 1

        if kind == "charity_house":
            act.recipients = act.delivered_units
        elif kind == "livelihood_capital":
            act.recipients = HOUSEHOLDS_PER_PACKAGE * act.delivered_units
        elif kind == "pupil_sponsorship" or (kind in GIFT_TYPES and act.unit == "gift"):
            act.recipients = act.delivered_units
        elif kind in GIFT_TYPES:
            act.recipients = self.integer(45, 55)

        if amount:
            if kind == "pupil_sponsorship" or kind in GIFT_TYPES:
                per_unit = amount // units if units else GIFT_VND
                act.spent = per_unit * act.delivered_units
            elif overspent:
                act.spent = _round_to(amount * self.uniform(1.08, 1.12), 100_000)
            else:
                act.spent = min(amount, _round_to(amount * self.uniform(0.85, 1.0), 100_000))
        elif kind in GIFT_TYPES:
            act.spent = act.recipients * GIFT_VND
        self._schedule(act)

    def _schedule(self, act: _Activity) -> None:
        y, kind = act.year, act.activity_type
        if act.planned_amount:
            start = date(y, 1, 2) if kind in GIFT_TYPES else date(y, 1, 10)
            stop = date(y, 1, 4) if kind in GIFT_TYPES else date(y, 3, 15)
            act.commitment = self.day(start, stop)
        earliest = (act.commitment or date(y, 1, 2)) + timedelta(days=1)
        two = bool(act.spent) and kind not in GIFT_TYPES and self.chance(0.5)
        if kind == "tet_gifts":
            done = TET[y] - timedelta(days=self.integer(6, 16)) if y in TET else date(y, 1, 20)
            dates = [self.day(earliest, done - timedelta(days=1))]
        elif kind == "pupil_sponsorship":
            dates = (
                [
                    self.day(max(earliest, date(y, 2, 15)), date(y, 3, 31)),
                    self.day(date(y, 8, 15), date(y, 9, 15)),
                ]
                if two
                else [self.day(max(earliest, date(y, 8, 15)), date(y, 9, 15))]
            )
            done = dates[-1] + timedelta(days=self.integer(0, 10))
        elif kind in SPENDING_WINDOW:
            (m0, d0), (m1, d1), lag = SPENDING_WINDOW[kind]
            first, last = max(earliest, date(y, m0, d0)), date(y, m1, d1)
            dates = sorted(self.day(first, last) for _ in range(2 if two else 1))
            if two and dates[0] == dates[1]:
                dates[1] += timedelta(days=1)
            done = dates[-1] + timedelta(days=self.integer(*lag))
        else:
            (m0, d0), (m1, d1) = EVENT_WINDOW.get(kind, ((6, 1), (11, 30)))
            done = self.day(date(y, m0, d0), date(y, m1, d1))
            dates = []
        act.completed_on = min(done, date(y, 12, 31))
        if act.spent:
            if len(dates) == 2:
                first_share = _round_to(act.spent * self.uniform(0.4, 0.6), 100_000)
                shares = [first_share, act.spent - first_share]
            else:
                shares = [act.spent]
            act.disbursements = list(zip(dates, shares, strict=True))

    def outputs(self, activities: list[_Activity]) -> list[dict[str, Any]]:
        return [
            {
                "activity_id": a.activity_id,
                "status": a.status,
                "delivered_units": a.delivered_units,
                "delivered_amount_vnd": a.spent or None,
                "completed_on": a.completed_on,
                "source_id": ILLUSTRATIVE_SOURCE,
            }
            for a in activities
        ]

    def transactions(
        self, plans: list[dict[str, str]], activities: list[_Activity]
    ) -> list[dict[str, Any]]:
        entries: list[tuple[date, str, str, int, str]] = []
        for year in range(FIRST_YEAR, LAST_YEAR + 1):
            planned = sum(
                _int_or_none(p["planned_amount_vnd"]) or 0 for p in plans if int(p["year"]) == year
            )
            planned += sum(a.spent for a in activities if a.year == year and not a.planned_amount)
            if not planned:
                continue
            total = planned * self.uniform(0.95, 1.15)
            shares = self.rng.dirichlet(INCOMING_WEIGHTS)
            for kind, share in zip(INCOMING_KINDS, shares, strict=True):
                n = self.integer(1, 3)
                parts = self.rng.dirichlet([2.0] * n) * share * total
                for part in parts:
                    amount = max(500_000, _round_to(part, 500_000))
                    day = self.day(date(year, 1, 2), date(year, 10, 31))
                    entries.append((day, "incoming_funds", "", amount, kind))
        for act in activities:
            if act.commitment is not None:
                entries.append(
                    (act.commitment, "commitment", act.activity_id, act.planned_amount or 0, "")
                )
            for day, amount in act.disbursements:
                entries.append((day, "disbursement", act.activity_id, amount, ""))
        entries.sort(key=lambda e: (e[0], TX_ORDER[e[1]], e[2], e[4], e[3]))
        rows, serial = [], {}
        for day, kind, activity_id, amount, contributor in entries:
            serial[day.year] = serial.get(day.year, 0) + 1
            rows.append(
                {
                    "transaction_id": f"T{day.year}-{serial[day.year]:04d}",
                    "activity_id": activity_id,
                    "transaction_type": kind,
                    "date": day,
                    "amount_vnd": amount,
                    "contributor_kind": contributor,
                    "source_id": ILLUSTRATIVE_SOURCE,
                }
            )
        return rows

    # ---- 4. beneficiaries

    def new_beneficiary(self, act: _Activity, commune: str, kind: str, year: int) -> _Beneficiary:
        mix = ETHNIC_MIX.get(commune, DEFAULT_MIX)
        ethnicity = self.pick(list(mix), list(mix.values()))
        household_size = self.integer(3, 8)
        if kind == "house":
            sex, age = "female", self.pick(["30-44", "45-59"])
            poverty = self.pick(POVERTY, HOUSE_POVERTY)
        elif kind in ("livelihood", "pass_on"):
            sex, age = "female", self.pick(["18-29", "30-44", "45-59"], [0.25, 0.5, 0.25])
            poverty = self.pick(POVERTY, ENTRY_POVERTY)
        elif kind == "pupil":
            sex, age = self.pick(["female", "male"]), self.pick(["6-10", "11-14", "15-17"])
            poverty = self.pick(POVERTY, ENTRY_POVERTY)
        elif self.chance(0.6):  # a gift to a woman
            sex = "female"
            age = self.pick(["18-29", "30-44", "45-59", "60+"], [0.25, 0.35, 0.25, 0.15])
            poverty = self.pick(POVERTY, ENTRY_POVERTY)
        else:  # a gift to a child
            sex, age = self.pick(["female", "male"]), self.pick(["0-5", "6-10", "11-14"])
            poverty = self.pick(POVERTY, ENTRY_POVERTY)
        person = _Beneficiary(
            f"B{len(self.beneficiaries) + 1:06d}",
            act,
            commune,
            household_size,
            ethnicity,
            sex,
            age,
            poverty,
            year,
            kind,
        )
        self.beneficiaries.append(person)
        return person

    def enrol(self, activities: list[_Activity]) -> None:
        kinds = {
            "charity_house": "house",
            "livelihood_capital": "livelihood",
            "pupil_sponsorship": "pupil",
            "tet_gifts": "gift",
            "visits_gifts": "gift",
        }
        for act in activities:
            kind = kinds.get(act.activity_type)
            if kind is None or not act.recipients:
                continue
            commune = act.plan["commune_code"]
            options = [commune] if commune else self.partners(act.year, act.plan["province_code"])
            if not options or not all(self.is_partner(c, act.year) for c in options):
                continue
            for _ in range(act.recipients):
                self.new_beneficiary(act, self.pick(options), kind, act.year)

    def beneficiary_rows(self) -> list[dict[str, Any]]:
        return [
            {
                "beneficiary_id": b.beneficiary_id,
                "activity_id": b.activity.activity_id,
                "commune_code": b.commune_code,
                "household_size": b.household_size,
                "ethnicity": b.ethnicity,
                "sex": b.sex,
                "age_band": b.age_band,
                "poverty_status_entry": b.poverty_status_entry,
                "entry_year": b.entry_year,
                "source_id": ILLUSTRATIVE_SOURCE,
            }
            for b in self.beneficiaries
        ]

    # ---- 6. livestock

    def livestock(self, activities: list[_Activity]) -> list[dict[str, Any]]:
        queue: deque[_Animal] = deque()
        by_activity: dict[str, list[_Beneficiary]] = {}
        for b in self.beneficiaries:
            by_activity.setdefault(b.activity.activity_id, []).append(b)
        for act in activities:
            if act.plan["livelihood_model"] != "breeding_cows" or act.completed_on is None:
                continue
            for holder in by_activity.get(act.activity_id, []):
                queue.append(self._animal(act.completed_on, holder, adult=True, female=True))
        while queue:
            animal = queue.popleft()
            self._live(animal, queue)
        events: list[tuple[date, str, str, str, str, str]] = []
        for a in self.animals:
            origin = "received" if a.adult else "calf_born"
            events.append(
                (a.start, a.animal_id, origin, a.holders[0][1].beneficiary_id, "", a.mother_id)
            )
            if a.passed_on is not None:
                events.append(
                    (
                        a.passed_on,
                        a.animal_id,
                        "passed_on",
                        a.holders[0][1].beneficiary_id,
                        a.holders[1][1].beneficiary_id,
                        "",
                    )
                )
            if a.exit is not None:
                events.append(
                    (a.exit, a.animal_id, a.exit_type, a.holder_at(a.exit).beneficiary_id, "", "")
                )
        events.sort(key=lambda e: (e[0], e[1], EVENT_ORDER[e[2]]))
        return [
            {
                "event_id": f"E{i:06d}",
                "animal_id": animal_id,
                "event_type": kind,
                "date": day,
                "beneficiary_id": holder,
                "to_beneficiary_id": to,
                "mother_animal_id": mother,
                "source_id": ILLUSTRATIVE_SOURCE,
            }
            for i, (day, animal_id, kind, holder, to, mother) in enumerate(events, start=1)
        ]

    def _animal(self, start: date, holder: _Beneficiary, *, adult: bool, female: bool) -> _Animal:
        death = start + timedelta(days=max(1, int(self.rng.exponential(1 / DEATH_RATE))))
        animal = _Animal(
            f"A{len(self.animals) + 1:05d}", start, [(start, holder)], death, adult, female
        )
        self.animals.append(animal)
        return animal

    def _live(self, animal: _Animal, queue: deque[_Animal]) -> None:
        """Draw the animal's sale and calvings; queue its calves (with any pass-on)."""
        settled = animal.passed_on or animal.start
        if not animal.female and self.chance(BULL_SALE_SHARE):
            sale = animal.start + timedelta(days=self.integer(365, 730))
        else:
            sale = settled + timedelta(days=max(1, int(self.rng.exponential(1 / SALE_RATE))))
        sale = max(sale, settled + timedelta(days=1))
        exit_day, exit_type = min((animal.death, "died"), (sale, "sold"))
        if exit_day <= END:
            animal.exit, animal.exit_type = exit_day, exit_type
        if not animal.female:
            return
        owes_calf = True
        gap = (365, 730) if animal.adult else (790, 1035)
        calving = animal.start + timedelta(days=self.integer(*gap))
        while calving < exit_day and calving <= END:
            holder = animal.holder_at(calving)
            calf = self._animal(calving, holder, adult=False, female=self.chance(0.5))
            calf.mother_id = animal.animal_id
            if owes_calf:
                weaned = calving + timedelta(days=self.integer(240, 365))
                if weaned <= END and calf.death > weaned:
                    receiver = self.new_beneficiary(
                        holder.activity, holder.commune_code, "pass_on", weaned.year
                    )
                    calf.passed_on = weaned
                    calf.holders.append((weaned, receiver))
                    owes_calf = False
            queue.append(calf)
            calving += timedelta(days=self.integer(426, 609))

    def herd(self) -> dict[tuple[str, int], int]:
        """Cattle held by each household on 31 December of each year."""
        counts: dict[tuple[str, int], int] = {}
        for a in self.animals:
            for year in range(FIRST_YEAR, LAST_YEAR + 1):
                day = date(year, 12, 31)
                if a.start <= day and (a.exit is None or a.exit > day):
                    key = (a.holder_at(day).beneficiary_id, year)
                    counts[key] = counts.get(key, 0) + 1
        return counts

    # ---- 5. follow-ups

    def followups(self) -> list[dict[str, Any]]:
        herd = self.herd()
        rows = []
        for b in self.beneficiaries:
            kind = b.activity.activity_type
            if kind not in FOLLOWED_TYPES:
                continue
            livelihood = kind == "livelihood_capital"
            cows = b.activity.plan["livelihood_model"] == "breeding_cows"
            growth = (0.10, 0.20) if livelihood else (0.05, 0.15)
            table = LIVELIHOOD_TRANSITIONS if livelihood else TRANSITIONS
            income = _round_to(self.uniform(700_000, 1_400_000), 10_000)
            status = b.poverty_status_entry
            if kind == "charity_house":
                housing = "temporary"
            else:
                housing = self.pick(HOUSING, [0.25, 0.55, 0.20])
            most = min(4, b.household_size - 1)
            children = self.integer(1 if kind == "pupil_sponsorship" else 0, most)
            for year in range(b.entry_year, LAST_YEAR + 1):
                if year > b.entry_year:
                    income = _round_to(income * (1 + self.uniform(*growth)), 10_000)
                    odds = table[status]
                    status = self.pick(POVERTY, [odds[s] for s in POVERTY])
                    if kind == "charity_house":
                        housing = "permanent"
                    elif housing != "permanent" and self.chance(0.08):
                        housing = HOUSING[HOUSING.index(housing) + 1]
                    if self.chance(0.2):
                        low = 1 if kind == "pupil_sponsorship" else 0
                        children = min(most, max(low, children + self.pick([-1, 1])))
                rows.append(
                    {
                        "beneficiary_id": b.beneficiary_id,
                        "year": year,
                        "income_per_person_month_vnd": income,
                        "livestock_head": herd.get((b.beneficiary_id, year), 0) if cows else None,
                        "housing_condition": housing,
                        "poverty_status": status,
                        "children_in_school": children,
                        "source_id": ILLUSTRATIVE_SOURCE,
                    }
                )
        return rows

    # ---- 7. commune statistics

    def commune_statistics(self) -> tuple[list[dict[str, Any]], dict[tuple[str, int], float]]:
        rows: list[dict[str, Any]] = []
        rates: dict[tuple[str, int], float] = {}
        for c in self.communes:
            code = c["commune_code"]
            low, high = POOR_LEVEL_OVERRIDE.get(code) or POOR_LEVEL_2019.get(
                c["district_code"], (20.0, 40.0)
            )
            level = self.uniform(low, high)
            near_level = self.uniform(*NEAR_POOR_LEVEL)
            growth = self.uniform(0.006, 0.014)
            if code in HOUSEHOLD_ANCHORS:
                anchor_year, anchor = HOUSEHOLD_ANCHORS[code]
            else:
                anchor_year, anchor = 2019, self.integer(350, 1500)
            size = self.uniform(4.6, 5.4)
            for year in STAT_YEARS:
                households = round(anchor * (1 + growth) ** (year - anchor_year))
                people = round(households * min(5.5, max(4.5, size + self.rng.normal(0, 0.05))))
                after = year >= 2022
                rate = (
                    level
                    + POOR_TREND * (year - 2019)
                    + POOR_JUMP_2022 * after
                    + PARTNER_EFFECT * self.partner_years_through(code, year)
                    + self.rng.normal(0, POOR_NOISE_SD)
                )
                near = (
                    near_level
                    + NEAR_POOR_TREND * (year - 2019)
                    + NEAR_POOR_JUMP_2022 * after
                    + self.rng.normal(0, NEAR_POOR_NOISE_SD)
                )
                rate, near = max(0.5, rate), max(1.0, near)
                poor = round(households * rate / 100)
                near_poor = min(households - poor, round(households * near / 100))
                rates[(code, year)] = round(100 * poor / households, 1)
                if (code, year) in self.real_stats:
                    continue
                rows.append(
                    {
                        "commune_code": code,
                        "year": year,
                        "households": households,
                        "population": people,
                        "poor_households": poor,
                        "near_poor_households": near_poor,
                        "poor_or_near_poor_households": None,
                        "source_id": ILLUSTRATIVE_SOURCE,
                    }
                )
        return rows, rates

    # ---- 8. indicator values

    def indicator_values(self, rates: dict[tuple[str, int], float]) -> list[dict[str, Any]]:
        rows = []
        for c in self.communes:
            code = c["commune_code"]
            years = [y for y in range(FIRST_YEAR, LAST_YEAR + 1) if self.is_partner(code, y)]
            if not years:
                continue
            baseline = rates[(code, 2020)]
            values = [(2020, "baseline", baseline)] + [
                (y, "target", max(0.0, baseline - TARGET_CUT_PER_YEAR * (y - 2020))) for y in years
            ]
            rows += [
                {
                    "indicator_id": "poor_household_rate",
                    "commune_code": code,
                    "year": year,
                    "value_type": kind,
                    "value": f"{value:.1f}",
                    "source_id": ILLUSTRATIVE_SOURCE,
                }
                for year, kind, value in values
            ]
        return rows


# --------------------------------------------------------------------------- public API


def _as_csv_rows(pkg: _Package, name: str, rows: Iterable[dict[str, Any]]) -> list[dict[str, str]]:
    fields = pkg.fields(name)
    out = []
    for row in rows:
        unknown = set(row) - set(fields)
        if unknown:
            raise KeyError(f"{name}: fields {sorted(unknown)} are not in datapackage.json")
        out.append({f: _text(row.get(f)) for f in fields})
    return out


def generate(package_path: Path, seed: int = DEFAULT_SEED) -> dict[str, list[dict[str, str]]]:
    """Generate the illustrative rows of every resource this module covers.

    Only the package's real rows (those whose source is not of kind ``illustrative``) are
    read, so the result does not depend on illustrative rows already in the files.

    Args:
        package_path: ``datapackage.json``, or the folder that holds it.
        seed: Seed of the single random generator.

    Returns:
        Rows per resource name, every value a CSV string, keys in the schema's field order.
    """
    pkg = _open(package_path)
    gen = _Generator(pkg, seed)
    new_plans = _as_csv_rows(pkg, "plans", gen.plans())
    all_plans = gen.real_plans + new_plans
    activities = gen.deliver(all_plans)
    outputs = gen.outputs(activities)
    transactions = gen.transactions(all_plans, activities)
    gen.enrol(activities)
    livestock = gen.livestock(activities)
    beneficiaries = gen.beneficiary_rows()
    followups = gen.followups()
    statistics, rates = gen.commune_statistics()
    indicators = gen.indicator_values(rates)
    generated: dict[str, list[dict[str, Any]]] = {
        "plans": new_plans,
        "outputs": outputs,
        "transactions": transactions,
        "beneficiaries": beneficiaries,
        "beneficiary_followups": followups,
        "livestock_events": livestock,
        "commune_statistics": statistics,
        "indicator_values": indicators,
    }
    return {name: _as_csv_rows(pkg, name, generated[name]) for name in GENERATED}


def write(package_path: Path, seed: int = DEFAULT_SEED) -> dict[str, int]:
    """Replace the illustrative rows of the package's CSV files with freshly generated ones.

    For each generated resource: keep every row whose source is not illustrative, drop the old
    illustrative rows, add the new ones (except any whose primary key equals a kept row's),
    sort by the primary key. Every file is written at once or none is (a journaled commit under
    the package's lock: :mod:`analysis.storage`).

    Args:
        package_path: ``datapackage.json``, or the folder that holds it.
        seed: Seed of the single random generator.

    Returns:
        Number of illustrative rows written per resource.
    """
    from analysis import storage

    path = Path(package_path)
    folder = path if path.is_dir() else path.parent
    with storage.package_lock(folder):
        storage.recover(folder)
        pkg = _open(package_path)
        targets = {name: pkg.resource(name)["path"] for name in GENERATED}
        expected = {rel: storage.sha256_of(folder / rel) for rel in targets.values()}
        rows = generate(pkg.descriptor_path, seed)
        illustrative = pkg.illustrative_sources()
        kept = {
            name: [
                {f: row.get(f, "") for f in pkg.fields(name)}
                for row in pkg.read(name)
                if row.get("source_id", "") not in illustrative
            ]
            for name in GENERATED
        }
        rows = _yield_to_real(rows, kept)
        counts: dict[str, int] = {}
        files: dict[str, bytes] = {}
        for name in GENERATED:
            key = pkg.primary_key(name)
            taken = {tuple(r[f] for f in key) for r in kept[name]}
            added = [r for r in rows[name] if tuple(r[f] for f in key) not in taken]
            table = sorted(kept[name] + added, key=_sort_key(pkg, name))
            files[targets[name]] = _csv_bytes(pkg.fields(name), table)
            counts[name] = len(added)
        # Every file at once, or none (see analysis.storage).
        storage.commit(folder, files, expected)
    return counts


def _place(row: dict[str, str]) -> str:
    return row.get("commune_code") or row.get("province_code") or "programme"


def _yield_to_real(
    rows: dict[str, list[dict[str, str]]], real: dict[str, list[dict[str, str]]]
) -> dict[str, list[dict[str, str]]]:
    """Drop generated rows where real ones now stand (after an import of monitoring data).

    Real plans for a (year, place) replace every generated plan of that year and place; real
    outputs, transactions or beneficiaries of an activity replace the generated ones of that
    activity; whatever hangs on a dropped row (outputs, money, people, follow-ups, the cows of
    those people and their calves) goes with it. So regenerating never puts illustrative rows
    back beside real ones.
    """
    rows = {name: list(table) for name, table in rows.items()}
    real_places = {(r["year"], _place(r)) for r in real.get("plans", [])}
    dropped_acts = {
        r["activity_id"] for r in rows.get("plans", []) if (r["year"], _place(r)) in real_places
    }
    rows["plans"] = [r for r in rows.get("plans", []) if r["activity_id"] not in dropped_acts]
    for name in ("outputs", "transactions", "beneficiaries"):
        real_acts = {r["activity_id"] for r in real.get(name, []) if r.get("activity_id")}
        gone = dropped_acts | real_acts
        rows[name] = [r for r in rows.get(name, []) if r.get("activity_id") not in gone]
    kept_bens = {r["beneficiary_id"] for r in rows.get("beneficiaries", [])} | {
        r["beneficiary_id"] for r in real.get("beneficiaries", [])
    }
    rows["beneficiary_followups"] = [
        r for r in rows.get("beneficiary_followups", []) if r["beneficiary_id"] in kept_bens
    ]
    events = rows.get("livestock_events", [])
    dropped_animals = {
        e["animal_id"]
        for e in events
        if e["beneficiary_id"] not in kept_bens
        or (e.get("to_beneficiary_id") and e["to_beneficiary_id"] not in kept_bens)
    }
    while True:  # calves of a dropped cow go with it
        calves = {
            e["animal_id"]
            for e in events
            if e.get("mother_animal_id") in dropped_animals
            and e["animal_id"] not in dropped_animals
        }
        if not calves:
            break
        dropped_animals |= calves
    rows["livestock_events"] = [e for e in events if e["animal_id"] not in dropped_animals]
    return rows


def _csv_bytes(fields: list[str], rows: list[dict[str, str]]) -> bytes:
    """A resource's CSV: UTF-8, ``\\n`` line ends, columns in the schema's order."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(fields)
    writer.writerows([row[f] for f in fields] for row in rows)
    return out.getvalue().encode("utf-8")


if __name__ == "__main__":  # pragma: no cover
    import sys

    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("datapackage.json")
    for resource, count in write(target).items():
        print(f"{resource}: {count}")
