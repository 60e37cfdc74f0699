"""Read an ``.xlsx`` file into plain grids of cell values, within limits, keeping what Excel
knows about them.

A workbook comes from outside (a province, a district, a border post) and is read as hostile:

1. **Before anything is unpacked** the file itself is checked: at most :attr:`Limits.file_bytes`;
   a ZIP archive whose end record announces at most :attr:`Limits.members` members and a
   directory of matching size (checked before Python's ``zipfile`` builds the directory);
   whose members' uncompressed sizes, as the directory states them, add up to at most
   :attr:`Limits.unpacked_bytes` (``zipfile`` never inflates a member beyond its stated size:
   a member that lies is cut there and fails its CRC check); and that holds no
   macros: a ``vbaProject.bin`` member, an Excel 4.0 macro sheet or a macro-enabled content
   type refuses the file whatever its extension.
2. **Every XML part is streamed**, never loaded whole, and must be UTF-8 without a document
   type declaration (so no entity can be declared, expanded or fetched):
   each element read counts against :attr:`Limits.xml_elements` for the whole workbook, and
   elements are dropped from memory as soon as they are read. A sheet's declared dimension
   (``<dimension ref="A1:XFD1048576">``) is ignored: only the cells present in the file are
   read, so a single cell at ``XFD1048576`` costs one cell. At most
   :attr:`Limits.cells_per_sheet` cells per sheet, :attr:`Limits.cells` in the workbook,
   :attr:`Limits.sheets` sheets and :attr:`Limits.shared_strings` shared strings.
3. The importer then checks the sheets it imports: their data (the non-empty cells) must fit
   in :attr:`Limits.rows` × :attr:`Limits.columns`, and their merged ranges, clipped to the
   data, may cover at most :attr:`Limits.merged_cells` cells (see
   :mod:`analysis.intake.importer`). Sheets it does not import are only searched for personal
   data, cell by cell.

openpyxl's loader is not used for the cells: even in read-only mode it pads every row to its
last cell and every missing row up to the declared dimension, and builds a whole row before a
count could stop it. Its helpers still decide which number formats are dates.

Each cell keeps its cached value (what Excel computed) and whether it holds a formula: a
formula whose value was never computed (the file was written by a program, not saved by
Excel) has no value to import. Text is decoded as Excel does (``_x000D_`` is a carriage
return). Merged cells, hidden rows, hidden columns, hidden sheets and cell comments are
recorded so that the importer can say what it did with them and search the comments for
personal data. A legacy comment's first line, the name of its author that Excel inserts
(``Nguyễn Văn A:``), is metadata, like the author of the file, and is left out.
"""

from __future__ import annotations

import functools
import io
import posixpath
import re
import struct
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from xml.etree.ElementTree import Element, ParseError, XMLPullParser

from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format, is_timedelta_format
from openpyxl.utils import get_column_letter
from openpyxl.utils.cell import column_index_from_string
from openpyxl.utils.datetime import CALENDAR_MAC_1904, WINDOWS_EPOCH, from_excel, from_ISO8601

__all__ = [
    "LIMITS",
    "Cell",
    "Grid",
    "Limits",
    "WorkbookError",
    "cell_name",
    "check_container",
    "read_workbook",
]

MB = 1024 * 1024
CHUNK_BYTES = 64 * 1024
EXCEL_MAX_ROW = 1_048_576
EXCEL_MAX_COLUMN = 16_384


@dataclass(frozen=True)
class Limits:
    """What a workbook may hold; anything beyond is refused, not truncated.

    The defaults are far above a province's yearly workbook (the template is about 40 KB with
    a few hundred rows a sheet) and far below what would exhaust a laptop.
    """

    file_bytes: int = 50 * MB
    """The file on disk."""
    unpacked_bytes: int = 200 * MB
    """All members uncompressed, as the ZIP directory states."""
    members: int = 2_000
    """Members of the ZIP archive (a workbook has a few dozen)."""
    sheets: int = 100
    cells_per_sheet: int = 200_000
    """Cells present in one sheet's XML, empty formatted cells included."""
    cells: int = 500_000
    """Cells present in all sheets together."""
    xml_elements: int = 5_000_000
    """XML elements read in all parts together (bounds the time spent parsing)."""
    nested_elements: int = 10_000
    """Elements inside one cell, one shared string or one comment."""
    shared_strings: int = 1_000_000
    rows: int = 100_000
    """Rows of data in a sheet the import reads (last non-empty row)."""
    columns: int = 500
    """Columns of data in a sheet the import reads (last non-empty column)."""
    merged_cells: int = 200_000
    """Cells covered by merged ranges in a sheet the import reads, within its data."""
    text_length: int = 32_767
    """Characters in one cell: Excel's own limit."""


