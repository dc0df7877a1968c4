"""`govsim design` (robust multi-objective search over reform bundles) and `govsim discover`
(PRIM scenario discovery over a sweep's results). Heavy imports stay inside the commands."""

from __future__ import annotations

import argparse
import shutil
import sys
import tomllib
from datetime import UTC, datetime
from pathlib import Path

from ..scenario import ScenarioError

# bumped when what a saved generation holds, or how objectives are computed, changes
EVALUATION_VERSION = 2
DESIGN_FILES = ("design.toml", "generations", "runs", "pareto.parquet", "candidates.parquet", "packages.parquet")


def register(sub) -> None:
    d = sub.add_parser(
        "design",
        help="search reform bundles and sequencing for a robust trade-off (pymoo NSGA-II/III)",
        description="Multi-objective search over the levers of a design file (experiments/design_*.toml): "
        "every candidate runs over the same seeds (and posterior draws); objectives are robustness statistics "
        "to minimise. Writes DIR/pareto.parquet (the front), DIR/candidates.parquet, DIR/packages.parquet "
        "(the provincial packages on the same base). Resumable per generation: re-run the same command.",
    )
    d.add_argument("experiment", type=Path, help="design file (TOML), e.g. experiments/design_small.toml")
    d.add_argument("--out", type=Path, default=None, help="results folder (default: results/design_NAME)")
    d.add_argument("--population", type=int, default=None, help="candidates per generation (default: the file's)")
    d.add_argument("--generations", type=int, default=None, help="generations (default: the file's; more extends)")
    d.add_argument("--workers", type=int, default=None, help="worker processes (default: cores; 1 = this process)")
    d.add_argument("--dask", metavar="ADDRESS|local", default=None, help="run on a Dask cluster")
    d.add_argument("--posterior", type=Path, default=None, metavar="DIR", help="calibration folder (posterior.parquet)")
    d.add_argument("--keep-runs", action="store_true", help="keep each generation's time series in DIR/runs/")
    d.add_argument("--force", action="store_true", help="discard what the folder holds and start again")
    d.add_argument("--quiet", "-q", action="store_true", help="no progress output")
    d.set_defaults(func=cmd_design)

    p = sub.add_parser(
        "discover",
        help="scenario discovery: PRIM boxes of levers and uncertainties where an outcome crosses a threshold",
        description="Read a `govsim sweep` results folder, mark the runs whose MEASURE ends above (or below) T, "
        "and find with PRIM (EMA Workbench) the box of parameter values where they concentrate. Writes "
        "DIR/boxes.csv, DIR/trajectory.csv and DIR/discover.html, and prints the box in one sentence.",
    )
    p.add_argument("results", type=Path, help="results folder written by govsim sweep")
    p.add_argument("--outcome", required=True, metavar="MEASURE", help="a measure (see `govsim measures`)")
    p.add_argument("--threshold", required=True, type=float, metavar="T")
    side = p.add_mutually_exclusive_group()
    side.add_argument("--above", dest="above", action="store_true", default=True, help="cases: MEASURE > T (default)")
    side.add_argument("--below", dest="above", action="store_false", help="cases: MEASURE < T")
    p.add_argument("--at", choices=("final", "mean"), default="final", help="the last month's value or the mean")
    p.add_argument("--min-coverage", type=float, default=0.5, help="choose the densest box with this coverage")
    p.add_argument("--boxes", type=int, default=1, help="boxes to find one after the other")
    p.add_argument("--out", type=Path, default=None, help="output folder (default: RESULTS/discover_MEASURE)")
    p.set_defaults(func=cmd_discover)


def _positive(flag: str, value: int | None) -> None:
    if value is not None and value < 1:
        raise ScenarioError(f"{flag} {value}: expected a number >= 1")


def cmd_design(args: argparse.Namespace) -> int:
    import os

    from ..runner import executor_for
    from .evaluate import DesignRunError, ModelEvaluator, posterior_draws
    from .problem import load_design

    for flag, v in (
        ("--population", args.population),
        ("--generations", args.generations),
        ("--workers", args.workers),
    ):
        _positive(flag, v)
    if args.population is not None and args.population < 4:
        raise ScenarioError(f"--population {args.population}: expected 4 or more")
    doc = load_design(args.experiment)
    population = args.population or doc.design.population
    generations = args.generations or doc.design.generations
    out = args.out or Path("results") / f"design_{doc.name}"
    draws, draws_hash = posterior_draws(args.posterior, doc) if args.posterior else (None, "")
    fingerprint = _fingerprint(doc, population, draws_hash)
    _claim(out, doc, fingerprint, args.force)
    workers = args.workers or os.cpu_count() or 1
    with executor_for(workers, args.dask) as ex:
        lock = _lock(out)
        _write_meta(out, doc, fingerprint, population, generations, args.posterior)
        ev = ModelEvaluator(
            doc, out, ex, draws, generations=generations, progress=not args.quiet, keep_runs=args.keep_runs
        )
        print(
            f"{doc.name}: {len(doc.levers)} levers, {len(doc.objectives)} objectives, population {population}, "
            f"{generations} generations, {len(ev.situations)} situation(s) per candidate -> {out}"
        )
        try:
            front = _search(doc, ev, out, population, generations, not args.quiet)
        except DesignRunError as e:
            print(f"error: {e}", file=sys.stderr)
            return 1
        finally:
            lock.close()
    _print_front(front, doc)
    print(f"front: {out / 'pareto.parquet'} ({len(front)} design(s)); report: govsim report {out}")
    return 0


