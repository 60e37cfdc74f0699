"""Parsers for what people type into Excel: Vietnamese numbers, dates, yes/no and names.

Every parser returns the exact value or raises :class:`ParseError`; none of them guesses.

Numbers (the Vietnamese convention, as on the Ministry of Finance's forms):

* ``.`` separates thousands and ``,`` separates decimals: ``50.000.000`` is fifty million,
  ``1,5`` is one and a half. Groups after a ``.`` must have exactly three digits, so ``50.5``
  or ``1.5 triệu`` (an English decimal point) are errors. A space may group thousands too
  (``50 000 000``).
* A comma followed by exactly three digits (``50,000``, ``1,500 triệu``) reads as 50 in
  Vietnamese but 50,000 in English: it is an error, never a guess. Several commas
  (``50,000,000``) are English grouping: an error.
* Money fields (names ending in ``_vnd``) also accept a currency unit at the end (``đ``,
  ``đồng``, ``dong``, ``vnđ``, ``vnd``, ``₫``) and a multiplier word (``nghìn``/``ngàn`` = 10³,
  ``triệu``/``tr`` = 10⁶, ``tỷ``/``tỉ`` = 10⁹): ``50 triệu`` = 50.000.000,
  ``1,5 triệu đồng`` = 1.500.000. Other numbers accept neither.
* Anything else is an error: words (``ba mươi``, ``khoảng 50 triệu``), ``-`` for nothing,
  a second number (``50 triệu 500 nghìn``), a percent sign, scientific notation.
* Whole-number fields refuse a fraction (``1,5`` households) instead of rounding it.
* A cell Excel stores as a number is taken as it is (Excel's own binary value; the display
  format does not matter).

Dates are always day first: ``15/03/2024``, ``15-3-2024``, ``15.03.2024`` and ``5/3/2024`` are
read as day/month/year, even when the day is 12 or less; a leading ``ngày`` is allowed. ISO
dates (``2024-03-15``) and the long form ``ngày 15 tháng 3 năm 2024`` are accepted. Errors: a
missing year (``03/04``), a two-digit year (``15/03/24``), an impossible date (``31/02/2024``),
a date cell with a time of day, and a bare number (an Excel serial number shown without a date
format).

Names (communes, provinces, enumeration labels, column headers) are compared after
:func:`fold`: Unicode NFC, case folded, diacritics removed (``đ`` becomes ``d``), hyphens and
underscores read as spaces and runs of spaces collapsed. A match on the spelling with diacritics
wins over a match without them, so two names that differ only by their tone marks never get
confused: if several codes remain, the name is ambiguous (an error).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

__all__ = [
    "CodeMatcher",
    "ParseError",
    "canonical_number",
    "clean_text",
    "display_value",
    "fold",
    "format_vnd",
    "parse_boolean",
    "parse_date",
    "parse_number",
]


class ParseError(ValueError):
    """A value that cannot be converted without guessing.

    Attributes:
        rule: Short rule key; the message is ``intake.rule.<rule>`` in the catalogue.
        params: Extra values for the message (``expected``, ...).
    """

    def __init__(self, rule: str, **params: Any) -> None:
        super().__init__(rule)
        self.rule = rule
        self.params = params


# --------------------------------------------------------------------------- text

_SPACES = re.compile(r"[\s\u00a0\u2007\u2009\u202f]+")
_DASHES = re.compile(r"[-_\u2010-\u2015]+")


def clean_text(value: str) -> str:
    """NFC, non-breaking and repeated spaces made single, and no space at either end."""
    text = unicodedata.normalize("NFC", value)
    text = text.replace("\u00a0", " ").replace("\u202f", " ").replace("\u2009", " ")
    return text.strip()


def fold(value: str) -> str:
    """A comparison key: NFC, case folded, no diacritics (``đ`` → ``d``), single spaces.

    Example:
        >>> fold("  Xã  Đắk-Blô ")
        'xa dak blo'
    """
    text = unicodedata.normalize("NFD", unicodedata.normalize("NFC", value).casefold())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = text.replace("đ", "d")
    text = _DASHES.sub(" ", text)
    return _SPACES.sub(" ", text).strip()


def _soft_key(value: str) -> str:
    """Like :func:`fold` but keeping the diacritics (used to prefer exact spellings)."""
    text = unicodedata.normalize("NFC", value).casefold()
    text = _DASHES.sub(" ", text)
    return _SPACES.sub(" ", text).strip()


def display_value(value: Any, limit: int = 60) -> str:
    """How a cell's value is shown in a message: text as typed, dates as dd/mm/yyyy."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.strftime("%d/%m/%Y")
        return value.strftime("%d/%m/%Y %H:%M:%S")
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e16:
        return str(int(value))
    text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --------------------------------------------------------------------------- numbers

