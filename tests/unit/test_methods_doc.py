"""docs/methods.md explains every glossary term and every rating rule the code applies."""

from __future__ import annotations

import json

import pytest

from analysis.glossary import TERMS
from analysis.i18n import t
from analysis.indicators.registry import CRITERIA
from analysis.paths import PROJECT_ROOT
from analysis.ratings import load_rules

METHODS = (PROJECT_ROOT / "docs" / "methods.md").read_text(encoding="utf-8")


def _section(title: str) -> str:
    start = METHODS.index(title)
    end = METHODS.find("\n## ", start + 1)
    return METHODS[start : end if end > 0 else None]


@pytest.mark.parametrize("term", TERMS, ids=lambda term: term.key)
def test_each_glossary_term_is_defined_with_its_function(term):
    glossary = _section("## 3. Glossary")
    row = next(
        (
            line
            for line in glossary.splitlines()
            if line.startswith(f"| {t(f'glossary.{term.key}.term', 'en')} |")
        ),
        None,
    )
    assert row is not None, f"no glossary row for {term.key}"
    assert f"`{term.computed_by}`" in row
    assert t(f"glossary.{term.key}.definition", "en") in row


def test_the_glossary_holds_no_term_the_code_lacks():
    glossary = _section("## 3. Glossary")
    rows = [line for line in glossary.splitlines() if line.startswith("| ") and "---" not in line]
    assert len(rows) - 1 == len(TERMS)  # one header row


@pytest.mark.parametrize("criterion", CRITERIA)
def test_each_rule_is_explained_with_its_thresholds(criterion):
    rules = _section("## 4. Rating rules")
    rule = load_rules()[criterion]
    row = next(line for line in rules.splitlines() if line.startswith(f"| {criterion} |"))
    assert f"`{rule['metric']}`" in row
    for name, value in rule.items():
        if isinstance(value, int | float) and not isinstance(value, bool):
            assert str(value) in row, f"{criterion}: threshold {name} = {value} not in the row"
    assert t(f"phase.rule_why.{criterion}", "en") in row


def test_the_withholding_rule_and_its_limit_are_stated():
    rules = load_rules()
    assert f"`max_illustrative_share` = {rules['max_illustrative_share']}" in METHODS
    assert f"`min_people` = {rules['min_people']}" in METHODS


def test_the_config_file_has_no_rule_the_document_misses():
    config = json.loads((PROJECT_ROOT / "src/analysis/config/ratings.json").read_text("utf-8"))
    rated = {k for k, v in config.items() if isinstance(v, dict) and "metric" in v}
    assert rated == set(CRITERIA)