LIMITS = Limits()

MACRO_CONTENT_TYPES = (
    "application/vnd.ms-excel.sheet.macroenabled.main+xml",
    "application/vnd.ms-excel.template.macroenabled.main+xml",
    "application/vnd.ms-excel.addin.macroenabled.main+xml",
    "application/vnd.ms-office.vbaproject",
    "application/vnd.ms-excel.macrosheet+xml",
    "application/vnd.ms-excel.intlmacrosheet+xml",
)
MACRO_EXTENSIONS = (".xlsm", ".xltm", ".xlam")


class WorkbookError(Exception):
    """The file is not a workbook the importer will read (unreadable, too large, macros)."""

    def __init__(self, rule: str, detail: str = "", **params: Any) -> None:
        super().__init__(detail or rule)
        self.rule = rule
        self.detail = detail
        self.params = params


@dataclass(frozen=True, slots=True)
class Cell:
    """A cell's value as imported.

    Attributes:
        value: The value (the cached value of a formula); None when empty.
        formula: The cell holds a formula.
        error: The cell holds an Excel error value (``#N/A``, ``#DIV/0!`` ...).
    """

    value: Any
    formula: bool = False
    error: bool = False

    @property
    def missing_formula_value(self) -> bool:
        return self.formula and self.value is None

    @property
    def empty(self) -> bool:
        if self.formula or self.error:
            return False
        return self.value is None or (isinstance(self.value, str) and not self.value.strip())


@dataclass
class Grid:
    """One worksheet: its cells by (row, column), 1-based, and what is hidden or merged.

    Only cells present in the file are held; ``max_row`` and ``max_col`` are those of the
    non-empty cells (never the sheet's declared dimension).
    """

    name: str
    cells: dict[tuple[int, int], Cell] = field(default_factory=dict)
    max_row: int = 0
    max_col: int = 0
    hidden: bool = False
    hidden_rows: set[int] = field(default_factory=set)
    hidden_cols: set[int] = field(default_factory=set)
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)
    """Merged ranges as (min_row, min_col, max_row, max_col)."""
    comments: dict[tuple[int, int], str] = field(default_factory=dict)
    """Cell comments (legacy notes and threaded comments) by (row, column)."""
    _by_row: dict[int, list[int]] | None = field(default=None, repr=False, compare=False)
    _merge_index: dict[tuple[int, int], tuple[int, int, int, int]] | None = field(
        default=None, repr=False, compare=False
    )

    def get(self, row: int, col: int) -> Cell:
        return self.cells.get((row, col), _EMPTY)

    def columns_in_row(self, row: int) -> list[int]:
        """The columns of the cells present in ``row``, in order."""
        if self._by_row is None:
            self._by_row = {}
            for r, c in sorted(self.cells):
                self._by_row.setdefault(r, []).append(c)
        return self._by_row.get(row, [])

    def rows(self) -> list[int]:
        """The rows that hold at least one cell, in order."""
        self.columns_in_row(0)
        return sorted(self._by_row or {})

    def merged_area(self) -> int:
        """Cells covered by merged ranges, each range clipped to the grid's data."""
        total = 0
        for r1, c1, r2, c2 in self.merged:
            rows = min(r2, self.max_row) - r1 + 1
            cols = min(c2, self.max_col) - c1 + 1
            total += max(rows, 0) * max(cols, 0)
        return total

    def merge_of(self, row: int, col: int) -> tuple[int, int, int, int] | None:
        """The merged range covering a cell, if any (ranges clipped to the grid's data)."""
        if self._merge_index is None:
            self._merge_index = {}
            for rng in self.merged:
                r1, c1, r2, c2 = rng
                for r in range(r1, min(r2, self.max_row) + 1):
                    for c in range(c1, min(c2, self.max_col) + 1):
                        self._merge_index.setdefault((r, c), rng)
        return self._merge_index.get((row, col))


_EMPTY = Cell(None)


def cell_name(row: int, col: int) -> str:
    """``(14, 4)`` → ``'D14'``."""
    return f"{get_column_letter(col)}{row}"


# --------------------------------------------------------------------------- the container


