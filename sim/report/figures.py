"""Plotly figures of the report, built from stored results only."""

from __future__ import annotations

import math
from typing import NamedTuple

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
CHAR_PX, TEXT_PX, GAP_PX, MARKER_PX = 6.0, 13.0, 7.0, 14.0  # 10 px labels next to 10 px markers
Box = tuple[float, float, float, float]  # centre x, centre y, width, height (pixels)


def _overlap(a: Box, b: Box) -> float:
    """Overlap area of two boxes given as (centre x, centre y, width, height)."""
    dx = min(a[0] + a[2] / 2, b[0] + b[2] / 2) - max(a[0] - a[2] / 2, b[0] - b[2] / 2)
    dy = min(a[1] + a[3] / 2, b[1] + b[3] / 2) - max(a[1] - a[3] / 2, b[1] - b[3] / 2)
    return max(dx, 0.0) * max(dy, 0.0)


def label_box(px: float, py: float, text: str, side: str) -> Box:
    """Estimated pixel box of a 10 px label placed on `side` of a marker at (px, py)."""
    w, h = CHAR_PX * len(text) + 4, TEXT_PX
    sx, sy = SIDES[side]
    return (px + sx * (w / 2 + GAP_PX), py + sy * (h / 2 + GAP_PX), w, h)


def _outside(box: Box, width: float, height: float) -> tuple[float, float, float, float]:
    """Pixels a box sticks out of the plot area: left, right, bottom, top."""
    x, y, w, h = box
    return (max(0.0, w / 2 - x), max(0.0, x + w / 2 - width), max(0.0, h / 2 - y), max(0.0, y + h / 2 - height))


def _span(lo: float, hi: float) -> tuple[float, float]:
    """An axis range around [lo, hi] with a little room; a flat one gets a unit-less width."""
    d = hi - lo
    if d <= 0:
        d = max(abs(lo), abs(hi), 1e-3)
    return lo - 0.06 * d, hi + 0.06 * d


class LabelLayout(NamedTuple):
    positions: list[str]  # plotly textposition per point, "" for a point shown without a label
    x_range: tuple[float, float]
    y_range: tuple[float, float]


