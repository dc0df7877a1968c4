"""Plotly figures of the report, built from stored results only."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.colors import hex_to_rgb, qualitative
from plotly.subplots import make_subplots

from .i18n import measure_name, measure_unit, t
from .load import Results
from .stats import Estimate, band

TIMESERIES_MEASURES = (
    "silo_index",
    "duplicated_share",
    "total_it_spending",
    "trips_per_service",
    "online_rate",
    "approval_backlog",
    "mean_delivery_time",
    "operator_markup",
    "government_control",
    "data_monopoly",
    "county_gap",
)
FOCUS = ("baseline", "provincial", "guangdong", "zhejiang", "guizhou")
PROVINCIAL_MODELS = ("guangdong", "zhejiang", "guizhou")
BASELINE_COLOUR = "#222222"
TICKS = ",.4~r"  # 4 significant digits, no exponent: no 0.15000000000000022 on flat series
# Trade-off points are coloured by kind of scenario (Okabe-Ito, colour-blind safe) and named
# by text labels: two dozen per-scenario colours cannot all be told apart.
GROUPS = {
    "provincial": ("#D55E00", "diamond"),
    "bureau": ("#0072B2", "square"),
    "single": ("#009E73", "circle"),
    "other": ("#CC79A7", "triangle-up"),
}


def _lab(hex_colour: str) -> np.ndarray:
    """CIE L*a*b* of an sRGB colour (D65), to measure how different two colours look."""
    rgb = np.array(hex_to_rgb(hex_colour), dtype=float) / 255
    rgb = np.where(rgb > 0.04045, ((rgb + 0.055) / 1.055) ** 2.4, rgb / 12.92)
    xyz = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]]) @ rgb
    xyz /= np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > 0.008856, np.cbrt(xyz), 7.787 * xyz + 16 / 116)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def distinct_palette(min_delta: float = 25.0) -> list[str]:
    """Plotly's qualitative colours, dropping any that look like one already kept (CIE ΔE below
    min_delta: D3 green and Dark24 green never label two scenarios) or that are too pale on
    white or too close to the baseline's near-black."""
    candidates = qualitative.D3 + qualitative.Dark24 + qualitative.Light24 + qualitative.Alphabet
    kept = [_lab(BASELINE_COLOUR), _lab("#FFFFFF")]
    out = []
    for c in candidates:
        lab = _lab(c)
        if 25 <= lab[0] <= 82 and all(np.linalg.norm(lab - k) >= min_delta for k in kept):
            kept.append(lab)
            out.append(c.upper())
    return out


PALETTE = distinct_palette()


def short(variant: str) -> str:
    """Chart label: `reform_shared_platform · capacity=2` -> `shared_platform · capacity=2`."""
    return variant.removeprefix("reform_")


def group(variant: str) -> str:
    scenario = variant.split(" · ")[0]
    if scenario in PROVINCIAL_MODELS:
        return "provincial"
    if scenario.startswith("bureau_"):
        return "bureau"
    return "single" if scenario.startswith("reform_") else "other"


def colours(variants: list[str], baseline: str = "baseline") -> dict[str, str]:
    """The baseline in near-black, every other variant its own colour from a palette without
    look-alikes (beyond its length colours repeat, drawn dashed: see `dash`)."""
    first_base = next((v for v in variants if v.split(" · ")[0] == baseline), None)
    rest = [v for v in variants if v != first_base]
    out = {v: PALETTE[i % len(PALETTE)] for i, v in enumerate(rest)}
    if first_base is not None:
        out[first_base] = BASELINE_COLOUR
    return out


def dash(variants: list[str], variant: str) -> str:
    return "solid" if variants.index(variant) <= len(PALETTE) else "dash"


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


def timeseries_figure(res: Results, lang: str, measures=TIMESERIES_MEASURES, baseline: str = "baseline") -> go.Figure:
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
    col = colours(res.variants, baseline)
    shown = shown_by_default(res.variants)
    month = t(lang, "month")
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
                    line={"color": col[v], "width": 2, "dash": dash(res.variants, v)},
                    visible=visible,
                    hovertemplate=f"{v}<br>{month} %{{x}}: %{{y:.4g}}<extra></extra>",
                ),
                row=r,
                col=c,
            )
    fig.update_layout(height=260 * rows + 80, margin={"t": 60, "l": 60, "r": 20, "b": 40}, hovermode="closest")
    fig.update_yaxes(tickformat=TICKS)
    fig.update_xaxes(title_text=t(lang, "steps"), row=rows)
    return fig


def _gain(est: Estimate, sign: float) -> tuple[float, float, float]:
    """Improvement value, +error, −error (plotly wants distances); sign −1 turns a change of a
    'lower is better' measure into a saving."""
    if not np.isfinite(est.mean):
        return float("nan"), 0.0, 0.0
    mean = sign * est.mean
    if not np.isfinite(est.lo):
        return mean, 0.0, 0.0
    lo, hi = sorted((sign * est.lo, sign * est.hi))
    return mean, hi - mean, mean - lo


