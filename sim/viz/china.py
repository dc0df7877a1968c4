"""The national view: `govsim viz china` (a scenario with [diffusion]) serves this page
instead of the single-province app.

Press Run to simulate the 31 provinces from the scenario's start to its end with the seed
and mechanism switches chosen in the sidebar (about 10 s); then step through the years with
the slider or ▶: the tile-grid map shows who oversees IT in each province at the end of the
chosen year, the curves show the counts up to then against the observed points.
"""

from __future__ import annotations

import os

import pandas as pd
import plotly.graph_objects as go
import solara

from sim.diffusion.figures import CURVES, stepping_map
from sim.diffusion.observed import POINTS

MECHANISMS = ("central_mandates", "learning", "competition", "emulation", "capacity")
SCENARIO = os.environ.get("GOVSIM_VIZ_SCENARIO") or "china"


def run(seed: int, switches: dict[str, bool]) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(time series, events with dates, province table) of one coupled run."""
    from sim.diffusion.model import ChinaModel
    from sim.diffusion.schema import month_label

    m = ChinaModel(SCENARIO, rng=seed, **{f"diffusion.{k}": v for k, v in switches.items()}).run()
    events = pd.DataFrame(m.events, columns=["month", "province", "item", "body", "why"])
    events["date"] = [month_label(m.d.start, int(t)) for t in events["month"]]
    return m.timeseries(), events, m.province_table()


def curves(ts: pd.DataFrame, year: int) -> go.Figure:
    """Counts up to the end of `year`, full horizon on the axis, observed points marked."""
    shown = ts[ts["date"].str.slice(0, 4).astype(int) <= year]
    fig = go.Figure()
    for col in (c for cols in CURVES.values() for c in cols):
        fig.add_trace(go.Scatter(x=pd.to_datetime(shown["date"]), y=shown[col], name=col.removeprefix("provinces_")))
    for p in POINTS:
        fig.add_trace(
            go.Scatter(
                x=[pd.Timestamp(p.date + "-01")],
                y=[p.value],
                mode="markers",
                showlegend=False,
                marker={"symbol": "diamond-open" if p.role == "holdout" else "circle", "size": 10, "color": "black"},
                hovertext=p.source,
            )
        )
    span = [pd.to_datetime(ts["date"].iloc[0]), pd.to_datetime(ts["date"].iloc[-1])]
    fig.update_layout(height=420, yaxis={"range": [0, 32], "title": "provinces"}, xaxis={"range": span})
    return fig


@solara.component
def Page():
    seed, set_seed = solara.use_state(1)
    switches, set_switches = solara.use_state(dict.fromkeys(MECHANISMS, True))
    result, set_result = solara.use_state(None)
    year, set_year = solara.use_state(2018)
    with solara.Sidebar():
        solara.Markdown(f"**{SCENARIO}**: 31 provinces, each with its own model")
        solara.InputInt("seed", value=seed, on_value=set_seed)
        for k in MECHANISMS:
            solara.Checkbox(label=k, value=switches[k], on_value=lambda v, k=k: set_switches({**switches, k: v}))
        solara.Button("Run", on_click=lambda: set_result(run(seed, switches)))
    if result is None:
        solara.Markdown("Press **Run** in the sidebar (about 10 seconds).")
        return
    ts, events, provinces = result
    first, last = int(ts["date"].iloc[0][:4]), int(ts["date"].iloc[-1][:4])
    solara.SliderInt("end of year", value=year, min=first, max=last, on_value=set_year, thumb_label="always")
    fig = stepping_map(events, provinces, [year])
    fig.frames, fig.layout.sliders, fig.layout.updatemenus = (), (), ()  # the page's slider steps the years
    fig.update_layout(title=f"Who oversees IT, end of {year}")
    solara.FigurePlotly(fig)
    solara.FigurePlotly(curves(ts, year))
