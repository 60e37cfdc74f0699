"""Message catalogue and locale-aware formatting for Vietnamese and English reports.

Every user-facing string of the toolkit lives in one catalogue, ``messages.json`` next to
this module: a flat JSON object mapping a message key to ``{"vi": ..., "en": ...}``.
Numbers, money, percentages and dates are formatted with Babel and then normalised so the
output is stable across Babel/CLDR versions (plain ASCII spaces and hyphen-minus, no
negative zero).

Example:
    >>> t("total", "vi")
    'Tổng'
    >>> label("sex", "female", "en")
    'Female'
    >>> format_money(50_000_000, "vi")
    '50.000.000 đồng'
    >>> format_percent(0.256, "en")
    '25.6%'
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import math
import numbers
import re
from decimal import Decimal
from importlib import resources
from typing import Any

import numpy as np
import pandas as pd
from babel import Locale
from babel import dates as babel_dates
from babel import numbers as babel_numbers

__all__ = [
    "LANGUAGES",
    "count_text",
    "format_count",
    "format_date",
    "format_money",
    "format_money_prose",
    "format_number",
    "format_percent",
    "is_missing",
    "label",
    "t",
]


def _languages() -> tuple[str, ...]:
    """The languages of the catalogue, in the order of its first message (Vietnamese first):
    adding a language is adding its texts to the catalogue (and its label columns to the
    data), not editing code."""
    text = resources.files(__name__).joinpath("messages.json").read_text(encoding="utf-8")
    first = next(iter(json.loads(text).values()))
    return tuple(first)


LANGUAGES: tuple[str, ...] = _languages()
"""Report languages, in order of preference (Vietnamese first)."""

# Characters Babel/CLDR may emit that we replace by plain ASCII equivalents.
_SPACES = re.compile("[\u00a0\u202f\u2009\u2007]")
_MINUS = "\u2212"


@functools.cache
def _catalogue() -> dict[str, dict[str, str]]:
    """Load and validate the catalogue once per process.

    The one catalogue is kept in ``messages.json`` plus one ``messages_<part>.json`` file per
    feature (so that features can be edited independently); a key defined twice is an error.

    Returns:
        The catalogue, mapping each key to a ``{language: text}`` dictionary.

    Raises:
        ValueError: If an entry does not provide a string for every language, or a key is
            defined in two files.
    """
    data: dict[str, dict[str, str]] = {}
    files = sorted(
        f
        for f in resources.files(__name__).iterdir()
        if f.name.startswith("messages") and f.name.endswith(".json")
    )
    for file in files:
        part = json.loads(file.read_text(encoding="utf-8"))
        twice = sorted(set(part) & set(data))
        if twice:
            raise ValueError(f"{file.name}: message keys defined twice: {twice}")
        data.update(part)
    for key, entry in data.items():
        if not isinstance(entry, dict) or any(
            not isinstance(entry.get(lang), str) for lang in LANGUAGES
        ):
            raise ValueError(f"message {key!r} must provide a string for each of {LANGUAGES}")
    return data


def _check_lang(lang: str) -> str:
    """Return ``lang`` unchanged or raise if it is not a supported language.

    Raises:
        ValueError: If ``lang`` is not in ``LANGUAGES``.
    """
    if lang not in LANGUAGES:
        raise ValueError(f"unsupported language {lang!r}; expected one of {LANGUAGES}")
    return lang


def t(key: str, lang: str, **kwargs: Any) -> str:
    """Translate a message key into ``lang``, filling ``{placeholders}`` from ``kwargs``.

    Args:
        key: Catalogue key, e.g. ``"total"`` or ``"enum.sex.female"``.
        lang: ``"vi"`` or ``"en"``.
        **kwargs: Values for the message's ``str.format`` placeholders.

    Returns:
        The formatted message.

    Raises:
        ValueError: If ``lang`` is not supported.
        KeyError: If ``key`` is not in the catalogue or a placeholder value is missing.

    Example:
        >>> t("suppressed", "en", threshold=5)
        '<5'
    """
    _check_lang(lang)
    try:
        template = _catalogue()[key][lang]
    except KeyError:
        raise KeyError(f"unknown message key {key!r}") from None
    try:
        return template.format(**kwargs)
    except KeyError as exc:
        raise KeyError(f"message {key!r} needs a value for placeholder {exc}") from None


def count_text(noun: str, n: float, lang: str) -> str:
    """``n`` things named ``noun``, in the form ``lang`` gives a noun after ``n``: "1
    partner commune", "4 partner communes"; Vietnamese nouns do not change ("1 xã", "4 xã").

    The catalogue holds one message per plural form, ``count.<noun>.<form>``, where the
    form is the CLDR plural category of ``n`` in ``lang`` (Babel's rules: ``one`` and
    ``other`` in English, only ``other`` in Vietnamese); ``other`` serves a form the
    catalogue does not hold. The number is written as :func:`format_number` writes it,
    whole (a median of 0.6 days is "1 day", its form that of the number printed).

    Example:
        >>> count_text("district", 1, "en"), count_text("district", 3, "en")
        ('1 district', '3 districts')
        >>> count_text("district", 1, "vi"), count_text("district", 1200, "vi")
        ('1 huyện', '1.200 huyện')
    """
    n = round(n)  # the number as printed (half to even, as Babel rounds)
    form = Locale.parse(lang).plural_form(n)
    key = f"count.{noun}.{form}"
    if key not in _catalogue():
        key = f"count.{noun}.other"
    return t(key, lang, n=format_number(n, lang))


def is_missing(value: Any) -> bool:
    """Tell whether a scalar is missing (None, NaN, ``pd.NA`` or ``NaT``).

    Args:
        value: Any object; non-scalars (lists, arrays) are never considered missing.

    Returns:
        True for a missing scalar.

    Example:
        >>> is_missing(float("nan")), is_missing(0)
        (True, False)
    """
    return bool(pd.api.types.is_scalar(value) and pd.isna(value))


def label(field: str, value: Any, lang: str) -> str:
    """Translate an enumeration value, i.e. ``t(f"enum.{field}.{value}", lang)``.

    Args:
        field: Enumeration name, e.g. ``"activity_type"``.
        value: Enumeration value, e.g. ``"tet_gifts"``; None/NaN give the missing marker.
        lang: ``"vi"`` or ``"en"``.

    Returns:
        The translated label.

    Example:
        >>> label("activity_type", "tet_gifts", "vi")
        'Quà Tết'
        >>> label("activity_type", None, "en")
        '—'
    """
    if is_missing(value):
        return t("missing_value", lang)
    return t(f"enum.{field}.{value}", lang)


def _as_number(value: Any) -> int | float | Decimal:
    """Convert numpy scalars to Python numbers Babel understands."""
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, Decimal):
        return value
    if isinstance(value, numbers.Real):
        return float(value)
    raise TypeError(f"expected a number, got {type(value).__name__}")


def _normalise(text: str) -> str:
    """Replace non-ASCII spaces and minus signs and drop a sign on zero ("-0,0" -> "0,0")."""
    text = _SPACES.sub(" ", text).replace(_MINUS, "-")
    text = re.sub(r" +%", "%", text)
    if text.startswith("-") and not re.search(r"[1-9]", text):
        text = text[1:]
    return text


def _pattern(decimals: int, suffix: str = ""):
    """Babel's number pattern with ``decimals`` fixed decimals (then ``suffix``), parsed once."""
    if not isinstance(decimals, numbers.Integral) or decimals < 0:
        raise ValueError(f"decimals must be a non-negative integer, got {decimals!r}")
    return _parsed_pattern("#,##0" + ("." + "0" * int(decimals) if decimals else "") + suffix)


