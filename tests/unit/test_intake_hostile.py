"""Hostile workbooks: limits, macros, formulas and hidden characters, and personal data
wherever it hides (sheet names, comments, unused sheets, the file name).

Every workbook is built here with openpyxl or zipfile. Each refusal must fail the import
(``result.ok`` False; exit status 1 from the command), say which rule and where (the file, the
sheet, the cell), and leave every file of the private package copy byte-identical.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

import openpyxl
import pytest
from helpers.intake import build_workbook, copy_package, headers, package_hashes, read_csv
from openpyxl.comments import Comment

from analysis.intake import import_workbook, write_template
from analysis.intake.cli import main as intake_main
from analysis.intake.template import TemplateError, put
from analysis.intake.workbook import LIMITS, Limits, WorkbookError, check_container

PROJECT_ROOT = Path(__file__).resolve().parents[2]
TX_ROW = ["T2024-0031", "2024-23536-01", "Giải ngân (disbursement)", "15/03/2024", "25.000.000 đ"]


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Path:
    return copy_package(tmp_path_factory.mktemp("base"))


@pytest.fixture
def pkg(base: Path, tmp_path: Path) -> Path:
    shutil.copytree(base.parent, tmp_path / "pkg")
    return tmp_path / "pkg" / "datapackage.json"


def tx_book(pkg: Path, path: Path, *rows, **sheets) -> Path:
    """A workbook with a transactions sheet (one valid row by default) and extra sheets."""
    return build_workbook(
        path, {"transactions": [headers(pkg, "transactions"), *(rows or [TX_ROW])], **sheets}
    )


def refused(pkg: Path, workbook: Path, **options):
    """Import; check it failed and changed nothing; return the errors as (sheet, cell, rule)."""
    before = package_hashes(pkg)
    result = import_workbook(workbook, pkg, **options)
    assert not result.ok
    assert not result.written
    assert package_hashes(pkg) == before
    return result, [(p.sheet, p.cell, p.rule) for p in result.errors]


def rewrite(path: Path, change) -> None:
    """Rewrite a workbook's ZIP members: ``change(members)`` edits the dict in place."""
    with zipfile.ZipFile(path) as zin:
        members = {n: zin.read(n) for n in zin.namelist()}
    change(members)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zout:
        for name, data in members.items():
            zout.writestr(name, data)
    path.write_bytes(buffer.getvalue())


def sheet_member(path: Path, title: str) -> str:
    return f"xl/worksheets/sheet{openpyxl.load_workbook(path).sheetnames.index(title) + 1}.xml"


def set_text(path: Path, sheet: str, ref: str, text: str) -> None:
    """Store ``text`` in a cell as text, exactly: openpyxl would make ``=…`` a formula and cut
    a text at 32,767 characters, so the sheet's XML is edited instead."""
    member = sheet_member(path, sheet)

    def change(members):
        xml = members[member].decode()
        new = f'<c r="{ref}" t="inlineStr"><is><t>{escape(text)}</t></is></c>'
        xml, n = re.subn(rf'<c r="{ref}"[^>]*?(/>|>.*?</c>)', lambda m: new, xml, count=1)
        assert n == 1, f"no cell {ref} in {sheet}"
        members[member] = xml.encode()

    rewrite(path, change)


# --------------------------------------------------------------------------- size limits

XFD_SCRIPT = textwrap.dedent(
    """
    import resource, sys
    limit = 1024 ** 3
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    from analysis.intake import import_workbook
    result = import_workbook(sys.argv[1], sys.argv[2], dry_run=True)
    print(result.ok, [p.rule for p in result.problems])
    """
)


def test_a_cell_at_xfd1048576_on_an_unused_sheet_costs_one_cell(pkg, tmp_path):
    """Before: the reader asked openpyxl for every cell up to the sheet's last one (1,048,576
    rows × 16,384 columns): MemoryError after 91 s at a 6 GB address-space limit. Now only the
    cells present are read: the import runs under a 1 GB address-space limit."""
    path = tx_book(pkg, tmp_path / "xa.xlsx", **{"Ghi chú": [["ghi chú"]]})
    wb = openpyxl.load_workbook(path)
    wb["Ghi chú"]["XFD1048576"] = "x"
    wb.save(path)
    assert path.stat().st_size < 40_000
    before = package_hashes(pkg)

    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT / "src")}
    # The guardrail is memory (a 1 GB address-space limit in the child), not time: speed is
    # the benchmark's business. The timeout only stops a hang.
    run = subprocess.run(
        [sys.executable, "-c", XFD_SCRIPT, str(path), str(pkg)],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )

    assert run.returncode == 0, run.stderr[-2000:]
    ok, rules = run.stdout.split(" ", 1)
    assert ok == "True" and "extra-sheet" in rules
    assert package_hashes(pkg) == before


