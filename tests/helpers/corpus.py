"""A corpus of broken copies of the bundled data package, as data.

Each :class:`Case` breaks one thing in a fresh copy of the package (``mutate(pkg_dir)``, where
``pkg_dir`` holds ``datapackage.json`` and ``data/``) and says what the strict loader, followed
by the cross-table rules (what ``python -m analysis report`` runs before rendering anything),
must report: every (file, row, field, rule) error, exactly.

Rows follow frictionless (and :class:`analysis.errors.Problem`): the header is row 1, the first
data row is row 2. Rows are always found by their content (plan ``2024-23536-01``, commune
``23344``, ...), never by position, so the corpus keeps working while the bundled package gains
illustrative rows. That is why ``expected`` is a function: it is evaluated on the pristine copy,
*before* ``mutate`` runs, and returns the findings computed by hand from the schema's
definitions (the maximum of ``year`` is 2025, the first missing cell of a 4-cell row of a
14-column table is the 5th field, ...), never from the loader's own output.

A case whose ``bug`` is set documents a defect of the code under test: ``expected`` is what the
definitions require, and the tests named in ``bug_in`` are marked as strict xfail.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import socket
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import analysis.package
from helpers.package_files import (
    BUNDLED_DATAPACKAGE,
    PROJECT_ROOT,
    _append_row,
    _edit_csv,
    _find_row,
    _set_cell,
    read_rows,
    resource_file,
)

Finding = tuple[str, int | None, str | None, str]
"""(file relative to the package, row with header = 1 or None, field or None, rule)."""

DESCRIPTOR = "datapackage.json"
PLANS = "data/plans.csv"
COMMUNES = "data/communes.csv"
OUTPUTS = "data/outputs.csv"
TRANSACTIONS = "data/transactions.csv"
BENEFICIARIES = "data/beneficiaries.csv"
FOLLOWUPS = "data/beneficiary_followups.csv"
LIVESTOCK = "data/livestock_events.csv"
STATISTICS = "data/commune_statistics.csv"
UNIT_COSTS = "data/unit_costs.csv"

# Rows of the 2024 plan, transcribed from the union's plan (never regenerated).
MO_RAI_HOUSE = "2024-23536-01"  # commune scope, 23536 / province 62, 1 house, 50,000,000 đồng
PROGRAMME_SHARING = "2024-ALL-01"  # programme scope: no commune, no province
MO_RAI = "23536"  # partner commune 2021–2025, province 62
SA_SON = "23539"  # comparison commune of the same district (province 62)
DAK_PLO = "23344"  # partner commune 2021–2025; "Đăk Plô" in the plan, officially "Đắk Blô"
SIN_THAU = "03154"  # partner commune 2021–2023 only
REAL_MAX_FILE_BYTES = analysis.package.MAX_FILE_BYTES  # 1 GiB
GIFT_BENCHMARK = "gift_ha_dong_2023"  # a unit-cost benchmark nothing refers to

# TCVN3 (ABC), the legacy 8-bit Vietnamese font encoding: the byte of each lower-case letter
# (and the few upper-case letters the "VnTime" fonts have). Upper-case toned letters live in a
# separate font (".VnTimeH") and reuse these bytes, so they are mapped to their lower-case byte.
TCVN3 = {
    "Ă": 0xA1, "Â": 0xA2, "Ê": 0xA3, "Ô": 0xA4, "Ơ": 0xA5, "Ư": 0xA6, "Đ": 0xA7,
    "ă": 0xA8, "â": 0xA9, "ê": 0xAA, "ô": 0xAB, "ơ": 0xAC, "ư": 0xAD, "đ": 0xAE,
    "à": 0xB5, "ả": 0xB6, "ã": 0xB7, "á": 0xB8, "ạ": 0xB9,
    "ằ": 0xBB, "ẳ": 0xBC, "ẵ": 0xBD, "ắ": 0xBE, "ặ": 0xC6,
    "ầ": 0xC7, "ẩ": 0xC8, "ẫ": 0xC9, "ấ": 0xCA, "ậ": 0xCB,
    "è": 0xCC, "ẻ": 0xCE, "ẽ": 0xCF, "é": 0xD0, "ẹ": 0xD1,
    "ề": 0xD2, "ể": 0xD3, "ễ": 0xD4, "ế": 0xD5, "ệ": 0xD6,
    "ì": 0xD7, "ỉ": 0xD8, "ĩ": 0xDC, "í": 0xDD, "ị": 0xDE,
    "ò": 0xDF, "ỏ": 0xE1, "õ": 0xE2, "ó": 0xE3, "ọ": 0xE4,
    "ồ": 0xE5, "ổ": 0xE6, "ỗ": 0xE7, "ố": 0xE8, "ộ": 0xE9,
    "ờ": 0xEA, "ở": 0xEB, "ỡ": 0xEC, "ớ": 0xED, "ợ": 0xEE,
    "ù": 0xEF, "ủ": 0xF1, "ũ": 0xF2, "ú": 0xF3, "ụ": 0xF4,
    "ừ": 0xF5, "ử": 0xF6, "ữ": 0xF7, "ứ": 0xF8, "ự": 0xF9,
    "ỳ": 0xFA, "ỷ": 0xFB, "ỹ": 0xFC, "ý": 0xFD, "ỵ": 0xFE,
}  # fmt: skip


def tcvn3(text: str) -> bytes:
    """``text`` in TCVN3 bytes (ASCII unchanged; upper-case toned letters as lower case)."""
    out = bytearray()
    for ch in unicodedata.normalize("NFC", text):
        if ch.isascii():
            out += ch.encode("ascii")
        else:
            out.append(TCVN3.get(ch, TCVN3.get(ch.lower(), 0x3F)))
    return bytes(out)


# Windows-1258 has the base letters (ă, â, ê, ô, ơ, ư, đ) but writes the five tones as
# combining marks after them: "ắ" is "ă" + U+0301.
_CP1258_TONES = "\u0300\u0301\u0303\u0309\u0323"


def cp1258(text: str) -> bytes:
    """``text`` in Windows-1258, as Vietnamese Windows software writes it."""
    out = bytearray()
    for ch in unicodedata.normalize("NFC", text):
        try:
            out += ch.encode("cp1258")
            continue
        except UnicodeEncodeError:
            pass
        parts = unicodedata.normalize("NFD", ch)
        tones = "".join(c for c in parts if c in _CP1258_TONES)
        base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in _CP1258_TONES))
        out += (base + tones).encode("cp1258")
    return bytes(out)


@dataclass(frozen=True)
class Case:
    """One broken copy of the package.

    Attributes:
        id: Stable, readable identifier (used as the pytest id).
        mutate: Breaks the fresh copy in ``pkg_dir`` (the folder of ``datapackage.json``).
        expected: Given the pristine copy (before ``mutate``), the errors the strict loader and
            the cross-table rules must report, found by content.
        max_file_bytes: When set, ``analysis.package.MAX_FILE_BYTES`` is patched to it.
        bug: When set, the defect of the code under test this case shows.
        bug_in: The tests ("strict", "cli", "differential") that fail because of ``bug``.
    """

    id: str
    mutate: Callable[[Path], None]
    expected: Callable[[Path], list[Finding]]
    max_file_bytes: int | None = None
    bug: str | None = None
    bug_in: tuple[str, ...] = ()


# --- helpers: everything is addressed by content ---------------------------------------------


def _desc(pkg_dir: Path) -> Path:
    return pkg_dir / DESCRIPTOR


def _file(pkg_dir: Path, resource: str) -> Path:
    return resource_file(_desc(pkg_dir), resource)


def row_of(pkg_dir: Path, resource: str, **match: str) -> int:
    """Row number (header = 1) of the first row with every ``field=value`` given."""
    return _find_row(_desc(pkg_dir), resource, **match)


def rows_where(pkg_dir: Path, resource: str, pred: Callable[[dict[str, str]], bool]) -> list[int]:
    """Row numbers (header = 1) of the rows whose dict of cells satisfies ``pred``."""
    rows = read_rows(_desc(pkg_dir), resource)
    found = [
        n for n, row in enumerate(rows[1:], start=2) if pred(dict(zip(rows[0], row, strict=True)))
    ]
    if not found:
        raise LookupError(f"no row of {resource} satisfies the case's condition")
    return found


def cell(pkg_dir: Path, resource: str, row: int, field: str) -> str:
    rows = read_rows(_desc(pkg_dir), resource)
    return rows[row - 1][rows[0].index(field)]


def n_records(pkg_dir: Path, resource: str) -> int:
    """Rows of the CSV, the header included (so the next appended row is this plus one)."""
    return len(read_rows(_desc(pkg_dir), resource))


def set_where(resource: str, key: dict[str, str], field: str, value: str) -> Callable:
    """A mutation: set ``field`` to ``value`` in the row identified by ``key``."""

    def mutate(pkg_dir: Path) -> None:
        _set_cell(_desc(pkg_dir), resource, row_of(pkg_dir, resource, **key), field, value)

    return mutate


def at(file: str, resource: str, key: dict[str, str], field: str | None, rule: str) -> Callable:
    """Expected: one finding at the row identified by ``key``."""

    def expected(pkg_dir: Path) -> list[Finding]:
        return [(file, row_of(pkg_dir, resource, **key), field, rule)]

    return expected


def file_level(file: str, rule: str) -> Callable:
    """Expected: one finding about a whole file."""
    return lambda pkg_dir: [(file, None, None, rule)]


def cell_case(
    id: str, resource: str, key: dict[str, str], field: str, value: str, rule: str, **kw
) -> Case:
    """A case that changes one cell and expects one finding at that cell."""
    file = f"data/{resource}.csv"
    return Case(
        id, set_where(resource, key, field, value), at(file, resource, key, field, rule), **kw
    )


def edit_descriptor(fn: Callable[[dict], object]) -> Callable:
    def mutate(pkg_dir: Path) -> None:
        descriptor = json.loads(_desc(pkg_dir).read_text(encoding="utf-8"))
        fn(descriptor)
        text = json.dumps(descriptor, ensure_ascii=False, indent=2) + "\n"
        _desc(pkg_dir).write_text(text, encoding="utf-8")

    return mutate


def resource_of(descriptor: dict, name: str) -> dict:
    return next(r for r in descriptor["resources"] if r["name"] == name)


def set_path(resource: str, path: str) -> Callable:
    def fn(descriptor: dict) -> None:
        resource_of(descriptor, resource)["path"] = path

    return edit_descriptor(fn)


def edit_bytes(resource: str, fn: Callable[[bytes], bytes]) -> Callable:
    def mutate(pkg_dir: Path) -> None:
        file = _file(pkg_dir, resource)
        file.write_bytes(fn(file.read_bytes()))

    return mutate


def line_starting(data: bytes, prefix: bytes) -> tuple[int, int]:
    """(start, end) byte offsets of the first line starting with ``prefix`` (end: its ``\\n``)."""
    start = data.index(b"\n" + prefix) + 1
    return start, data.index(b"\n", start)


def edit_line(resource: str, prefix: str, fn: Callable[[bytes], bytes]) -> Callable:
    """A mutation replacing the line starting with ``prefix`` (without its ``\\n``)."""

    def change(data: bytes) -> bytes:
        start, end = line_starting(data, prefix.encode())
        return data[:start] + fn(data[start:end]) + data[end:]

    return edit_bytes(resource, change)


def cut_after(resource: str, prefix: str, keep: Callable[[bytes], int]) -> Callable:
    """Truncate the file inside the line starting with ``prefix``: keep ``keep(line)`` bytes."""

    def change(data: bytes) -> bytes:
        start, end = line_starting(data, prefix.encode())
        return data[: start + keep(data[start:end])]

    return edit_bytes(resource, change)


def header_of(resource: str) -> Callable:
    """Expected: the header of ``resource`` does not match its schema (row 1, no field)."""
    return lambda pkg_dir: [(f"data/{resource}.csv", 1, None, "columns")]


# --- the corpus --------------------------------------------------------------------------------


def _descriptor_cases() -> list[Case]:
    bad = [(DESCRIPTOR, None, None, "descriptor")]

    def fields_as_mapping(d: dict) -> None:
        schema = resource_of(d, "plans")["schema"]
        schema["fields"] = {f["name"]: f for f in schema["fields"]}

    def drop_schema(d: dict) -> None:
        del resource_of(d, "plans")["schema"]

    def unnamed_field(d: dict) -> None:
        fields = resource_of(d, "plans")["schema"]["fields"]
        del next(f for f in fields if f["name"] == "year")["name"]

    def resources_as_mapping(d: dict) -> None:
        d["resources"] = {r["name"]: r for r in d["resources"]}

    def in_cp1258(pkg_dir: Path) -> None:
        _desc(pkg_dir).write_bytes(cp1258(_desc(pkg_dir).read_text(encoding="utf-8")))

    def truncated_json(pkg_dir: Path) -> None:
        raw = _desc(pkg_dir).read_bytes()
        _desc(pkg_dir).write_bytes(raw[: raw.index(b'"resources"') + 20])

    return [
        Case("descriptor-not-json", truncated_json, lambda _: bad),
        Case(
            "descriptor-no-resources", edit_descriptor(lambda d: d.pop("resources")), lambda _: bad
        ),
        Case(
            "descriptor-resources-not-a-list", edit_descriptor(resources_as_mapping), lambda _: bad
        ),
        Case("descriptor-resource-without-schema", edit_descriptor(drop_schema), lambda _: bad),
        Case("descriptor-fields-not-a-list", edit_descriptor(fields_as_mapping), lambda _: bad),
        Case("descriptor-field-without-name", edit_descriptor(unnamed_field), lambda _: bad),
        Case("descriptor-windows-1258", in_cp1258, lambda _: bad),
        Case(
            "descriptor-missing",
            lambda pkg_dir: _desc(pkg_dir).unlink(),
            lambda _: [(DESCRIPTOR, None, None, "missing-file")],
        ),
    ]


def _file_cases() -> list[Case]:
    def after_cells(n: int) -> Callable[[bytes], int]:
        """Keep the first ``n`` cells of a line (no quoted commas among them)."""

        def keep(line: bytes) -> int:
            offset = -1
            for _ in range(n):
                offset = line.index(b",", offset + 1)
            return offset

        return keep

    def inside_quotes(line: bytes) -> int:
        # "...,hanoi_wu,"Trao kinh phí hỗ trợ xây, sửa 1 Mái ấm..." -> cut after "xây,"
        return line.index("xây,".encode()) + len("xây,".encode())

    def inside_a_character(line: bytes) -> int:
        # "phí": p, h, then the first of the two bytes of "í" (0xC3 0xAD)
        return line.index("phí".encode()) + 3

    def pad_place(pkg_dir: Path) -> None:
        row = row_of(pkg_dir, "unit_costs", benchmark_id=GIFT_BENCHMARK)
        place = cell(pkg_dir, "unit_costs", row, "place")
        long_place = (place + " ") * (600_000 // (len(place.encode()) + 1) + 1)
        _set_cell(_desc(pkg_dir), "unit_costs", row, "place", long_place.strip())

    def sparse(pkg_dir: Path) -> None:
        # Above the real limit without writing its bytes: the file is sparse on disk.
        os.truncate(_file(pkg_dir, "beneficiaries"), REAL_MAX_FILE_BYTES + 1)

    return [
        Case(
            "csv-missing",
            lambda pkg_dir: _file(pkg_dir, "outputs").unlink(),
            file_level(OUTPUTS, "missing-file"),
        ),
        Case(
            "csv-empty",
            edit_bytes("unit_costs", lambda _: b""),
            file_level(UNIT_COSTS, "empty-file"),
        ),
        Case(
            "csv-only-newlines",
            edit_bytes("unit_costs", lambda _: b"\n\n"),
            file_level(UNIT_COSTS, "empty-file"),
        ),
        Case(
            # 4 of the 14 cells of the Mô Rai house row are left: province_code is missing first.
            "csv-truncated-mid-row",
            cut_after("plans", MO_RAI_HOUSE, after_cells(4)),
            at(PLANS, "plans", {"activity_id": MO_RAI_HOUSE}, "province_code", "missing-cell"),
        ),
        Case(
            # The quoted description is cut open: 9 cells, planned_units is missing first.
            "csv-truncated-inside-quoted-field",
            cut_after("plans", MO_RAI_HOUSE, inside_quotes),
            at(PLANS, "plans", {"activity_id": MO_RAI_HOUSE}, "planned_units", "missing-cell"),
        ),
        Case(
            # transactions.csv has no quotes: an opening quote before the source of the Mô Rai
            # house's first disbursement never closes, so the CSV cannot be parsed.
            "csv-unterminated-quote",
            _unterminated_quote,
            file_level(TRANSACTIONS, "parse"),
        ),
        Case(
            "csv-truncated-inside-a-utf8-character",
            cut_after("plans", MO_RAI_HOUSE, inside_a_character),
            file_level(PLANS, "encoding"),
        ),
        Case(
            "file-too-large-sparse",
            sparse,
            file_level(BENEFICIARIES, "too-large"),
        ),
        Case(
            # With the limit patched to 500 kB, a 600 kB place name makes unit_costs.csv too
            # large (as is any bundled file above 500 kB: none today).
            "file-too-large-patched-limit",
            pad_place,
            lambda pkg_dir: _files_above(pkg_dir, 500_000, also=UNIT_COSTS, rule="too-large"),
            max_file_bytes=500_000,
        ),
    ]


def _files_above(pkg_dir: Path, limit: int, also: str, rule: str) -> list[Finding]:
    descriptor = json.loads(_desc(pkg_dir).read_text(encoding="utf-8"))
    paths = [r["path"] for r in descriptor["resources"]]
    return [
        (path, None, None, rule)
        for path in paths
        if path == also or (pkg_dir / path).stat().st_size > limit
    ]


def _unterminated_quote(pkg_dir: Path) -> None:
    row = row_of(pkg_dir, "transactions", activity_id=MO_RAI_HOUSE, transaction_type="disbursement")
    tx_id = cell(pkg_dir, "transactions", row, "transaction_id")

    def open_quote(line: bytes) -> bytes:
        last = line.rindex(b",") + 1
        return line[:last] + b'"' + line[last:]

    edit_line("transactions", tx_id + ",", open_quote)(pkg_dir)


def _column_cases() -> list[Case]:
    def drop_livelihood_model(rows: list[list[str]]) -> list[list[str]]:
        i = rows[0].index("livelihood_model")
        return [row[:i] + row[i + 1 :] for row in rows]

    def drop_header_row(rows: list[list[str]]) -> list[list[str]]:
        return rows[1:]

    def add_note(rows: list[list[str]]) -> list[list[str]]:
        return [rows[0] + ["note"]] + [row + [""] for row in rows[1:]]

    def rename(rows: list[list[str]]) -> None:
        rows[0][rows[0].index("planned_amount_vnd")] = "planned_amount"

    def swap_year_scope(rows: list[list[str]]) -> None:
        i, j = rows[0].index("year"), rows[0].index("scope")
        for row in rows:
            row[i], row[j] = row[j], row[i]

    def edit(resource: str, fn: Callable) -> Callable:
        return lambda pkg_dir: _edit_csv(_desc(pkg_dir), resource, fn)

    return [
        Case("column-missing", edit("plans", drop_livelihood_model), header_of("plans")),
        Case("column-extra", edit("unit_costs", add_note), header_of("unit_costs")),
        Case("column-renamed", edit("plans", rename), header_of("plans")),
        Case("columns-reordered", edit("plans", swap_year_scope), header_of("plans")),
        Case("header-row-missing", edit("unit_costs", drop_header_row), header_of("unit_costs")),
    ]


def _type_cases() -> list[Case]:
    house = {"activity_id": MO_RAI_HOUSE}
    tx = {"activity_id": MO_RAI_HOUSE, "transaction_type": "disbursement"}
    return [
        cell_case(
            "type-integer-dotted-thousands",
            "plans",
            house,
            "planned_amount_vnd",
            "50.000.000",
            "type",
        ),
        cell_case("type-integer-decimal", "plans", house, "year", "2024.0", "type"),
        cell_case(
            "type-number-decimal-comma",
            "communes",
            {"commune_code": DAK_PLO},
            "latitude",
            "15,2873",
            "type",
        ),
        cell_case("type-date-day-month-year", "transactions", tx, "date", "24/04/2024", "type"),
        cell_case("type-date-impossible", "outputs", house, "completed_on", "2024-02-30", "type"),
        cell_case("type-boolean-vietnamese", "plans", house, "is_conditional", "không", "type"),
    ]


def _text_cases() -> list[Case]:
    def whole_file_cp1258(pkg_dir: Path) -> None:
        file = _file(pkg_dir, "communes")
        file.write_bytes(cp1258(file.read_text(encoding="utf-8")))

    def name_in_tcvn3(pkg_dir: Path) -> None:
        row = row_of(pkg_dir, "communes", commune_code=DAK_PLO)
        name = cell(pkg_dir, "communes", row, "name_in_source")  # "Đăk Plô"
        file = _file(pkg_dir, "communes")
        data = file.read_bytes()
        start, end = line_starting(data, DAK_PLO.encode() + b",")
        line = data[start:end].replace(name.encode(), tcvn3(name), 1)
        file.write_bytes(data[:start] + line + data[end:])

    def name_in_nfd(pkg_dir: Path) -> None:
        row = row_of(pkg_dir, "communes", commune_code=DAK_PLO)
        name = cell(pkg_dir, "communes", row, "name_official")  # "Đắk Blô"
        _set_cell(
            _desc(pkg_dir), "communes", row, "name_official", unicodedata.normalize("NFD", name)
        )

    return [
        Case("encoding-windows-1258", whole_file_cp1258, file_level(COMMUNES, "encoding")),
        Case("encoding-tcvn3-name", name_in_tcvn3, file_level(COMMUNES, "encoding")),
        Case(
            "unicode-nfd-name",
            name_in_nfd,
            at(COMMUNES, "communes", {"commune_code": DAK_PLO}, "name_official", "unicode-nfc"),
        ),
        Case(
            "byte-order-mark",
            edit_bytes("plans", lambda data: b"\xef\xbb\xbf" + data),
            lambda _: [(PLANS, 1, None, "bom")],
        ),
        Case(
            "crlf-whole-file",
            edit_bytes("communes", lambda data: data.replace(b"\n", b"\r\n")),
            lambda _: [(COMMUNES, 1, None, "crlf")],
        ),
        Case(
            "crlf-one-row",
            edit_line("plans", MO_RAI_HOUSE, lambda line: line + b"\r"),
            at(PLANS, "plans", {"activity_id": MO_RAI_HOUSE}, None, "crlf"),
        ),
    ]


def _ragged_cases() -> list[Case]:
    def drop_last_cell(line: bytes) -> bytes:
        return line[: line.rindex(b",")]

    def blank_line_before(resource: str, prefix: str) -> Callable:
        def change(data: bytes) -> bytes:
            start, _ = line_starting(data, prefix.encode())
            return data[:start] + b"\n" + data[start:]

        return edit_bytes(resource, change)

    tx = {"activity_id": MO_RAI_HOUSE, "transaction_type": "disbursement"}

    def first_disbursement(pkg_dir: Path) -> str:
        return cell(
            pkg_dir, "transactions", row_of(pkg_dir, "transactions", **tx), "transaction_id"
        )

    def drop_last_tx_cell(pkg_dir: Path) -> None:
        edit_line("transactions", first_disbursement(pkg_dir) + ",", drop_last_cell)(pkg_dir)

    def blank_before_ben(pkg_dir: Path) -> None:
        ben = cell(pkg_dir, "beneficiaries", _mo_rai_beneficiary(pkg_dir), "beneficiary_id")
        blank_line_before("beneficiaries", ben + ",")(pkg_dir)

    return [
        Case(
            # communes has quoted cells (the csv module counts); 20 of 21 cells: source_id.
            "row-missing-cell-quoted-file",
            edit_line("communes", DAK_PLO + ",", drop_last_cell),
            at(COMMUNES, "communes", {"commune_code": DAK_PLO}, "source_id", "missing-cell"),
        ),
        Case(
            # transactions has no quotes (separators are counted); 6 of 7 cells: source_id.
            "row-missing-cell-unquoted-file",
            drop_last_tx_cell,
            at(TRANSACTIONS, "transactions", tx, "source_id", "missing-cell"),
        ),
        Case(
            "row-extra-cell",
            edit_line("unit_costs", GIFT_BENCHMARK + ",", lambda line: line + b",extra"),
            at(UNIT_COSTS, "unit_costs", {"benchmark_id": GIFT_BENCHMARK}, None, "extra-cell"),
        ),
        Case(
            # The blank line takes the row number of the row it pushes down.
            "blank-line-unquoted-file",
            blank_before_ben,
            lambda pkg_dir: [(BENEFICIARIES, _mo_rai_beneficiary(pkg_dir), None, "blank-row")],
        ),
        Case(
            "blank-line-quoted-file",
            blank_line_before("plans", MO_RAI_HOUSE + ","),
            at(PLANS, "plans", {"activity_id": MO_RAI_HOUSE}, None, "blank-row"),
        ),
    ]


def _mo_rai_beneficiary(pkg_dir: Path) -> int:
    """Row of the first beneficiary of the Mô Rai house."""
    return row_of(pkg_dir, "beneficiaries", activity_id=MO_RAI_HOUSE)


def _key_cases() -> list[Case]:
    house = {"activity_id": MO_RAI_HOUSE}

    def duplicate_house(pkg_dir: Path) -> None:
        row = row_of(pkg_dir, "plans", **house)
        _edit_csv(_desc(pkg_dir), "plans", lambda rows: rows + [list(rows[row - 1])])

    def dak_plo_2019_as_2020(pkg_dir: Path) -> None:
        row = row_of(pkg_dir, "commune_statistics", commune_code=DAK_PLO, year="2019")
        _set_cell(_desc(pkg_dir), "commune_statistics", row, "year", "2020")

    return [
        Case(
            # The copy is appended, so it is the second occurrence of the key.
            "primary-key-duplicate",
            duplicate_house,
            lambda pkg_dir: [
                (PLANS, n_records(pkg_dir, "plans") + 1, "activity_id", "primary-key")
            ],
        ),
        Case(
            # (23344, 2019) becomes (23344, 2020): the later row, the original 2020, is the
            # duplicate.
            "primary-key-duplicate-composite",
            dak_plo_2019_as_2020,
            at(
                STATISTICS,
                "commune_statistics",
                {"commune_code": DAK_PLO, "year": "2020"},
                "commune_code,year",
                "primary-key",
            ),
        ),
        Case(
            "primary-key-empty",
            set_where("unit_costs", {"benchmark_id": GIFT_BENCHMARK}, "benchmark_id", ""),
            lambda pkg_dir: [
                (
                    UNIT_COSTS,
                    row_of(pkg_dir, "unit_costs", benchmark_id=GIFT_BENCHMARK),
                    field,
                    rule,
                )
                for field, rule in [
                    ("benchmark_id", "required"),
                    ("benchmark_id", "primary-key-null"),
                ]
            ],
        ),
        cell_case(
            "foreign-key-unknown-commune", "plans", house, "commune_code", "23537", "foreign-key"
        ),
        cell_case(
            "foreign-key-unknown-activity",
            "transactions",
            {"activity_id": MO_RAI_HOUSE, "transaction_type": "disbursement"},
            "activity_id",
            "2024-23536-99",
            "foreign-key",
        ),
        Case(
            "foreign-key-unknown-source",
            lambda pkg_dir: _set_cell(
                _desc(pkg_dir),
                "beneficiaries",
                _mo_rai_beneficiary(pkg_dir),
                "source_id",
                "no_such_source",
            ),
            lambda pkg_dir: [
                (BENEFICIARIES, _mo_rai_beneficiary(pkg_dir), "source_id", "foreign-key")
            ],
        ),
    ]


def _unique_names_then(mutate: Callable[[Path], None]) -> Callable[[Path], None]:
    def require_unique(d: dict) -> None:
        fld = next(
            f
            for f in resource_of(d, "communes")["schema"]["fields"]
            if f["name"] == "name_official"
        )
        fld.setdefault("constraints", {})["unique"] = True

    def both(pkg_dir: Path) -> None:
        mutate(pkg_dir)
        edit_descriptor(require_unique)(pkg_dir)

    return both


def _range_cases() -> list[Case]:
    house = {"activity_id": MO_RAI_HOUSE}
    tx = {"activity_id": MO_RAI_HOUSE, "transaction_type": "disbursement"}
    return [
        cell_case("year-2031", "plans", house, "year", "2031", "maximum"),
        cell_case("year-2020", "plans", house, "year", "2020", "minimum"),
        cell_case("amount-negative", "transactions", tx, "amount_vnd", "-19900000", "minimum"),
        cell_case("amount-zero", "transactions", tx, "amount_vnd", "0", "minimum"),
        # The maximum is 10,000,000,000 đồng.
        cell_case(
            "amount-above-maximum", "plans", house, "planned_amount_vnd", "10000000001", "maximum"
        ),
        cell_case(
            "amount-25-digits",
            "plans",
            house,
            "planned_amount_vnd",
            "1234567890123456789012345",
            "maximum",
        ),
        cell_case(
            "latitude-above-maximum",
            "communes",
            {"commune_code": DAK_PLO},
            "latitude",
            "95",
            "maximum",
        ),
        cell_case("date-before-minimum", "transactions", tx, "date", "2020-12-31", "minimum"),
        cell_case(
            "enum-unknown-activity-type", "plans", house, "activity_type", "nha_tinh_thuong", "enum"
        ),
        cell_case(
            "pattern-district-code",
            "communes",
            {"commune_code": DAK_PLO},
            "district_code",
            "7",
            "pattern",
        ),
        Case(
            # A schema that wants unique official names, and Sa Sơn renamed to Mô Rai: the
            # later row (Sa Sơn comes after Mô Rai) is the duplicate.
            "unique-official-name",
            _unique_names_then(
                set_where("communes", {"commune_code": SA_SON}, "name_official", "Mô Rai")
            ),
            at(COMMUNES, "communes", {"commune_code": SA_SON}, "name_official", "unique"),
        ),
        cell_case("required-description-empty", "plans", house, "description_vi", "", "required"),
    ]


def _path_cases() -> list[Case]:
    def unsafe(path: str) -> Callable:
        return lambda _: [(path, None, None, "unsafe-path")]

    outside, absolute = "../outside.csv", "/etc/passwd"
    drive, url = "C:\\data\\unit_costs.csv", "https://example.org/unit_costs.csv"
    return [
        Case("path-parent-directory", set_path("unit_costs", outside), unsafe(outside)),
        Case("path-absolute", set_path("unit_costs", absolute), unsafe(absolute)),
        Case("path-windows-drive", set_path("unit_costs", drive), unsafe(drive)),
        Case("path-https-url", set_path("unit_costs", url), unsafe(url)),
    ]


def _cross_table_cases() -> list[Case]:
    house = {"activity_id": MO_RAI_HOUSE}

    def sin_thau_2023_plans(pkg_dir: Path) -> list[Finding]:
        rows = rows_where(
            pkg_dir, "plans", lambda r: r["commune_code"] == SIN_THAU and r["year"] == "2023"
        )
        return [(PLANS, row, "commune_code", "not-partner") for row in rows]

    def house_in_sa_son(pkg_dir: Path) -> list[Finding]:
        # Sa Sơn is a comparison commune of province 62, so the province still agrees; the
        # house's beneficiaries live in Mô Rai, which is no longer the activity's commune.
        bens = rows_where(pkg_dir, "beneficiaries", lambda r: r["activity_id"] == MO_RAI_HOUSE)
        return [(PLANS, row_of(pkg_dir, "plans", **house), "commune_code", "not-partner")] + [
            (BENEFICIARIES, row, "commune_code", "beneficiary-commune") for row in bens
        ]

    def ben_in(field: str, value: str) -> Callable:
        return lambda pkg_dir: _set_cell(
            _desc(pkg_dir), "beneficiaries", _mo_rai_beneficiary(pkg_dir), field, value
        )

    def ben_at(field: str, rule: str) -> Callable:
        return lambda pkg_dir: [(BENEFICIARIES, _mo_rai_beneficiary(pkg_dir), field, rule)]

    def first_followup_of_late_entrant(pkg_dir: Path) -> tuple[int, int]:
        """(row, entry year) of the first follow-up, in its entry year, of someone who entered
        in 2022 or later (so the year before entry is still within 2021–2025)."""
        header, *records = read_rows(_desc(pkg_dir), "beneficiaries")
        ids, years = header.index("beneficiary_id"), header.index("entry_year")
        entry = {r[ids]: int(r[years]) for r in records}
        rows = rows_where(
            pkg_dir,
            "beneficiary_followups",
            lambda r: (
                entry.get(r["beneficiary_id"], 0) >= 2022
                and int(r["year"]) == entry[r["beneficiary_id"]]
            ),
        )
        ben = cell(pkg_dir, "beneficiary_followups", rows[0], "beneficiary_id")
        return rows[0], entry[ben]

    def followup_a_year_early(pkg_dir: Path) -> None:
        row, entry_year = first_followup_of_late_entrant(pkg_dir)
        _set_cell(_desc(pkg_dir), "beneficiary_followups", row, "year", str(entry_year - 1))

    def first_death(pkg_dir: Path) -> dict[str, str]:
        rows = rows_where(
            pkg_dir,
            "livestock_events",
            lambda r: r["event_type"] == "died" and r["date"] <= "2025-11-30",
        )
        header, *records = read_rows(_desc(pkg_dir), "livestock_events")
        return dict(zip(header, records[rows[0] - 2], strict=True))

    def sold_after_death(pkg_dir: Path) -> None:
        death = first_death(pkg_dir)
        later = dt.date.fromisoformat(death["date"]) + dt.timedelta(days=30)
        _append_row(
            _desc(pkg_dir),
            "livestock_events",
            death | {"event_id": "E999999", "event_type": "sold", "date": later.isoformat()},
        )

    def poverty_above_households(pkg_dir: Path) -> None:
        key = {"commune_code": DAK_PLO, "year": "2024"}
        row = row_of(pkg_dir, "commune_statistics", **key)
        households = cell(pkg_dir, "commune_statistics", row, "households")
        # poor = households and near-poor = 1: poor + near-poor = households + 1.
        _set_cell(_desc(pkg_dir), "commune_statistics", row, "poor_households", households)
        _set_cell(_desc(pkg_dir), "commune_statistics", row, "near_poor_households", "1")

    tx = {"activity_id": MO_RAI_HOUSE, "transaction_type": "disbursement"}
    return [
        Case(
            # Sín Thầu was a partner 2021–2023; ending the partnership in 2022 leaves its 2023
            # activities in a commune that is not a partner that year.
            "activity-commune-not-partner-that-year",
            set_where("communes", {"commune_code": SIN_THAU}, "partner_to", "2022"),
            sin_thau_2023_plans,
        ),
        Case(
            "activity-in-comparison-commune",
            set_where("plans", house, "commune_code", SA_SON),
            house_in_sa_son,
        ),
        Case(
            "beneficiary-in-another-commune",
            ben_in("commune_code", SA_SON),
            ben_at("commune_code", "beneficiary-commune"),
        ),
        Case(
            "beneficiary-entry-before-activity",
            ben_in("entry_year", "2023"),
            ben_at("entry_year", "entry-before-activity"),
        ),
        Case(
            "followup-before-entry",
            followup_a_year_early,
            lambda pkg_dir: [
                (
                    FOLLOWUPS,
                    first_followup_of_late_entrant(pkg_dir)[0],
                    "year",
                    "followup-before-entry",
                )
            ],
        ),
        Case(
            "livestock-sold-after-death",
            sold_after_death,
            lambda pkg_dir: [
                (LIVESTOCK, n_records(pkg_dir, "livestock_events") + 1, "date", "livestock-order")
            ],
        ),
        Case(
            "poor-and-near-poor-above-households",
            poverty_above_households,
            at(
                STATISTICS,
                "commune_statistics",
                {"commune_code": DAK_PLO, "year": "2024"},
                "poor_households",
                "poverty-exceeds",
            ),
        ),
        cell_case(
            "transaction-before-plan-year",
            "transactions",
            tx,
            "date",
            "2023-12-31",
            "tx-before-plan",
        ),
        Case(
            # A programme-wide activity names no province; the rule reports the scope cell.
            "programme-scope-with-province",
            set_where("plans", {"activity_id": PROGRAMME_SHARING}, "province_code", "62"),
            at(PLANS, "plans", {"activity_id": PROGRAMME_SHARING}, "scope", "scope"),
        ),
        Case(
            # Mô Rai (23536) is in province 62, not 40.
            "commune-in-another-province",
            set_where("plans", house, "province_code", "40"),
            at(PLANS, "plans", house, "province_code", "commune-province"),
        ),
    ]


def _descriptor_bug_cases() -> list[Case]:
    """Malformed schemas that once crashed the loader; each is now one 'descriptor' problem."""
    bad = [(DESCRIPTOR, None, None, "descriptor")]

    def unit_costs(fn: Callable[[dict], object]) -> Callable:
        return edit_descriptor(lambda d: fn(resource_of(d, "unit_costs")))

    def field(res: dict, name: str) -> dict:
        return next(f for f in res["schema"]["fields"] if f["name"] == name)

    return [
        Case(
            "descriptor-resource-name-not-a-string",
            unit_costs(lambda r: r.__setitem__("name", 5)),
            lambda _: bad,
        ),
        Case(
            "descriptor-primary-key-unknown-field",
            unit_costs(lambda r: r["schema"].__setitem__("primaryKey", ["benchmark"])),
            lambda _: bad,
        ),
        Case(
            "descriptor-foreign-key-unknown-field",
            unit_costs(lambda r: r["schema"]["foreignKeys"][0].__setitem__("fields", ["sauce_id"])),
            lambda _: bad,
        ),
        Case(
            "descriptor-foreign-key-unknown-resource",
            unit_costs(
                lambda r: r["schema"]["foreignKeys"][0]["reference"].__setitem__("resource", "srcs")
            ),
            lambda _: bad,
        ),
        Case(
            "descriptor-pattern-not-a-regex",
            unit_costs(
                lambda r: field(r, "benchmark_id")["constraints"].__setitem__("pattern", "[a-z")
            ),
            lambda _: bad,
        ),
        Case(
            "descriptor-constraints-not-an-object",
            unit_costs(lambda r: field(r, "year").__setitem__("constraints", ["minimum"])),
            lambda _: bad,
        ),
        Case(
            "descriptor-duplicate-resource-name",
            unit_costs(lambda r: r.__setitem__("name", "sources")),
            lambda _: bad,
        ),
    ]


def _hostile_cases() -> list[Case]:
    """Faults and hostile files the loader must refuse, each with its place and rule."""
    house = {"activity_id": MO_RAI_HOUSE}
    mo_rai = {"commune_code": MO_RAI}
    plan_source = {"source_id": "plan_2024_hanoi_wu"}
    text = "description_vi"

    def with_text(value: str) -> Callable:
        return set_where("plans", house, text, value)

    def replace_file(make: Callable[[Path], None]) -> Callable:
        def mutate(pkg_dir: Path) -> None:
            file = _file(pkg_dir, "unit_costs")
            file.unlink()
            make(file)

        return mutate

    def many_children(pkg_dir: Path) -> None:
        def fn(rows: list[list[str]]) -> None:
            i = rows[0].index("children_in_school")
            for row in rows[1:]:
                row[i] = "25"

        _edit_csv(_desc(pkg_dir), "beneficiary_followups", fn)

    def hundred_and_one(pkg_dir: Path) -> list[Finding]:
        # The schema's maximum is 20 children: every row breaks it; the first 100 are listed
        # (rows 2 to 101) and one more finding counts the rest.
        assert n_records(pkg_dir, "beneficiary_followups") > 101
        return [(FOLLOWUPS, row, "children_in_school", "maximum") for row in range(2, 102)] + [
            (FOLLOWUPS, None, "children_in_school", "more-problems")
        ]

    def slow_pattern(d: dict) -> None:
        field_of = {f["name"]: f for f in resource_of(d, "plans")["schema"]["fields"]}
        field_of[text]["constraints"] = {"pattern": "(.|\\s)*(.|\\s)*X"}

    def with_nul_path(d: dict) -> None:
        resource_of(d, "unit_costs")["path"] = "data/unit_costs.csv\x00.txt"

    unit_costs = "data/unit_costs.csv"
    return [
        cell_case("number-full-width-digits", "communes", mo_rai, "latitude", "１５.１", "type"),
        cell_case("integer-arabic-indic-digit", "plans", house, "planned_units", "٣", "type"),
        *(
            cell_case(f"text-control-{name}", "plans", house, text, f"Hỗ trợ{char}xây nhà", rule)
            for name, char, rule in (
                ("nul", "\x00", "control-character"),
                ("x01", "\x01", "control-character"),
                ("bell", "\x07", "control-character"),
                ("vertical-tab", "\x0b", "control-character"),
                ("bidi-override", "\u202e", "control-character"),
            )
        ),
        cell_case(
            "text-formula-hyperlink", "plans", house, text, '=HYPERLINK("x","y")', "formula-text"
        ),
        cell_case(
            "text-formula-dde",
            "sources",
            plan_source,
            "title",
            "=cmd|' /C calc'!A0",
            "formula-text",
        ),
        cell_case("text-formula-minus", "plans", house, text, "-2+3", "formula-text"),
        Case(
            "path-symlink-to-etc-passwd",
            replace_file(lambda f: f.symlink_to("/etc/passwd")),
            lambda _: [(unit_costs, None, None, "unsafe-path")],
        ),
        Case(
            "path-symlink-to-dev-zero",
            replace_file(lambda f: f.symlink_to("/dev/zero")),
            lambda _: [(unit_costs, None, None, "unsafe-path")],
        ),
        Case(
            "path-fifo",
            replace_file(lambda f: os.mkfifo(f)),
            lambda _: [(unit_costs, None, None, "not-a-file")],
        ),
        Case(
            "path-nul-character",
            edit_descriptor(with_nul_path),
            lambda _: [("data/unit_costs.csv\x00.txt", None, None, "unsafe-path")],
        ),
        Case(
            "descriptor-catastrophic-pattern",
            edit_descriptor(slow_pattern),
            lambda _: [(DESCRIPTOR, None, None, "descriptor")],
        ),
        Case("problems-capped-per-rule", many_children, hundred_and_one),
    ]


CASES: list[Case] = [
    *_descriptor_cases(),
    *_descriptor_bug_cases(),
    *_file_cases(),
    *_column_cases(),
    *_type_cases(),
    *_text_cases(),
    *_ragged_cases(),
    *_key_cases(),
    *_range_cases(),
    *_path_cases(),
    *_hostile_cases(),
    *_cross_table_cases(),
]

assert len({c.id for c in CASES}) == len(CASES), "case ids must be unique"


def expected_findings(case: Case, pkg_dir: Path) -> list[Finding]:
    """The case's expected findings, sorted, computed on the pristine copy in ``pkg_dir``."""
    return sorted(case.expected(pkg_dir), key=_order)


