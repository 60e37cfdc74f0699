"""Every report builds for every valid package, whatever optional field is blank.

A package may leave any field without ``"required": true`` empty. For each such field of the
bundled package, the field is blanked in every row and a report of every kind (an annual
report, the phase evaluation, a commune profile) is built in-process, cell by cell, exactly
as its notebook calls it. The year and the commune rotate from field to field, and so does
the language, so that every year, commune and language is exercised. A blank that makes the
package fail the cross-table rules must be refused with :class:`PackageInvalid`, never crash.

Then the package with as many optional fields blank as the rules allow (each optional field
blanked in turn, kept blank when the package stays valid) is written to disk, every report
of it is built in both languages, and one report of each kind is rendered end to end
through its notebook.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import shutil

import pandas as pd
import pytest

from analysis.checks import check_package
from analysis.errors import PackageInvalid
from analysis.package import load_package
from analysis.paths import DATAPACKAGE
from analysis.render import make_job, render
from analysis.report.registry import REPORTS

# every kind of report built once per optional field, then rendered
pytestmark = pytest.mark.slow

BUNDLED = load_package()


def optional_fields(pkg) -> list[tuple[str, str]]:
    """(resource, field) for every field the schema does not require."""
    return [
        (res["name"], fld["name"])
        for res in pkg.descriptor["resources"]
        for fld in res["schema"]["fields"]
        if not fld.get("constraints", {}).get("required")
        and fld["name"] not in res["schema"].get("primaryKey", [])
    ]


OPTIONAL = optional_fields(BUNDLED)


def blanked(pkg, fields: list[tuple[str, str]]):
    """A copy of ``pkg`` whose ``fields`` are missing in every row."""
    frames = dict(pkg.frames)
    for resource, name in fields:
        frame = frames[resource]
        empty = pd.Series(pd.NA, index=frame.index).astype(frame[name].dtype)
        frames[resource] = frame.assign(**{name: empty})
    return dataclasses.replace(pkg, frames=frames)


def is_valid(pkg) -> bool:
    return not [p for p in check_package(pkg) if p.severity == "error"]


def build(pkg, kind: str, lang: str, pick: int) -> None:
    """Build the ``pick``-th report of ``kind`` (modulo their number) as its notebook would."""
    spec = next(s for s in REPORTS if s.kind == kind)
    cls = spec.report_class
    instances = cls.instances(pkg)
    params = instances[pick % len(instances)]
    report = cls.load(lang=lang, pkg=pkg, **params)
    for call in cls.CELLS:
        html = getattr(report, call)()
        assert isinstance(html, str) and html.strip(), (kind, params, call)


def test_the_bundled_package_has_optional_fields_to_blank():
    assert len(OPTIONAL) >= 30
    assert ("communes", "neighbouring_country") in OPTIONAL


@pytest.fixture
def charts_built_not_encoded(monkeypatch):
    """Charts are built (data, scales, labels, layout) but not encoded as PNG: the encoding
    does not depend on the data, and skipping it halves this test's time. The tests of the
    wholly blank package below encode every chart."""
    from analysis.report import html

    def figure(fig, alt, caption, title=None):
        assert alt and caption
        return html.Fragment(f"<figure>{html.esc(alt)}</figure>")

    monkeypatch.setattr(html, "figure", figure)


@pytest.mark.usefixtures("charts_built_not_encoded")
@pytest.mark.parametrize(
    ("position", "resource", "name"),
    [(i, r, n) for i, (r, n) in enumerate(OPTIONAL)],
    ids=[f"{r}.{n}" for r, n in OPTIONAL],
)
def test_every_kind_of_report_builds_with_one_optional_field_blank(position, resource, name):
    pkg = blanked(BUNDLED, [(resource, name)])
    if not is_valid(pkg):
        # The rules refuse this blank: the report must say so, not crash.
        with pytest.raises(PackageInvalid):
            build(pkg, "annual", "vi", position)
        return
    lang = ("vi", "en")[position % 2]
    for spec in REPORTS:
        build(pkg, spec.kind, lang, position)


def most_blank(pkg) -> tuple[object, list[tuple[str, str]]]:
    """The package with every optional field blank that the rules allow, and those fields."""
    kept = []
    for field in optional_fields(pkg):
        trial = blanked(pkg, [*kept, field])
        if is_valid(trial):
            kept.append(field)
    return blanked(pkg, kept), kept


def write_blanked(source_dir, dest, fields: list[tuple[str, str]]):
    """Copy the package folder to ``dest`` and empty ``fields`` in its CSV files."""
    dest.mkdir(parents=True)
    shutil.copy(source_dir / "datapackage.json", dest / "datapackage.json")
    shutil.copytree(source_dir / "data", dest / "data")
    paths = {r["name"]: r["path"] for r in BUNDLED.descriptor["resources"]}
    for resource in {r for r, _ in fields}:
        path = dest / paths[resource]
        rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
        header = list(rows[0]) if rows else []
        for row in rows:
            for r, name in fields:
                if r == resource:
                    row[name] = ""
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=header, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        path.write_text(out.getvalue(), encoding="utf-8")
    return dest / "datapackage.json"


@pytest.fixture(scope="module")
def all_blank(tmp_path_factory):
    _, fields = most_blank(BUNDLED)
    folder = tmp_path_factory.mktemp("blank") / "package"
    return write_blanked(DATAPACKAGE.parent, folder, fields), fields


def test_most_optional_fields_can_be_blank_at_once(all_blank):
    path, fields = all_blank
    assert len(fields) >= 30  # most of them: the rest are required by cross-table rules
    on_disk = load_package(path)
    assert is_valid(on_disk)
    for resource, name in fields:
        assert on_disk[resource][name].isna().all(), (resource, name)


def test_every_report_of_the_blank_package_builds_in_both_languages(all_blank):
    pkg = load_package(all_blank[0])
    for lang in ("vi", "en"):
        for spec in REPORTS:
            for i in range(len(spec.report_class.instances(pkg))):
                build(pkg, spec.kind, lang, i)


@pytest.mark.parametrize("kind", [s.kind for s in REPORTS])
def test_each_kind_of_report_renders_from_the_blank_package(all_blank, tmp_path, kind):
    path = all_blank[0]
    pkg = load_package(path)
    params = next(s for s in REPORTS if s.kind == kind).report_class.instances(pkg)[0]
    for lang in ("vi", "en"):
        result = render(make_job(kind, lang, path, tmp_path, pkg=pkg, **params))
        html = result.job.html_path.read_text(encoding="utf-8")
        assert "<h1" in html and "Traceback" not in html
