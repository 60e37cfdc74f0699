"""The project's kernelspec: what it preloads, and that the preload runs."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from analysis.kernel import PRELOAD, install


def test_the_kernelspec_preloads_the_report_libraries(tmp_path):
    folder = install(prefix=str(tmp_path))
    spec = json.loads((folder / "kernel.json").read_text(encoding="utf-8"))
    assert spec["argv"].count(f"--IPKernelApp.exec_lines={PRELOAD}") == 1
    again = json.loads((install(prefix=str(tmp_path)) / "kernel.json").read_text(encoding="utf-8"))
    assert again["argv"] == spec["argv"]  # re-registering does not stack a second preload


@pytest.mark.slow
def test_the_preload_only_imports():
    code = (
        PRELOAD
        + "\nimport gc, sys\nprint(gc.get_freeze_count() == 0, 'matplotlib.pyplot' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["True", "True"]
