"""Tests for the strict loader: the bundled package, then one broken copy per kind of fault.

Every broken copy breaks one thing in a private copy of the package and asserts the exact
(file, row, field, rule) of what the loader reports. Rows are counted as frictionless counts
them: the header is row 1. Rows are picked by content, never by position.
"""

from __future__ import annotations

import json
import socket
from pathlib import Path

import frictionless
import pandas as pd
import pytest

from analysis.errors import PackageInvalid
from analysis.package import Package, load_package, read_package
from analysis.paths import DATAPACKAGE
from analysis.validation import frictionless_problems

PLANS = "data/plans.csv"
COMMUNES = "data/communes.csv"
SOURCES = "data/sources.csv"
# The Mô Rai charity house of the 2024 plan (transcribed, never regenerated):
# 2024, commune scope, 23536 / 62, 1 house, 50,000,000 đồng, not conditional.
MO_RAI_HOUSE = "2024-23536-01"


def where(problems) -> list[tuple]:
    """The locations of ``problems``: (file, row, field, rule)."""
    return [(p.file, p.row, p.field, p.rule) for p in problems]


def problems_of(pkg_path: Path) -> list[tuple]:
    _, problems = read_package(pkg_path)
    return where(problems)


def descriptor_fields() -> list[tuple[str, str, str]]:
    descriptor = json.loads(DATAPACKAGE.read_text(encoding="utf-8"))
    return [
        (res["name"], fld["name"], fld.get("type", "string"))
        for res in descriptor["resources"]
        for fld in res["schema"]["fields"]
    ]


@pytest.fixture(scope="module")
def bundled() -> tuple[Package, list]:
    return read_package(DATAPACKAGE)


# --- the bundled package --------------------------------------------------------------------


def test_bundled_package_has_no_problems(bundled):
    pkg, problems = bundled
    assert problems == []
    descriptor = json.loads(DATAPACKAGE.read_text(encoding="utf-8"))
    assert list(pkg.frames) == [res["name"] for res in descriptor["resources"]]
    assert len(pkg.frames) == len(pkg.descriptor["resources"]) == 20


def test_load_package_defaults_to_the_bundled_package():
    pkg = load_package()
    assert pkg.path == DATAPACKAGE.resolve()
    assert pkg.sha256 == load_package(DATAPACKAGE).sha256


def test_frames_have_one_row_per_csv_record(bundled, csv_rows):
    pkg, _ = bundled
    for name in pkg.frames:
        rows = csv_rows(DATAPACKAGE, name)
        assert len(pkg[name]) == len(rows) - 1, name
        assert list(pkg[name].columns) == rows[0], name


@pytest.mark.parametrize(("resource", "field", "ftype"), descriptor_fields())
def test_every_field_has_the_dtype_of_its_schema_type(bundled, resource, field, ftype):
    dtype = bundled[0][resource][field].dtype
    if ftype == "integer":
        assert dtype == pd.Int64Dtype()
    elif ftype == "number":
        assert dtype == pd.Float64Dtype()
    elif ftype == "boolean":
        assert dtype == pd.BooleanDtype()
    elif ftype == "date":
        assert pd.api.types.is_datetime64_dtype(dtype)
    else:
        assert ftype == "string"
        assert isinstance(dtype, pd.StringDtype)


def test_typed_values_of_a_transcribed_plan_row(bundled):
    plans = bundled[0]["plans"].set_index("activity_id")
    row = plans.loc[MO_RAI_HOUSE]
    assert row["year"] == 2024
    assert row["scope"] == "commune"
    assert row["planned_units"] == 1.0
    assert row["planned_amount_vnd"] == 50_000_000
    assert pd.notna(row["is_conditional"])
    assert not row["is_conditional"]
    # Empty cells are missing values, not empty strings.
    assert pd.isna(row["livelihood_model"])
    assert pd.isna(plans.loc["2024-ALL-01", "planned_amount_vnd"])
    assert bool(plans.loc["2024-ALL-01", "is_conditional"]) is True


def test_dates_are_parsed(bundled):
    sources = bundled[0]["sources"].set_index("source_id")
    assert sources.loc["agreement_967_2020", "date"] == pd.Timestamp("2020-12-28")
    assert pd.isna(sources.loc["baolamdong_2025", "date"])