def _directory(data: bytes) -> tuple[int, int] | None:
    """(members, size of the central directory) as the ZIP's end record announces them."""
    tail = data[-(65_535 + 22) :]
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) - at < 22:
        return None
    fields = struct.unpack("<4s4H2LH", tail[at : at + 22])
    entries, size = fields[4], fields[5]
    if entries == 0xFFFF or size == 0xFFFFFFFF:  # ZIP64: far beyond any workbook
        return 1 << 32, size
    return entries, size


DIRECTORY_BYTES_PER_MEMBER = 512
"""A directory entry is 46 bytes and a name: room for names of 466 bytes on average."""


def check_container(data: bytes, name: str = "", limits: Limits = LIMITS) -> None:
    """Refuse a file that is too large, not a ZIP archive, a ZIP bomb or has macros.

    Only the ZIP directory is read; nothing is inflated.

    Raises:
        WorkbookError: ``file-too-large``, ``not-xlsx``, ``too-many-parts``,
            ``unpacked-too-large`` or ``macros``.
    """
    if len(data) > limits.file_bytes:
        raise WorkbookError(
            "file-too-large", size=_mb(len(data)), limit=_mb(limits.file_bytes, exact=True)
        )
    if name.lower().endswith(MACRO_EXTENSIONS):
        raise WorkbookError("macros", part=name.rsplit(".", 1)[-1])
    directory = _directory(data)
    if directory is None or not zipfile.is_zipfile(io.BytesIO(data)):
        raise WorkbookError("not-xlsx")
    entries, size = directory
    if entries > limits.members or size > limits.members * DIRECTORY_BYTES_PER_MEMBER:
        raise WorkbookError("too-many-parts", n=entries, limit=limits.members)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, ValueError, EOFError, OSError) as exc:
        raise WorkbookError("not-xlsx", f"{type(exc).__name__}: {exc}") from None
    if len(infos) > limits.members:
        raise WorkbookError("too-many-parts", n=len(infos), limit=limits.members)
    unpacked = sum(info.file_size for info in infos)
    if unpacked > limits.unpacked_bytes:
        raise WorkbookError(
            "unpacked-too-large", size=_mb(unpacked), limit=_mb(limits.unpacked_bytes, exact=True)
        )
    for info in infos:
        lower = info.filename.lower()
        if lower.endswith("vbaproject.bin") or "/macrosheets/" in f"/{lower}":
            raise WorkbookError("macros", part=info.filename)


def _mb(size: int, exact: bool = False) -> str:
    return f"{size // MB}" if exact else f"{size / MB:.1f}"


# --------------------------------------------------------------------------- reading

_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")


def _unescape(text: str) -> str:
    """Excel's escapes in text: ``_x000D_`` is a carriage return, ``_x005F_`` an underscore."""
    return _ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text) if "_x" in text else text


_LOCAL_NAMES: dict[str, str] = {}


def _local(tag: str) -> str:
    """``{namespace}c`` → ``c``."""
    name = _LOCAL_NAMES.get(tag)
    if name is None:
        name = tag.rsplit("}", 1)[-1]
        if len(_LOCAL_NAMES) < 10_000:
            _LOCAL_NAMES[tag] = name
    return name


_REF = re.compile(r"\$?([A-Za-z]{1,3})\$?([0-9]{1,7})")


@functools.lru_cache(maxsize=20_000)
def _column(letters: str) -> int:
    return column_index_from_string(letters.upper())


def _cell_ref(ref: str) -> tuple[int, int]:
    """``"D14"`` → ``(14, 4)``."""
    m = _REF.fullmatch(ref)
    if m is None:
        raise WorkbookError("not-xlsx", f"bad cell reference {ref[:20]!r}")
    return int(m.group(2)), _column(m.group(1))


def _attr(elem: Element, name: str) -> str | None:
    """An attribute by local name (``r:id`` as ``id``)."""
    for key, value in elem.attrib.items():
        if _local(key) == name:
            return value
    return None


def _text(elem: Element) -> str:
    """The text of a string item (``<si>``, ``<is>``, a comment's ``<text>``): its ``t`` and
    its runs' ``t``, without phonetic runs (``rPh``)."""
    parts = []
    for child in elem:
        tag = _local(child.tag)
        if tag == "t":
            parts.append(child.text or "")
        elif tag == "r":
            parts += [t.text or "" for t in child if _local(t.tag) == "t"]
    return _unescape("".join(parts))


