"""Find personal data (names, phone numbers, identity-card numbers) in text.

The package holds pseudonymous identifiers only (``B000123``). The beneficiaries are women of
the Hmong, Thai, Khmu, Hà Nhì, Ê Đê, Jarai and other peoples in border communes, so names are
looked for in the forms used there, not only in the Kinh form. A text is personal when it holds:

* a **phone number**: a mobile number ``0`` + 9 digits whose first digit is 3, 5, 7, 8 or 9,
  an old 11-digit mobile ``01`` + 9 digits, or a landline ``02`` + 9 digits; also after
  ``+84``/``84`` instead of ``0``. Digits may be grouped by spaces, ``.``, ``-``, ``/`` or
  brackets (``+84 (912) 345 678``, ``0912/345/678``) and may be full-width (``０９１２…``).
  Dates (``05/03/2024-08/03/2024``) are removed first so that they never read as a number;
* an **identity-card number**: a run of exactly 9 (CMND) or 12 (CCCD) digits not part of a
  longer number, or the same grouped in threes (or fours) by spaces, dots or dashes
  (``001 234 567 890``, ``001.234.567.890``). A dotted or spaced group of 9 or 12 digits is an
  amount of money (``123.456.789 đồng``) unless it starts with 0 (a CCCD always does), is
  grouped by dashes, or follows a word such as CCCD, CMND, CMT, căn cước;
* a **person's name**, with or without capitals and diacritics:

  - a surname (Kinh: Nguyễn, Trần, Lê …; Hmong: Giàng, Sùng, Vàng, Thào, Lý …; Thai, Khmu and
    Hà Nhì: Lò, Lường, Quàng, Cầm, Vi, Tòng, Điêu, Lù, Pờ …), a middle name that marks a
    person (Thị, Văn, Seo, Páo, Mí, Chứ, Sếnh, Súa, and A after a Hmong, Thai or Hà Nhì
    surname) and a given name: ``Giàng Thị Mỷ``, ``sùng a páo``, ``GIANG THI MY``. A given
    name that makes a common word with the middle name (``văn phòng``, ``thị trấn``) is not a
    name unless all three words are capitalised, and in English text ``a`` is the article
    (``more than a year``);
  - a distinctive surname (one that is not also a common word: Nguyễn, Giàng, Sùng, Thào,
    Lường …) followed by one to three capitalised words as the whole text (``Giàng Mỷ``), or
    by two or three inside a longer text;
  - an Ê Đê or Jarai name: ``Y`` or an ``H'`` name (``Y Blong Niê``, ``H'Hen Niê``), or a
    clan name (Niê, Êban, Ksor, Rơ Châm, Siu, Rahlan, Nay …) next to a capitalised word
    (``Ksor Phước``);
  - a capitalised word after an honorific (chị, bà, anh, ông, em, cháu, cô, bé, cụ) or after
    the prefixes A and Y (Hmong, Bahnar, Xơ Đăng, Ê Đê): ``chị Mỷ``, ``hộ bà Vàng Thị Dở``,
    ``A Thút``. Two honorifics together are people, not a name (``chị em``, ``bà con``).

  Not names: places and peoples that begin like a name (``Hà Nội``, ``Hà Nhì``, ``H'Mông``,
  ``Vàng Ma Chải``, ``Y Tý``, ``Bờ Y``), anything right after a word that names a place or an
  institution (``xã``, ``huyện``, ``bản``, ``đồn``, ``đường``, ``trường``, ``dân tộc`` …),
  common words that are also surnames (``mua``, ``mùa``, ``vàng``, ``lò``, ``quản lý``,
  ``căn cứ``, ``hiện nay``), titles after an honorific (``Mẹ Việt Nam anh hùng``,
  ``chú Bộ đội``), A or Y as a letter (``khối A``, ``Trạm Y tế``) and public figures found in
  the names of places, schools and funds (``Hồ Chí Minh``, ``Vừ A Dính``, ``Lê Văn Tám``).
  Callers may add their own place names (:func:`allowed_phrases`; the importer adds every
  commune, district and province of the package);
* a column header meaning a name, phone or identity number (``Họ và tên``, ``SĐT``,
  ``CCCD``, ``CMND``, ``Số điện thoại``, ``Name`` ...).

Before the search, text is NFKC-normalised (full-width letters and digits become plain), other
digits become 0-9, control characters and zero-width spaces read as spaces, and other invisible
formatting characters (bidi marks, soft hyphens) are read both as nothing and as a space, so
that ``Giàng\\u200bThị Mỷ`` or ``0912\\u202e345678`` are still found.

:func:`find_in_text` is the one detector: the importer runs it on every cell, sheet name,
comment and the file name, and :func:`scan_text_fields` runs it on the text fields of the
package's tables.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

from analysis.intake.parse import clean_text, fold

__all__ = [
    "Finding",
    "TextFinding",
    "allowed_phrases",
    "find_in_header",
    "find_in_text",
    "mask",
    "scan_text_fields",
]

# --------------------------------------------------------------------------- vocabulary


def _words(text: str, sep: str | None = None) -> tuple[str, ...]:
    """A word list written as one string (``"Giàng Sùng Vàng"``)."""
    return tuple(w for w in text.split(sep) if w)


KINH_SURNAMES = _words(
    "Nguyễn Trần Lê Phạm Hoàng Huỳnh Phan Vũ Võ Đặng Bùi Đỗ Hồ Ngô Dương Lý Đinh Đào Đoàn "
    "Trương Lâm Mai Cao Lưu Tạ Triệu Kiều Lương Hà Tô Chu Vương Quách La Mạc Nông Lăng Hứa Ma "
    "Lục Bế Sầm Phùng Đàm Khổng Giáp Lại Châu Tống Diệp Âu Tăng Thân"
)
HMONG_SURNAMES = _words(
    "Giàng Sùng Vàng Lý Mùa Thào Hầu Hạng Cứ Vừ Lầu Tráng Chang Sình Lồ Mua Ly Hờ Xồng Tẩn "
    "Chảo Bàn Phàn Chá"
)
TAI_SURNAMES = _words(
    # Thai, Khmu, Hà Nhì, Lự, Dao
    "Lò Lường Quàng Cầm Vi Lô Tòng Điêu Hà Lù Pờ Chu Sừng Lỳ Vì Khà Ly Lầu Mè Pạc Lỷ"
)
EDE_CLANS = _words(
    "Niê Êban Ksor Rahlan Kpă Adrơng Ayŭn Ayun Mlô Byă Hwing Kpuih Rcom Ênuôl Siu Nay Rmah "
    "Puih Kpơr Bkrông Hmok Nie Eban"
)
EDE_CLAN_PAIRS = {("rơ", "châm"), ("rơ", "mah"), ("rơ", "lan"), ("rơ", "ô"), ("niê", "kdăm")}
SURNAMES = tuple(dict.fromkeys(KINH_SURNAMES + HMONG_SURNAMES + TAI_SURNAMES))
"""Every surname: with a middle name such as Thị or A it makes a name in any case."""

DISTINCTIVE_SURNAMES = _words(
    "Nguyễn Trần Lê Phạm Hoàng Huỳnh Phan Vũ Võ Đặng Bùi Đỗ Hồ Ngô Dương Đinh Trương Giàng "
    "Sùng Thào Vừ Lầu Sình Tráng Lồ Xồng Tẩn Chảo Phàn Hờ Lường Quàng Tòng Điêu Lù Pờ Lỳ"
)
"""Surnames that are not also common words: with capitals they make a name on their own."""

MIDDLE_NAMES = ("Thị", "Văn", "A", "Seo", "Páo", "Mí", "Chứ", "Sếnh", "Súa")
HONORIFICS = ("chị", "bà", "anh", "ông", "em", "cháu", "cô", "bé", "cụ")

_MIDDLE_COMPOUNDS = {
    "thi": "tran truong xa sat luc hieu phan thuc chinh giac dan dua dau cu hanh cong tuyen ra",
    "van": "phong hoa nghe ban kien hoc thu chuong hien vat tu pham mieu tho bang hao minh "
    "dong chuyen hanh tai de may nghe thue lang khoa",
    "a": "",
}
"""Words that make a common word with a middle name (``văn phòng``): not a given name."""

PLACE_WORDS = _words(
    "xã phường huyện quận tỉnh trấn thị phố tp thành bản thôn làng buôn plei sóc ấp đồn "
    "đèo sông suối núi tộc người trường học thcs thpt ptdtbt ptdtnt non khẩu cầu chợ khu cụm "
    "đường đội quỹ bổng bảo tàng lhpn hội"
)
"""A word after which a capitalised name is a place or an institution (``xã Vàng Ma Chải``)."""

_WORD_BEFORE = {
    "ly": "quan dai tam hoa vat dia luan chanh nghia xu",
    "cu": "can",
    "mua": "vu thu",
    "nay": "hien nam dang sau truoc tu",
    "vi": "pham don",
    "luong": "do tien",
    "lo": "cong",
}
"""A common word made with the word before (``quản lý``, ``căn cứ``, ``hiện nay``)."""

NOT_GIVEN_NAMES = _words(
    "hội phụ nữ ban bộ sở phòng trung trường đồn biên xã huyện tỉnh quận phường phố trấn "
    "bản thôn làng buôn chương trình dự án kế hoạch báo cáo quyết định năm tháng ngày quý tổng "
    "cộng nhà mái ấm hỗ trợ tặng quà bò dê lợn gà giống vốn mô hình đội ủy uỷ chi cục viện "
    "lớp khu vùng cửa khẩu đường sông suối núi đèo chợ cầu bệnh trạm tế chủ phó bí trưởng "
    "giám cán đại thượng thiếu mẹ bố cha con ubnd hđnd lhpn dtts mtqg tw tổ nhóm đảng đoàn "
    "niên công tết mưa khô vụ các những mọi và của cho tại với từ đến được là có không trong "
    "học sinh mầm tiểu giáo viên gia dân người hộ"
)
"""Capitalised words that are not given names (``Hội``, ``Đồn``, ``Mẹ``, ``Tết`` ...)."""

ALLOWED_PHRASES = _words(
    # places and peoples that begin like a name
    "Hà Nội; Hà Giang; Hà Tĩnh; Hà Nam; Hà Đông; Hà Nhì; Hà Quảng; Hà Trung; Hà Tiên; "
    "Hà Lang; Hà Huy Tập; Lô Lô; Hoàng Mai; Hoàng Su Phì; Hoàng Sa; Phan Thiết; Phan Rang; "
    "Lý Sơn; Lý Nhân; Vàng Ma Chải; Vàng Danh; Vũ Quang; Vũ Thư; Võ Nhai; Lê Chân; Đỗ Lương; "
    "Cao Bằng; Cao Lộc; Lâm Đồng; Lâm Bình; Vị Xuyên; Vi Xuyên; Chư Prông; Chư Sê; Chư Păh; "
    "Chư Pưh; Mai Châu; Mai Sơn; Mường Nhé; Ma Lì Pho; Ma Quai; Ma Thì Hồ; Tô Hiệu; Ea H'Leo; "
    "Y Tý; A Pa Chải; A Mú Sung; A Lù; A Lưới; A Xing; A Ngo; A Dơi; Bà Rịa; Bà Đen; Cô Tô; "
    "Anh Sơn; Anh Quốc; Ông Đốc; Ông Ích Khiêm; Bà Nà; Bà Triệu; Bà Chiểu; Bà Huyện Thanh Quan; "
    "Bờ Y; H'Mông; H'Mong; H'Rê; H'Re; H'Leo; Mùa Xuân; Mùa Hè; Mùa Thu; "
    "Mùa Đông; Mùa Mưa; Mùa Khô; "
    # public figures, found in the names of places, schools, streets and funds
    "Hồ Chí Minh; Vừ A Dính; Lê Văn Tám; Võ Thị Sáu; Nguyễn Thị Minh Khai; Nguyễn Văn Trỗi; "
    "Nguyễn Văn Cừ; Bế Văn Đàn; Hoàng Văn Thụ; Phạm Văn Đồng; Võ Văn Kiệt; Nông Văn Dền; "
    "Võ Nguyên Giáp; Trần Hưng Đạo; Trần Phú; Lê Lợi; Lý Thường Kiệt; Lý Tự Trọng; "
    "Nguyễn Trãi; Nguyễn Huệ; Nguyễn Du; Ngô Quyền; Phan Bội Châu; Phan Châu Trinh; "
    "Phan Đình Phùng; Lê Hồng Phong; Tô Vĩnh Diện; Đặng Thùy Trâm; Hà Huy Tập; Lê Duẩn",
    sep="; ",
)

_ID_KEYWORDS = re.compile(
    r"(cccd|cmnd|cmt|c[aă]n c[uư][oớ]c|ch[uứ]ng minh|[dđ][iị]nh danh|\bid\b|s[oố] th[eẻ])"
    r"[^\d]{0,20}$",
    re.IGNORECASE,
)


def _key(word: str) -> str:
    """NFC, case folded, every apostrophe as ``'``."""
    text = unicodedata.normalize("NFC", word).casefold()
    return re.sub(r"['’‘`ʼ]", "'", text)


