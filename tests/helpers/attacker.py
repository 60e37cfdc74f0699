"""An attacker who reads a published report and tries to recover the counts it hides.

The attacker sees only what a reader sees: the report's HTML (tables, sentences, key figures,
alt text of charts) and the workbook beside it. A hidden count shows ``<5`` (a small count)
or ``x`` (hidden to protect another). For every hidden count of people the attacker tries:

* **subtraction**: the table's total row (or any published number) minus the visible cells
  of the same column;
* **division**: two visible amounts of the same row (money spent and money per person);
* **the same row in another table**: a visible count with the same row label and column
  heading elsewhere in the report or in the workbook;
* **shares**: a visible percentage of a visible count that gives a count below the threshold,
  in a table's row or in a sentence ("88 people, 97.7 % of them poor": two were not).

The attacker is given the true hidden values (by the test) only to decide whether a route
*works*; which cells are hidden is read from the page, never from the code under test.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bs4 import BeautifulSoup

_INT_VI = re.compile(r"^-?\d{1,3}(?:\.\d{3})*$")
_INT_EN = re.compile(r"^-?\d{1,3}(?:,\d{3})*$")
_NUMBER = re.compile(r"-?\d[\d.,]*")


def parse_number(text: str, lang: str) -> float | None:
    """A number as the report prints it in ``lang`` (money, counts, percentages)."""
    text = text.strip().replace("\xa0", " ")
    m = _NUMBER.search(text)
    if not m:
        return None
    raw = m.group(0).rstrip(".,")
    raw = raw.replace(".", "").replace(",", ".") if lang == "vi" else raw.replace(",", "")
    try:
        value = float(raw)
    except ValueError:
        return None
    if "%" in text:
        value /= 100
    if "triệu" in text or "million" in text:
        value *= 1e6
    if "tỷ" in text or "billion" in text:
        value *= 1e9
    return value


PER = re.compile(r"per (person|beneficiary|unit|house|pupil)|mỗi (người|đơn vị)|/ ?người", re.I)
"""Headings of amounts per person (or per unit, where a unit is a household)."""

WORKBOOK_PEOPLE = {
    "people",
    "n",
    "beneficiaries",
    "animals_received",
    "passed_on",
    "still_out",
    "delivered_units",
}
"""Workbook columns that count people or households (a reader sees their headers)."""


@dataclass
class Table:
    caption: str
    headers: list[str]
    rows: list[list[str]]  # cell texts, label first
    people: list[int]  # indexes of columns that count people
    total_row: int | None  # index of the total row, if any


def tables_of(html: str) -> list[Table]:
    soup = BeautifulSoup(html, "html.parser")
    found = []
    for table in soup.find_all("table", class_="data"):
        caption = table.caption.get_text(" ", strip=True) if table.caption else ""
        headers = [th.get_text(" ", strip=True) for th in table.select("thead th")]
        rows, people, total_row = [], set(), None
        for i, tr in enumerate(table.select("tbody tr")):
            cells = tr.find_all(["td", "th"])
            rows.append([c.get_text(" ", strip=True) for c in cells])
            for j, c in enumerate(cells):
                if "people" in (c.get("class") or []):
                    people.add(j)
            if "total" in (tr.get("class") or []):
                total_row = i
        found.append(Table(caption, headers, rows, sorted(people), total_row))
    return found


PEOPLE_WORDS = re.compile(r"^\s*(người|hộ|phụ nữ|học sinh|people|person|households?|women|pupils)")


def people_numbers(html: str, lang: str) -> set[float]:
    """Every number the page prints as a total of people: in a sentence, a number followed by
    a word for people ("27 người", "27 people"); a key figure whose label speaks of people;
    the total row of a table's people column."""
    soup = BeautifulSoup(html, "html.parser")
    numbers = set()
    texts = [p.get_text(" ") for p in soup.find_all(["p", "li", "figcaption"])]
    texts += [img.get("alt", "") for img in soup.find_all("img")]
    for text in texts:
        for m in re.finditer(r"-?\d[\d.,]*\d|\d", text):
            if PEOPLE_WORDS.match(text[m.end() :]):
                value = parse_number(m.group(0), lang)
                if value is not None:
                    numbers.add(value)
    for box in soup.select(".kpi"):
        label = box.select_one(".label").get_text(" ")
        if re.search(r"người|hộ|people|households", label, re.I):
            value = parse_number(box.select_one(".value").get_text(" "), lang)
            if value is not None:
                numbers.add(value)
    for table in tables_of(html):
        if table.total_row is None:
            continue
        for row in table.rows[table.total_row : table.total_row + 1]:
            for c in table.people:
                if c < len(row):
                    value = parse_number(row[c], lang)
                    if value is not None:
                        numbers.add(value)
    return numbers


