"""Posterior draws for a sweep: `govsim sweep EXPERIMENT --posterior DIR --draws K` runs each
scenario at K parameter points drawn from a calibration's posterior (DIR/posterior.parquet),
each over the experiment's seeds, so a conclusion can be given the share of draws in which it
holds (sim/report/posterior.py)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..scenario import ScenarioError, load_spec

DRAWS_FILE = "posterior_draws.parquet"


def posterior_draws(folder: Path, k: int, seed: int) -> pd.DataFrame:
    """K particles of the posterior, drawn with probability proportional to their weights
    (with replacement: a heavy particle may be drawn twice), reproducibly from `seed`.
    One row per draw: `draw` and a column per dotted parameter key."""
    if k < 1:
        raise ScenarioError(f"--draws {k}: expected a number >= 1")
    path = Path(folder) / "posterior.parquet"
    if not path.is_file():
        raise ScenarioError(f"--posterior {folder}: no posterior.parquet; expected a folder of `govsim calibrate`")
    post = pd.read_parquet(path)
    keys = [c for c in post.columns if c != "weight"]
    if "weight" not in post or not keys or post.empty:
        raise ScenarioError(f"{path}: expected a column per parameter key and `weight`, one row per particle")
    w = post["weight"].to_numpy(float)
    rows = np.random.default_rng(np.random.SeedSequence([seed, 16])).choice(len(post), size=k, p=w / w.sum())
    draws = post.iloc[rows][keys].reset_index(drop=True)
    draws.insert(0, "draw", range(k))
    return draws


def check_draws(draws: pd.DataFrame, exp) -> list[dict]:
    """The draws as run overrides, refused in one line if a key is also a lever or an
    uncertainty of the experiment, or a value some scenario does not accept."""
    keys = [c for c in draws.columns if c != "draw"]
    for k in keys:
        if "[" in k:  # the sweep engine sets whole keys; an element's list differs between scenarios
            raise ScenarioError(
                f"--posterior: {k}: an element of a list parameter cannot be carried into a sweep yet; "
                "expected a posterior over plain keys"
            )
    taken = {k.replace("__", "."): f"levers.{k}" for k in exp.levers}
    taken |= {k.replace("__", "."): f"uncertainties.{k}" for k in exp.uncertainties}
    for k in keys:
        if k in taken:
            raise ScenarioError(
                f"--posterior: {k} is drawn from the posterior and set by {taken[k]} of the experiment; "
                "expected it once "
                "(drop it from the experiment or from the calibration)"
            )
    for name, (path, _) in exp.scenario_specs().items():
        for k in keys:
            for v in (draws[k].min(), draws[k].max()):
                try:
                    load_spec(path, {k: float(v)})
                except ScenarioError as e:
                    why = str(e).removeprefix("--set: ")
                    raise ScenarioError(f"--posterior: {k} = {v}: {why} (in {name})") from None
    # a particle drawn twice is one parameter point: its runs would repeat the same numbers
    points = [{k: float(row[k]) for k in keys} for _, row in draws.iterrows()]
    return list({tuple(p.values()): p for p in points}.values())
