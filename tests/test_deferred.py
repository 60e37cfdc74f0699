"""The stand-in for rfc3987_syntax: nothing pays for its parser unless an IRI is validated."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

pytest.importorskip("rfc3987_syntax")

CHECKS = """
import json, sys
{prelude}
import nbformat, papermill, nbconvert
loaded = 'lark' in sys.modules
from jsonschema import FormatChecker
fc = FormatChecker()
values = ["http://example.com/ä", "not an iri", "urn:isbn:0451450523", "http://[::1"]
print(json.dumps({{"lark_before": loaded, "iri": [fc.conforms(v, "iri") for v in values]}}))
"""


def _run(prelude: str) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", CHECKS.format(prelude=prelude)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout)


def test_notebook_libraries_import_without_building_the_iri_parser():
    assert _run("import analysis")["lark_before"] is False


def test_iri_validation_gives_the_real_module_s_answers():
    deferred = _run("import analysis")["iri"]
    direct = _run("")["iri"]  # the real module, imported the ordinary way
    assert deferred == direct
    assert deferred[:2] == [True, False]