def _keys(words: Iterable[str]) -> tuple[frozenset[str], frozenset[str]]:
    """(exact keys, keys without diacritics) of a word list."""
    words = list(words)
    return frozenset(_key(w) for w in words), frozenset(fold(w) for w in words)


_SURNAMES = _keys(SURNAMES)
_A_SURNAMES = _keys(HMONG_SURNAMES + TAI_SURNAMES)
"""Surnames used with the middle name A (Sùng A Páo); Kinh names do not have it."""
_DISTINCTIVE = _keys(DISTINCTIVE_SURNAMES)
_MIDDLE = _keys(MIDDLE_NAMES)
_EDE = _keys(EDE_CLANS)
_HONORIFIC = frozenset(HONORIFICS)
_PLACE_WORDS = _keys(PLACE_WORDS)
_NOT_GIVEN = frozenset(_key(w) for w in NOT_GIVEN_NAMES)
_COMPOUNDS = {k: frozenset(v.split()) for k, v in _MIDDLE_COMPOUNDS.items()}
_BEFORE = {k: frozenset(v.split()) for k, v in _WORD_BEFORE.items()}
_Y_NOT_NAME = frozenset({"tế", "khoa", "học", "sĩ", "dược", "tá", "lệnh", "bạ", "đức"})
_ENGLISH = re.compile(
    r"\b(?:and|of|is|are|was|were|with|for|from|this|which|has|have|been|after|each|per)\b",
    re.IGNORECASE,
)
"""English words that are no Vietnamese word, typed with or without diacritics."""
_LETTER_WORDS = _keys(
    _words(
        "bờ bo khối loại nhóm án điểm hạng mục lục mẫu biểu phụ tổ đội số vitamin kiểu dạng lớp "
        "xóm bảng cột dòng ô phần tầng nhà khu cụm plan annex option type class grade group part"
    )
)
"""Words after which A or Y is a letter (``khối A``, ``Bờ Y``), not a name's prefix."""


