"""Seed noise against the Morris effects of the diffusion screen (docs/diffusion.md, "Screening (Morris)").

    python experiments/diffusion_screen_noise.py runs/diffusion_screen [--seeds 20] [--pairs 10] [--workers 1]
        [--out docs/diffusion_screen] [--figure docs/img/diffusion-screen.png] [--indices FILE]

Reads a finished `govsim sensitivity experiments/diffusion_screen.toml` folder and
1. runs its scenario at the default values with `--seeds` seeds (1..N): each output's seed s.d. σ
   (what a repeated base point gives);
2. turns σ into the *noise floor* of an elementary effect, the mean |EE| of a parameter that moves
   nothing but whose two points' runs are as different as two sets of seeds:
   2 / sqrt(π R) × σ / Δ (R seeds averaged per point, Δ the Morris step on the unit range). Paired seeds
   make the real noise smaller, so a μ* below the floor is not shown to be more than seed noise;
3. runs the two parameters the review asked about at both ends of their screened ranges, every other
   value at its default, with `--pairs` paired seeds: `unify_learning` and the three
   `mandate_attention` values together; the mean paired difference (high - low) and its standard error;
4. writes OUT/runs.csv (every run of 1. and 3.; read back instead of re-running when it holds
   them), OUT/indices.csv (μ*, its 95% interval, σ, μ per parameter and output), OUT/noise.csv
   (σ and the floor per output), OUT/ends.csv (3.) and, with --figure, a heat map of μ* / floor;
   prints the tables as Markdown.
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import math
from pathlib import Path

import numpy as np
import pandas as pd

from sim.runner.experiment import load_experiment


def value(frame: pd.DataFrame, measure: str) -> float:
    """A run's output as the screen reads it: `NAME@YYYY-MM` that month, else the last month."""
    name, dated, date = measure.partition("@")
    row = frame[frame["date"] == date] if dated else frame.iloc[[-1]]
    return float(row[name].iloc[-1])


def run(scenario: str, seed: int, overrides: dict, measures: list[str]) -> list[float]:
    from sim.diffusion.run import run_seed

    frame = run_seed(scenario, seed, None, overrides).timeseries()
    return [value(frame, m) for m in measures]


def many(jobs: list[tuple], workers: int) -> list[list[float]]:
    if workers <= 1:
        return [run(*j) for j in jobs]
    with cf.ProcessPoolExecutor(workers) as ex:
        return list(ex.map(run, *zip(*jobs, strict=True)))


def ends(exp, keys: list[str]) -> tuple[dict, dict]:
    """The low and the high end of the screened range of each key."""
    ranges = exp.ranges()
    return {k: ranges[k].low for k in keys}, {k: ranges[k].high for k in keys}


def runs_table(exp, scenario: str, measures: list[str], variants: dict, args) -> pd.DataFrame:
    """The base runs (seeds 1..--seeds) and both ends of each variant (seeds 1..--pairs): read from
    OUT/runs.csv when it holds them all, else run and written there."""
    path = args.out / "runs.csv"
    jobs = [("base", "", s, {}) for s in range(1, args.seeds + 1)]
    for label, keys in variants.items():
        for end, point in zip(("low", "high"), ends(exp, keys), strict=True):
            jobs += [(label, end, s, point) for s in range(1, args.pairs + 1)]
    want = {(v, e, s) for v, e, s, _ in jobs}
    if path.is_file():
        raw = pd.read_csv(path, keep_default_na=False)
        have = set(zip(raw["variant"], raw["end"], raw["seed"], strict=True))
        if want <= have and set(measures) <= set(raw.columns):
            return raw
    values = many([(scenario, s, point, measures) for _, _, s, point in jobs], args.workers)
    raw = pd.DataFrame([{"variant": v, "end": e, "seed": s} for v, e, s, _ in jobs])
    raw[measures] = np.array(values)
    args.out.mkdir(parents=True, exist_ok=True)
    raw.to_csv(path, index=False)
    return raw


