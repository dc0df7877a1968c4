"""Live charts of the key measures and the text shown beside them."""

from __future__ import annotations

import copy
import functools
import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.colors import qualitative
from plotly.subplots import make_subplots

from ..catalogue import HEADLINE, MEASURES

KEY_MEASURES = HEADLINE[:5]
"""Measures charted each step: the first five headline measures, in their order."""

MONTH_TICKS = (1, 2, 3, 6, 12, 24)
START_LINE = {"color": "#888888", "width": 1, "dash": "dot"}
CHARTS_HEIGHT = 800
"""Pixels; the width follows the tile."""


def fmt(v: float, digits: int = 4) -> str:
    if not np.isfinite(v):
        return "n/a"
    if abs(v) >= 1000:
        return f"{v:,.0f}"
    # positional, never '1e-05': the browser test reads these numbers back
    return np.format_float_positional(v, precision=digits, unique=False, fractional=False, trim="-")


def fmt_pair(a: float, b: float) -> tuple[str, str]:
    """Both values with the fewest significant digits (at least 4) that tell them apart:
    a markup of 0.15 → 0.14995 reads '0.15' → '0.14995', not '0.1500' → '0.1500'."""
    for digits in range(4, 9):
        fa, fb = fmt(a, digits), fmt(b, digits)
        if fa != fb or a == b or not (np.isfinite(a) and np.isfinite(b)):
            return fa, fb
    return fa, fb


def month_dtick(last: int) -> int:
    """A whole-month tick step giving at most 7 ticks on [0, last]."""
    return next((d for d in MONTH_TICKS if last / d <= 6), 12 * math.ceil(last / 72))


@functools.lru_cache(maxsize=8)
def _grid(measures: tuple[str, ...], height: int) -> dict:
    """The charts' static layout (subplot domains, titles, axes), built once: make_subplots
    and update_* calls on a figure took ~0.1 s a step. One column sharing the month axis:
    it reads at any tile width (two columns were cut off in a 1,344 px window)."""
    rows = len(measures)
    fig = make_subplots(
        rows=rows,
        cols=1,
        shared_xaxes=True,
        subplot_titles=[f"{m} [{MEASURES[m].unit}]" for m in measures],
        vertical_spacing=0.22 / max(rows - 1, 1),
    )
    for i, m in enumerate(measures):
        # a share on a fixed 0-1 axis; every other axis starts at zero, so a move from 0.150
        # to 0.145 looks as small as it is
        if MEASURES[m].bounds == (0.0, 1.0):
            fig.update_yaxes(range=[0, 1.02], dtick=0.5, row=i + 1, col=1)
        else:
            fig.update_yaxes(rangemode="tozero", nticks=4, row=i + 1, col=1)
    fig.update_xaxes(tick0=0, showticklabels=True)  # every panel keeps its month ticks
    fig.update_xaxes(title_text="month", title_font={"size": 10}, title_standoff=2, row=rows, col=1)
    fig.update_yaxes(hoverformat=".6g", tickfont={"size": 10})  # plotly's own tick format
    fig.update_annotations(font_size=11)
    fig.update_layout(
        template="plotly_white",
        height=height,
        autosize=True,  # no width: the figure takes its tile's width (and follows a resize)
        margin={"t": 56, "l": 44, "r": 12, "b": 36},  # the top title below the modebar's 30 px strip
        hovermode="closest",
        uirevision="measures",
    )
    return fig.layout.to_plotly_json()


def _axis(i: int) -> str:
    return str(i + 1) if i else ""


def measures_figure(
    df: pd.DataFrame,
    measures: Sequence[str] = KEY_MEASURES,
    starts: Mapping[int, Sequence[str]] | None = None,
    height: int = CHARTS_HEIGHT,
) -> go.Figure:
    """Small multiples, one per measure (see `measures_spec`)."""
    return go.Figure(measures_spec(df, measures, starts, height))


def measures_spec(
    df: pd.DataFrame,
    measures: Sequence[str] = KEY_MEASURES,
    starts: Mapping[int, Sequence[str]] | None = None,
    height: int = CHARTS_HEIGHT,
) -> dict:
    """Small multiples as a plain plotly dict, one per measure, month on x: the
    DataCollector's model vars. `starts` (month -> reforms starting then) draws a dotted
    vertical line at each month."""
    measures = tuple(m for m in measures if m in df.columns)
    starts = dict(starts or {})
    layout = copy.deepcopy(_grid(measures, height))
    months = np.arange(len(df))
    meta = f"month {len(df) - 1}"  # lets a browser tell when this month is drawn
    data = [
        {
            "type": "scatter",
            "x": months,
            "y": df[m].to_numpy(float),
            "xaxis": f"x{_axis(i)}",
            "yaxis": f"y{_axis(i)}",
            "mode": "lines+markers" if len(df) < 30 else "lines",
            "marker": {"size": 4},
            "line": {"color": qualitative.D3[i % len(qualitative.D3)], "width": 2},
            "name": m,
            "uid": m,  # a stable layer: a step updates the drawn chart in place (plotly_widget.py)
            "hovertemplate": f"{m}<br>month %{{x}}: %{{y:.6g}}<extra></extra>",
            "showlegend": False,
            "meta": meta,
        }
        for i, m in enumerate(measures)
    ]
    # the x axis reaches the last reform start, so lines for reforms still to come show
    last = max([len(df) - 1, 1, *starts])
    for i in range(len(measures)):
        layout[f"xaxis{_axis(i)}"] |= {"range": [-0.02 * last, last * 1.02], "dtick": month_dtick(last)}
    layout["shapes"] = [
        {
            "type": "line",
            "x0": month,
            "x1": month,
            "xref": f"x{_axis(i)}",
            "y0": 0,
            "y1": 1,
            "yref": f"y{_axis(i)} domain",
            "line": START_LINE,
        }
        for i in range(len(measures))
        for month in starts
    ]
    return {"data": data, "layout": layout}


def starts_text(starts: Mapping[int, Sequence[str]]) -> str:
    """'Dotted lines: reform starts — month 3: app_consolidation; month 6: …'."""
    if not starts:
        return ""
    parts = "; ".join(f"month {m}: {', '.join(keys)}" for m, keys in starts.items())
    return f"Dotted lines: reforms start — {parts}."


def values_table(df: pd.DataFrame, measures: Sequence[str] = KEY_MEASURES) -> str:
    """Markdown table: month 0 and now, with the direction that counts as better."""
    first, last = df.iloc[0], df.iloc[-1]
    rows = ["| measure | month 0 | now | better |", "|---|---:|---:|---|"]
    for m in measures:
        a, b = fmt_pair(float(first[m]), float(last[m]))
        rows.append(f"| `{m}` | {a} | {b} | {MEASURES[m].better or '—'} |")
    return "\n".join(rows)