@dataclass
class Hidden:
    table: int
    row: int
    column: int
    label: str
    header: str
    mark: str


def hidden_cells(tables: list[Table], marks: set[str]) -> list[Hidden]:
    out = []
    for t, table in enumerate(tables):
        for r, row in enumerate(table.rows):
            for c in table.people:
                if c < len(row) and row[c] in marks:
                    out.append(Hidden(t, r, c, row[0], table.headers[c], row[c]))
    return out


def _visible(text: str, lang: str, marks: set[str]) -> float | None:
    if text in marks:
        return None
    return parse_number(text, lang)


def attack(
    html: str,
    workbook: dict,
    lang: str,
    truth: dict,
    threshold: int,
    marks: set[str],
) -> list[str]:
    """Every route that recovers a hidden count; ``truth`` maps (table, row, column) of each
    hidden cell to its true value (supplied by the test). Returns descriptions of the leaks."""
    tables = tables_of(html)
    leaks = []
    printed = people_numbers(html, lang)
    for h in hidden_cells(tables, marks):
        true = truth.get((h.table, h.row, h.column))
        if true is None:
            leaks.append(f"{h.label!r} in table {tables[h.table].caption!r}: no true value given")
            continue
        where = f"{h.label!r} / {h.header!r} in {tables[h.table].caption!r}"
        table = tables[h.table]
        column = [row[h.column] for row in table.rows]
        others = [i for i in range(len(column)) if i != h.row]
        visible = [_visible(column[i], lang, marks) for i in others]
        # Subtraction: the column's total row, or any number printed in the report.
        if None not in visible:
            if table.total_row is not None and h.row != table.total_row:
                parts = [v for i, v in zip(others, visible, strict=True) if i != table.total_row]
                total = visible[others.index(table.total_row)]
                if total - sum(parts) == true:
                    leaks.append(f"{where}: total row minus the other rows = {true}")
            elif table.total_row is not None and h.row == table.total_row:
                if sum(visible) == true:
                    leaks.append(f"{where}: the hidden total is the sum of the rows = {true}")
            elif (
                table.total_row is None
                and sum(visible) > 0
                and sum(visible) + true >= threshold
                and sum(visible) + true in printed
            ):
                leaks.append(
                    f"{where}: a number printed in the report ({sum(visible) + true:g}) minus "
                    f"the column's visible cells = {true}"
                )
        # Division: an amount of the row by an amount per person of the same row.
        row = [_visible(x, lang, marks) for x in table.rows[h.row]]
        per_person = [
            v for v, head in zip(row, table.headers, strict=False) if PER.search(head) and v
        ]
        amounts = [v for v in row[1:] if v is not None and abs(v) >= 1000]
        for a in amounts:
            for b in per_person:
                if a != b and abs(a / b - true) < 1e-6 * max(1, true):
                    leaks.append(f"{where}: {a:g} / {b:g} = {true}")
        # The same row in another table of the page.
        for t, other in enumerate(tables):
            if t == h.table:
                continue
            for other_row in other.rows:
                if other_row[0] != h.label:
                    continue
                for c in other.people:
                    same_column = c < len(other_row) and other.headers[c] == h.header
                    if same_column and _visible(other_row[c], lang, marks) == true:
                        leaks.append(f"{where}: shown as {true} in {other.caption!r}")
        # The same row in a workbook sheet (its columns of people).
        for name, frame in workbook.items():
            columns = [c for c in frame.columns if c in WORKBOOK_PEOPLE]
            for _, wrow in frame.iterrows():
                if not len(wrow) or str(wrow.iloc[0]) != h.label:
                    continue
                for col in columns:
                    value = wrow[col]
                    if isinstance(value, int | float) and value == true and true >= 1:
                        leaks.append(f"{where}: the workbook's sheet {name!r} holds {true}")
    leaks += share_leaks(tables, lang, threshold, marks)
    leaks += prose_share_leaks(html, lang, threshold)
    leaks += small_counts(tables, workbook, lang, threshold, marks)
    return leaks