def test_codes_keep_their_leading_zeros(bundled):
    pkg, _ = bundled
    communes = pkg["communes"].set_index("commune_code")
    assert "03154" in communes.index
    assert communes.loc["03154", "name_official"] == "Sín Thầu"
    assert communes.loc["03154", "district_code"] == "096"
    assert communes.loc["03154", "province_code"] == "11"
    assert communes.loc["03154", "partner_from"] == 2021
    assert communes.loc["03154", "partner_to"] == 2023
    plans = pkg["plans"].set_index("activity_id")
    assert plans.loc["2024-03158-01", "commune_code"] == "03158"
    assert plans.loc["2024-03158-01", "province_code"] == "11"


# --- one broken copy per kind of fault: cells ------------------------------------------------


@pytest.mark.parametrize(
    ("resource", "key", "field", "bad", "ftype"),
    [
        ("plans", {"activity_id": MO_RAI_HOUSE}, "planned_amount_vnd", "50.000.000", "integer"),
        ("plans", {"activity_id": MO_RAI_HOUSE}, "year", "2024.0", "integer"),
        ("plans", {"activity_id": MO_RAI_HOUSE}, "planned_units", "một", "number"),
        ("plans", {"activity_id": MO_RAI_HOUSE}, "is_conditional", "có", "boolean"),
        ("sources", {"source_id": "agreement_967_2020"}, "date", "28/12/2020", "date"),
        ("sources", {"source_id": "agreement_967_2020"}, "date", "2020-02-30", "date"),
    ],
)
def test_wrong_type(package_copy, find_row, set_cell, resource, key, field, bad, ftype):
    row = find_row(package_copy, resource, **key)
    set_cell(package_copy, resource, row, field, bad)
    _, problems = read_package(package_copy)
    assert where(problems) == [(f"data/{resource}.csv", row, field, "type")]
    assert problems[0].params == {"type": ftype, "value": bad}
    assert problems[0].severity == "error"


def test_value_outside_enum(package_copy, find_row, set_cell):
    row = find_row(package_copy, "plans", activity_id=MO_RAI_HOUSE)
    set_cell(package_copy, "plans", row, "activity_type", "nha_tinh_thuong")
    assert problems_of(package_copy) == [(PLANS, row, "activity_type", "enum")]


def test_enum_is_case_sensitive(package_copy, find_row, set_cell):
    row = find_row(package_copy, "plans", activity_id=MO_RAI_HOUSE)
    set_cell(package_copy, "plans", row, "unit", "House")
    assert problems_of(package_copy) == [(PLANS, row, "unit", "enum")]


def test_pattern_violation_without_reference(package_copy, find_row, set_cell):
    # district_code is \d{3} and nothing refers to it: exactly one problem.
    row = find_row(package_copy, "communes", commune_code="03154")
    set_cell(package_copy, "communes", row, "district_code", "96")
    assert problems_of(package_copy) == [(COMMUNES, row, "district_code", "pattern")]


def test_pattern_is_anchored(package_copy, find_row, set_cell):
    # "011" contains two digits but is not two digits: the pattern must match the whole value.
    row = find_row(package_copy, "plans", activity_id="2024-03158-01")
    set_cell(package_copy, "plans", row, "province_code", "011")
    assert problems_of(package_copy) == [(PLANS, row, "province_code", "pattern")]


def test_commune_code_without_leading_zero_in_plans(package_copy, find_row, set_cell):
    # What a spreadsheet does to "03158": the pattern fails, and "3158" is no commune either.
    row = find_row(package_copy, "plans", activity_id="2024-03158-01")
    set_cell(package_copy, "plans", row, "commune_code", "3158")
    assert sorted(problems_of(package_copy)) == [
        (PLANS, row, "commune_code", "foreign-key"),
        (PLANS, row, "commune_code", "pattern"),
    ]


