"""`govsim china [SCENARIO] [--seeds N | --seed S] [--months M] [--out DIR] [--report]` and
`govsim china-fit EXPERIMENT.toml [--out DIR]`: the provincial diffusion layer (docs/diffusion.md).

`govsim run SCENARIO` hands a scenario with a `[diffusion]` table to `govsim china`.
Heavy imports (the model, numba, plotly) happen inside the commands.
"""

from __future__ import annotations

import sys
from pathlib import Path


def register(sub) -> None:
    p = sub.add_parser(
        "china",
        help="China 2014-2024: 31 provinces adopt bodies and reforms by mechanism, each running its own model",
        description="Run the provincial diffusion layer (a scenario with [diffusion], default the `china` preset) "
        "coupled to 31 within-province models; write OUT/seed-S/{timeseries,provinces,events}.csv, "
        "OUT/scenario.resolved.toml and OUT/china.json; --report adds OUT/report.html. See docs/diffusion.md.",
    )
    p.add_argument("scenario", nargs="?", default="china", help="preset name or TOML file with [diffusion]")
    p.add_argument("--seed", type=int, default=None, help="one seed (default: the scenario's)")
    p.add_argument("--seeds", type=int, default=None, metavar="N", help="run seeds 1..N (for intervals)")
    p.add_argument("--months", type=int, default=None, help="stop after this many months (default: to [diffusion] end)")
    p.add_argument("--set", action="append", metavar="KEY=VALUE", help="override a scenario key (repeatable)")
    p.add_argument("--out", type=Path, default=None, help="results folder (default: runs/NAME)")
    p.add_argument("--report", action="store_true", help="also write OUT/report.html (figures, fit and hold-out)")
    p.add_argument(
        "--mechanisms",
        action="store_true",
        help="instead: run every mechanism on and each one off (paired seeds), write OUT/mechanisms.csv",
    )
    p.add_argument("--quiet", "-q", action="store_true", help="no progress output")
    p.set_defaults(func=cmd_china)

    f = sub.add_parser(
        "china-fit",
        help="fit the diffusion strengths to the 2018 and 2020 counts (ABC rejection); April 2024 held out",
        description="Draw parameter sets from the priors in EXPERIMENT (e.g. experiments/diffusion_fit.toml), run "
        "the china scenario to the last fitted date for each, keep the nearest to the 2018-2020 counts, write "
        "OUT/draws.csv and OUT/fit.json. See docs/diffusion.md §5.",
    )
    f.add_argument("experiment", type=Path, help="fit file (TOML)")
    f.add_argument("--out", type=Path, default=None, help="results folder (default: runs/diffusion_fit)")
    f.add_argument("--draws", type=int, default=None, help="override the number of draws")
    f.add_argument("--quiet", "-q", action="store_true")
    f.set_defaults(func=cmd_fit)


def _check_positive(flag: str, v: int | None) -> None:
    from ..scenario import ScenarioError

    if v is not None and v < 1:
        raise ScenarioError(f"{flag} {v}: expected a positive integer")


def cmd_china(args) -> int:
    from ..cli import _overrides
    from .run import run_china

    _check_positive("--seeds", args.seeds)
    _check_positive("--months", args.months)
    seeds = list(range(1, args.seeds + 1)) if args.seeds else ([args.seed] if args.seed is not None else None)
    if getattr(args, "mechanisms", False):
        return _mechanisms(args, seeds or [1])
    out, models, seconds = run_china(args.scenario, seeds, args.months, _overrides(args.set), args.out, args.quiet)
    m = models[0]
    last = m.timeseries().iloc[-1]
    name, n = m.spec.meta.name, len(models)
    print(f"{name}: 31 provinces, {m.months} months from {m.d.start}, {n} seed(s), {seconds:.1f} s")
    for col in [c for c in last.index if c.startswith("provinces_")]:
        print(f"  {col:<32} {int(last[col]):>3} at {last['date']}")
    print(f"wrote {out}")
    if args.report:
        from .figures import load_run, write_report

        path, _ = write_report(load_run(out), out / "report.html")
        print(f"report: {path.resolve()}")
    return 0


def cmd_fit(args) -> int:
    from .fit import load_fit, run_fit

    _check_positive("--draws", args.draws)
    spec = load_fit(args.experiment)
    out = args.out or Path("runs") / "diffusion_fit"
    result = run_fit(spec, out, draws=args.draws, quiet=args.quiet)
    print(f"fit: {result['draws']} draws, {result['accepted']} accepted, {result['seconds']:.0f} s")
    for k, v in result["posterior_mean"].items():
        lo, hi = result["posterior_range"][k]
        print(f"  {k:<36} {v:8.3f}  (accepted range {lo:.2f}..{hi:.2f})")
    print(f"wrote {out / 'draws.csv'} and {out / 'fit.json'}", file=sys.stdout)
    return 0


def run_from_run_command(args) -> int:
    """`govsim run china ...`: the same as `govsim china ...` with run's flags (--steps = --months)."""
    args.months, args.seeds, args.report = args.steps, None, False
    return cmd_china(args)


def _mechanisms(args, seeds: list[int]) -> int:
    from ..cli import _overrides, write_atomic
    from ..scenario import GovScenario
    from .run import compare_mechanisms

    sc = GovScenario.coerce(args.scenario, overrides=_overrides(args.set), scenario_seed=True)
    table = compare_mechanisms(sc, seeds, quiet=args.quiet)
    out = args.out or Path("runs") / f"{sc.spec.meta.name}-mechanisms"
    write_atomic(out / "mechanisms.csv", table.to_csv(index=False))
    print(table.to_string(index=False, float_format=lambda v: f"{v:.2f}"))
    print(f"median over seeds {seeds}; wrote {out / 'mechanisms.csv'}")
    return 0