def _search(doc, ev, out: Path, population: int, generations: int, progress: bool):
    from .output import metadata, tidy, write_table
    from .search import pareto_rows, run_search

    objectives = doc.objective_list()

    def on_generation(gen, table):
        ev.remember(table)
        ev.cleanup(gen)

    everything = run_search(
        ev,
        out,
        n_var=len(doc.levers),
        n_obj=len(objectives),
        n_constr=ev.n_constr(),
        algorithm=doc.design.algorithm,
        population=population,
        generations=generations,
        seed=doc.design.seed,
        progress=progress,
        on_generation=on_generation,
    )
    everything = ev.rescore(everything)
    front = pareto_rows(everything, len(objectives), ev.n_constr())
    packages = ev.packages()
    situations = [{"replication": s.replication, "seed": s.seed, "draw": s.draw} for s in ev.situations]
    meta = metadata(doc, objectives, {"situations": situations, "steps": ev.steps, "base": doc.design.scenario})
    write_table(out / "candidates.parquet", tidy(everything.drop_duplicates("bundle"), doc, objectives), meta)
    if len(packages):
        write_table(out / "packages.parquet", tidy(packages, doc, objectives), meta)
    tidy_front = tidy(front, doc, objectives)
    write_table(out / "pareto.parquet", tidy_front, meta)
    return tidy_front


def _print_front(front, doc) -> None:
    shown = [c for c in front.columns if c.startswith(("lever:", "mean:"))]
    if len(front):
        table = front[shown].rename(columns=lambda c: c.split(":", 1)[1].removeprefix("reforms."))
        print(table.to_string(index=False, float_format=lambda v: f"{v:.4g}", max_rows=20))
    if len(front) and not front["feasible"].any():
        print("note: no candidate met every constraint; these are the least infeasible", file=sys.stderr)


def _fingerprint(doc, population: int, draws_hash: str) -> str:
    """What makes a saved generation valid for this search: the design (but its name,
    description and number of generations: more generations extend a search), the base
    scenario's content, the posterior draws, the model code and pymoo's version."""
    import pymoo

    from ..runner.design import code_fingerprint, doc_hash
    from ..scenario import load_spec

    body = doc.model_dump(mode="json")
    body["design"] = {k: v for k, v in body["design"].items() if k not in ("name", "description", "generations")}
    base = load_spec(doc.base_file())[0].model_dump(mode="json")
    return doc_hash(
        {
            "design": body,
            "population": population,
            "base": doc_hash(base),
            "draws": draws_hash,
            "code": code_fingerprint(),
            "pymoo": pymoo.__version__,
            "evaluation": EVALUATION_VERSION,
        }
    )


def _claim(out: Path, doc, fingerprint: str, force: bool) -> None:
    """Refuse, before writing anything, a folder that holds another search or other files."""
    if out.exists() and not out.is_dir():
        raise ScenarioError(f"--out {out}: is a file; expected a results folder (new or existing)")
    meta = out / "design.toml"
    if force:
        if out.is_dir() and not meta.exists() and any(out.iterdir()):
            raise ScenarioError(f"--out {out}: holds files but no design.toml; --force only clears a design folder")
        for name in DESIGN_FILES:
            target = out / name
            shutil.rmtree(target, ignore_errors=True) if target.is_dir() else target.unlink(missing_ok=True)
        return
    if not meta.exists():
        if out.is_dir() and any(p for p in out.iterdir() if not p.name.startswith(".")):
            raise ScenarioError(f"--out {out}: holds files but no design.toml; expected a new or a design folder")
        return
    try:
        old = tomllib.loads(meta.read_text(encoding="utf-8")).get("_design", {})
    except (OSError, tomllib.TOMLDecodeError):
        old = {}
    if old.get("fingerprint") != fingerprint:
        raise ScenarioError(
            f"{out}: holds another search (design, population, base scenario, posterior or model code differ; "
            f"fingerprint {old.get('fingerprint', '?')}, this one {fingerprint}); use --force or --out"
        )


def _lock(out: Path):
    import fcntl

    out.mkdir(parents=True, exist_ok=True)
    f = open(out / ".lock", "a")  # noqa: SIM115 - held until the search ends
    try:
        fcntl.lockf(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        f.close()
        raise ScenarioError(f"{out}: another govsim design is writing to this folder; use --out") from None
    return f


def _write_meta(out: Path, doc, fingerprint: str, population: int, generations: int, posterior) -> None:
    import tomli_w

    from .. import __version__
    from ..io import write_atomic

    body = doc.model_dump(mode="json", exclude_none=True)
    body["_design"] = {
        "fingerprint": fingerprint,
        "kind": "design",
        "source": str(doc.path.resolve()),
        "population": population,
        "generations": generations,
        "posterior": str(Path(posterior).resolve()) if posterior else "",
        "govsim_version": __version__,
        "updated": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    write_atomic(out / "design.toml", tomli_w.dumps(body))


def cmd_discover(args: argparse.Namespace) -> int:
    from .discover import discover

    return discover(args)
