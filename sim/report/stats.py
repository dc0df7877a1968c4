"""Means, 95% intervals and effects versus a reference, from stored final values.

Intervals are Student t intervals of the mean over a variant's runs. Effects pair a
variant's runs with the reference's runs of the same replication (same seed) and the same
sampled uncertainties — the sweep gives every scenario the same seeds — and fall back to
Welch's interval when runs cannot be paired.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from ..catalogue import MEASURES
from .fmt import decimals_for, shows_as_zero
from .load import Results

NAN = float("nan")


@dataclass(frozen=True)
class Estimate:
    mean: float
    lo: float
    hi: float
    n: int
    method: str = ""

    @property
    def half(self) -> float:
        return (self.hi - self.lo) / 2 if np.isfinite(self.lo) else NAN

    def as_dict(self) -> dict:
        return {"mean": self.mean, "lo": self.lo, "hi": self.hi, "n": self.n, "method": self.method}


EMPTY = Estimate(NAN, NAN, NAN, 0)


def size_dependent(measure: str) -> bool:
    """The measure grows with the number of agencies, systems or requests: its levels and
    effects compare only between governments of the same structure and size."""
    return measure in MEASURES and MEASURES[measure].scales_with_size


def mean_ci(x) -> Estimate:
    x = np.asarray(x, dtype=float)
    x = x[np.isfinite(x)]
    n = len(x)
    if n == 0:
        return EMPTY
    m = float(x.mean())
    if n < 2:
        return Estimate(m, NAN, NAN, n, "single run")
    se = float(stats.sem(x))
    if se == 0:  # every run alike: scipy's interval needs a positive scale
        return Estimate(m, m, m, n, "t")
    lo, hi = stats.t.interval(0.95, n - 1, loc=m, scale=se)
    return Estimate(m, float(lo), float(hi), n, "t")


def summary(res: Results) -> dict[str, dict[str, Estimate]]:
    """variant -> measure -> estimate of the final value."""
    out: dict[str, dict[str, Estimate]] = {}
    for variant in res.variants:
        rows = res.final[res.final["variant"] == variant]
        out[variant] = {m: mean_ci(rows[m]) for m in res.measures}
    return out


def runs_of(table: dict[str, dict[str, Estimate]], variant: str) -> int:
    return max((e.n for e in table[variant].values()), default=0)


MIN_SHARE = 0.01  # a starred improvement is at least this share of the reference's value


def best_variants(
    eff: dict[str, dict[str, Estimate]],
    same_size: set[str],
    measures: list[str],
    ref_means: dict[str, dict[str, float]] | None = None,
) -> dict[str, set[str]]:
    """measure -> variants marked best. Candidates are the variants with an effect (so never a
    reference); the score is the improvement over the variant's own reference, which makes
    provincial models (vs their `*_before`) and single reforms (vs the baseline) comparable
    for shares and per-request measures. Measures that scale with size compare only the
    variants of the baseline's government (`same_size`).

    A candidate's improvement must be clear and not negligible: its 95% interval excludes no
    change, it does not print as 0 at the effects table's precision for that measure, and it
    is at least MIN_SHARE of its reference's value (`ref_means`: variant -> measure -> mean of
    its reference; where unknown or 0 only the other tests apply). The best candidate is
    starred, and every candidate whose interval overlaps the best one's, since the data cannot
    tell them apart. No mark when no candidate is left."""
    best: dict[str, set[str]] = {}
    for m in measures:
        better = MEASURES[m].better if m in MEASURES else ""
        if not better:
            continue
        sign = -1.0 if better == "lower" else 1.0
        decimals = decimals_for(per[m].mean for per in eff.values() if m in per)  # as the effects table
        gains = {}  # variant -> (mean, lo, hi) of the improvement, positive is better
        for v, per in eff.items():
            e = per.get(m, EMPTY)
            if size_dependent(m) and v not in same_size:
                continue
            if not (np.isfinite(e.mean) and np.isfinite(e.lo)):
                continue  # a single run has no interval: it cannot be shown to be best
            lo, hi = sorted((sign * e.lo, sign * e.hi))
            gain = sign * e.mean
            ref = (ref_means or {}).get(v, {}).get(m, NAN)
            if lo <= 0 or gain <= 0 or shows_as_zero(gain, decimals):
                continue  # not distinguishable from its reference, or not visibly
            if np.isfinite(ref) and gain < MIN_SHARE * abs(ref):
                continue  # real but negligible next to the level it changes
            gains[v] = (gain, lo, hi)
        if not gains:
            continue
        top = max(gains, key=lambda v: gains[v][0])
        lo = gains[top][1]
        best[m] = {v for v, (_, _, vhi) in gains.items() if vhi >= lo}
    return best


def baseline_variant(res: Results, baseline: str, variant: str) -> str | None:
    """The reference variant to compare `variant` with: the reference scenario's variant with
    the same lever values if it was run with them, else its first variant. None when that
    variant has no successful run (an effect against another lever setting would mislead)."""
    base_rows = res.runs[res.runs["scenario"] == baseline]
    if base_rows.empty:
        return None
    ok = set(res.final["variant"])
    rows = res.runs[res.runs["variant"] == variant]
    pick = str(base_rows.sort_values("run_id").iloc[0]["variant"])
    if res.levers and not rows.empty:
        want = rows.iloc[0][res.levers]
        same = base_rows[(base_rows[res.levers] == want).all(axis=1)]
        if not same.empty:
            pick = str(same.iloc[0]["variant"])
        else:
            pick = next((str(v) for v in base_rows.sort_values("run_id")["variant"] if v in ok), pick)
    return pick if pick in ok else None


def _pair_key(df: pd.DataFrame, res: Results) -> np.ndarray:
    cols = ["replication", *res.uncertainties]
    return df[cols].astype(str).agg("|".join, axis=1).to_numpy()


def _welch(xa: np.ndarray, xb: np.ndarray) -> Estimate:
    xa, xb = xa[np.isfinite(xa)], xb[np.isfinite(xb)]
    if len(xa) == 0 or len(xb) == 0:
        return EMPTY
    diff = float(xa.mean() - xb.mean())
    n = min(len(xa), len(xb))
    if len(xa) < 2 or len(xb) < 2:
        return Estimate(diff, NAN, NAN, n, "single run")
    if xa.var(ddof=1) + xb.var(ddof=1) == 0:  # every run alike on both sides: no interval to draw
        return Estimate(diff, diff, diff, n, "Welch")
    ci = stats.ttest_ind(xa, xb, equal_var=False).confidence_interval(0.95)
    return Estimate(diff, float(ci.low), float(ci.high), n, "Welch")


def effect(res: Results, variant: str, base: str, measures: list[str]) -> dict[str, Estimate]:
    """Difference variant − reference of the final values, with 95% intervals, per measure
    (all measures at once: the pairing is the same for each)."""
    a = res.final[res.final["variant"] == variant]
    b = res.final[res.final["variant"] == base]
    if a.empty or b.empty:
        return dict.fromkeys(measures, EMPTY)
    ka, kb = _pair_key(a, res), _pair_key(b, res)
    common = np.intersect1d(ka, kb)
    unique = len(set(ka)) == len(ka) and len(set(kb)) == len(kb)
    if len(common) >= 2 and unique:
        ia = pd.Index(ka).get_indexer(common)
        ib = pd.Index(kb).get_indexer(common)
        diffs = a[measures].to_numpy(float)[ia] - b[measures].to_numpy(float)[ib]
        out = {}
        for j, m in enumerate(measures):
            d = mean_ci(diffs[:, j])
            out[m] = Estimate(d.mean, d.lo, d.hi, d.n, "paired by seed" if d.n >= 2 else d.method)
        return out
    return {m: _welch(a[m].to_numpy(float), b[m].to_numpy(float)) for m in measures}


def effects(
    res: Results, baseline: str, measures: list[str], reference: dict[str, str] | None = None
) -> tuple[dict[str, dict[str, Estimate]], list[str]]:
    """variant -> measure -> effect versus its reference scenario (default: the baseline), and
    the variants left out because their reference has no successful run. A variant with no
    successful run of its own has no effect at all (not a row of blanks): the notes name it."""
    out, missing = {}, []
    ok = set(res.final["variant"])
    for v in res.variants:
        if v not in ok:
            continue
        scenario = v.split(" · ")[0]
        ref = (reference or {}).get(scenario, baseline)
        if ref == scenario:
            continue  # a reference itself
        base = baseline_variant(res, ref, v)
        if base is None:
            missing.append(v)
            continue
        if base == v:
            continue
        out[v] = effect(res, v, base, measures)
    return out, missing


def reference_means(
    res: Results, table: dict[str, dict[str, Estimate]], baseline: str, variants, reference: dict[str, str]
) -> dict[str, dict[str, float]]:
    """variant -> measure -> mean final value of the reference variant its effect is against."""
    out = {}
    for v in variants:
        base = baseline_variant(res, reference.get(v.split(" · ")[0], baseline), v)
        if base in table:
            out[v] = {m: e.mean for m, e in table[base].items()}
    return out


def measure_range(measure: str) -> tuple[float, float]:
    """The values a measure can take (the catalogue's bounds; an unknown column: at least 0)."""
    return MEASURES[measure].bounds if measure in MEASURES else (0.0, np.inf)


def band(res: Results, measure: str) -> pd.DataFrame:
    """Per variant and month: mean and 95% interval over runs (for time-series bands), clipped
    to the values the measure can take: with two seeds a t interval of a share near 0 would
    otherwise reach below 0."""
    ts = res.timeseries.merge(res.runs[["run_id", "variant"]], on="run_id")
    g = ts.groupby(["variant", "step"])[measure]
    df = g.agg(["mean", "std", "count"]).reset_index()
    t = stats.t.ppf(0.975, np.maximum(df["count"] - 1, 1))
    h = np.where(df["count"] > 1, t * df["std"] / np.sqrt(df["count"]), np.nan)
    lo, hi = measure_range(measure)
    if (ts[measure] < lo).any():
        lo = -np.inf  # a measure that does go below its unit's floor: leave its bands alone
    df["lo"], df["hi"] = np.clip(df["mean"] - h, lo, hi), np.clip(df["mean"] + h, lo, hi)
    return df
