"""Nậm Cắn's point (commune 16837, Kỳ Sơn, Nghệ An) is where its GADM v4.1 polygon says.

Expected values were written by hand from the maintainers' research note on the point (the
area centroid of GADM v4.1 polygon GID_3 VNM.41.8.15_1, NAME_3 "NậmCắn", with the centroids of
its neighbours in the same file), not produced by the code.
"""

from __future__ import annotations

import csv

import pytest

from analysis import load_package
from analysis.paths import PROJECT_ROOT

NAM_CAN = (19.4624, 104.1244)  # centroid of VNM.41.8.15_1 (lat, lon)
NAM_CAN_BBOX = (19.4130, 19.5413, 104.0645, 104.1779)  # the polygon's south, north, west, east
KY_SON_BOX = (19.0, 19.7, 103.9, 104.6)  # a plausible box around Kỳ Sơn district
MUONG_XEN = (19.3949, 104.1565)  # the district town (GADM VNM.41.8.14_1's centroid)
MERGED_2025 = (19.4553, 104.153)  # vietnamadminunits' point of the merged 2025 xã Nậm Cắn
PHA_DANH = (19.4457, 104.1987)  # centroid of the neighbour merged into it (VNM.41.8.19_1)


@pytest.fixture(scope="module")
def nam_can():
    return load_package()["communes"].set_index("commune_code").loc["16837"]


def test_the_point_is_the_gadm_centroid_written_with_four_decimals(nam_can):
    assert nam_can["name_in_source"] == "Nậm Cắn" and nam_can["district_name"] == "Kỳ Sơn"
    assert (nam_can["latitude"], nam_can["longitude"]) == pytest.approx(NAM_CAN, abs=1e-9)
    with (PROJECT_ROOT / "data" / "communes.csv").open(encoding="utf-8", newline="") as fh:
        raw = next(r for r in csv.DictReader(fh) if r["commune_code"] == "16837")
    assert (raw["latitude"], raw["longitude"]) == ("19.4624", "104.1244")


def test_the_point_lies_in_ky_son_and_in_its_own_polygon(nam_can):
    lat, lon = nam_can["latitude"], nam_can["longitude"]
    south, north, west, east = KY_SON_BOX
    assert south < lat < north and west < lon < east
    south, north, west, east = NAM_CAN_BBOX
    assert south < lat < north and west < lon < east


def test_the_point_is_north_west_of_muong_xen(nam_can):
    assert nam_can["latitude"] > MUONG_XEN[0] and nam_can["longitude"] < MUONG_XEN[1]


def test_the_point_is_neither_the_merged_commune_nor_pha_danh(nam_can):
    point = (nam_can["latitude"], nam_can["longitude"])
    for other in (MERGED_2025, PHA_DANH):
        # at least 0.02° (about 2 km) apart in longitude: a different place, not a rounding
        assert abs(point[1] - other[1]) > 0.02, other
    assert point[1] < MERGED_2025[1]  # west of it: the merged point sits on the eastern edge


def test_the_note_and_the_source_name_gadm_and_its_terms(nam_can):
    note = nam_can["coordinates_note"]
    assert nam_can["coordinates_source"] == "gadm_4_1"
    assert "derived from GADM v4.1 (gadm.org)" in note and "VNM.41.8.15_1" in note
    assert note.startswith("Approximate")
    source = load_package()["sources"].set_index("source_id").loc["gadm_4_1"]
    assert source["address"] == "https://gadm.org/"
    assert str(source["date"].date()) == "2022-07-16"
    assert (source["kind"], source["reliability"]) == ("reference", "uncertain")
    assert "VNM.41.8.15_1" in source["note"] and "non-commercial" in source["note"]
