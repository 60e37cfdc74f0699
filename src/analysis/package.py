"""Load the data package into typed pandas DataFrames, strictly, from its own schema.

Every field's type and constraints come from ``datapackage.json``; this module keeps no list of
columns of its own. A cell that does not fit its field is a :class:`~analysis.errors.Problem`,
never a silent NaN (``frictionless``' ``to_pandas()`` turns bad cells into NA). All checks are
vectorised: one pass of pandas per field, so loading stays fast as the package grows.

Example:
    >>> from analysis import load_package
    >>> pkg = load_package()
    >>> pkg["plans"].dtypes["planned_amount_vnd"]
    Int64Dtype()
"""

from __future__ import annotations

import csv
import functools
import hashlib
import io
import json
import os
import re
import stat
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO

import numpy as np
import pandas as pd

from analysis.errors import PackageInvalid, Problem
from analysis.i18n import localized
from analysis.paths import DATAPACKAGE
from analysis.patterns import backtracking_risk, compiled
from analysis.schema import Schema

ILLUSTRATIVE_KIND = "illustrative"
TRUE_VALUES = ("true", "True", "TRUE", "1")
FALSE_VALUES = ("false", "False", "FALSE", "0")
# ASCII digits only: Python's \d also takes full-width (１５) and Arabic-Indic (٣) digits.
_INTEGER = re.compile(r"[+-]?[0-9]+")
_NUMBER = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
"""Control characters (tab and line feed allowed) and bidirectional controls: invisible,
they break reports and workbooks or reorder what a reader sees."""
_FORMULA = re.compile(r"^(?:[=+@]|-(?! ))")
"""Text a spreadsheet would evaluate as a formula (a "- " bullet is ordinary text)."""
_CONTROL_RE2 = r"[\x00-\x08\x0b-\x1f\x7f\x{200e}\x{200f}\x{202a}-\x{202e}\x{2066}-\x{2069}]"
_FORMULA_RE2 = r"^(?:[=+@]|-[^ ]|-$)"
"""The same two rules in RE2's syntax, run by Arrow over a whole column at once."""
MAX_PROBLEMS_PER_RULE = 100
"""Problems listed per file, field and rule; the rest are counted in one more problem."""
_URL = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://")
_BLOCK = 1 << 22  # bytes Arrow parses at a time
_SCAN_BLOCK = 1 << 20  # bytes hashed and scanned at a time
# (Blocks of a few MB freed by Python raise glibc's mmap threshold, after which the parser's
# buffers land on a heap that is never given back: the scan keeps its blocks at 1 MB.)
MAX_FILE_BYTES = 1 << 30
"""Largest resource file read (1 GiB); a larger one is refused before it is read."""


@dataclass
class Package:
    """A loaded data package: its descriptor, typed frames and provenance.

    Attributes:
        path: The ``datapackage.json`` that was loaded.
        descriptor: The parsed descriptor.
        frames: One typed DataFrame per resource, keyed by resource name.
        sha256: Hash of the descriptor and every resource file, in resource order.
    """

    path: Path
    descriptor: dict
    frames: dict[str, pd.DataFrame]
    sha256: str
    _derived: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    def derived(self, key: str, compute: Callable[[], Any]) -> Any:
        """``compute()``, computed once for this package and shared by everything that asks.

        For values derived from the frames (money spent per activity, the illustrative
        sources), which several indicators need: the frames are read-only once loaded.
        ``dataclasses.replace`` gives a package with other frames an empty memo.
        """
        if key not in self._derived:
            self._derived[key] = compute()
        return self._derived[key]

    def __repr__(self) -> str:
        rows = sum(len(f) for f in self.frames.values())
        return (
            f"Package({str(self.path)!r}, {len(self.frames)} resources, {rows:,} rows, "
            f"sha256={self.sha256[:12]}…)"
        )

    def __getitem__(self, name: str) -> pd.DataFrame:
        return self.frames[name]

    def __contains__(self, name: str) -> bool:
        return name in self.frames

    @property
    def version(self) -> str:
        return str(self.descriptor.get("version", ""))

    @property
    def schema(self) -> Schema:
        """The descriptor's metadata (:class:`analysis.schema.Schema`): roles, person-level
        resources, fields and keys, asked there rather than walked by hand."""
        return self.derived("schema", lambda: Schema.from_descriptor(self.descriptor))

    def resource(self, name: str) -> dict:
        """The descriptor of resource ``name``."""
        if name not in self.schema:
            raise KeyError(f"no resource named {name!r} in {self.path}")
        return self.schema.resource(name)

    def field(self, resource: str, name: str) -> dict:
        """The schema of field ``name`` in ``resource``."""
        for fld in self.resource(resource)["schema"]["fields"]:
            if fld["name"] == name:
                return fld
        raise KeyError(f"no field {name!r} in resource {resource!r}")

    def field_title(self, resource: str, name: str, lang: str) -> str:
        """The field's title in ``lang`` (``title_vi`` for Vietnamese, ``title`` otherwise)."""
        fld = self.field(resource, name)
        return fld.get(localized("title", lang, fld), name)

    @property
    def illustrative_sources(self) -> frozenset[str]:
        """Source ids whose kind is ``illustrative`` (generated rows)."""
        src = self.frames["sources"]
        return self.derived(
            "illustrative_sources",
            lambda: frozenset(src.loc[src["kind"] == ILLUSTRATIVE_KIND, "source_id"]),
        )

    def is_illustrative(self, frame: pd.DataFrame) -> pd.Series:
        """Boolean mask: which rows of ``frame`` come from an illustrative source."""
        return frame["source_id"].isin(self.illustrative_sources).astype(bool)


