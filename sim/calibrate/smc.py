"""ABC-SMC with pyabc (Beaumont 2010; Klinger et al. 2018): the calibration run, its resume,
the posterior and the posterior predictive.

DIR/calibration.db is pyabc's SQLite history and the run's database: a generation is stored
when it completes, so an interrupted calibration continues from the last stored one, and a
second identical call finds every generation there and only rewrites the outputs.

    DIR/calibration.toml    the experiment as run, with [_calibration] (fingerprint, version)
    DIR/calibration.db      pyabc's history
    DIR/posterior.parquet   last generation: one row per particle, a column per key, `weight`
    DIR/predictive.parquet  each target (fitted and held out): value, its uncertainty, the
                            posterior predictive mean and 5/50/95% quantiles, inside or not
    DIR/generations.parquet per generation: epsilon, samples, acceptance rate, ESS
"""

from __future__ import annotations

import logging
import math
import re
import sys
import tomllib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import tomli_w

from .. import __version__
from ..io import write_atomic
from ..scenario import ScenarioError
from .spec import Calibration, Prior
from .stats import Plan, simulate

DB_NAME = "calibration.db"
QUANTILES = (0.05, 0.5, 0.95)


def safe(key: str) -> str:
    """pyabc's parameter name for a dotted scenario key."""
    return key.replace(".", "__")


def dotted(name: str) -> str:
    return name.replace("__", ".")


@dataclass(frozen=True)
class ParticleModel:
    """pyabc's model: a particle's parameters -> each fitted target's statistic."""

    plan: Plan
    simulator: Callable[[dict, Plan], dict] = simulate  # a module-level function (workers pickle it)
    invalid: float | None = None  # stands for NaN (a point the model cannot run) where the kernel needs a number

    def __call__(self, pars: dict[str, float]) -> dict[str, float]:
        out = self.simulator({dotted(k): float(v) for k, v in pars.items()}, self.plan)
        if self.invalid is not None:
            out = {k: v if math.isfinite(v) else self.invalid for k, v in out.items()}
        return out


@dataclass(frozen=True)
class StandardisedDistance:
    """Euclidean distance of the misses, each divided by its target's uncertainty; a point
    the model could not run (NaN) is infinitely far."""

    scales: dict[str, float]

    def __call__(self, x: dict, x0: dict) -> float:
        total = 0.0
        for k, s in self.scales.items():
            d = (float(x[k]) - float(x0[k])) / s
            if not math.isfinite(d):
                return math.inf
            total += d * d
        return math.sqrt(total)


def prior_distribution(priors: dict[str, Prior]):
    import pyabc

    rvs = {}
    for key, p in priors.items():
        if p.dist == "uniform":
            rvs[safe(key)] = pyabc.RV("uniform", p.a, p.b - p.a)
        elif p.dist == "normal":
            rvs[safe(key)] = pyabc.RV("norm", p.a, p.b)
        else:
            rvs[safe(key)] = pyabc.RV("lognorm", p.b, 0.0, p.a)  # s = sigma, scale = median
    return pyabc.Distribution(**rvs)


def acceptance_components(cal: Calibration) -> dict[str, Any]:
    """pyabc's distance, epsilon and acceptor for the file's `acceptance`.

    "epsilon": the standardised Euclidean distance under an adaptive (median) threshold, pyabc's
    default. "noisy" (noisy ABC, Wilkinson 2013): a particle is accepted with probability
    proportional to the Gaussian density of the facts around its statistics, with each
    target's uncertainty as standard deviation, tempered from a high temperature down to 1;
    at temperature 1 the posterior is exact for the error model fact = statistic + N(0, unc²),
    so the run stops at the facts' own uncertainty instead of chasing lucky seeds."""
    import pyabc

    if cal.acceptance == "noisy":
        keys = list(cal.fit)
        return {
            "distance_function": pyabc.IndependentNormalKernel(
                var=[cal.targets[n].uncertainty ** 2 for n in keys], keys=keys
            ),
            "eps": pyabc.Temperature(),
            "acceptor": pyabc.StochasticAcceptor(),
        }
    return {"distance_function": StandardisedDistance({n: cal.targets[n].uncertainty for n in cal.fit})}


