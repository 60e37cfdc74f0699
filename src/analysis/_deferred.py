"""Defer the import of ``rfc3987_syntax`` until something uses it (nothing here does).

nbformat imports jsonschema, and jsonschema imports ``rfc3987_syntax`` (when installed, as
``jsonschema[format-nongpl]`` for Jupyter's own packages installs it) for its optional ``iri``
format checker. Version 1.1.0 of that package builds an Earley parser from its grammar as it is
imported: about one second of every command that touches a notebook, on this machine
(python-jsonschema/jsonschema#1392 and #1521). No notebook schema has an IRI field, so the
parser is never needed to render a report.

:func:`defer_rfc3987_syntax` puts a stand-in module in its place: ``is_valid_syntax`` and any
other name imports the real module on first use and hands the call on, so a program that does
validate an IRI gets the real answer, one second later.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import types

NAME = "rfc3987_syntax"


def _real() -> types.ModuleType:
    module = sys.modules.get(NAME)
    if getattr(module, "_analysis_stand_in", False):
        del sys.modules[NAME]
    return importlib.import_module(NAME)


def _is_valid_syntax(*args, **kwargs):
    return _real().is_valid_syntax(*args, **kwargs)


def _attribute(name: str):
    if name.startswith("__"):  # the import system's own probes (``__path__``…) load nothing
        raise AttributeError(name)
    return getattr(_real(), name)


def defer_rfc3987_syntax() -> None:
    """Register the stand-in, unless the module is already imported or not installed."""
    if NAME in sys.modules:
        return
    try:
        spec = importlib.util.find_spec(NAME)
    except (ImportError, ValueError):
        return
    if spec is None:
        return
    stand_in = types.ModuleType(NAME, "Stand-in: the real module is imported on first use.")
    stand_in._analysis_stand_in = True
    stand_in.is_valid_syntax = _is_valid_syntax
    stand_in.__getattr__ = _attribute  # PEP 562
    sys.modules[NAME] = stand_in
