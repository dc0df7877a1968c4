"""Scenario discovery with PRIM (Friedman & Fisher 1999; Bryant & Lempert 2010), through EMA
Workbench's implementation (`ema_workbench.analysis.prim.Prim`).

The inputs are a sweep's runs: each run's lever and uncertainty values (the parameter
columns of runs.parquet, which include calibrated parameters swept as uncertainties) and,
with several scenario files, the scenario. A run is a *case of interest* when its outcome
(the measure's last month, or its mean over the months) is above (or below) the threshold.
PRIM peels the parameter space into a box where cases concentrate; each point of its
peeling trajectory trades coverage (share of all cases inside the box) for density (share
of the box's runs that are cases). The chosen box: among those with at least
`--min-coverage` coverage and within 0.05 of the best density, the one with the fewest
restricted dimensions (then the most coverage).
"""

from __future__ import annotations

import argparse
import logging
import sys
import tomllib
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from ..catalogue import MEASURES
from ..io import write_atomic
from ..scenario import ScenarioError


def read_cases(folder: Path, outcome: str, at: str) -> tuple[pd.DataFrame, pd.Series]:
    """The parameters (one column per varied lever/uncertainty, and the scenario when
    several) and the outcome of every successful run of a sweep results folder."""
    if not folder.is_dir():
        raise ScenarioError(f"{folder}: no such folder; expected a `govsim sweep` results folder")
    if outcome not in MEASURES:
        raise ScenarioError(f"--outcome {outcome}: unknown measure; expected one of `govsim measures`")
    runs_path = folder / "runs.parquet"
    if not runs_path.exists() and (folder / "design.toml").exists():
        raise ScenarioError(
            f"{folder}: a `govsim design` folder; expected a sweep's results folder, or one of its "
            "generations kept with --keep-runs (DIR/runs/gen-NNNN)"
        )
    if not runs_path.exists():
        raise ScenarioError(f"{folder}: no runs.parquet; expected a `govsim sweep` results folder")
    try:
        meta = tomllib.loads((folder / "experiment.toml").read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        meta = {}
    runs = pd.read_parquet(runs_path)
    runs = runs[runs["status"] == "ok"]
    if runs.empty or not (folder / "timeseries").is_dir():
        raise ScenarioError(f"{folder}: no finished runs; expected a sweep with at least one successful run")
    ts = pd.read_parquet(folder / "timeseries", columns=["run_id", "step", outcome])
    ts = ts[ts["run_id"].isin(runs["run_id"])]
    g = ts.sort_values("step").groupby("run_id")
    y = g[outcome].last() if at == "final" else ts[ts["step"] >= 1].groupby("run_id")[outcome].mean()
    params = [k for k in (*meta.get("levers", {}), *meta.get("uncertainties", {})) if k in runs.columns]
    x = runs.set_index("run_id")[params].copy()
    if runs["scenario"].nunique() > 1:
        x["scenario_file"] = runs.set_index("run_id")["scenario"]  # PRIM drops a column called `scenario`
    x = x.loc[y.index]
    x = x[[c for c in x.columns if x[c].nunique(dropna=False) > 1]]
    return x, y


MAX_LEVELS = 8  # a number column with a missing value and at most this many values is read as categories


def _prim_ready(x: pd.DataFrame) -> pd.DataFrame:
    """PRIM peels numbers and categories. Booleans and text become categories; a missing
    value (a lever a reference scenario does not use, a design's moot lever) is `n/a`: its
    own category in a column of few values, else a value a tenth of the range below the
    column's range (`moot_below` in `attrs`), so a box reaching down to it includes those runs."""
    out = pd.DataFrame(index=x.index)
    out.attrs["moot_below"] = {}
    for c in x.columns:
        col = x[c]
        numeric = pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col)
        if numeric and col.isna().any() and col.nunique() > MAX_LEVELS:
            lo, hi = float(col.min()), float(col.max())
            sentinel = lo - 0.1 * ((hi - lo) or 1.0)
            out[c] = col.astype("float64").fillna(sentinel)
            out.attrs["moot_below"][c] = lo
        elif not numeric or col.isna().any():
            out[c] = col.map(_category)
        else:  # whole numbers too: EMA Workbench 3.0's integer pasting fails under pandas 3
            out[c] = col.astype("float64")
    return out


def _category(v) -> str:
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return "n/a"
    return f"{v:g}" if isinstance(v, float) else str(v).lower()


