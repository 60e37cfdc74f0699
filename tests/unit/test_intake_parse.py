"""Parsers of typed-in values: exact or an error, never a guess (hypothesis properties).

Expected values are written out by hand or follow from the documented rule (Vietnamese
notation: ``.`` groups thousands, ``,`` marks decimals), restated here independently of the
code under test.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from decimal import Decimal
from pathlib import Path

import pytest
from babel.numbers import format_decimal
from helpers.intake import copy_package, read_csv
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.i18n import format_money
from analysis.intake import ParseError, parse_boolean, parse_date, parse_number
from analysis.intake.parse import format_vnd
from analysis.intake.pii import find_in_header, find_in_text, mask
from analysis.intake.schema import PackageData

money = st.integers(min_value=0, max_value=10_000_000_000)


def vnd(value):
    return parse_number(value, integer=True, money=True)


# --------------------------------------------------------------------------- numbers


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("50.000.000", 50_000_000),
        ("50.000.000 đ", 50_000_000),
        ("50.000.000đ", 50_000_000),
        ("50.000.000 đồng", 50_000_000),
        ("50.000.000 VNĐ", 50_000_000),
        ("50 triệu", 50_000_000),
        ("50 triệu đồng", 50_000_000),
        ("50tr", 50_000_000),
        ("1,5 triệu", 1_500_000),
        ("1,25 tỷ", 1_250_000_000),
        ("500 nghìn", 500_000),
        ("500 ngàn đồng", 500_000),
        ("50 000 000", 50_000_000),
        ("  25.000.000  ", 25_000_000),
        ("50000000", 50_000_000),
        ("50.000", 50_000),
        (50_000_000, 50_000_000),
        (50_000_000.0, 50_000_000),
    ],
)
def test_vietnamese_money(text, expected):
    assert vnd(text) == expected


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("50,000", "number-ambiguous"),
        ("50,000,000", "number-ambiguous"),
        ("1,500 triệu", "number-ambiguous"),
        ("50.5", "number-ambiguous"),
        ("1.5 triệu", "number-ambiguous"),
        ("1,234.56", "number-ambiguous"),
        ("khoảng 50 triệu", "number"),
        ("ba mươi", "number"),
        ("50 triệu 500 nghìn", "number"),
        ("-", "number"),
        ("", "number"),
        ("12%", "number"),
        ("5e7", "number"),
        ("50 triệu đô", "number"),
        ("1,2345678 triệu", "not-integer"),
        (True, "number"),
        (dt.datetime(2024, 3, 15), "number"),
    ],
)
def test_money_that_cannot_be_read_without_guessing(text, rule):
    with pytest.raises(ParseError) as exc:
        vnd(text)
    assert exc.value.rule == rule


def test_units_and_multipliers_only_for_money():
    assert parse_number("1,5") == Decimal("1.5")
    with pytest.raises(ParseError):
        parse_number("50 triệu")
    with pytest.raises(ParseError):
        parse_number("5 đ", integer=True)
    with pytest.raises(ParseError) as exc:
        parse_number("4,5", integer=True)
    assert exc.value.rule == "not-integer"


@given(money)
def test_money_round_trip_of_vietnamese_formats(n):
    grouped = format_vnd(n)
    assert vnd(grouped) == n
    assert vnd(grouped + " đ") == n
    assert vnd(grouped + " đồng") == n
    assert vnd(grouped + "đ") == n
    assert vnd(format_money(n, "vi")) == n  # the reports' own format, "50.000.000 đồng"
    assert vnd(format_decimal(n, format="#,##0", locale="vi").replace("\xa0", " ")) == n
    assert vnd(n) == n and vnd(float(n)) == n


@given(st.integers(min_value=0, max_value=9_999), st.integers(min_value=0, max_value=99))
def test_millions_with_a_decimal_comma(whole, hundredths):
    assert vnd(f"{whole} triệu") == whole * 1_000_000
    assert vnd(f"{whole},{hundredths:02d} triệu") == whole * 1_000_000 + hundredths * 10_000


def vietnamese_reading(text: str) -> Decimal | None:
    """The documented rule, restated: '.' or ' ' groups of three digits, ',' decimals."""
    text = re.sub(" +", " ", text.strip())
    for pattern in (r"\d+(,\d+)?", r"\d{1,3}(\.\d{3})+(,\d+)?", r"\d{1,3}( \d{3})+(,\d+)?"):
        if re.fullmatch(pattern, text):
            return Decimal(text.replace(".", "").replace(" ", "").replace(",", "."))
    return None


@settings(max_examples=300)
@given(st.text(alphabet="0123456789.,  ", min_size=1, max_size=14))
def test_numbers_are_exact_or_refused(text):
    expected = vietnamese_reading(text)
    english_thousands = re.fullmatch(r"\s*\d{1,3}(,\d{3})+(\.\d+)?\s*", text) is not None
    try:
        value = parse_number(text)
    except ParseError:
        assert expected is None or english_thousands
        return
    assert not english_thousands
    assert expected is not None
    assert value == expected


@given(st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False))
def test_decimal_comma_round_trip(number):
    integral, _, fraction = f"{number:.2f}".partition(".")
    fraction = fraction.rstrip("0")
    text = format_vnd(int(integral)) + ("," + fraction if fraction else "")
    assert parse_number(text) == number


# --------------------------------------------------------------------------- dates


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("15/03/2024", dt.date(2024, 3, 15)),
        ("15-3-2024", dt.date(2024, 3, 15)),
        ("15.03.2024", dt.date(2024, 3, 15)),
        ("5/3/2024", dt.date(2024, 3, 5)),  # day first even when both are 12 or less
        ("03/04/2024", dt.date(2024, 4, 3)),
        ("2024-03-15", dt.date(2024, 3, 15)),
        ("ngày 15 tháng 3 năm 2024", dt.date(2024, 3, 15)),
        ("ngày 15/03/2024", dt.date(2024, 3, 15)),
        (dt.datetime(2024, 3, 15), dt.date(2024, 3, 15)),
        (dt.date(2024, 3, 15), dt.date(2024, 3, 15)),
    ],
)
def test_dates(text, expected):
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    ("value", "rule"),
    [
        ("03/04", "date-no-year"),
        ("15/03/24", "date-two-digit-year"),
        ("31/02/2024", "date-invalid"),
        ("15/13/2024", "date-invalid"),
        ("tháng 3/2024", "date"),
        ("15/03-2024", "date"),
        ("hôm qua", "date"),
        (45366, "date-serial"),
        (dt.datetime(2024, 3, 15, 14, 30), "date-with-time"),
    ],
)
def test_dates_that_would_need_a_guess(value, rule):
    with pytest.raises(ParseError) as exc:
        parse_date(value)
    assert exc.value.rule == rule


days = st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2099, 12, 31))


@given(days)
def test_date_round_trip_day_first(day):
    for text in (
        day.strftime("%d/%m/%Y"),
        f"{day.day}/{day.month}/{day.year}",
        f"{day.day}-{day.month}-{day.year}",
        f"{day.day:02d}.{day.month:02d}.{day.year}",
        day.isoformat(),
    ):
        assert parse_date(text) == day
    assert parse_date(dt.datetime(day.year, day.month, day.day)) == day


@given(st.integers(1, 31), st.integers(1, 12))
def test_day_and_month_without_a_year_are_refused(day, month):
    with pytest.raises(ParseError) as exc:
        parse_date(f"{day}/{month}")
    assert exc.value.rule == "date-no-year"


@given(st.text(alphabet="0123456789/-.", min_size=1, max_size=12))
def test_text_dates_are_exact_or_refused(text):
    found = re.fullmatch(r"(\d{1,2})([/.-])(\d{1,2})\2(\d{4})", text)
    iso = re.fullmatch(r"(\d{4})([/.-])(\d{1,2})\2(\d{1,2})", text)
    try:
        value = parse_date(text)
    except ParseError:
        return
    assert found or iso
    if found:
        assert value == dt.date(int(found[4]), int(found[3]), int(found[1]))
    else:
        assert value == dt.date(int(iso[1]), int(iso[3]), int(iso[4]))


# --------------------------------------------------------------------------- yes / no


@pytest.mark.parametrize(
    ("value", "expected"),
    [("Có", True), ("có", True), ("co", True), ("TRUE", True), (True, True), (1, True)]
    + [("Không", False), ("khong", False), ("false", False), (False, False), (0, False)],
)
def test_booleans(value, expected):
    assert parse_boolean(value) is expected


@pytest.mark.parametrize("value", ["có lẽ", "x", "2", 2, "chưa biết"])
def test_booleans_that_would_need_a_guess(value):
    with pytest.raises(ParseError):
        parse_boolean(value)


# --------------------------------------------------------------------------- communes


@pytest.fixture(scope="module")
def package(tmp_path_factory) -> Path:
    return copy_package(tmp_path_factory.mktemp("pkg"))


@pytest.fixture(scope="module")
def communes(package) -> list[dict[str, str]]:
    return read_csv(package, "communes")


@pytest.fixture(scope="module")
def matcher(package):
    return PackageData(package).commune_matcher


def strip_marks(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return unicodedata.normalize("NFC", plain.replace("đ", "d").replace("Đ", "D"))


def test_commune_spellings(matcher):
    assert matcher.match("Đăk Plô") == "23344"
    assert matcher.match("Đắk Blô") == "23344"
    assert matcher.match("xã Đắk Blô") == "23344"
    assert matcher.match("Xa Dak Plo") == "23344"
    assert matcher.match("  MÔ   RAI ") == "23536"
    assert matcher.match("Leng-Su-Sìn") == "03158"
    assert matcher.match(3158) == "03158"
    assert matcher.match("3158") == "03158"
    assert matcher.match("23536") == "23536"
    for bad in ("Hư Cấu", "99999", "Mô", 31580):
        with pytest.raises(ParseError) as exc:
            matcher.match(bad)
        assert exc.value.rule == "commune-unknown"


@settings(max_examples=150)
@given(
    data=st.data(),
    prefix=st.sampled_from(["", "xã ", "Xã ", "XÃ ", "xa ", "Xa ", "x.", "X. "]),
    marks=st.booleans(),
)
def test_commune_matching_ignores_case_marks_and_prefix(communes, matcher, data, prefix, marks):
    row = data.draw(st.sampled_from(communes))
    name = data.draw(st.sampled_from([row["name_in_source"], row["name_official"]]))
    if not marks:
        name = strip_marks(name)
    flips = data.draw(st.lists(st.booleans(), min_size=len(name), max_size=len(name)))
    name = "".join(c.upper() if up else c.lower() for c, up in zip(name, flips, strict=True))
    spaces = data.draw(st.sampled_from(["", " ", "  "]))
    assert matcher.match(f"{spaces}{prefix}{name}{spaces}") == row["commune_code"]


@given(data=st.data())
def test_codes_that_lost_their_leading_zeros(communes, matcher, data):
    row = data.draw(st.sampled_from(communes))
    code = row["commune_code"]
    assert matcher.match(int(code)) == code
    assert matcher.match(str(int(code))) == code
    assert matcher.match(float(int(code))) == code


# --------------------------------------------------------------------------- personal data

phones = st.builds(
    lambda first, rest: f"0{first}{rest}",
    st.sampled_from("35789"),
    st.text(alphabet="0123456789", min_size=8, max_size=8),
)


PHONE_LAYOUTS = [
    lambda p: p,
    lambda p: f"{p[:4]} {p[4:7]} {p[7:]}",
    lambda p: f"{p[:4]}.{p[4:7]}.{p[7:]}",
    lambda p: f"+84 {p[1:4]} {p[4:7]} {p[7:]}",
    lambda p: f"(+84) {p[1:]}",
]


@given(phones, st.sampled_from(PHONE_LAYOUTS))
def test_phone_numbers_are_found_and_masked(phone, layout):
    found = find_in_text(f"liên hệ {layout(phone)}")
    assert [f.kind for f in found] == ["phone"]
    assert phone[1:] not in found[0].masked
    assert len(re.sub(r"\D", "", found[0].masked)) <= 3


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Nguyễn Thị Lan", "name"),
        ("TRẦN VĂN HÙNG", "name"),
        ("Le Thi Hoa", "name"),
        ("Hỗ trợ chị Phạm Thị Mai xây nhà", "name"),
        ("CCCD 001234567890", "id_number"),
        ("187654321", "id_number"),
    ],
)
def test_personal_values(text, kind):
    assert [f.kind for f in find_in_text(text)] == [kind]


@pytest.mark.parametrize(
    "text",
    [
        "Mô Rai",
        "Đăk Plô",
        "Hội LHPN Hà Nội",
        "Lễ Khai Mạc",
        "Thăm Bảo tàng Hồ Chí Minh",
        "50.000.000",
        "2024-23536-01",
        "T2024-0031",
        "B000123",
        "15/03/2024",
        "Quyết định 1719/QĐ-TTg",
    ],
)
def test_ordinary_values_are_not_personal(text):
    assert find_in_text(text) == []


def test_money_as_text_in_a_numeric_column_is_not_an_id_number():
    assert find_in_text("150000000", numeric_column=True) == []
    assert [f.kind for f in find_in_text("012345678", numeric_column=True)] == ["id_number"]
    assert [f.kind for f in find_in_text("187654321", numeric_column=True, maximum=30)] == [
        "id_number"
    ]


@pytest.mark.parametrize(
    ("header", "personal"),
    [
        ("Họ và tên", True),
        ("Họ tên chủ hộ", True),
        ("SĐT", True),
        ("Số điện thoại", True),
        ("Số CCCD", True),
        ("CMND", True),
        ("Tên", True),
        ("Name", True),
        ("Tên xã", False),
        ("Mã người thụ hưởng (beneficiary_id)", False),
        ("Ghi chú", False),
    ],
)
def test_personal_headers(header, personal):
    assert (find_in_header(header) is not None) is personal


def test_mask_keeps_only_initials_and_two_digits():
    assert mask("Nguyễn Thị Lan") == "N*** T*** L***"
    assert mask("0912 345 678") == "0***78"


def test_every_rule_the_code_raises_has_a_message_in_both_languages():
    import analysis.intake as intake
    from analysis.i18n import _catalogue

    folder = Path(intake.__file__).parent
    source = "\n".join(p.read_text(encoding="utf-8") for p in folder.glob("*.py"))
    rules = set(
        re.findall(
            r'(?:ParseError|error|note|IntakeProblem|WorkbookError|refuse)\(\s*"([a-z-]+)"', source
        )
    )
    rules |= set(re.findall(r'_rule="([a-z-]+)"', source))
    rules |= {"control-character", "bidi-control"}  # the rules _hidden_character returns
    rules |= {f"pii-{kind}" for kind in ("phone", "id-number", "name", "header", "file-name")}
    assert {"number-ambiguous", "formula-no-value", "real-change", "row-scope"} <= rules
    hostile = {"macros", "unpacked-too-large", "file-too-large", "sheet-too-large", "formula-text"}
    assert hostile | {"pii-sheet-name", "pii-comment", "text-too-long"} <= rules
    catalogue = _catalogue()
    for rule in sorted(rules):
        entry = catalogue[f"intake.rule.{rule}"]
        for lang in ("vi", "en"):
            names = set(re.findall(r"{(\w+)}", entry[lang]))
            assert entry[lang].format(**dict.fromkeys(names, "x"))
