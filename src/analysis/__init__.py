"""Evaluation toolkit for "Đồng hành cùng phụ nữ biên cương" (Hanoi Women's Union, 2021–2025).

Start with :func:`load_package`, which returns every resource of the data package as a typed
pandas DataFrame, checked strictly against the package's own schema.
"""

from analysis.package import Package, load_package

__all__ = ["Package", "load_package"]
__version__ = "0.1.0"