def test_a_cell_at_xfd1048576_on_an_imported_sheet_is_refused_by_name(pkg, tmp_path):
    path = tx_book(pkg, tmp_path / "xa.xlsx")
    wb = openpyxl.load_workbook(path)
    wb["transactions"]["XFD1048576"] = "x"
    wb.save(path)

    result, errors = refused(pkg, path)

    assert errors == [("transactions", "XFD1048576", "sheet-too-large")]
    text = result.errors[0].format("en")
    assert "100000 rows" in text and "500 columns" in text and "Ctrl+End" in text


def test_too_many_cells_in_a_sheet_stops_reading(pkg, tmp_path):
    """One row of 200,001 empty formatted cells: a few MB of XML, refused while streaming."""
    path = tx_book(pkg, tmp_path / "dong.xlsx", **{"Ghi chú": [["x"]]})
    member = sheet_member(path, "Ghi chú")
    cells = "".join(f'<c r="A{r}" s="0"/>' for r in range(1, LIMITS.cells_per_sheet + 2))

    def change(members):
        xml = members[member].decode()
        members[member] = re.sub(
            r"<sheetData>.*</sheetData>",
            f'<sheetData><row r="1">{cells}</row></sheetData>',
            xml,
            flags=re.S,
        ).encode()

    rewrite(path, change)
    result, errors = refused(pkg, path)
    assert errors == [("Ghi chú", None, "sheet-too-many-cells")]


def zip_bomb(path: Path, workbook: Path, unpacked_mb: int) -> Path:
    """A valid workbook plus a member of zeros that inflates to ``unpacked_mb`` MB."""
    shutil.copyfile(workbook, path)
    chunk = bytes(1024 * 1024)
    with (
        zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as zf,
        zf.open("xl/media/image1.png", "w", force_zip64=True) as fh,
    ):
        for _ in range(unpacked_mb):
            fh.write(chunk)
    return path


def test_a_zip_bomb_is_refused_from_the_directory_before_anything_is_inflated(
    pkg, tmp_path, monkeypatch
):
    plain = tx_book(pkg, tmp_path / "plain.xlsx")
    bomb = zip_bomb(tmp_path / "bom.xlsx", plain, 201)
    assert bomb.stat().st_size < 1_000_000

    def no_inflating(*args, **kwargs):
        raise AssertionError("a member was opened")

    monkeypatch.setattr(zipfile.ZipFile, "open", no_inflating)
    result, errors = refused(pkg, bomb)

    assert errors == [(None, None, "unpacked-too-large")]
    (problem,) = result.errors
    assert problem.location("vi") == "bom.xlsx"
    assert "200 MB" in problem.format("en") and "201.0 MB" in problem.format("en")


def test_a_file_over_the_size_limit_is_not_read(pkg, tmp_path):
    big = tmp_path / "lon.xlsx"
    with big.open("wb") as fh:
        fh.truncate(LIMITS.file_bytes + 1)  # sparse: no disk used

    result, errors = refused(pkg, big)

    assert errors == [(None, None, "file-too-large")]
    assert result.errors[0].format("en").startswith("lon.xlsx [file-too-large] the file is 50.0 MB")


MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"