def find_boxes(x: pd.DataFrame, cases: np.ndarray, n_boxes: int = 1, min_coverage: float = 0.5, **kwargs):
    """Run PRIM; return [(box, chosen trajectory index)] for up to `n_boxes` boxes."""
    with warnings.catch_warnings():  # ema_workbench warns about optional parallel back-ends it lacks
        warnings.simplefilter("ignore")
        from ema_workbench.analysis import prim

    logging.getLogger("EMA").setLevel(logging.WARNING)
    with warnings.catch_warnings():  # its own use of pandas' deprecated inplace=
        warnings.simplefilter("ignore")
        ready = _prim_ready(x)
        p = prim.Prim(ready.reset_index(drop=True), cases.astype(int), **kwargs)
        p.moot_below = ready.attrs["moot_below"]
    found = []
    for _ in range(n_boxes):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            box = p.find_box()
        if box is None:
            break
        found.append((box, choose(box.peeling_trajectory, min_coverage)))
    return p, found


DENSITY_SLACK = 0.05  # a box this much less dense but simpler (fewer restricted dimensions) is preferred


def choose(traj: pd.DataFrame, min_coverage: float) -> int:
    """Among the boxes with enough coverage, the simplest (fewest restricted dimensions) of
    those within DENSITY_SLACK of the best density, then the one with most coverage: the
    last peels of a trajectory buy a little density with restrictions that fit noise."""
    ok = traj[traj["coverage"] >= min_coverage]
    if ok.empty:
        return 0
    near = ok[ok["density"] >= ok["density"].max() - DENSITY_SLACK]
    return int(near.sort_values(["res_dim", "coverage"], ascending=[True, False]).index[0])


def box_row(p, box, i: int, n: int) -> dict:
    """One boxes.csv row: the box's statistics and the bounds of each restricted dimension."""
    from ema_workbench.analysis.scenario_discovery_util import _determine_restricted_dims

    t = box.peeling_trajectory.iloc[i]
    lims = box.box_lims[i]
    row = {
        "box": n,
        "trajectory_point": i,
        "coverage": float(t["coverage"]),
        "density": float(t["density"]),
        "mass": float(t["mass"]),
        "runs": int(t["n"]),
        "restricted": int(t["res_dim"]),
    }
    for dim in _determine_restricted_dims(lims, p.box_init):
        lo, hi = lims[dim].iloc[0], lims[dim].iloc[1]
        if isinstance(lo, set):
            row[f"{dim}:values"] = "|".join(sorted(map(str, lo)))
        else:
            row[f"{dim}:low"], row[f"{dim}:high"] = float(lo), float(hi)
    return row


def sentence(row: dict, outcome: str, threshold: float, above: bool, share: float, p) -> str:
    """The box in one English sentence."""
    parts = []
    for key in [k for k in row if ":" in k]:
        dim, what = key.rsplit(":", 1)
        if what == "values":
            parts.append(f"{dim} is {' or '.join(row[key].split('|'))}")
        elif what == "low":
            parts.append(_bounds(dim, row[key], row[f"{dim}:high"], p))
    side = "above" if above else "below"
    where = " and ".join(parts) if parts else "anywhere (no restriction found)"
    return (
        f"{outcome} ends {side} {threshold:g} in {row['density']:.0%} of the runs where {where} "
        f"(against {share:.0%} of all runs; the box holds {row['coverage']:.0%} of those cases)"
    )


def _bounds(dim: str, lo: float, hi: float, p) -> str:
    full_lo, full_hi = float(p.box_init[dim].iloc[0]), float(p.box_init[dim].iloc[1])
    moot = getattr(p, "moot_below", {}).get(dim)
    if moot is not None and lo < moot:  # the box reaches the runs where the lever is moot
        return f"{dim} is at most {hi:.3g} or n/a" if hi < full_hi else f"{dim} is set or n/a"
    if moot is not None and lo > full_lo and hi >= full_hi:
        return f"{dim} is at least {lo:.3g}"
    if lo > full_lo and hi < full_hi:
        return f"{dim} is between {lo:.3g} and {hi:.3g}"
    return f"{dim} is at least {lo:.3g}" if lo > full_lo else f"{dim} is at most {hi:.3g}"


