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
import hashlib
import io
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import numpy as np
import pandas as pd

from analysis.errors import PackageInvalid, Problem
from analysis.paths import DATAPACKAGE

ILLUSTRATIVE_KIND = "illustrative"
TRUE_VALUES = ("true", "True", "TRUE", "1")
FALSE_VALUES = ("false", "False", "FALSE", "0")
_INTEGER = re.compile(r"[+-]?\d+")
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_URL = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://")
_BLOCK = 1 << 22  # bytes scanned at a time for ragged rows
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
    warnings: list[Problem] = field(default_factory=list)

    def __getitem__(self, name: str) -> pd.DataFrame:
        return self.frames[name]

    def __contains__(self, name: str) -> bool:
        return name in self.frames

    @property
    def version(self) -> str:
        return str(self.descriptor.get("version", ""))

    def resource(self, name: str) -> dict:
        """The descriptor of resource ``name``."""
        for res in self.descriptor["resources"]:
            if res["name"] == name:
                return res
        raise KeyError(f"no resource named {name!r} in {self.path}")

    def field(self, resource: str, name: str) -> dict:
        """The schema of field ``name`` in ``resource``."""
        for fld in self.resource(resource)["schema"]["fields"]:
            if fld["name"] == name:
                return fld
        raise KeyError(f"no field {name!r} in resource {resource!r}")

    def field_title(self, resource: str, name: str, lang: str) -> str:
        """The field's title in ``lang`` (``title_vi`` for Vietnamese, ``title`` otherwise)."""
        fld = self.field(resource, name)
        return fld.get("title_vi" if lang == "vi" else "title", name)

    @property
    def illustrative_sources(self) -> frozenset[str]:
        """Source ids whose kind is ``illustrative`` (generated rows)."""
        src = self.frames["sources"]
        return frozenset(src.loc[src["kind"] == ILLUSTRATIVE_KIND, "source_id"])

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
    path = Path(path or DATAPACKAGE).resolve()
    digest = hashlib.sha256()
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return None, [Problem(path.name, None, None, "missing-file", {"detail": str(exc)})]
    digest.update(raw)
    try:
        descriptor = json.loads(raw.decode("utf-8"))
        resources = descriptor["resources"]
        _check_descriptor(resources)
    except (UnicodeDecodeError, ValueError, KeyError, TypeError) as exc:
        return None, [Problem(path.name, None, None, "descriptor", {"detail": str(exc)})]

    problems: list[Problem] = []
    blobs: list[tuple[dict, bytes]] = []
    for res in resources:
        rel = res.get("path", "")
        unsafe = _unsafe_path(rel)
        if unsafe:
            problems.append(Problem(str(rel), None, None, "unsafe-path", {"detail": unsafe}))
            continue
        file = path.parent / rel
        try:
            size = file.stat().st_size
            if size > MAX_FILE_BYTES:
                problems.append(
                    Problem(rel, None, None, "too-large", {"size": size, "limit": MAX_FILE_BYTES})
                )
                continue
            data = file.read_bytes()
        except OSError:
            problems.append(Problem(rel, None, None, "missing-file", {"detail": rel}))
            continue
        digest.update(res["name"].encode() + b"\0")
        digest.update(data)  # (no concatenated copy of a large file)
        blobs.append((res, data))
        del data  # the list holds the only reference, released after parsing
    sha256 = digest.hexdigest()
    if not problems:
        cached = _from_cache(sha256, path)
        if cached is not None:
            return cached, []
    frames: dict[str, pd.DataFrame] = {}
    while blobs:  # each file's bytes are released as soon as it is parsed
        res, data = blobs.pop(0)
        frame, found = _read_resource(res, data)
        del data
        problems += found
        if frame is not None:
            frames[res["name"]] = frame
    for res in resources:
        if res["name"] in frames:
            problems += _check_keys(res, frames)
    pkg = Package(path, descriptor, frames, sha256)
    return pkg, problems


CACHE_ENV = "ANALYSIS_PACKAGE_CACHE"
"""Environment variable naming a private folder of already-validated packages.

``report`` validates the package once, stores it there (pickled, named by its SHA-256) and
points its notebook kernels at the folder, so that each kernel skips parsing and checking
the same bytes again. A package is only taken from the cache when the SHA-256 of the files
just read matches, so an edited file is always parsed afresh.
"""


def _from_cache(sha256: str, path: Path) -> Package | None:
    import pickle

    folder = os.environ.get(CACHE_ENV)
    if not folder:
        return None
    file = Path(folder) / f"{sha256}.pickle"
    try:
        with file.open("rb") as fh:
            pkg = pickle.load(fh)
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError):
        return None
    if not isinstance(pkg, Package) or pkg.sha256 != sha256:
        return None
    pkg.path = path
    return pkg