# ---------------------------------------------------------------------------- the folder
def _meta(cal: Calibration) -> dict[str, Any]:
    raw = tomllib.loads(cal.path.read_text(encoding="utf-8"))
    raw.pop("_calibration", None)
    raw["calibration"] = {**raw["calibration"], "population": cal.population, "generations": cal.generations}
    raw["calibration"]["targets"] = str(cal.targets_path.resolve())
    raw["_calibration"] = {"fingerprint": cal.fingerprint(), "govsim_version": __version__, "source": str(cal.path)}
    return raw


def check_folder(out: Path, cal: Calibration, force: bool) -> None:
    """Refuse, before anything is written, a folder holding another calibration."""
    if out.exists() and not out.is_dir():
        raise ScenarioError(f"--out {out}: is a file; expected a folder (new or existing)")
    meta = out / "calibration.toml"
    if force or not (out / DB_NAME).exists():
        return
    if not meta.exists():
        raise ScenarioError(
            f"{out}: holds {DB_NAME} but no calibration.toml; use --force to replace it, or another --out"
        )
    old = tomllib.loads(meta.read_text(encoding="utf-8")).get("_calibration", {})
    if old.get("fingerprint") != cal.fingerprint():
        raise ScenarioError(
            f"{out}: holds a calibration with other priors, fitted targets, population or seeds "
            f"(made from {old.get('source', '?')}); use --force to start over or another --out"
        )


def _fresh(out: Path, force: bool) -> None:
    if force:
        for name in (DB_NAME, "posterior.parquet", "predictive.parquet", "generations.parquet"):
            (out / name).unlink(missing_ok=True)


# ---------------------------------------------------------------------------- progress
class GenerationLog(logging.Handler):
    """pyabc's per-generation log lines -> one line per generation on stderr:
    generation, epsilon, accepted/simulated, acceptance rate, ESS."""

    EPS = re.compile(r"^t: (\d+), eps: (\S+?)\.?$")
    ACC = re.compile(r"^Accepted: (\d+) / (\d+) = (\S+), ESS: (\S+?)\.?$")

    def __init__(self, generations: int, quiet: bool, label: str = "epsilon") -> None:
        super().__init__(logging.INFO)
        self.generations, self.quiet, self.label = generations, quiet, label
        self.t, self.eps = 0, math.nan

    def emit(self, record: logging.LogRecord) -> None:
        msg = record.getMessage()
        if m := self.EPS.match(msg):
            self.t, self.eps = int(m[1]), float(m[2])
        elif (m := self.ACC.match(msg)) and not self.quiet:
            print(
                f"generation {self.t + 1}/{self.generations}: {self.label} {self.eps:.4g}, accepted {m[1]} of {m[2]} "
                f"(acceptance {float(m[3]):.1%}), ESS {float(m[4]):.1f}",
                file=sys.stderr,
                flush=True,
            )


@contextmanager
def routed_logging(generations: int, quiet: bool, label: str = "epsilon") -> Iterator[None]:
    """pyabc logs to the root handlers at INFO: send its generation lines through ours only."""
    abc = logging.getLogger("ABC")
    handler = GenerationLog(generations, quiet, label)
    old = (abc.level, abc.propagate, list(abc.handlers))
    for h in old[2]:  # pyabc's own stderr handler, added at import
        abc.removeHandler(h)
    abc.setLevel(logging.INFO)
    abc.propagate = False
    abc.addHandler(handler)
    quiet_loggers = [logging.getLogger(n) for n in ("distributed", "tornado")]
    levels = [lg.level for lg in quiet_loggers]
    for lg in quiet_loggers:
        lg.setLevel(logging.ERROR)
    try:
        yield
    finally:
        abc.removeHandler(handler)
        for h in old[2]:
            abc.addHandler(h)
        abc.setLevel(old[0])
        abc.propagate = old[1]
        for lg, lv in zip(quiet_loggers, levels, strict=True):
            lg.setLevel(lv)


