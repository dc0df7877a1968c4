"""The report of a calibration folder (`govsim report DIR` on the output of `govsim calibrate`):
prior against posterior per parameter, the pairwise posterior, the posterior predictive against
every target (fitted and held out) with intervals, and ESS and acceptance per generation."""

from __future__ import annotations

import html
import math
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.offline import get_plotlyjs
from plotly.subplots import make_subplots
from scipy import stats as st

from .. import __version__
from ..io import write_atomic
from ..scenario import ScenarioError

PRED_COLUMNS = [
    "target",
    "role",
    "scenario",
    "date",
    "statistic",
    "value",
    "uncertainty",
    "q05",
    "q50",
    "q95",
    "inside",
]
PRED_COLUMNS += ["source"]
FILES = ("calibration.toml", "posterior.parquet", "predictive.parquet", "generations.parquet")


def is_calibration(folder: Path) -> bool:
    """A folder written by `govsim calibrate` (not a sweep's)."""
    return (folder / "posterior.parquet").exists() and (folder / "calibration.toml").exists()


def _prior_density(prior: dict, x: np.ndarray) -> np.ndarray:
    d = prior.get("dist")
    if d == "uniform":
        return st.uniform(prior["low"], prior["high"] - prior["low"]).pdf(x)
    if d == "normal":
        return st.norm(prior["mean"], prior["sd"]).pdf(x)
    return st.lognorm(prior["sigma"], 0, prior["median"]).pdf(x)


def _prior_range(prior: dict, post: pd.Series) -> tuple[float, float]:
    d = prior.get("dist")
    if d == "uniform":
        return prior["low"], prior["high"]
    if d == "normal":
        return prior["mean"] - 3 * prior["sd"], prior["mean"] + 3 * prior["sd"]
    return post.min() * 0.5, post.max() * 1.5


def marginals_figure(posterior: pd.DataFrame, priors: dict) -> go.Figure:
    """Per parameter: the posterior's weighted histogram (density) over the prior's density."""
    keys = [c for c in posterior.columns if c != "weight"]
    cols = min(3, len(keys))
    rows = math.ceil(len(keys) / cols)
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=keys)
    w = posterior["weight"].to_numpy(float)
    for i, k in enumerate(keys):
        r, c = i // cols + 1, i % cols + 1
        lo, hi = _prior_range(
            priors.get(k, {"dist": "uniform", "low": posterior[k].min(), "high": posterior[k].max()}), posterior[k]
        )
        density, edges = np.histogram(posterior[k], bins=15, range=(lo, hi), weights=w, density=True)
        mids = 0.5 * (edges[1:] + edges[:-1])
        fig.add_bar(
            x=mids,
            y=density,
            width=edges[1] - edges[0],
            marker_color="#3b7dd8",
            opacity=0.7,
            name="posterior",
            showlegend=i == 0,
            row=r,
            col=c,
        )
        if k in priors:
            x = np.linspace(lo, hi, 200)
            fig.add_scatter(
                x=x,
                y=_prior_density(priors[k], x),
                mode="lines",
                line={"color": "#999", "dash": "dash"},
                name="prior",
                showlegend=i == 0,
                row=r,
                col=c,
            )
    fig.update_layout(height=260 * rows, margin={"t": 40, "l": 40, "r": 20, "b": 30}, bargap=0)
    return fig


def pairs_figure(posterior: pd.DataFrame) -> go.Figure:
    """Pairwise posterior: a scatter matrix, marker size by weight."""
    keys = [c for c in posterior.columns if c != "weight"]
    w = posterior["weight"].to_numpy(float)
    size = 4 + 12 * w / w.max() if len(w) and w.max() > 0 else 6
    fig = go.Figure(
        go.Splom(
            dimensions=[{"label": k.rsplit(".", 1)[-1], "values": posterior[k]} for k in keys],
            marker={"size": size, "color": "#3b7dd8", "opacity": 0.6},
            diagonal_visible=False,
            showupperhalf=False,
        )
    )
    fig.update_layout(height=max(400, 130 * len(keys)), margin={"t": 20, "l": 60, "r": 20, "b": 60})
    return fig


def predictive_figure(pred: pd.DataFrame) -> go.Figure:
    """Every target on one scale: (statistic - fact) / the fact's uncertainty. The fact sits
    at 0 with its ±1 band; each bar is the posterior predictive 5-95% interval, the dot its
    median."""
    fig = go.Figure()
    names = pred["target"].tolist()
    fig.add_vrect(x0=-1, x1=1, fillcolor="#e3f3e3", line_width=0, layer="below")
    for role, colour in (("fit", "#3b7dd8"), ("holdout", "#d8763b")):
        p = pred[pred["role"] == role]
        if p.empty:
            continue
        z = lambda col, p=p: (p[col] - p["value"]) / p["uncertainty"]  # noqa: E731
        mid = z("q50")
        bars = {"type": "data", "symmetric": False, "array": z("q95") - mid, "arrayminus": mid - z("q05")}
        fig.add_scatter(
            x=mid, y=p["target"], mode="markers", marker={"color": colour, "size": 9}, name=role, error_x=bars
        )
    fig.add_vline(x=0, line_color="#333")
    fig.update_layout(
        height=120 + 34 * len(names),
        xaxis_title="(posterior predictive − fact) / fact's uncertainty",
        yaxis={"categoryorder": "array", "categoryarray": names[::-1]},
        margin={"t": 20, "l": 220, "r": 20, "b": 50},
    )
    return fig


