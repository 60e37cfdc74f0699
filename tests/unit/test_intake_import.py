"""Importing filled workbooks: Vietnamese formats, replacement rules, atomic writes, the CLI.

Every test imports into a private copy of the package. Expected rows are written out by hand
from the workbook's cells; rows the import must remove are found by reading the CSV files with
the documented rule (illustrative rows of the same year and place).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
from helpers.intake import (
    build_workbook,
    copy_package,
    csv_bytes,
    find,
    package_hashes,
    read_csv,
    set_cached_value,
)

from analysis.checks import check_package
from analysis.intake import import_workbook, write_template
from analysis.intake.cli import main as intake_main
from analysis.intake.cli import register
from analysis.package import read_package

# real imports into package copies, processes killed mid-write
pytestmark = pytest.mark.slow

ILLUSTRATIVE = "illustrative_generator"
NOW = dt.datetime(2025, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
PROJECT_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Path:
    return copy_package(tmp_path_factory.mktemp("base"))


@pytest.fixture
def pkg(base: Path, tmp_path: Path) -> Path:
    shutil.copytree(base.parent, tmp_path / "pkg")
    return tmp_path / "pkg" / "datapackage.json"


# --------------------------------------------------------------------------- a real report


def kon_tum_report(folder: Path) -> Path:
    """A workbook as a provincial union would make it by hand, in Vietnamese formats.

    Sheets named by title or resource, a merged title row above the header, headers renamed
    and reordered (Vietnamese titles, English titles, no diacritics), a blank row, a hidden
    row, a formula with its cached value, trailing spaces, numbers stored as text, text and
    Excel dates, commune names with "xã", without diacritics, in the official spelling, and
    a code that lost its leading zero; an extra sheet; three sheets missing.
    """
    transactions = [
        ["BÁO CÁO TÀI CHÍNH NĂM 2024", None, None, None, None, None],
        [
            "Ngày",
            "Số tiền (đồng)",
            "Mã giao dịch (transaction_id)",
            "activity_id",
            "Loai giao dich",
            "Nguồn đóng góp",
        ],
        ["15/03/2024", "25.000.000 đ", "T2024-0031 ", "2024-23536-01", "Giải ngân", None],
        [dt.datetime(2024, 6, 5), "20 triệu", "T2024-0032", "2024-23536-01", "disbursement"],
        [None, None, None, None, None, None],
        [
            "5-3-2024",
            "1,5 triệu",
            "T2024-0033",
            None,
            "Kinh phí tiếp nhận (incoming_funds)",
            "Doanh nghiệp",
        ],
        ["20/12/2024", "=1000000*3", "T2024-0034", "2024-23536-01", "expenditure", "  "],
    ]
    beneficiaries = [
        [
            "Beneficiary ID",
            "Activity ID",
            "Commune code",
            "Household size",
            "Ethnicity",
            "Sex",
            "Age band",
            "Poverty status at entry",
            "Entry year",
        ],
        ["B000934", "2024-23536-01", "xã Mô Rai", "5", "Gia Rai", "Nữ", "30-44", "Nghèo", 2024],
        ["B000935", "2024-23344-01", "XA DAK BLO", 4, "gie_trieng", "female", "18-29", "near_poor"]
        + ["2024"],
    ]
    statistics = [
        [
            "Mã xã (commune_code)",
            "Năm (year)",
            "Số hộ (households)",
            "Dân số (population)",
            "Hộ nghèo (poor_households)",
            "Hộ cận nghèo (near_poor_households)",
            "Hộ nghèo và cận nghèo (poor_or_near_poor_households)",
        ],
        [3158, 2024, " 1.234 ", "5.678", "150", 60, None],
        ["Mo Rai", "2024", 1520, "7.600", 300, "120", None],
    ]
    path = build_workbook(
        folder / "bao_cao_2024.xlsx",
        {
            "Giao dịch tài chính": transactions,
            "beneficiaries": beneficiaries,
            "commune_statistics": statistics,
            "Ghi chú": [["Số liệu do Hội LHPN tỉnh cung cấp"]],
        },
        year=None,
        hidden_rows={"Giao dịch tài chính": [7]},
        merged={"Giao dịch tài chính": ["A1:F1"]},
    )
    set_cached_value(path, "Giao dịch tài chính", "B7", 3000000)
    return path


def statistics_report(folder: Path, code: str, households: int) -> Path:
    """A province's small report: one commune's statistics for 2024."""
    statistics = [
        [
            "commune_code",
            "year",
            "households",
            "population",
            "poor_households",
            "near_poor_households",
            "poor_or_near_poor_households",
        ],
        [code, 2024, households, households * 5, 205, 90, None],
    ]
    return build_workbook(
        folder / f"{code}_2024.xlsx", {"commune_statistics": statistics}, year=None
    )


def place(plans: dict[str, dict], activity: str) -> str:
    plan = plans.get(activity)
    if plan is None:
        return "*"
    if plan["commune_code"]:
        return "C" + plan["commune_code"]
    return "P" + plan["province_code"] if plan["province_code"] else "*"


def test_vietnamese_workbook_gives_exactly_the_expected_rows(pkg, tmp_path):
    workbook = kon_tum_report(tmp_path)
    sha = hashlib.sha256(workbook.read_bytes()).hexdigest()
    source = "workbook_" + sha[:12]
    plans = {r["activity_id"]: r for r in read_csv(pkg, "plans")}
    old_tx = read_csv(pkg, "transactions")
    old_ben = read_csv(pkg, "beneficiaries")
    untouched = {n: csv_bytes(pkg, n) for n in ("plans", "outputs", "communes", "indicators")}

    dry = import_workbook(workbook, pkg, dry_run=True, year=2024)
    assert dry.ok, [p.format("en") for p in dry.errors]
    assert dry.hidden_rows == {"Giao dịch tài chính": [7]}
    assert any(p.rule == "hidden-rows" and "7" in p.format("vi") for p in dry.notes)
    assert {p.rule for p in dry.notes} >= {"rows-above-header", "extra-sheet", "missing-sheet"}
    (missing,) = find(dry.notes, "missing-sheet")
    assert missing.params["resources"] == "plans, beneficiary_followups, livestock_events"
    assert dry.written == [] and dry.files

    result = import_workbook(workbook, pkg, year=2024, now=NOW)
    assert result.ok, [p.format("en") for p in result.errors]

    new_tx = [r for r in read_csv(pkg, "transactions") if r["source_id"] == source]
    assert [list(r.values()) for r in new_tx] == [
        ["T2024-0031", "2024-23536-01", "disbursement", "2024-03-15", "25000000", "", source],
        ["T2024-0032", "2024-23536-01", "disbursement", "2024-06-05", "20000000", "", source],
        ["T2024-0033", "", "incoming_funds", "2024-03-05", "1500000", "businesses", source],
        ["T2024-0034", "2024-23536-01", "expenditure", "2024-12-20", "3000000", "", source],
    ]
    new_ben = [r for r in read_csv(pkg, "beneficiaries") if r["source_id"] == source]
    assert [list(r.values()) for r in new_ben] == [
        ["B000934", "2024-23536-01", "23536", "5", "jarai", "female", "30-44", "poor", "2024"]
        + [source],
        ["B000935", "2024-23344-01", "23344", "4", "gie_trieng", "female", "18-29", "near_poor"]
        + ["2024", source],
    ]
    stats = {(r["commune_code"], r["year"]): r for r in read_csv(pkg, "commune_statistics")}
    assert list(stats[("03158", "2024")].values()) == [
        "03158", "2024", "1234", "5678", "150", "60", "", source
    ]  # fmt: skip
    assert list(stats[("23536", "2024")].values()) == [
        "23536", "2024", "1520", "7600", "300", "120", "", source
    ]  # fmt: skip
    (source_row,) = [r for r in read_csv(pkg, "sources") if r["source_id"] == source]
    # a neutral title (import date, short hash), never the file's name; reported, not verified
    assert source_row["title"] == f"Sổ theo dõi nhập ngày 2025-01-02 (SHA-256 {sha[:12]})"
    assert source_row["kind"] == "workbook" and source_row["reliability"] == "uncertain"
    assert sha in source_row["note"] and "2025-01-02T03:04:05Z" in source_row["note"]
    for path in pkg.parent.rglob("*"):
        if path.is_file():
            assert b"bao_cao" not in path.read_bytes(), path

    # illustrative rows of the same year and place are gone; all others are kept
    gone_tx = {
        r["transaction_id"]
        for r in old_tx
        if r["source_id"] == ILLUSTRATIVE
        and r["date"].startswith("2024")
        and place(plans, r["activity_id"]) in {"C23536", "*"}
    }
    kept_tx = {r["transaction_id"] for r in old_tx} - gone_tx
    now_tx = {r["transaction_id"] for r in read_csv(pkg, "transactions")}
    assert gone_tx and not gone_tx & now_tx and kept_tx <= now_tx
    gone_ben = {
        r["beneficiary_id"]
        for r in old_ben
        if r["source_id"] == ILLUSTRATIVE
        and r["entry_year"] == "2024"
        and r["commune_code"] in {"23536", "23344"}
    }
    now_ben = {r["beneficiary_id"] for r in read_csv(pkg, "beneficiaries")}
    assert gone_ben and not gone_ben & now_ben
    assert {r["beneficiary_id"] for r in old_ben} - gone_ben <= now_ben
    assert result.changes["transactions"].removed_illustrative
    assert len(result.changes["beneficiaries"].removed_illustrative) == len(gone_ben)
    for name in ("beneficiary_followups", "livestock_events"):
        for row in read_csv(pkg, name):
            assert row["beneficiary_id"] not in gone_ben
            assert row.get("to_beneficiary_id", "") not in gone_ben

    for name, data in untouched.items():
        assert csv_bytes(pkg, name) == data
    loaded, problems = read_package(pkg)
    assert problems == []
    assert [p for p in check_package(loaded) if p.severity == "error"] == []
    assert not list((pkg.parent / "data").glob("*.tmp"))

    again = import_workbook(workbook, pkg, dry_run=True, year=2024)
    assert again.ok and not again.changed  # importing the same workbook twice changes nothing


# --------------------------------------------------------------------------- real rows


def edited_template(pkg: Path, folder: Path, edit) -> Path:
    path = folder / "mau_2024.xlsx"
    write_template(path, 2024, pkg)
    wb = openpyxl.load_workbook(path)
    edit(wb["plans"])
    wb.save(path)
    return path


def row_of(ws, activity: str) -> int:
    return next(r for r in range(2, ws.max_row + 1) if ws.cell(r, 1).value == activity)


def test_changing_a_real_value_needs_replace(pkg, tmp_path):
    def edit(ws):
        ws.cell(row_of(ws, "2024-23536-01"), 12).value = "60 triệu"

    workbook = edited_template(pkg, tmp_path, edit)
    before = package_hashes(pkg)

    dry = import_workbook(workbook, pkg, dry_run=True)
    (change,) = dry.changes["plans"].changed_real
    assert change[0] == ("2024-23536-01",)
    (field,) = change[1]
    assert (field.field, field.old, field.new, field.address) == (
        "planned_amount_vnd",
        "50000000",
        "60000000",
        "plans!L7",
    )
    assert [(p.rule, p.address) for p in dry.errors] == [("real-change", "plans!L7")]
    assert package_hashes(pkg) == before

    result = import_workbook(workbook, pkg, replace=True)
    assert result.ok, [p.format("en") for p in result.errors]
    rows = {r["activity_id"]: r for r in read_csv(pkg, "plans")}
    assert rows["2024-23536-01"]["planned_amount_vnd"] == "60000000"
    assert rows["2024-23536-01"]["source_id"] == result.source_id
    assert rows["2024-23344-01"]["source_id"] == "plan_2024_hanoi_wu"


def test_removing_a_real_row_needs_replace_and_takes_its_generated_rows(pkg, tmp_path):
    activity = "2024-23536-01"
    workbook = edited_template(pkg, tmp_path, lambda ws: ws.delete_rows(row_of(ws, activity)))
    generated = {
        name: [r for r in read_csv(pkg, name) if r["activity_id"] == activity]
        for name in ("outputs", "transactions", "beneficiaries")
    }
    assert all(
        rows and {r["source_id"] for r in rows} == {ILLUSTRATIVE} for rows in generated.values()
    )
    before = package_hashes(pkg)

    refused = import_workbook(workbook, pkg)
    assert [p.rule for p in refused.errors] == ["real-removal"]
    assert package_hashes(pkg) == before

    result = import_workbook(workbook, pkg, replace=True)
    assert result.ok, [p.format("en") for p in result.errors]
    assert result.changes["plans"].removed_real == [(activity,)]
    for name in generated:
        assert all(r["activity_id"] != activity for r in read_csv(pkg, name))
    assert len(result.changes["outputs"].removed_illustrative) == len(generated["outputs"])


def test_editing_an_illustrative_row_makes_it_real_and_replaces_its_neighbours(pkg, tmp_path):
    # Sín Thầu 2022 is illustrative (its 2023 households are published: a real row).
    path = tmp_path / "mau_2022.xlsx"
    write_template(path, 2022, pkg, include_illustrative=True, provinces=["Điện Biên"])
    wb = openpyxl.load_workbook(path)
    ws = wb["commune_statistics"]
    row = next(
        r
        for r in range(2, ws.max_row + 1)
        if ws.cell(r, 1).value == "Sín Thầu" and ws.cell(r, 2).value == 2022
    )
    ws.cell(row, 3).value = "281"
    wb.save(path)
    before = read_csv(pkg, "commune_statistics")

    result = import_workbook(path, pkg)

    assert result.ok, [p.format("en") for p in result.errors]
    change = result.changes["commune_statistics"]
    assert change.changed_illustrative == [("03154", "2022")] and change.changed_real == []
    after = {(r["commune_code"], r["year"]): r for r in read_csv(pkg, "commune_statistics")}
    assert after[("03154", "2022")]["households"] == "281"
    assert after[("03154", "2022")]["source_id"] == result.source_id
    assert len(after) == len(before)


# --------------------------------------------------------------------------- all or nothing


def test_a_failure_before_the_change_is_decided_changes_nothing(pkg, tmp_path, monkeypatch):
    from analysis import storage

    workbook = kon_tum_report(tmp_path)
    before = package_hashes(pkg)
    calls = {"n": 0}
    real_fsync = os.fsync

    def failing_fsync(fd):
        calls["n"] += 1
        if calls["n"] == 3:
            raise OSError(28, "No space left on device")
        real_fsync(fd)

    monkeypatch.setattr(storage.os, "fsync", failing_fsync)
    with pytest.raises(OSError):
        import_workbook(workbook, pkg, year=2024)
    assert package_hashes(pkg) == before  # no CSV changed, no staged file left


def test_a_rename_that_fails_after_the_decision_is_completed_by_the_next_command(
    pkg, tmp_path, monkeypatch
):
    """Once the journal is written the change is decided: a rename that fails (an I/O error)
    leaves the journal, and the next command of the toolkit completes the change."""
    from analysis import storage

    reference = tmp_path / "reference"
    shutil.copytree(pkg.parent, reference)
    workbook = kon_tum_report(tmp_path)
    assert import_workbook(workbook, reference / "datapackage.json", year=2024, now=NOW).written
    real_replace = os.replace
    calls = {"n": 0}

    def failing_replace(src, dst):
        if str(src).endswith(".tmp"):
            calls["n"] += 1
            if calls["n"] == 2:
                raise OSError(5, "I/O error")
        real_replace(src, dst)

    monkeypatch.setattr(storage.os, "replace", failing_replace)
    with pytest.raises(OSError):
        import_workbook(workbook, pkg, year=2024, now=NOW)
    monkeypatch.setattr(storage.os, "replace", real_replace)
    assert (pkg.parent / storage.JOURNAL).exists()
    assert storage.settle(pkg.parent) == "completed"
    assert package_hashes(pkg) == package_hashes(reference / "datapackage.json")


def test_a_package_changed_during_the_import_is_not_overwritten(pkg):
    from analysis import storage

    target = pkg.parent / "data" / "sources.csv"
    old = target.read_bytes()
    target.write_bytes(old + b"x")  # someone else wrote the file after it was read
    with pytest.raises(storage.PackageChangedOnDisk):
        storage.commit(
            pkg.parent,
            {"data/sources.csv": b"new"},
            {"data/sources.csv": hashlib.sha256(old).hexdigest()},
        )
    assert target.read_bytes() == old + b"x"
    assert not list(target.parent.glob(".sources.csv.*"))


def _import_and_die_after(workbook: str, package: str, steps: int) -> None:
    """In a child: import and kill the process after ``steps`` writes/renames."""
    from analysis import storage

    done = [0]

    def counted(real):
        def wrapper(*args, **kwargs):
            result = real(*args, **kwargs)
            done[0] += 1
            if done[0] >= steps:
                os._exit(137)
            return result

        return wrapper

    storage.os.replace = counted(os.replace)
    storage.os.fsync = counted(os.fsync)
    import_workbook(workbook, package, year=2024, now=NOW)
    os._exit(0)


def test_an_import_killed_after_any_write_or_rename_leaves_the_package_whole(pkg, tmp_path):
    import multiprocessing

    from analysis import storage
    from analysis.package import load_package

    workbook = kon_tum_report(tmp_path)
    old = package_hashes(pkg)
    reference = tmp_path / "reference"
    shutil.copytree(pkg.parent, reference)
    assert import_workbook(workbook, reference / "datapackage.json", year=2024, now=NOW).written
    new = package_hashes(reference / "datapackage.json")
    assert new != old
    context = multiprocessing.get_context("fork")
    seen = set()
    for steps in range(1, 60):
        copy = tmp_path / f"kill_{steps}"
        shutil.copytree(pkg.parent, copy)
        child = context.Process(
            target=_import_and_die_after,
            args=(str(workbook), str(copy / "datapackage.json"), steps),
        )
        child.start()
        child.join(120)
        storage.settle(copy)  # what the next command of the toolkit does first
        now = package_hashes(copy / "datapackage.json")
        assert now in (old, new), f"killed after {steps} steps: a mix of old and new files"
        load_package(copy / "datapackage.json")  # and it is valid
        seen.add("new" if now == new else "old")
        if child.exitcode == 0:
            break
    else:
        pytest.fail("the import did not finish within 60 steps")
    assert seen == {"old", "new"}


def _import_one(workbook: str, package: str, provinces: tuple, queue) -> None:
    result = import_workbook(workbook, package, year=2024, provinces=provinces)
    queue.put((bool(result.written), [p.format("en") for p in result.errors]))


def test_two_imports_at_once_both_land(pkg, tmp_path):
    """Two provinces import at the same moment: the lock makes them take turns, the second
    merges into what the first wrote, and both provinces' rows are in the package."""
    import multiprocessing

    from analysis.package import load_package

    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first = statistics_report(tmp_path / "a", "23536", 1530)  # Mô Rai, Kon Tum
    second = statistics_report(tmp_path / "b", "16834", 910)  # Na Loi, Nghệ An
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    jobs = ((first, ("62",)), (second, ("40",)))  # Kon Tum, Nghệ An
    workers = [
        context.Process(target=_import_one, args=(str(w), str(pkg), p, queue)) for w, p in jobs
    ]
    for w in workers:
        w.start()
    outcomes = [queue.get(timeout=120) for _ in workers]
    for w in workers:
        w.join(60)
    assert outcomes == [(True, []), (True, [])]
    sources = set(load_package(pkg)["sources"]["source_id"])
    assert len({s for s in sources if s.startswith("workbook_")}) == 2