def load_package(path: str | Path | None = None) -> Package:
    """Load and check the whole package; raise :class:`PackageInvalid` on any error.

    Args:
        path: ``datapackage.json`` to load (default: the bundled package).

    Returns:
        The :class:`Package` with one typed DataFrame per resource.

    Raises:
        PackageInvalid: listing every problem found (file, row, field, rule).
    """
    pkg, problems = read_package(path)
    if problems:
        raise PackageInvalid(problems)
    return pkg


def read_package(path: str | Path | None = None) -> tuple[Package | None, list[Problem]]:
    """Load the package and return it with the problems found (empty when valid)."""
    path = Path(path or DATAPACKAGE).absolute()
    digest = hashlib.sha256()
    handle, problem = _open_regular(path, path.name, limit=MAX_DESCRIPTOR_BYTES)
    if problem:
        return None, [problem]
    with handle:
        raw = handle.read(MAX_DESCRIPTOR_BYTES + 1)
    if len(raw) > MAX_DESCRIPTOR_BYTES:
        return None, [
            Problem(
                path.name,
                None,
                None,
                "too-large",
                {"size": len(raw), "limit": MAX_DESCRIPTOR_BYTES},
            )
        ]
    digest.update(raw)
    try:
        descriptor = json.loads(raw.decode("utf-8"))
        resources = descriptor["resources"]
        _check_descriptor(resources)
    except (UnicodeDecodeError, ValueError, KeyError, TypeError) as exc:
        return None, [Problem(path.name, None, None, "descriptor", {"detail": str(exc)})]

    problems: list[Problem] = []
    opened: list[tuple[dict, BinaryIO, list[Problem], int]] = []
    try:
        for res in resources:
            rel = res.get("path", "")
            unsafe = _unsafe_path(rel)
            if unsafe:
                problems.append(Problem(str(rel), None, None, "unsafe-path", {"detail": unsafe}))
                continue
            handle, problem = _open_regular(path.parent / rel, rel, inside=path.parent)
            if problem:
                problems.append(problem)
                continue
            # One streamed pass per file hashes it and checks its shape; the handle stays
            # open, so the bytes parsed below are the bytes hashed even if the file is
            # replaced meanwhile, and no copy of a large file is ever held in memory.
            opened.append((res, handle, [], 0))
            digest.update(res["name"].encode() + b"\0")
            names = [f["name"] for f in res["schema"]["fields"]]
            opened[-1] = (res, handle, *_scan(handle, rel, names, digest))
        sha256 = digest.hexdigest()
        frames: dict[str, pd.DataFrame] = {}
        for res, handle, found, lines in opened:
            if not found:
                frame, found = _read_resource(res, handle, lines)
                if frame is not None:
                    frames[res["name"]] = frame
            problems += found
    finally:
        for _, handle, _, _ in opened:
            handle.close()
    for res in resources:
        if res["name"] in frames:
            problems += _check_keys(res, frames)
    pkg = Package(path, descriptor, frames, sha256)
    return pkg, problems


def _check_descriptor(resources: object) -> None:
    """Raise TypeError naming what is wrong with a descriptor's resources and schemas.

    Everything the loader relies on is checked here, so that a malformed descriptor is one
    clear ``descriptor`` problem rather than a crash further on.
    """
    if not isinstance(resources, list):
        raise TypeError("'resources' is not a list")
    names: set[str] = set()
    schemas: dict[str, dict] = {}
    for i, res in enumerate(resources):
        if not isinstance(res, dict):
            raise TypeError(f"resource {i + 1} is not an object")
        for key in ("name", "path", "schema"):
            if key not in res:
                raise TypeError(f"resource {i + 1} has no {key!r}")
        name = res["name"]
        if not isinstance(name, str) or not name:
            raise TypeError(f"resource {i + 1}: its name must be a non-empty string")
        if name in names:
            raise TypeError(f"two resources are named {name!r}")
        names.add(name)
        schema = res["schema"]
        fields = schema.get("fields") if isinstance(schema, dict) else None
        if not isinstance(fields, list) or not all(
            isinstance(f, dict) and isinstance(f.get("name"), str) for f in fields
        ):
            raise TypeError(f"resource {name!r}: schema.fields must list named fields")
        for fld in fields:
            cons = fld.get("constraints", {})
            if not isinstance(cons, dict):
                raise TypeError(f"{name}.{fld['name']}: constraints must be an object")
            if "pattern" in cons:
                try:
                    risk = backtracking_risk(cons["pattern"])
                except (re.error, TypeError) as exc:
                    raise TypeError(
                        f"{name}.{fld['name']}: pattern {cons['pattern']!r} is not a regular "
                        f"expression ({exc})"
                    ) from None
                if risk:
                    raise TypeError(
                        f"{name}.{fld['name']}: pattern {cons['pattern']!r} can take "
                        f"exponential time on a long cell ({risk}); rewrite it"
                    )
        missing = schema.get("missingValues", [""])
        if not isinstance(missing, list) or not all(isinstance(m, str) for m in missing):
            raise TypeError(f"resource {name!r}: missingValues must be a list of strings")
        schemas[name] = schema
    for name, schema in schemas.items():
        own = {f["name"] for f in schema["fields"]}
        pk = schema.get("primaryKey") or []
        pk = [pk] if isinstance(pk, str) else pk
        if not isinstance(pk, list) or not set(pk) <= own:
            raise TypeError(f"resource {name!r}: primaryKey {pk!r} names no field of the schema")
        for fk in schema.get("foreignKeys", []):
            try:
                local = fk["fields"]
                ref = fk["reference"]
                target = ref.get("resource") or name
                remote = ref["fields"]
            except (KeyError, TypeError, AttributeError):
                raise TypeError(f"resource {name!r}: a foreign key is malformed") from None
            local = [local] if isinstance(local, str) else local
            remote = [remote] if isinstance(remote, str) else remote
            if not set(local) <= own:
                raise TypeError(f"resource {name!r}: foreign key fields {local} not in schema")
            if target not in schemas:
                raise TypeError(f"resource {name!r}: foreign key to unknown resource {target!r}")
            if not set(remote) <= {f["name"] for f in schemas[target]["fields"]} or len(
                remote
            ) != len(local):
                raise TypeError(f"resource {name!r}: foreign key fields {remote} not in {target!r}")