def generations_figure(gens: pd.DataFrame) -> go.Figure:
    fig = make_subplots(rows=1, cols=3, subplot_titles=("epsilon", "acceptance rate", "effective sample size"))
    for i, col in enumerate(("epsilon", "acceptance", "ess")):
        fig.add_scatter(x=gens["generation"], y=gens[col], mode="lines+markers", showlegend=False, row=1, col=i + 1)
    fig.update_xaxes(title_text="generation", dtick=1)
    fig.update_layout(height=300, margin={"t": 40, "l": 40, "r": 20, "b": 40})
    return fig


def _table(df: pd.DataFrame, fmt: dict[str, str]) -> str:
    head = "".join(f"<th>{html.escape(c)}</th>" for c in df.columns)
    rows = []
    for _, r in df.iterrows():
        cells = []
        for c in df.columns:
            v = r[c]
            text = format(v, fmt[c]) if c in fmt and isinstance(v, int | float | np.floating) else str(v)
            cells.append(f"<td class={'l' if c not in fmt else 'num'}>{html.escape(text)}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return f"<div class=scroll><table><tr>{head}</tr>{''.join(rows)}</table></div>"


def _misses(pred: pd.DataFrame) -> str:
    """Plain sentences for the targets the posterior predictive misses."""
    out = pred[~pred["inside"]]
    if out.empty:
        return "<p>Every target's value lies inside its posterior predictive 5-95% interval.</p>"
    items = "".join(
        f"<li><b>{html.escape(r.target)}</b> ({r.role}): the fact is {r.value:.4g}, the model gives {r.q05:.4g} to "
        f"{r.q95:.4g} (median {r.q50:.4g}), {abs(r.z):.1f} of the fact's uncertainty "
        f"{'below' if r.z < 0 else 'above'}.</li>"
        for r in out.itertuples()
    )
    head = f"Misses: {len(out)} of {len(pred)} target(s) lie outside the 5-95% interval."
    return f"<div class=warn>{head}<ul>{items}</ul></div>"


def build(folder: Path) -> str:
    for name in FILES:
        if not (folder / name).exists():
            raise ScenarioError(f"{folder}: no {name}; expected a folder written by `govsim calibrate`")
    meta = tomllib.loads((folder / "calibration.toml").read_text(encoding="utf-8"))
    priors = meta.get("priors", {})
    cal = meta.get("calibration", {})
    posterior = pd.read_parquet(folder / "posterior.parquet")
    pred = pd.read_parquet(folder / "predictive.parquet")
    gens = pd.read_parquet(folder / "generations.parquet")
    from .html import CSS

    sections = [
        (
            "Posterior predictive against every target",
            _misses(pred)
            + "{fig:predictive}"
            + _table(pred[PRED_COLUMNS], {k: ".4g" for k in ("value", "uncertainty", "q05", "q50", "q95")}),
            predictive_figure(pred),
        ),
        ("Prior and posterior of each parameter", "", marginals_figure(posterior, priors)),
        ("Pairwise posterior", "", pairs_figure(posterior)),
        (
            "Generations: epsilon, acceptance and effective sample size",
            _table(gens, {"epsilon": ".4g", "acceptance": ".1%", "ess": ".1f"}),
            generations_figure(gens),
        ),
    ]
    parts = []
    for i, (title, text, fig) in enumerate(sections):
        div = fig.to_html(full_html=False, include_plotlyjs=False, div_id=f"fig-{i}", config={"displaylogo": False})
        body = (
            text.replace("{fig:predictive}", f"<div class=fig>{div}</div>")
            if "{fig:" in text
            else (f"<div class=fig>{div}</div>" + text)
        )
        parts.append(f"<section><h2>{html.escape(title)}</h2>{body}</section>")
    name = html.escape(str(cal.get("name", folder.name)))
    sub = (
        f"ABC-SMC (pyabc): {len(posterior)} particles x {len(gens)} generation(s), {cal.get('seeds', '?')} seed(s) "
        f"per particle; fitted: {', '.join(cal.get('fit', []))}; "
        f"held out: {', '.join(cal.get('holdout', [])) or 'none'}"
    )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Calibration: {name}</title>
<style>{CSS}</style><script type="text/javascript">{get_plotlyjs()}</script></head><body>
<header><h1>Calibration: {name}</h1><p>{html.escape(sub)}</p></header>
<main>{"".join(parts)}<p class=note>govsim {__version__}; {html.escape(str(folder))}</p></main></body></html>
"""


def write_calibration_report(folder: Path, out: Path) -> Path:
    write_atomic(out, build(Path(folder)))
    return out
