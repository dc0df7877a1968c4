"""Package versus structure: a two-way decomposition of reform packages crossed with governments.

A provincial preset mixes a reform package (its [reforms]) with the government it runs on
(tree, wealth disparity, calendar). A sweep that crosses packages with structures (scenarios
`PACKAGE@STRUCTURE`, the `[cross]` form of an experiment file) lets the two be separated.
For each measure, the final values y[p, s, k] of package p on structure s with seed k (every
cell runs the same seeds: common random numbers) are split as in a two-way ANOVA with seeds
as blocks:

    y[p,s,k] = m[k] + a[p,k] + b[s,k] + g[p,s,k]

with a (package main effect) and b (structure main effect) the row and column means minus the
grand mean of seed k, and g the interaction. Each effect's estimate is its mean over seeds
with a Student t interval over seeds (the seed's own level cancels: the pairing). The shares
of the variation between cells (sums of squares of the seed-mean table) that the package, the
structure and their interaction explain get percentile intervals from a bootstrap over seeds.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..scenario import PACKAGE_SEP
from .stats import Estimate, mean_ci

BOOTSTRAP = 1000  # resamples of the seeds for the shares' intervals
BOOT_SEED = 12345  # fixed: the same results give the same report


@dataclass(frozen=True)
class Factorial:
    """A full packages x structures grid of scenarios `PACKAGE@STRUCTURE`."""

    packages: list[str]
    structures: list[str]

    def cell(self, package: str, structure: str) -> str:
        return f"{package}{PACKAGE_SEP}{structure}"

    @property
    def cells(self) -> list[str]:
        return [self.cell(p, s) for p in self.packages for s in self.structures]


def split_name(scenario: str) -> tuple[str, str] | None:
    """`PACKAGE@STRUCTURE` -> (package, structure); None for any other scenario name."""
    if PACKAGE_SEP not in scenario:
        return None
    package, structure = scenario.split(PACKAGE_SEP, 1)
    return (package, structure) if package and structure else None


def factorial(scenarios: list[str]) -> Factorial | None:
    """The full grid of the `PACKAGE@STRUCTURE` scenarios run: the structures on which every
    package of the largest complete set was run. None unless at least 2 packages x 2 structures."""
    pairs = [p for p in map(split_name, scenarios) if p is not None]
    structures = list(dict.fromkeys(s for _, s in pairs))
    have = {s: {p for p, st in pairs if st == s} for s in structures}
    best: Factorial | None = None
    for anchor in structures:  # the packages of one structure, kept on every structure that ran them all
        packages = [p for p in dict.fromkeys(p for p, _ in pairs) if p in have[anchor]]
        on = [s for s in structures if set(packages) <= have[s]]
        if len(packages) >= 2 and len(on) >= 2 and (best is None or len(packages) * len(on) > best_size(best)):
            best = Factorial(packages, on)
    return best


def best_size(f: Factorial) -> int:
    return len(f.packages) * len(f.structures)


def cube(final: pd.DataFrame, fac: Factorial, measure: str, keys: list[str]) -> np.ndarray:
    """y[p, s, k] for the seeds (pairing keys, e.g. replication) every cell ran successfully."""
    per_cell = {}
    for name in fac.cells:
        rows = final[final["scenario"] == name]
        per_cell[name] = pd.Series(rows[measure].to_numpy(float), index=_key(rows, keys))
    common = sorted(set.intersection(*(set(s.index) for s in per_cell.values())))
    y = np.full((len(fac.packages), len(fac.structures), len(common)), np.nan)
    for i, p in enumerate(fac.packages):
        for j, s in enumerate(fac.structures):
            series = per_cell[fac.cell(p, s)]
            series = series[~series.index.duplicated()]
            y[i, j] = series.reindex(common).to_numpy(float)
    return y


def _key(rows: pd.DataFrame, keys: list[str]) -> pd.Index:
    return pd.Index(rows[keys].astype(str).agg("|".join, axis=1))


def parts(y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Package effects a[p, k], structure effects b[s, k], interaction g[p, s, k] of y[p, s, k]."""
    grand = y.mean(axis=(0, 1))
    a = y.mean(axis=1) - grand
    b = y.mean(axis=0) - grand
    g = y - a[:, None, :] - b[None, :, :] - grand
    return a, b, g


def shares(table: np.ndarray) -> np.ndarray:
    """Shares of the between-cell sum of squares of a P x S table: package, structure, interaction."""
    a, b, g = parts(table[:, :, None])
    ss = np.array([table.shape[1] * (a**2).sum(), table.shape[0] * (b**2).sum(), (g**2).sum()])
    total = ss.sum()
    return ss / total if total > 0 else np.full(3, np.nan)


@dataclass
class Decomposition:
    measure: str
    factorial: Factorial
    n_seeds: int
    package: dict[str, Estimate] = field(default_factory=dict)  # main effect of each package
    structure: dict[str, Estimate] = field(default_factory=dict)  # main effect of each structure
    interaction: dict[tuple[str, str], Estimate] = field(default_factory=dict)
    share: dict[str, Estimate] = field(default_factory=dict)  # "package", "structure", "interaction"
    cell_means: dict[tuple[str, str], float] = field(default_factory=dict)


def decompose(y: np.ndarray, fac: Factorial, measure: str = "", boot: int = BOOTSTRAP) -> Decomposition:
    """Main effects and interaction with t intervals over seeds; variance shares with a seed bootstrap."""
    y = y[:, :, np.isfinite(y).all(axis=(0, 1))]
    k = y.shape[2]
    out = Decomposition(measure, fac, k)
    if k == 0:
        return out
    a, b, g = parts(y)
    out.package = {p: mean_ci(a[i]) for i, p in enumerate(fac.packages)}
    out.structure = {s: mean_ci(b[j]) for j, s in enumerate(fac.structures)}
    out.interaction = {
        (p, s): mean_ci(g[i, j]) for i, p in enumerate(fac.packages) for j, s in enumerate(fac.structures)
    }
    means = y.mean(axis=2)
    out.cell_means = {
        (p, s): float(means[i, j]) for i, p in enumerate(fac.packages) for j, s in enumerate(fac.structures)
    }
    point = shares(means)
    if not np.isfinite(point).all():  # every cell equal: nothing to share out
        out.share = {name: Estimate(np.nan, np.nan, np.nan, k, "") for name in SOURCES}
        return out
    if k < 2:
        out.share = {
            name: Estimate(float(v), np.nan, np.nan, k, "single run") for name, v in zip(SOURCES, point, strict=True)
        }
        return out
    rng = np.random.default_rng(BOOT_SEED)
    draws = np.array([shares(y[:, :, rng.integers(0, k, k)].mean(axis=2)) for _ in range(boot)])
    with warnings.catch_warnings():  # a resample whose cells are all equal has no shares (NaN)
        warnings.simplefilter("ignore", RuntimeWarning)
        lo, hi = np.nanpercentile(draws, [2.5, 97.5], axis=0)
    out.share = {
        name: Estimate(float(point[i]), float(lo[i]), float(hi[i]), k, "seed bootstrap")
        for i, name in enumerate(SOURCES)
    }
    return out


SOURCES = ("package", "structure", "interaction")


def decompose_results(final: pd.DataFrame, scenarios: list[str], measures: list[str], keys: list[str]):
    """The factorial among `scenarios` and each measure's decomposition (None: no factorial)."""
    fac = factorial(scenarios)
    if fac is None:
        return None, {}
    return fac, {m: decompose(cube(final, fac, m, keys), fac, m) for m in measures if m in final}
