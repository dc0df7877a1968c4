"""Global sensitivity analysis with SALib over an experiment's ranges.

Morris elementary effects (screening, the default) or Sobol indices (Saltelli sampling):
SALib draws the parameter points, the sweep runner runs them (same executors, same
resumable store), and each point's value of a measure — its final month, or its mean over
the months, averaged over replications — feeds SALib's analysis. A scenario with a `[diffusion]`
table runs as the provincial layer (`run.diffusion_timeseries`); its measures may also be the
province counts, and any may name a month (`provinces_unified_digital@2024-04`).

Two kinds of varied parameter: a range of a scalar scenario key (`[uncertainties]`), and a
*scale* (`[sensitivity.scales]`): one factor multiplying every entry of a per-level list or a
per-kind table (`agents.budget_per_month`, `agents.build_cost`), so a vector parameter is
screened as one.

A ranking claims only what the intervals support: parameters are grouped by their 95%
intervals (Morris μ* ± `mu_star_conf`, SALib's bootstrap; Sobol ST ± `ST_conf`). Each
parameter gets the range of ranks it could hold (best: one more than the number of
parameters whose interval lies wholly above its own; worst: the number whose interval
reaches its own), and a parameter whose range is wider than one rank is tied.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..scenario import ScenarioError, load_spec
from .experiment import Experiment, Range


def problem(exp: Experiment) -> tuple[dict, list[Range]]:
    """SALib's problem: the ranges of the uncertainties, then the scale factors."""
    ranges = {**exp.ranges(), **exp.sensitivity.scales}
    names = list(ranges)
    return (
        {"num_vars": len(names), "names": names, "bounds": [[r.low, r.high] for r in ranges.values()]},
        list(ranges.values()),
    )


def sampler_seed(exp: Experiment) -> int:
    """The seed of SALib's sampler (and bootstrap): `sensitivity.sampler_seed`, else the experiment's seed."""
    seed = exp.sensitivity.sampler_seed
    return exp.experiment.seed if seed is None else seed


def _scaled(value, factor: float):
    """A list or table of numbers times `factor` (whole numbers stay whole)."""
    if isinstance(value, dict):
        return {k: _scaled(v, factor) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_scaled(v, factor) for v in value]
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(value)
    return round(value * factor) if isinstance(value, int) else float(value * factor)


def scale_bases(exp: Experiment, source: str = "experiment") -> dict:
    """The scenario's value of every scaled key (a number, a list or a table of numbers)."""
    scales = exp.sensitivity.scales
    if not scales:
        return {}
    path = exp.scenario_file(exp.experiment.scenarios[0])
    doc = load_spec(path)[0].model_dump(mode="python")
    out = {}
    for key in scales:
        node = doc
        for part in key.replace("__", ".").split("."):
            if not isinstance(node, dict) or part not in node:
                raise ScenarioError(f"{source}: sensitivity.scales.{key}: no such scenario key in {path.name}")
            node = node[part]
        try:
            _scaled(node, 1.0)
        except TypeError:
            raise ScenarioError(
                f"{source}: sensitivity.scales.{key} = {node!r}: expected a key holding numbers "
                "(a number, a list or a table of numbers) to scale"
            ) from None
        for bound in (scales[key].low, scales[key].high):
            try:
                load_spec(path, {key: _scaled(node, bound)})
            except ScenarioError as e:
                detail = str(e).removeprefix("--set: ")
                raise ScenarioError(f"{source}: sensitivity.scales.{key} at factor {bound:g}: {detail}") from None
        out[key] = node
    return out


def sample_points(exp: Experiment, seed: int | None = None) -> tuple[np.ndarray, list[dict]]:
    """SALib's sample matrix and the matching parameter points (integers rounded; a scale's
    factor applied to the scenario's value of its key)."""
    prob, ranges = problem(exp)
    sens = exp.sensitivity
    seed = sampler_seed(exp) if seed is None else seed
    if sens.method == "morris":
        from SALib.sample import morris as morris_sample

        X = morris_sample.sample(prob, N=sens.trajectories, num_levels=sens.levels, seed=seed)
    else:
        from SALib.sample import sobol as sobol_sample

        X = sobol_sample.sample(prob, N=sens.base_samples, calc_second_order=False, seed=seed)
    bases = scale_bases(exp, str(exp.origin or exp.name))
    points = []
    for row in X:
        point = {}
        for n, v, r in zip(prob["names"], row, ranges, strict=True):
            point[n] = _scaled(bases[n], float(v)) if n in bases else (round(v) if r.integer else float(v))
        points.append(point)
    return X, points


