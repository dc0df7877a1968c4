"""Reports comparing reform models: one self-contained interactive HTML file from a sweep's
stored results (`govsim report RESULTS_DIR`).

Loaded lazily: `sim.report.cli` registers the command without importing plotly or pandas."""

_LAZY = {
    "build": "sim.report.html",
    "write_figures": "sim.report.html",
    "write_report": "sim.report.html",
    "Results": "sim.report.load",
    "load_results": "sim.report.load",
}

__all__ = ["Results", "build", "load_results", "write_figures", "write_report"]


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'sim.report' has no attribute {name!r}")
