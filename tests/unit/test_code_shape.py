"""The code stays readable: no function of the toolkit is longer than 120 lines."""

from __future__ import annotations

import ast

from analysis.paths import PROJECT_ROOT

LIMIT = 120


def test_no_function_is_longer_than_the_limit():
    long = []
    for path in sorted((PROJECT_ROOT / "src" / "analysis").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                lines = node.end_lineno - node.lineno + 1
                if lines > LIMIT:
                    long.append(
                        f"{path.relative_to(PROJECT_ROOT)}:{node.lineno} {node.name} ({lines})"
                    )
    assert not long, "\n".join(long)


def test_reports_compute_each_indicator_once_through_the_report():
    """A report calls an indicator of :mod:`analysis.indicators` on its package through
    ``self.indicator(ind.f, ...)`` (computed once, shared by every section that shows it),
    never as ``ind.f(self.pkg, ...)``: a direct call computes it again, and two sections could
    drift apart."""
    direct = []
    for path in sorted((PROJECT_ROOT / "src" / "analysis" / "report").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "ind"
                and node.args
                and ast.unparse(node.args[0]) in ("self.pkg", "report.pkg")
            ):
                direct.append(f"{path.relative_to(PROJECT_ROOT)}:{node.lineno} {ast.unparse(node)}")
    assert not direct, "\n".join(direct)