def outputs(timeseries: pd.DataFrame, runs: pd.DataFrame, measure: str, statistic: str, n_points: int) -> np.ndarray:
    """One value per parameter point: the measure's statistic, averaged over replications.
    `NAME@YYYY-MM` (a `[diffusion]` run, whose rows carry dates): NAME's value in that month."""
    measure, dated, date = measure.partition("@")
    if dated:
        per_run = timeseries[timeseries["date"] == date].groupby("run_id")[measure].last()
    elif statistic == "final":
        per_run = timeseries.sort_values("step").groupby("run_id")[measure].last()
    else:
        per_run = timeseries.groupby("run_id")[measure].mean()
    df = runs[["run_id", "point"]].assign(value=runs["run_id"].map(per_run))
    y = df.groupby("point")["value"].mean().reindex(range(n_points))
    if y.isna().any():
        missing = int(y.isna().sum())
        raise ScenarioError(f"sensitivity: {missing} parameter point(s) have no finished run; re-run to complete them")
    return y.to_numpy()


def morris_rows(prob: dict, X: np.ndarray, Y: np.ndarray, levels: int, seed: int, measure: str) -> list[dict]:
    from SALib.analyze import morris

    res = morris.analyze(prob, X, Y, num_levels=levels, print_to_console=False, seed=seed)
    shares = top_shares(elementary_effects(X, Y, levels, prob["num_vars"]), seed)
    return [
        {
            "method": "morris",
            "measure": measure,
            "parameter": name,
            "mu_star": float(res["mu_star"][i]),
            "mu_star_conf": float(res["mu_star_conf"][i]),
            "sigma": float(res["sigma"][i]),
            "mu": float(res["mu"][i]),
            "top_share": float(shares[i]),
        }
        for i, name in enumerate(prob["names"])
    ]


# The headline of a measure is its top group, which hangs on borderline members: a parameter whose
# interval just touches the leader's is in or out depending on the sampled trajectories, at any
# design size. So each parameter's membership is re-estimated over bootstrap resamples of the
# trajectories (Efron & Tibshirani 1993; trajectories are independent draws, Morris 1991), and the
# headline names the *core* (in the top group in at least CORE of the resamples) and the
# *borderline* (at least BORDER) separately. Both thresholds are conventions (assumed).
RESAMPLES = 200
CORE, BORDER = 0.9, 0.1


def elementary_effects(X: np.ndarray, Y: np.ndarray, levels: int, n_params: int) -> np.ndarray:
    """(parameters, trajectories) elementary effects, as SALib's analysis computes them."""
    from SALib.analyze.morris import _compute_elementary_effects
    from SALib.util import _compute_delta

    return _compute_elementary_effects(X, np.asarray(Y, float), n_params + 1, _compute_delta(levels))


def top_shares(ee: np.ndarray, seed: int, resamples: int = RESAMPLES) -> np.ndarray:
    """Per parameter, the share of bootstrap resamples of the trajectories in which it is in the top
    group (mu* of the resample, 95% interval 1.96 standard errors, the normal form of SALib's
    bootstrap interval). 0 everywhere when no parameter moves the measure."""
    a = np.abs(np.nan_to_num(ee))
    n = a.shape[1]
    if n < 2 or a.max() <= 0:
        return np.zeros(a.shape[0])
    counts = np.zeros(a.shape[0])
    for pick in np.random.default_rng(seed).integers(n, size=(resamples, n)):
        sample = a[:, pick]
        mu = sample.mean(axis=1)
        counts += groups(mu, 1.96 * sample.std(axis=1, ddof=1) / np.sqrt(n)) == 1
    return counts / resamples


def sobol_rows(prob: dict, Y: np.ndarray, seed: int, measure: str) -> list[dict]:
    from SALib.analyze import sobol

    res = sobol.analyze(prob, Y, calc_second_order=False, print_to_console=False, seed=seed)
    return [
        {
            "method": "sobol",
            "measure": measure,
            "parameter": name,
            "S1": float(res["S1"][i]),
            "S1_conf": float(res["S1_conf"][i]),
            "ST": float(res["ST"][i]),
            "ST_conf": float(res["ST_conf"][i]),
        }
        for i, name in enumerate(prob["names"])
    ]


