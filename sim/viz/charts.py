"""Live charts of the key measures and the text shown beside them."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.colors import qualitative
from plotly.subplots import make_subplots

from ..measures import MEASURES

KEY_MEASURES = ("silo_index", "duplicated_spending", "trips_per_service", "operator_markup", "government_control")
"""Measures charted each step (the issue's list), in this order."""


def fmt(v: float) -> str:
    if not np.isfinite(v):
        return "n/a"
    if abs(v) >= 1000:
        return f"{v:,.0f}"
    return f"{v:.4f}"


def measures_figure(df: pd.DataFrame, measures=KEY_MEASURES, height: int = 630, width: int = 420) -> go.Figure:
    """Small multiples, one per measure, month on x: the DataCollector's model vars."""
    measures = [m for m in measures if m in df.columns]
    cols = 2
    rows = math.ceil(len(measures) / cols)
    fig = make_subplots(
        rows=rows,
        cols=cols,
        subplot_titles=[f"{m} [{MEASURES[m].unit}]" for m in measures],
        vertical_spacing=0.12,
        horizontal_spacing=0.1,
    )
    months = np.arange(len(df))
    for i, m in enumerate(measures):
        r, c = i // cols + 1, i % cols + 1
        fig.add_trace(
            go.Scatter(
                x=months,
                y=df[m].to_numpy(float),
                mode="lines+markers" if len(df) < 30 else "lines",
                marker={"size": 4},
                line={"color": qualitative.D3[i % len(qualitative.D3)], "width": 2},
                name=m,
                hovertemplate=f"{m}<br>month %{{x}}: %{{y:.4g}}<extra></extra>",
                showlegend=False,
            ),
            row=r,
            col=c,
        )
    fig.update_traces(meta=f"month {len(df) - 1}")  # lets a browser tell when this month is drawn
    fig.update_xaxes(title_text="month", title_font={"size": 10}, rangemode="tozero")
    fig.update_yaxes(tickformat=".4~r")
    fig.update_annotations(font_size=11)
    fig.update_layout(
        template="plotly_white",
        height=height,
        width=width,  # the plotly widget does not follow its tile: fits 5/12 of a 1500 px window
        margin={"t": 40, "l": 50, "r": 20, "b": 40},
        hovermode="closest",
        uirevision="measures",
    )
    return fig


def values_table(df: pd.DataFrame, measures=KEY_MEASURES) -> str:
    """Markdown table: month 0 and now, with the direction that counts as better."""
    first, last = df.iloc[0], df.iloc[-1]
    rows = ["| measure | month 0 | now | better |", "|---|---:|---:|---|"]
    for m in measures:
        rows.append(f"| `{m}` | {fmt(first[m])} | {fmt(last[m])} | {MEASURES[m].better or '—'} |")
    return "\n".join(rows)