# ---------------------------------------------------------------------------- the run
def make_sampler(workers: int, client: Any = None):
    from pyabc.sampler import DaskDistributedSampler, MulticoreEvalParallelSampler, SingleCoreSampler

    if client is not None:
        return DaskDistributedSampler(dask_client=client, batch_size=1)
    if workers <= 1:
        return SingleCoreSampler()
    return MulticoreEvalParallelSampler(n_procs=workers)


def calibrate(
    cal: Calibration, out: Path, workers: int = 1, client: Any = None, quiet: bool = False, simulator=simulate
) -> dict:
    """Run (or continue) the ABC-SMC and write the outputs; return a summary. `simulator(params,
    plan) -> {target: statistic}` is the model (tests pass a synthetic one)."""
    import pyabc

    out.mkdir(parents=True, exist_ok=True)
    write_atomic(out / "calibration.toml", tomli_w.dumps(_meta(cal)))
    if client is None and workers > 1:
        _warm_up()
    np.random.seed(cal.seed)  # pyabc draws from NumPy's global generator
    db = f"sqlite:///{(out / DB_NAME).resolve()}"
    noisy = cal.acceptance == "noisy"
    with routed_logging(cal.generations, quiet, "temperature" if noisy else "epsilon"):
        abc = pyabc.ABCSMC(
            # fitted targets only: held-out ones never reach it
            ParticleModel(cal.plan(cal.fit), simulator, 1e6 if noisy else None),
            prior_distribution(cal.priors),
            population_size=cal.population,
            sampler=make_sampler(workers, client),
            **acceptance_components(cal),
        )
        done = _stored_generations(out / DB_NAME)
        if done is None:
            abc.new(db, {n: cal.targets[n].value for n in cal.fit})
            done = 0
        else:
            abc.load(db, 1)
        remaining = _remaining(cal, out / DB_NAME, done, abc)
        if not quiet:
            print(f"{cal.name}: {done} generation(s) stored, {max(remaining, 0)} to run -> {out}", file=sys.stderr)
        if remaining > 0:
            # a temperature schedule counts generations from the first: it reaches 1 at the file's last
            abc.run(max_nr_populations=cal.generations if noisy else remaining)
        history = pyabc.History(db, _id=1)
    return write_outputs(cal, out, history, workers, client, simulator)


def _remaining(cal: Calibration, db: Path, done: int, abc) -> int:
    """Generations still to run. A noisy calibration is complete once a generation ran at
    temperature 1 (its exact posterior), which may come before the file's last generation; a
    continued one gets its stored temperatures back, so its schedule goes on from them."""
    if cal.acceptance != "noisy" or done == 0:
        return cal.generations - done
    import pyabc

    pops = pyabc.History(f"sqlite:///{db.resolve()}", _id=1).get_all_populations()
    temps = {int(r["t"]): float(r["epsilon"]) for _, r in pops.iterrows() if r["t"] >= 0}
    if min(temps.values()) <= 1.0:
        return 0
    abc.eps.temperatures.update(temps)
    return cal.generations - done


def _warm_up() -> None:
    """Load the model's compiled kernels here, once: pyabc forks its workers afresh each
    generation, and each would otherwise load them again."""
    from ..model import GovModel

    GovModel("baseline", rng=0, steps=1).step()


def _stored_generations(path: Path) -> int | None:
    """Generations completed in an existing history (None: no calibration stored yet)."""
    if not path.exists():
        return None
    import pyabc

    try:
        h = pyabc.History(f"sqlite:///{path.resolve()}", _id=1)
        if not h.all_runs():
            return None
        return int(h.max_t) + 1
    except Exception:  # an empty or half-created database: start it anew
        return None


# ---------------------------------------------------------------------------- outputs
def posterior_frame(history) -> pd.DataFrame:
    df, w = history.get_distribution(m=0, t=history.max_t)
    frame = df.rename(columns={c: dotted(c) for c in df.columns}).reset_index(drop=True)
    frame = frame[sorted(frame.columns)]
    frame["weight"] = np.asarray(w, float)
    return frame