def fresh_copy(folder: Path) -> Path:
    """A private copy of the bundled package in ``folder`` (as the ``package_copy`` fixture
    makes one); returns the copied ``datapackage.json``."""
    target = folder / DESCRIPTOR
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(BUNDLED_DATAPACKAGE, target)
    for res in json.loads(target.read_text(encoding="utf-8"))["resources"]:
        (folder / res["path"]).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(PROJECT_ROOT / res["path"], folder / res["path"])
    return target


def network_guard(record: Callable[[object], None] | None = None) -> dict[tuple, Callable]:
    """Replacements for the socket functions that reach the network: each records the address
    (through ``record``) and raises OSError. Local (AF_UNIX) sockets, which multiprocessing
    uses between processes, still connect. Maps (owner, name) to the replacement."""
    real_connect, real_connect_ex = socket.socket.connect, socket.socket.connect_ex

    def refuse(address: object) -> OSError:
        if record is not None:
            record(address)
        return OSError(f"network access is blocked for the bad-input corpus ({address!r})")

    def connect(sock: socket.socket, address):
        if sock.family == getattr(socket, "AF_UNIX", None):
            return real_connect(sock, address)
        raise refuse(address)

    def connect_ex(sock: socket.socket, address):
        if sock.family == getattr(socket, "AF_UNIX", None):
            return real_connect_ex(sock, address)
        raise refuse(address)

    def create_connection(address, *args, **kwargs):
        raise refuse(address)

    def getaddrinfo(host, *args, **kwargs):
        raise refuse(host)

    return {
        (socket.socket, "connect"): connect,
        (socket.socket, "connect_ex"): connect_ex,
        (socket, "create_connection"): create_connection,
        (socket, "getaddrinfo"): getaddrinfo,
    }


def block_network() -> None:
    """Block the network in this process for good (the initializer of the worker processes
    that run frictionless on the corpus)."""
    for (owner, name), replacement in network_guard().items():
        setattr(owner, name, replacement)


def _order(f: Finding) -> tuple:
    return (f[0], f[1] or 0, f[2] or "", f[3])


def sorted_findings(findings: Sequence[Finding]) -> list[Finding]:
    return sorted(findings, key=_order)


__all__ = [
    "CASES",
    "Case",
    "Finding",
    "block_network",
    "network_guard",
    "cp1258",
    "expected_findings",
    "fresh_copy",
    "sorted_findings",
    "tcvn3",
]
