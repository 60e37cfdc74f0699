"""Tests for the message catalogue and the locale-aware formatters."""

from __future__ import annotations

import datetime as dt
import json
import re
import string
import unicodedata
from decimal import Decimal
from importlib import resources

import numpy as np
import pandas as pd
import pytest

from analysis.i18n import (
    LANGUAGES,
    _catalogue,
    format_count,
    format_date,
    format_money,
    format_number,
    format_percent,
    label,
    t,
)

ENUMS = {
    "activity_type": [
        "charity_house",
        "livelihood_capital",
        "pupil_sponsorship",
        "tet_gifts",
        "visits_gifts",
        "school_repair",
        "border_post_support",
        "traditional_education_trip",
        "communication",
        "experience_sharing",
    ],
    "transaction_type": ["incoming_funds", "commitment", "disbursement", "expenditure"],
    "contributor_kind": [
        "members",
        "businesses",
        "individuals",
        "district_unions",
        "city_union",
        "border_guard",
        "other",
    ],
    "sex": ["female", "male"],
    "poverty_status": ["poor", "near_poor", "other"],
    "role": ["partner", "comparison"],
    "scope": ["commune", "province", "programme"],
    "housing_condition": ["permanent", "semi_permanent", "temporary"],
    "livestock_event": ["received", "calf_born", "died", "sold", "passed_on"],
    "dac": [
        "relevance",
        "coherence",
        "effectiveness",
        "efficiency",
        "impact",
        "sustainability",
    ],
    "ethnicity": [
        "hmong",
        "thai",
        "khmu",
        "ha_nhi",
        "jarai",
        "ro_mam",
        "gie_trieng",
        "kinh",
        "other",
    ],
}

MISSING = [None, float("nan"), np.nan, pd.NA, pd.NaT]


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


# --- catalogue ---------------------------------------------------------------------------


def test_languages():
    # the catalogue's languages, Vietnamese first; a language added to the catalogue
    # joins them without a change here
    assert LANGUAGES[:2] == ("vi", "en")


def test_catalogue_is_package_data_and_flat():
    files = [
        f
        for f in resources.files("analysis.i18n").iterdir()
        if f.name.startswith("messages") and f.name.endswith(".json")
    ]
    assert "messages.json" in {f.name for f in files}
    raw = {}
    for file in files:  # the one catalogue may be split by feature; together they are it
        raw.update(json.loads(file.read_text(encoding="utf-8")))
    assert raw == _catalogue()
    for key, entry in raw.items():
        assert set(entry) == set(LANGUAGES), key
        for lang in LANGUAGES:
            text = entry[lang]
            assert isinstance(text, str) and text.strip(), (key, lang)
            assert unicodedata.normalize("NFC", text) == text, (key, lang)
        assert _placeholders(entry["vi"]) == _placeholders(entry["en"]), key


def test_catalogue_has_every_enum_label():
    keys = set(_catalogue())
    expected = {f"enum.{field}.{value}" for field, values in ENUMS.items() for value in values}
    assert expected <= keys
    assert {"lang.vi", "lang.en", "missing_value", "suppressed", "total"} <= keys


@pytest.mark.parametrize(
    ("field", "value", "vi", "en"),
    [
        ("activity_type", "charity_house", "Mái ấm tình thương", "Charity house"),
        ("activity_type", "tet_gifts", "Quà Tết", "Tết gifts"),
        ("activity_type", "traditional_education_trip", "Giáo dục truyền thống", None),
        ("dac", "effectiveness", "Tính hiệu lực", "Effectiveness"),
        ("dac", "efficiency", "Hiệu quả sử dụng nguồn lực", "Efficiency"),
        ("dac", "relevance", "Sự phù hợp", "Relevance"),
        ("ethnicity", "hmong", "Mông", None),
        ("ethnicity", "khmu", "Khơ Mú", None),
        ("ethnicity", "gie_trieng", "Giẻ Triêng", None),
        ("sex", "female", "Nữ", "Female"),
    ],
)
def test_enum_labels(field, value, vi, en):
    assert label(field, value, "vi") == vi
    if en is not None:
        assert label(field, value, "en") == en


def test_t_basic_messages():
    assert t("total", "vi") == "Tổng"
    assert t("total", "en") == "Total"
    assert t("missing_value", "vi") == "—"
    assert t("suppressed", "vi", threshold=5) == "<5"
    assert t("suppressed", "en", threshold=10) == "<10"
    assert t("suppressed_complementary", "vi") == "x"
    assert t("money", "vi", amount="1.000") == "1.000 đồng"
    assert t("money", "en", amount="1,000") == "VND 1,000"