def generations_frame(history) -> pd.DataFrame:
    pops = history.get_all_populations()
    pops = pops[pops["t"] >= 0]
    rows = []
    for _, p in pops.iterrows():
        t = int(p["t"])
        _, w = history.get_distribution(m=0, t=t)
        w = np.asarray(w, float)
        particles = int(p["particles"])
        rows.append(
            {
                "generation": t + 1,
                "epsilon": float(p["epsilon"]),
                "samples": int(p["samples"]),
                "particles": particles,
                "acceptance": particles / int(p["samples"]) if p["samples"] else math.nan,
                "ess": float(w.sum() ** 2 / (w**2).sum()) if len(w) else math.nan,
            }
        )
    return pd.DataFrame(rows)


def weighted_quantiles(x: np.ndarray, w: np.ndarray, qs=QUANTILES) -> list[float]:
    """Quantiles of a weighted sample (the weighted empirical distribution, midpoint rule)."""
    order = np.argsort(x)
    x, w = np.asarray(x, float)[order], np.asarray(w, float)[order]
    cum = (np.cumsum(w) - 0.5 * w) / w.sum()
    return [float(np.interp(q, cum, x)) for q in qs]


def _map(plan: Plan, points: list[dict], workers: int, client: Any, simulator=simulate) -> list[dict]:
    """Evaluate `plan` at each point: on the Dask cluster, in a process pool, or here."""
    if client is not None:
        return client.gather(client.map(simulator, points, [plan] * len(points), pure=False))
    if workers <= 1 or len(points) <= 1:
        return [simulator(p, plan) for p in points]
    import multiprocessing as mp

    with mp.get_context("fork").Pool(workers) as pool:
        return pool.starmap(simulator, [(p, plan) for p in points])


def predictive_frame(
    cal: Calibration, posterior: pd.DataFrame, workers: int, client: Any, simulator=simulate
) -> pd.DataFrame:
    """Each target's statistic at every posterior particle (seeds averaged as in the fit);
    the weighted mean and quantiles are its posterior predictive interval."""
    names = [*cal.fit, *cal.holdout]
    keys = [c for c in posterior.columns if c != "weight"]
    points = [{k: float(row[k]) for k in keys} for _, row in posterior.iterrows()]
    sims = _map(cal.plan(names), points, workers, client, simulator)
    w = posterior["weight"].to_numpy(float)
    rows = []
    for n in names:
        t = cal.targets[n]
        x = np.array([s[n] for s in sims], float)
        ok = np.isfinite(x)
        q = weighted_quantiles(x[ok], w[ok]) if ok.any() else [math.nan] * 3
        mean = float(np.average(x[ok], weights=w[ok])) if ok.any() else math.nan
        rows.append(
            {
                "target": n,
                "role": "fit" if n in cal.fit else "holdout",
                "scenario": t.scenario,
                "date": t.date,
                "month": t.month,
                "statistic": t.statistic,
                "value": t.value,
                "uncertainty": t.uncertainty,
                "mean": mean,
                "q05": q[0],
                "q50": q[1],
                "q95": q[2],
                "inside": bool(q[0] <= t.value <= q[2]),
                "z": (mean - t.value) / t.uncertainty,
                "source": t.source,
            }
        )
    return pd.DataFrame(rows)


def write_outputs(cal: Calibration, out: Path, history, workers: int, client: Any, simulator=simulate) -> dict:
    posterior = posterior_frame(history)
    gens = generations_frame(history)
    write_atomic(out / "posterior.parquet", lambda p: posterior.to_parquet(p, index=False))
    write_atomic(out / "generations.parquet", lambda p: gens.to_parquet(p, index=False))
    predictive = predictive_frame(cal, posterior, workers, client, simulator)
    write_atomic(out / "predictive.parquet", lambda p: predictive.to_parquet(p, index=False))
    w = posterior["weight"].to_numpy(float)
    estimate = {
        k: {"mean": float(np.average(posterior[k], weights=w)), "interval": weighted_quantiles(posterior[k], w)}
        for k in posterior.columns
        if k != "weight"
    }
    return {"posterior": posterior, "predictive": predictive, "generations": gens, "estimate": estimate}