@functools.lru_cache(maxsize=32)
def _parsed_pattern(pattern: str):
    return babel_numbers.parse_pattern(pattern)


def format_number(x: Any, lang: str, decimals: int = 0) -> str:
    """Format a number with the language's grouping and decimal separators.

    Rounding is half to even (Babel's default).

    Args:
        x: Number (int, float, Decimal or numpy scalar); None/NaN give the missing marker.
        lang: ``"vi"`` (``1.234.567,5``) or ``"en"`` (``1,234,567.5``).
        decimals: Number of decimal places shown.

    Returns:
        The formatted number.

    Example:
        >>> format_number(1234567, "vi"), format_number(1234.5, "en", decimals=1)
        ('1.234.567', '1,234.5')
    """
    _check_lang(lang)
    if is_missing(x):
        return t("missing_value", lang)
    text = babel_numbers.format_decimal(_as_number(x), format=_pattern(decimals), locale=lang)
    return _normalise(text)


def format_money(amount_vnd: Any, lang: str) -> str:
    """Format an amount of Vietnamese đồng, rounded to whole đồng.

    Babel's own currency format (``50.000.000 ₫`` with a non-breaking space) is not used:
    reports spell the unit out as the catalogue's ``money`` message.

    Args:
        amount_vnd: Amount in VND; None/NaN give the missing marker.
        lang: ``"vi"`` or ``"en"``.

    Returns:
        ``"50.000.000 đồng"`` in Vietnamese, ``"VND 50,000,000"`` in English.

    Example:
        >>> format_money(-50_000, "en")
        'VND -50,000'
    """
    _check_lang(lang)
    if is_missing(amount_vnd):
        return t("missing_value", lang)
    return t("money", lang, amount=format_number(amount_vnd, lang))


