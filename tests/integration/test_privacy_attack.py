"""No hidden count can be worked out from what a report publishes.

Every report of the bundled package, of the tiny fixture and of packages built to be small
(a commune whose women reached in one year are three; one charity house; two pupils) is
built as its notebook builds it, in both languages, and read by :mod:`helpers.attacker`. The
true value of each hidden cell comes from the same report built with a threshold of 1
(nothing hidden), matched by table caption, row label and column: never from the ledger
under test. A recovered count fails the test with the cell and the route.
"""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest
from helpers.attacker import attack, hidden_cells, parse_number, prose_share_leaks, tables_of

from analysis.checks import check_package
from analysis.i18n import t
from analysis.package import load_package
from analysis.paths import PROJECT_ROOT
from analysis.report.registry import REPORTS

# every report of three packages, built in both languages
pytestmark = pytest.mark.slow

THRESHOLD = 5
TINY = PROJECT_ROOT / "tests" / "fixtures" / "tiny_package" / "datapackage.json"
BUNDLED = load_package()


def build(pkg, spec, params, lang, min_cell):
    report = spec.report_class.load(lang=lang, pkg=pkg, min_cell=min_cell, **params)
    html = "".join(getattr(report, cell)() for cell in spec.report_class.CELLS)
    return html, dict(report.tables)


def truth_for(html: str, open_html: str, lang: str, marks: set[str]) -> dict:
    """The true value of each hidden cell, read from the report built with nothing hidden."""
    tables, open_tables = tables_of(html), tables_of(open_html)
    by_caption: dict[str, list] = {}
    for table in open_tables:
        by_caption.setdefault(table.caption, []).append(table)
    truth = {}
    seen: dict[str, int] = {}
    for i, table in enumerate(tables):
        k = seen.get(table.caption, 0)
        seen[table.caption] = k + 1
        twin = by_caption.get(table.caption, [None] * (k + 1))[k]
        if twin is None:
            continue
        rows = {row[0]: row for row in twin.rows}
        for h in hidden_cells([table], marks):
            row = rows.get(h.label)
            if row is not None and h.column < len(row):
                truth[(i, h.row, h.column)] = parse_number(row[h.column], lang)
    return truth


def small_package():
    """The bundled package cut down to be small: in 2024 one commune's livelihood women are
    three, one charity house is left, and two sponsored pupils."""
    pkg = BUNDLED
    ben = pkg["beneficiaries"]
    plans = pkg["plans"].set_index("activity_id")
    kind = ben["activity_id"].map(plans["activity_type"])
    year = ben["entry_year"]
    keep = pd.Series(True, index=ben.index)

    def cut(mask, n):
        ids = ben.index[mask.fillna(False).to_numpy(bool)]
        keep.loc[ids[n:]] = False

    livelihood = (kind == "livelihood_capital") & (year == 2024)
    commune = ben.loc[livelihood.fillna(False).to_numpy(bool), "commune_code"].iloc[0]
    cut(livelihood & (ben["commune_code"] == commune), 3)
    cut((kind == "charity_house") & (year == 2024), 1)
    cut((kind == "pupil_sponsorship") & (year == 2024), 2)
    kept = ben[keep.to_numpy(bool)]
    ids = set(kept["beneficiary_id"])
    frames = dict(pkg.frames, beneficiaries=kept.reset_index(drop=True))
    fu = pkg["beneficiary_followups"]
    frames["beneficiary_followups"] = fu[fu["beneficiary_id"].isin(ids)].reset_index(drop=True)
    ev = pkg["livestock_events"]
    ok = ev["beneficiary_id"].isin(ids) & (
        ev["to_beneficiary_id"].isin(ids) | ev["to_beneficiary_id"].isna()
    )
    frames["livestock_events"] = ev[ok.to_numpy(bool)].reset_index(drop=True)
    small = dataclasses.replace(pkg, frames=frames)
    errors = [p for p in check_package(small) if p.severity == "error"]
    assert not errors, errors[:3]
    return small


def nearly_all_poor_package():
    """The bundled package with every person who entered in 2024 poor or near-poor at entry
    but two: a share of the year's people (97.7 % of 88) would tell those two."""
    pkg = BUNDLED
    ben = pkg["beneficiaries"].copy()
    others = ben.index[
        ((ben["entry_year"] == 2024) & ~ben["poverty_status_entry"].isin(["poor", "near_poor"]))
        .fillna(False)
        .to_numpy(bool)
    ]
    ben.loc[others[2:], "poverty_status_entry"] = "poor"
    return dataclasses.replace(pkg, frames=dict(pkg.frames, beneficiaries=ben))


PACKAGES = {
    "bundled": lambda: BUNDLED,
    "tiny": lambda: load_package(TINY),
    "small": small_package,
    "nearly_all_poor": nearly_all_poor_package,
}


def cases():
    out = []
    for name, make in PACKAGES.items():
        pkg = make()
        for spec in REPORTS:
            for params in spec.report_class.instances(pkg):
                out.append(pytest.param(name, spec.kind, params, id=f"{name}-{spec.kind}-{params}"))
    return out


_PACKAGE_CACHE: dict = {}


def package(name):
    if name not in _PACKAGE_CACHE:
        _PACKAGE_CACHE[name] = PACKAGES[name]()
    return _PACKAGE_CACHE[name]