def allowed_phrases(phrases: Iterable[str]) -> frozenset[str]:
    """Place names (or other phrases) never to report as a name, as :func:`find_in_text` uses."""
    return frozenset(" ".join(_fold_word(w) for w in p.split()) for p in phrases if p.strip())


def _fold_word(word: str) -> str:
    return fold(_key(word)).replace("'", "")


_ALLOWED = allowed_phrases(ALLOWED_PHRASES)

# --------------------------------------------------------------------------- findings


@dataclass(frozen=True)
class Finding:
    """Personal data found in one text.

    Attributes:
        kind: ``phone``, ``id_number``, ``name`` or ``header``.
        masked: The offending text, masked (never the full value).
    """

    kind: str
    masked: str


class TextFinding(NamedTuple):
    """A finding in a package table; the row as frictionless counts it (the header is 1)."""

    resource: str
    row: int
    field: str
    finding: Finding


def mask(text: str) -> str:
    """Mask a personal value: initials for words, first and last two digits for numbers.

    Example:
        >>> mask("Nguyễn Thị Lan"), mask("0912345678")
        ('N*** T*** L***', '0***78')
    """
    text = _prepare(text)
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
    if len(digits) >= 8 and not re.search(r"[^\d\s.+()\-/]", text):
        return f"{digits[0]}***{digits[-2:]}"
    return joined