def discover(args: argparse.Namespace) -> int:
    if args.boxes < 1:
        raise ScenarioError(f"--boxes {args.boxes}: expected a number >= 1")
    if not 0 <= args.min_coverage <= 1:
        raise ScenarioError(f"--min-coverage {args.min_coverage}: expected a share between 0 and 1")
    x, y = read_cases(args.results, args.outcome, args.at)
    if x.shape[1] == 0:
        raise ScenarioError(f"{args.results}: no lever or uncertainty varies across its runs; nothing to discover")
    cases = (y > args.threshold) if args.above else (y < args.threshold)
    side = "above" if args.above else "below"
    if not cases.any() or cases.all():
        what = "no" if not cases.any() else "every"
        raise ScenarioError(
            f"--threshold {args.threshold:g}: {what} run has {args.outcome} {side} it "
            f"(range {y.min():.4g} to {y.max():.4g}); expected a threshold that splits the runs"
        )
    p, found = find_boxes(x, cases.to_numpy(), args.boxes, args.min_coverage)
    out = args.out or args.results / f"discover_{args.outcome}"
    rows = [box_row(p, box, i, n) for n, (box, i) in enumerate(found)]
    table = pd.DataFrame(rows)
    write_atomic(out / "boxes.csv", table.to_csv(index=False))
    trajectories = pd.concat([b.peeling_trajectory.assign(box=n) for n, (b, _) in enumerate(found)], ignore_index=True)
    write_atomic(out / "trajectory.csv", trajectories.to_csv(index=False))
    text = [sentence(r, args.outcome, args.threshold, args.above, float(cases.mean()), p) for r in rows]
    write_atomic(out / "boxes.txt", "\n".join(text) + "\n")
    _figure(found, p, out / "discover.html", f"{args.outcome} {side} {args.threshold:g}")
    print("\n".join(text))
    print(f"boxes: {out / 'boxes.csv'}; figure: {out / 'discover.html'}", file=sys.stderr)
    return 0


def _figure(found, p, path: Path, title: str) -> None:
    """Peeling trajectory (coverage against density, the chosen box marked) and the chosen
    box's limits on each restricted dimension, as a share of its full range."""
    from plotly.subplots import make_subplots

    fig = make_subplots(rows=1, cols=2, subplot_titles=("peeling trajectory", "box limits (share of range)"))
    for n, (box, i) in enumerate(found):
        t = box.peeling_trajectory
        fig.add_scatter(
            x=t["coverage"],
            y=t["density"],
            mode="lines+markers",
            name=f"box {n}",
            text=[f"point {k}: {r} restricted" for k, r in enumerate(t["res_dim"])],
            row=1,
            col=1,
        )
        fig.add_scatter(
            x=[t["coverage"].iloc[i]],
            y=[t["density"].iloc[i]],
            mode="markers",
            name=f"box {n} chosen",
            marker={"size": 14, "symbol": "star"},
            row=1,
            col=1,
        )
        _limits(fig, p, box, i, n)
    fig.update_xaxes(title_text="coverage", row=1, col=1)
    fig.update_yaxes(title_text="density", row=1, col=1)
    fig.update_xaxes(range=[0, 1], title_text="share of the sampled range", row=1, col=2)
    fig.update_layout(title=f"Scenario discovery (PRIM): {title}", barmode="overlay", height=480)
    write_atomic(path, lambda tmp: fig.write_html(tmp, include_plotlyjs=True, full_html=True))


def _limits(fig, p, box, i: int, n: int) -> None:
    from ema_workbench.analysis.scenario_discovery_util import _determine_restricted_dims

    lims = box.box_lims[i]
    dims = list(_determine_restricted_dims(lims, p.box_init))
    base, width, labels = [], [], []
    for d in dims:
        lo, hi = lims[d].iloc[0], lims[d].iloc[1]
        if isinstance(lo, set):
            full = sorted(map(str, p.box_init[d].iloc[0]))
            base.append(0.0)
            width.append(len(lo) / max(len(full), 1))
            labels.append(f"{d} ∈ {{{', '.join(sorted(map(str, lo)))}}}")
            continue
        flo, fhi = float(p.box_init[d].iloc[0]), float(p.box_init[d].iloc[1])
        span = (fhi - flo) or 1.0
        base.append((float(lo) - flo) / span)
        width.append((float(hi) - float(lo)) / span)
        labels.append(f"{d}: {float(lo):.3g} to {float(hi):.3g}")
    fig.add_bar(y=dims, x=width, base=base, orientation="h", name=f"box {n} limits", text=labels, row=1, col=2)
