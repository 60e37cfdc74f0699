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