def excel_style_book(path: Path, rows: list[list[str]]) -> Path:
    """A workbook as Excel writes it: text in a shared-string table (one item as rich-text
    runs with a phonetic run, which is not part of the text), numbers as numbers."""
    strings: list[str] = []
    xml_rows = []
    for r, row in enumerate(rows, start=1):
        cells = []
        for c, value in enumerate(row):
            ref = f"{chr(65 + c)}{r}"
            if isinstance(value, str):
                strings.append(value)
                cells.append(f'<c r="{ref}" t="s"><v>{len(strings) - 1}</v></c>')
            else:
                cells.append(f'<c r="{ref}"><v>{value}</v></c>')
        xml_rows.append(f'<row r="{r}">{"".join(cells)}</row>')
    items = [f"<si><t>{s}</t></si>" for s in strings]
    items[0] = (
        f"<si><r><t>{strings[0][:3]}</t></r><r><t>{strings[0][3:]}</t></r><rPh><t>x</t></rPh></si>"
    )
    members = {
        "[Content_Types].xml": '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="xml" ContentType="application/xml"/></Types>',
        "_rels/.rels": f'<Relationships xmlns="{PACKAGE_RELS}">'
        f'<Relationship Id="rId1" Type="{RELS}/officeDocument" Target="xl/workbook.xml"/>'
        "</Relationships>",
        "xl/workbook.xml": f'<workbook xmlns="{MAIN}" xmlns:r="{RELS}"><sheets>'
        '<sheet name="transactions" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": f'<Relationships xmlns="{PACKAGE_RELS}">'
        f'<Relationship Id="rId1" Type="{RELS}/worksheet" Target="worksheets/sheet1.xml"/>'
        f'<Relationship Id="rId2" Type="{RELS}/sharedStrings" Target="sharedStrings.xml"/>'
        "</Relationships>",
        "xl/worksheets/sheet1.xml": f'<worksheet xmlns="{MAIN}"><dimension ref="A1:XFD1048576"/>'
        f"<sheetData>{''.join(xml_rows)}</sheetData></worksheet>",
        "xl/sharedStrings.xml": f'<sst xmlns="{MAIN}">{"".join(items)}</sst>',
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def test_an_excel_style_workbook_reads_its_shared_strings(pkg, tmp_path):
    row = ["T2024-0031", "2024-23536-01", "Giải ngân (disbursement)", "15/03/2024", 25000000]
    path = excel_style_book(tmp_path / "excel.xlsx", [headers(pkg, "transactions"), row])

    result = import_workbook(path, pkg, dry_run=True, year=2024)

    assert result.ok, [p.format("en") for p in result.errors]
    assert result.changes["transactions"].added == [("T2024-0031",)]


def test_too_many_members_strings_or_elements_are_refused(pkg, tmp_path):
    path = tx_book(pkg, tmp_path / "nhieu.xlsx")
    _, errors = refused(pkg, path, limits=Limits(members=5))
    assert errors == [(None, None, "too-many-parts")]

    _, errors = refused(pkg, path, limits=Limits(xml_elements=50))
    assert errors == [(None, None, "too-complex")]

    _, errors = refused(pkg, path, limits=Limits(sheets=1))
    assert errors == [(None, None, "too-many-sheets")]

    _, errors = refused(pkg, path, limits=Limits(cells=10))
    assert errors == [(None, None, "too-many-cells")]

    row = ["T2024-0031", "2024-23536-01", "Giải ngân (disbursement)", "15/03/2024", 25000000]
    excel = excel_style_book(tmp_path / "excel.xlsx", [headers(pkg, "transactions"), row])
    _, errors = refused(pkg, excel, year=2024, limits=Limits(shared_strings=3))
    assert errors == [(None, None, "too-complex")]


def test_an_xml_entity_bomb_is_not_expanded(pkg, tmp_path):
    path = tx_book(pkg, tmp_path / "laugh.xlsx")
    member = sheet_member(path, "transactions")
    entities = '<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]>'

    def change(members):
        xml = members[member].decode()
        members[member] = (
            xml.replace("?>", "?>" + entities, 1).replace("T2024-0031", "&b;").encode()
        )

    rewrite(path, change)
    _, errors = refused(pkg, path)
    assert errors == [(None, None, "not-xlsx")]


# --------------------------------------------------------------------------- macros


def test_an_xlsm_file_is_refused_by_its_name(pkg, tmp_path):
    path = tx_book(pkg, tmp_path / "so_lieu.xlsm")
    result, errors = refused(pkg, path)
    assert errors == [(None, None, "macros")]
    assert result.errors[0].format("vi").startswith("so_lieu.xlsm [macros] tệp có macro")


def test_a_vba_project_inside_an_xlsx_is_refused(pkg, tmp_path):
    path = tx_book(pkg, tmp_path / "so_lieu.xlsx")
    rewrite(path, lambda m: m.update({"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0" + bytes(60)}))
    result, errors = refused(pkg, path)
    assert errors == [(None, None, "macros")]
    assert "xl/vbaProject.bin" in result.errors[0].format("en")


def test_an_excel_4_macro_sheet_is_refused(pkg, tmp_path):
    path = tx_book(pkg, tmp_path / "so_lieu.xlsx")

    def change(members):
        types = members["[Content_Types].xml"].decode()
        members["[Content_Types].xml"] = types.replace(
            "</Types>",
            '<Override PartName="/xl/macrosheets/sheet1.xml" '
            'ContentType="application/vnd.ms-excel.macrosheet+xml"/></Types>',
        ).encode()
        members["xl/macrosheets/sheet1.xml"] = b"<xm:macrosheet/>"

    rewrite(path, change)
    _, errors = refused(pkg, path)
    assert errors == [(None, None, "macros")]


def test_the_command_exits_non_zero_naming_the_file_and_the_rule(pkg, tmp_path):
    path = tx_book(pkg, tmp_path / "bao_cao.xlsm")
    before = package_hashes(pkg)
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT / "src")}

    run = subprocess.run(
        [sys.executable, "-m", "analysis", "import", str(path), "--package", str(pkg)],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        cwd=tmp_path,
    )

    assert run.returncode == 1
    assert "bao_cao.xlsm [macros]" in run.stderr
    assert package_hashes(pkg) == before


