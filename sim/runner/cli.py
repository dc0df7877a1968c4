"""`govsim sweep` and `govsim sensitivity`."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from ..calibrate.draws import DRAWS_FILE, check_draws, posterior_draws
from ..scenario import ScenarioError
from .design import RunSpec, build_design, points_design
from .experiment import Experiment, load_experiment
from .run import executor_for, run_design
from .store import ResultStore, atomic_write


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("experiment", type=Path, help="experiment file (TOML), e.g. experiments/reform_comparison.toml")
    p.add_argument(
        "--workers", type=int, default=None, help="worker processes (default: number of cores; 1 = in this process)"
    )
    p.add_argument("--out", type=Path, default=None, help="results folder (default: results/EXPERIMENT_NAME)")
    p.add_argument(
        "--dask",
        metavar="ADDRESS|local",
        default=None,
        help="run on a Dask distributed cluster: its scheduler address (tcp://host:8786) or 'local'",
    )
    p.add_argument("--force", action="store_true", help="discard results already in the folder and redo every run")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress output")


def register(sub) -> None:
    s = sub.add_parser(
        "sweep",
        help="run an experiment: scenarios x levers x uncertainties x replications, in parallel, resumable",
        description="Run every run of an experiment file and write DIR/runs.parquet (one row per run), "
        "DIR/timeseries/ (a Parquet dataset: run_id, step, every measure) and DIR/experiment.toml. "
        "Re-running the same command resumes; --force redoes everything.",
    )
    _common(s)
    s.add_argument("--posterior", type=Path, metavar="DIR", help="run over draws of a calibration's posterior")
    s.add_argument("--draws", type=int, default=None, metavar="K", help="posterior draws with --posterior (default 20)")
    s.set_defaults(func=cmd_sweep)
    a = sub.add_parser(
        "sensitivity",
        help="global sensitivity analysis (SALib Morris or Sobol) over an experiment's ranges",
        description="Sample the experiment's ranges with SALib, run the points with the sweep runner, and "
        "write the indices to DIR/sensitivity.parquet.",
    )
    _common(a)
    a.set_defaults(func=cmd_sensitivity)


def _workers(args) -> int:
    if args.workers is not None and args.workers < 1:
        raise ScenarioError(f"--workers {args.workers}: expected a number >= 1")
    return args.workers or os.cpu_count() or 1


def _start(args: argparse.Namespace, exp: Experiment, runs: list[RunSpec], kind: str) -> tuple[Path, ResultStore, int]:
    """Everything that can be refused, refused before the results folder is made."""
    workers = _workers(args)
    out = args.out or Path("results") / exp.name
    store = ResultStore(out, exp, str(exp.origin or args.experiment), kind=kind, runs=runs)
    store.check(force=args.force)
    return out, store, workers


def _report(summary, out: Path) -> int:
    print(
        f"{summary.ran} run(s) done, {summary.skipped} already done, {len(summary.failed)} failed "
        f"of {summary.total}, in {summary.wall_s:.1f} s; results in {out}"
    )
    if summary.failed:
        print("failed runs:", file=sys.stderr)
        for r in summary.failed:
            last = r["error"].strip().splitlines()[-1] if r["error"] else "?"
            print(f"  {r['run_id']} {r['scenario']} seed {r['seed']}: {last}", file=sys.stderr)
        print(
            f"tracebacks are in {out / 'runs.parquet'} (column 'error'); re-run the command to retry them",
            file=sys.stderr,
        )
        return 1
    return 0


def cmd_sweep(args) -> int:
    exp = load_experiment(args.experiment)
    if exp.sensitivity is not None:
        raise ScenarioError(
            f"{args.experiment}: sensitivity: a sensitivity analysis, which `govsim sweep` would not do; "
            f"expected `govsim sensitivity {args.experiment}` (or a file without [sensitivity])"
        )
    draws = _posterior(args, exp)
    runs = build_design(exp, None if draws is None else check_draws(draws, exp))
    out, store, workers = _start(args, exp, runs, "sweep")
    where = f"Dask {args.dask}" if args.dask else f"{workers} worker(s)"
    with executor_for(workers, args.dask) as ex:  # a wrong --dask fails here, before the folder exists
        store.open(force=args.force)
        if draws is not None:  # which run is which draw: for the report's share of draws
            atomic_write(out / DRAWS_FILE, lambda p: draws.to_parquet(p, index=False))
        print(f"{exp.name}: {len(runs)} runs ({len(exp.experiment.scenarios)} scenario(s)) on {where} -> {out}")
        summary = run_design(runs, store, ex, progress=not args.quiet, label=exp.name)
    return _report(summary, out)


def _posterior(args, exp: Experiment):
    """The posterior draws of `--posterior DIR --draws K`, or None."""
    if args.posterior is None:
        if args.draws is not None:
            raise ScenarioError(f"--draws {args.draws}: expected --posterior DIR as well")
        return None
    return posterior_draws(args.posterior, 20 if args.draws is None else args.draws, exp.experiment.seed)


def cmd_sensitivity(args) -> int:
    import pandas as pd

    from .sensitivity import analyse, sample_points

    exp = load_experiment(args.experiment)
    if exp.sensitivity is None:
        raise ScenarioError(
            f"{args.experiment}: sensitivity: missing (a [sensitivity] section names the measures); "
            f"for a sweep of this file expected `govsim sweep {args.experiment}`"
        )
    if "sampling" in exp.model_fields_set:
        raise ScenarioError(
            f"{args.experiment}: sampling: a [sampling] section, which a sensitivity analysis ignores "
            "(SALib draws the points: [sensitivity] method, trajectories, base_samples); expected no "
            f"[sampling] here, or `govsim sweep` for a sampled sweep"
        )
    X, points = sample_points(exp)
    runs = points_design(exp, points)
    out, store, workers = _start(args, exp, runs, "sensitivity")
    method = exp.sensitivity.method
    with executor_for(workers, args.dask) as ex:  # a wrong --dask fails here, before the folder exists
        store.open(force=args.force)
        print(
            f"{exp.name}: {method} over {len(exp.ranges())} parameters, {len(points)} points x "
            f"{exp.experiment.replications} replication(s) = {len(runs)} runs -> {out}"
        )
        summary = run_design(runs, store, ex, progress=not args.quiet, label=exp.name)
    if summary.failed:
        return _report(summary, out)
    table = analyse(exp, X, pd.read_parquet(out / "timeseries"), pd.read_parquet(out / "runs.parquet"))
    atomic_write(out / "sensitivity.parquet", lambda p: table.to_parquet(p, index=False))
    key = "mu_star" if method == "morris" else "ST"
    for measure, t in table.groupby("measure", sort=False):
        print(f"\n{measure} ({method}, ranked by {key})")
        cols = [c for c in ("mu_star", "mu_star_conf", "sigma", "S1", "S1_conf", "ST", "ST_conf") if c in t]
        print(t.sort_values(key, ascending=False)[["parameter", *cols]].to_string(index=False, float_format="%.4f"))
    _report(summary, out)
    print(f"indices in {out / 'sensitivity.parquet'}")
    return 0