def _line_cells(buf: bytes, final: bool) -> tuple[np.ndarray, int]:
    """Cells per line of ``buf`` (separators counted with numpy), and the bytes consumed.

    Only whole lines are counted: the bytes after the last newline are left for the next
    block, unless ``final``.
    """
    arr = np.frombuffer(buf, dtype=np.uint8)
    ends = np.flatnonzero(arr == 10)
    if final and arr.size and buf[-1:] != b"\n":  # a last line without its newline
        ends = np.append(ends, arr.size)
    if not ends.size:
        return np.zeros(0, dtype=np.int64), 0
    starts = np.concatenate(([0], ends[:-1] + 1))
    commas = np.flatnonzero(arr == 44)
    cells = np.searchsorted(commas, ends) - np.searchsorted(commas, starts) + 1
    return cells, int(ends[-1]) + 1


def _scan(handle: BinaryIO, rel: str, names: list[str], digest) -> tuple[list[Problem], int]:
    """Hash a CSV into ``digest`` in one streamed pass, and check its shape on the way.

    Finds, in this order of precedence, a byte-order mark, a legacy encoding near the top,
    an empty file, Windows line ends, and rows whose cell count is not that of ``names`` (the
    header's own count is left to the column check). Without quotes in the file, cells are
    counted with numpy a block at a time; otherwise the csv module reads the records.

    Returns:
        The problems found, and the file's line count (an upper bound on its records).
    """
    n_fields = len(names)
    head = b""
    carry = b""
    row = 1  # number of the next line to count
    ragged: list[tuple[int, int]] = []
    quoted = content = False
    lines = 1
    cr_row: int | None = None
    read = 0
    while True:
        block = handle.read(_SCAN_BLOCK)
        read += len(block)
        if read > MAX_FILE_BYTES:  # the file grew after it was measured
            return [
                Problem(rel, None, None, "too-large", {"size": read, "limit": MAX_FILE_BYTES})
            ], lines
        digest.update(block)
        before, lines = lines, lines + block.count(b"\n")
        if len(head) < (1 << 16):
            head += block[: (1 << 16) - len(head)]
        quoted = quoted or b'"' in block
        content = content or bool(block.strip())
        if cr_row is None and b"\r" in block:
            cr_row = before + block[: block.index(b"\r")].count(b"\n")
        if quoted or cr_row is not None:
            carry = b""  # the numpy count no longer matters; keep hashing
            if not block:
                break
            continue
        buf = carry + block
        cells, used = _line_cells(buf, final=not block)
        ragged += [(row + int(i), int(cells[i])) for i in np.flatnonzero(cells != n_fields)]
        row += len(cells)
        carry = buf[used:]
        if not block:
            break
    if head.startswith(b"\xef\xbb\xbf"):
        return [Problem(rel, 1, None, "bom", {})], lines
    try:
        head.decode("utf-8")  # fail early on a legacy encoding near the top
    except UnicodeDecodeError as exc:
        if len(head) < (1 << 16) or exc.start < len(head) - 4:  # not a character cut short
            return [Problem(rel, None, None, "encoding", {"detail": str(exc)})], lines
    if not content:
        return [Problem(rel, None, None, "empty-file", {})], lines
    if cr_row is not None:
        return [Problem(rel, cr_row, None, "crlf", {})], lines
    if quoted:
        try:
            ragged = _ragged_records(handle, n_fields)
        except csv.Error as exc:
            return [Problem(rel, None, None, "parse", {"detail": str(exc)})], lines
    if not ragged or ragged[0][0] == 1:  # a wrong header is reported with its names later
        return [], lines
    handle.seek(0)
    try:
        text = handle.read().decode("utf-8")
    except UnicodeDecodeError as exc:
        return [Problem(rel, None, None, "encoding", {"detail": str(exc)})], lines
    text_lines = text.splitlines()  # (once: a file may have many ragged rows)
    blank = {
        row
        for row, found in ragged
        if found <= 1 and row - 1 < len(text_lines) and not text_lines[row - 1].strip()
    }
    problems = [
        Problem(
            rel,
            row,
            names[found] if found < n_fields and row not in blank else None,
            "blank-row" if row in blank else ("extra-cell" if found > n_fields else "missing-cell"),
            {"found": found, "expected": n_fields},
        )
        for row, found in ragged
    ]
    return problems, lines