def label_layout(
    pts: pd.DataFrame, text: list[str], labelled: list[bool], width_px: float, height_px: float
) -> LabelLayout:
    """Axis ranges and label sides for a scatter with error bars, so that no two labels overlap
    each other or a marker and no label is clipped at the plot's edge (plotly avoids neither).

    `pts` holds x, y and the error distances xp, xm, yp, ym. Points with `labelled` false get
    no label. Greedy in estimated pixels: points in the given order take the side of their
    marker with the least overlap (error bars count a little, the plot's edge a lot); a label
    that can only overlap another label or marker, or would sit nearer another marker than its
    own, is dropped (its point keeps its hover and legend). The ranges then widen until every
    kept label fits inside the plot."""
    n = len(pts)
    x, y = pts["x"].to_numpy(float), pts["y"].to_numpy(float)
    xlo, xhi = x - pts["xm"].to_numpy(float), x + pts["xp"].to_numpy(float)
    ylo, yhi = y - pts["ym"].to_numpy(float), y + pts["yp"].to_numpy(float)
    xr = _span(min(0.0, *xlo) if n else 0.0, max(0.0, *xhi) if n else 0.0)
    yr = _span(min(0.0, *ylo) if n else 0.0, max(0.0, *yhi) if n else 0.0)
    out = [""] * n
    for attempt in range(6):
        kx, ky = width_px / (xr[1] - xr[0]), height_px / (yr[1] - yr[0])
        px, py = (x - xr[0]) * kx, (y - yr[0]) * ky
        hard: list[Box] = [(a, b, MARKER_PX, MARKER_PX) for a, b in zip(px, py, strict=True)]
        hard.append((-xr[0] * kx, -yr[0] * ky, 16.0, 16.0))  # the reference's cross at (0, 0)
        soft: list[Box] = [  # error bars, 6 px across with their caps
            *(((a + b) / 2 * kx - xr[0] * kx, c, (b - a) * kx, 6.0) for a, b, c in zip(xlo, xhi, py, strict=True)),
            *((c, ((a + b) / 2 - yr[0]) * ky, 6.0, (b - a) * ky) for a, b, c in zip(ylo, yhi, px, strict=True)),
        ]
        out = [""] * n
        need = [0.0, 0.0, 0.0, 0.0]
        for i in range(n):
            if not labelled[i]:
                continue
            best, best_cost, clash = "", float("inf"), True
            for side in SIDES:
                box = label_box(px[i], py[i], text[i], side)
                blocked = sum(_overlap(box, o) for j, o in enumerate(hard) if j != i)
                # the label's corner or edge next to its marker must be nearer that marker than
                # any other, or the label would seem to name another point
                sx, sy = SIDES[side]
                near = np.hypot(px - px[i] - sx * GAP_PX, py - py[i] - sy * GAP_PX)
                blocked += float((np.delete(near, i) < near[i] + 2).sum())
                left, right, bottom, top = _outside(box, width_px, height_px)
                clipped = (left + right) * box[3] + (bottom + top) * box[2]
                cost = 100 * blocked + sum(_overlap(box, o) for o in soft) + 10 * clipped
                if cost < best_cost - 1e-9:
                    best, best_cost, clash = side, cost, blocked > 0
            if clash:
                continue  # every side covers another label or marker: no label rather than a smudge
            box = label_box(px[i], py[i], text[i], best)
            hard.append(box)
            out[i] = best
            need = [max(a, b) for a, b in zip(need, _outside(box, width_px, height_px), strict=True)]
        if max(need) <= 1 or attempt == 5:
            break
        # widen by the pixels missing, in data units (the scale shrinks a bit too: repeat)
        xr = (xr[0] - 1.15 * need[0] / kx, xr[1] + 1.15 * need[1] / kx)
        yr = (yr[0] - 1.15 * need[2] / ky, yr[1] + 1.15 * need[3] / ky)
    return LabelLayout(out, xr, yr)


def at_reference(pts: pd.DataFrame) -> np.ndarray:
    """Points whose 95% intervals include 0 on both axes: no different from the reference."""
    return (
        (pts["x"] - pts["xm"] <= 0)
        & (pts["x"] + pts["xp"] >= 0)
        & (pts["y"] - pts["ym"] <= 0)
        & (pts["y"] + pts["yp"] >= 0)
    ).to_numpy()


def tradeoff_figure(
    effects: dict[str, dict[str, Estimate]], reference: dict[str, str], lang: str, width_px: float = 1190
) -> go.Figure:
    """Silo reduction against the saving in duplicated share, the cut in operator markup and
    the gain in government control: all as changes versus each variant's own reference, so
    every chart reads 'right and up is better' and governments of different sizes compare.
    Points no different from the reference on either axis are drawn but not labelled (the
    panel's title counts them), so the crowd at (0, 0) never overprints; `width_px` is the
    plot area the labels are laid out for."""
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
        vertical_spacing=0.11,
    )
    height = 1250 if many else 500
    plot_h = (height - 140) * ((1 - 0.11 * 2) / 3 if many else 1.0)
    plot_w = width_px if many else width_px * (1 - 0.09 * 2) / 3
    for j, (m, sign, ytitle) in enumerate(panels):
        r, c = (j + 1, 1) if many else (1, j + 1)
        pts = _tradeoff_points(effects, m, sign)
        quiet = at_reference(pts)
        layout = label_layout(pts, [short(v) for v in pts["v"]], list(~quiet), plot_w, plot_h)
        pts["pos"] = layout.positions
        _note_unlabelled(fig.layout.annotations[j], quiet, pts, lang)
        _tradeoff_traces(fig, pts, reference, lang, ytitle, first=j == 0, row=r, col=c)
        fig.update_yaxes(title_text=ytitle, title_font={"size": 11}, range=list(layout.y_range), row=r, col=c)
        fig.update_xaxes(
            title_text=t(lang, "silo_reduction"), title_font={"size": 11}, range=list(layout.x_range), row=r, col=c
        )
    fig.update_xaxes(zeroline=True, zerolinewidth=2, zerolinecolor="#9aa5b1", tickformat=TICKS)
    fig.update_yaxes(zeroline=True, zerolinewidth=2, zerolinecolor="#9aa5b1", tickformat=TICKS)
    fig.update_layout(
        height=height,
        margin={"t": 90, "l": 70, "r": 30, "b": 50},
        legend={"orientation": "h", "x": 0, "y": 1, "yanchor": "top", "yref": "container"},
        hoverlabel={"namelength": -1},
    )
    return fig


