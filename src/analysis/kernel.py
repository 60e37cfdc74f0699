"""Register the project's Jupyter kernel ("Python (bien-cuong)") inside the environment.

``python -m analysis.kernel`` (run by ``make setup``) installs the kernelspec under
``sys.prefix`` so that papermill, nbval and JupyterLab find it without any user-level set-up.
The kernel imports the report's libraries (pandas, matplotlib, openpyxl, the toolkit) as it
starts, so the first cells of a report do not wait for them: the cost moves into the kernel
start, which the benchmark's empty-notebook floor measures with the same kernel (and which a
warm kernel of ``report --all`` pays once per worker). ``make setup`` re-registers the kernel
whenever this file changes.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from analysis.paths import KERNEL_NAME

DISPLAY_NAME = "Python (bien-cuong)"
PRELOAD = (
    "import analysis.report.annual, analysis.report.phase, analysis.report.commune, "
    "analysis.maps, matplotlib.pyplot, openpyxl"
)
"""What the kernel runs as it starts (IPython's ``exec_lines``): it imports the report modules,
the plotting library (about 0.4 s on its own: it builds its artists' docstrings at import) and
the workbook writer. pyplot is imported under the kernel's own backend, so plots still show
inline in JupyterLab."""

QUIET = "--IPKernelApp.log_level=ERROR"
"""The kernel logs errors only: its start-up warning that it talks over TCP on the loopback
interface would otherwise be printed once for every report rendered. A failing cell still
reaches the renderer through the messaging protocol."""


def install(prefix: str = sys.prefix) -> Path:
    """Install (or refresh) the kernelspec and return its folder."""
    from ipykernel.kernelspec import install as install_kernelspec

    folder = Path(
        install_kernelspec(kernel_name=KERNEL_NAME, display_name=DISPLAY_NAME, prefix=prefix)
    )
    spec_file = folder / "kernel.json"
    spec = json.loads(spec_file.read_text(encoding="utf-8"))
    for option in (f"--IPKernelApp.exec_lines={PRELOAD}", QUIET):
        if option not in spec["argv"]:
            spec["argv"].append(option)
    spec_file.write_text(json.dumps(spec, indent=1) + "\n", encoding="utf-8")
    return folder


if __name__ == "__main__":
    print(f"installed kernel {KERNEL_NAME!r} in {install()}")