def format_money_prose(amount_vnd: Any, lang: str, significant: int = 3) -> str:
    """An amount of đồng as a sentence says it: three significant figures in the language's
    words for thousands, millions and billions (CLDR's long compact form, through Babel).

    Tables and workbooks keep the exact amount (:func:`format_money`); a sentence does not
    pretend to a precision no reader needs (48.633.333 đồng is "48,6 triệu đồng").
    Amounts below a thousand đồng are exact.

    Example:
        >>> format_money_prose(2_834_567_890, "vi"), format_money_prose(360_000_000, "en")
        ('2,83 tỷ đồng', 'VND 360 million')
        >>> format_money_prose(48_633_333, "vi"), format_money_prose(-142_857, "vi")
        ('48,6 triệu đồng', '-143 nghìn đồng')
    """
    _check_lang(lang)
    if is_missing(amount_vnd):
        return t("missing_value", lang)
    value = float(amount_vnd)
    if abs(value) < 1000:
        return format_money(value, lang)
    digits = math.floor(math.log10(abs(value))) + 1
    rounded = round(value, significant - digits)
    words = babel_numbers.format_compact_decimal(
        rounded, format_type="long", locale=lang, fraction_digits=significant - 1
    )
    return t("money", lang, amount=_normalise(words))


def format_percent(fraction: Any, lang: str, decimals: int = 1) -> str:
    """Format a fraction as a percentage (``0.256`` -> ``25,6%`` / ``25.6%``).

    Args:
        fraction: Share between 0 and 1 (values outside are allowed); None/NaN give the
            missing marker.
        lang: ``"vi"`` or ``"en"``.
        decimals: Decimal places of the percentage.

    Returns:
        The percentage with no space before ``%``.

    Example:
        >>> format_percent(0.256, "vi")
        '25,6%'
    """
    _check_lang(lang)
    if is_missing(fraction):
        return t("missing_value", lang)
    text = babel_numbers.format_percent(
        _as_number(fraction), format=_pattern(decimals, "%"), locale=lang
    )
    return _normalise(text)


def _as_date(d: Any) -> dt.date:
    """Convert a date, datetime, pandas Timestamp, numpy datetime64 or ISO string to a date."""
    if isinstance(d, str):
        return dt.datetime.fromisoformat(d.strip()).date()
    if isinstance(d, np.datetime64):
        d = pd.Timestamp(d)
    if isinstance(d, dt.datetime):  # includes pandas Timestamp
        return d.date()
    if isinstance(d, dt.date):
        return d
    raise TypeError(f"expected a date, got {type(d).__name__}")


def format_date(d: Any, lang: str) -> str:
    """Format a calendar date (``05/03/2024`` in Vietnamese, ``5 Mar 2024`` in English).

    Args:
        d: ``datetime.date``, ``datetime.datetime``, ``pandas.Timestamp``,
            ``numpy.datetime64`` or ISO 8601 string; the time of day is ignored.
            None/NaT give the missing marker.
        lang: ``"vi"`` or ``"en"``.

    Returns:
        The formatted date.

    Raises:
        ValueError: If a string is not an ISO 8601 date.

    Example:
        >>> format_date("2024-03-05", "vi"), format_date("2024-03-05", "en")
        ('05/03/2024', '5 Mar 2024')
    """
    _check_lang(lang)
    if is_missing(d):
        return t("missing_value", lang)
    text = babel_dates.format_date(_as_date(d), t("format.date", lang), locale=lang)
    return _normalise(text)


def format_count(n: Any, lang: str, threshold: int | None = None) -> str:
    """Format a count of people, hiding small non-zero counts.

    Args:
        n: Count; None/NaN give the missing marker.
        lang: ``"vi"`` or ``"en"``.
        threshold: When given, a count with ``0 < n < threshold`` is shown as the
            ``suppressed`` message (``"<5"``). Zero is shown.

    Returns:
        The formatted count or the suppression marker.

    Example:
        >>> format_count(1234, "vi"), format_count(3, "en", threshold=5)
        ('1.234', '<5')
    """
    _check_lang(lang)
    if is_missing(n):
        return t("missing_value", lang)
    if threshold is not None and 0 < n < threshold:
        return t("suppressed", lang, threshold=threshold)
    return format_number(n, lang)