def test_commune_code_without_leading_zero_in_communes(package_copy, csv_rows, find_row, set_cell):
    row = find_row(package_copy, "communes", commune_code="03154")
    set_cell(package_copy, "communes", row, "commune_code", "3154")
    # Every row that refers to 03154 now dangles (foreign keys to communes.commune_code).
    descriptor = json.loads(package_copy.read_text(encoding="utf-8"))
    dangling = []
    for res in descriptor["resources"]:
        for fk in res["schema"].get("foreignKeys", []):
            if fk["reference"]["resource"] == "communes":
                (local,) = fk["fields"]
                rows = csv_rows(package_copy, res["name"])
                col = rows[0].index(local)
                dangling += [
                    (res["path"], n, local, "foreign-key")
                    for n, r in enumerate(rows[1:], start=2)
                    if r[col] == "03154"
                ]
    expected = [(COMMUNES, row, "commune_code", "pattern"), *dangling]
    assert sorted(problems_of(package_copy)) == sorted(expected)


@pytest.mark.parametrize(
    ("resource", "key", "field", "bad", "rule"),
    [
        ("plans", {"activity_id": MO_RAI_HOUSE}, "year", "2031", "maximum"),
        ("plans", {"activity_id": MO_RAI_HOUSE}, "year", "2020", "minimum"),
        ("plans", {"activity_id": MO_RAI_HOUSE}, "planned_amount_vnd", "-1", "minimum"),
        ("plans", {"activity_id": MO_RAI_HOUSE}, "planned_amount_vnd", "10000000001", "maximum"),
        ("plans", {"activity_id": MO_RAI_HOUSE}, "planned_units", "-0.5", "minimum"),
        ("communes", {"commune_code": "03154"}, "latitude", "7.99", "minimum"),
        ("communes", {"commune_code": "03154"}, "longitude", "110.01", "maximum"),
    ],
)
def test_minimum_and_maximum(package_copy, find_row, set_cell, resource, key, field, bad, rule):
    row = find_row(package_copy, resource, **key)
    set_cell(package_copy, resource, row, field, bad)
    assert problems_of(package_copy) == [(f"data/{resource}.csv", row, field, rule)]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("year", "2021"),
        ("year", "2025"),
        ("planned_amount_vnd", "0"),
        ("planned_amount_vnd", "10000000000"),
        ("planned_amount_vnd", "+50000000"),
    ],
)
def test_bounds_are_inclusive(package_copy, find_row, set_cell, field, value):
    row = find_row(package_copy, "plans", activity_id=MO_RAI_HOUSE)
    set_cell(package_copy, "plans", row, field, value)
    assert problems_of(package_copy) == []


def test_transaction_date_before_the_programme(package_copy, csv_rows, set_cell):
    rows = csv_rows(package_copy, "transactions")
    if len(rows) < 2:
        pytest.skip("no transaction rows yet")
    set_cell(package_copy, "transactions", 2, "date", "2020-12-31")
    assert problems_of(package_copy) == [("data/transactions.csv", 2, "date", "minimum")]


def test_required_cell_empty(package_copy, find_row, set_cell):
    row = find_row(package_copy, "plans", activity_id=MO_RAI_HOUSE)
    set_cell(package_copy, "plans", row, "description_vi", "")
    assert problems_of(package_copy) == [(PLANS, row, "description_vi", "required")]


def test_optional_cell_empty_is_fine(package_copy, find_row, set_cell):
    row = find_row(package_copy, "plans", activity_id=MO_RAI_HOUSE)
    set_cell(package_copy, "plans", row, "planned_amount_vnd", "")
    assert problems_of(package_copy) == []
    pkg, _ = read_package(package_copy)
    assert pd.isna(pkg["plans"].set_index("activity_id").loc[MO_RAI_HOUSE, "planned_amount_vnd"])


# --- keys -----------------------------------------------------------------------------------


def test_duplicate_primary_key(package_copy, find_row, get_row, append_row):
    original = find_row(package_copy, "plans", activity_id=MO_RAI_HOUSE)
    copy_row = append_row(package_copy, "plans", get_row(package_copy, "plans", original))
    _, problems = read_package(package_copy)
    # The first occurrence stays; the later one is the duplicate.
    assert where(problems) == [(PLANS, copy_row, "activity_id", "primary-key")]
    assert problems[0].params["value"] == MO_RAI_HOUSE