def _tradeoff_points(effects: dict[str, dict[str, Estimate]], m: str, sign: float) -> pd.DataFrame:
    """One point per variant: silo reduction (x) and the gain on `m` (y) with their interval
    arms, in label priority: provincial models first, then the points farthest from the
    reference."""
    rank = {"provincial": 0, "bureau": 1, "single": 2, "other": 3}
    pts = pd.DataFrame(
        [(v, *_gain(effects[v]["silo_index"], -1.0), *_gain(effects[v][m], sign)) for v in effects],
        columns=["v", "x", "xp", "xm", "y", "yp", "ym"],
    )
    pts = pts[np.isfinite(pts["x"]) & np.isfinite(pts["y"])].copy()
    span_x = max(float(np.ptp(np.r_[pts["x"], 0.0])), 1e-12)
    span_y = max(float(np.ptp(np.r_[pts["y"], 0.0])), 1e-12)
    pts["far"] = -np.hypot(pts["x"] / span_x, pts["y"] / span_y)
    pts["rank"] = [rank[group(v)] for v in pts["v"]]
    return pts.sort_values(["rank", "far"], kind="stable").reset_index(drop=True)


def _note_unlabelled(title, quiet: np.ndarray, pts: pd.DataFrame, lang: str) -> None:
    """The panel's title counts the points at the reference and those left unlabelled."""
    unlabelled = int((~quiet & (pts["pos"] == "")).sum())
    if quiet.any() or unlabelled:
        parts = [t(lang, "at_reference", n=int(quiet.sum()))] if quiet.any() else []
        parts += [t(lang, "unlabelled", n=unlabelled)] if unlabelled else []
        note = "; ".join(parts) + " – " + t(lang, "hover_names")
        title.text = f"{title.text}<br><span style='font-size:11px;color:#55606b'>{note}</span>"


def _tradeoff_traces(fig, pts, reference: dict[str, str], lang: str, ytitle: str, *, first: bool, row, col) -> None:
    """The reference cross and one marker trace per group of scenarios."""
    fig.add_trace(
        go.Scatter(
            x=[0],
            y=[0],
            mode="markers",
            marker={"symbol": "x-thin", "size": 14, "line": {"width": 2, "color": BASELINE_COLOUR}},
            name=t(lang, "reference"),
            legendgroup="reference",
            showlegend=first,
            hoverinfo="skip",
        ),
        row=row,
        col=col,
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
                text=[short(v) if p else "" for v, p in zip(d["v"], d["pos"], strict=True)],
                textposition=[p or "top center" for p in d["pos"]],
                textfont={"size": 10, "color": colour},
                customdata=np.column_stack([d["v"], refs]),
                marker={"size": 10, "color": colour, "symbol": symbol, "line": {"width": 1, "color": "#fff"}},
                error_x={"type": "data", "array": d["xp"], "arrayminus": d["xm"], "thickness": 1, "width": 3},
                error_y={"type": "data", "array": d["yp"], "arrayminus": d["ym"], "thickness": 1, "width": 3},
                name=t(lang, f"group_{g}"),
                legendgroup=g,
                showlegend=first,
                hovertemplate=f"%{{customdata[0]}} ({t(lang, 'vs')} %{{customdata[1]}})<br>"
                f"{t(lang, 'silo_reduction')}: %{{x:.3g}}<br>{ytitle}: %{{y:.3g}}<extra></extra>",
            ),
            row=row,
            col=col,
        )


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
