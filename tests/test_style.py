"""Small functions with one job: no function in sim/ runs over 80 lines (the project's guide)."""

from __future__ import annotations

import ast
from pathlib import Path

import sim

MAX_LINES = 80


def test_no_function_in_sim_is_over_80_lines():
    root = Path(sim.__file__).resolve().parent
    long = []
    for path in sorted(root.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                lines = node.end_lineno - node.lineno + 1
                if lines > MAX_LINES:
                    long.append(f"{path.relative_to(root)}:{node.lineno} {node.name} ({lines} lines)")
    assert not long, "split by phase or by figure: " + ", ".join(long)