# --------------------------------------------------------------------------- text


_INVISIBLE_SPACES = frozenset("\u200b\u2060\ufeff")
"""Zero-width space, word joiner and BOM: they separate words that look separate."""


_FORMAT_CHARACTERS = (
    "\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890-\u0891\u08e2\u180e\u200b-\u200f"
    "\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb\U000110bd\U000110cd"
    "\U00013430-\U00013438\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0001"
    "\U000e0020-\U000e007f"
)
"""Unicode's format characters (category Cf, Unicode 14)."""
_FORMATTING = re.compile(f"[{_FORMAT_CHARACTERS}]")
_UNUSUAL = re.compile(f"[\x00-\x1f\x7f-\x9f{_FORMAT_CHARACTERS}]|(?![0-9])\\d")
"""A character :func:`_prepare` must look at one by one (controls, formatting characters,
digits other than 0-9)."""


def _prepare(value: str, formatting: str = "") -> str:
    """NFKC (full-width digits and letters become plain), control characters and zero-width
    spaces as spaces, other invisible formatting characters (bidi marks, soft hyphens, joiners)
    replaced by ``formatting``, every decimal digit as an ASCII digit."""
    text = unicodedata.normalize("NFKC", value)
    if not _UNUSUAL.search(text):
        return unicodedata.normalize("NFC", text)
    out = []
    for ch in text:
        category = unicodedata.category(ch)
        if category == "Cc" or ch in _INVISIBLE_SPACES:
            out.append(" ")
        elif category == "Cf":
            out.append(formatting)
        elif ch.isdecimal() and not ch.isascii():
            out.append(str(unicodedata.decimal(ch)))
        else:
            out.append(ch)
    return unicodedata.normalize("NFC", "".join(out))