def test_check_container_refuses_before_reading_any_member(tmp_path):
    with pytest.raises(WorkbookError) as info:
        check_container(b"PK\x03\x04 not a zip")
    assert info.value.rule == "not-xlsx"
    with pytest.raises(WorkbookError) as info:
        check_container(b"x" * 11, limits=Limits(file_bytes=10))
    assert info.value.rule == "file-too-large"


# --------------------------------------------------------------------------- text


def plans_book(pkg: Path, path: Path, description: str) -> Path:
    """A 2023 plans sheet (illustrative rows only: nothing real would be removed) with one
    row whose description (I2) is ``description``, stored as text."""
    row = [
        "2023-23536-05",
        2023,
        "Xã (commune)",
        "Mô Rai",
        "Kon Tum",
        "Mái ấm tình thương (charity_house)",
        None,
        "hanoi_wu",
        "mô tả",
        1,
        "nhà (house)",
        "50.000.000",
        "Không",
    ]
    build_workbook(path, {"plans": [headers(pkg, "plans"), row]}, year=2023)
    set_text(path, "plans", "I2", description)
    return path


@pytest.mark.parametrize(
    ("description", "rule"),
    [
        ('=HYPERLINK("http://x","bấm vào đây")', "formula-text"),
        ("+1+cmd|' /C calc'!A0", "formula-text"),
        ("@SUM(1,2)", "formula-text"),
        ("-2+3", "formula-text"),
        ("  =1+1", "formula-text"),  # leading spaces are removed on import
        ("Trao bò_x0000_ giống", "control-character"),  # Excel's escape for U+0000
        ("Trao bò_x001B_[2J", "control-character"),
        ("Trao bò_x000D_ giống", "control-character"),
        ("Trao bò\u202egiống", "bidi-control"),
        ("Trao \u2066bò\u2069", "bidi-control"),
        ("x" * 40_000, "text-too-long"),
    ],
    ids=lambda v: v[:20] if isinstance(v, str) else v,
)
def test_text_a_spreadsheet_would_run_or_hide_is_refused_at_its_cell(
    pkg, tmp_path, description, rule
):
    path = plans_book(pkg, tmp_path / "so.xlsx", description)

    result, errors = refused(pkg, path)

    assert errors == [("plans", "I2", rule)]
    line = result.errors[0].format("en")
    assert line.startswith(f"plans!I2 [{rule}]")
    assert not re.search("[\x00-\x1f\u202e\u2066\u2069]", line)


def test_a_bullet_and_negative_numbers_are_not_formulas(pkg, tmp_path):
    path = write_template(tmp_path / "mau.xlsx", 2024, pkg).path
    wb = openpyxl.load_workbook(path)
    assert wb["plans"]["A2"].value == "2024-03158-01"
    wb["plans"]["I2"] = "- Xây 01 mái ấm; tặng 50 suất quà"
    wb.save(path)

    result = import_workbook(path, pkg, dry_run=True, replace=True)

    assert result.ok, [p.format("en") for p in result.errors]
    ((key, (change,)),) = result.changes["plans"].changed_real
    assert key == ("2024-03158-01",) and change.new == "- Xây 01 mái ấm; tặng 50 suất quà"

    negative = list(TX_ROW)
    negative[4] = "-5"  # a number (below the minimum), not a formula
    _, errors = refused(pkg, tx_book(pkg, tmp_path / "am.xlsx", negative))
    assert [rule for _, _, rule in errors] == ["minimum"]


