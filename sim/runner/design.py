"""The design of a sweep: which runs exist, each with its scenario, overrides and seed.

Order and identity are fixed by the experiment alone — never by which worker runs what —
so a run's id, overrides and seed are the same for `--workers 1`, `--workers 8` or a Dask
cluster, and a resumed sweep recognises the runs it already has.

Seeds: replication `r` of every point uses the same seed, derived from the base seed and
`r` (common random numbers: comparisons between scenarios and parameter values are paired
by seed, which removes most of the noise from effects).
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..scenario import scenarios_dir
from .experiment import Experiment, Range


@dataclass(frozen=True)
class RunSpec:
    run_id: str
    scenario: str
    seed: int
    replication: int
    steps: int | None
    overrides: dict = field(default_factory=dict)
    point: int = 0  # index of the parameter point (for sensitivity analysis)
    path: str = ""  # the scenario file it came from, when `scenario` is a path relative to the experiment
    scenario_hash: str = ""  # of the scenario's resolved content: an edited file is a different run
    # the resolved scenario (JSON-able), read once when the design is built: workers run this,
    # never the file, so a file edited during the sweep cannot change some of its runs
    scenario_doc: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)


def spec_hash(spec) -> str:
    return doc_hash(spec.model_dump(mode="json"))


def doc_hash(doc: dict[str, Any]) -> str:
    blob = json.dumps(doc, sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


# the sources that determine a run's numbers; the CLI, docs, runner, report and viz do not
MODEL_SUBPACKAGES = ("agents", "processes", "reforms")
NOT_MODEL = ("cli.py", "docs.py", "io.py", "__main__.py")
# the provincial layer's rules and data make a `[diffusion]` run's numbers; its CLI and figures do not
DIFFUSION = ("data.py", "coupling.py", "mechanisms.py", "model.py", "run.py", "schema.py", "provinces.csv")


def model_sources(root: Path | None = None) -> list[Path]:
    """The model's source files: sim/*.py but the CLI and docs, sim/agents, processes, reforms,
    and the diffusion layer's rules and data (`DIFFUSION`)."""
    root = root or Path(__file__).resolve().parent.parent
    files = [p for p in root.glob("*.py") if p.name not in NOT_MODEL]
    for sub in MODEL_SUBPACKAGES:
        files += (root / sub).rglob("*.py")
    files += [root / "diffusion" / name for name in DIFFUSION if (root / "diffusion" / name).is_file()]
    return sorted(files, key=lambda p: p.relative_to(root).as_posix())


def sources_hash(root: Path) -> str:
    digest = hashlib.sha256()
    for path in model_sources(root):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


@functools.cache
def code_fingerprint() -> str:
    """Hash of this process's model code. The version string is not bumped by every change
    of a rule, and runs of two versions of the code must never share a results folder.
    Cached: computed once per process (workers report their own, so a Dask worker with
    other code is caught)."""
    return sources_hash(Path(__file__).resolve().parent.parent)