def _ragged_records(handle: BinaryIO, n_fields: int) -> list[tuple[int, int]]:
    """(record number, cells) of every record with the wrong cell count, read by the csv module.

    Raises csv.Error when a quote is left open to the end of the file.
    """
    bad: list[tuple[int, int]] = []
    for strict in (False, True):
        handle.seek(0)
        text = io.TextIOWrapper(handle, encoding="utf-8", errors="replace", newline="")
        try:
            reader = csv.reader(text, strict=strict)
            if not strict:
                bad = [(i + 1, len(r)) for i, r in enumerate(reader) if len(r) != n_fields]
                if bad:
                    break
            else:  # well-shaped rows: is a quote left open to the end of the file?
                for _ in reader:
                    pass
        finally:
            text.detach()  # the handle stays open for the parser
    return bad


MAX_DESCRIPTOR_BYTES = 16 << 20
"""Largest ``datapackage.json`` read (16 MiB)."""


def _open_regular(
    file: Path, rel: str, inside: Path | None = None, limit: int | None = None
) -> tuple[BinaryIO | None, Problem | None]:
    """Open ``file`` for reading if it is a regular file (inside ``inside`` when given) no
    larger than :data:`MAX_FILE_BYTES`; otherwise say why not, without reading it.

    A symbolic link that leads out of the package folder, a device (``/dev/zero`` reads
    forever) and a FIFO (waits forever) are refused; the FIFO is opened without blocking so
    that refusing it cannot hang.
    """
    try:
        if inside is not None and not file.resolve().is_relative_to(inside.resolve()):
            return None, Problem(
                rel, None, None, "unsafe-path", {"detail": "it leads out of the package folder"}
            )
        fd = os.open(file, os.O_RDONLY | os.O_NONBLOCK)
    except (OSError, ValueError) as exc:
        return None, Problem(
            rel, None, None, "missing-file", {"detail": f"{rel}: {exc.__class__.__name__}"}
        )
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        os.close(fd)
        return None, Problem(rel, None, None, "not-a-file", {})
    limit = MAX_FILE_BYTES if limit is None else limit
    if info.st_size > limit:
        os.close(fd)
        return None, Problem(rel, None, None, "too-large", {"size": info.st_size, "limit": limit})
    os.set_blocking(fd, True)
    return os.fdopen(fd, "rb"), None


def refusals(path: str | Path | None = None) -> list[Problem]:
    """What makes a package unsafe to hand to any reader (frictionless included), found
    without reading a data file: a descriptor that is not a regular file or not a valid
    descriptor (a pattern that can take exponential time, say), a resource path that leaves
    the package folder, and a resource that is not a regular file (a FIFO, a device) or is
    too large. Empty when it is safe to read."""
    path = Path(path or DATAPACKAGE).absolute()
    handle, problem = _open_regular(path, path.name, limit=MAX_DESCRIPTOR_BYTES)
    if problem:
        return [problem]
    with handle:
        raw = handle.read(MAX_DESCRIPTOR_BYTES + 1)
    try:
        resources = json.loads(raw.decode("utf-8"))["resources"]
        _check_descriptor(resources)
    except (UnicodeDecodeError, ValueError, KeyError, TypeError) as exc:
        return [Problem(path.name, None, None, "descriptor", {"detail": str(exc)})]
    found = []
    for res in resources:
        rel = res.get("path", "")
        unsafe = _unsafe_path(rel)
        if unsafe:
            found.append(Problem(str(rel), None, None, "unsafe-path", {"detail": unsafe}))
            continue
        handle, problem = _open_regular(path.parent / rel, rel, inside=path.parent)
        if handle is not None:
            handle.close()
        if problem and problem.rule != "missing-file":
            found.append(problem)
    return found


def _unsafe_path(rel: object) -> str | None:
    if not isinstance(rel, str) or not rel:
        return "a resource needs a relative path"
    if "\x00" in rel:
        return "a path cannot hold a NUL character"
    if _URL.match(rel):
        return "remote resources are not fetched"
    pure = PurePosixPath(rel.replace("\\", "/"))
    if pure.is_absolute() or re.match(r"^[a-zA-Z]:", rel):
        return "absolute paths are refused"
    if ".." in pure.parts:
        return "paths leaving the package folder are refused"
    return None


