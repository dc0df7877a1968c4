"""`govsim report RESULTS_DIR [-o report.html] [--baseline baseline] [--lang en|zh] [--figures DIR]`."""

from __future__ import annotations

from pathlib import Path


def register(sub) -> None:
    p = sub.add_parser(
        "report",
        help="turn a sweep's results into one self-contained interactive HTML report",
        description="Build an HTML report (plotly.js embedded, opens offline) from the results folder of "
        "`govsim sweep`: summary with intervals, effects vs each scenario's reference, time series, trade-offs, "
        "single reforms vs provincial models, sensitivity, what each scenario changes, provenance.",
    )
    p.add_argument("results", type=Path, help="results folder written by govsim sweep")
    p.add_argument("-o", "--output", type=Path, default=None, help="HTML file (default: RESULTS/report.html)")
    p.add_argument("--baseline", default="baseline", help="scenario the effects are measured against")
    p.add_argument("--lang", choices=("en", "zh"), default="en", help="labels and measure names")
    p.add_argument("--figures", type=Path, default=None, metavar="DIR", help="also write each figure as an image")
    p.add_argument("--format", choices=("png", "svg"), default="png", help="image format for --figures")
    p.set_defaults(func=cmd_report)


def cmd_report(args) -> int:
    from ..diffusion.run import is_china_run
    from .html import write_figures, write_report

    out = args.output or args.results / "report.html"
    if is_china_run(args.results):  # a `govsim china` folder: the provincial layer's report (sim/diffusion)
        from ..diffusion.figures import load_run
        from ..diffusion.figures import write_report as write_china_report

        path, figures = write_china_report(load_run(args.results), out)
    else:
        path, figures = write_report(args.results, out, baseline=args.baseline, lang=args.lang)
    print(f"report: {path.resolve()}")
    if args.figures:
        for p in write_figures(figures, args.figures, args.format):
            print(f"figure: {p}")
    return 0