def test_duplicate_composite_primary_key(package_copy, find_row, get_row, append_row):
    original = find_row(package_copy, "commune_statistics", commune_code="23344", year="2025")
    values = get_row(package_copy, "commune_statistics", original)
    copy_row = append_row(package_copy, "commune_statistics", values)
    _, problems = read_package(package_copy)
    assert where(problems) == [
        ("data/commune_statistics.csv", copy_row, "commune_code,year", "primary-key")
    ]
    assert problems[0].params["value"] == "23344, 2025"


def test_dangling_foreign_key(package_copy, find_row, set_cell):
    row = find_row(package_copy, "plans", activity_id=MO_RAI_HOUSE)
    set_cell(package_copy, "plans", row, "commune_code", "99999")
    _, problems = read_package(package_copy)
    assert where(problems) == [(PLANS, row, "commune_code", "foreign-key")]
    assert problems[0].params == {
        "value": "99999",
        "resource": "communes",
        "target": "commune_code",
    }


def test_empty_optional_foreign_key_is_not_checked(package_copy, find_row, set_cell):
    # plans.commune_code is optional and refers to communes: an empty cell refers to nothing.
    row = find_row(package_copy, "plans", activity_id=MO_RAI_HOUSE)
    set_cell(package_copy, "plans", row, "commune_code", "")
    assert problems_of(package_copy) == []


# --- structure ------------------------------------------------------------------------------


def _rename(rows):
    rows[0][rows[0].index("year")] = "nam"


def _drop_unit(rows):
    col = rows[0].index("unit")
    for r in rows:
        del r[col]


def _add_note(rows):
    for i, r in enumerate(rows):
        r.append("note" if i == 0 else "")


def _swap_year_scope(rows):
    a, b = rows[0].index("year"), rows[0].index("scope")
    for r in rows:
        r[a], r[b] = r[b], r[a]


@pytest.mark.parametrize(
    ("edit", "found_has"),
    [(_rename, "nam"), (_drop_unit, None), (_add_note, "note"), (_swap_year_scope, None)],
    ids=["renamed", "missing", "extra", "reordered"],
)
def test_header_does_not_match_schema(package_copy, edit_csv, edit, found_has):
    edit_csv(package_copy, "plans", edit)
    _, problems = read_package(package_copy)
    # Only the header is reported; resources referring to plans are not flooded with errors.
    assert where(problems) == [(PLANS, 1, None, "columns")]
    assert problems[0].params["expected"].startswith("activity_id, year, scope, commune_code")
    if found_has:
        assert found_has in problems[0].params["found"].split(", ")


def test_missing_csv_file(package_copy, csv_file):
    csv_file(package_copy, "plans").unlink()
    assert problems_of(package_copy) == [(PLANS, None, None, "missing-file")]


@pytest.mark.parametrize("content", [b"", b"\n", b" \r\n"])
def test_empty_csv_file(package_copy, csv_file, content):
    csv_file(package_copy, "plans").write_bytes(content)
    assert problems_of(package_copy) == [(PLANS, None, None, "empty-file")]


def test_extra_cell_in_a_row_is_reported(package_copy, csv_file, find_row):
    # A row with one cell too many: frictionless says "extra-cell"; the loader must not accept it.
    row = find_row(package_copy, "plans", activity_id=MO_RAI_HOUSE)
    path = csv_file(package_copy, "plans")
    lines = path.read_text(encoding="utf-8").split("\n")
    lines[row - 1] += ",extra"
    path.write_text("\n".join(lines), encoding="utf-8")
    _, problems = read_package(package_copy)
    assert problems
    assert {p.file for p in problems} == {PLANS}
    assert all(p.severity == "error" for p in problems)


def test_missing_cell_in_a_row_is_reported(package_copy, edit_csv, find_row, csv_rows):
    # sources.note is the last field and optional; drop that cell (and its delimiter).
    row = find_row(package_copy, "sources", source_id="agreement_967_2020")

    def drop_last_cell(rows):
        assert rows[0][-1] == "note" and rows[row - 1][-1] != ""
        del rows[row - 1][-1]

    edit_csv(package_copy, "sources", drop_last_cell)
    header = csv_rows(package_copy, "sources")[0]
    assert len(csv_rows(package_copy, "sources")[row - 1]) == len(header) - 1
    assert [(p.file, p.row, p.field) for p in read_package(package_copy)[1]] == [
        (SOURCES, row, "note")
    ]


