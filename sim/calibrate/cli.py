"""`govsim calibrate EXPERIMENT --out DIR [--population N] [--generations G] [--workers N] [--dask ADDRESS]`."""

from __future__ import annotations

import argparse
import logging
import os
from pathlib import Path

from ..scenario import ScenarioError


def register(sub) -> None:
    p = sub.add_parser(
        "calibrate",
        help="ABC-SMC calibration (pyabc) of an experiment's priors to its fitted targets; resumable",
        description="Fit the [priors] of a calibration file to its `fit` targets with ABC-SMC (pyabc), "
        "predict every target (fitted and held out) from the posterior. Writes DIR/posterior.parquet, "
        "DIR/predictive.parquet, DIR/generations.parquet and keeps pyabc's history in DIR/calibration.db: "
        "re-running the same command continues an interrupted calibration (see docs/calibration.md).",
    )
    p.add_argument("experiment", type=Path, help="calibration file (TOML), e.g. experiments/calibration.toml")
    p.add_argument("--out", type=Path, required=True, help="results folder (pyabc's database lives here)")
    p.add_argument("--population", type=int, default=None, help="particles per generation (default: the file's)")
    p.add_argument("--generations", type=int, default=None, help="ABC-SMC generations in all (default: the file's)")
    p.add_argument("--workers", type=int, default=None, help="worker processes (default: number of cores)")
    p.add_argument(
        "--dask", metavar="ADDRESS|local", default=None, help="a Dask scheduler address (tcp://host:8786) or 'local'"
    )
    p.add_argument("--force", action="store_true", help="discard a calibration already in DIR and start over")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress output")
    p.set_defaults(func=cmd_calibrate)


def _client(address: str, workers: int):
    """(client, local cluster or None) for --dask ADDRESS or --dask local."""
    from dask.distributed import Client, LocalCluster

    if address == "local":  # `workers` processes on this machine
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, dashboard_address=":0")
        return Client(cluster), cluster
    try:
        return Client(address, timeout=10), None
    except (OSError, TimeoutError, ValueError) as e:
        raise ScenarioError(f"--dask {address}: cannot connect to a Dask scheduler there ({e})") from None


def cmd_calibrate(args: argparse.Namespace) -> int:
    from .smc import _fresh, calibrate, check_folder
    from .spec import load_calibration

    if args.workers is not None and args.workers < 1:
        raise ScenarioError(f"--workers {args.workers}: expected a number >= 1")
    cal = load_calibration(args.experiment, args.population, args.generations)
    check_folder(args.out, cal, args.force)
    workers = args.workers or os.cpu_count() or 1
    client, cluster = _client(args.dask, workers) if args.dask else (None, None)
    try:
        if args.force:
            _fresh(args.out, True)
        result = calibrate(cal, args.out, workers, client, args.quiet)
    finally:
        if cluster is not None:  # its nannies warn as they stop workers: not the user's concern
            logging.getLogger("distributed").setLevel(logging.ERROR)
        for c in (client, cluster):
            if c is not None:
                c.close()
    _print_summary(result, args.out)
    return 0


def _print_summary(result: dict, out: Path) -> None:
    width = max(len(k) for k in result["estimate"])
    print(f"posterior ({len(result['posterior'])} particles): weighted mean [5%, 95%]")
    for k, e in result["estimate"].items():
        lo, _, hi = e["interval"]
        print(f"  {k:<{width}}  {e['mean']:.4g}  [{lo:.4g}, {hi:.4g}]")
    print("posterior predictive vs targets: value | mean [5%, 95%]")
    for _, r in result["predictive"].iterrows():
        mark = "" if r["inside"] else "   <- outside"
        interval = f"{r['mean']:.4g} [{r['q05']:.4g}, {r['q95']:.4g}]"
        print(f"  {r['role']:<7} {r['target']:<32} {r['value']:.4g} | {interval}{mark}")
    print(f"wrote {out / 'posterior.parquet'}, {out / 'predictive.parquet'}, {out / 'generations.parquet'}")