def _read_resource(
    res: dict, handle: BinaryIO, lines: int = 0
) -> tuple[pd.DataFrame | None, list[Problem]]:
    """Parse one CSV already scanned by :func:`_scan`; check its header, types and constraints."""
    rel = res["path"]
    schema = res["schema"]
    fields = schema["fields"]
    names = [f["name"] for f in fields]
    try:
        raw = _parse_csv(
            handle, frozenset(f["name"] for f in fields if f.get("type") == "integer"), lines
        )
        if lines > _LARGE:
            _give_back_memory()
    except UnicodeDecodeError as exc:
        return None, [Problem(rel, None, None, "encoding", {"detail": str(exc)})]
    except (pd.errors.ParserError, ValueError) as exc:
        return None, [Problem(rel, None, None, "parse", {"detail": str(exc).strip()})]
    header = list(raw)
    if header != names:
        return None, [
            Problem(
                rel, 1, None, "columns", {"expected": ", ".join(names), "found": ", ".join(header)}
            )
        ]

    missing_values = schema.get("missingValues", [""])
    n = len(raw[header[0]]) if header else 0
    rows = pd.RangeIndex(2, 2 + n)  # frictionless numbering: header is row 1
    problems: list[Problem] = []
    out = {}
    for fld in fields:  # each raw column is released once typed, to keep the peak low
        col, found = _typed_column(rel, fld, raw.pop(fld["name"]), missing_values, rows)
        out[fld["name"]] = col
        problems += found
    if lines > _LARGE:
        _give_back_memory()
    return pd.DataFrame(out, copy=False), problems


_LARGE = 100_000
"""Lines beyond which a file's parsing is followed by handing freed memory back."""


def _give_back_memory() -> None:
    """Return the memory that parsing freed to the system, rather than keep it for reuse.

    Arrow's pool and glibc's heap both hold on to freed pages; at a million rows that is a
    few tens of MB on top of the frames (the same ``malloc_trim`` that Dask's workers call).
    Where the C library has no ``malloc_trim``, only Arrow's pool is trimmed.
    """
    _arrow_pool().release_unused()
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@functools.cache
def _malloc_trim():
    import ctypes
    import ctypes.util

    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
    except (OSError, AttributeError):
        return None


@functools.cache
def _arrow_pool():
    """Arrow's jemalloc pool, told to hand freed pages straight back to the system.

    Parsing leaves short-lived buffers behind; the default allocators keep them for reuse,
    which made the loader's peak about twice the data it holds. Returning them at once costs
    about a tenth of a second on a million rows. Where jemalloc is not built in, Arrow's
    default pool is used.
    """
    import pyarrow as pa

    try:
        pool = pa.jemalloc_memory_pool()
        pa.jemalloc_set_decay_ms(0)
    except NotImplementedError:
        return pa.default_memory_pool()
    return pool


def _parse_csv(
    handle: BinaryIO, integer_fields: frozenset[str] = frozenset(), lines: int = 0
) -> dict[str, pd.Series]:
    """Every cell as text (integer fields as Int64), parsed by Arrow's CSV reader: a column
    (a Series) per name, in the header's order.

    Arrow streams the open file a block at a time, with no Python object per cell. Text
    columns are handed to pandas without a copy; integer fields are copied batch by batch
    into numpy arrays sized from ``lines`` (the file's line count, an upper bound on its
    records), so the peak stays close to the size of the finished frame. Integer fields are
    first read as integers (an empty cell is missing); if any cell of them is not a plain
    integer, the whole file is read again as text so that every bad cell can be reported
    with its row. Empty text cells stay empty strings (the schema's missing value).
    """
    import pyarrow as pa

    handle.seek(0)
    header = next(csv.reader([handle.readline().rstrip(b"\n").decode("utf-8")]))
    as_int = frozenset(integer_fields) & set(header)
    try:
        try:
            return _stream_csv(handle, header, as_int, lines)
        except pa.ArrowInvalid:
            if not as_int:
                raise
            return _stream_csv(handle, header, frozenset(), lines)  # a bad integer somewhere
    except pa.ArrowInvalid as exc:
        if "UTF8" in str(exc) or "utf8" in str(exc).lower():
            handle.seek(0)
            handle.read().decode("utf-8")  # raises UnicodeDecodeError naming the position
        raise ValueError(str(exc)) from None


def _stream_csv(
    handle: BinaryIO, header: list[str], as_int: frozenset[str], lines: int
) -> dict[str, pd.Series]:
    import pyarrow as pa
    from pyarrow import csv as pacsv

    handle.seek(0)
    reader = pacsv.open_csv(
        handle,
        read_options=pacsv.ReadOptions(use_threads=False, block_size=_BLOCK),
        parse_options=pacsv.ParseOptions(newlines_in_values=True),
        convert_options=pacsv.ConvertOptions(
            column_types={c: (pa.int64() if c in as_int else pa.large_string()) for c in header},
            null_values=[""],
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        ),
        memory_pool=_arrow_pool(),
    )
    size = max(lines, 1)
    values = {c: np.empty(size, dtype=np.int64) for c in as_int}
    missing = {c: np.zeros(size, dtype=bool) for c in as_int}
    texts: dict[str, list] = {c: [] for c in header if c not in as_int}
    pos = 0
    for batch in reader:
        n = batch.num_rows
        if pos + n > size:  # more records than lines: cannot happen, but never overrun
            size = 2 * (pos + n)
            values = {c: np.resize(v, size) for c, v in values.items()}
            missing = {c: np.resize(m, size) for c, m in missing.items()}
        for name, col in zip(header, batch.columns, strict=True):
            if name in values:
                validity, data = col.buffers()
                off = col.offset
                if data is not None:  # (Arrow may leave out the values of an all-empty batch)
                    values[name][pos : pos + n] = np.frombuffer(data, np.int64, n, 8 * off)
                if col.null_count:
                    bits = np.unpackbits(np.frombuffer(validity, np.uint8), bitorder="little")
                    missing[name][pos : pos + n] = ~bits[off : off + n].astype(bool)
            else:
                texts[name].append(col)  # kept as Arrow memory, never copied
        pos += n
        del batch
    out = {}
    for name in header:
        if name in values:  # (a view of the first ``pos`` slots, no copy)
            array = pd.arrays.IntegerArray(values.pop(name)[:pos], missing.pop(name)[:pos])
        else:
            chunks = pa.chunked_array(texts.pop(name), type=pa.large_string())
            array = pd.arrays.ArrowStringArray(chunks)
        out[name] = pd.Series(array, copy=False)
    return out


