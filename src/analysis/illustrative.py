"""Illustrative (generated) rows for the years without public monitoring data.

Only the 2024 plan, a 2023 news item and a few commune counts are observed. Every other row
of ``plans``, ``outputs``, ``transactions``, ``beneficiaries``, ``beneficiary_followups``,
``livestock_events``, ``commune_statistics`` and ``indicator_values`` is generated here, from
one seed, and carries ``source_id = "illustrative_generator"`` (a source whose kind is
``illustrative``). The same seed gives byte-identical files; real rows are never changed. Plans,
deliveries and money draw from ``numpy.random.default_rng(seed)`` in a fixed order; the people
(beneficiaries, cows, follow-ups) and the commune statistics each draw from their own stream
spawned from the seed, so a change in what is delivered does not reshuffle the commune panel.
The years come from ``datapackage.json`` (the bounds of ``plans.year`` and
``commune_statistics.year``, through :func:`analysis.indicators.common.phase_years`).

**Generated rows never contradict observed ones, and never invent a figure about an observed
plan.** A year and place with an observed plan gets no generated plan; an activity's
observed outputs, transactions or beneficiaries replace the generated ones of that activity
(an observed output replaces all three); a commune and year with observed statistics gets no
generated statistics, and a generated rate never differs from an observed one. An activity
of an *observed* plan (the 2024 plan) is held to its plan: every deliberate anomaly below lands
on generated plans only, and what is generated for an observed plan restates the plan's own
figures (see :meth:`_Generator.deliver`). :func:`contradictions` checks a package for all of
this.

What is generated, and the magnitudes used:

* **Plans** for the phase's years (2021, 2022, 2023 and 2025: every place of 2024 has a
  transcribed plan), never for a year and place with an observed plan, and shaped like the
  real 2024 plan: for each partner commune active that year one charity house (1 house,
  50,000,000 đồng: the support per house reported in Lâm Đồng and Bình Định, 2025) and one
  livelihood package (50,000,000 đồng; breeding cows, except ginseng vine in Đăk Plô as in
  2024); per province a *Tết ấm biên cương* gift programme (50 gifts of about 500,000 đồng,
  the Hà Đông 2023 gift value, so 25,000,000 đồng); in Kon Tum 10 sponsored pupils of *Nâng
  bước em đến trường* at 500,000 đồng a pupil a month, i.e. 6,000,000 a year and 60,000,000 in
  all; one programme-wide border-post visit and one communication campaign (no amount). One
  generated commune-year goes without a house (anomaly 3). Serials start at 51
  (``2023-P11-51``) so they never collide with transcribed rows.
* **Outputs** for every plan row without a real output: mostly completed; some gift and
  pupil activities of *generated* plans partly completed (fewer units delivered, anomaly 2);
  the delivered amount is the money disbursed. An activity that has a real output (the Hà Đông
  gifts of November 2023, given partly outside the partner communes) is documented by its
  source and gets no generated output, money or beneficiaries.
* **Transactions**: per year incoming funds from members, businesses, individuals and
  district unions worth 95–115% of the year's planned amounts (plus the costed gifts of
  activities planned without an amount, so that receipts cover spending); per activity with money a
  commitment of the planned amount early in the year and one or two disbursements worth
  85–100% of it (gifts and pupils: delivered units times the unit cost). Exactly one charity
  house of a *generated* plan is over-spent by about 10% (building costs, anomaly 1), so
  reports have a warning to show. Gift activities of generated plans without a planned amount
  get one disbursement of gifts × 500,000 đồng.
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
* **Indicator values**: the poor-household rate of every partner commune in the year before
  the phase (2020) as baseline (the observed rate where commune statistics state one), and
  targets cutting it by 3 points a year (the national target programme's goal).

The deliberate anomalies, each on generated plans only: (1) one over-spent charity house,
(2) partly completed gift and pupil activities, (3) one commune-year without a house. The
spread of ordinary spending (85–100% of the plan), the completion dates and the cattle's
deaths and sales are drawn too, but they are not anomalies.

What an *observed* plan gets (held to the plan, :meth:`_Generator.deliver`): an output
"completed" whose units and amount are the plan's own (units a plan leaves blank stay blank,
but a livelihood package's count follows from its amount); a commitment of the planned amount
and one or two disbursements summing to it exactly, and no money at all when the plan states
no amount; the people its stated figures imply at the sourced unit costs (one household a
house, four a 50,000,000 đồng livelihood package, one pupil a pupil, one recipient a gift),
none where the plan states no figure, with their follow-ups and cattle ledger; drawn dates
(commitment, disbursements, completion). All of it carries the illustrative source.

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
import functools
import io
import itertools
import json
import math
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from analysis.indicators.common import phase_years
from analysis.package import Package
from analysis.schema import Schema

__all__ = [
    "DEFAULT_SEED",
    "ILLUSTRATIVE_SOURCE",
    "Contradiction",
    "contradictions",
    "generate",
    "write",
]

DEFAULT_SEED = 20210101
"""Seed of the committed illustrative rows."""

ILLUSTRATIVE_SOURCE = "illustrative_generator"
"""``sources.source_id`` of every generated row."""

ILLUSTRATIVE_KIND = "illustrative"
FIRST_SERIAL = 51
STREAMS = ("people", "statistics")
"""Random streams spawned from the seed, besides the main one (plans, deliveries, money)."""

HOUSE_VND = 50_000_000
LIVELIHOOD_PACKAGE_VND = 50_000_000
COW_VND = 12_500_000
HOUSEHOLDS_PER_PACKAGE = LIVELIHOOD_PACKAGE_VND // COW_VND
PEOPLE_PER_UNIT = {"house": 1, "pupil": 1, "gift": 1, "livelihood_package": HOUSEHOLDS_PER_PACKAGE}
"""Households or people reached by one planned unit, for the units that reach people."""
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
STANDARD_CHANGE_YEAR = 2022
"""First year measured by the multidimensional standard of Decree 07/2021/NĐ-CP."""
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

    @functools.cached_property
    def schema(self) -> Schema:
        return Schema.from_descriptor(self.descriptor)

    def resource(self, name: str) -> dict[str, Any]:
        if name not in self.schema:
            raise KeyError(f"no resource {name!r} in {self.descriptor_path}")
        return self.schema.resource(name)

    def fields(self, name: str) -> list[str]:
        return self.schema.field_names(name)

    def field_types(self, name: str) -> dict[str, str]:
        return self.schema.field_types(name)

    def primary_key(self, name: str) -> list[str]:
        return self.schema.primary_key(name)

    def path(self, name: str) -> Path:
        return self.descriptor_path.parent / self.schema.path(name)

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

    def years(self, resource: str = "plans") -> range:
        """The years ``datapackage.json`` allows in ``<resource>.year`` (the phase for plans)."""
        first, last = phase_years(Package(self.descriptor_path, self.descriptor, {}, ""), resource)
        return range(first, last + 1)


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


def _number_or_none(value: str) -> float | None:
    return None if value in ("", None) else float(value)


def _free_ids(template: str, taken: set[str]) -> Iterator[str]:
    """``template.format(n)`` for n = 1, 2, …, skipping the ids of observed rows in ``taken``
    (so that a generated row never takes an observed row's id)."""
    for n in itertools.count(1):
        if template.format(n) not in taken:
            yield template.format(n)


def _implied_units(plan: dict[str, str]) -> int | None:
    """The units a plan states: its planned units, or, for a livelihood package planned by
    amount only, the packages the amount buys; None when it states neither."""
    units = _int_or_none(plan["planned_units"])
    amount = _int_or_none(plan["planned_amount_vnd"])
    if units is None and plan["unit"] == "livelihood_package" and amount:
        return max(1, amount // LIVELIHOOD_PACKAGE_VND)
    return units


def _implied_people(plan: dict[str, str]) -> int:
    """Households or people a plan's stated figures reach at the sourced unit costs
    (:data:`PEOPLE_PER_UNIT`); 0 for other units or when the plan states no figure."""
    return (_implied_units(plan) or 0) * PEOPLE_PER_UNIT.get(plan["unit"], 0)


def _observed_rate(row: dict[str, str]) -> float | None:
    """The poor-household rate (%, one decimal) a commune_statistics row states, if any."""
    households = _number_or_none(row.get("households", ""))
    poor = _number_or_none(row.get("poor_households", ""))
    if not households or poor is None:
        return None
    return round(100 * poor / households, 1)


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
    observed: bool = False
    """The plan is observed (not generated): its delivery is held to the plan."""

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
        self.seed = seed
        self.rng = np.random.default_rng(seed)
        self.communes = sorted(pkg.read("communes"), key=lambda r: r["commune_code"])
        self.commune = {c["commune_code"]: c for c in self.communes}
        self.real_plans = sorted(pkg.real_rows("plans"), key=lambda r: r["activity_id"])
        self.real_outputs = {r["activity_id"] for r in pkg.real_rows("outputs")}
        self.real_stats = {
            (r["commune_code"], int(r["year"])): r for r in pkg.real_rows("commune_statistics")
        }
        self.years = pkg.years("plans")
        self.stat_years = pkg.years("commune_statistics")
        self.end = date(self.years[-1], 12, 31)
        self.observed_places = {(int(r["year"]), _place(r)) for r in self.real_plans}
        """(year, place) of every observed plan: no plan is generated there."""
        self.plan_years = [y for y in self.years if not self.plan_places(y) <= self.observed_places]
        """Years whose plans are generated: the phase's years with a place that has no
        observed plan (not 2024, whose plan is transcribed for every place)."""
        self.beneficiaries: list[_Beneficiary] = []
        self.animals: list[_Animal] = []
        real_events = pkg.real_rows("livestock_events")
        self.beneficiary_ids = _free_ids(
            "B{:06d}", {r["beneficiary_id"] for r in pkg.real_rows("beneficiaries")}
        )
        self.animal_ids = _free_ids("A{:05d}", {r["animal_id"] for r in real_events})
        self.event_ids = _free_ids("E{:06d}", {r["event_id"] for r in real_events})

    # ---- random draws (every draw goes through self.rng, in a fixed order)

    def use_stream(self, name: str) -> None:
        """Draw from now on from the stream ``name`` of :data:`STREAMS`, spawned from the seed
        (so that the draws of one step do not depend on how many an earlier step made)."""
        child = np.random.SeedSequence(self.seed, spawn_key=(STREAMS.index(name),))
        self.rng = np.random.default_rng(child)

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
        return sum(self.is_partner(code, y) for y in range(self.years[0], year + 1))

    # ---- 1. plans

    def plan_places(self, year: int) -> set[tuple[int, str]]:
        """The (year, place) pairs a year's generated plans would cover: the partner communes,
        their provinces and the programme."""
        codes = self.partners(year)
        provinces = {self.commune[c]["province_code"] for c in codes}
        return {(year, place) for place in [*codes, *provinces, "programme"]}

    def plans(self) -> list[dict[str, Any]]:
        """The generated plans of every year not wholly covered by observed plans.

        Each year, in this order (the order of the draws): every partner commune's house and
        livelihood package (:meth:`_commune_plans`), every province's pupils and Tết gifts
        (:meth:`_province_plans`), then the programme's border-post visit and communication
        campaign (:meth:`_programme_plans`). One commune-year, drawn first, goes without a
        house (an anomaly of generated plans). A year and place with an observed plan keeps
        its observed plans only (its plans are drawn, then dropped: an observed place does not
        change the draws of the others).
        """
        candidates = [
            (y, c)
            for y in self.plan_years
            for c in self.partners(y)
            if (y, c) not in self.observed_places
        ]
        no_house = self.pick(candidates) if candidates else None
        rows: list[dict[str, Any]] = []
        for year in self.plan_years:
            for code in self.partners(year):
                rows += self._commune_plans(year, code, house=(year, code) != no_house)
            provinces = sorted({self.commune[c]["province_code"] for c in self.partners(year)})
            for province in provinces:
                rows += self._province_plans(year, province)
            rows += self._programme_plans(year)
        return [r for r in rows if (r["year"], _place(r)) not in self.observed_places]

    def _commune_plans(self, year: int, code: str, *, house: bool) -> list[dict[str, Any]]:
        """A partner commune's charity house (unless ``house`` is false) and its livelihood
        package (ginseng vine in :data:`GINSENG_COMMUNES`, breeding cows elsewhere)."""
        info = self.commune[code]
        province, name = info["province_code"], info["name_in_source"]
        rows = []
        if house:
            text = DESCRIPTION["charity_house"].format(name=name, amount=_vnd(HOUSE_VND))
            unit_id = self._unit(0.15)
            rows.append(
                self._plan(
                    year,
                    code,
                    province,
                    FIRST_SERIAL,
                    "charity_house",
                    text,
                    units=1,
                    unit="house",
                    amount=HOUSE_VND,
                    unit_id=unit_id,
                )
            )
        model = "ginseng_vine" if code in GINSENG_COMMUNES else "breeding_cows"
        text = DESCRIPTION[model].format(name=name, amount=_vnd(LIVELIHOOD_PACKAGE_VND))
        rows.append(
            self._plan(
                year,
                code,
                province,
                FIRST_SERIAL + len(rows),
                "livelihood_capital",
                text,
                unit="livelihood_package",
                amount=LIVELIHOOD_PACKAGE_VND,
                model=model,
            )
        )
        return rows

    def _province_plans(self, year: int, province: str) -> list[dict[str, Any]]:
        """A province's pupil sponsorship (in :data:`PUPIL_PROVINCES`) and its *Tết ấm biên
        cương* gifts for the partner communes of the province that year."""
        rows = []
        if province in PUPIL_PROVINCES:
            amount = PUPILS * PUPIL_YEAR_VND
            text = DESCRIPTION["pupil_sponsorship"].format(
                pupils=PUPILS, amount=_vnd(amount), month=_vnd(PUPIL_MONTH_VND)
            )
            rows.append(
                self._plan(
                    year,
                    "",
                    province,
                    FIRST_SERIAL,
                    "pupil_sponsorship",
                    text,
                    units=PUPILS,
                    unit="pupil",
                    amount=amount,
                )
            )
        members = self.partners(year, province)
        text = DESCRIPTION["tet_gifts"].format(
            province=self.commune[members[0]]["province_name"],
            gifts=GIFTS,
            names=" và ".join(self.commune[c]["name_in_source"] for c in members),
            amount=_vnd(GIFTS * GIFT_VND),
        )
        unit_id = self._unit(0.2)
        rows.append(
            self._plan(
                year,
                "",
                province,
                FIRST_SERIAL + len(rows),
                "tet_gifts",
                text,
                units=GIFTS,
                unit="gift",
                amount=GIFTS * GIFT_VND,
                unit_id=unit_id,
            )
        )
        return rows

    def _programme_plans(self, year: int) -> list[dict[str, Any]]:
        """The programme-wide border-post visit and communication campaign (no amount)."""
        visit = self._plan(
            year,
            "",
            "",
            FIRST_SERIAL,
            "border_post_support",
            DESCRIPTION["border_post_support"],
            unit="visit",
        )
        campaign = self._plan(
            year,
            "",
            "",
            FIRST_SERIAL + 1,
            "communication",
            DESCRIPTION["communication"].format(year=year),
            unit="campaign",
            unit_id=self._unit(0.3),
        )
        return [visit, campaign]

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
        """Decide status, units, money and dates of every activity without a real output.

        Every activity is drawn the same way, in the order of its id, whatever its plan's
        source, so the draws do not depend on which plans are observed. The over-spent house
        is drawn among the houses of generated plans; the delivery drawn for an observed plan
        is then replaced by what the plan itself states (:meth:`_hold_to_plan`), so that no
        anomaly, and no figure the plan does not state, is generated about an observed plan.
        """
        observed = {p["activity_id"] for p in self.real_plans}
        activities = [
            _Activity(
                plan=p,
                year=int(p["year"]),
                activity_type=p["activity_type"],
                unit=p["unit"],
                planned_units=_int_or_none(p["planned_units"]),
                planned_amount=_int_or_none(p["planned_amount_vnd"]),
                observed=p["activity_id"] in observed,
            )
            for p in sorted(plans, key=lambda r: r["activity_id"])
            if p["activity_id"] not in self.real_outputs
        ]
        houses = [
            a
            for a in activities
            if a.activity_type == "charity_house" and a.planned_amount and not a.observed
        ]
        overspent = self.pick(houses).activity_id if houses else None
        for act in activities:
            self._deliver(act, act.activity_id == overspent)
            if act.observed:
                self._hold_to_plan(act)
        return activities

    @staticmethod
    def _hold_to_plan(act: _Activity) -> None:
        """Replace the delivery drawn for an observed plan by what the plan states.

        Completed; the units the plan states (:func:`_implied_units`: none where it states
        none); the people those units reach (:func:`_implied_people`); the planned amount,
        committed and disbursed in full (a two-part disbursement keeps its drawn split), and
        no money at all when the plan states no amount. The drawn dates are kept.
        """
        act.status = "completed"
        act.delivered_units = _implied_units(act.plan)
        act.recipients = _implied_people(act.plan)
        act.spent = act.planned_amount or 0
        drawn = act.disbursements
        if not act.spent:
            act.disbursements = []
        elif len(drawn) == 2:
            (first_day, first), (second_day, second) = drawn
            share = _round_to(act.spent * first / (first + second), 100_000)
            act.disbursements = [(first_day, share), (second_day, act.spent - share)]
        else:
            day = drawn[0][0] if drawn else act.completed_on or date(act.year, 12, 31)
            act.disbursements = [(day, act.spent)]

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
        for year in self.years:
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
        taken = {r["transaction_id"] for r in self.pkg.real_rows("transactions")}
        rows, ids = [], {}
        for day, kind, activity_id, amount, contributor in entries:
            if day.year not in ids:
                ids[day.year] = _free_ids(f"T{day.year}-{{:04d}}", taken)
            rows.append(
                {
                    "transaction_id": next(ids[day.year]),
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
            next(self.beneficiary_ids),
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
                "event_id": next(self.event_ids),
                "animal_id": animal_id,
                "event_type": kind,
                "date": day,
                "beneficiary_id": holder,
                "to_beneficiary_id": to,
                "mother_animal_id": mother,
                "source_id": ILLUSTRATIVE_SOURCE,
            }
            for day, animal_id, kind, holder, to, mother in events
        ]

    def _animal(self, start: date, holder: _Beneficiary, *, adult: bool, female: bool) -> _Animal:
        death = start + timedelta(days=max(1, int(self.rng.exponential(1 / DEATH_RATE))))
        animal = _Animal(next(self.animal_ids), start, [(start, holder)], death, adult, female)
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
        if exit_day <= self.end:
            animal.exit, animal.exit_type = exit_day, exit_type
        if not animal.female:
            return
        owes_calf = True
        gap = (365, 730) if animal.adult else (790, 1035)
        calving = animal.start + timedelta(days=self.integer(*gap))
        while calving < exit_day and calving <= self.end:
            holder = animal.holder_at(calving)
            calf = self._animal(calving, holder, adult=False, female=self.chance(0.5))
            calf.mother_id = animal.animal_id
            if owes_calf:
                weaned = calving + timedelta(days=self.integer(240, 365))
                if weaned <= self.end and calf.death > weaned:
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
            for year in self.years:
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
            for year in range(b.entry_year, self.years[-1] + 1):
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
        """Rows for every commune and year without an observed row, and the poor-household
        rate (%) of every commune and year: the observed one where observed statistics state
        it, else the generated one (used by :meth:`indicator_values`)."""
        rows: list[dict[str, Any]] = []
        rates: dict[tuple[str, int], float] = {}
        base = self.stat_years[0]
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
                anchor_year, anchor = base, self.integer(350, 1500)
            size = self.uniform(4.6, 5.4)
            for year in self.stat_years:
                households = round(anchor * (1 + growth) ** (year - anchor_year))
                people = round(households * min(5.5, max(4.5, size + self.rng.normal(0, 0.05))))
                after = year >= STANDARD_CHANGE_YEAR
                rate = (
                    level
                    + POOR_TREND * (year - base)
                    + POOR_JUMP_2022 * after
                    + PARTNER_EFFECT * self.partner_years_through(code, year)
                    + self.rng.normal(0, POOR_NOISE_SD)
                )
                near = (
                    near_level
                    + NEAR_POOR_TREND * (year - base)
                    + NEAR_POOR_JUMP_2022 * after
                    + self.rng.normal(0, NEAR_POOR_NOISE_SD)
                )
                rate, near = max(0.5, rate), max(1.0, near)
                poor = round(households * rate / 100)
                near_poor = min(households - poor, round(households * near / 100))
                rates[(code, year)] = round(100 * poor / households, 1)
                if (code, year) in self.real_stats:
                    observed = _observed_rate(self.real_stats[(code, year)])
                    if observed is not None:
                        rates[(code, year)] = observed
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
        """Baseline (the year before the phase) and yearly targets of every partner commune."""
        rows = []
        before = self.years[0] - 1
        for c in self.communes:
            code = c["commune_code"]
            years = [y for y in self.years if self.is_partner(code, y)]
            if not years:
                continue
            baseline = rates[(code, before)]
            values = [(before, "baseline", baseline)] + [
                (y, "target", max(0.0, baseline - TARGET_CUT_PER_YEAR * (y - before)))
                for y in years
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
    read, so the result does not depend on illustrative rows already in the files. Generated
    rows that real ones replace are left out (:func:`_yield_to_real`), so the result holds no
    row that :func:`contradictions` would report.

    Args:
        package_path: ``datapackage.json``, or the folder that holds it.
        seed: Seed of the random generators (the main one and the :data:`STREAMS`).

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
    gen.use_stream("people")
    gen.enrol(activities)
    livestock = gen.livestock(activities)
    beneficiaries = gen.beneficiary_rows()
    followups = gen.followups()
    gen.use_stream("statistics")
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
    rows = {name: _as_csv_rows(pkg, name, generated[name]) for name in GENERATED}
    return _yield_to_real(rows, {name: pkg.real_rows(name) for name in GENERATED})


def write(package_path: Path, seed: int = DEFAULT_SEED) -> dict[str, int]:
    """Replace the illustrative rows of the package's CSV files with freshly generated ones.

    For each generated resource: keep every row whose source is not illustrative, drop the old
    illustrative rows, add the new ones (:func:`generate` has left out those that real rows
    replace; any whose primary key equals a kept row's is skipped too), sort by the primary
    key. Every file is written at once or none is (a journaled commit under the package's
    lock: :mod:`analysis.storage`).

    Args:
        package_path: ``datapackage.json``, or the folder that holds it.
        seed: Seed of the random generators.

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


# --------------------------------------------------------------------------- contradictions


@dataclass(frozen=True)
class Contradiction:
    """A generated row that contradicts an observed row, or states about an observed plan
    what the plan does not state.

    Attributes:
        resource: The generated row's resource.
        key: The generated row's primary key (values joined by ``/``), or the observed plan's
            activity for a rule about all the generated rows of an activity.
        rule: What is wrong, in a few words.
        detail: The observed row it meets, and the figures.
    """

    resource: str
    key: str
    rule: str
    detail: str

    def __str__(self) -> str:
        return f"{self.resource} {self.key}: {self.rule} ({self.detail})"


@dataclass
class _Split:
    """The rows of every generated resource, split by source into generated and observed."""

    pkg: _Package
    generated: dict[str, list[dict[str, str]]]
    observed: dict[str, list[dict[str, str]]]

    @classmethod
    def of(cls, pkg: _Package) -> _Split:
        illustrative = pkg.illustrative_sources()
        generated: dict[str, list[dict[str, str]]] = {}
        observed: dict[str, list[dict[str, str]]] = {}
        for name in GENERATED:
            rows = pkg.read(name)
            generated[name] = [r for r in rows if r.get("source_id", "") in illustrative]
            observed[name] = [r for r in rows if r.get("source_id", "") not in illustrative]
        return cls(pkg, generated, observed)

    def key(self, name: str, row: dict[str, str]) -> str:
        return "/".join(row.get(f, "") for f in self.pkg.primary_key(name))

    @property
    def observed_plans(self) -> dict[str, dict[str, str]]:
        return {r["activity_id"]: r for r in self.observed["plans"]}


def _same_key(rows: _Split) -> Iterable[Contradiction]:
    """A generated row with the primary key of an observed row (any resource)."""
    for name in GENERATED:
        observed = {rows.key(name, r): r for r in rows.observed[name]}
        for row in rows.generated[name]:
            key = rows.key(name, row)
            if key in observed:
                source = observed[key].get("source_id", "")
                yield Contradiction(name, key, "same key as an observed row", f"source {source}")


def _same_year_and_place(rows: _Split) -> Iterable[Contradiction]:
    """A generated plan for a year and place (commune, else province, else programme) that
    an observed plan covers."""
    covered: dict[tuple[int, str], str] = {}
    for r in rows.observed["plans"]:
        covered.setdefault((int(r["year"]), _place(r)), r["activity_id"])
    for row in rows.generated["plans"]:
        observed = covered.get((int(row["year"]), _place(row)))
        if observed:
            yield Contradiction(
                "plans",
                row["activity_id"],
                "plan for a year and place with an observed plan",
                f"observed plan {observed}",
            )


def _observed_delivery(rows: _Split) -> Iterable[Contradiction]:
    """A generated output, transaction or beneficiary of an activity whose outputs,
    transactions or beneficiaries are observed (an observed output documents all three)."""
    documented = {r["activity_id"] for r in rows.observed["outputs"]}
    for name in ("outputs", "transactions", "beneficiaries"):
        acts = documented | {r["activity_id"] for r in rows.observed[name] if r["activity_id"]}
        for row in rows.generated[name]:
            if row.get("activity_id") in acts:
                yield Contradiction(
                    name,
                    rows.key(name, row),
                    "generated delivery of an observed delivery",
                    f"activity {row['activity_id']} has observed outputs or {name}",
                )


def _outputs_beyond_plan(rows: _Split) -> Iterable[Contradiction]:
    """A generated output of an observed plan that is not the plan's own: not completed, or
    units or money other than the plan states (:func:`_implied_units`, the planned amount)."""
    plans = rows.observed_plans
    for row in rows.generated["outputs"]:
        plan = plans.get(row["activity_id"])
        if plan is None:
            continue
        units, amount = _implied_units(plan), _int_or_none(plan["planned_amount_vnd"])
        stated = (
            row["status"],
            _int_or_none(row["delivered_units"]),
            _int_or_none(row["delivered_amount_vnd"]),
        )
        if stated != ("completed", units, amount):
            yield Contradiction(
                "outputs",
                row["activity_id"],
                "output departs from the observed plan",
                f"{stated[0]}, {stated[1]} units, {stated[2]} đồng; "
                f"the plan states {units} units, {amount} đồng",
            )


def _money_beyond_plan(rows: _Split) -> Iterable[Contradiction]:
    """Generated money of an observed plan other than its planned amount: a commitment of
    another amount, or disbursements and expenditures that do not sum to it (any money at all
    when the plan states no amount)."""
    plans = rows.observed_plans
    commitments: dict[str, list[int]] = {}
    spent: dict[str, int] = {}
    for row in rows.generated["transactions"]:
        act = row["activity_id"]
        if act not in plans:
            continue
        amount = int(row["amount_vnd"])
        if row["transaction_type"] == "commitment":
            commitments.setdefault(act, []).append(amount)
        elif row["transaction_type"] in ("disbursement", "expenditure"):
            spent[act] = spent.get(act, 0) + amount
    for act in sorted(set(commitments) | set(spent)):
        planned = _int_or_none(plans[act]["planned_amount_vnd"])
        wrong = [a for a in commitments.get(act, []) if a != planned]
        if wrong or (act in spent and spent[act] != (planned or 0)):
            yield Contradiction(
                "transactions",
                act,
                "money departs from the observed plan",
                f"committed {commitments.get(act, [])}, spent {spent.get(act, 0)}; "
                f"planned {planned}",
            )


def _people_beyond_plan(rows: _Split) -> Iterable[Contradiction]:
    """More generated beneficiaries entering an observed plan in its year than its stated
    figures reach (:func:`_implied_people`; none when it states no figure)."""
    plans = rows.observed_plans
    entrants: dict[str, int] = {}
    for row in rows.generated["beneficiaries"]:
        plan = plans.get(row["activity_id"])
        if plan is not None and row["entry_year"] == plan["year"]:
            entrants[plan["activity_id"]] = entrants.get(plan["activity_id"], 0) + 1
    for act, count in sorted(entrants.items()):
        if count > _implied_people(plans[act]):
            yield Contradiction(
                "beneficiaries",
                act,
                "more people than the observed plan reaches",
                f"{count} generated, the plan's figures reach {_implied_people(plans[act])}",
            )


def _about_observed_people(rows: _Split) -> Iterable[Contradiction]:
    """A generated follow-up of an observed beneficiary, or a generated livestock event of
    an observed beneficiary or animal."""
    people = {r["beneficiary_id"] for r in rows.observed["beneficiaries"]}
    animals = {r["animal_id"] for r in rows.observed["livestock_events"]}
    for row in rows.generated["beneficiary_followups"]:
        if row["beneficiary_id"] in people:
            key = rows.key("beneficiary_followups", row)
            yield Contradiction(
                "beneficiary_followups",
                key,
                "follow-up of an observed beneficiary",
                f"beneficiary {row['beneficiary_id']}",
            )
    for row in rows.generated["livestock_events"]:
        holders = {row["beneficiary_id"], row.get("to_beneficiary_id", "")} & people
        if holders or row["animal_id"] in animals:
            yield Contradiction(
                "livestock_events",
                row["event_id"],
                "event of an observed person or animal",
                f"animal {row['animal_id']}, beneficiaries {sorted(holders)}",
            )


def _rates(rows: _Split) -> Iterable[Contradiction]:
    """A generated poor-household rate (baseline or actual) for a commune and year whose
    observed statistics, observed indicator values or published figures (an exact
    ``poor_household_rate_pct`` of ``context_statistics``) state another rate."""
    observed: dict[tuple[str, str], tuple[float, str]] = {}
    for r in rows.observed["commune_statistics"]:
        rate = _observed_rate(r)
        if rate is not None:
            observed[(r["commune_code"], r["year"])] = (rate, "commune_statistics")
    for r in rows.observed["indicator_values"]:
        if r["indicator_id"] == "poor_household_rate" and r["value_type"] != "target":
            observed[(r["commune_code"], r["year"])] = (float(r["value"]), "indicator_values")
    for key, published in _published_commune_figures(rows.pkg).items():
        for r in published:
            if r["measure"] == "poor_household_rate_pct" and not r.get("value_qualifier"):
                observed[key] = (float(r["value"]), "context_statistics")
    for row in rows.generated["indicator_values"]:
        if row["indicator_id"] != "poor_household_rate" or row["value_type"] == "target":
            continue
        rate, where = observed.get((row["commune_code"], row["year"]), (None, ""))
        if rate is not None and abs(float(row["value"]) - rate) > 0.05:
            yield Contradiction(
                "indicator_values",
                rows.key("indicator_values", row),
                "rate differs from the observed one",
                f"{row['value']} against {rate:.1f} in {where}",
            )


PUBLISHED_COMMUNE_MEASURES = {
    "households": ("households",),
    "population": ("population",),
    "poor_households": ("poor_households",),
    "near_poor_households": ("near_poor_households",),
    "poor_or_near_poor_households": ("poor_households", "near_poor_households"),
    "poor_household_rate_pct": ("poor_households",),
    "near_poor_household_rate_pct": ("near_poor_households",),
    "poor_or_near_poor_rate_pct": ("poor_households", "near_poor_households"),
}
"""``context_statistics.measure`` values that ``commune_statistics`` also states, each with
the commune_statistics counts it is read from (a ``_pct`` measure: their sum over the
households, in percent)."""


def _published_commune_figures(pkg: _Package) -> dict[tuple[str, str], list[dict[str, str]]]:
    """Published figures (``context_statistics`` rows of an observed source) about a commune
    as it stood before the July 2025 merger, of a measure commune statistics hold, by
    (commune code, year). A merged commune's figure describes another area and is left out."""
    if "context_statistics" not in pkg.schema:
        return {}
    illustrative = pkg.illustrative_sources()
    found: dict[tuple[str, str], list[dict[str, str]]] = {}
    for r in pkg.read("context_statistics"):
        if (
            r.get("level") == "commune"
            and len(r.get("area_code", "")) == 5
            and r.get("geography", "") != "merged_july_2025"
            and r.get("measure") in PUBLISHED_COMMUNE_MEASURES
            and r.get("source_id", "") not in illustrative
        ):
            found.setdefault((r["area_code"], r["year"]), []).append(r)
    return found


def _generated_figure(row: dict[str, str], measure: str) -> float | None:
    """What a commune_statistics row states for a published measure (None: nothing)."""
    parts = [_number_or_none(row.get(f, "")) for f in PUBLISHED_COMMUNE_MEASURES[measure]]
    if any(p is None for p in parts):
        return None
    total = sum(p for p in parts if p is not None)
    if not measure.endswith("_pct"):
        return total
    households = _number_or_none(row.get("households", ""))
    return round(100 * total / households, 2) if households else None


def _published(rows: _Split) -> Iterable[Contradiction]:
    """A generated commune_statistics row for a commune and year with a published figure
    (households, population, poor or near-poor counts or rates in ``context_statistics``,
    for the commune as it stood before July 2025): the generator must give way to it, as to
    an observed commune_statistics row, whatever the figures."""
    published = _published_commune_figures(rows.pkg)
    for row in rows.generated["commune_statistics"]:
        for r in published.get((row["commune_code"], row["year"]), []):
            yield Contradiction(
                "commune_statistics",
                rows.key("commune_statistics", row),
                "generated statistics for a commune-year with a published figure",
                f"{r['measure']} {r['value']} in context_statistics {r['statistic_id']} "
                f"({r['source_id']}); generated {_generated_figure(row, r['measure'])}",
            )


CONTRADICTION_RULES = (
    _same_key,
    _same_year_and_place,
    _observed_delivery,
    _outputs_beyond_plan,
    _money_beyond_plan,
    _people_beyond_plan,
    _about_observed_people,
    _rates,
    _published,
)
"""Every check :func:`contradictions` runs, each a function of the split rows."""


def contradictions(package_path: Path | str) -> list[Contradiction]:
    """Generated rows that contradict observed ones, in a package as its files stand.

    For each generated resource: a generated row with an observed row's key (a commune and
    year's statistics, a follow-up's beneficiary and year, an indicator value), a generated
    plan for a year and place with an observed plan, generated outputs, money or people of an
    activity whose own are observed; about an observed plan, a generated output, commitment
    or spending that is not the plan's own figure, or more people than its figures reach;
    follow-ups or cattle of an observed beneficiary; a generated rate that differs from an
    observed one (in commune statistics, indicator values or a published commune rate of
    ``context_statistics``); generated commune statistics for a commune and year with a
    published figure (:func:`_published`; a commune merged in July 2025 is another area). A
    row is generated when its source is of kind ``illustrative``.

    Args:
        package_path: ``datapackage.json``, or the folder that holds it.

    Returns:
        Every contradiction found, rule by rule (empty when there is none).

    Example:
        >>> from analysis.paths import DATAPACKAGE
        >>> contradictions(DATAPACKAGE)
        []
    """
    rows = _Split.of(_open(Path(package_path)))
    return [c for rule in CONTRADICTION_RULES for c in rule(rows)]


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