_PERCENT = re.compile(r"(-?\d[\d.,]*)\s?%")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_CONFIDENCE = re.compile(r"tin cậy \d+\s?%|khoảng \d+\s?%,|\d+\s?% (interval|confidence)")
"""A percentage that is an interval's confidence level (95 %), not a share of people."""


def prose_texts(html: str) -> list[str]:
    """The page's text outside its tables, a block at a time: paragraphs, list items,
    captions, key figures and the alt text of images."""
    soup = BeautifulSoup(html, "html.parser")
    for table in soup.find_all("table"):
        table.decompose()
    texts = [el.get_text(" ", strip=True) for el in soup.find_all(["p", "li", "figcaption"])]
    texts += [box.get_text(" ", strip=True) for box in soup.select(".kpi")]
    texts += [img.get("alt", "") for img in soup.find_all("img")]
    return texts


def prose_share_leaks(html: str, lang: str, threshold: int) -> list[str]:
    """A percentage printed in the same sentence as a count of people ("201 people, of whom
    98.5 % were women") that gives a count below the threshold, or leaves one: the table
    route of :func:`share_leaks`, for the words around the tables."""
    leaks = []
    sentences = [s for text in prose_texts(html) for s in _SENTENCE_END.split(text)]
    for text in sentences:
        counts = []
        for m in re.finditer(r"-?\d[\d.,]*\d|\d", text):
            if PEOPLE_WORDS.match(text[m.end() :]):
                value = parse_number(m.group(0), lang)
                if value:
                    counts.append(value)
        for m in _PERCENT.finditer(text):
            p = parse_number(m.group(0), lang)
            if p is None or _CONFIDENCE.search(text[max(0, m.start() - 16) : m.end() + 12]):
                continue
            for n in counts:
                for small in small_parts(p, n, threshold):
                    leaks.append(f"{m.group(0)} of {n:g} people is {small:g}: {text[:160]!r}")
    return leaks


def small_parts(p: float, n: float, threshold: int) -> list[float]:
    """The counts below the threshold that the share ``p`` of ``n`` people tells: the part
    and the rest, when ``p`` (printed to a tenth of a percent) pins the part to one whole
    number."""
    part = round(p * n)
    if abs(p * n - part) > 0.0006 * n + 1e-9:
        return []
    return [x for x in (part, n - part) if 0 < x < threshold]


def _ratio_of_visible(p: float, visible: list[float]) -> bool:
    """Is the shown share ``p`` the ratio of two counts the same row shows? Then it tells a
    reader nothing the counts do not (and the other checks attack those counts)."""
    return any(b and abs(a / b - p) <= 0.0005 for a in visible for b in visible)


def share_leaks(tables: list[Table], lang: str, threshold: int, marks: set[str]) -> list[str]:
    """A visible percentage of a visible count of people that is a count below the threshold
    (or leaves one)."""
    leaks = []
    for table in tables:
        percent_columns = [
            j
            for j in range(len(table.headers))
            if any("%" in row[j] for row in table.rows if j < len(row))
        ]
        for row in table.rows:
            visible = [
                v
                for c in table.people
                if c < len(row) and (v := _visible(row[c], lang, marks)) is not None
            ]
            for c in table.people:
                n = _visible(row[c], lang, marks) if c < len(row) else None
                if not n:
                    continue
                for j in percent_columns:
                    p = _visible(row[j], lang, marks)
                    if p is None or _ratio_of_visible(p, visible):
                        continue
                    for small in small_parts(p, n, threshold):
                        leaks.append(
                            f"{row[0]!r} in {table.caption!r}: {row[j]} of {row[c]} "
                            f"people is {small}"
                        )
    return leaks


def small_counts(tables, workbook, lang, threshold, marks) -> list[str]:
    """A count of people below the threshold printed as such."""
    leaks = []
    for table in tables:
        for row in table.rows:
            for c in table.people:
                v = _visible(row[c], lang, marks) if c < len(row) else None
                if v is not None and 0 < v < threshold:
                    leaks.append(f"{row[0]!r} in {table.caption!r}: {row[c]} people shown")
    return leaks