def design_fingerprint(runs: list[RunSpec], kind: str) -> str:
    """Hash of what each run id stands for — its scenario and that scenario's content, seed,
    steps and parameter values — and of the kind of job: two designs with the same
    fingerprint compute the same numbers under the same ids. (The absolute `path` is left
    out: moving a project does not change its runs.)"""
    rows = [[r.run_id, r.scenario, r.scenario_hash, r.seed, r.replication, r.steps, r.point, r.overrides] for r in runs]
    blob = json.dumps({"kind": kind, "runs": rows}, sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


class _Resolver:
    """Fills in what a run spec needs beyond the experiment: the scenario file to load (for
    paths; presets load by name), the steps when the experiment leaves them to each
    scenario, and the hash of the scenario's content."""

    def __init__(self, exp: Experiment) -> None:
        self.steps = exp.experiment.steps
        self.info: dict[str, tuple[str, int, str, dict]] = {}
        for name, (path, spec) in exp.scenario_specs().items():
            preset = path.resolve() == (scenarios_dir() / f"{name}.toml").resolve()
            doc = spec.model_dump(mode="json")
            self.info[name] = ("" if preset else str(path.resolve()), spec.simulation.steps, doc_hash(doc), doc)

    def __call__(self, scenario: str, overrides: dict) -> dict:
        path, horizon, digest, doc = self.info[scenario]
        steps = self.steps
        if steps is None and not any(k.replace("__", ".") == "simulation.steps" for k in overrides):
            steps = horizon
        return {"path": path, "steps": steps, "scenario_hash": digest, "scenario_doc": doc}


def replication_seed(base: int, replication: int) -> int:
    """Seed of replication `r`: independent streams from one base seed (NumPy SeedSequence)."""
    return int(np.random.SeedSequence([base, replication]).generate_state(1, np.uint32)[0])


def sample_unit(method: str, n: int, dims: int, seed: int) -> np.ndarray:
    """`n` points in the unit cube: Latin hypercube, scrambled Sobol, or a regular grid
    (n values per dimension, every combination)."""
    if dims == 0:
        return np.zeros((1, 0))
    from scipy.stats import qmc  # here: scipy.stats costs a sweep's process ~0.6 s to import

    if method == "lhs":
        return qmc.LatinHypercube(d=dims, seed=seed).random(n)
    if method == "sobol":
        sampler = qmc.Sobol(d=dims, scramble=True, seed=seed)
        m = int(np.ceil(np.log2(max(n, 1))))
        return sampler.random_base2(m)[:n]  # a power of two keeps the balance; keep the first n
    axis = np.linspace(0.0, 1.0, n) if n > 1 else np.array([0.5])
    return np.array(list(itertools.product(axis, repeat=dims)))


def scale(unit: np.ndarray, ranges: list[Range]) -> list[list[float | int]]:
    rows = []
    for u in unit:
        row = []
        for x, r in zip(u, ranges, strict=True):
            v = r.low + x * (r.high - r.low)
            row.append(round(v) if r.integer else float(v))
        rows.append(row)
    return rows


def parameter_points(params: dict, method: str, samples: int, seed: int) -> list[dict]:
    """Every combination of the grid values, crossed with `samples` sampled points of the
    ranges (sampled jointly)."""
    grid = {k: v for k, v in params.items() if isinstance(v, list)}
    ranged = {k: v for k, v in params.items() if isinstance(v, Range)}
    combos = [dict(zip(grid, vals, strict=True)) for vals in itertools.product(*grid.values())] or [{}]
    if not ranged:
        return combos
    points = scale(sample_unit(method, samples, len(ranged), seed), list(ranged.values()))
    return [{**c, **dict(zip(ranged, p, strict=True))} for c in combos for p in points]


def build_design(exp: Experiment, draws: list[dict] | None = None) -> list[RunSpec]:
    """scenarios x policies (levers) x uncertainty points x replications; a reference
    scenario (`experiment.references`) is not crossed with the policies. `draws` (posterior
    draws of a calibration, as parameter overrides) multiply the uncertainty points."""
    e, s = exp.experiment, exp.sampling
    policies = parameter_points(exp.levers, s.method, s.samples, e.seed)
    futures = parameter_points(exp.uncertainties, s.method, s.samples, e.seed + 1)
    if draws:
        futures = [{**fut, **d} for d in draws for fut in futures]
    resolve = _Resolver(exp)
    runs: list[RunSpec] = []
    point = 0
    for scenario in e.scenarios:
        for pol in [{}] if scenario in e.references else policies:
            for fut in futures:
                overrides = {**pol, **fut}
                for r in range(e.replications):
                    runs.append(
                        RunSpec(
                            run_id=f"{len(runs):06d}",
                            scenario=scenario,
                            seed=replication_seed(e.seed, r),
                            replication=r,
                            overrides=overrides,
                            point=point,
                            **resolve(scenario, overrides),
                        )
                    )
                point += 1
    return runs


def points_design(exp: Experiment, points: list[dict]) -> list[RunSpec]:
    """Runs for given parameter points (sensitivity analysis): points x replications, on
    the experiment's scenario (a sensitivity experiment has one)."""
    e = exp.experiment
    resolve = _Resolver(exp)
    runs = []
    for i, p in enumerate(points):
        for r in range(e.replications):
            runs.append(
                RunSpec(
                    run_id=f"{len(runs):06d}",
                    scenario=e.scenarios[0],
                    seed=replication_seed(e.seed, r),
                    replication=r,
                    overrides=dict(p),
                    point=i,
                    **resolve(e.scenarios[0], p),
                )
            )
    return runs
