"""Reports comparing reform models: one self-contained interactive HTML file from a sweep's
stored results (`govsim report RESULTS_DIR`)."""

from .html import build, write_figures, write_report
from .load import Results, load_results

__all__ = ["Results", "build", "load_results", "write_figures", "write_report"]