# --------------------------------------------------------------------------- the commands


def test_register_adds_both_commands():
    from analysis.cli_parser import Parser

    parser = Parser(lang="en")
    register(parser.add_subparsers(dest="command"), "en")
    args = parser.parse_args(["import", "x.xlsx", "--dry-run", "--lang", "en"])
    assert args.dry_run and not args.replace and args.lang == "en"
    assert args.handler.__name__ == "cmd_import"
    args = parser.parse_args(["template", "--year", "2024", "--out", "t.xlsx"])
    assert args.year == 2024 and args.province == [] and args.handler.__name__ == "cmd_template"
    assert str(args.package).endswith("datapackage.json")


def test_cli_template_and_dry_run(pkg, tmp_path, capsys):
    out = tmp_path / "mau.xlsx"
    assert (
        intake_main(["template", "--year", "2024", "--out", str(out), "--package", str(pkg)]) == 0
    )
    assert "plans 16" in capsys.readouterr().out
    before = package_hashes(pkg)
    code = intake_main(["import", str(out), "--dry-run", "--package", str(pkg), "--lang", "en"])
    text = capsys.readouterr().out
    assert code == 0
    assert "Dry run" in text and "No change" in text
    assert package_hashes(pkg) == before


def test_cli_refuses_a_faulty_workbook_with_status_1(pkg, tmp_path):
    workbook = kon_tum_report(tmp_path)
    wb = openpyxl.load_workbook(workbook)
    wb["Giao dịch tài chính"]["B3"] = "50,000"
    wb.save(workbook)
    before = package_hashes(pkg)
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    run = subprocess.run(
        [sys.executable, "-m", "analysis.intake", "import", str(workbook), "--year", "2024"]
        + ["--package", str(pkg)],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        cwd=PROJECT_ROOT,
        timeout=120,
        check=False,
    )
    assert run.returncode == 1
    assert "Giao dịch tài chính!B3 [number-ambiguous]" in run.stderr
    assert "“50,000”" in run.stderr and "dấu phẩy" in run.stderr
    assert "Traceback" not in run.stderr
    assert package_hashes(pkg) == before


