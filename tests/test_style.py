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


def _kernels(root: Path):
    for path in sorted(root.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef):
                names = {
                    getattr(d, "id", None) or getattr(getattr(d, "func", None), "id", None) for d in node.decorator_list
                }
                if "njit" in names:
                    yield path, node


def test_compiled_kernels_take_named_structures_not_long_argument_lists():
    """Two arrays of one type passed in swapped order would fail silently: past 8
    parameters a kernel takes NamedTuples built by keyword (sim/state.py: kernel views)."""
    root = Path(sim.__file__).resolve().parent
    kernels = list(_kernels(root))
    assert len(kernels) > 10  # the walk finds them
    wide = [f"{p.relative_to(root)}:{k.name} ({len(k.args.args)})" for p, k in kernels if len(k.args.args) > 8]
    assert not wide, wide
    skipped = [p.name for p in root.rglob("*.py") if "fmt: " + "skip" in p.read_text(encoding="utf-8")]
    assert not skipped, f"call sites formatted by hand: {skipped}"