def test_a_long_text_on_an_unused_sheet_is_refused_too(pkg, tmp_path):
    path = tx_book(pkg, tmp_path / "dai.xlsx", **{"Ghi chú": [["x"]]})
    set_text(path, "Ghi chú", "A1", "x" * 40_000)
    _, errors = refused(pkg, path)
    assert errors == [("Ghi chú", "A1", "text-too-long")]


# --------------------------------------------------------------------------- personal data


def test_personal_data_in_a_sheet_name_is_refused_without_printing_it(pkg, tmp_path):
    path = tx_book(pkg, tmp_path / "so.xlsx", **{"Giàng Thị Mỷ": [["bò giống"], ["02 con"]]})

    result, errors = refused(pkg, path)

    assert errors == [(None, None, "pii-sheet-name")]
    text = "\n".join(p.format(lang) for p in result.errors for lang in ("vi", "en"))
    assert "G*** T*** M***" in text and "sheet 2" in text
    assert "Giàng" not in text and "Mỷ" not in text


def test_personal_data_in_a_comment_is_refused_at_its_cell(pkg, tmp_path):
    path = tx_book(pkg, tmp_path / "so.xlsx")
    wb = openpyxl.load_workbook(path)
    wb["transactions"]["E2"].comment = Comment("Đã chuyển cho chị Lò Thị Xuân, ĐT 0912345678", "x")
    wb.save(path)

    result, errors = refused(pkg, path)

    assert sorted(errors) == [
        ("transactions", "E2", "pii-comment"),
        ("transactions", "E2", "pii-comment"),
    ]
    text = "\n".join(p.format("en") for p in result.errors)
    assert "0***78" in text and "c*** L*** T*** X***" in text
    assert "0912345678" not in text and "Xuân" not in text


def test_personal_data_in_a_threaded_comment_is_refused(pkg, tmp_path):
    """Excel 365's threaded comments live in their own part, linked from the sheet."""
    path = tx_book(pkg, tmp_path / "so.xlsx")
    member = sheet_member(path, "transactions")
    folder, name = member.rsplit("/", 1)

    def change(members):
        members[f"{folder}/_rels/{name}.rels"] = (
            f'<Relationships xmlns="{PACKAGE_RELS}"><Relationship Id="rId9" '
            'Type="http://schemas.microsoft.com/office/2017/10/relationships/threadedComment" '
            'Target="../threadedComments/threadedComment1.xml"/></Relationships>'
        ).encode()
        members["xl/threadedComments/threadedComment1.xml"] = (
            '<ThreadedComments xmlns="http://schemas.microsoft.com/office/spreadsheetml/2018/'
            'threadedcomments"><threadedComment ref="D2" id="{1}" personId="{2}">'
            "<text>Đã gọi cho Sùng A Páo</text></threadedComment></ThreadedComments>"
        ).encode()

    rewrite(path, change)
    result, errors = refused(pkg, path)
    assert errors == [("transactions", "D2", "pii-comment")]
    assert "S*** A*** P***" in result.errors[0].format("vi")


def test_the_author_excel_writes_into_a_comment_is_not_content(pkg, tmp_path):
    path = tx_book(pkg, tmp_path / "so.xlsx")
    wb = openpyxl.load_workbook(path)
    wb["transactions"]["E2"].comment = Comment(
        "Nguyễn Văn Hùng:\nsố liệu đã đối chiếu", "Nguyễn Văn Hùng"
    )
    wb.save(path)

    assert import_workbook(path, pkg, dry_run=True).ok


def test_personal_data_on_an_unused_sheet_is_refused(pkg, tmp_path):
    path = tx_book(
        pkg, tmp_path / "so.xlsx", **{"Danh sách": [["STT", "Hộ"], [1, "hộ bà Vàng Thị Dở"]]}
    )
    _, errors = refused(pkg, path)
    assert errors == [("Danh sách", "B2", "pii-name")]