class _Reader:
    """Stream the parts of one workbook, counting everything against the limits."""

    def __init__(self, zf: zipfile.ZipFile, limits: Limits) -> None:
        self.zf = zf
        self.limits = limits
        self.names = set(zf.namelist())
        self.elements = 0
        self.cells = 0
        self.strings: list[str] = []
        self.date_styles: set[int] = set()
        self.timedelta_styles: set[int] = set()
        self.epoch = WINDOWS_EPOCH

    def stream(
        self, member: str, depth: int, starts: frozenset[str] = frozenset()
    ) -> Iterator[tuple[str, int, Element]]:
        """(event, level, element): the end of every element at ``depth`` or above (the root
        is level 1), and the start of those named in ``starts``, in document order.

        Each element is removed from the tree once the caller is done with its end; deeper
        elements stay until their ancestor at ``depth`` is removed, at most
        ``nested_elements`` of them.
        """
        if member not in self.names:
            raise WorkbookError("not-xlsx", f"missing part {member}")
        stack: list[Element] = []
        nested = 0
        for event, elem in self.events(member):
            if event == "start":
                self.elements += 1
                if self.elements > self.limits.xml_elements:
                    raise WorkbookError("too-complex", limit=self.limits.xml_elements)
                stack.append(elem)
                if len(stack) > depth:
                    nested += 1
                    if nested > self.limits.nested_elements:
                        raise WorkbookError("too-complex", limit=self.limits.nested_elements)
                elif starts and _local(elem.tag) in starts:
                    yield "start", len(stack), elem
                continue
            level = len(stack)
            stack.pop()
            if level <= depth:
                yield "end", level, elem
                if stack:
                    stack[-1].remove(elem)
                nested = 0

    def events(self, member: str) -> Iterator[tuple[str, Element]]:
        """Start and end events of a part, parsed in chunks by the C parser.

        A part must be UTF-8 (as Excel writes it) and must not declare a document type: without
        one, no entity can be declared, so none is expanded (no "billion laughs") or fetched.
        """
        parser = XMLPullParser(events=("start", "end"))
        tail = b""
        first = True
        with self.zf.open(member) as fh:
            while chunk := fh.read(CHUNK_BYTES):
                if first:
                    head = chunk.lstrip(b" \t\r\n").removeprefix(b"\xef\xbb\xbf")
                    if not head.startswith(b"<"):
                        raise WorkbookError("not-xlsx", f"{member} is not UTF-8 XML")
                    first = False
                if b"<!DOCTYPE" in tail + chunk or b"<!ENTITY" in tail + chunk:
                    raise WorkbookError("not-xlsx", f"{member} declares a document type")
                tail = chunk[-16:]
                parser.feed(chunk)
                yield from parser.read_events()
        parser.close()
        yield from parser.read_events()

    def rels(self, part: str) -> dict[str, tuple[str, str]]:
        """Relationship id → (type, target part) of ``part``."""
        folder, base = posixpath.split(part)
        rels_part = posixpath.join(folder, "_rels", base + ".rels")
        if rels_part not in self.names:
            return {}
        out = {}
        for _, _, elem in self.stream(rels_part, 2):
            if _local(elem.tag) != "Relationship" or elem.get("TargetMode") == "External":
                continue
            target = elem.get("Target") or ""
            path = target.lstrip("/") if target.startswith("/") else posixpath.join(folder, target)
            out[elem.get("Id") or ""] = (elem.get("Type") or "", posixpath.normpath(path))
        return out

    def content_types(self) -> None:
        if "[Content_Types].xml" not in self.names:
            raise WorkbookError("not-xlsx", "no [Content_Types].xml")
        for _, _, elem in self.stream("[Content_Types].xml", 2):
            kind = (elem.get("ContentType") or "").lower()
            if kind in MACRO_CONTENT_TYPES:
                raise WorkbookError("macros", part=elem.get("PartName") or kind)

    def workbook_part(self) -> str:
        for kind, target in self.rels("").values():
            if kind.endswith("/officeDocument"):
                return target
        return "xl/workbook.xml"

    def sheet_list(self, part: str) -> list[tuple[str, str, str | None]]:
        """(name, state, part) of every sheet; part None for a sheet without cells."""
        rels = self.rels(part)
        sheets = []
        for _, _, elem in self.stream(part, 3):
            tag = _local(elem.tag)
            if tag == "workbookPr" and elem.get("date1904") in ("1", "true"):
                self.epoch = CALENDAR_MAC_1904
            elif tag == "sheet":
                kind, target = rels.get(_attr(elem, "id") or "", ("", ""))
                if kind.endswith("/macrosheet"):
                    raise WorkbookError("macros", part=target)
                worksheet = kind.endswith("/worksheet")
                sheets.append((elem.get("name") or "", elem.get("state") or "visible", target))
                if not worksheet:
                    sheets[-1] = (*sheets[-1][:2], None)
        if len(sheets) > self.limits.sheets:
            raise WorkbookError("too-many-sheets", n=len(sheets), limit=self.limits.sheets)
        for kind, target in rels.values():
            if kind.endswith("/styles"):
                self.styles(target)
            elif kind.endswith("/sharedStrings"):
                self.shared_strings(target)
        return sheets

    def styles(self, part: str) -> None:
        """The cell styles (``cellXfs``) whose number format shows a date or a duration."""
        custom: dict[int, str] = {}
        pending: list[int] = []
        xfs: list[int] = []
        for _, level, elem in self.stream(part, 3):
            tag = _local(elem.tag)
            if tag == "numFmt":
                custom[int(elem.get("numFmtId") or 0)] = elem.get("formatCode") or ""
            elif tag == "xf" and level == 3:
                pending.append(int(elem.get("numFmtId") or 0))
            elif level == 2:
                if tag == "cellXfs":
                    xfs = pending
                pending = []
        for index, fmt_id in enumerate(xfs):
            fmt = custom.get(fmt_id, BUILTIN_FORMATS.get(fmt_id))
            if is_date_format(fmt):
                self.date_styles.add(index)
                if is_timedelta_format(fmt):
                    self.timedelta_styles.add(index)

    def shared_strings(self, part: str) -> None:
        for _, _, elem in self.stream(part, 2):
            if _local(elem.tag) == "si":
                self.strings.append(_text(elem))
                if len(self.strings) > self.limits.shared_strings:
                    raise WorkbookError("too-complex", limit=self.limits.shared_strings)


