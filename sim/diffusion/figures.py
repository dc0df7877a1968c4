"""Pictures of a china run: adoption curves with intervals over seeds against the observed
points, a tile-grid map of the 31 provinces (adoption year and body type), the national
measures, and a self-contained HTML report (plotly.js embedded, opens offline, no map tiles).

    from sim.diffusion.figures import load_run, figures, write_report
    run = load_run("runs/china"); write_report(run, "runs/china/report.html")
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from .observed import POINTS
from .run import MARKER
from .schema import COUNTS

BODY_COLOURS = {
    "office": "#d9d9d9",
    "drc": "#a6a6a6",
    "centre": "#4c78a8",
    "industry": "#f58518",
    "services": "#54a24b",
}
CURVES = {
    "2018-style bodies": (
        "provinces_with_body",
        "provinces_body_centre",
        "provinces_body_industry",
        "provinces_body_services",
    ),
    # the national row's counts after the bodies' (`schema.COUNTS`, held to `ChinaModel.counts`)
    "2023-style unified department and reforms": COUNTS[COUNTS.index("provinces_unified_digital") :],
}
ROLE_TEXT = {"fit": "used in the fit", "holdout": "held out (a prediction)", "check": "a loose check, not fitted"}
NATIONAL = ("trips_per_service", "online_rate", "duplicated_share", "silo_index")
PALETTE = ("#4c78a8", "#f58518", "#54a24b", "#e45756", "#72b7b2", "#b279a2", "#9d755d")


@dataclass
class ChinaRun:
    folder: Path
    info: dict
    series: list[pd.DataFrame]  # one per seed
    provinces: list[pd.DataFrame]


def load_run(folder: str | Path) -> ChinaRun:
    folder = Path(folder)
    info = json.loads((folder / MARKER).read_text(encoding="utf-8"))
    seeds = info["seeds"]
    series = [pd.read_csv(folder / f"seed-{s}" / "timeseries.csv") for s in seeds]
    provinces = [pd.read_csv(folder / f"seed-{s}" / "provinces.csv", keep_default_na=False) for s in seeds]
    return ChinaRun(folder, info, series, provinces)


def bands(series: list[pd.DataFrame], column: str) -> pd.DataFrame:
    """Median and 5-95% range over seeds of one column, by date."""
    wide = np.vstack([df[column].to_numpy(float) for df in series])
    q = np.quantile(wide, [0.05, 0.5, 0.95], axis=0)
    return pd.DataFrame({"date": series[0]["date"], "lo": q[0], "mid": q[1], "hi": q[2]})


def _band_traces(fig, b: pd.DataFrame, name: str, colour: str, row: int) -> None:
    x = pd.to_datetime(b["date"])
    fig.add_trace(go.Scatter(x=x, y=b["hi"], line={"width": 0}, showlegend=False, hoverinfo="skip"), row=row, col=1)
    fig.add_trace(
        go.Scatter(
            x=x,
            y=b["lo"],
            fill="tonexty",
            line={"width": 0},
            fillcolor=_alpha(colour, 0.2),
            showlegend=False,
            hoverinfo="skip",
        ),
        row=row,
        col=1,
    )
    fig.add_trace(go.Scatter(x=x, y=b["mid"], name=name, line={"color": colour, "width": 2}), row=row, col=1)


def _alpha(hex_colour: str, a: float) -> str:
    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{a})"


def adoption_figure(run: ChinaRun) -> go.Figure:
    """Provinces adopting over time: median and 5-95% over seeds; observed points (filled:
    used in the fit; open diamonds: held out; open squares: loose checks)."""
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, subplot_titles=list(CURVES), vertical_spacing=0.08)
    for row, columns in enumerate(CURVES.values(), start=1):
        for k, col in enumerate(columns):
            colour = PALETTE[k % len(PALETTE)]
            _band_traces(fig, bands(run.series, col), col.removeprefix("provinces_"), colour, row)
            for p in (p for p in POINTS if p.column == col):
                held = p.role != "fit"
                symbol = {"fit": "circle", "holdout": "diamond-open", "check": "square-open"}[p.role]
                fig.add_trace(
                    go.Scatter(
                        x=[pd.Timestamp(p.date + "-01")],
                        y=[p.value],
                        mode="markers",
                        marker={
                            "color": "white" if held else colour,
                            "size": 11,
                            "line": {"color": colour, "width": 2},
                            "symbol": symbol,
                        },
                        name=f"observed ({p.role}) {p.relation} {p.value:g}: {p.source}",
                        showlegend=False,
                        hovertemplate=f"{p.date}: {p.relation} {p.value:g}<br>{html.escape(p.source)}"
                        + f"<br>{ROLE_TEXT[p.role]}<extra></extra>",
                    ),
                    row=row,
                    col=1,
                )
    n = len(run.series)
    fig.update_yaxes(title_text="provinces (of 31)", range=[0, 32])
    fig.update_layout(
        height=760,
        title=f"Adoption by the 31 provincial-level units: median and 5-95% over {n} seed(s)",
        legend={"orientation": "h", "y": -0.08},
        margin={"t": 80},
    )
    return fig


def national_figure(run: ChinaRun) -> go.Figure:
    """National aggregates of the within-province measures (population-weighted means)."""
    fig = make_subplots(rows=len(NATIONAL), cols=1, shared_xaxes=True, subplot_titles=list(NATIONAL))
    for row, col in enumerate(NATIONAL, start=1):
        if col in run.series[0]:
            _band_traces(fig, bands(run.series, col), col, PALETTE[row - 1], row)
    title = "National measures (population-weighted means of the 31 models)"
    fig.update_layout(height=180 * len(NATIONAL) + 100, title=title)
    return fig


def tile_map(provinces: pd.DataFrame, start: str, title: str = "") -> go.Figure:
    """Tile-grid map: left, the year each province set up a dedicated body (grey: none);
    right, its body type. One square per province at its (row, col) from provinces.csv."""
    titles = ("year of the dedicated body", "body type")
    fig = make_subplots(rows=1, cols=2, subplot_titles=titles, horizontal_spacing=0.04)
    year = pd.to_numeric(provinces["body_since"].astype(str).str.slice(0, 4), errors="coerce")
    x, y = provinces["col"].to_numpy(float), -provinces["row"].to_numpy(float)
    labels = provinces["iso"]
    hover = [
        f"{r.name} {r.pinyin}<br>body: {r.body}<br>since: {r.body_since or '—'}<br>unified: {r.unified_since or '—'}"
        for r in provinces.itertuples()
    ]
    fig.add_trace(
        go.Scatter(
            x=x,
            y=y,
            mode="markers+text",
            text=labels,
            hovertext=hover,
            hoverinfo="text",
            showlegend=False,
            marker={
                "symbol": "square",
                "size": 44,
                "color": year,
                "colorscale": "Viridis",
                "cmin": int(start[:4]),
                "cmax": 2024,
                "colorbar": {"title": "year", "x": 0.46, "len": 0.8},
                "line": {"color": "white"},
            },
            textfont={"size": 9, "color": "white"},
        ),
        row=1,
        col=1,
    )
    none = year.isna().to_numpy()
    fig.add_trace(
        go.Scatter(
            x=x[none],
            y=y[none],
            mode="markers+text",
            text=labels[none],
            showlegend=False,
            hoverinfo="skip",
            marker={"symbol": "square", "size": 44, "color": BODY_COLOURS["office"], "line": {"color": "white"}},
            textfont={"size": 9, "color": "#333"},
        ),
        row=1,
        col=1,
    )
    for body, colour in BODY_COLOURS.items():
        sel = (provinces["body"] == body).to_numpy()
        fig.add_trace(
            go.Scatter(
                x=x[sel],
                y=y[sel],
                mode="markers+text",
                text=labels[sel],
                name=body,
                hovertext=[h for h, s in zip(hover, sel, strict=True) if s],
                hoverinfo="text",
                marker={"symbol": "square", "size": 44, "color": colour, "line": {"color": "white"}},
                textfont={"size": 9, "color": "#111"},
            ),
            row=1,
            col=2,
        )
    for c in (1, 2):
        fig.update_xaxes(visible=False, range=[-0.7, 7.7], row=1, col=c)
        fig.update_yaxes(visible=False, range=[-7.7, 0.7], scaleanchor=f"x{'' if c == 1 else 2}", row=1, col=c)
    fig.update_layout(height=520, title=title or "Provinces on a tile grid", legend={"orientation": "h", "y": -0.02})
    return fig


SECTION_TITLES = {
    "adoption": "Adoption curves",
    "map": "Tile-grid map",
    "map_by_year": "Tile-grid map by year",
    "national": "National measures",
}
STATE_COLOURS = {**BODY_COLOURS, "unified": "#7b3294", "unified+services": "#c51b7d"}


def yearly_states(events: pd.DataFrame, provinces: pd.DataFrame, years: list[int]) -> pd.DataFrame:
    """Each province's IT oversight at the end of each year, from the decisions log:
    its body type, or the unified department (with government services or not)."""
    rows = []
    ev = events.assign(year=events["date"].str.slice(0, 4).astype(int))
    services = dict(zip(provinces["pinyin"], provinces["unified_services"].astype(str) == "True", strict=True))
    for year in years:
        upto = ev[ev["year"] <= year]
        for p in provinces["pinyin"]:
            mine = upto[upto["province"] == p]
            body = mine[mine["item"] == "body"]
            state = body["body"].iloc[-1] if len(body) else "office"
            if (mine["item"] == "unified").any():
                state = "unified+services" if services[p] else "unified"
            rows.append({"year": year, "pinyin": p, "state": state})
    return pd.DataFrame(rows)


def stepping_map(events: pd.DataFrame, provinces: pd.DataFrame, years: list[int]) -> go.Figure:
    """Tile-grid map with a year slider (plotly frames): who oversees IT in each province at
    the end of each year. Drawn offline from provinces.csv's (row, col)."""
    states = yearly_states(events, provinces, years)
    pos = provinces.set_index("pinyin")[["row", "col", "iso"]]

    def traces(year: int) -> list[go.Scatter]:
        s = states[states["year"] == year].set_index("pinyin")
        out = []
        for state, colour in STATE_COLOURS.items():
            names = [p for p in pos.index if s.loc[p, "state"] == state] or [None]
            real = [p for p in names if p is not None]
            out.append(
                go.Scatter(
                    x=pos.loc[real, "col"],
                    y=-pos.loc[real, "row"],
                    mode="markers+text",
                    name=state,
                    text=list(pos.loc[real, "iso"]),
                    hovertext=real,
                    hoverinfo="text",
                    textfont={"size": 9},
                    marker={"symbol": "square", "size": 44, "color": colour, "line": {"color": "white"}},
                    meta=f"end of {year}",  # which year the trace shows (the browser test waits on it)
                )
            )
        return out

    fig = go.Figure(data=traces(years[0]), frames=[go.Frame(data=traces(y), name=str(y)) for y in years])
    jump = {"mode": "immediate", "frame": {"duration": 0, "redraw": True}}
    steps = [{"label": str(y), "method": "animate", "args": [[str(y)], jump]} for y in years]
    fig.update_layout(
        title="Who oversees IT in each province, end of each year (median seed's decisions)",
        height=560,
        xaxis={"visible": False, "range": [-0.7, 7.7]},
        yaxis={"visible": False, "range": [-7.7, 0.7], "scaleanchor": "x"},
        sliders=[{"steps": steps, "active": 0, "currentvalue": {"prefix": "end of "}}],
        updatemenus=[
            {
                "type": "buttons",
                "x": 0,
                "y": -0.05,
                "buttons": [
                    {
                        "label": "▶ play",
                        "method": "animate",
                        "args": [None, {"frame": {"duration": 700, "redraw": True}}],
                    }
                ],
            }
        ],
        legend={"orientation": "h", "y": 1.02},
    )
    return fig