def _integer_column(rel, fld, typed: pd.Series, rows) -> tuple[pd.Series, list]:
    """An integer field that Arrow already parsed: only missing cells and constraints remain."""
    name, cons = fld["name"], fld.get("constraints", {})
    missing = typed.isna().to_numpy()
    problems = (
        [Problem(rel, int(rows[i]), name, "required", {}) for i in np.flatnonzero(missing)]
        if cons.get("required")
        else []
    )
    needs_text = any(k in cons for k in ("enum", "pattern", "minLength", "maxLength", "unique"))
    raw = typed.astype("string") if needs_text else None
    problems += _constraint_problems(rel, fld, raw, typed, ~missing, rows)
    return typed, problems


def _typed_column(rel, fld, values: pd.Series, missing_values, rows) -> tuple[pd.Series, list]:
    name, ftype = fld["name"], fld.get("type", "string")
    cons = fld.get("constraints", {})
    if ftype == "integer" and isinstance(values.dtype, pd.Int64Dtype):
        return _integer_column(rel, fld, values, rows)
    missing = _is_in(values, missing_values)
    present = ~missing
    problems = (
        [Problem(rel, int(rows[i]), name, "required", {}) for i in np.flatnonzero(missing)]
        if cons.get("required")
        else []
    )

    too_big = np.zeros(len(values), dtype=bool)
    if ftype == "integer":
        ok = values.str.fullmatch(_INTEGER.pattern).to_numpy() | missing
        too_big = ok & present & (values.str.lstrip("+-").str.len() > 18).to_numpy()
        ok &= ~too_big
        typed = pd.Series(pd.array([None] * len(values), dtype="Int64"))
        good = present & ok
        typed[good] = values[good].astype("int64").to_numpy()
    elif ftype == "number":
        ok = values.str.fullmatch(_NUMBER.pattern).to_numpy() | missing
        typed = pd.to_numeric(values.where(present & ok), errors="coerce").astype("Float64")
    elif ftype == "boolean":
        is_true, is_false = values.isin(TRUE_VALUES), values.isin(FALSE_VALUES)
        ok = (is_true | is_false).to_numpy() | missing
        typed = pd.Series(pd.array([None] * len(values), dtype="boolean"))
        typed[is_true.to_numpy()] = True
        typed[is_false.to_numpy()] = False
    elif ftype == "date":
        parsed = pd.to_datetime(values.where(present), format="%Y-%m-%d", errors="coerce")
        ok = ((values.str.fullmatch(_DATE.pattern) & parsed.notna()).to_numpy()) | missing
        typed = parsed.where(ok)
    elif ftype == "string":
        ok = np.ones(len(values), dtype=bool)
        typed = values if present.all() else values.where(present).astype("string")
        if not _all_ascii(values):  # decomposed Vietnamese (NFD) looks right, sorts wrong
            nfd = (values.str.normalize("NFC") != values).to_numpy()
            problems += _capped(rel, rows, name, "unicode-nfc", nfd, values)
        # (A field held to an enum or a pattern cannot pass with either: skip the scan.)
        free_text = not ({"enum", "pattern"} & set(cons))
        if free_text and _suspect_text(values):
            control = _matches(values, _CONTROL_RE2) & present
            problems += _capped(rel, rows, name, "control-character", control, values)
            formula = _matches(values, _FORMULA_RE2) & present
            problems += _capped(rel, rows, name, "formula-text", formula, values)
    else:
        return values, [Problem(rel, None, name, "unsupported-type", {"type": ftype})]
    typed.index = values.index
    # A present value never turns into a missing one without a problem being said.
    lost = present & ok & typed.isna().to_numpy(bool) & ~too_big
    ok = ok & ~lost
    bad_type = ~ok & ~too_big
    problems += _capped(rel, rows, name, "type", bad_type, values, type=ftype)
    for i in np.flatnonzero(too_big):  # beyond 64 bits: a whole number outside any sane range
        negative = values.iat[i].startswith("-")
        rule = "minimum" if negative else "maximum"
        limit = cons.get(rule, -(2**63) if negative else 2**63 - 1)
        problems.append(
            Problem(rel, int(rows[i]), name, rule, {"value": values.iat[i], "limit": limit})
        )
    valid = present & ok
    problems += _constraint_problems(rel, fld, values, typed, valid, rows)
    return typed, problems


