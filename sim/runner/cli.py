"""`govsim sweep` and `govsim sensitivity`."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from ..io import write_atomic
from ..scenario import ScenarioError

if TYPE_CHECKING:  # the runner loads numpy, pandas, scipy and the model: inside the commands
    from .design import RunSpec
    from .experiment import Experiment
    from .store import ResultStore

# a worker's memory: a national run (128,360 agencies) peaks at 382 MiB (docs/benchmarks.md);
# the workers' count is capped so that this much per worker fits in the available memory
WORKER_MIB = 400


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("experiment", type=Path, help="experiment file (TOML), e.g. experiments/reform_comparison.toml")
    p.add_argument(
        "--workers",
        type=int,
        default=None,
        help="worker processes (default and most: the number of cores, fewer when memory is short; "
        "1 = in this process)",
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


def available_mib() -> int | None:
    """Memory available to new processes (Linux /proc/meminfo), or None when unknown."""
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) // 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def worker_limit() -> tuple[int, str]:
    """The most local workers worth starting, and why: one per core, and no more than the
    available memory holds (WORKER_MIB each)."""
    cores = os.cpu_count() or 1
    mib = available_mib()
    by_memory = max(1, mib // WORKER_MIB) if mib is not None else cores
    if by_memory < cores:
        return by_memory, f"{mib:,} MiB of available memory holds {by_memory} worker(s) of about {WORKER_MIB} MiB"
    return cores, f"this machine has {cores} core(s)"


def _workers(args) -> int:
    if args.workers is not None and args.workers < 1:
        raise ScenarioError(f"--workers {args.workers}: expected a number >= 1")
    limit, why = worker_limit()
    if args.workers is None:
        return limit
    if args.workers > limit and not (args.dask and args.dask != "local"):
        print(f"warning: --workers {args.workers}: {why}; using {limit}", file=sys.stderr)
        return limit
    return args.workers


def _start(args: argparse.Namespace, exp: Experiment, runs: list[RunSpec], kind: str) -> tuple[Path, ResultStore, int]:
    """Everything that can be refused, refused before the results folder is made."""
    from .store import ResultStore

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
    from ..calibrate.draws import DRAWS_FILE, check_draws
    from .design import build_design
    from .experiment import load_experiment
    from .run import executor_for, run_design

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
            write_atomic(out / DRAWS_FILE, lambda p: draws.to_parquet(p, index=False))
        print(f"{exp.name}: {len(runs)} runs ({len(exp.experiment.scenarios)} scenario(s)) on {where} -> {out}")
        summary = run_design(runs, store, ex, progress=not args.quiet, label=exp.name)
    return _report(summary, out)


def _posterior(args, exp: Experiment):
    """The posterior draws of `--posterior DIR --draws K`, or None."""
    if args.posterior is None:
        if args.draws is not None:
            raise ScenarioError(f"--draws {args.draws}: expected --posterior DIR as well")
        return None
    from ..calibrate.draws import posterior_draws

    return posterior_draws(args.posterior, 20 if args.draws is None else args.draws, exp.experiment.seed)


def cmd_sensitivity(args) -> int:
    import pandas as pd

    from .design import points_design
    from .experiment import load_experiment
    from .run import executor_for, run_design
    from .sensitivity import analyse, format_table, sample_points

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
            f"{exp.name}: {method} over {len(points[0])} parameters, {len(points)} points x "
            f"{exp.experiment.replications} replication(s) = {len(runs)} runs -> {out}"
        )
        summary = run_design(runs, store, ex, progress=not args.quiet, label=exp.name)
    if summary.failed:
        return _report(summary, out)
    table = analyse(exp, X, pd.read_parquet(out / "timeseries"), pd.read_parquet(out / "runs.parquet"))
    write_atomic(out / "sensitivity.parquet", lambda p: table.to_parquet(p, index=False))
    key = "mu_star" if method == "morris" else "ST"
    for measure in dict.fromkeys(table["measure"]):
        # ranks a parameter could hold given the 95% intervals; overlapping intervals are ties
        print(f"\n{measure} ({method}, by {key}; rank: the ranks its 95% interval allows, group 1 = top)")
        print(format_table(table, measure))
    _report(summary, out)
    print(f"indices in {out / 'sensitivity.parquet'}")
    return 0