def prediction_table(run: ChinaRun) -> pd.DataFrame:
    """Each observed point beside the model's median and 5-95% over seeds at its date."""
    rows = []
    for p in POINTS:
        at = [df.loc[df["date"] == p.date, p.column] for df in run.series]
        vals = np.array([float(v.iloc[0]) for v in at if len(v)])
        if len(vals) == 0:
            continue
        lo, mid, hi = np.quantile(vals, [0.05, 0.5, 0.95])
        rows.append(
            {
                "date": p.date,
                "column": p.column,
                "observed": f"{p.relation} {p.value:g}",
                "role": p.role,
                "model median": mid,
                "model 5%": lo,
                "model 95%": hi,
                "source": p.source,
            }
        )
    return pd.DataFrame(rows)


def median_seed(run: ChinaRun) -> int:
    """Index of the seed whose with-body curve is nearest the median curve (for the maps)."""
    mid = bands(run.series, "provinces_with_body")["mid"].to_numpy()
    dist = [float(np.abs(df["provinces_with_body"].to_numpy() - mid).sum()) for df in run.series]
    return int(np.argmin(dist))


def figures(run: ChinaRun) -> dict[str, go.Figure]:
    k = median_seed(run)
    seed = run.info["seeds"][k]
    events = pd.read_csv(run.folder / f"seed-{seed}" / "events.csv", keep_default_na=False)
    start = run.info["start"]
    last = int(run.series[k]["date"].iloc[-1][:4])
    return {
        "adoption": adoption_figure(run),
        "map": tile_map(run.provinces[k], start, f"Provinces at the end of the run (seed {seed}, nearest the median)"),
        "map_by_year": stepping_map(events, run.provinces[k], list(range(int(start[:4]), last + 1))),
        "national": national_figure(run),
    }


