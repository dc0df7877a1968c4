"""Fit the diffusion strengths to the 2018 and 2020 counts only (ABC rejection; Beaumont 2010).

Each draw takes every prior's value uniformly at random, runs the coupled china model with
them up to the last fitted date (`until`; the April 2024 point is never simulated here), and
measures the distance to the fitted points of `observed.py`:
    sum over points of (simulated - observed)^2 / observed
(for an "at least" point only a shortfall counts). The `accept` share of draws nearest the
data is kept; their mean is the estimate. Files: OUT/draws.csv (every draw: parameters,
simulated counts, distance, accepted) and OUT/fit.json (estimate, ranges, settings, seconds).

    govsim china-fit experiments/diffusion_fit.toml --out runs/diffusion_fit
"""

from __future__ import annotations

import json
import sys
import time
import tomllib
from pathlib import Path
from typing import Annotated

import numpy as np
from pydantic import Field, ValidationError

from ..scenario import ScenarioError
from ..schema import Name, Section
from .observed import Point, fit_points
from .schema import YearMonth, month_index


class FitSettings(Section):
    scenario: Name
    draws: Annotated[int, Field(ge=1)]
    accept: Annotated[float, Field(gt=0.0, le=1.0)]
    seed: Annotated[int, Field(ge=0)]
    until: YearMonth
    priors: dict[str, Annotated[list[float], Field(min_length=2, max_length=2)]]


class FitFile(Section):
    fit: FitSettings


def load_fit(path: Path) -> FitSettings:
    try:
        raw = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as e:
        raise ScenarioError(f"{path}: cannot read: {e.strerror}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise ScenarioError(f"{path}: not valid TOML: {e}") from None
    try:
        spec = FitFile.model_validate(raw).fit
    except ValidationError as e:
        err = e.errors(include_url=False)[0]
        where = ".".join(str(p) for p in err["loc"])
        raise ScenarioError(f"{path}: {where} = {err.get('input')!r}: {err['msg']}") from None
    last = max(p.date for p in fit_points())
    if spec.until < last:
        raise ScenarioError(f"{path}: fit.until = {spec.until!r}: expected {last} or later (the last fitted point)")
    for key, (lo, hi) in spec.priors.items():
        if not lo < hi:
            raise ScenarioError(f"{path}: fit.priors.{key} = {[lo, hi]}: expected [low, high] with low < high")
        if not key.startswith("diffusion."):
            raise ScenarioError(f"{path}: fit.priors.{key}: expected a key under diffusion.")
    return spec


def distance(sim: dict[str, float], points: list[Point]) -> float:
    total = 0.0
    for p in points:
        gap = sim[f"{p.column}@{p.date}"] - p.value
        if p.relation == ">=":
            gap = min(gap, 0.0)
        total += gap * gap / max(p.value, 1.0)
    return total


def simulate(settings: FitSettings, params: dict[str, float], seed: int) -> dict[str, float]:
    """The fitted columns at the fitted dates, from one coupled run that stops at `until`."""
    from .model import ChinaModel
    from .run import GovScenario

    sc = GovScenario.coerce(settings.scenario, overrides=params)
    months = month_index(sc.spec.diffusion.start, settings.until) + 1
    model = ChinaModel(sc, rng=seed, months=months)
    model.run()
    df = model.timeseries().set_index("date")
    return {f"{p.column}@{p.date}": float(df.loc[p.date, p.column]) for p in fit_points()}


def run_fit(settings: FitSettings, out: Path, draws: int | None = None, quiet: bool = False) -> dict:
    import pandas as pd

    from ..cli import write_atomic

    draws = draws or settings.draws
    rng = np.random.default_rng(settings.seed)
    keys = list(settings.priors)
    lows = np.array([settings.priors[k][0] for k in keys])
    highs = np.array([settings.priors[k][1] for k in keys])
    rows, t0 = [], time.perf_counter()
    for n in range(draws):
        values = lows + (highs - lows) * rng.random(len(keys))
        params = dict(zip(keys, map(float, values), strict=True))
        sim = simulate(settings, params, int(rng.integers(0, 2**31 - 1)))
        rows.append({**params, **sim, "distance": distance(sim, fit_points())})
        if not quiet and (n + 1) * 10 // draws > n * 10 // draws:
            print(f"china-fit: {(n + 1) * 100 // draws}% ({n + 1}/{draws} draws)", file=sys.stderr, flush=True)
    df = pd.DataFrame(rows)
    keep = max(1, round(settings.accept * len(df)))
    df["accepted"] = df["distance"].rank(method="first") <= keep
    acc = df[df["accepted"]]
    result = {
        "settings": settings.model_dump(mode="json"),
        "draws": len(df),
        "accepted": int(keep),
        "seconds": round(time.perf_counter() - t0, 1),
        "posterior_mean": {k: float(acc[k].mean()) for k in keys},
        "posterior_range": {k: [float(acc[k].min()), float(acc[k].max())] for k in keys},
        "fitted_points_mean_of_accepted": {c: float(acc[c].mean()) for c in df.columns if "@" in c},
        "observed": {f"{p.column}@{p.date}": f"{p.relation} {p.value:g}" for p in fit_points()},
    }
    write_atomic(out / "draws.csv", df.to_csv(index=False))
    write_atomic(out / "fit.json", json.dumps(result, indent=2) + "\n")
    return result