def test_huge_integer_is_a_problem_not_a_crash(package_copy, find_row, set_cell):
    row = find_row(package_copy, "plans", activity_id=MO_RAI_HOUSE)
    set_cell(package_copy, "plans", row, "planned_amount_vnd", "99999999999999999999")
    _, problems = read_package(package_copy)
    # 10**20 - 1 is an integer above the maximum of 10,000,000,000.
    assert [(p.file, p.row, p.field) for p in problems] == [(PLANS, row, "planned_amount_vnd")]
    assert problems[0].rule in {"maximum", "type"}


# --- bytes ----------------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["cp1258", "latin-1"])
def test_not_utf8(package_copy, csv_file, encoding):
    path = csv_file(package_copy, "communes")
    text = path.read_text(encoding="utf-8")
    data = text.encode(encoding, errors="replace")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    path.write_bytes(data)
    _, problems = read_package(package_copy)
    assert where(problems) == [(COMMUNES, None, None, "encoding")]


def test_utf8_bom(package_copy, csv_file):
    path = csv_file(package_copy, "communes")
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert problems_of(package_copy) == [(COMMUNES, 1, None, "bom")]


def test_windows_line_ends_are_refused_with_a_clear_rule(package_copy, csv_file):
    # The package's CSVs are committed with LF line ends (a .gitattributes rule); a file saved
    # with CRLF is named, from its first line, rather than silently accepted.
    path = csv_file(package_copy, "plans")
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    assert problems_of(package_copy) == [(PLANS, 1, None, "crlf")]


def test_decomposed_unicode_is_reported(package_copy, find_row, set_cell):
    import unicodedata

    row = find_row(package_copy, "communes", commune_code="23536")
    set_cell(
        package_copy, "communes", row, "name_in_source", unicodedata.normalize("NFD", "Mô Rai")
    )
    assert problems_of(package_copy) == [(COMMUNES, row, "name_in_source", "unicode-nfc")]


def test_a_file_above_the_size_limit_is_not_read(package_copy, csv_file, monkeypatch):
    import analysis.package

    monkeypatch.setattr(analysis.package, "MAX_FILE_BYTES", 1000)
    path = csv_file(package_copy, "plans")
    assert path.stat().st_size > 1000
    assert (PLANS, None, None, "too-large") in problems_of(package_copy)


# --- the descriptor -------------------------------------------------------------------------


@pytest.fixture
def no_network(monkeypatch):
    """Fail the test if anything tries to resolve a name or open a connection."""

    def refuse(*args, **kwargs):
        raise AssertionError(f"network access attempted: {args!r}")

    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)


def _set_plans_path(pkg_path: Path, edit_descriptor, new_path: str) -> None:
    def edit(descriptor):
        (res,) = [r for r in descriptor["resources"] if r["name"] == "plans"]
        res["path"] = new_path

    edit_descriptor(pkg_path, edit)


@pytest.mark.parametrize(
    "bad_path",
    [
        "../outside.csv",
        "data/../../outside.csv",
        "..\\outside.csv",
        "https://example.org/data/plans.csv",
        "http://127.0.0.1:9/plans.csv",
        "C:\\data\\plans.csv",
        "ABSOLUTE",
    ],
)
def test_unsafe_resource_path_is_refused(package_copy, edit_descriptor, no_network, bad_path):
    if bad_path == "ABSOLUTE":
        # An absolute path to a file that exists and is valid: refused all the same.
        bad_path = str((package_copy.parent / PLANS).resolve())
    _set_plans_path(package_copy, edit_descriptor, bad_path)
    assert problems_of(package_copy) == [(bad_path, None, None, "unsafe-path")]


def test_frictionless_reference_refuses_unsafe_paths_too(package_copy, edit_descriptor, no_network):
    _set_plans_path(package_copy, edit_descriptor, "https://example.org/data/plans.csv")
    found = frictionless_problems(package_copy)
    assert where(found) == [("https://example.org/data/plans.csv", None, None, "unsafe-path")]


