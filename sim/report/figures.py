"""Plotly figures of the report, built from stored results only."""

from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go
from plotly.colors import qualitative
from plotly.subplots import make_subplots

from .i18n import measure_name, measure_unit, t
from .load import Results
from .stats import Estimate, band

PALETTE = qualitative.D3 + qualitative.Set2 + qualitative.Dark24
TIMESERIES_MEASURES = (
    "silo_index",
    "duplicated_share",
    "total_it_spending",
    "trips_per_service",
    "online_rate",
    "approval_backlog",
    "operator_markup",
    "government_control",
    "data_monopoly",
    "county_gap",
)
FOCUS = ("baseline", "provincial", "guangdong", "zhejiang", "guizhou")


def colours(variants: list[str]) -> dict[str, str]:
    return {v: PALETTE[i % len(PALETTE)] for i, v in enumerate(variants)}


def _rgba(hex_colour: str, alpha: float) -> str:
    h = hex_colour.lstrip("#")
    if len(h) != 6:
        return hex_colour
    r, g, b = (int(h[i : i + 2], 16) for i in (0, 2, 4))
    return f"rgba({r},{g},{b},{alpha})"


def shown_by_default(variants: list[str], limit: int = 8) -> set[str]:
    """With many variants, start with the baseline and the provincial models visible."""
    if len(variants) <= limit:
        return set(variants)
    focus = [v for v in variants if v.split(" · ")[0] in FOCUS]
    rest = [v for v in variants if v not in focus]
    return set((focus + rest)[:limit])


def timeseries_figure(res: Results, lang: str, measures=TIMESERIES_MEASURES) -> go.Figure:
    measures = [m for m in measures if m in res.timeseries.columns]
    cols = 2
    rows = math.ceil(len(measures) / cols)
    fig = make_subplots(
        rows=rows,
        cols=cols,
        subplot_titles=[f"{measure_name(lang, m)} [{measure_unit(lang, m)}]" for m in measures],
        vertical_spacing=0.08 / max(1, rows / 3),
        horizontal_spacing=0.08,
    )
    col = colours(res.variants)
    shown = shown_by_default(res.variants)
    for i, m in enumerate(measures):
        r, c = i // cols + 1, i % cols + 1
        b = band(res, m)
        for v in res.variants:
            d = b[b["variant"] == v]
            if d.empty:
                continue
            visible = True if v in shown else "legendonly"
            if d["lo"].notna().any():
                fig.add_trace(
                    go.Scatter(
                        x=np.concatenate([d["step"], d["step"][::-1]]),
                        y=np.concatenate([d["hi"], d["lo"][::-1]]),
                        fill="toself",
                        fillcolor=_rgba(col[v], 0.18),
                        line={"width": 0},
                        hoverinfo="skip",
                        legendgroup=v,
                        showlegend=False,
                        visible=visible,
                    ),
                    row=r,
                    col=c,
                )
            fig.add_trace(
                go.Scatter(
                    x=d["step"],
                    y=d["mean"],
                    name=v,
                    legendgroup=v,
                    showlegend=i == 0,
                    line={"color": col[v], "width": 2},
                    visible=visible,
                    hovertemplate=f"{v}<br>month %{{x}}: %{{y:.4g}}<extra></extra>",
                ),
                row=r,
                col=c,
            )
    fig.update_layout(height=260 * rows + 80, margin={"t": 60, "l": 50, "r": 20, "b": 40}, hovermode="closest")
    fig.update_xaxes(title_text=t(lang, "steps"), row=rows)
    return fig


def _err(est: Estimate, flip: bool = False) -> tuple[float, float, float]:
    """value, +error, -error (plotly wants distances); flip turns 'lower is better' around."""
    if not np.isfinite(est.mean):
        return float("nan"), 0.0, 0.0
    mean, lo, hi = (-est.mean, -est.hi, -est.lo) if flip else (est.mean, est.lo, est.hi)
    if not np.isfinite(lo):
        return mean, 0.0, 0.0
    return mean, hi - mean, mean - lo