_VI_ALPHABET = "aăâbcdđeêfghijklmnoôơpqrstuưvwxyz"  # with f, j, w, z of loanwords
_VI_TONES = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}
"""Tone marks in dictionary order: level (none), huyền, hỏi, ngã, sắc, nặng."""


def sort_key(text: Any, lang: str) -> tuple:
    """A key that sorts text as a reader of ``lang`` expects.

    Vietnamese order compares the base letters first, in the Vietnamese alphabet (a ă â b c
    d đ e ê … o ô ơ … u ư …), then the tones (level, huyền, hỏi, ngã, sắc, nặng), then case.
    English order compares letters without their marks, then the marks, then case. Place
    names are Vietnamese in either language, so both keep đ after d. Runs of digits compare
    as numbers (Xã 9 before Xã 10).

    Example:
        >>> sorted(["Điện Biên", "Đăk Plô", "Mô Rai", "Dương", "Ân", "An"],
        ...        key=lambda s: sort_key(s, "vi"))
        ['An', 'Ân', 'Dương', 'Đăk Plô', 'Điện Biên', 'Mô Rai']
        >>> sorted(["Tỉnh", "Tình", "Tinh", "Xã 10", "Xã 9"], key=lambda s: sort_key(s, "vi"))
        ['Tinh', 'Tình', 'Tỉnh', 'Xã 9', 'Xã 10']
    """
    import unicodedata

    _check_lang(lang)
    letters, tones = [], []
    for char in unicodedata.normalize("NFD", "" if is_missing(text) else str(text)):
        if char in _VI_TONES:
            if tones:
                tones[-1] = _VI_TONES[char]
            continue
        if unicodedata.combining(char) and letters:
            # breve, circumflex, horn: part of the letter (ă, â, ê, ô, ơ, ư)
            letters[-1] = unicodedata.normalize("NFC", letters[-1] + char)
            continue
        if char.isdigit() and letters and letters[-1].isdigit():
            letters[-1] += char
            continue
        letters.append(char)
        tones.append(0)
    folded = [c.casefold() for c in letters]
    primary = tuple(_letter_rank(c, lang) for c in folded)
    marks = tuple(folded) if lang != "vi" else ()
    return (
        primary,
        tuple(tones),
        marks,
        tuple(c != f for c, f in zip(letters, folded, strict=True)),
    )


def _letter_rank(c: str, lang: str) -> tuple:
    import unicodedata

    if c.isdigit():
        return (1, int(c), "")
    if lang == "vi" and c in _VI_ALPHABET:
        return (2, _VI_ALPHABET.index(c), "")
    if c == "đ":
        return (2, 0, "d\uffff")
    if c.isalpha():
        return (2, 0, unicodedata.normalize("NFD", c)[0])
    return (0, ord(c), "")


def in_language(row, base: str, lang: str) -> tuple[str, bool]:
    """A row's text ``base`` as readers of ``lang`` should see it, and whether it is a
    translation: the row's ``<base>_<lang>`` when it has one (a title translated by the
    maintainers), else ``base`` itself (the source's own words, in whatever language).

    Example:
        >>> row = {"title": "CPI in 2023 increases by 3.25 percent", "title_vi": "CPI năm 2023 tăng 3,25%"}
        >>> in_language(row, "title", "vi"), in_language(row, "title", "en")
        (('CPI năm 2023 tăng 3,25%', True), ('CPI in 2023 increases by 3.25 percent', False))
    """  # noqa: E501
    _check_lang(lang)
    translated = row.get(f"{base}_{lang}")
    if translated is not None and not is_missing(translated) and str(translated).strip():
        return str(translated), True
    original = row.get(base)
    return ("" if original is None or is_missing(original) else str(original)), False


def localized(base: str, lang: str, available) -> str:
    """The name of the column (or descriptor key) that holds ``base`` in ``lang``.

    Data carry their labels in per-language columns: ``name_vi``, ``name_en``; a plain
    ``base`` holds the English text (``title`` beside ``title_vi``). Code never picks the
    column by comparing ``lang`` itself: adding a language means adding its label columns.

    Example:
        >>> localized("name", "vi", ["name_vi", "name_en"])
        'name_vi'
        >>> localized("title", "en", ["title", "title_vi"])
        'title'

    """
    _check_lang(lang)
    available = set(available)
    for candidate in (f"{base}_{lang}", base if lang == "en" else None, f"{base}_en", base):
        if candidate and candidate in available:
            return candidate
    raise KeyError(f"no column for {base!r} in {lang!r} among {sorted(available)}")
