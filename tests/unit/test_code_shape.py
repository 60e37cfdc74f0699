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
