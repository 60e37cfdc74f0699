"""The personal-data detector on free text and on the package's tables.

``find_in_text`` is the one detector (the importer's cells, sheet names, comments and file
name; ``scan_text_fields`` for the CSV text fields that ``validate`` checks). That the bundled
package's own text gives no finding at all is tested in ``tests/data/test_package_privacy.py``.
"""

from __future__ import annotations

import pandas as pd
import pytest

from analysis.intake.pii import (
    Finding,
    allowed_phrases,
    find_in_text,
    mask,
    scan_text_fields,
)


def kinds(text: str, **kw) -> list[str]:
    return [f.kind for f in find_in_text(text, **kw)]


@pytest.mark.parametrize(
    "text",
    [
        "Giàng\u200bThị Mỷ",  # zero-width space between the words
        "Giàng\u200eThị Mỷ",  # a left-to-right mark instead of a space
        "Giàng Thị\u00ad Mỷ",  # a soft hyphen inside a word
        "Giàng Thị\u202e Mỷ",  # a right-to-left override
        "ＧＩＡＮＧ ＴＨＩ ＭＹ",  # full-width letters
    ],
)
def test_invisible_and_full_width_characters_do_not_hide_a_name(text):
    assert kinds(text) == ["name"]


@pytest.mark.parametrize(
    "text",
    ["0912\u200b345678", "0912\u202e345 678", "09\u00ad12345678", "\u0660912345678"],
)
def test_invisible_characters_and_other_digits_do_not_hide_a_phone(text):
    # the last one begins with an Arabic-Indic zero
    assert "phone" in kinds(text)


def test_one_text_can_hold_several_kinds():
    text = "Chị Lò Thị Xuân, ĐT 0912 345 678, CCCD 001.234.567.890"
    assert kinds(text) == ["phone", "id_number", "name"]


def test_a_number_column_reads_money_as_money_not_an_id():
    assert find_in_text("150000000", numeric_column=True) == []
    assert kinds("012345678", numeric_column=True) == ["id_number"]
    assert kinds("187654321", numeric_column=True, maximum=30) == ["id_number"]


def test_money_dates_and_codes_are_not_numbers_of_people():
    for text in (
        "123.456.789 đồng",
        "100.234.567.890 đồng",
        "05/03/2024-08/03/2024",
        "2024-23536-01",
        "T2024-0001",
        "Quyết định 1719/QĐ-TTg ngày 14/10/2021",
    ):
        assert find_in_text(text) == [], text


def test_caller_places_are_allowed():
    # a commune whose name begins like a Hmong name, known only to the package
    assert kinds("Sùng Phài") == ["name"]
    assert find_in_text("Sùng Phài", allowed=allowed_phrases(["Sùng Phài"])) == []
    assert find_in_text("xã Sùng Phài") == []  # a place word before it


def test_the_mask_keeps_initials_and_two_digits():
    assert mask("Giàng Thị Mỷ") == "G*** T*** M***"
    assert mask("+84 (912) 345 678") == "8***78"
    assert mask("001.234.567.890") == "0***90"


def test_scan_text_fields_names_resource_row_and_field():
    frames = {
        "plans": pd.DataFrame(
            {
                "activity_id": ["2024-23536-01", "0912345678"],  # ids are not scanned
                "description_vi": ["Hỗ trợ 01 Mái ấm tình thương", "Trao bò cho chị Lò Thị Xuân"],
                "planned_amount_vnd": ["150000000", "250000000"],  # numbers, not ID cards
            }
        ),
        "sources": pd.DataFrame(
            {
                "source_code": ["001234567890"],
                "note": ["Liên hệ 0912.345.678"],
                "date": [None],
            }
        ),
    }

    found = scan_text_fields(frames)

    assert [tuple(f) for f in found] == [
        ("plans", 3, "description_vi", Finding("name", "c*** L*** T*** X***")),
        ("sources", 2, "note", Finding("phone", "0***78")),
    ]
    resource, row, field, finding = found[0]  # unpacks as a tuple
    assert (resource, row, field, finding.kind) == ("plans", 3, "description_vi", "name")


def test_scan_text_fields_allows_the_package_places():
    frames = {
        "communes": pd.DataFrame({"commune_code": ["99999"], "name_official": ["Sùng Phài"]}),
        "unit_costs": pd.DataFrame({"place": ["Sùng Phài"]}),
    }
    assert scan_text_fields(frames) == []