def _has_formatting(value: str) -> bool:
    return _FORMATTING.search(value) is not None


_DATES = re.compile(
    r"(?<!\d)(?:\d{1,2}[/.\-]\d{1,2}[/.\-](?:\d{4}|\d{2})|\d{4}[/.\-]\d{1,2}[/.\-]\d{1,2}"
    r"|\d{1,2}/\d{4})(?!\d)"
)
_SEP = r"(?:[ \t]*[.\-/][ \t]*|[ \t]*[()][ \t]*|[ \t]+)?"
_PHONE = re.compile(
    rf"(?<![\w+.,/])(?P<prefix>\(?\+[ \t]?84\)?|\(?84\)?|0){_SEP}"
    rf"(?P<rest>[35789](?:{_SEP}\d){{8}}|[12](?:{_SEP}\d){{9}})(?![\d])(?![.\-/]\d)"
)
_DIGIT_RUN = re.compile(r"(?<![\d.,])\d+(?![\d.,]*\d)")
_GROUPED_ID = re.compile(
    r"(?<![\w.,\-])(?:(?P<g3>\d{3})(?P<s3>[ .\-])\d{3}(?P=s3)\d{3}(?:(?P=s3)\d{3})?"
    r"|\d{4}(?P<s4>[ .\-])\d{4}(?P=s4)\d{4})(?![\w])(?![.,\-]\d)"
)
_ID_LENGTHS = (9, 12)


def _phones(text: str) -> list[str]:
    return [m.group(0) for m in _PHONE.finditer(_DATES.sub(" ", text))]


def _id_numbers(text: str, phones: list[str]) -> list[str]:
    found = []
    phone_digits = {re.sub(r"\D", "", p) for p in phones}
    for m in _GROUPED_ID.finditer(text):
        digits = re.sub(r"\D", "", m.group(0))
        dashed = "-" in m.group(0)
        keyword = _ID_KEYWORDS.search(text[: m.start()]) is not None
        if len(digits) in _ID_LENGTHS and (digits[0] == "0" or dashed or keyword):
            found.append(m.group(0))
    for m in _DIGIT_RUN.finditer(text):
        run = m.group(0)
        if len(run) in _ID_LENGTHS and not any(run in p for p in phone_digits):
            found.append(run)
    return found


# --------------------------------------------------------------------------- names


_WORD = re.compile(r"[^\W\d_]+(?:['’‘`ʼ][^\W\d_]+)*")


@dataclass(slots=True)
class _Token:
    text: str
    key: str
    folded: str
    joined: bool
    """Only spaces separate it from the word before."""

    @property
    def ascii(self) -> bool:
        return self.text.isascii()

    @property
    def capital(self) -> bool:
        return self.text[:1].isupper()

    @property
    def lower(self) -> bool:
        return self.text.islower()

    def among(self, keys: tuple[frozenset[str], frozenset[str]]) -> bool:
        """In a word list, with the same diacritics, or typed without any."""
        return self.key in keys[0] or (self.ascii and self.folded in keys[1])


