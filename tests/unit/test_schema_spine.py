"""analysis.schema.Schema is the one reader of datapackage.json's metadata: a loaded package,
the generator, the dictionary, the benchmark and the reports ask it; nobody else walks the
descriptor's resources by hand (except the strict loader and the write guards, on purpose)."""

from __future__ import annotations

import json
import re

import pytest

from analysis.package import load_package
from analysis.paths import DATAPACKAGE, PROJECT_ROOT
from analysis.schema import Schema

TINY = PROJECT_ROOT / "tests" / "fixtures" / "tiny_package" / "datapackage.json"

ALLOWED = {
    "schema.py",  # the reader itself
    "package.py",  # the strict loader parses an untrusted descriptor into problems
    "paths.py",  # write guards: they must find the folders of a broken descriptor
    "storage.py",
}


def test_nobody_else_walks_the_descriptor_s_resources():
    walk = re.compile(r"""descriptor\[["']resources["']\]|\[["']resources["']\]""")
    found = [
        f"{path.relative_to(PROJECT_ROOT)}:{n}"
        for path in sorted((PROJECT_ROOT / "src" / "analysis").rglob("*.py"))
        if path.name not in ALLOWED
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if walk.search(line)
    ]
    assert found == []


def test_a_parsed_descriptor_and_a_file_give_the_same_schema():
    descriptor = json.loads(DATAPACKAGE.read_text(encoding="utf-8"))
    parsed, read = Schema.from_descriptor(descriptor), Schema.read(DATAPACKAGE)
    assert parsed.names() == read.names() == Schema.load().names()
    assert parsed.names(role="monitoring") == read.names(role="monitoring")


def test_a_loaded_package_answers_through_its_schema():
    pkg = load_package(TINY)
    assert pkg.schema.names(person_level=True) == [
        "beneficiaries",
        "beneficiary_followups",
        "livestock_events",
    ]
    assert "plans" in pkg.schema and "no_such" not in pkg.schema
    assert pkg.resource("plans") is pkg.schema.resource("plans")
    with pytest.raises(KeyError, match="no resource named 'no_such'"):
        pkg.resource("no_such")


def test_fields_types_and_properties():
    schema = Schema.load()
    assert schema.field("plans", "year")["type"] == "integer"
    assert schema.field_types("plans")["planned_amount_vnd"] == "integer"  # whole đồng
    with pytest.raises(KeyError, match="'no_such' in 'plans'"):
        schema.field("plans", "no_such")
    # the fields the schema proposes for women's ownership, decisions and time (issue 17)
    assert [(r, f["name"]) for r, f in schema.fields_with("equity")] == [
        ("beneficiary_followups", "income_decided_by"),
        ("beneficiary_followups", "woman_workload_change"),
        ("livestock_events", "registered_owner"),
        ("livestock_events", "sale_decided_by"),
    ]


def test_the_shared_columns_are_declared_once():
    """A column of analysis.report.columns is asked for by name (self.cols(...)), never
    declared again by hand in a report module."""
    from analysis.report.columns import COLUMNS

    hand = re.compile(r'"(\w+)": Col\(')
    found = [
        f"{path.name}:{n}: {m.group(1)}"
        for path in sorted((PROJECT_ROOT / "src" / "analysis" / "report").glob("*.py"))
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        for m in hand.finditer(line)
        if m.group(1) in COLUMNS and "self._t(" in line
        and line.split("self._t(")[1].startswith(f'"{COLUMNS[m.group(1)][0]}"')
    ]  # fmt: skip
    assert found == []