@pytest.mark.parametrize(
    "content",
    [b"{not json", b"", b"[]", b"{}", b'{"resources": {}}', b'\xff{"resources": []}'],
    ids=["syntax", "empty", "list", "no-resources", "resources-not-list", "not-utf8"],
)
def test_malformed_descriptor(package_copy, content):
    package_copy.write_bytes(content)
    pkg, problems = read_package(package_copy)
    assert pkg is None
    assert where(problems) == [("datapackage.json", None, None, "descriptor")]


def test_resource_without_schema_is_a_descriptor_problem(package_copy, edit_descriptor):
    def edit(descriptor):
        (res,) = [r for r in descriptor["resources"] if r["name"] == "plans"]
        del res["schema"]

    edit_descriptor(package_copy, edit)
    _, problems = read_package(package_copy)
    assert [p.rule for p in problems] == ["descriptor"]


@pytest.mark.parametrize("missing", [["", 0], "", None], ids=["number", "text", "null"])
def test_missing_values_that_are_not_a_list_of_text_are_a_descriptor_problem(
    package_copy, edit_descriptor, missing
):
    def edit(descriptor):
        (res,) = [r for r in descriptor["resources"] if r["name"] == "plans"]
        res["schema"]["missingValues"] = missing

    edit_descriptor(package_copy, edit)
    pkg, problems = read_package(package_copy)
    assert pkg is None
    assert [p.rule for p in problems] == ["descriptor"]
    assert "missingValues" in problems[0].params["detail"]


def test_missing_values_of_the_schema_are_empty_cells(package_copy, edit_descriptor):
    """A schema's own missing value ("n/a") is read as missing, and the empty string then is
    not: a required field holding "n/a" is a required problem, and an empty note is text."""

    def edit(descriptor):
        (res,) = [r for r in descriptor["resources"] if r["name"] == "implementing_units"]
        res["schema"]["missingValues"] = ["n/a"]

    edit_descriptor(package_copy, edit)
    csv = package_copy.parent / "data" / "implementing_units.csv"
    lines = csv.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    cells = lines[1].split(",")
    cells[header.index("unit_id")] = "n/a"
    lines[1] = ",".join(cells)
    csv.write_text("\n".join(lines) + "\n", encoding="utf-8")
    _, problems = read_package(package_copy)
    assert ("data/implementing_units.csv", 2, "unit_id", "required") in where(problems)


def test_missing_descriptor(tmp_path):
    pkg, problems = read_package(tmp_path / "datapackage.json")
    assert pkg is None
    assert where(problems) == [("datapackage.json", None, None, "missing-file")]


# --- load_package, the exception and the hash -----------------------------------------------


def test_load_package_raises_with_file_row_and_field(package_copy, find_row, set_cell):
    row = find_row(package_copy, "plans", activity_id=MO_RAI_HOUSE)
    set_cell(package_copy, "plans", row, "year", "2031")
    with pytest.raises(PackageInvalid) as info:
        load_package(package_copy)
    exc = info.value
    assert where(exc.problems) == [(PLANS, row, "year", "maximum")]
    en = exc.format("en")
    assert en.splitlines()[0] == "The data package is invalid: 1 error(s)."
    assert f"data/plans.csv, row {row}, field year [maximum]" in en
    assert "2031" in en and "2025" in en
    vi = exc.format("vi")
    assert vi.splitlines()[0] == "Gói dữ liệu không hợp lệ: 1 lỗi."
    assert f"data/plans.csv, dòng {row}, trường year [maximum]" in vi
    assert "lớn hơn mức tối đa 2025" in vi
    assert str(exc) == en


def test_exception_format_limits_the_list(package_copy, edit_csv, csv_rows):
    def blank_descriptions(rows):
        col = rows[0].index("description_vi")
        for r in rows[1:]:
            r[col] = ""

    edit_csv(package_copy, "plans", blank_descriptions)
    with pytest.raises(PackageInvalid) as info:
        load_package(package_copy)
    n = len(info.value.problems)
    assert n == len(csv_rows(package_copy, "plans")) - 1  # one "required" per plan row
    assert {p.rule for p in info.value.problems} == {"required"}
    text = info.value.format("en", limit=3)
    lines = text.splitlines()
    assert len(lines) == 1 + 3 + 1
    assert lines[-1].strip() == f"… and {n - 3} more."


