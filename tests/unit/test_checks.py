"""Tests for the cross-table rules of :mod:`analysis.checks`.

Each test breaks a private copy of the package so that exactly one rule fires, on one row.
The copy stays valid row by row (the strict loader finds nothing), and only problems that
were not there before the edit are compared, so the illustrative rows a colleague may add to
the bundled package (including its one deliberately over-spent house) do not matter. Added
rows use ids far above any the generator makes (``B9999NN``, ``T2024-99NN``, serial 9x).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from analysis.checks import RULES, check_package
from analysis.package import load_package, read_package

PLANS = "data/plans.csv"
TRANSACTIONS = "data/transactions.csv"
BENEFICIARIES = "data/beneficiaries.csv"
FOLLOWUPS = "data/beneficiary_followups.csv"
LIVESTOCK = "data/livestock_events.csv"
STATISTICS = "data/commune_statistics.csv"
OUTPUTS = "data/outputs.csv"
GENERATOR = "illustrative_generator"
# Transcribed 2024 plan rows (never regenerated):
MO_RAI_HOUSE = "2024-23536-01"  # commune 23536 Mô Rai, province 62, 1 house, 50,000,000
DAK_PLO_LIVELIHOOD = "2024-23344-01"  # commune 23344 Đăk Plô, province 62
LENG_SU_SIN_HOUSE = "2024-03158-01"  # commune 03158 Leng Su Sìn, province 11
KON_TUM_PUPILS = "2024-P62-01"  # province scope, 62
DIEN_BIEN_GIFTS = "2024-P11-01"  # province scope, 11
SHARING = "2024-ALL-01"  # programme scope, no planned amount, 2024
HA_DONG_GIFTS_2023 = "2023-P11-01"  # province scope, 11, no planned amount, 2023


def loc(p) -> tuple:
    return (p.file, p.row, p.field, p.rule, p.severity)


def checked(pkg_path: Path) -> list:
    pkg, problems = read_package(pkg_path)
    assert problems == [], "the broken copy must stay valid row by row"
    return check_package(pkg)


@pytest.fixture
def new_problems(package_copy) -> Callable[[Callable[[], None]], list]:
    """``new_problems(edit)``: run ``edit`` on the copy; the problems it adds, in order."""

    def run(edit: Callable[[], None]) -> list:
        before = {loc(p) for p in checked(package_copy)}
        edit()
        return [p for p in checked(package_copy) if loc(p) not in before]

    return run


@pytest.fixture
def add_plan(package_copy, find_row, get_row, append_row, csv_rows):
    """``add_plan(activity_id, **changes)``: a copy of the Mô Rai house plan row, changed."""

    def add(activity_id: str, template: str = MO_RAI_HOUSE, **changes: str) -> int:
        ids = {r[0] for r in csv_rows(package_copy, "plans")[1:]}
        assert activity_id not in ids
        values = get_row(
            package_copy, "plans", find_row(package_copy, "plans", activity_id=template)
        )
        values.update(activity_id=activity_id, source_id=GENERATOR, **changes)
        return append_row(package_copy, "plans", values)

    return add


@pytest.fixture
def add_unique(package_copy, csv_rows, append_row):
    """``add_unique(resource, **values)``: append a row whose first field is a new id."""

    def add(resource: str, **values: str) -> int:
        rows = csv_rows(package_copy, resource)
        key = rows[0][0]
        assert values[key] not in {r[0] for r in rows[1:]}
        return append_row(package_copy, resource, {"source_id": GENERATOR, **values})

    return add


def _transaction(tid, activity, kind, date, amount) -> dict[str, str]:
    return {
        "transaction_id": tid,
        "activity_id": activity,
        "transaction_type": kind,
        "date": date,
        "amount_vnd": str(amount),
    }


def _beneficiary(bid, activity, commune, entry_year="2024") -> dict[str, str]:
    return {
        "beneficiary_id": bid,
        "activity_id": activity,
        "commune_code": commune,
        "household_size": "4",
        "ethnicity": "other",
        "sex": "female",
        "age_band": "30-44",
        "poverty_status_entry": "poor",
        "entry_year": entry_year,
    }


# --- the bundled package ----------------------------------------------------------------------


def test_every_rule_has_a_test_here():
    assert {fn.__name__ for fn in RULES} == {
        "activity_scope",
        "activity_commune_is_partner",
        "spending_within_plan",
        "transaction_dates",
        "poverty_within_households",
        "coordinates_sourced",
        "beneficiary_commune",
        "followups_after_entry",
        "livestock_order",
        "outputs_within_plan",
        "question_indicators",
    }


def test_bundled_package_passes_every_rule():
    problems = check_package(load_package())
    assert [p for p in problems if p.severity == "error"] == []
    # Warnings are findings for the report, never errors in disguise.
    assert {p.rule for p in problems} <= {"overspent", "tx-late", "over-delivered"}
    assert all(p.severity == "warning" for p in problems)


def test_errors_come_before_warnings(package_copy, add_plan, add_unique):
    # One warning (over-spent) and one error (not a partner), added in the other order.
    row = add_plan("2024-23536-98")
    add_unique(
        "transactions",
        **_transaction("T2024-9901", "2024-23536-98", "disbursement", "2024-03-01", 50_000_001),
    )
    add_plan("2024-03155-99", commune_code="03155", province_code="11")
    problems = checked(package_copy)
    severities = [p.severity for p in problems]
    assert "error" in severities and "warning" in severities
    assert severities == sorted(severities, key=lambda s: s != "error")
    assert (PLANS, row, "planned_amount_vnd", "overspent", "warning") in {loc(p) for p in problems}


# --- activity_scope ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("activity", "scope"),
    [
        (DIEN_BIEN_GIFTS, "programme"),  # a province is named: not programme-wide
        (DIEN_BIEN_GIFTS, "commune"),  # no commune is named
        (MO_RAI_HOUSE, "province"),  # a commune is named
        (SHARING, "province"),  # no province is named
    ],
)
def test_scope_inconsistent(package_copy, find_row, set_cell, new_problems, activity, scope):
    row = find_row(package_copy, "plans", activity_id=activity)
    found = new_problems(lambda: set_cell(package_copy, "plans", row, "scope", scope))
    assert [loc(p) for p in found] == [(PLANS, row, "scope", "scope", "error")]
    assert found[0].params == {"scope": scope}


def test_commune_not_in_the_province_given(package_copy, find_row, set_cell, new_problems):
    # Đăk Plô (23344) is in Kon Tum (62), not Nghệ An (40).
    row = find_row(package_copy, "plans", activity_id=DAK_PLO_LIVELIHOOD)
    found = new_problems(lambda: set_cell(package_copy, "plans", row, "province_code", "40"))
    assert [loc(p) for p in found] == [(PLANS, row, "province_code", "commune-province", "error")]
    assert found[0].params == {"commune": "23344", "province": "40"}


# --- activity_commune_is_partner --------------------------------------------------------------


def test_commune_not_partner_that_year(add_plan, new_problems):
    # Sín Thầu (03154) was a partner 2021–2023 only: a copy of the Leng Su Sìn house
    # placed there in 2024 (a new row, so no beneficiary of the real one is moved with it).
    rows = []
    found = new_problems(
        lambda: rows.append(
            add_plan("2024-03154-91", template=LENG_SU_SIN_HOUSE, commune_code="03154")
        )
    )
    assert [loc(p) for p in found] == [(PLANS, rows[0], "commune_code", "not-partner", "error")]
    assert found[0].params == {"commune": "03154", "year": 2024}


def test_partner_years_are_inclusive(add_plan, new_problems):
    # 2023 is Sín Thầu's last partner year: no problem.
    found = new_problems(
        lambda: add_plan(
            "2023-03154-91", template=LENG_SU_SIN_HOUSE, commune_code="03154", year="2023"
        )
    )
    assert found == []


def test_comparison_commune_is_never_a_partner(add_plan, new_problems):
    # Sen Thượng (03155) is a comparison commune of Mường Nhé, Điện Biên (11).
    rows = []
    found = new_problems(
        lambda: rows.append(
            add_plan("2024-03155-91", template=LENG_SU_SIN_HOUSE, commune_code="03155")
        )
    )
    assert [loc(p) for p in found] == [(PLANS, rows[0], "commune_code", "not-partner", "error")]


# --- spending_within_plan ---------------------------------------------------------------------


@pytest.mark.parametrize(("last", "over"), [(20_000_001, True), (20_000_000, False)])
def test_spending_above_plan_is_a_warning(
    package_copy, add_plan, add_unique, new_problems, last, over
):
    # Plan 50,000,000. Spent: disbursement 30,000,000 + expenditure `last`; the commitment and
    # the incoming funds are not spending. 30,000,000 + 20,000,001 = 50,000,001 > 50,000,000.
    activity = "2024-23536-98"
    plan_row = add_plan(activity)

    def edit():
        add_unique(
            "transactions",
            **_transaction("T2024-9901", activity, "commitment", "2024-02-01", 50_000_000),
        )
        add_unique(
            "transactions",
            **_transaction("T2024-9902", activity, "disbursement", "2024-03-01", 30_000_000),
        )
        add_unique(
            "transactions",
            **_transaction("T2024-9903", activity, "expenditure", "2024-06-01", last),
        )
        add_unique(
            "transactions",
            **_transaction("T2024-9904", activity, "incoming_funds", "2024-01-15", 9_000_000),
            contributor_kind="members",
        )

    found = new_problems(edit)
    if not over:
        assert found == []
        return
    assert [loc(p) for p in found] == [
        (PLANS, plan_row, "planned_amount_vnd", "overspent", "warning")
    ]
    assert found[0].params == {"activity": activity, "spent": 50_000_001, "planned": 50_000_000}


def test_spending_without_planned_amount_is_never_over(package_copy, add_unique, new_problems):
    found = new_problems(
        lambda: add_unique(
            "transactions",
            **_transaction("T2024-9905", SHARING, "disbursement", "2024-05-01", 10_000_000_000),
        )
    )
    assert found == []


# --- transaction_dates ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("activity", "date", "expected"),
    [
        (SHARING, "2023-12-31", ("tx-before-plan", "error")),  # plan year 2024
        (SHARING, "2024-01-01", None),
        (HA_DONG_GIFTS_2023, "2025-01-01", ("tx-late", "warning")),  # 2025 > 2023 + 1
        (HA_DONG_GIFTS_2023, "2024-12-31", None),
    ],
)
def test_transaction_dated_outside_its_activity_years(
    add_unique, new_problems, activity, date, expected
):
    rows = []
    found = new_problems(
        lambda: rows.append(
            add_unique(
                "transactions",
                **_transaction("T2024-9906", activity, "disbursement", date, 1_000_000),
            )
        )
    )
    if expected is None:
        assert found == []
        return
    rule, severity = expected
    assert [loc(p) for p in found] == [(TRANSACTIONS, rows[0], "date", rule, severity)]
    year = 2024 if activity == SHARING else 2023
    assert found[0].params == {"date": date, "year": year}


# --- coordinates_sourced -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("latitude", "longitude", "source", "unsourced"),
    [
        ("19.4624", "104.1244", "gadm_4_1", False),  # as bundled
        ("19.4624", "104.1244", "", True),  # a point without a source
        ("", "", "gadm_4_1", True),  # a source without a point
        ("", "104.1244", "gadm_4_1", True),  # half a point
        ("", "", "", False),  # no point at all: left off the map, nothing to cite
    ],
)
def test_a_point_and_its_source_come_together(
    package_copy, find_row, edit_csv, new_problems, latitude, longitude, source, unsourced
):
    row = find_row(package_copy, "communes", commune_code="16837")

    def edit_row(rows):
        header, cells = rows[0], rows[row - 1]
        cells[header.index("latitude")] = latitude
        cells[header.index("longitude")] = longitude
        cells[header.index("coordinates_source")] = source

    found = new_problems(lambda: edit_csv(package_copy, "communes", edit_row))
    if not unsourced:
        assert found == []
        return
    assert [(p.row, p.field, p.rule, p.severity) for p in found] == [
        (row, "coordinates_source", "coordinates-unsourced", "error")
    ]
    assert found[0].params == {"commune": "16837"}


# --- poverty_within_households ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("poor", "near_poor", "combined", "exceeds"),
    [
        ("300", "200", "", True),  # 300 + 200 = 500 > 453
        ("253", "200", "", False),  # 253 + 200 = 453, not above
        ("", "", "454", True),  # the combined count alone is above 453
        ("", "", "453", False),
        ("454", "", "", True),  # poor alone; the missing near-poor count is taken as 0
    ],
)
def test_poor_and_near_poor_above_households(
    package_copy, find_row, edit_csv, new_problems, poor, near_poor, combined, exceeds
):
    # Đăk Plô had 453 households in 2025 (the news source).
    row = find_row(package_copy, "commune_statistics", commune_code="23344", year="2025")

    def edit_row(rows):
        header, cells = rows[0], rows[row - 1]
        assert cells[header.index("households")] == "453"
        cells[header.index("poor_households")] = poor
        cells[header.index("near_poor_households")] = near_poor
        cells[header.index("poor_or_near_poor_households")] = combined

    found = new_problems(lambda: edit_csv(package_copy, "commune_statistics", edit_row))
    if not exceeds:
        assert found == []
        return
    assert [loc(p) for p in found] == [
        (STATISTICS, row, "poor_households", "poverty-exceeds", "error")
    ]
    assert found[0].params == {"commune": "23344", "year": 2025}


# --- beneficiary_commune ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("activity", "commune", "fires"),
    [
        (MO_RAI_HOUSE, "23344", True),  # commune scope: lives in Đăk Plô, house is in Mô Rai
        (MO_RAI_HOUSE, "23536", False),
        (KON_TUM_PUPILS, "16834", True),  # province scope 62: Na Loi is in Nghệ An (40)
        (KON_TUM_PUPILS, "23344", False),  # Đăk Plô is in Kon Tum (62)
    ],
)
def test_beneficiary_in_another_commune(add_unique, new_problems, activity, commune, fires):
    rows = []
    found = new_problems(
        lambda: rows.append(
            add_unique("beneficiaries", **_beneficiary("B999901", activity, commune))
        )
    )
    if not fires:
        assert found == []
        return
    assert [loc(p) for p in found] == [
        (BENEFICIARIES, rows[0], "commune_code", "beneficiary-commune", "error")
    ]
    assert found[0].params == {"activity": activity, "commune": commune}


def test_beneficiary_entered_before_the_activity(add_unique, new_problems):
    rows = []
    found = new_problems(
        lambda: rows.append(
            add_unique("beneficiaries", **_beneficiary("B999902", MO_RAI_HOUSE, "23536", "2023"))
        )
    )
    assert [loc(p) for p in found] == [
        (BENEFICIARIES, rows[0], "entry_year", "entry-before-activity", "error")
    ]
    assert found[0].params == {"year": 2024}


# --- followups_after_entry --------------------------------------------------------------------


@pytest.mark.parametrize(("year", "fires"), [("2023", True), ("2024", False)])
def test_followup_before_entry_year(
    package_copy, add_unique, append_row, new_problems, year, fires
):
    add_unique("beneficiaries", **_beneficiary("B999903", MO_RAI_HOUSE, "23536", "2024"))
    rows = []
    followup = {
        "beneficiary_id": "B999903",
        "year": year,
        "income_per_person_month_vnd": "1000000",
        "housing_condition": "temporary",
        "poverty_status": "poor",
        "children_in_school": "1",
        "source_id": GENERATOR,
    }
    found = new_problems(
        lambda: rows.append(append_row(package_copy, "beneficiary_followups", followup))
    )
    if not fires:
        assert found == []
        return
    assert [loc(p) for p in found] == [
        (FOLLOWUPS, rows[0], "year", "followup-before-entry", "error")
    ]
    assert found[0].params == {"year": 2023, "entry": 2024}


# --- livestock_order --------------------------------------------------------------------------


def _event(eid, animal, kind, date, beneficiary="B999904") -> dict[str, str]:
    return {
        "event_id": eid,
        "animal_id": animal,
        "event_type": kind,
        "date": date,
        "beneficiary_id": beneficiary,
    }


@pytest.fixture
def cow_owner(add_unique) -> str:
    add_unique("beneficiaries", **_beneficiary("B999904", DAK_PLO_LIVELIHOOD, "23344", "2024"))
    return "B999904"


def test_livestock_event_after_the_animal_died(add_unique, cow_owner, new_problems):
    rows = {}

    def edit():
        add_unique("livestock_events", **_event("E999901", "A99901", "received", "2024-03-01"))
        add_unique("livestock_events", **_event("E999902", "A99901", "died", "2024-06-01"))
        rows["sold"] = add_unique(
            "livestock_events", **_event("E999903", "A99901", "sold", "2024-09-01")
        )

    found = new_problems(edit)
    assert [loc(p) for p in found] == [
        (LIVESTOCK, rows["sold"], "date", "livestock-order", "error")
    ]
    assert found[0].params == {"animal": "A99901", "event": "sold"}


def test_livestock_ledger_must_start_with_receipt_or_birth(add_unique, cow_owner, new_problems):
    # Listed in file order received-after-died; the ledger is ordered by date.
    rows = {}

    def edit():
        rows["died"] = add_unique(
            "livestock_events", **_event("E999905", "A99902", "died", "2024-02-01")
        )
        rows["received"] = add_unique(
            "livestock_events", **_event("E999906", "A99902", "received", "2024-03-01")
        )

    found = new_problems(edit)
    assert sorted(loc(p) for p in found) == [
        (LIVESTOCK, rows["died"], "date", "livestock-order", "error"),
        (LIVESTOCK, rows["received"], "date", "livestock-order", "error"),
    ]


def test_livestock_ledger_in_order_is_fine(add_unique, cow_owner, new_problems):
    def edit():
        add_unique("livestock_events", **_event("E999907", "A99903", "received", "2024-03-01"))
        add_unique("livestock_events", **_event("E999908", "A99903", "sold", "2025-03-01"))

    assert new_problems(edit) == []


# --- outputs_within_plan ----------------------------------------------------------------------


@pytest.mark.parametrize(("delivered", "fires"), [("2", True), ("1", False)])
def test_delivered_units_above_plan_is_a_warning(
    add_plan, add_unique, new_problems, delivered, fires
):
    activity = "2024-23536-97"  # planned: 1 house
    add_plan(activity)
    rows = []
    output = {
        "activity_id": activity,
        "status": "completed",
        "delivered_units": delivered,
        "completed_on": "2024-10-01",
    }
    found = new_problems(lambda: rows.append(add_unique("outputs", **output)))
    if not fires:
        assert found == []
        return
    assert [loc(p) for p in found] == [
        (OUTPUTS, rows[0], "delivered_units", "over-delivered", "warning")
    ]
    assert found[0].params == {"activity": activity}


# --- question_indicators ----------------------------------------------------------------------


def test_a_question_naming_an_unknown_indicator_is_an_error(package_copy, edit_csv, new_problems):
    first = {}

    def add_unknown(rows):
        column = rows[0].index("indicators")
        first.update(question=rows[1][0], before=rows[1][column])
        rows[1][column] += ";no_such_indicator"
        return rows

    found = new_problems(lambda: edit_csv(package_copy, "evaluation_questions", add_unknown))
    assert [loc(p) for p in found] == [
        ("data/evaluation_questions.csv", 2, "indicators", "unknown-indicator", "error")
    ]
    assert found[0].params == {"question": first["question"], "indicators": "no_such_indicator"}


def test_a_ledger_with_no_death_or_sale_is_checked_without_error():
    """A cow ledger of receipts, births and pass-ons only (no animal died or was sold) used
    to crash the ordering rule; it has nothing wrong with it."""
    import dataclasses

    from analysis.checks import livestock_order
    from analysis.package import load_package

    pkg = load_package()
    ev = pkg["livestock_events"]
    kept = ev[~ev["event_type"].isin(["died", "sold"])].reset_index(drop=True)
    assert len(kept) and len(kept) < len(ev)
    assert (
        livestock_order(dataclasses.replace(pkg, frames={**pkg.frames, "livestock_events": kept}))
        == []
    )
