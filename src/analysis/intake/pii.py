"""Find personal data in a workbook before anything else is read from it.

The package holds pseudonymous identifiers only (``B000123``). A workbook is refused, with
every offending cell named and its value masked, when it contains:

* a Vietnamese phone number anywhere in a text cell: a mobile number ``0`` + 9 digits whose
  first digit is 3, 5, 7, 8 or 9 (``0912345678``, ``0912 345 678``, ``0912.345.678``), the
  same after ``+84``/``84`` (``+84 912 345 678``), or a landline ``02`` + 9 digits;
* an identity-card number in a text cell: a run of exactly 9 (CMND) or 12 (CCCD) digits not
  part of a longer number. In a numeric column a whole cell of digits is read as a number
  (money stored as text) unless it starts with ``0`` or exceeds the field's maximum;
* a person's full name: a common surname (Nguyễn, Trần, Lê, Phạm, Hoàng, Huỳnh, Phan, Vũ, Võ,
  Đặng, Bùi, Đỗ, Hồ, Ngô, Dương, Lý, with or without diacritics) followed by one to three
  capitalised words as the whole cell (``Nguyễn Thị Lan``, ``NGUYEN VAN A``), or followed by
  two or three capitalised words inside a longer text (``hỗ trợ chị Trần Thị Mai``). The
  name of President Hồ Chí Minh, found in places and programme names, is not a person's
  record and is allowed;
* a column header meaning a name, phone or identity number (``Họ và tên``, ``SĐT``,
  ``CCCD``, ``CMND``, ``Số điện thoại``, ``Name`` ...).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from analysis.intake.parse import clean_text, fold

__all__ = ["Finding", "find_in_header", "find_in_text", "mask"]

SURNAMES = (
    "Nguyễn",
    "Trần",
    "Lê",
    "Phạm",
    "Hoàng",
    "Huỳnh",
    "Phan",
    "Vũ",
    "Võ",
    "Đặng",
    "Bùi",
    "Đỗ",
    "Hồ",
    "Ngô",
    "Dương",
    "Lý",
)
_SURNAME_EXACT = frozenset(s.casefold() for s in SURNAMES)
_SURNAME_ASCII = frozenset(fold(s) for s in SURNAMES)
_ALLOWED_NAMES = frozenset({"ho chi minh"})

_PHONE = re.compile(
    r"(?<![\w+])(?P<prefix>\(?\+ ?84\)?|84|0)[ .\-]?(?P<rest>\d(?:[ .\-]?\d){8,9})(?![\d])"
)
_DIGIT_RUN = re.compile(r"(?<![\d.,])\d+(?![\d.,]*\d)")
_ID_LENGTHS = (9, 12)

HEADER_PHRASES = (
    "ho ten",
    "ho va ten",
    "ten",
    "name",
    "full name",
    "ten nguoi",
    "ten chu ho",
    "chu ho",
    "ten hoc sinh",
    "ten hoi vien",
    "ten thanh vien",
    "so dien thoai",
    "dien thoai",
    "sdt",
    "sđt",
    "dt",
    "phone",
    "mobile",
    "telephone",
    "tel",
    "cccd",
    "cmnd",
    "cmt",
    "can cuoc",
    "can cuoc cong dan",
    "chung minh nhan dan",
    "chung minh thu",
    "so dinh danh",
    "dinh danh ca nhan",
    "id card",
    "national id",
)
_HEADER_PHRASES = tuple(fold(p) for p in HEADER_PHRASES)
_HEADER_EXACT = frozenset({"ten", "name", "dt", "tel"})
"""Short phrases that mean a name or phone only as the whole header."""


@dataclass(frozen=True)
class Finding:
    """Personal data found in one cell.

    Attributes:
        kind: ``phone``, ``id_number``, ``name`` or ``header``.
        masked: The offending text, masked (never the full value).
    """

    kind: str
    masked: str


def mask(text: str) -> str:
    """Mask a personal value: initials for words, first and last two digits for numbers.

    Example:
        >>> mask("Nguyễn Thị Lan"), mask("0912345678")
        ('N*** T*** L***', '0***78')
    """
    words = []
    for word in clean_text(text).split():
        digits = re.sub(r"\D", "", word)
        if len(digits) >= 4:
            words.append(f"{digits[0]}***{digits[-2:]}")
        elif digits and len(digits) == len(word):
            words.append("*" * len(digits))
        else:
            words.append(word[0] + "***")
    joined = " ".join(words)
    digits = re.sub(r"\D", "", text)
    if len(digits) >= 8 and not re.search(r"[^\d\s.+()\-]", text):
        return f"{digits[0]}***{digits[-2:]}"
    return joined


def _is_capitalised(word: str) -> bool:
    letters = word.replace("-", "")
    if not letters or not all(unicodedata.category(c).startswith("L") for c in letters):
        return False
    return letters[0].isupper() and (letters[1:].islower() or letters.isupper() or not letters[1:])


def _is_surname(word: str) -> bool:
    """``Lê`` or, typed without diacritics, ``Le``; but not ``Lễ`` (a festival)."""
    if word.casefold() in _SURNAME_EXACT:
        return True
    return word.isascii() and fold(word) in _SURNAME_ASCII


def _name_at(tokens: list[str], start: int, min_after: int) -> int:
    """Number of tokens of a name starting at ``start`` (0 when there is none)."""
    first = tokens[start].strip(",.;:()\"'“”")
    if not _is_capitalised(first) or not _is_surname(first):
        return 0
    count = 0
    for word in tokens[start + 1 : start + 4]:
        bare = word.strip(",.;:()\"'“”")
        if not _is_capitalised(bare):
            break
        count += 1
        if bare != word:  # punctuation ends the name
            break
    if count < min_after:
        return 0
    name = " ".join(t.strip(",.;:()\"'“”") for t in tokens[start : start + 1 + count])
    if fold(name) in _ALLOWED_NAMES or any(fold(name).startswith(a) for a in _ALLOWED_NAMES):
        return 0
    return 1 + count


def _names(text: str) -> list[str]:
    tokens = text.split()
    found = []
    if 2 <= len(tokens) <= 4 and _name_at(tokens, 0, 1) == len(tokens):
        return [text]
    i = 0
    while i < len(tokens):
        n = _name_at(tokens, i, 2)
        if n:
            found.append(" ".join(tokens[i : i + n]))
            i += n
        else:
            i += 1
    return found


def _phones(text: str) -> list[str]:
    found = []
    for m in _PHONE.finditer(text):
        rest = re.sub(r"\D", "", m.group("rest"))
        mobile = len(rest) == 9 and rest[0] in "35789"
        landline = len(rest) == 10 and rest[0] == "2"
        if mobile or landline:
            found.append(m.group(0))
    return found


def find_in_text(
    value: str, *, numeric_column: bool = False, maximum: float | None = None
) -> list[Finding]:
    """Personal data in the text of one cell.

    Args:
        value: The cell's text.
        numeric_column: The cell is in a column of numbers: a cell made only of digits is a
            number (not an identity number) unless it starts with 0 or exceeds ``maximum``.
        maximum: The numeric field's maximum, if any.
    """
    text = clean_text(value)
    if not text:
        return []
    found = [Finding("phone", mask(p)) for p in _phones(text)]
    whole_number = numeric_column and text.isdigit() and not text.startswith("0")
    if whole_number and maximum is not None and int(text) > maximum:
        whole_number = False
    if not whole_number:
        for m in _DIGIT_RUN.finditer(text):
            run = m.group(0)
            if len(run) in _ID_LENGTHS and not any(run in phone for phone in _phones(text)):
                found.append(Finding("id_number", mask(run)))
    found += [Finding("name", mask(n)) for n in _names(text)]
    return found


def find_in_header(value: str) -> Finding | None:
    """A finding when a column header means a name, phone or identity number."""
    key = fold(re.sub(r"[()\[\]:*#/]", " ", clean_text(value)))
    if not key:
        return None
    if key in _HEADER_EXACT:
        return Finding("header", clean_text(value))
    padded = f" {key} "
    for phrase in _HEADER_PHRASES:
        if phrase in _HEADER_EXACT:
            continue
        if f" {phrase} " in padded:
            return Finding("header", clean_text(value))
    return None