_CURRENCY = re.compile(r"\s*(đồng|đ|₫|vnđ|vnd|dong)\.?$", re.IGNORECASE)
_MULTIPLIERS = {
    "nghin": 10**3,
    "ngan": 10**3,
    "trieu": 10**6,
    "tr": 10**6,
    "ty": 10**9,
    "ti": 10**9,
}
_MULTIPLIER = re.compile(r"^(?P<num>.*?)\s*(?P<word>[^\d\s.,+-]+)\.?$")
_PLAIN = re.compile(r"[+-]?\d+")
_VN_GROUPED = re.compile(r"[+-]?\d{1,3}(\.\d{3})+(,\d+)?")
_SPACE_GROUPED = re.compile(r"[+-]?\d{1,3}( \d{3})+(,\d+)?")
_DECIMAL_COMMA = re.compile(r"[+-]?\d+,\d+")
_EN_THOUSANDS = re.compile(r"[+-]?\d{1,3}(,\d{3})+(\.\d+)?")
_EN_DECIMAL = re.compile(r"[+-]?(\d{1,3}(,\d{3})*|\d+)\.\d+")
_FLOAT_EXACT_LIMIT = 2**53


def canonical_number(value: Decimal | int) -> str:
    """The CSV text of a number: no exponent, no trailing zeros (``1.50`` → ``1.5``)."""
    if isinstance(value, int):
        return str(value)
    if value == value.to_integral_value():
        return str(int(value))
    return format(value.normalize(), "f")


def format_vnd(amount: int) -> str:
    """``50000000`` → ``'50.000.000'`` (Vietnamese grouping, as in the template's help)."""
    sign = "-" if amount < 0 else ""
    return sign + f"{abs(int(amount)):,}".replace(",", ".")


def _number_text(text: str) -> Decimal:
    """Read digits and separators by the Vietnamese rule (see the module docstring)."""
    compact = text.replace(" ", "") if _SPACE_GROUPED.fullmatch(text) else text
    if _PLAIN.fullmatch(compact):
        return Decimal(compact)
    if _VN_GROUPED.fullmatch(compact):
        return Decimal(compact.replace(".", "").replace(",", "."))
    if _DECIMAL_COMMA.fullmatch(compact):
        if _EN_THOUSANDS.fullmatch(compact):  # 50,000: fifty, or fifty thousand?
            raise ParseError("number-ambiguous")
        return Decimal(compact.replace(",", "."))
    if _EN_THOUSANDS.fullmatch(compact) or _EN_DECIMAL.fullmatch(compact):
        raise ParseError("number-ambiguous")
    raise ParseError("number")


def parse_number(value: Any, *, integer: bool = False, money: bool = False) -> int | Decimal:
    """Convert a cell to a number by the Vietnamese rules, or raise :class:`ParseError`.

    Args:
        value: The cell's value (``str``, ``int``, ``float``; anything else is an error).
        integer: The field holds whole numbers: a fraction is an error, an ``int`` returned.
        money: The field is an amount of đồng: a currency unit and a multiplier word are
            accepted.

    Returns:
        ``int`` for whole-number fields, else a ``Decimal``.

    Raises:
        ParseError: ``number`` (not a number), ``number-ambiguous`` (``50,000``, ``50.5``),
            ``not-integer`` (a fraction where a whole number is expected).

    Example:
        >>> parse_number("1,5 triệu", integer=True, money=True)
        1500000
        >>> parse_number("50.000.000 đ", integer=True, money=True)
        50000000
    """
    if isinstance(value, bool) or value is None:
        raise ParseError("number")
    if isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise ParseError("number")
        if integer and abs(value) >= _FLOAT_EXACT_LIMIT:
            raise ParseError("number")  # Excel kept only 15 significant digits
        number = Decimal(repr(value))
    elif isinstance(value, str):
        number = _parse_number_text(value, money)
    else:
        raise ParseError("number")
    if integer:
        if number != number.to_integral_value():
            raise ParseError("not-integer")
        return int(number)
    return number