def read_workbook(data: bytes, name: str = "", limits: Limits = LIMITS) -> list[Grid]:
    """Every sheet of an ``.xlsx`` file as a :class:`Grid`, in the workbook's order.

    Args:
        data: The file's bytes.
        name: The file's name (a macro-enabled extension is refused).
        limits: What the file may hold.

    Raises:
        WorkbookError: ``not-xlsx`` when the bytes are not an Excel 2007+ workbook, or the
            rule of the limit the file exceeds (see :func:`check_container`, ``too-complex``,
            ``too-many-sheets``, ``sheet-too-many-cells``, ``too-many-cells``).
    """
    check_container(data, name, limits)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            reader = _Reader(zf, limits)
            reader.content_types()
            sheets = reader.sheet_list(reader.workbook_part())
            return [_read_sheet(reader, *sheet) for sheet in sheets]
    except WorkbookError:
        raise
    except (
        ParseError,
        zipfile.BadZipFile,
        zlib.error,
        EOFError,
        KeyError,
        IndexError,
        ValueError,
        OverflowError,
        RuntimeError,
    ) as exc:
        raise WorkbookError("not-xlsx", f"{type(exc).__name__}: {exc}") from None


# --------------------------------------------------------------------------- one sheet


def _read_sheet(reader: _Reader, name: str, state: str, part: str | None) -> Grid:
    grid = Grid(name, hidden=state != "visible")
    if part is None:
        return grid
    _SheetParser(reader, grid).parse(part)
    for r, c in grid.cells:
        grid.max_row = max(grid.max_row, r)
        grid.max_col = max(grid.max_col, c)
    for kind, target in reader.rels(part).values():
        if kind.endswith("/comments"):
            _legacy_comments(reader, grid, target)
        elif kind.endswith("/threadedComment"):
            _threaded_comments(reader, grid, target)
    return grid


