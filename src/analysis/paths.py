"""Where things are: derived once from the location of this file, never from the caller's cwd."""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = PACKAGE_DIR.parents[1]
DATAPACKAGE = PROJECT_ROOT / "datapackage.json"
DATA_DIR = PROJECT_ROOT / "data"
NOTEBOOKS_DIR = PROJECT_ROOT / "notebooks"
REPORTS_DIR = PROJECT_ROOT / "reports"
TEMPLATES_DIR = PACKAGE_DIR / "templates"
CONFIG_DIR = PACKAGE_DIR / "config"

KERNEL_NAME = "bien-cuong"
"""Jupyter kernel the Makefile registers inside the project's virtual environment."""

PROTECTED = ("src", "notebooks", "docs", "tests", "benchmarks", ".git", ".venv")
"""Folders of the project no output may be written into."""


def refuse_output(path, package=DATAPACKAGE, *, folder: bool = False) -> str | None:
    """Why an output may not go to ``path`` (a key of the catalogue's ``output.*`` messages),
    or None when it may.

    Refused: the package's own descriptor and the folders of its data files, the package
    folder itself (for an output folder), the project's own code, notebooks and documents, a
    path with a NUL character, and, for an output folder, an existing file.

    Example:
        >>> refuse_output(PROJECT_ROOT / "data" / "plans.csv")
        'inside_package'
        >>> refuse_output(PROJECT_ROOT / "reports", folder=True) is None
        True
    """
    import json

    if "\x00" in str(path):
        return "nul"
    target = Path(path).absolute().resolve()
    if folder and target.exists() and not target.is_dir():
        return "a_file"
    if not folder and target.is_dir():
        return "a_folder"
    package = Path(package).absolute().resolve()
    inside = {package}
    try:
        for res in json.loads(package.read_text(encoding="utf-8")).get("resources", []):
            folder = (package.parent / str(res.get("path", ""))).resolve().parent
            if folder.is_relative_to(package.parent):  # (a path leading out is refused anyway)
                inside.add(folder)
    except (OSError, ValueError, AttributeError):
        pass
    if target == package.parent and folder:
        return "package_folder"
    for place in inside:
        if target == place or (place.is_dir() and target.is_relative_to(place)):
            return "inside_package"
    for name in PROTECTED:
        if target.is_relative_to(PROJECT_ROOT / name):
            return "project_folder"
    return None