def store_in_cache(pkg: Package, folder: Path) -> Path:
    """Pickle a validated package into ``folder`` (see :data:`CACHE_ENV`)."""
    import pickle

    file = Path(folder) / f"{pkg.sha256}.pickle"
    tmp = file.with_suffix(".tmp")
    with tmp.open("wb") as fh:
        pickle.dump(pkg, fh, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(tmp, file)
    return file


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
                    re.compile(cons["pattern"])
                except (re.error, TypeError) as exc:
                    raise TypeError(
                        f"{name}.{fld['name']}: pattern {cons['pattern']!r} is not a regular "
                        f"expression ({exc})"
                    ) from None
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


def _ragged_rows(data: bytes, n_fields: int) -> list[tuple[int, int]]:
    """(row number, cells found) for every row whose cell count is not ``n_fields``.

    Without quotes in the file this counts separators with numpy (no Python loop per row);
    otherwise the csv module parses the records.
    """
    if b'"' not in data:
        bad: list[tuple[int, int]] = []
        first_row, pos, size = 1, 0, len(data)
        while pos < size:  # in blocks of whole lines, so the temporary arrays stay small
            cut = data.find(b"\n", min(pos + _BLOCK, size) - 1)
            cut = size if cut < 0 else cut + 1
            arr = np.frombuffer(data, dtype=np.uint8, count=cut - pos, offset=pos)
            newlines = np.flatnonzero(arr == 10)
            starts = np.concatenate(([0], newlines + 1))
            ends = np.concatenate((newlines, [arr.size]))
            if starts[-1] >= arr.size:  # the block ends with a newline
                starts, ends = starts[:-1], ends[:-1]
            commas = np.flatnonzero(arr == 44)
            cells = np.searchsorted(commas, ends) - np.searchsorted(commas, starts) + 1
            bad += [(first_row + int(i), int(cells[i])) for i in np.flatnonzero(cells != n_fields)]
            first_row += len(starts)
            pos = cut
        return bad
    text = data.decode("utf-8", errors="replace")
    reader = csv.reader(io.StringIO(text, newline=""))
    bad = [(i + 1, len(r)) for i, r in enumerate(reader) if len(r) != n_fields]
    if not bad:  # well-shaped rows: is a quote left open to the end of the file?
        for _ in csv.reader(io.StringIO(text, newline=""), strict=True):
            pass  # raises csv.Error
    return bad


def _unsafe_path(rel: object) -> str | None:
    if not isinstance(rel, str) or not rel:
        return "a resource needs a relative path"
    if _URL.match(rel):
        return "remote resources are not fetched"
    pure = PurePosixPath(rel.replace("\\", "/"))
    if pure.is_absolute() or re.match(r"^[a-zA-Z]:", rel):
        return "absolute paths are refused"
    if ".." in pure.parts:
        return "paths leaving the package folder are refused"
    return None


def _read_resource(res: dict, data: bytes) -> tuple[pd.DataFrame | None, list[Problem]]:
    """Parse one CSV and check its header, types and per-field constraints."""
    rel = res["path"]
    schema = res["schema"]
    fields = schema["fields"]
    names = [f["name"] for f in fields]
    # Checks on the bytes: no decoded copy of a large file is kept (Arrow checks UTF-8 as it
    # parses; the text is decoded only to describe a problem).
    if data.startswith(b"\xef\xbb\xbf"):
        return None, [Problem(rel, 1, None, "bom", {})]
    try:
        data[: 1 << 16].decode("utf-8")  # fail early on a legacy encoding near the top
    except UnicodeDecodeError as exc:
        if exc.start < (1 << 16) - 4:  # not merely a character cut by the slice
            return None, [Problem(rel, None, None, "encoding", {"detail": str(exc)})]
    if not data.strip():
        return None, [Problem(rel, None, None, "empty-file", {})]
    if b"\r" in data:
        return None, [Problem(rel, data[: data.index(b"\r")].count(b"\n") + 1, None, "crlf", {})]
    try:
        ragged = _ragged_rows(data, len(names))
    except csv.Error as exc:
        return None, [Problem(rel, None, None, "parse", {"detail": str(exc)})]
    if ragged and ragged[0][0] != 1:  # a wrong header is reported below, with its names
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            return None, [Problem(rel, None, None, "encoding", {"detail": str(exc)})]
        return None, [
            Problem(
                rel,
                row,
                names[found] if found < len(names) and not n_blank(text, row) else None,
                "blank-row"
                if found <= 1 and n_blank(text, row)
                else ("extra-cell" if found > len(names) else "missing-cell"),
                {"found": found, "expected": len(names)},
            )
            for row, found in ragged
        ]
    try:
        raw = _parse_csv(data, frozenset(f["name"] for f in fields if f.get("type") == "integer"))
    except UnicodeDecodeError as exc:
        return None, [Problem(rel, None, None, "encoding", {"detail": str(exc)})]
    except (pd.errors.ParserError, ValueError) as exc:
        return None, [Problem(rel, None, None, "parse", {"detail": str(exc).strip()})]
    header = list(raw.columns)
    if header != names:
        return None, [
            Problem(
                rel, 1, None, "columns", {"expected": ", ".join(names), "found": ", ".join(header)}
            )
        ]

    missing_values = schema.get("missingValues", [""])
    rows = pd.RangeIndex(2, 2 + len(raw))  # frictionless numbering: header is row 1
    problems: list[Problem] = []
    out = {}
    for fld in fields:  # each raw column is released once typed, to keep the peak low
        col, found = _typed_column(rel, fld, raw.pop(fld["name"]), missing_values, rows)
        out[fld["name"]] = col
        problems += found
    frame = pd.DataFrame(out)
    return frame, problems


def _parse_csv(data: bytes, integer_fields: frozenset[str] = frozenset()) -> pd.DataFrame:
    """Every cell as text (integer fields as Int64), parsed by Arrow's CSV reader.

    Arrow parses straight into its own memory, with no Python object per cell, which keeps a
    million-row file fast and its peak memory low. Integer fields are first read as integers
    (an empty cell is missing); if any cell of them is not a plain integer, the whole file is
    read again as text so that every bad cell can be reported with its row. Empty text cells
    stay empty strings (the schema's missing value).
    """
    import pyarrow as pa
    from pyarrow import csv as pacsv

    header = next(csv.reader([data.split(b"\n", 1)[0].decode("utf-8")]))

    def read(as_int: frozenset[str]):
        types = {c: (pa.int64() if c in as_int else pa.string()) for c in header}
        return pacsv.read_csv(
            io.BytesIO(data),
            read_options=pacsv.ReadOptions(use_threads=False, block_size=1 << 20),
            parse_options=pacsv.ParseOptions(newlines_in_values=True),
            convert_options=pacsv.ConvertOptions(
                column_types=types,
                null_values=[""],
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )

    as_int = frozenset(integer_fields) & set(header)
    try:
        try:
            table = read(as_int)
        except pa.ArrowInvalid:
            if not as_int:
                raise
            table = read(frozenset())  # a bad integer somewhere: read all as text
    except pa.ArrowInvalid as exc:
        if "UTF8" in str(exc) or "utf8" in str(exc).lower():
            data.decode("utf-8")  # raises UnicodeDecodeError naming the position
        raise ValueError(str(exc)) from None
    mapper = {pa.string(): pd.StringDtype("pyarrow"), pa.int64(): pd.Int64Dtype()}
    frame = table.to_pandas(types_mapper=mapper.get, self_destruct=True)
    del table
    return frame


def n_blank(text: str, row: int) -> bool:
    """True when line ``row`` (1-based) of ``text`` is empty."""
    lines = text.splitlines()
    return row - 1 < len(lines) and not lines[row - 1].strip()


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
    missing = values.isin(missing_values).to_numpy()
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
        typed = values.where(present).astype("string")
        if not values.str.isascii().all():  # decomposed Vietnamese (NFD) looks right, sorts wrong
            nfd = (values.str.normalize("NFC") != values).to_numpy()
            problems += [
                Problem(rel, int(rows[i]), name, "unicode-nfc", {"value": values.iat[i]})
                for i in np.flatnonzero(nfd)
            ]
    else:
        return values, [Problem(rel, None, name, "unsupported-type", {"type": ftype})]
    typed.index = values.index
    bad_type = ~ok & ~too_big
    problems += [
        Problem(rel, int(rows[i]), name, "type", {"type": ftype, "value": values.iat[i]})
        for i in np.flatnonzero(bad_type)
    ]
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


def _constraint_problems(rel, fld, raw, typed, valid, rows) -> list[Problem]:
    name = fld["name"]
    cons = fld.get("constraints", {})
    problems = []

    def flag(mask, rule, **params):
        for i in np.flatnonzero(np.asarray(mask, dtype=bool) & valid):
            value = raw.iat[i] if raw is not None else str(typed.iat[i])
            problems.append(Problem(rel, int(rows[i]), name, rule, {"value": value, **params}))

    if "enum" in cons:
        allowed = cons["enum"]
        allowed_typed = {str(a) for a in allowed}
        flag(~raw.isin(allowed_typed).to_numpy(), "enum", allowed=", ".join(map(str, allowed)))
    if "pattern" in cons:
        flag(~raw.str.fullmatch(cons["pattern"]).to_numpy(), "pattern", pattern=cons["pattern"])
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


def _key_index(frame: pd.DataFrame, cols: list[str]) -> pd.Index:
    """The key columns as one (Multi)Index, compared by value, without a Python loop."""
    if len(cols) == 1:
        return pd.Index(frame[cols[0]].astype("string"))
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
        null = frame[pk].isna().any(axis=1).to_numpy()
        for i in np.flatnonzero(null):
            problems.append(Problem(rel, int(rows[i]), ",".join(pk), "primary-key-null", {}))
        dup = frame.duplicated(subset=pk, keep="first").to_numpy() & ~null
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
        present = frame[local].notna().all(axis=1).to_numpy()
        allowed = _key_index(target, target_fields)
        found = _key_index(frame, local).isin(allowed)
        dangling = present & ~np.asarray(found, dtype=bool)
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