@pytest.mark.parametrize(
    "name", ["giang_thi_my.xlsx", "Sùng A Páo 2024.xlsx", "ds_0912345678.xlsx", "001234567890.xlsx"]
)
def test_personal_data_in_the_file_name_is_refused(pkg, tmp_path, name):
    _, errors = refused(pkg, tx_book(pkg, tmp_path / name))
    assert [rule for _, _, rule in errors] == ["pii-file-name"]


# --------------------------------------------------------------------------- the source row


def test_the_file_name_is_nowhere_in_the_package_and_reliability_is_as_reported(
    pkg, tmp_path, capsys
):
    path = tx_book(pkg, tmp_path / "bao_cao_Mo_Rai_2024.xlsx")

    code = intake_main(["import", str(path), "--package", str(pkg), "--dry-run", "--lang", "en"])
    out = capsys.readouterr().out
    assert code == 0
    assert "reliability “uncertain”" in out and "--verified" in out

    code = intake_main(["import", str(path), "--package", str(pkg)])
    assert code == 0
    (row,) = [r for r in read_csv(pkg, "sources") if r["kind"] == "workbook"]
    assert re.fullmatch(
        r"Sổ theo dõi nhập ngày \d{4}-\d{2}-\d{2} \(SHA-256 [0-9a-f]{12}\)", row["title"]
    )
    assert row["reliability"] == "uncertain"
    assert re.search(r"SHA-256 [0-9a-f]{64}", row["note"])
    for file in pkg.parent.rglob("*"):
        if file.is_file():
            content = file.read_bytes()
            assert b"bao_cao" not in content and b"Mo_Rai_2024" not in content, file


def test_verified_records_verified(pkg, tmp_path, capsys):
    path = tx_book(pkg, tmp_path / "so.xlsx")
    assert intake_main(["import", str(path), "--package", str(pkg), "--verified", "--dry-run"]) == 0
    assert "“verified”" in capsys.readouterr().out
    assert intake_main(["import", str(path), "--package", str(pkg), "--verified"]) == 0
    (row,) = [r for r in read_csv(pkg, "sources") if r["kind"] == "workbook"]
    assert row["reliability"] == "verified"


# --------------------------------------------------------------------------- the template


def cells(workbook):
    """Every non-empty cell of every sheet."""
    for ws in workbook.worksheets:
        for row in ws.iter_rows():
            yield from (c for c in row if c.value is not None)


def test_the_template_stores_every_text_as_text(pkg, tmp_path):
    out = write_template(tmp_path / "mau.xlsx", 2024, pkg, include_illustrative=True).path
    workbook = openpyxl.load_workbook(out)
    assert [c.coordinate for c in cells(workbook) if c.data_type == "f"] == []
    with zipfile.ZipFile(out) as zf:
        sheets = [n for n in zf.namelist() if n.startswith("xl/worksheets/sheet")]
        assert sheets and not any(b"<f>" in zf.read(n) for n in sheets)


@pytest.mark.parametrize("text", ['=HYPERLINK("http://x","y")', "+84 912", "-5 hộ", "@x", "#N/A"])
def test_put_never_writes_a_formula(tmp_path, text):
    """The package's loader refuses such text already; the writer does not rely on it."""
    workbook = openpyxl.Workbook()
    cell = put(workbook.active, 2, 9, text)
    assert cell.data_type == "s" and cell.value == text
    assert cell.quotePrefix is (text[0] in "=+-@")
    workbook.save(tmp_path / "x.xlsx")
    back = openpyxl.load_workbook(tmp_path / "x.xlsx").active["I2"]
    assert back.data_type == "s" and back.value == text


def test_the_template_refuses_a_text_longer_than_a_cell(pkg, tmp_path):
    plans = pkg.parent / "data" / "plans.csv"
    text = plans.read_text(encoding="utf-8")
    text = text.replace(
        "Trao kinh phí hỗ trợ xây, sửa 01 Mái ấm tình thương tại xã Leng Su Sìn", "x" * 40_000, 1
    )
    plans.write_text(text, encoding="utf-8")

    with pytest.raises(TemplateError) as info:
        write_template(tmp_path / "mau.xlsx", 2024, pkg)

    assert info.value.rule == "text-too-long"
    message = info.value.message("en")
    # 40,000 + len(", trị giá 50.000.000 đồng.") = 40,026
    assert message.startswith("plans!I2: the text is 40026 characters long")
    assert "32767" in message
    assert not (tmp_path / "mau.xlsx").exists()