@functools.lru_cache(maxsize=65_536)
def _word_keys(word: str) -> tuple[str, str]:
    return _key(word), _fold_word(word)


def _tokens(text: str) -> list[_Token]:
    out: list[_Token] = []
    last = 0
    for m in _WORD.finditer(text):
        gap = text[last : m.start()]
        joined = bool(out) and (gap == "" or (gap.strip(" \t") == "" and gap != ""))
        out.append(_Token(m.group(0), *_word_keys(m.group(0)), joined))
        last = m.end()
    return out


def _runs(tokens: list[_Token]) -> list[list[_Token]]:
    """Tokens split where punctuation or a line break separates them."""
    runs: list[list[_Token]] = []
    for tok in tokens:
        if runs and tok.joined:
            runs[-1].append(tok)
        else:
            runs.append([tok])
    return runs


class _NameScanner:
    """Names in one run of words (see the module docstring for the rules)."""

    def __init__(
        self, run: list[_Token], whole: bool, allowed: frozenset[str], english: bool = False
    ) -> None:
        self.run = run
        self.whole = whole
        self.english = english
        """The text is English: ``a`` and ``A`` are the article."""
        self.allowed = allowed
        self.starts = _phrase_starts(allowed)
        self.plain = all(t.ascii for t in run)
        """Typed without diacritics: ``cho`` may then be ``chợ``."""
        self.shouting = len(run) > 1 and not any(t.text.islower() for t in run)
        """Written in capitals throughout: capitals say nothing."""

    def capital(self, i: int) -> bool:
        return i < len(self.run) and (self.run[i].capital or self.shouting)

    def given(self, i: int) -> bool:
        """A capitalised word that may be a given name."""
        return self.capital(i) and self.run[i].key not in _NOT_GIVEN

    def more_given(self, i: int, limit: int) -> int:
        n = 0
        while n < limit and self.given(i + n):
            n += 1
        return n

    def allowed_at(self, i: int) -> int:
        """Length of an allowed phrase (a place, a public figure) starting at ``i``."""
        for size in self.starts.get(self.run[i].folded, ()):
            words = self.run[i : i + size]
            if len(words) == size and " ".join(t.folded for t in words) in self.allowed:
                return size
        return 0

    def before(self, i: int, words: tuple[frozenset[str], frozenset[str]]) -> bool:
        """The word before ``i`` is in ``words`` (exact keys, keys without diacritics); without
        diacritics only when the text was typed so (``cho`` is not ``chợ``)."""
        if i == 0:
            return False
        prev = self.run[i - 1]
        return prev.key in words[0] or (self.plain and prev.folded in words[1])

    def scan(self) -> list[str]:
        found, i = [], 0
        while i < len(self.run):
            skip = self.allowed_at(i)
            size = 0 if skip else self.name_at(i)
            if size:
                found.append(" ".join(t.text for t in self.run[i : i + size]))
            i += size or skip or 1
        return found

    def name_at(self, i: int) -> int:
        tok = self.run[i]
        pair = i > 0 and self.run[i - 1].key in _HONORIFIC  # chị em, bà con: people, no name
        if tok.key in _HONORIFIC and (tok.lower or i == 0) and not pair:
            size = self.after_honorific(i + 1)
            if size:
                return 1 + size
        if self.before(i, _PLACE_WORDS) or self.common_word(i):
            return 0
        return self.with_middle(i) or self.prefixed(i) or self.ede(i) or self.capitalised(i)

    def common_word(self, i: int) -> bool:
        before = _BEFORE.get(self.run[i].folded)
        return bool(before) and i > 0 and self.run[i - 1].folded in before

    def with_middle(self, i: int) -> int:
        """Surname, middle name (Thị, Văn, A …) and a given name, in any case."""
        run = self.run
        if i + 2 >= len(run) or not run[i].among(_SURNAMES) or not run[i + 1].among(_MIDDLE):
            return 0
        if self.allowed_at(i):
            return 0
        middle, given = run[i + 1], run[i + 2]
        if middle.folded == "a" and not run[i].among(_A_SURNAMES):
            return 0  # A is a Hmong middle name; "than a year", "to a programme" are English
        if middle.text == "a" and self.english:
            return 0  # "more than a year"
        titled = all(self.capital(j) for j in range(i, i + 3))
        if not titled and (
            given.key in _NOT_GIVEN or given.folded in _COMPOUNDS.get(middle.folded, ())
        ):
            return 0
        return 3 + (self.more_given(i + 3, 2) if titled else 0)

    def prefixed(self, i: int) -> int:
        """``Y Blong``, ``A Páo``: a capital A or Y before capitalised given names."""
        run = self.run
        if run[i].text not in ("A", "Y") or self.before(i, _LETTER_WORDS):
            return 0
        if run[i].text == "A" and self.english:
            return 0  # "A Frictionless data package"
        if i + 1 < len(run) and run[i + 1].key in _Y_NOT_NAME:
            return 0
        n = self.more_given(i + 1, 3)
        return 1 + n if n else 0

    def capitalised(self, i: int) -> int:
        """A distinctive surname and capitalised given names."""
        if not self.capital(i) or not self.run[i].among(_DISTINCTIVE):
            return 0
        n = self.more_given(i + 1, 3)
        whole = self.whole and i + 1 + n == len(self.run) and self.only_honorifics_before(i)
        return 1 + n if n >= 2 or (n == 1 and whole) else 0

    def only_honorifics_before(self, i: int) -> bool:
        return all(t.key in _HONORIFIC or t.folded == "ho" for t in self.run[:i])

    def ede(self, i: int) -> int:
        """H' names and the Ê Đê and Jarai clans next to a capitalised word."""
        run, tok = self.run, self.run[i]
        if re.fullmatch(r"h'[^\W\d_]+", tok.key) and (tok.capital or self.whole):
            return 1 + self.more_given(i + 1, 2)
        if not self.capital(i):
            return 0
        if tok.among(_EDE):
            n = self.more_given(i + 1, 3)
            return 1 + n if n else 0
        if i + 1 < len(run) and (tok.key, run[i + 1].key) in EDE_CLAN_PAIRS:
            n = self.more_given(i + 2, 2)
            return 2 + n if n else 0
        if self.given(i) and self.capital(i + 1) and run[i + 1].among(_EDE):
            return 0 if tok.among(_SURNAMES) else 2
        return 0

    def after_honorific(self, i: int) -> int:
        """The name after an honorific: capitalised words, or a surname in any case."""
        run = self.run
        if i >= len(run) or self.allowed_at(i):
            return 0
        size = self.with_middle(i) or self.prefixed(i)
        if size:
            return size
        if self.given(i):
            if run[i].key == "trung" and i + 1 < len(run) and run[i + 1].key in ("tá", "ương"):
                return 0
            return 1 + self.more_given(i + 1, 3)
        if run[i].among(_DISTINCTIVE) and i + 1 < len(run):
            return 2
        return 0