def analyse(exp: Experiment, X: np.ndarray, timeseries: pd.DataFrame, runs: pd.DataFrame) -> pd.DataFrame:
    """Indices for every measure and parameter, one row each, with rank ranges and tie groups."""
    prob, _ = problem(exp)
    sens = exp.sensitivity
    seed = sampler_seed(exp)
    rows = []
    for measure in sens.measures:
        Y = outputs(timeseries, runs, measure, sens.statistic, len(X))
        if sens.method == "morris":
            rows += morris_rows(prob, X, Y, sens.levels, seed, measure)
        else:
            rows += sobol_rows(prob, Y, seed, measure)
    return rank_groups(pd.DataFrame(rows))


# ----------------------------------------------------------------- ties, not a false order
def _index(table: pd.DataFrame) -> tuple[str, str]:
    return ("mu_star", "mu_star_conf") if "mu_star" in table else ("ST", "ST_conf")


def rank_ranges(value: np.ndarray, conf: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Best and worst rank each parameter could hold given the intervals value ± conf."""
    conf = np.nan_to_num(np.asarray(conf, float), nan=0.0)
    lo, hi = value - conf, value + conf
    above = lo[None, :] > hi[:, None]  # above[i, j]: j's interval lies wholly above i's
    reach = hi[None, :] >= lo[:, None]  # reach[i, j]: j's interval reaches i's (j could rank above i)
    best = 1 + above.sum(axis=1)
    worst = reach.sum(axis=1)
    return best, worst


def groups(value: np.ndarray, conf: np.ndarray) -> np.ndarray:
    """Tie groups in order of the index: a new group starts where a parameter's interval no longer
    overlaps that of the group's first (largest) member. Group 1 is the top group."""
    order = np.argsort(-value, kind="stable")
    conf = np.nan_to_num(np.asarray(conf, float), nan=0.0)
    out = np.zeros(len(value), int)
    group, head = 0, None
    for i in order:
        if head is None or value[i] + conf[i] < value[head] - conf[head]:
            group, head = group + 1, i
        out[i] = group
    return out


def rank_groups(table: pd.DataFrame) -> pd.DataFrame:
    """Add `rank_best`, `rank_worst`, `group` and `tied` per measure."""
    if table.empty:
        return table
    key, conf = _index(table)
    parts = []
    for _, t in table.groupby("measure", sort=False):
        t = t.copy()
        best, worst = rank_ranges(t[key].to_numpy(float), t[conf].to_numpy(float))
        t["rank_best"], t["rank_worst"] = best, worst
        t["group"] = groups(t[key].to_numpy(float), t[conf].to_numpy(float))
        t["tied"] = worst > best
        if "top_share" in t:
            share = t["top_share"].to_numpy(float)
            t["headline"] = np.where(share >= CORE, "core", np.where(share >= BORDER, "borderline", ""))
        parts.append(t)
    return pd.concat(parts, ignore_index=True)


def top_group(table: pd.DataFrame, measure: str) -> set[str]:
    t = table[table["measure"] == measure]
    return set(t.loc[t["group"] == 1, "parameter"])


def headline(table: pd.DataFrame, measure: str, *labels: str) -> set[str]:
    """The parameters of a measure's headline with these labels ('core', 'borderline')."""
    t = table[table["measure"] == measure]
    return set(t.loc[t["headline"].isin(labels), "parameter"]) if "headline" in t else set()


def format_table(table: pd.DataFrame, measure: str, top: int | None = None) -> str:
    """A measure's parameters by index, each with the ranks it could hold ('3-5 tied'), not a bare order."""
    key, _ = _index(table)
    t = table[table["measure"] == measure].sort_values(key, ascending=False)
    if top is not None:
        t = t.head(top)
    rank = [f"{b}" if w == b else f"{b}-{w} tied" for b, w in zip(t["rank_best"], t["rank_worst"], strict=True)]
    cols = [c for c in ("mu_star", "mu_star_conf", "sigma", "S1", "S1_conf", "ST", "ST_conf", "top_share") if c in t]
    shown = t[["parameter", *cols]].assign(rank=rank, group=t["group"])
    if "headline" in t:
        shown = shown.assign(headline=t["headline"])
    return shown.to_string(index=False, float_format="%.4g")


# ----------------------------------------------------------------- docs/sensitivity.md
ZERO = 1e-9  # an index below this share of the measure's largest is rounding noise, shown as 0


def markdown_top(table: pd.DataFrame, measure: str, n: int = 5) -> str:
    """The `n` largest indices of a measure as a Markdown table with each one's rank range, then the
    parameters whose intervals also reach rank `n` (a tie at the cut is named, not cut), or a line
    when no parameter moves the measure."""
    key, conf = _index(table)
    t = table[table["measure"] == measure].sort_values(key, ascending=False)
    largest = float(t[key].max()) if len(t) else 0.0
    t = t[t[key] > ZERO * largest] if largest > 0 else t.iloc[:0]
    if t.empty:
        return f"No parameter moves `{measure}` here ({key} = 0 for every parameter).\n"
    lines = [f"| parameter | {key} ± 95% | rank | group | top group in resamples |", "|---|---|---|---|---|"]
    for _, r in t.head(n).iterrows():
        best, worst = int(r["rank_best"]), int(r["rank_worst"])
        rank = f"{best}" if worst == best else f"{best}–{worst} tied"
        # whole per cent, rounded down: 89.5% is borderline and must not read as 90%
        share = f"{int(r['top_share'] * 100 + 1e-9)}% {r['headline']}".strip() if "top_share" in r else "–"
        lines.append(f"| `{r['parameter']}` | {r[key]:.3g} ± {r[conf]:.2g} | {rank} | {r['group']} | {share} |")
    more = t.iloc[n:][t.iloc[n:]["rank_best"] <= n]
    text = "\n".join(lines) + "\n"
    if len(more):
        names = ", ".join(f"`{p}`" for p in more["parameter"])
        text += f"\nAlso within reach of rank {n} (intervals overlap): {names}.\n"
    return text


def compare_runs(first: pd.DataFrame, second: pd.DataFrame, measure: str, other: str = "Other sampler seed") -> str:
    """How a second run (another sampler seed) reads the same measure: its top group against the
    first's, and whether every parameter's rank range overlaps its range in the first run."""
    a, b = top_group(first, measure), top_group(second, measure)
    both = first[first["measure"] == measure].merge(
        second[second["measure"] == measure], on="parameter", suffixes=("_1", "_2")
    )
    overlap = (both["rank_best_1"] <= both["rank_worst_2"]) & (both["rank_best_2"] <= both["rank_worst_1"])
    ranks = "every rank range overlaps" if overlap.all() else f"{int((~overlap).sum())} rank range(s) do not overlap"
    core = f"{core_agreement(first, second, measure)}; {ranks}"
    if a == b:
        return f"{other}: the same top group; {core}.\n"
    gained = ", ".join(f"`{p}`" for p in sorted(b - a)) or "none"
    lost = ", ".join(f"`{p}`" for p in sorted(a - b)) or "none"
    return f"{other}: top group gains {gained}, loses {lost}; {core}.\n"


def core_agreement(first: pd.DataFrame, second: pd.DataFrame, measure: str) -> str:
    """'the same core', 'cores agree' (each run's core lies in the other's core or borderline) or
    'cores disagree' (a parameter one run calls core is out of the other's headline)."""
    cores = headline(first, measure, "core"), headline(second, measure, "core")
    if cores[0] == cores[1]:
        return "the same core"
    heads = headline(first, measure, "core", "borderline"), headline(second, measure, "core", "borderline")
    return "cores agree" if cores[0] <= heads[1] and cores[1] <= heads[0] else "cores disagree"


def halves(folder: str | Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The indices of a Morris run's first and second half of trajectories: two independent designs
    of half the size (Morris trajectories are independent draws), as two sampler seeds would give."""
    from .experiment import load_experiment

    exp = load_experiment(Path(folder) / "experiment.toml")
    X, _ = sample_points(exp)
    prob, _ = problem(exp)
    k = prob["num_vars"] + 1
    half = len(X) // k // 2
    timeseries, runs = pd.read_parquet(Path(folder) / "timeseries"), pd.read_parquet(Path(folder) / "runs.parquet")
    rows: tuple[list, list] = ([], [])
    for measure in exp.sensitivity.measures:
        Y = outputs(timeseries, runs, measure, exp.sensitivity.statistic, len(X))
        for j, part in enumerate((slice(0, half * k), slice(half * k, 2 * half * k))):
            rows[j].extend(morris_rows(prob, X[part], Y[part], exp.sensitivity.levels, sampler_seed(exp) + j, measure))
    return rank_groups(pd.DataFrame(rows[0])), rank_groups(pd.DataFrame(rows[1]))


def first_trajectories(folder: str | Path, k: int) -> pd.DataFrame:
    """The indices of a Morris run's first `k` trajectories, once every run of them has finished:
    what `govsim sensitivity` gives with `trajectories = k` (SALib's sample of k trajectories is the
    first k of a larger one with the same sampler seed, and each trajectory's runs have the same
    ids, seeds and values). So a run stopped early (a machine's load, a deadline) is analysed on
    the trajectories it finished."""
    from .experiment import load_experiment

    folder = Path(folder)
    exp = load_experiment(folder / "experiment.toml")
    if exp.sensitivity.method != "morris":
        raise ScenarioError(f"{folder}: a {exp.sensitivity.method} analysis; expected a Morris one for --first")
    X, _ = sample_points(exp)
    prob, _ = problem(exp)
    n = k * (prob["num_vars"] + 1)
    if k < 2 or n > len(X):
        raise ScenarioError(f"--first {k}: expected 2 to {len(X) // (prob['num_vars'] + 1)} trajectories")
    runs = pd.read_parquet(folder / "runs.parquet")
    runs = runs[(runs["point"] < n) & (runs["status"] == "ok")]
    done = runs.groupby("point").size().reindex(range(n), fill_value=0)
    if (done < exp.experiment.replications).any():
        missing = int((done < exp.experiment.replications).sum())
        raise ScenarioError(f"--first {k}: {missing} point(s) of the first {k} trajectories have unfinished runs")
    timeseries = pd.read_parquet(folder / "timeseries", filters=[("run_id", "in", list(runs["run_id"]))])
    rows = []
    for measure in exp.sensitivity.measures:
        Y = outputs(timeseries, runs, measure, exp.sensitivity.statistic, n)
        rows += morris_rows(prob, X[:n], Y, exp.sensitivity.levels, sampler_seed(exp), measure)
    return rank_groups(pd.DataFrame(rows))


def stability(first: pd.DataFrame, second: pd.DataFrame) -> str:
    """One line: over the measures some parameter moves, how two runs' top groups and cores compare."""
    moved = [m for m, t in first.groupby("measure", sort=False) if t["mu_star"].max() > 0]
    same = sum(top_group(first, m) == top_group(second, m) for m in moved)
    verdicts = [core_agreement(first, second, m) for m in moved]
    return (
        f"{len(moved)} measures moved: the same top group for {same}; the same core for "
        f"{verdicts.count('the same core')}, cores agree for {verdicts.count('cores agree')}, "
        f"disagree for {verdicts.count('cores disagree')}"
    )


def main(argv: list[str] | None = None) -> int:
    """`python -m sim.runner.sensitivity DIR [DIR2 | --halves | --first K]`: the top five per measure
    as Markdown, and how a second run of the same design with another sampler seed (DIR2), or the
    other half of DIR's trajectories (--halves: each half against the other), reads each measure.
    --first K: the indices of DIR's first K trajectories (a Morris run stopped early), also written
    to DIR/sensitivity-first-K.parquet."""
    import sys

    args = list(argv if argv is not None else sys.argv[1:])
    k = None
    if "--first" in args:
        i = args.index("--first")
        if i + 1 >= len(args) or not args[i + 1].isdigit():
            raise SystemExit("--first: expected a number of trajectories")
        k = int(args.pop(i + 1))
        args.pop(i)
    split = "--halves" in args
    folders = [a for a in args if a != "--halves"] or ["results/sensitivity"]
    if k is not None:  # the first K trajectories of a Morris run stopped early
        from ..io import write_atomic

        table = first_trajectories(folders[0], k)
        path = Path(folders[0]) / f"sensitivity-first-{k}.parquet"
        write_atomic(path, lambda p: table.to_parquet(p, index=False))
        print(f"First {k} trajectories of {folders[0]} (written to {path}).\n")
        tables = [table]
    elif split:  # the run's two halves of trajectories, as two designs of half its size
        tables = list(halves(folders[0]))
        print(f"Halves of {folders[0]}: {stability(*tables)}.\n")
    else:
        tables = [pd.read_parquet(f"{folder}/sensitivity.parquet") for folder in folders]
        if len(tables) > 1:
            print(f"{folders[0]} against {folders[1]}: {stability(*tables)}.\n")
    for measure in dict.fromkeys(tables[0]["measure"]):
        print(f"### {measure}\n")
        print(markdown_top(tables[0], measure))
        if len(tables) > 1:
            print(compare_runs(tables[0], tables[1], measure, "Other half" if split else "Other sampler seed"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
