"""A corpus of realistic faulty workbooks: each gives its error at the right cell, writes nothing.

Every case builds a small workbook with openpyxl (mostly one valid row and one fault), imports
it into a private copy of the package (a real import, not a dry run) and checks the error's
sheet, Excel cell and rule, that the exit status would be non-zero (``result.ok`` is False) and
that every file of the copy is byte-identical afterwards.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest
from helpers.intake import build_workbook, copy_package, headers, package_hashes

from analysis.intake import import_workbook, write_template

TX_ROW = ["T2024-0031", "2024-23536-01", "Giải ngân (disbursement)", "15/03/2024", "25.000.000 đ"]
BEN_ROW = [
    "B000934",
    "2024-23536-01",
    "Mô Rai",
    5,
    "Gia Rai (jarai)",
    "Nữ (female)",
    "30-44",
    "Nghèo (poor)",
    2024,
]


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Path:
    """One pristine copy of the package, copied again for every case."""
    return copy_package(tmp_path_factory.mktemp("base"))


@pytest.fixture
def pkg(base: Path, tmp_path: Path) -> Path:
    return copy_package_from(base, tmp_path / "pkg")


def copy_package_from(base: Path, target: Path) -> Path:
    import shutil

    shutil.copytree(base.parent, target)
    return target / "datapackage.json"


def tx(pkg: Path, *rows: list) -> dict:
    return {"transactions": [headers(pkg, "transactions"), *rows]}


def ben(pkg: Path, *rows: list) -> dict:
    return {"beneficiaries": [headers(pkg, "beneficiaries"), *rows]}


def with_cell(row: list, index: int, value) -> list:
    row = list(row) + [None] * max(0, index + 1 - len(row))
    row[index] = value
    return row


Case = Callable[[Path, Path], tuple[Path, dict]]


def simple(sheets: Callable[[Path], dict], **build) -> Case:
    def make(pkg: Path, folder: Path) -> tuple[Path, dict]:
        return build_workbook(folder / "so_lieu.xlsx", sheets(pkg), **build), {}

    return make


def formula_without_value(pkg: Path, folder: Path) -> tuple[Path, dict]:
    return build_workbook(
        folder / "cong_thuc.xlsx", tx(pkg, with_cell(TX_ROW, 4, "=20000000+5000000"))
    ), {}


def excel_error(pkg: Path, folder: Path) -> tuple[Path, dict]:
    return build_workbook(folder / "loi.xlsx", tx(pkg, with_cell(TX_ROW, 4, "#DIV/0!"))), {}


def not_xlsx(pkg: Path, folder: Path) -> tuple[Path, dict]:
    path = folder / "so_lieu.xlsx"
    path.write_text("transaction_id,amount\nT2024-0031,25000000\n", encoding="utf-8")
    return path, {}


def no_year(pkg: Path, folder: Path) -> tuple[Path, dict]:
    return build_workbook(folder / "tu_lam.xlsx", tx(pkg, TX_ROW), year=None), {}


def real_change(pkg: Path, folder: Path) -> tuple[Path, dict]:
    path = folder / "mau_2024.xlsx"
    write_template(path, 2024, pkg)
    wb = openpyxl.load_workbook(path)
    ws = wb["plans"]
    row = next(r for r in range(2, ws.max_row + 1) if ws.cell(r, 1).value == "2024-23536-01")
    assert row == 7  # the sixth 2024 plan row of plans.csv
    ws.cell(row, 12).value = "60.000.000"
    wb.save(path)
    return path, {}


def out_of_province(pkg: Path, folder: Path) -> tuple[Path, dict]:
    row = ["B000934", "2024-03158-01", "Leng Su Sìn", 5, "Hà Nhì", "Nữ", "30-44", "Nghèo", 2024]
    return build_workbook(folder / "kon_tum.xlsx", ben(pkg, row), provinces=["62"]), {}


def two_sheets_one_name_column(pkg: Path, folder: Path) -> tuple[Path, dict]:
    sheets = ben(pkg, BEN_ROW)
    sheets["beneficiaries"][0] = sheets["beneficiaries"][0] + ["Họ và tên"]
    return build_workbook(folder / "ds.xlsx", sheets), {}


def name_in_extra_sheet(pkg: Path, folder: Path) -> tuple[Path, dict]:
    sheets = tx(pkg, TX_ROW)
    sheets["Danh sách"] = [["STT", "Hộ"], [1, None], [2, "Nguyễn Thị Lan"]]
    return build_workbook(folder / "so_lieu.xlsx", sheets), {}


def time_of_day(pkg: Path, folder: Path) -> tuple[Path, dict]:
    return build_workbook(
        folder / "gio.xlsx", tx(pkg, with_cell(TX_ROW, 3, dt.datetime(2024, 3, 15, 14, 30)))
    ), {}


def code_turned_into_date(pkg: Path, folder: Path) -> tuple[Path, dict]:
    return build_workbook(
        folder / "ma.xlsx", tx(pkg, with_cell(TX_ROW, 1, dt.datetime(2024, 1, 2)))
    ), {}


def missing_amount_column(pkg: Path, folder: Path) -> tuple[Path, dict]:
    head = headers(pkg, "transactions")
    sheets = {"transactions": [head[:4] + head[5:], TX_ROW[:4]]}
    return build_workbook(folder / "thieu_cot.xlsx", sheets), {}


def plans_row(year: int, conditional: str) -> list:
    return [
        f"{year}-23536-05",
        year,
        "Xã (commune)",
        "Mô Rai",
        "Kon Tum",
        "Mái ấm tình thương (charity_house)",
        None,
        "hanoi_wu",
        "Xây 01 mái ấm",
        1,
        "nhà (house)",
        "50.000.000",
        conditional,
    ]


CASES: list[tuple[str, Case, tuple[str | None, str | None, str]]] = [
    (
        "comma-thousands",
        simple(lambda p: tx(p, with_cell(TX_ROW, 4, "50,000"))),
        ("transactions", "E2", "number-ambiguous"),
    ),
    (
        "about-50-million",
        simple(lambda p: tx(p, with_cell(TX_ROW, 4, "khoảng 50 triệu"))),
        ("transactions", "E2", "number"),
    ),
    (
        "english-decimal-million",
        simple(lambda p: tx(p, with_cell(TX_ROW, 4, "1.5 triệu"))),
        ("transactions", "E2", "number-ambiguous"),
    ),
    (
        "number-in-words",
        simple(lambda p: ben(p, with_cell(BEN_ROW, 3, "ba mươi"))),
        ("beneficiaries", "D2", "number"),
    ),
    (
        "fraction-of-a-household",
        simple(lambda p: ben(p, with_cell(BEN_ROW, 3, "4,5"))),
        ("beneficiaries", "D2", "not-integer"),
    ),
    (
        "date-without-year",
        simple(lambda p: tx(p, with_cell(TX_ROW, 3, "03/04"))),
        ("transactions", "D2", "date-no-year"),
    ),
    (
        "thirty-first-of-february",
        simple(lambda p: tx(p, with_cell(TX_ROW, 3, "31/02/2024"))),
        ("transactions", "D2", "date-invalid"),
    ),
    (
        "two-digit-year",
        simple(lambda p: tx(p, with_cell(TX_ROW, 3, "15/03/24"))),
        ("transactions", "D2", "date-two-digit-year"),
    ),
    (
        "date-as-serial-number",
        simple(lambda p: tx(p, with_cell(TX_ROW, 3, 45366))),
        ("transactions", "D2", "date-serial"),
    ),
    ("date-with-time", time_of_day, ("transactions", "D2", "date-with-time")),
    (
        "unknown-transaction-type",
        simple(lambda p: tx(p, with_cell(TX_ROW, 2, "chuyển khoản"))),
        ("transactions", "C2", "enum"),
    ),
    (
        "unknown-commune",
        simple(lambda p: ben(p, with_cell(BEN_ROW, 2, "Xã Hư Cấu"))),
        ("beneficiaries", "C2", "commune-unknown"),
    ),
    (
        "maybe-conditional",
        simple(lambda p: {"plans": [headers(p, "plans"), plans_row(2024, "có lẽ")]}),
        ("plans", "M2", "boolean"),
    ),
    (
        "formula-without-cached-value",
        formula_without_value,
        ("transactions", "E2", "formula-no-value"),
    ),
    ("excel-error-value", excel_error, ("transactions", "E2", "excel-error")),
    ("activity-code-became-a-date", code_turned_into_date, ("transactions", "B2", "text-expected")),
    (
        "phone-number-in-a-note",
        simple(lambda p: ben(p, with_cell(BEN_ROW, 10, "ĐT liên hệ 0912 345 678"))),
        ("beneficiaries", "K2", "pii-phone"),
    ),
    (
        "identity-card-number",
        simple(lambda p: tx(p, with_cell(TX_ROW, 5, "CCCD 001234567890"))),
        ("transactions", "F2", "pii-id-number"),
    ),
    ("full-name-in-an-extra-sheet", name_in_extra_sheet, ("Danh sách", "B3", "pii-name")),
    ("name-column", two_sheets_one_name_column, ("beneficiaries", "K1", "pii-header")),
    (
        "row-of-another-year",
        simple(lambda p: {"plans": [headers(p, "plans"), plans_row(2023, "Không")]}),
        ("plans", "B2", "row-year"),
    ),
    (
        "same-transaction-twice",
        simple(lambda p: tx(p, TX_ROW, with_cell(TX_ROW, 4, "10 triệu"))),
        ("transactions", "A3", "duplicate-key"),
    ),
    ("amount-column-deleted", missing_amount_column, ("transactions", None, "missing-column")),
    (
        "money-before-the-activity-year",
        simple(lambda p: tx(p, with_cell(TX_ROW, 1, "2025-23536-51"))),
        ("transactions", "D2", "tx-before-plan"),
    ),
    (
        "unknown-activity",
        simple(lambda p: ben(p, with_cell(BEN_ROW, 1, "2024-99999-01"))),
        ("beneficiaries", "B2", "foreign-key"),
    ),
    (
        "beneficiary-of-another-commune",
        simple(lambda p: ben(p, with_cell(BEN_ROW, 2, "Đăk Plô"))),
        ("beneficiaries", "C2", "beneficiary-commune"),
    ),
    (
        "zero-amount",
        simple(lambda p: tx(p, with_cell(TX_ROW, 4, "0 đ"))),
        ("transactions", "E2", "minimum"),
    ),
    ("real-value-changed-without-replace", real_change, ("plans", "L7", "real-change")),
    ("row-outside-the-province", out_of_province, ("beneficiaries", "C2", "row-scope")),
    (
        "totals-row-at-the-bottom",
        simple(lambda p: tx(p, TX_ROW, ["Tổng cộng", None, None, None, "=SUM(E2:E2)"])),
        ("transactions", "A3", "totals-row"),
    ),
    ("not-an-excel-file", not_xlsx, (None, None, "not-xlsx")),
    ("no-year-anywhere", no_year, (None, None, "no-year")),
]


@pytest.mark.parametrize(("make", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_faulty_workbook_is_refused_at_the_right_cell(pkg, tmp_path, make, expected):
    workbook, options = make(pkg, tmp_path)
    before = package_hashes(pkg)

    result = import_workbook(workbook, pkg, **options)

    sheet, cell, rule = expected
    assert not result.ok
    found = [(p.sheet, p.cell, p.rule) for p in result.errors]
    assert (sheet, cell, rule) in found, found
    assert not result.written
    assert package_hashes(pkg) == before


def test_the_corpus_has_at_least_fifteen_cases():
    assert len(CASES) >= 15
    assert len({c[0] for c in CASES}) == len(CASES)


def test_personal_data_is_masked_in_every_message(pkg, tmp_path):
    sheets = ben(pkg, with_cell(BEN_ROW, 10, "ĐT 0912345678"))
    sheets["Danh sách"] = [["Hộ"], ["Nguyễn Thị Lan"], ["CMND 187654321"]]
    workbook = build_workbook(tmp_path / "ds.xlsx", sheets)

    result = import_workbook(workbook, pkg)

    rules = sorted(p.rule for p in result.errors)
    assert rules == ["pii-id-number", "pii-name", "pii-phone"]
    text = "\n".join(p.format(lang) for p in result.errors for lang in ("vi", "en"))
    for secret in ("0912345678", "912345678", "Nguyễn Thị Lan", "Thị", "Lan", "187654321"):
        assert secret not in text
    # personal data stops the import before anything else is looked at
    assert all(p.rule.startswith("pii-") for p in result.errors)


def test_errors_name_value_and_expectation_in_both_languages(pkg, tmp_path):
    workbook = build_workbook(tmp_path / "so.xlsx", tx(pkg, with_cell(TX_ROW, 4, "50,000")))

    (problem,) = import_workbook(workbook, pkg).errors

    assert problem.address == "transactions!E2"
    vi, en = problem.format("vi"), problem.format("en")
    assert vi.startswith("transactions!E2 [number-ambiguous]")
    assert "“50,000”" in vi and "50.000" in vi and "dấu phẩy" in vi
    assert "“50,000”" in en and "50.000" in en and "decimals" in en