def test_t_unknown_key_names_the_key():
    with pytest.raises(KeyError, match="no.such.key"):
        t("no.such.key", "vi")


def test_t_unknown_language_lists_languages():
    with pytest.raises(ValueError, match=re.escape(str(LANGUAGES))):
        t("total", "xx")


def test_t_missing_placeholder():
    with pytest.raises(KeyError, match="threshold"):
        t("suppressed", "en")


@pytest.mark.parametrize("value", MISSING)
def test_label_missing(value):
    assert label("sex", value, "en") == "—"


def test_label_unknown_value():
    with pytest.raises(KeyError, match="enum.sex.unknown"):
        label("sex", "unknown", "vi")


# --- numbers -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("x", "decimals", "vi", "en"),
    [
        (1234567, 0, "1.234.567", "1,234,567"),
        (np.int64(1234567), 0, "1.234.567", "1,234,567"),
        (0, 0, "0", "0"),
        (999, 0, "999", "999"),
        (-1234, 0, "-1.234", "-1,234"),
        (1234.5, 1, "1.234,5", "1,234.5"),
        (1234.5, 2, "1.234,50", "1,234.50"),
        (Decimal("0.125"), 2, "0,12", "0.12"),  # 0.125 -> 0.12: half to even
        (2.5, 0, "2", "2"),  # 2.5 -> 2: half to even
        (3.5, 0, "4", "4"),  # 3.5 -> 4: half to even
        (-0.4, 0, "0", "0"),  # rounds to zero: no "-0"
    ],
)
def test_format_number(x, decimals, vi, en):
    assert format_number(x, "vi", decimals=decimals) == vi
    assert format_number(x, "en", decimals=decimals) == en


def test_format_number_rejects_bad_decimals():
    with pytest.raises(ValueError):
        format_number(1, "vi", decimals=-1)


@pytest.mark.parametrize(
    ("amount", "vi", "en"),
    [
        (50_000_000, "50.000.000 đồng", "VND 50,000,000"),
        (-50_000, "-50.000 đồng", "VND -50,000"),
        (0, "0 đồng", "VND 0"),
        (1_500.5, "1.500 đồng", "VND 1,500"),  # 1500.5 -> 1500: half to even
        (np.float64(2_000_000.0), "2.000.000 đồng", "VND 2,000,000"),
    ],
)
def test_format_money(amount, vi, en):
    assert format_money(amount, "vi") == vi
    assert format_money(amount, "en") == en


@pytest.mark.parametrize(
    ("fraction", "decimals", "vi", "en"),
    [
        (0.256, 1, "25,6%", "25.6%"),  # 0.256 * 100 = 25.6
        (0.5, 0, "50%", "50%"),
        (1.5, 1, "150,0%", "150.0%"),
        # 0.12345 * 100 = 12.345, a tie at 2 decimals: half to even keeps the even 4
        (0.12345, 2, "12,34%", "12.34%"),
        (0.12355, 2, "12,36%", "12.36%"),  # 12.355: tie, 5 is odd so it rounds up to 6
        (-0.0001, 1, "0,0%", "0.0%"),  # -0.01% rounds to zero: no "-0,0%"
        (12.3456, 0, "1.235%", "1,235%"),  # 1234.56% -> 1235%
    ],
)
def test_format_percent(fraction, decimals, vi, en):
    assert format_percent(fraction, "vi", decimals=decimals) == vi
    assert format_percent(fraction, "en", decimals=decimals) == en


@pytest.mark.parametrize(
    "value",
    [
        dt.date(2024, 3, 5),
        dt.datetime(2024, 3, 5, 23, 59),
        pd.Timestamp("2024-03-05 08:00"),
        np.datetime64("2024-03-05"),
        "2024-03-05",
        "2024-03-05T10:30:00",
    ],
)
def test_format_date(value):
    assert format_date(value, "vi") == "05/03/2024"
    assert format_date(value, "en") == "5 Mar 2024"


def test_format_date_other_months():
    assert format_date("2025-12-31", "vi") == "31/12/2025"
    assert format_date("2025-12-31", "en") == "31 Dec 2025"
    assert format_date("2021-09-01", "en") == "1 Sep 2021"


def test_format_date_rejects_garbage():
    with pytest.raises(ValueError):
        format_date("not a date", "vi")


