"""Global sensitivity analysis with SALib over an experiment's ranges.

Morris elementary effects (screening, the default) or Sobol indices (Saltelli sampling):
SALib draws the parameter points, the sweep runner runs them (same executors, same
resumable store), and each point's value of a measure — its final month, or its mean over
the months, averaged over replications — feeds SALib's analysis.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..scenario import ScenarioError
from .experiment import Experiment, Range


def problem(exp: Experiment) -> tuple[dict, list[Range]]:
    ranges = exp.ranges()
    names = list(ranges)
    return (
        {"num_vars": len(names), "names": names, "bounds": [[r.low, r.high] for r in ranges.values()]},
        list(ranges.values()),
    )


def sample_points(exp: Experiment) -> tuple[np.ndarray, list[dict]]:
    """SALib's sample matrix and the matching parameter points (integers rounded)."""
    prob, ranges = problem(exp)
    sens = exp.sensitivity
    if sens.method == "morris":
        from SALib.sample import morris as morris_sample

        X = morris_sample.sample(prob, N=sens.trajectories, num_levels=sens.levels, seed=exp.experiment.seed)
    else:
        from SALib.sample import sobol as sobol_sample

        X = sobol_sample.sample(prob, N=sens.base_samples, calc_second_order=False, seed=exp.experiment.seed)
    points = []
    for row in X:
        points.append(
            {n: (round(v) if r.integer else float(v)) for n, v, r in zip(prob["names"], row, ranges, strict=True)}
        )
    return X, points


def outputs(timeseries: pd.DataFrame, runs: pd.DataFrame, measure: str, statistic: str, n_points: int) -> np.ndarray:
    """One value per parameter point: the measure's statistic, averaged over replications."""
    if statistic == "final":
        per_run = timeseries.sort_values("step").groupby("run_id")[measure].last()
    else:
        per_run = timeseries.groupby("run_id")[measure].mean()
    df = runs[["run_id", "point"]].assign(value=runs["run_id"].map(per_run))
    y = df.groupby("point")["value"].mean().reindex(range(n_points))
    if y.isna().any():
        missing = int(y.isna().sum())
        raise ScenarioError(f"sensitivity: {missing} parameter point(s) have no finished run; re-run to complete them")
    return y.to_numpy()


def analyse(exp: Experiment, X: np.ndarray, timeseries: pd.DataFrame, runs: pd.DataFrame) -> pd.DataFrame:
    """Indices for every measure and parameter, one row each."""
    prob, _ = problem(exp)
    sens = exp.sensitivity
    rows = []
    for measure in sens.measures:
        Y = outputs(timeseries, runs, measure, sens.statistic, len(X))
        if sens.method == "morris":
            from SALib.analyze import morris

            res = morris.analyze(prob, X, Y, num_levels=sens.levels, print_to_console=False, seed=exp.experiment.seed)
            for i, name in enumerate(prob["names"]):
                rows.append(
                    {
                        "method": "morris",
                        "measure": measure,
                        "parameter": name,
                        "mu_star": float(res["mu_star"][i]),
                        "mu_star_conf": float(res["mu_star_conf"][i]),
                        "sigma": float(res["sigma"][i]),
                        "mu": float(res["mu"][i]),
                    }
                )
        else:
            from SALib.analyze import sobol

            res = sobol.analyze(prob, Y, calc_second_order=False, print_to_console=False, seed=exp.experiment.seed)
            for i, name in enumerate(prob["names"]):
                rows.append(
                    {
                        "method": "sobol",
                        "measure": measure,
                        "parameter": name,
                        "S1": float(res["S1"][i]),
                        "S1_conf": float(res["S1_conf"][i]),
                        "ST": float(res["ST"][i]),
                        "ST_conf": float(res["ST_conf"][i]),
                    }
                )
    return pd.DataFrame(rows)