@functools.lru_cache(maxsize=64)
def _phrase_starts(allowed: frozenset[str]) -> dict[str, tuple[int, ...]]:
    """First word of the allowed phrases → their lengths in words, longest first."""
    starts: dict[str, set[int]] = {}
    for phrase in allowed:
        words = phrase.split()
        if words:
            starts.setdefault(words[0], set()).add(len(words))
    return {w: tuple(sorted(n, reverse=True)) for w, n in starts.items()}


_TRIGGERS = frozenset().union(
    _SURNAMES[0], _EDE[0], _HONORIFIC, {"a", "y", "rơ"}, (w.casefold() for w in EDE_CLANS)
)
_ASCII_TRIGGERS = frozenset().union(_SURNAMES[1], _EDE[1], {"a", "y"})


@functools.lru_cache(maxsize=65_536)
def _trigger(word: str) -> bool:
    """A name rule can start at this word: a surname, a clan, an honorific, A, Y or H'."""
    key, folded = _word_keys(word)
    return key in _TRIGGERS or (word.isascii() and folded in _ASCII_TRIGGERS) or "'" in key


def _names(text: str, allowed: frozenset[str]) -> list[str]:
    if not any(_trigger(w) for w in _WORD.findall(text)):
        return []
    runs = _runs(_tokens(text))
    english = _ENGLISH.search(text) is not None
    found: list[str] = []
    for run in runs:
        if any(_trigger(t.text) for t in run):
            found += _NameScanner(run, len(runs) == 1, allowed, english).scan()
    return found