SIDES = {  # plotly textposition -> direction of the label's centre from its marker
    "top center": (0, 1),
    "bottom center": (0, -1),
    "middle right": (1, 0),
    "middle left": (-1, 0),
    "top right": (1, 1),
    "bottom right": (1, -1),
    "top left": (-1, 1),
    "bottom left": (-1, -1),
}


def _overlap(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> float:
    """Overlap area of two boxes given as (centre x, centre y, width, height)."""
    dx = min(a[0] + a[2] / 2, b[0] + b[2] / 2) - max(a[0] - a[2] / 2, b[0] - b[2] / 2)
    dy = min(a[1] + a[3] / 2, b[1] + b[3] / 2) - max(a[1] - a[3] / 2, b[1] - b[3] / 2)
    return max(dx, 0.0) * max(dy, 0.0)


def label_positions(x, y, text: list[str], width_px: float, height_px: float) -> list[str]:
    """Where to put each point's text label so labels overlap each other and the markers as
    little as possible (plotly does not avoid overlaps): a greedy pass in estimated pixels,
    each label taking the side of its marker with the least overlap."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    if len(x) == 0:
        return []
    kx = width_px / max(float(np.ptp(x)) * 1.15, 1e-12)
    ky = height_px / max(float(np.ptp(y)) * 1.15, 1e-12)
    px, py = x * kx, y * ky
    boxes = [(a, b, 12.0, 12.0) for a, b in zip(px, py, strict=True)]  # the markers
    out = [""] * len(x)
    for i in np.lexsort((py, px)):
        w, h = 5.8 * len(text[i]) + 4, 13.0
        best, best_cost = "top center", float("inf")
        for side, (sx, sy) in SIDES.items():
            box = (px[i] + sx * (w / 2 + 7), py[i] + sy * (h / 2 + 7), w, h)
            cost = sum(_overlap(box, o) for j, o in enumerate(boxes) if j != i)
            if cost < best_cost - 1e-9:
                best, best_cost = side, cost
        sx, sy = SIDES[best]
        boxes.append((px[i] + sx * (w / 2 + 7), py[i] + sy * (h / 2 + 7), w, h))
        out[i] = best
    return out


def tradeoff_figure(effects: dict[str, dict[str, Estimate]], reference: dict[str, str], lang: str) -> go.Figure:
    """Silo reduction against the saving in duplicated share, the cut in operator markup and
    the gain in government control: all as changes versus each variant's own reference, so
    every chart reads 'right and up is better' and governments of different sizes compare."""
    panels = [
        ("duplicated_share", -1.0, t(lang, "dup_saved")),
        ("operator_markup", -1.0, t(lang, "markup_cut")),
        ("government_control", 1.0, t(lang, "control_gain")),
    ]
    many = len(effects) > 8  # many points: full-width panels stacked, so labels have room
    rows, cols = (3, 1) if many else (1, 3)
    fig = make_subplots(
        rows=rows,
        cols=cols,
        subplot_titles=[measure_name(lang, m) for m, _, _ in panels],
        horizontal_spacing=0.09,
        vertical_spacing=0.09,
    )
    variants = list(effects)
    for j, (m, sign, ytitle) in enumerate(panels):
        r, c = (j + 1, 1) if many else (1, j + 1)
        pts = pd.DataFrame(
            [(v, *_gain(effects[v]["silo_index"], -1.0), *_gain(effects[v][m], sign)) for v in variants],
            columns=["v", "x", "xp", "xm", "y", "yp", "ym"],
        )
        pts = pts[np.isfinite(pts["x"]) & np.isfinite(pts["y"])]
        size = (1150, 320) if many else (320, 360)  # a panel's plot area in pixels, about
        pts["pos"] = label_positions(pts["x"], pts["y"], [short(v) for v in pts["v"]], *size)
        fig.add_trace(
            go.Scatter(
                x=[0],
                y=[0],
                mode="markers",
                marker={"symbol": "x-thin", "size": 14, "line": {"width": 2, "color": BASELINE_COLOUR}},
                name=t(lang, "reference"),
                legendgroup="reference",
                showlegend=j == 0,
                hoverinfo="skip",
            ),
            row=r,
            col=c,
        )
        for g, (colour, symbol) in GROUPS.items():
            d = pts[[group(v) == g for v in pts["v"]]]
            if d.empty:
                continue
            refs = [reference.get(v.split(" · ")[0], "") for v in d["v"]]
            fig.add_trace(
                go.Scatter(
                    x=d["x"],
                    y=d["y"],
                    mode="markers+text",
                    text=[short(v) for v in d["v"]],
                    textposition=list(d["pos"]),
                    textfont={"size": 10, "color": colour},
                    customdata=np.column_stack([d["v"], refs]),
                    marker={"size": 10, "color": colour, "symbol": symbol, "line": {"width": 1, "color": "#fff"}},
                    error_x={"type": "data", "array": d["xp"], "arrayminus": d["xm"], "thickness": 1, "width": 3},
                    error_y={"type": "data", "array": d["yp"], "arrayminus": d["ym"], "thickness": 1, "width": 3},
                    name=t(lang, f"group_{g}"),
                    legendgroup=g,
                    showlegend=j == 0,
                    hovertemplate=f"%{{customdata[0]}} ({t(lang, 'vs')} %{{customdata[1]}})<br>"
                    f"{t(lang, 'silo_reduction')}: %{{x:.3g}}<br>{ytitle}: %{{y:.3g}}<extra></extra>",
                ),
                row=r,
                col=c,
            )
        fig.update_yaxes(title_text=ytitle, title_font={"size": 11}, row=r, col=c)
        fig.update_xaxes(title_text=t(lang, "silo_reduction"), title_font={"size": 11}, row=r, col=c)
    fig.update_xaxes(zeroline=True, zerolinewidth=2, zerolinecolor="#9aa5b1", tickformat=TICKS)
    fig.update_yaxes(zeroline=True, zerolinewidth=2, zerolinecolor="#9aa5b1", tickformat=TICKS)
    fig.update_layout(
        height=1250 if many else 500,
        margin={"t": 90, "l": 70, "r": 30, "b": 50},
        legend={"orientation": "h", "x": 0, "y": 1, "yanchor": "top", "yref": "container"},
        hoverlabel={"namelength": -1},
    )
    return fig


def contributions_figure(
    effects, measures: list[str], variants: list[str], reference: dict[str, str], baseline: str, lang: str
) -> go.Figure:
    """Horizontal bars: the effect of each single reform and each provincial model, versus
    its own reference (named in the label when it is not the baseline)."""
    fig = make_subplots(
        rows=1,
        cols=len(measures),
        subplot_titles=[f"Δ {measure_name(lang, m)}" for m in measures],
        shared_yaxes=True,
        horizontal_spacing=0.03,
    )
    names = []
    for v in variants:
        ref = reference.get(v.split(" · ")[0], baseline)
        names.append(f"{short(v)} ({t(lang, 'vs')} {ref})")
    for j, m in enumerate(measures, start=1):
        vals = [effects[v][m] for v in variants]
        x = [e.mean for e in vals]
        err_p = [e.hi - e.mean if np.isfinite(e.hi) else 0 for e in vals]
        err_m = [e.mean - e.lo if np.isfinite(e.lo) else 0 for e in vals]
        colour = [GROUPS[group(v)][0] for v in variants]
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
    fig.update_yaxes(autorange="reversed", automargin=True)
    fig.update_xaxes(tickformat=TICKS, zeroline=True, zerolinewidth=2, zerolinecolor="#9aa5b1")
    fig.update_layout(height=max(320, 24 * len(variants) + 120), margin={"t": 60, "l": 20, "r": 20, "b": 40})
    return fig


def sensitivity_figure(sens, lang: str, width: int = 1290) -> go.Figure:
    """Tornado per measure: Morris mu* (or Sobol ST) with its confidence interval. Each panel
    keeps its parameter labels clear of its left neighbour: the gap between panels is as wide
    as the longest label, and panels wrap onto more rows rather than squeezing."""
    measures = list(dict.fromkeys(sens["measure"]))
    method = str(sens["method"].iloc[0])
    key, conf = ("mu_star", "mu_star_conf") if method == "morris" else ("ST", "ST_conf")
    labels = {p: p.rsplit(".", 1)[-1] for p in sens["parameter"].unique()}
    label_px = 7 * max(len(s) for s in labels.values()) + 24
    cols = max(1, min(len(measures), int((width - label_px) // (label_px + 240)) or 1))
    rows = math.ceil(len(measures) / cols)
    fig = make_subplots(
        rows=rows,
        cols=cols,
        subplot_titles=[measure_name(lang, m) for m in measures],
        horizontal_spacing=min(0.4, label_px / width) if cols > 1 else 0.05,
        vertical_spacing=0.12 / max(1, rows / 2),
    )
    for j, m in enumerate(measures):
        d = sens[sens["measure"] == m].sort_values(key)
        fig.add_trace(
            go.Bar(
                x=d[key],
                y=[labels[p] for p in d["parameter"]],
                orientation="h",
                error_x={"type": "data", "array": d[conf].fillna(0), "thickness": 1},
                marker_color="#c0504d",
                showlegend=False,
                hovertemplate="%{y}: %{x:.4g}<extra></extra>",
            ),
            row=j // cols + 1,
            col=j % cols + 1,
        )
    fig.update_xaxes(tickformat=TICKS)
    fig.update_layout(
        height=rows * max(260, 26 * len(labels) + 90) + 60,
        margin={"t": 80, "l": label_px, "r": 20, "b": 40},
        title={
            "text": t(lang, "sens_title_morris" if method == "morris" else "sens_title_sobol"),
            "font": {"size": 13},
        },
    )
    return fig