class _SheetParser:
    def __init__(self, reader: _Reader, grid: Grid) -> None:
        self.reader = reader
        self.grid = grid
        self.row = 0
        self.col = 0
        self.count = 0

    def parse(self, part: str) -> None:
        for event, level, elem in self.reader.stream(part, 4, frozenset({"row"})):
            tag = _local(elem.tag)
            if event == "start":
                if level == 3:
                    self.row_start(elem)
            elif tag == "c" and level == 4:
                self.cell(elem)
            elif tag == "col":
                if elem.get("hidden") in ("1", "true"):
                    low, high = int(elem.get("min") or 0), int(elem.get("max") or 0)
                    high = min(high, EXCEL_MAX_COLUMN)
                    if 1 <= low <= high:
                        self.grid.hidden_cols.update(range(low, high + 1))
            elif tag == "mergeCell":
                self.merge(elem.get("ref") or "")

    def row_start(self, elem: Element) -> None:
        ref = elem.get("r")
        self.row = int(float(ref)) if ref else self.row + 1
        self.col = 0
        if not 1 <= self.row <= EXCEL_MAX_ROW:
            raise WorkbookError("not-xlsx", f"row {ref} outside the sheet")
        if elem.get("hidden") in ("1", "true"):
            self.grid.hidden_rows.add(self.row)

    def merge(self, ref: str) -> None:
        if ":" not in ref:
            return
        start, end = ref.split(":", 1)
        r1, c1 = _cell_ref(start)
        r2, c2 = _cell_ref(end)
        self.grid.merged.append((min(r1, r2), min(c1, c2), max(r1, r2), max(c1, c2)))

    def position(self, elem: Element) -> tuple[int, int]:
        ref = elem.get("r")
        if ref:
            row, col = _cell_ref(ref)
        else:
            row, col = self.row, self.col + 1
        if not (1 <= row <= EXCEL_MAX_ROW and 1 <= col <= EXCEL_MAX_COLUMN):
            raise WorkbookError("not-xlsx", f"cell {ref} outside the sheet")
        self.row, self.col = row, col
        return row, col

    def cell(self, elem: Element) -> None:
        self.count += 1
        self.reader.cells += 1
        limits = self.reader.limits
        if self.count > limits.cells_per_sheet:
            raise WorkbookError(
                "sheet-too-many-cells", sheet=self.grid.name, limit=limits.cells_per_sheet
            )
        if self.reader.cells > limits.cells:
            raise WorkbookError("too-many-cells", limit=limits.cells)
        row, col = self.position(elem)
        value, formula, error = self.value(elem)
        if value is not None or formula:
            self.grid.cells[(row, col)] = Cell(value, formula=formula, error=error)

    def value(self, elem: Element) -> tuple[Any, bool, bool]:
        """(cached value, formula, error) as openpyxl's ``data_only`` reading gives them."""
        kind = elem.get("t") or "n"
        formula = False
        raw: str | None = None
        inline: Element | None = None
        for child in elem:
            tag = _local(child.tag)
            if tag == "f":
                formula = True
            elif tag == "v":
                raw = child.text
            elif tag == "is":
                inline = child
        if kind == "inlineStr":
            return (_text(inline) if inline is not None else None), formula, False
        if raw is None or raw == "":
            return None, formula, False
        if kind == "s":
            return self.reader.strings[int(raw)], formula, False
        if kind == "str":
            return _unescape(raw), formula, False
        if kind == "b":
            return raw.strip() in ("1", "true"), formula, False
        if kind == "e":
            return raw, formula, True
        if kind == "d":
            return from_ISO8601(raw), formula, False
        number: int | float = float(raw) if any(ch in raw for ch in ".eE") else int(raw)
        style = int(elem.get("s") or 0)
        if style in self.reader.date_styles:
            try:
                timedelta = style in self.reader.timedelta_styles
                return from_excel(number, self.reader.epoch, timedelta=timedelta), formula, False
            except (OverflowError, ValueError):
                return "#VALUE!", formula, True
        return number, formula, False


def _legacy_comments(reader: _Reader, grid: Grid, part: str) -> None:
    authors: list[str] = []
    for _, _, elem in reader.stream(part, 3):
        tag = _local(elem.tag)
        if tag == "author":
            authors.append(elem.text or "")
        elif tag == "comment":
            text_elem = next((c for c in elem if _local(c.tag) == "text"), None)
            text = _text(text_elem) if text_elem is not None else ""
            author_id = int(elem.get("authorId") or -1)
            author = authors[author_id] if 0 <= author_id < len(authors) else ""
            if author and text.startswith(f"{author}:"):
                text = text[len(author) + 1 :].lstrip("\n")
            _add_comment(grid, elem.get("ref") or "", text)


def _threaded_comments(reader: _Reader, grid: Grid, part: str) -> None:
    for _, _, elem in reader.stream(part, 2):
        if _local(elem.tag) == "threadedComment":
            text = "".join(
                (c.text or "") for c in elem.iter() if _local(c.tag) == "text" and c is not elem
            )
            _add_comment(grid, elem.get("ref") or "", text)


def _add_comment(grid: Grid, ref: str, text: str) -> None:
    if not ref or not text.strip():
        return
    key = _cell_ref(ref.split(":", 1)[0])
    previous = grid.comments.get(key)
    grid.comments[key] = f"{previous}\n{text}" if previous else text