# --------------------------------------------------------------------------- layouts and scope


def test_two_level_merged_header_and_merged_data_cells(pkg, tmp_path):
    sheet = [
        ["Mã giao dịch (transaction_id)", "Thông tin giao dịch", None, None, "Tiền", None],
        [
            None,
            "Mã hoạt động (activity_id)",
            "Loại giao dịch (transaction_type)",
            "Ngày (date)",
            "Số tiền (đồng) (amount_vnd)",
            "Nguồn đóng góp (contributor_kind)",
        ],
        ["T2024-0031", "2024-23536-01", "Giải ngân", "15/03/2024", "10.000.000", None],
        ["T2024-0032", None, "Giải ngân", "16/03/2024", "12.000.000", None],
    ]
    workbook = build_workbook(
        tmp_path / "gop_o.xlsx",
        {"transactions": sheet},
        merged={"transactions": ["A1:A2", "B1:D1", "E1:F1", "B3:B4"]},
    )

    result = import_workbook(workbook, pkg, dry_run=True)

    assert result.ok, [p.format("en") for p in result.errors]
    assert result.changes["transactions"].added == [("T2024-0031",), ("T2024-0032",)]
    assert find(result.notes, "merged-cells")
    result = import_workbook(workbook, pkg)
    rows = {r["transaction_id"]: r for r in read_csv(pkg, "transactions")}
    assert rows["T2024-0032"]["activity_id"] == "2024-23536-01"
    assert rows["T2024-0032"]["amount_vnd"] == "12000000"


