"""The design of a sweep: which runs exist, each with its scenario, overrides and seed.

Order and identity are fixed by the experiment alone — never by which worker runs what —
so a run's id, overrides and seed are the same for `--workers 1`, `--workers 8` or a Dask
cluster, and a resumed sweep recognises the runs it already has.

Seeds: replication `r` of every point uses the same seed, derived from the base seed and
`r` (common random numbers: comparisons between scenarios and parameter values are paired
by seed, which removes most of the noise from effects).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import numpy as np
from scipy.stats import qmc

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
    path: str = ""  # the scenario file to load, when `scenario` is a path relative to the experiment


def replication_seed(base: int, replication: int) -> int:
    """Seed of replication `r`: independent streams from one base seed (NumPy SeedSequence)."""
    return int(np.random.SeedSequence([base, replication]).generate_state(1, np.uint32)[0])


def sample_unit(method: str, n: int, dims: int, seed: int) -> np.ndarray:
    """`n` points in the unit cube: Latin hypercube, scrambled Sobol, or a regular grid
    (n values per dimension, every combination)."""
    if dims == 0:
        return np.zeros((1, 0))
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


def build_design(exp: Experiment) -> list[RunSpec]:
    """scenarios x policies (levers) x uncertainty points x replications."""
    e, s = exp.experiment, exp.sampling
    policies = parameter_points(exp.levers, s.method, s.samples, e.seed)
    futures = parameter_points(exp.uncertainties, s.method, s.samples, e.seed + 1)
    runs: list[RunSpec] = []
    point = 0
    for scenario in e.scenarios:
        for pol in policies:
            for fut in futures:
                for r in range(e.replications):
                    runs.append(
                        RunSpec(
                            run_id=f"{len(runs):06d}",
                            scenario=scenario,
                            seed=replication_seed(e.seed, r),
                            replication=r,
                            steps=e.steps,
                            overrides={**pol, **fut},
                            point=point,
                        )
                    )
                point += 1
    return runs


def points_design(exp: Experiment, points: list[dict]) -> list[RunSpec]:
    """Runs for given parameter points (sensitivity analysis): points x replications, on
    the first scenario of the experiment."""
    e = exp.experiment
    runs = []
    for i, p in enumerate(points):
        for r in range(e.replications):
            runs.append(
                RunSpec(
                    run_id=f"{len(runs):06d}",
                    scenario=e.scenarios[0],
                    seed=replication_seed(e.seed, r),
                    replication=r,
                    steps=e.steps,
                    overrides=dict(p),
                    point=i,
                )
            )
    return runs
