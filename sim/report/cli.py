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


def check_outputs(out: Path, figures: Path | None) -> None:
    """Refuse, before anything is read or written, an output that cannot be used."""
    from ..scenario import ScenarioError

    if out.is_dir():
        raise ScenarioError(f"-o {out}: is a folder; expected the path of the HTML file to write")
    for folder in out.parents:
        if folder.exists() and not folder.is_dir():
            raise ScenarioError(f"-o {out}: {folder} is a file; expected a folder for the report")
    if figures is not None:
        for folder in [figures, *figures.parents]:
            if folder.exists() and not folder.is_dir():
                raise ScenarioError(f"--figures {figures}: {folder} is a file; expected a folder for the images")


def has_cjk_font() -> bool | None:
    """Whether fontconfig knows a font with Chinese glyphs (None: cannot tell, no fc-list)."""
    import shutil
    import subprocess

    if not shutil.which("fc-list"):
        return None
    try:
        found = subprocess.run(["fc-list", ":lang=zh"], capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    return bool(found.strip())


def warn_without_cjk_font(lang: str, figures: Path | None) -> None:
    """Units (万元) and the Chinese report need a CJK font: Chromium and the figure export
    draw boxes without one. Say so rather than write images of empty boxes in silence."""
    import sys

    if (lang == "zh" or figures is not None) and has_cjk_font() is False:
        print(
            "warning: no Chinese font found (fc-list :lang=zh is empty): a browser on this machine and the "
            "--figures images show 万元 and Chinese labels as boxes; install one, e.g. apt-get install fonts-noto-cjk",
            file=sys.stderr,
        )


def cmd_report(args) -> int:
    from ..diffusion.run import is_china_run
    from .calibration import is_calibration, write_calibration_report
    from .design import is_design_folder
    from .html import write_figures, write_report

    out = args.output or args.results / "report.html"
    check_outputs(out, args.figures)
    if is_calibration(args.results):  # a folder of `govsim calibrate`, not of a sweep
        print(f"report: {write_calibration_report(args.results, out).resolve()}")
        return 0
    warn_without_cjk_font(args.lang, args.figures)
    if is_china_run(args.results):  # a `govsim china` folder: the provincial layer's report (sim/diffusion)
        from ..diffusion.figures import load_run
        from ..diffusion.figures import write_report as write_china_report

        path, figures = write_china_report(load_run(args.results), out)
    elif is_design_folder(args.results):  # a `govsim design` folder: the front, not a sweep's summary
        from .design import write_design_report

        path, figures = write_design_report(args.results, out, lang=args.lang)
    else:
        path, figures = write_report(args.results, out, baseline=args.baseline, lang=args.lang)
    print(f"report: {path.resolve()}")
    if args.figures:
        for p in write_figures(figures, args.figures, args.format):
            print(f"figure: {p}")
    return 0