def _parse_number_text(value: str, money: bool) -> Decimal:
    text = clean_text(value)
    text = re.sub(r" +", " ", text)
    if not text:
        raise ParseError("number")
    factor = 1
    if money:
        text = _CURRENCY.sub("", text).strip()
        found = _MULTIPLIER.fullmatch(text)
        if found and found.group("num"):
            word = fold(found.group("word"))
            if word not in _MULTIPLIERS:
                raise ParseError("number")
            factor = _MULTIPLIERS[word]
            text = found.group("num").strip()
    number = _number_text(text)
    return number * factor


# --------------------------------------------------------------------------- dates

_ISO = re.compile(r"(\d{4}) ?([/.-]) ?(\d{1,2}) ?\2 ?(\d{1,2})")
_DMY = re.compile(r"(\d{1,2}) ?([/.-]) ?(\d{1,2}) ?\2 ?(\d+)")
_DM = re.compile(r"(\d{1,2}) ?[/.-] ?(\d{1,2})")
_LONG = re.compile(r"(?:ngay )?(\d{1,2}) thang (\d{1,2}),? nam (\d{4})")
_MY = re.compile(r"(?:thang )?(\d{1,2}) ?[/.-] ?(\d{4})")


def _make_date(year: int, month: int, day: int) -> dt.date:
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise ParseError("date-invalid") from None


def parse_date(value: Any) -> dt.date:
    """Convert a cell to a date, day first, or raise :class:`ParseError`.

    Raises:
        ParseError: ``date`` (unreadable), ``date-no-year``, ``date-two-digit-year``,
            ``date-invalid`` (no such day), ``date-with-time``, ``date-serial`` (a number).

    Example:
        >>> parse_date("5/3/2024")
        datetime.date(2024, 3, 5)
    """
    if isinstance(value, dt.datetime):
        if value.time() != dt.time(0):
            raise ParseError("date-with-time")
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, bool) or value is None:
        raise ParseError("date")
    if isinstance(value, int | float):
        raise ParseError("date-serial")
    if not isinstance(value, str):
        raise ParseError("date")
    text = re.sub(r" +", " ", clean_text(value))
    text = re.sub(r"^(ngày|ngay|ng\.)\s*(?=\d)", "", text, flags=re.IGNORECASE)
    if found := _ISO.fullmatch(text):
        return _make_date(int(found[1]), int(found[3]), int(found[4]))
    if found := _DMY.fullmatch(text):
        year = found[4]
        if len(year) == 2:
            raise ParseError("date-two-digit-year")
        if len(year) != 4:
            raise ParseError("date")
        return _make_date(int(year), int(found[3]), int(found[1]))
    folded = fold(text)
    if found := _LONG.fullmatch(folded):
        return _make_date(int(found[3]), int(found[2]), int(found[1]))
    if _DM.fullmatch(text) or _MY.fullmatch(folded):
        raise ParseError("date-no-year" if _DM.fullmatch(text) else "date")
    raise ParseError("date")


# --------------------------------------------------------------------------- yes / no

TRUE_WORDS = frozenset({"true", "co", "dung", "yes", "1"})
FALSE_WORDS = frozenset({"false", "khong", "sai", "no", "0"})
BOOLEAN_DISPLAY = {True: "Có", False: "Không"}
"""How the template shows a boolean (the drop-down offers exactly these two)."""