def short(measure: str) -> str:
    return measure.replace("provinces_", "").replace("diffusion.", "")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("folder", type=Path)
    ap.add_argument("--seeds", type=int, default=20)
    ap.add_argument("--pairs", type=int, default=10)
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--out", type=Path, default=Path("docs/diffusion_screen"))
    ap.add_argument("--figure", type=Path, default=None)
    ap.add_argument(
        "--indices", type=Path, default=None, help="indices file (default DIR/sensitivity.parquet; or --first K's)"
    )
    args = ap.parse_args(argv)

    exp = load_experiment(args.folder / "experiment.toml")
    scenario, sens = exp.experiment.scenarios[0], exp.sensitivity
    measures, R = list(sens.measures), exp.experiment.replications
    delta = sens.levels / (2 * (sens.levels - 1))  # SALib's Morris step on the unit range
    variants = {
        "unify_learning": ["diffusion.choice.unify_learning"],
        "mandate_attention": [k for k in exp.ranges() if k.startswith("diffusion.mandate_attention.")],
    }
    raw = runs_table(exp, scenario, measures, variants, args)  # every run, kept in OUT/runs.csv

    def values(variant: str, end: str) -> np.ndarray:
        return raw[(raw["variant"] == variant) & (raw["end"] == end)].sort_values("seed")[measures].to_numpy()

    base = values("base", "")
    sd = base.std(axis=0, ddof=1)
    floor = 2 / math.sqrt(math.pi * R) * sd / delta
    noise = pd.DataFrame({"measure": measures, "base_mean": base.mean(axis=0), "seed_sd": sd, "floor": floor})
    table = pd.read_parquet(args.indices or args.folder / "sensitivity.parquet")

    rows = []
    for label in variants:
        d = values(label, "high") - values(label, "low")
        se = d.std(axis=0, ddof=1) / math.sqrt(len(d))
        for j, m in enumerate(measures):
            rows.append(
                {
                    "variant": label,
                    "measure": m,
                    "diff": d[:, j].mean(),
                    "se": se[j],
                    "changed": int((d[:, j] != 0).sum()),
                }
            )
    pairs = pd.DataFrame(rows)

    args.out.mkdir(parents=True, exist_ok=True)
    cols = ["measure", "parameter", "mu_star", "mu_star_conf", "sigma", "mu", "group", "headline"]
    table[cols].to_csv(args.out / "indices.csv", index=False, float_format="%.5g")
    noise.to_csv(args.out / "noise.csv", index=False, float_format="%.5g")
    pairs.to_csv(args.out / "ends.csv", index=False, float_format="%.5g")

    # Markdown
    print(f"Seed noise: {args.seeds} seeds at the defaults; floor = 2/sqrt(pi*{R}) x sd / {delta:.3g}\n")
    print("| output | mean | seed s.d. | floor | parameters above the floor: μ* − 95% > floor; μ* (σ) |")
    print("|---|---|---|---|---|")
    for m, mean, s, f in noise.itertuples(index=False):
        t = table[table["measure"] == m]
        above = t[t["mu_star"] - t["mu_star_conf"] > f].sort_values("mu_star", ascending=False)
        names = ", ".join(
            f"`{short(p)}` {v:.3g} ({sg:.3g})"
            for p, v, sg in zip(above["parameter"], above["mu_star"], above["sigma"], strict=True)
        )
        print(f"| `{short(m)}` | {mean:.3g} | {s:.3g} | {f:.3g} | {names or '–'} |")
    print(f"\nBoth ends of the range, {args.pairs} paired seeds (mean high − low ± s.e.; seeds changed):\n")
    print("| output | seed s.d. | " + " | ".join(variants) + " |")
    print("|---|---|" + "---|" * len(variants))
    for m, s in zip(measures, sd, strict=True):
        cells = []
        for label in variants:
            r = pairs[(pairs["variant"] == label) & (pairs["measure"] == m)].iloc[0]
            cells.append(f"{r['diff']:+.3g} ± {r['se']:.2g} ({r['changed']}/{args.pairs})")
        print(f"| `{short(m)}` | {s:.3g} | " + " | ".join(cells) + " |")
    print("\nPer parameter: the outputs it moves beyond the floor (μ* / floor), largest first:\n")
    print("| parameter | outputs above the floor | largest μ* / floor |")
    print("|---|---|---|")
    t = table.merge(noise[["measure", "floor"]], on="measure")
    t["ratio"] = t["mu_star"] / t["floor"]
    t["above"] = t["mu_star"] - t["mu_star_conf"] > t["floor"]
    order = t.groupby("parameter")["ratio"].max().sort_values(ascending=False).index
    for p in order:
        x = t[t["parameter"] == p].sort_values("ratio", ascending=False)
        moved = ", ".join(
            f"`{short(m)}` {r:.1f}" for m, r, a in zip(x["measure"], x["ratio"], x["above"], strict=True) if a
        )
        best = f"{x['ratio'].iloc[0]:.2f} (`{short(x['measure'].iloc[0])}`)"
        print(f"| `{short(p)}` | {int(x['above'].sum())}: {moved or '–'} | {best} |")
    if args.figure:
        figure(table, noise, args.figure)
    return 0


def figure(table: pd.DataFrame, noise: pd.DataFrame, path: Path) -> None:
    """μ* / noise floor per parameter (rows, by their largest ratio) and output (columns)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ratio = table.pivot(index="parameter", columns="measure", values="mu_star")[list(noise["measure"])]
    ratio = ratio / noise.set_index("measure")["floor"].replace(0, np.nan)
    ratio = ratio.loc[ratio.max(axis=1).sort_values(ascending=False).index]
    fig, ax = plt.subplots(figsize=(11, 10))
    shown = np.log10(ratio.clip(lower=0.1).fillna(0.1))
    im = ax.imshow(shown.to_numpy(), cmap="RdBu_r", vmin=-1, vmax=1, aspect="auto")
    ax.set_xticks(range(len(ratio.columns)), [short(m) for m in ratio.columns], rotation=60, ha="right", fontsize=8)
    ax.set_yticks(range(len(ratio.index)), [short(p) for p in ratio.index], fontsize=8)
    for i in range(ratio.shape[0]):
        for j in range(ratio.shape[1]):
            v = ratio.iat[i, j]
            if np.isfinite(v) and v >= 1:
                ax.text(j, i, f"{v:.0f}" if v >= 10 else f"{v:.1f}", ha="center", va="center", fontsize=6)
    bar = fig.colorbar(im, ax=ax, shrink=0.6, ticks=[-1, 0, 1])
    bar.ax.set_yticklabels(["≤ 0.1", "1 (seed noise)", "≥ 10"])
    bar.set_label("μ* / noise floor")
    ax.set_title("Diffusion screen: Morris μ* over the seed-noise floor (numbers: ratio ≥ 1)", fontsize=10)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)


if __name__ == "__main__":
    raise SystemExit(main())
