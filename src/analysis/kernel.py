"""Register the project's Jupyter kernel ("Python (bien-cuong)") and its offline nbconvert
template ("bien-cuong-offline") inside the environment.

``python -m analysis.kernel`` (run by ``make setup``) installs the kernelspec under
``sys.prefix`` so that papermill, nbval and JupyterLab find it without any user-level set-up,
and copies the reports' template (``src/analysis/templates/offline/``) where nbconvert looks
for named templates, so that ``jupyter nbconvert --template bien-cuong-offline`` run by hand,
from any folder, gives the page ``python -m analysis report`` writes (see the README's
"Papermill by hand").

The kernel imports the report's libraries (pandas, matplotlib, openpyxl, the toolkit) as it
starts, so the first cells of a report do not wait for them: the cost moves into the kernel
start, which the benchmark's empty-notebook floor measures with the same kernel (and which a
warm kernel of ``report --all`` pays once per worker). ``make setup`` re-registers the kernel
whenever this file or the template changes.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

from analysis.paths import KERNEL_NAME, TEMPLATES_DIR

DISPLAY_NAME = "Python (bien-cuong)"
TEMPLATE_NAME = f"{KERNEL_NAME}-offline"
"""Name of the reports' offline template for ``jupyter nbconvert --template``."""
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


def install_template(prefix: str = sys.prefix) -> Path:
    """Copy the offline template to ``<prefix>/share/jupyter/nbconvert/templates/`` as
    :data:`TEMPLATE_NAME` (replacing an older copy) and return its folder.

    nbconvert searches that folder of its own environment from any working directory.
    """
    source = TEMPLATES_DIR / "offline"
    target = Path(prefix) / "share" / "jupyter" / "nbconvert" / "templates" / TEMPLATE_NAME
    staging = target.with_name(f".{TEMPLATE_NAME}.new")
    shutil.rmtree(staging, ignore_errors=True)
    shutil.copytree(source, staging, ignore=shutil.ignore_patterns("__pycache__", ".*"))
    shutil.rmtree(target, ignore_errors=True)
    staging.rename(target)
    return target


if __name__ == "__main__":
    print(f"installed kernel {KERNEL_NAME!r} in {install()}")
    print(f"installed nbconvert template {TEMPLATE_NAME!r} in {install_template()}")
