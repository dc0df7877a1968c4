"""Means, 95% intervals and effects versus the baseline, from stored final values.

Intervals are Student t intervals of the mean over a variant's runs. Effects pair a
variant's runs with the baseline's runs of the same replication (same seed) and the same
sampled uncertainties — the sweep gives every scenario the same seeds — and fall back to
Welch's interval when runs cannot be paired.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from ..measures import MEASURES
from .load import Results


@dataclass(frozen=True)
class Estimate:
    mean: float
    lo: float
    hi: float
    n: int
    method: str = ""

    @property
    def half(self) -> float:
        return (self.hi - self.lo) / 2 if np.isfinite(self.lo) else float("nan")

    def as_dict(self) -> dict:
        return {"mean": self.mean, "lo": self.lo, "hi": self.hi, "n": self.n, "method": self.method}


def mean_ci(x) -> Estimate:
    x = np.asarray(x, dtype=float)
    x = x[np.isfinite(x)]
    n = len(x)
    if n == 0:
        return Estimate(float("nan"), float("nan"), float("nan"), 0)
    m = float(x.mean())
    if n < 2:
        return Estimate(m, float("nan"), float("nan"), n, "single run")
    h = float(stats.t.ppf(0.975, n - 1) * x.std(ddof=1) / np.sqrt(n))
    return Estimate(m, m - h, m + h, n, "t")


def summary(res: Results) -> dict[str, dict[str, Estimate]]:
    """variant -> measure -> estimate of the final value."""
    out: dict[str, dict[str, Estimate]] = {}
    for variant in res.variants:
        rows = res.final[res.final["variant"] == variant]
        out[variant] = {m: mean_ci(rows[m]) for m in MEASURES}
    return out


def best_variants(table: dict[str, dict[str, Estimate]]) -> dict[str, str]:
    """measure -> variant with the best mean (by the measure's `better` direction)."""
    best = {}
    for m, spec in MEASURES.items():
        if not spec.better:
            continue
        means = {v: est[m].mean for v, est in table.items() if np.isfinite(est[m].mean)}
        if len(means) < 2:
            continue
        pick = min if spec.better == "lower" else max
        best[m] = pick(means, key=means.get)
    return best


def baseline_variant(res: Results, baseline: str, variant: str) -> str | None:
    """The baseline variant to compare `variant` with: same lever values if the baseline
    scenario was run with them, else its first variant."""
    base_rows = res.runs[res.runs["scenario"] == baseline]
    if base_rows.empty:
        return None
    rows = res.runs[res.runs["variant"] == variant]
    if res.levers and not rows.empty:
        want = rows.iloc[0][res.levers]
        same = base_rows[(base_rows[res.levers] == want).all(axis=1)]
        if not same.empty:
            return str(same.iloc[0]["variant"])
    return str(base_rows.sort_values("run_id").iloc[0]["variant"])


def _pair_key(df: pd.DataFrame, res: Results) -> pd.Series:
    cols = ["replication", *res.uncertainties]
    return df[cols].astype(str).agg("|".join, axis=1)


def effect(res: Results, variant: str, base: str, measure: str) -> Estimate:
    """Difference variant - baseline of the final value, with its 95% interval."""
    a = res.final[res.final["variant"] == variant]
    b = res.final[res.final["variant"] == base]
    if a.empty or b.empty:
        return Estimate(float("nan"), float("nan"), float("nan"), 0)
    ka, kb = _pair_key(a, res), _pair_key(b, res)
    pa = pd.Series(a[measure].to_numpy(), index=ka.to_numpy())
    pb = pd.Series(b[measure].to_numpy(), index=kb.to_numpy())
    common = pa.index.intersection(pb.index)
    if len(common) >= 2 and not pa.index.duplicated().any() and not pb.index.duplicated().any():
        d = mean_ci(pa[common].to_numpy() - pb[common].to_numpy())
        return Estimate(d.mean, d.lo, d.hi, d.n, "paired by seed")
    xa, xb = a[measure].to_numpy(float), b[measure].to_numpy(float)
    diff = float(xa.mean() - xb.mean())
    if len(xa) < 2 or len(xb) < 2:
        return Estimate(diff, float("nan"), float("nan"), min(len(xa), len(xb)), "single run")
    va, vb = xa.var(ddof=1) / len(xa), xb.var(ddof=1) / len(xb)
    se = np.sqrt(va + vb)
    if se == 0:
        return Estimate(diff, diff, diff, min(len(xa), len(xb)), "Welch")
    dof = (va + vb) ** 2 / (va**2 / (len(xa) - 1) + vb**2 / (len(xb) - 1))
    h = float(stats.t.ppf(0.975, dof) * se)
    return Estimate(diff, diff - h, diff + h, min(len(xa), len(xb)), "Welch")


def effects(
    res: Results, baseline: str, measures: list[str], reference: dict[str, str] | None = None
) -> dict[str, dict[str, Estimate]]:
    """variant -> measure -> effect versus its reference scenario (default: the baseline)."""
    out = {}
    for v in res.variants:
        scenario = v.split(" · ")[0]
        ref = (reference or {}).get(scenario, baseline)
        base = baseline_variant(res, ref, v)
        if base is None or base == v:
            continue
        out[v] = {m: effect(res, v, base, m) for m in measures}
    return out


def band(res: Results, measure: str) -> pd.DataFrame:
    """Per variant and month: mean and 95% interval over runs (for time-series bands)."""
    ts = res.timeseries.merge(res.runs[["run_id", "variant"]], on="run_id")
    g = ts.groupby(["variant", "step"])[measure]
    df = g.agg(["mean", "std", "count"]).reset_index()
    t = stats.t.ppf(0.975, np.maximum(df["count"] - 1, 1))
    h = np.where(df["count"] > 1, t * df["std"] / np.sqrt(df["count"]), np.nan)
    df["lo"], df["hi"] = df["mean"] - h, df["mean"] + h
    return df