def _suspect_text(values: pd.Series) -> bool:
    """Whether any cell could hold a control character or a formula: a quick pass (every
    character printable? a first character among = + @ -?) before the exact rules run."""
    import pyarrow as pa
    import pyarrow.compute as pc

    arr = pa.array(values, type=pa.string(), from_pandas=True)
    if pc.all(pc.utf8_is_printable(arr)).as_py() not in (True, None):
        return True
    return any(pc.any(pc.starts_with(arr, mark)).as_py() for mark in "=+@-")


def _matches(values: pd.Series, pattern: str) -> np.ndarray:
    """Which cells contain a match of the RE2 ``pattern`` (Arrow's regex engine: linear time,
    one pass in C over the column, no Python object per cell)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    found = pc.match_substring_regex(pa.array(values, type=pa.string(), from_pandas=True), pattern)
    return found.fill_null(False).to_numpy(zero_copy_only=False).astype(bool)


def _capped(rel, rows, name, rule, mask, values, **params) -> list[Problem]:
    """One problem per flagged row, the first :data:`MAX_PROBLEMS_PER_RULE` of them, then one
    that counts the rest (five million bad rows must not become five million objects)."""
    where = np.flatnonzero(mask)
    shown = _visible if rule == "control-character" else str
    found = [
        Problem(rel, int(rows[i]), name, rule, {**params, "value": shown(values.iat[i])})
        for i in where[:MAX_PROBLEMS_PER_RULE]
    ]
    if len(where) > MAX_PROBLEMS_PER_RULE:
        found.append(_more(rel, name, rule, len(where) - MAX_PROBLEMS_PER_RULE))
    return found


def _visible(text: str) -> str:
    """``text`` with its control characters written as escapes (``\\x00``, ``\\u202e``),
    cut to 80 characters, so that a message can show where they are."""
    shown = _CONTROL.sub(lambda m: m.group(0).encode("unicode_escape").decode("ascii"), text)
    return shown if len(shown) <= 80 else shown[:79] + "…"


def _more(rel, name, rule, n) -> Problem:
    return Problem(rel, None, name, "more-problems", {"n": n, "rule": rule})


def _all_ascii(values: pd.Series) -> bool:
    """Whether every cell is plain ASCII (asked of Arrow directly: no per-cell result kept)."""
    import pyarrow.compute as pc

    return bool(pc.all(pc.string_is_ascii(_arrow(values))).as_py() is not False)


def _constraint_problems(rel, fld, raw, typed, valid, rows) -> list[Problem]:
    name = fld["name"]
    cons = fld.get("constraints", {})
    problems = []

    def flag(mask, rule, **params):
        where = np.flatnonzero(np.asarray(mask, dtype=bool) & valid)
        for i in where[:MAX_PROBLEMS_PER_RULE]:
            value = raw.iat[i] if raw is not None else str(typed.iat[i])
            problems.append(Problem(rel, int(rows[i]), name, rule, {"value": value, **params}))
        if len(where) > MAX_PROBLEMS_PER_RULE:
            problems.append(_more(rel, name, rule, len(where) - MAX_PROBLEMS_PER_RULE))

    if "enum" in cons:
        allowed = cons["enum"]
        allowed_typed = {str(a) for a in allowed}
        flag(~raw.isin(allowed_typed).to_numpy(), "enum", allowed=", ".join(map(str, allowed)))
    if "pattern" in cons:
        matched = raw.str.fullmatch(compiled(cons["pattern"])).fillna(False)
        flag(~matched.to_numpy(bool), "pattern", pattern=cons["pattern"])
    for key, rule in (("minimum", "minimum"), ("maximum", "maximum")):
        if key in cons:
            bound = cons[key]
            limit = pd.Timestamp(bound) if fld.get("type") == "date" else bound
            cmp = typed < limit if key == "minimum" else typed > limit
            flag(cmp.fillna(False).to_numpy(), rule, limit=bound)
    if "minLength" in cons:
        flag((raw.str.len() < cons["minLength"]).to_numpy(), "minLength", limit=cons["minLength"])
    if "maxLength" in cons:
        flag((raw.str.len() > cons["maxLength"]).to_numpy(), "maxLength", limit=cons["maxLength"])
    if cons.get("unique"):
        flag(raw.where(valid).duplicated(keep="first").to_numpy() & valid, "unique")
    return problems


def _key_text(frame: pd.DataFrame, cols: list[str], i: int) -> str:
    """The key of row ``i`` as text, for a message (built only for the rows reported)."""
    return ", ".join(str(frame[c].iat[i]) for c in cols)


def _arrow(values: pd.Series):
    """The column as an Arrow array, through pandas' public ``__arrow_array__`` protocol (an
    Arrow-backed text column hands over its own buffers: no copy)."""
    import pyarrow as pa

    return pa.array(values.array)


def _is_in(values: pd.Series, choices: Sequence[str]) -> np.ndarray:
    """Which cells of a text column equal one of ``choices``, asked of Arrow (pandas' ``isin``
    costs about five times as much on the small tables, where it is most of the work)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    found = pc.is_in(_arrow(values), value_set=pa.array(list(choices), type=pa.large_string()))
    return found.fill_null(False).to_numpy(zero_copy_only=False).astype(bool)