def tradeoff_figure(res: Results, table, effects, lang: str) -> go.Figure:
    """Silo reduction against duplicated spending saved, operator markup and control."""
    panels = [
        ("duplicated_spending", t(lang, "dup_saved"), True),
        ("operator_markup", measure_name(lang, "operator_markup"), False),
        ("government_control", measure_name(lang, "government_control"), False),
    ]
    fig = make_subplots(rows=1, cols=3, subplot_titles=[p[1] for p in panels], horizontal_spacing=0.07)
    col = colours(res.variants)
    for j, (m, _, is_effect) in enumerate(panels, start=1):
        for v, eff in effects.items():
            x, xp, xm = _err(eff["silo_index"], flip=True)
            y, yp, ym = _err(eff[m], flip=True) if is_effect else _err(table[v][m])
            if not (np.isfinite(x) and np.isfinite(y)):
                continue
            fig.add_trace(
                go.Scatter(
                    x=[x],
                    y=[y],
                    mode="markers+text" if len(effects) <= 12 else "markers",
                    text=[v.split(" · ")[0].removeprefix("reform_")],
                    textposition="top center",
                    textfont={"size": 9},
                    marker={"size": 10, "color": col[v]},
                    error_x={"type": "data", "array": [xp], "arrayminus": [xm], "thickness": 1},
                    error_y={"type": "data", "array": [yp], "arrayminus": [ym], "thickness": 1},
                    name=v,
                    legendgroup=v,
                    showlegend=j == 1,
                    hovertemplate=f"{v}<br>x %{{x:.4g}}<br>y %{{y:.4g}}<extra></extra>",
                ),
                row=1,
                col=j,
            )
        fig.update_xaxes(title_text=t(lang, "silo_reduction"), row=1, col=j, zeroline=True)
    fig.update_layout(height=480, margin={"t": 60, "l": 50, "r": 20, "b": 50})
    return fig


def contributions_figure(effects, measures: list[str], variants: list[str], lang: str) -> go.Figure:
    """Horizontal bars: the effect of each single reform and each provincial model."""
    fig = make_subplots(
        rows=1,
        cols=len(measures),
        subplot_titles=[f"Δ {measure_name(lang, m)}" for m in measures],
        shared_yaxes=True,
        horizontal_spacing=0.03,
    )
    names = [v.split(" · ")[0].removeprefix("reform_") for v in variants]
    for j, m in enumerate(measures, start=1):
        vals = [effects[v][m] for v in variants]
        x = [e.mean for e in vals]
        err_p = [e.hi - e.mean if np.isfinite(e.hi) else 0 for e in vals]
        err_m = [e.mean - e.lo if np.isfinite(e.lo) else 0 for e in vals]
        colour = ["#2a7ab0" if not v.startswith("reform_") else "#8aa5b8" for v in variants]
        fig.add_trace(
            go.Bar(
                x=x,
                y=names,
                orientation="h",
                marker_color=colour,
                error_x={"type": "data", "array": err_p, "arrayminus": err_m, "thickness": 1},
                showlegend=False,
                hovertemplate="%{y}: %{x:.4g}<extra></extra>",
            ),
            row=1,
            col=j,
        )
    fig.update_yaxes(autorange="reversed")
    fig.update_layout(height=max(320, 24 * len(variants) + 120), margin={"t": 60, "l": 160, "r": 20, "b": 40})
    return fig


def sensitivity_figure(sens, lang: str) -> go.Figure:
    """Tornado per measure: Morris mu* (or Sobol ST) with its confidence interval."""
    measures = list(dict.fromkeys(sens["measure"]))
    method = sens["method"].iloc[0]
    key, conf = ("mu_star", "mu_star_conf") if method == "morris" else ("ST", "ST_conf")
    fig = make_subplots(
        rows=1,
        cols=len(measures),
        subplot_titles=[measure_name(lang, m) for m in measures],
        horizontal_spacing=0.06,
    )
    for j, m in enumerate(measures, start=1):
        d = sens[sens["measure"] == m].sort_values(key)
        fig.add_trace(
            go.Bar(
                x=d[key],
                y=[p.rsplit(".", 1)[-1] for p in d["parameter"]],
                orientation="h",
                error_x={"type": "data", "array": d[conf].fillna(0), "thickness": 1},
                marker_color="#c0504d",
                showlegend=False,
                hovertemplate="%{y}: %{x:.4g}<extra></extra>",
            ),
            row=1,
            col=j,
        )
    fig.update_layout(
        height=max(320, 28 * sens["parameter"].nunique() + 120),
        margin={"t": 70, "l": 130, "r": 20, "b": 40},
        title={"text": f"{method}: {t(lang, 'ranked_by', k=key)}", "font": {"size": 13}},
    )
    return fig