def write_report(run: ChinaRun, out: Path) -> tuple[Path, list[tuple[str, str, go.Figure]]]:
    """One self-contained HTML file: the figures above and the fit/hold-out table. Returns
    the file and (id, title, figure) per figure, as `govsim report --figures` expects."""
    from ..cli import write_atomic

    figs = figures(run)
    table = prediction_table(run)
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'><title>govsim china</title>",
        "<style>body{font-family:sans-serif;max-width:1100px;margin:auto}table{border-collapse:collapse}"
        "td,th{border:1px solid #ccc;padding:3px 6px;font-size:13px}</style></head><body>",
        f"<h1>China 2014-2024: provincial diffusion ({html.escape(run.info['scenario'])}, "
        f"{len(run.series)} seed(s), {run.info['months']} months)</h1>",
        "<p>Counts of the 31 provincial-level units by month; bands are 5-95% over seeds. Points used in the fit: "
        "2018-12, 2019-03 and 2020-12; April 2024 is held out (a prediction, not a fit). See docs/diffusion.md.</p>",
        table.to_html(index=False, float_format=lambda v: f"{v:.1f}", border=0),
    ]
    for i, (name, fig) in enumerate(figs.items()):
        parts.append(f"<h2>{html.escape(SECTION_TITLES[name])}</h2>")
        parts.append(fig.to_html(full_html=False, include_plotlyjs="inline" if i == 0 else False))
    parts.append("</body></html>")
    write_atomic(Path(out), "\n".join(parts))
    return Path(out), [(k, SECTION_TITLES[k], fig) for k, fig in figs.items()]
