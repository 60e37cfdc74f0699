"""Shared by every test run: the docstring examples' ``pkg`` is the tiny test package and
their ``tmp_path`` a fresh folder.

``make test`` runs the examples in ``src/analysis`` (``--doctest-modules``), so an example
that stops being true fails the build like any other test.
"""

from pathlib import Path

import pytest

TINY = Path(__file__).parent / "tests" / "fixtures" / "tiny_package" / "datapackage.json"


@pytest.fixture(autouse=True, scope="session")
def _doctest_package(doctest_namespace, tmp_path_factory):
    from analysis.package import load_package

    doctest_namespace["pkg"] = load_package(TINY)
    doctest_namespace["tmp_path"] = tmp_path_factory.mktemp("doctest")