def _dense_codes(values: pd.Series) -> np.ndarray:
    """Whole numbers, equal exactly where the column's values are equal, as int64.

    Arrow ranks the column in place of pandas' factorize, which turns Arrow text into one
    Python object per cell (about 80 MB more at a million rows).
    """
    import pyarrow.compute as pc

    if isinstance(values.dtype, pd.Int64Dtype) and len(values):
        data, missing = values.array._data, values.array._mask
        present = data[~missing]
        if present.size:
            low, high = int(present.min()), int(present.max())
            if high - low < len(values):  # few distinct values (years…): no sort needed
                codes = data - low
                codes[missing] = high - low + 1  # (rows with an empty key are not compared)
                return codes
    ranks = pc.rank(
        _arrow(values), sort_keys="ascending", tiebreaker="dense", memory_pool=_arrow_pool()
    )
    codes = ranks.to_numpy().astype(np.int64)  # (the one copy; then in place)
    del ranks
    codes -= 1
    return codes


def _duplicated(frame: pd.DataFrame, cols: list[str]) -> np.ndarray:
    """True for every row whose key repeats an earlier row's (pandas' ``keep="first"``).

    The key columns become one integer per row; a stable sort puts equal keys side by side
    in row order, so each but the first of a run is a duplicate. Every step works in place
    or frees what it replaces: at a million rows the check needs about 25 MB.
    """
    key = None
    for col in cols:
        codes = _dense_codes(frame[col])
        if key is None:
            key = codes
            continue
        span = int(codes.max()) + 1 if len(codes) else 1
        if len(key) and int(key.max()) >= (1 << 62) // span:  # renumber before it overflows
            key = np.unique(key, return_inverse=True)[1].astype(np.int64)
        key *= span
        key += codes
        del codes
    if key is None or not len(key):
        return np.zeros(len(frame), dtype=bool)
    order = np.argsort(key, kind="stable")
    key = key[order]  # sorted: equal keys side by side, in row order
    repeats = order[1:][key[1:] == key[:-1]]
    del key, order
    dup = np.zeros(len(frame), dtype=bool)
    dup[repeats] = True
    return dup


def _found_in(frame: pd.DataFrame, cols: list[str], target: pd.DataFrame, refs: list[str]):
    """Whether each row's key (``cols``) is among ``target``'s keys (``refs``), compared as text."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if len(cols) == 1:
        text = pa.large_string()
        values = pc.cast(_arrow(frame[cols[0]]), text)
        allowed = pc.cast(_arrow(target[refs[0]]), text)
        if isinstance(allowed, pa.ChunkedArray):
            allowed = allowed.combine_chunks()
        return pc.is_in(values, value_set=allowed).to_numpy(zero_copy_only=False)
    found = _key_index(frame, cols).isin(_key_index(target, refs))
    return np.asarray(found, dtype=bool)


def _key_index(frame: pd.DataFrame, cols: list[str]) -> pd.MultiIndex:
    """Several key columns as one MultiIndex, compared by value as text."""
    return pd.MultiIndex.from_frame(frame[cols].astype("string"))


def _check_keys(res: dict, frames: dict[str, pd.DataFrame]) -> list[Problem]:
    """Primary-key uniqueness and foreign keys (rows whose key fields are all empty skip)."""
    rel, schema = res["path"], res["schema"]
    frame = frames[res["name"]]
    rows = np.arange(2, 2 + len(frame))
    problems = []
    pk = schema.get("primaryKey") or []
    pk = [pk] if isinstance(pk, str) else pk
    if pk:
        null = np.zeros(len(frame), dtype=bool)
        for col in pk:  # (column by column: no copy of the key columns)
            null |= frame[col].isna().to_numpy()
        for i in np.flatnonzero(null):
            problems.append(Problem(rel, int(rows[i]), ",".join(pk), "primary-key-null", {}))
        dup = _duplicated(frame, pk) & ~null
        for i in np.flatnonzero(dup):
            problems.append(
                Problem(
                    rel,
                    int(rows[i]),
                    ",".join(pk),
                    "primary-key",
                    {"value": _key_text(frame, pk, i)},
                )
            )
    for fk in schema.get("foreignKeys", []):
        local = fk["fields"]
        local = [local] if isinstance(local, str) else local
        ref = fk["reference"]
        target_name = ref.get("resource") or res["name"]
        target_fields = ref["fields"]
        target_fields = [target_fields] if isinstance(target_fields, str) else target_fields
        target = frames.get(target_name)
        if target is None:
            continue  # its own problems are already reported
        present = np.ones(len(frame), dtype=bool)
        for col in local:  # (column by column, as for the primary key: no copy)
            present &= frame[col].notna().to_numpy()
        dangling = present & ~_found_in(frame, local, target, target_fields)
        for i in np.flatnonzero(dangling):
            problems.append(
                Problem(
                    rel,
                    int(rows[i]),
                    ",".join(local),
                    "foreign-key",
                    {
                        "value": _key_text(frame, local, i),
                        "resource": target_name,
                        "target": ",".join(target_fields),
                    },
                )
            )
    return problems