def test_provinces_limit_what_a_hand_made_workbook_can_remove(pkg, tmp_path):
    fields = list(read_csv(pkg, "plans")[0])
    kon_tum = [
        r
        for r in read_csv(pkg, "plans")
        if r["year"] == "2024" and r["province_code"] == "62" and r["source_id"] != ILLUSTRATIVE
    ]
    assert [r["activity_id"] for r in kon_tum] == [
        "2024-23344-01",
        "2024-23536-01",
        "2024-P62-01",
        "2024-P62-02",
    ]
    workbook = build_workbook(
        tmp_path / "kon_tum.xlsx",
        {"plans": [fields] + [[r[f] or None for f in fields] for r in kon_tum]},
        year=None,
    )

    scoped = import_workbook(workbook, pkg, dry_run=True, year=2024, provinces=["Kon Tum"])
    assert scoped.ok, [p.format("en") for p in scoped.errors]
    assert not scoped.changed

    unscoped = import_workbook(workbook, pkg, dry_run=True, year=2024)
    assert [p.rule for p in unscoped.errors] == ["real-removal"] * 12


def test_an_invalid_package_is_never_written(pkg, tmp_path):
    plans = pkg.parent / "data" / "plans.csv"
    text = plans.read_text(encoding="utf-8").replace("2024,commune", "2031,commune", 1)
    plans.write_text(text, encoding="utf-8")
    workbook = kon_tum_report(tmp_path)
    before = package_hashes(pkg)

    result = import_workbook(workbook, pkg, year=2024)

    assert [p.rule for p in result.errors] == ["package-invalid"]
    assert package_hashes(pkg) == before