def parse_boolean(value: Any) -> bool:
    """``Có``/``Không``, ``true``/``false``, ``đúng``/``sai``, ``yes``/``no``, 1/0, TRUE/FALSE.

    Raises:
        ParseError: ``boolean`` for anything else (``có lẽ``, ``x``, ``2``).
    """
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        word = fold(value)
        word = re.sub(r"\s*\((true|false)\)$", "", word)
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
    raise ParseError("boolean")


# --------------------------------------------------------------------------- codes by name


class CodeMatcher:
    """Match a name or a code to a code: communes, provinces, enumeration labels.

    A value of digits only is a code, padded with leading zeros to ``code_length`` when
    Excel dropped them (``3158`` → ``03158``). Otherwise the value is compared with every name
    given, as typed and then without a prefix (``xã``, ``tỉnh``): first with diacritics (case
    and spacing ignored), then without them. A value ``Name (code)`` is read by its code, and
    the name must agree with it.

    Args:
        entries: ``(code, names)`` pairs.
        prefix: Regular expression of a word that may precede a name, matched case-insensitively
            at the start (for communes ``xã|xa|x\\.``).
        code_length: Length of a numeric code, for zero-padding; None: codes are not numeric.
        unknown_rule: Rule of the error raised for an unknown value.
        ambiguous_rule: Rule of the error raised when several codes match.
    """

    def __init__(
        self,
        entries: Iterable[tuple[str, Iterable[str]]],
        *,
        prefix: str | None = None,
        code_length: int | None = None,
        unknown_rule: str = "code-unknown",
        ambiguous_rule: str = "code-ambiguous",
    ) -> None:
        self.code_length = code_length
        self.unknown_rule = unknown_rule
        self.ambiguous_rule = ambiguous_rule
        self._prefix = (
            re.compile(rf"^(?:{prefix})(?:\s+|(?<=\.))", re.IGNORECASE) if prefix else None
        )
        self.codes: dict[str, str] = {}
        self.exact: dict[str, set[str]] = {}
        self.loose: dict[str, set[str]] = {}
        for code, names in entries:
            self.codes[code.casefold()] = code
            for name in (code, *names):
                if name:
                    self.exact.setdefault(_soft_key(name), set()).add(code)
                    self.loose.setdefault(fold(name), set()).add(code)

    def _pad(self, text: str) -> str | None:
        if self.code_length and text.isdigit() and len(text) <= self.code_length:
            return text.zfill(self.code_length)
        return None

    def match(self, value: Any) -> str:
        """The code for ``value``, or raise ``ParseError`` (unknown or ambiguous)."""
        if isinstance(value, bool) or value is None:
            raise ParseError(self.unknown_rule)
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, int):
            value = str(value)
        if not isinstance(value, str):
            raise ParseError(self.unknown_rule)
        text = clean_text(value)
        padded = self._pad(text)
        if padded is not None:
            if padded in self.codes.values():
                return padded
            raise ParseError(self.unknown_rule)
        coded = re.fullmatch(r"(?P<name>.*?)\s*\((?P<code>[^()]+)\)", text)
        if coded:
            inner = clean_text(coded.group("code"))
            code = self._pad(inner) or self.codes.get(inner.casefold())
            if code is not None and code in self.codes.values():
                name = coded.group("name")
                if name and code not in self.candidates(name):
                    raise ParseError("name-code-mismatch")
                return code
        if text.casefold() in self.codes:
            return self.codes[text.casefold()]
        found = self.candidates(text)
        if len(found) == 1:
            return next(iter(found))
        if len(found) > 1:
            raise ParseError(self.ambiguous_rule, candidates=", ".join(sorted(found)))
        raise ParseError(self.unknown_rule)

    def candidates(self, text: str) -> set[str]:
        """Codes whose names match ``text`` (diacritics-exact matches first)."""
        keys = [_soft_key(text)]
        if self._prefix is not None:
            stripped = self._prefix.sub("", clean_text(text), count=1)
            if stripped != clean_text(text) and stripped:
                keys.append(_soft_key(stripped))
        for index, keyf in ((self.exact, lambda k: k), (self.loose, fold)):
            for key in keys:
                found = index.get(keyf(key))
                if found:
                    return set(found)
        return set()