def test_sha256_changes_with_one_byte(package_copy, csv_file):
    before = read_package(package_copy)[0].sha256
    assert before == read_package(package_copy)[0].sha256  # deterministic
    assert len(before) == 64
    path = csv_file(package_copy, "plans")
    data = bytearray(path.read_bytes())
    start = data.index(b"\n" + MO_RAI_HOUSE.encode() + b",")
    j = data.index(b'"Trao', start)
    data[j + 1] = ord("t")  # "Trao" -> "trao": one byte, still a valid package
    path.write_bytes(bytes(data))
    pkg, problems = read_package(package_copy)
    assert problems == []
    assert pkg.sha256 != before


def test_sha256_covers_the_descriptor(package_copy):
    before = read_package(package_copy)[0].sha256
    package_copy.write_bytes(package_copy.read_bytes().replace(b'"0.1.0"', b'"0.1.1"', 1))
    after = read_package(package_copy)[0]
    assert after.version == "0.1.1"
    assert after.sha256 != before


# --- differential: the strict loader agrees with frictionless --------------------------------


def _break(find_row, set_cell, pkg_path, resource, key, field, value) -> None:
    set_cell(pkg_path, resource, find_row(pkg_path, resource, **key), field, value)


DIFFERENTIAL_CASES = {
    "integer-type": [("plans", {"activity_id": MO_RAI_HOUSE}, "planned_amount_vnd", "50.000.000")],
    "enum": [("plans", {"activity_id": MO_RAI_HOUSE}, "activity_type", "nha_tinh_thuong")],
    "pattern": [("communes", {"commune_code": "03154"}, "district_code", "96")],
    "bounds-two-files": [
        ("plans", {"activity_id": MO_RAI_HOUSE}, "year", "2031"),
        ("communes", {"commune_code": "23344"}, "latitude", "7.5"),
    ],
    "required-and-date": [
        ("sources", {"source_id": "baolamdong_2025"}, "title", ""),
        ("sources", {"source_id": "agreement_967_2020"}, "date", "2020-02-30"),
    ],
}


def _strict_locations(pkg_path: Path) -> set[tuple]:
    _, problems = read_package(pkg_path)
    return {(Path(p.file).name, p.row, p.field) for p in problems}


@pytest.mark.parametrize("case", list(DIFFERENTIAL_CASES))
def test_strict_loader_agrees_with_frictionless(package_copy, find_row, set_cell, case):
    for resource, key, field, value in DIFFERENTIAL_CASES[case]:
        _break(find_row, set_cell, package_copy, resource, key, field, value)
    strict = _strict_locations(package_copy)
    report = frictionless.validate(str(package_copy))
    assert report.errors == []
    reference = {
        (Path(task.place).name, err.row_number, err.field_name)
        for task in report.tasks
        for err in task.errors
    }
    assert len(strict) == len(DIFFERENTIAL_CASES[case])
    assert strict == reference


@pytest.mark.parametrize("case", list(DIFFERENTIAL_CASES))
def test_strict_loader_agrees_with_frictionless_problems(package_copy, find_row, set_cell, case):
    for resource, key, field, value in DIFFERENTIAL_CASES[case]:
        _break(find_row, set_cell, package_copy, resource, key, field, value)
    strict = _strict_locations(package_copy)
    reference = {(Path(p.file).name, p.row, p.field) for p in frictionless_problems(package_copy)}
    assert strict == reference


def test_frictionless_problems_is_empty_for_the_bundled_package():
    assert frictionless_problems(DATAPACKAGE) == []


def test_a_derived_value_is_computed_once_and_not_inherited_by_a_changed_copy():
    import dataclasses

    pkg = load_package(DATAPACKAGE)
    calls = []

    def compute():
        calls.append(1)
        return len(pkg["plans"])

    assert pkg.derived("n_plans", compute) == pkg.derived("n_plans", compute) > 3
    assert len(calls) == 1
    fewer = dataclasses.replace(pkg, frames={**pkg.frames, "plans": pkg["plans"].iloc[:3]})
    assert fewer.derived("n_plans", lambda: len(fewer["plans"])) == 3
    # the illustrative sources follow the frames of each copy
    no_sources = dataclasses.replace(pkg, frames={**pkg.frames, "sources": pkg["sources"][:0]})
    assert pkg.illustrative_sources and not no_sources.illustrative_sources