# --------------------------------------------------------------------------- entry points


def find_in_text(
    value: str,
    *,
    numeric_column: bool = False,
    maximum: float | None = None,
    allowed: Collection[str] = frozenset(),
) -> list[Finding]:
    """Personal data in one text (a cell, a sheet name, a comment, a file name, a CSV field).

    Invisible formatting characters are read both as nothing and as a space (a bidi mark may
    hide inside a word or between two words); a finding in either reading counts.

    Args:
        value: The text.
        numeric_column: The text is in a column of numbers: a text made only of digits is a
            number (not an identity number) unless it starts with 0 or exceeds ``maximum``.
        maximum: The numeric field's maximum, if any.
        allowed: More phrases never reported as names, from :func:`allowed_phrases` (the
            package's place names).

    Returns:
        The findings, masked, phones first, then identity numbers, then names.
    """
    extra = allowed if isinstance(allowed, frozenset) else allowed_phrases(allowed)
    every = _with_builtin(extra)
    found: dict[Finding, None] = {}
    for formatting in ("", " ") if _has_formatting(value) else ("",):
        text = clean_text(_prepare(value, formatting))
        for finding in _find(text, numeric_column, maximum, every):
            found[finding] = None
    return sorted(found, key=lambda f: _KINDS.index(f.kind))


@functools.lru_cache(maxsize=64)
def _with_builtin(extra: frozenset[str]) -> frozenset[str]:
    return _ALLOWED | extra


_KINDS = ("phone", "id_number", "name", "header")


def _find(
    text: str, numeric_column: bool, maximum: float | None, allowed: frozenset[str]
) -> list[Finding]:
    if not text:
        return []
    phones = _phones(text)
    found = [Finding("phone", mask(p)) for p in phones]
    whole_number = numeric_column and text.isdigit() and not text.startswith("0")
    if whole_number and maximum is not None and int(text) > maximum:
        whole_number = False
    if not whole_number:
        found += [Finding("id_number", mask(n)) for n in _id_numbers(text, phones)]
    found += [Finding("name", mask(n)) for n in _names(text, allowed)]
    return found


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


# --------------------------------------------------------------------------- package tables

PLACE_COLUMNS = (
    "name_in_source",
    "name_official",
    "district_name",
    "province_name",
    "successor_name_2025",
    "successor_province_2025",
)
"""Columns of ``communes`` whose values are place names (allowed in every other table)."""


def _skipped(column: str) -> bool:
    return column.endswith("_id") or column.endswith("_code") or column in ("id", "code")


def _numeric(values: list[str]) -> bool:
    return bool(values) and all(re.fullmatch(r"-?\d+(\.\d+)?", v) for v in values)


def scan_text_fields(frames: Mapping[str, Any]) -> list[TextFinding]:
    """Personal data in the text fields of the package's tables.

    Args:
        frames: Resource name → pandas DataFrame (read with ``dtype=str`` to see every value;
            cells that are not strings are skipped). Columns named ``*_id`` or ``*_code`` are
            skipped; so are whole numbers in a column made only of numbers (amounts, counts).
            The places of a ``communes`` frame are allowed everywhere.

    Returns:
        One :class:`TextFinding` (unpacks as ``(resource, row, field, finding)``) per finding,
        rows numbered as frictionless counts them (the header is row 1, data start at 2).
    """
    places: list[str] = []
    communes = frames.get("communes")
    if communes is not None:
        for column in PLACE_COLUMNS:
            if column in communes.columns:
                places += [v for v in communes[column].tolist() if isinstance(v, str)]
    allowed = allowed_phrases(places)
    out: list[TextFinding] = []
    for resource, frame in frames.items():
        for column in frame.columns:
            if _skipped(str(column)):
                continue
            values = frame[column].tolist()
            numeric = _numeric([v for v in values if isinstance(v, str) and v != ""])
            seen: dict[str, list[Finding]] = {}  # a million rows hold few distinct texts
            for index, value in enumerate(values):
                if not isinstance(value, str) or not value.strip():
                    continue
                if value not in seen:
                    seen[value] = find_in_text(value, numeric_column=numeric, allowed=allowed)
                for finding in seen[value]:
                    out.append(TextFinding(resource, index + 2, str(column), finding))
    return out