@pytest.mark.parametrize(
    ("n", "threshold", "vi", "en"),
    [
        (1234, None, "1.234", "1,234"),
        (3, None, "3", "3"),
        (3, 5, "<5", "<5"),  # 0 < 3 < 5
        (1, 5, "<5", "<5"),
        (0, 5, "0", "0"),  # zeros are shown
        (5, 5, "5", "5"),  # 5 is not < 5
        (4, 10, "<10", "<10"),
        (np.int64(12000), 5, "12.000", "12,000"),
    ],
)
def test_format_count(n, threshold, vi, en):
    assert format_count(n, "vi", threshold=threshold) == vi
    assert format_count(n, "en", threshold=threshold) == en


@pytest.mark.parametrize("value", MISSING)
@pytest.mark.parametrize("lang", LANGUAGES)
def test_formatters_missing(value, lang):
    assert format_number(value, lang) == "—"
    assert format_money(value, lang) == "—"
    assert format_percent(value, lang) == "—"
    assert format_date(value, lang) == "—"
    assert format_count(value, lang, threshold=5) == "—"


@pytest.mark.parametrize(
    "call",
    [
        lambda: format_number(1, "xx"),
        lambda: format_money(1, "xx"),
        lambda: format_percent(0.1, "xx"),
        lambda: format_date("2024-01-01", "xx"),
        lambda: format_count(1, "xx"),
        lambda: label("sex", None, "xx"),
    ],
)
def test_formatters_reject_unknown_language(call):
    with pytest.raises(ValueError, match="unsupported language"):
        call()


def test_outputs_use_plain_spaces_and_hyphen():
    outputs = [
        format_money(-1_234_567, "vi"),
        format_money(-1_234_567, "en"),
        format_percent(-0.256, "vi"),
        format_number(-1e6, "vi", decimals=2),
        format_date("2024-03-05", "en"),
    ]
    for text in outputs:
        assert "\u00a0" not in text and "\u202f" not in text and "\u2212" not in text, text


def test_a_count_takes_the_noun_form_its_number_needs():
    """English says 1 partner commune and 2 partner communes; Vietnamese nouns do not
    change; every counted noun has the forms English needs (one, other)."""
    from analysis.i18n import count_text

    assert count_text("partner_commune", 1, "en") == "1 partner commune"
    assert count_text("partner_commune", 2, "en") == "2 partner communes"
    assert count_text("partner_commune", 0, "en") == "0 partner communes"
    assert count_text("activity", 1, "vi") == "1 hoạt động"
    assert count_text("activity", 3, "vi") == "3 hoạt động"
    assert count_text("source", 1234, "en") == "1,234 sources"
    # a fraction is counted as it is printed: 0.6 days is "1 day", 1.5 days "2 days"
    assert count_text("day", 0.6, "en") == "1 day"
    assert count_text("day", 1.5, "en") == "2 days"
    assert count_text("row", 1, "en") == "1 row"
    nouns = {k.split(".")[1] for k in _catalogue() if k.startswith("count.")}
    for noun in nouns:
        assert {f"count.{noun}.one", f"count.{noun}.other"} <= set(_catalogue()), noun


def test_the_impact_paragraph_counts_one_partner_commune_in_the_singular():
    """In the bundled 2025 annual report the difference-in-differences keeps one partner
    commune (the others merged in 2025) against four comparison communes."""
    from analysis.report.annual import AnnualReport

    text = str(AnnualReport.load(year=2025, lang="en").impact())
    assert "in 1 partner commune and by" in text
    assert "in 4 comparison communes:" in text


def test_no_message_puts_a_number_before_a_counted_noun_itself():
    """A noun the catalogue counts (``count.<noun>.*``) is never written after a bare
    number placeholder ("{nt} partner communes" reads "1 partner communes"): the message
    takes the count with its noun from count_text."""
    counted = {
        _catalogue()[k]["en"].removeprefix("{n} ")
        for k in _catalogue()
        if k.startswith("count.") and k.endswith(".other")
    }
    # The intake's size limits are fixed, large numbers (100,000 rows): never one.
    fixed_limits = {"intake.rule.sheet-too-large"}
    for key, entry in _catalogue().items():
        if key.startswith("count.") or key in fixed_limits:
            continue
        for noun in counted:
            assert not re.search(r"\{\w+\} " + re.escape(noun) + r"\b", entry["en"]), (key, noun)