@pytest.mark.parametrize(("name", "kind", "params"), cases())
def test_no_hidden_count_can_be_recovered(name, kind, params):
    pkg = package(name)
    spec = next(s for s in REPORTS if s.kind == kind)
    for lang in ("vi", "en"):
        marks = {t("suppressed", lang, threshold=THRESHOLD), t("suppressed_complementary", lang)}
        html, workbook = build(pkg, spec, params, lang, THRESHOLD)
        open_html, _ = build(pkg, spec, params, lang, 1)
        truth = truth_for(html, open_html, lang, marks)
        leaks = attack(html, workbook, lang, truth, THRESHOLD, marks)
        assert not leaks, "\n".join(leaks)


def test_the_attacker_finds_the_leaks_it_is_built_for():
    """The attacker recovers a count hidden in one table and shown in another, a count that
    a total row gives away, and a count that money per person gives away."""
    marks = {"<5", "x"}
    html = (
        '<table class="data"><caption>A</caption><thead><tr><th>type</th><th>people</th>'
        "<th>spent</th><th>per person</th></tr></thead><tbody>"
        '<tr><td>house</td><td class="num people">&lt;5</td><td>150,000,000</td>'
        "<td>50,000,000</td></tr>"
        '<tr><td>cows</td><td class="num people">20</td><td>1</td><td>1</td></tr>'
        '<tr class="total"><td>Total</td><td class="num people">23</td><td></td><td></td></tr>'
        "</tbody></table>"
        '<table class="data"><caption>B</caption><thead><tr><th>type</th><th>people</th>'
        '</tr></thead><tbody><tr><td>house</td><td class="num people">3</td></tr>'
        "</tbody></table>"
    )
    leaks = attack(html, {}, "en", {(0, 0, 1): 3.0}, 5, marks)
    routes = " | ".join(leaks)
    assert "total row minus" in routes
    assert "1.5e+08 / 5e+07 = 3.0" in routes
    assert "shown as 3.0 in 'B'" in routes
    assert any("3 people shown" in leak for leak in leaks)


def test_the_attacker_recovers_counts_a_weaker_disclosure_step_would_leak(monkeypatch):
    """Mutation check: with primary suppression only (no complementary cells), or with
    amounts per person and shares left beside hidden counts, the attacker finds leaks in
    the bundled package's reports."""
    from analysis.disclosure import Ledger
    from analysis.report import base

    def primary_only(self):
        self._hidden = {
            k: "primary"
            for k, v in self.values.items()
            if 0 < v < self.threshold and k not in self.not_people
        }

    def leaks_in(year):
        spec = next(s for s in REPORTS if s.kind == "annual")
        html, workbook = build(BUNDLED, spec, {"year": year}, "en", THRESHOLD)
        open_html, _ = build(BUNDLED, spec, {"year": year}, "en", 1)
        marks = {"<5", "x"}
        truth = truth_for(html, open_html, "en", marks)
        return attack(html, workbook, "en", truth, THRESHOLD, marks)

    with monkeypatch.context() as m:
        m.setattr(Ledger, "solve", primary_only)
        assert any("total row minus" in leak for leak in leaks_in(2023))
    with monkeypatch.context() as m:
        m.setattr(base.BaseReport, "withheld", lambda self, value, *keys: value)
        m.setattr(base.BaseReport, "share", lambda self, value, key: value)
        found = leaks_in(2024)
        assert any(" / " in leak and "= 3" in leak for leak in found), found


def test_the_attacker_reads_shares_in_sentences():
    """A percentage in the same sentence as a count of people gives a count: 98.5 % of 201
    is 198, which leaves 3; a confidence level (95 %) is not a share; two sentences apart,
    a count and a percentage are not paired."""
    leaks = prose_share_leaks("<p>201 people were reached; 98.5% of them were women.</p>", "en", 5)
    assert leaks == [
        "98.5% of 201 people is 3: '201 people were reached; 98.5% of them were women.'"
    ]
    assert prose_share_leaks("<li>201 người được hỗ trợ, 98,5% là phụ nữ.</li>", "vi", 5)
    interval = "<p>Of 40 people, 60% left (95% interval: 40% to 80%).</p>"  # 95% of 40: 38
    assert not prose_share_leaks(interval, "en", 5)
    assert not prose_share_leaks("<p>201 people were reached. 98.5% of rows are real.</p>", "en", 5)


def test_the_attacker_finds_a_share_in_a_sentence_that_tells_two_people():
    """Mutation check on the package where all but two of 2024's 88 people were poor or
    near-poor: the report withholds the share (no leak); with shares and withheld figures
    left as computed, 97.7 % of 88 in the summary tells the two."""
    from analysis.report import base

    spec = next(s for s in REPORTS if s.kind == "annual")
    pkg = package("nearly_all_poor")
    html, _ = build(pkg, spec, {"year": 2024}, "en", THRESHOLD)
    assert not prose_share_leaks(html, "en", THRESHOLD)
    with pytest.MonkeyPatch.context() as m:
        m.setattr(base.BaseReport, "withheld", lambda self, value, *keys: value)
        m.setattr(base.BaseReport, "share", lambda self, value, key: value)
        html, _ = build(pkg, spec, {"year": 2024}, "en", THRESHOLD)
    found = prose_share_leaks(html, "en", THRESHOLD)
    assert any(leak.startswith("97.7% of 88 people is 2") for leak in found), found
