"""Shared by every test run: the docstring examples' ``pkg`` is the tiny test package.

``make test`` runs the examples in ``src/analysis`` (``--doctest-modules``), so an example
that stops being true fails the build like any other test.
"""

from pathlib import Path

import pytest

TINY = Path(__file__).parent / "tests" / "fixtures" / "tiny_package" / "datapackage.json"


@pytest.fixture(autouse=True, scope="session")
def _doctest_package(doctest_namespace):
    from analysis.package import load_package

    doctest_namespace["pkg"] = load_package(TINY)
