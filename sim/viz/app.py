"""The govsim page: `solara run sim/viz/app.py` (or `govsim viz [SCENARIO]`).

A Mesa SolaraViz app: the sidebar holds Mesa's Reset / Play / Step controls and the model
parameters (preset, seed, each reform's switch and main strength, see `params.py`); the
main area holds three custom components — the network view (plotly, cached layout,
aggregated or drilled into one city), live charts of the key measures, and a summary with
the legend. The scenario comes from $GOVSIM_VIZ_SCENARIO (default: baseline).

The module-level model is shared by every browser tab until it presses Reset, which
builds a model for that tab from the inputs (Mesa's behaviour).
"""

from __future__ import annotations

import markdown
import mesa.visualization.solara_viz as mesa_solara_viz
import solara
from mesa.visualization import SolaraViz
from mesa.visualization.utils import update_counter

from sim.viz.charts import measures_figure, values_table
from sim.viz.legend import legend_markdown
from sim.viz.network_view import (
    AGGREGATED,
    ALL_LINES,
    aggregated_view,
    drill_label,
    drill_options,
    drilldown_view,
    network_figure,
    snapshot,
)
from sim.viz.params import VizModel, launch_scenario, model_params

GRID = (
    {"i": 0, "x": 0, "y": 0, "w": 7, "h": 17},  # network view
    {"i": 1, "x": 7, "y": 0, "w": 5, "h": 17},  # charts
    {"i": 2, "x": 0, "y": 17, "w": 12, "h": 15},  # summary and legend
)


def grid_layout(num_components: int) -> list[dict]:
    """Initial tiles (12 columns, rows of 30 px): Mesa's default gives every component the
    same 6x10 tile, too small for a province network. Tiles stay draggable and resizable."""
    out = [{**d, "moved": False} for d in GRID[:num_components]]
    for i in range(len(out), num_components):
        out.append({"i": i, "x": 0, "y": 32 + 10 * i, "w": 6, "h": 10, "moved": False})
    return out


# SolaraViz reads its initial tile layout from this module function; there is no parameter.
mesa_solara_viz.make_initial_grid_layout = grid_layout


def Html(md_text: str) -> None:
    """Markdown rendered on the server. solara.Markdown would load KaTeX and mermaid from
    the CDN (not in solara-assets 1.58.2), which fails offline with a page error."""
    with solara.Column(gap="0px"):
        solara.Style(".govsim-md td, .govsim-md th {padding: 1px 10px} .govsim-md td + td {text-align: right}")
        html = markdown.markdown(md_text, extensions=["tables"])
        solara.HTML(tag="div", unsafe_innerHTML=html, classes=["govsim-md"])


@solara.component
def NetworkView(model: VizModel) -> None:
    update_counter.get()
    snap = snapshot(model)
    options = drill_options(snap)
    choice, set_choice = solara.use_state(AGGREGATED)
    line, set_line = solara.use_state(ALL_LINES)
    if choice not in options:
        choice = AGGREGATED
    if line != ALL_LINES and line not in snap.lines:
        line = ALL_LINES
    gov = options[choice]

    def build():
        view = aggregated_view(model, line) if gov is None else drilldown_view(model, gov, line)
        return network_figure(view, month=model.steps)

    fig = solara.use_memo(build, dependencies=[id(model), model.steps, choice, line])

    def on_click(data) -> None:
        if gov is not None:
            return
        points = (data or {}).get("points", {})
        traces, idx = points.get("trace_indexes", []), points.get("point_indexes", [])
        if not traces:
            return
        trace = fig.data[traces[0]]
        if trace.customdata is None or idx[0] >= len(trace.customdata):
            return
        label = drill_label(options, snap, int(trace.customdata[idx[0]]))
        if label:
            set_choice(label)

    with solara.Column(style={"width": "100%"}):
        with solara.Row():
            solara.Select("Network view", value=choice, values=list(options), on_value=set_choice)
            solara.Select("Line", value=line, values=[ALL_LINES, *snap.lines], on_value=set_line)
        solara.FigurePlotly(fig, on_click=on_click, dependencies=[id(model), model.steps, choice, line])
        if gov is None:
            solara.Text("Click a government (or pick a city above) to see its agencies.")


@solara.component
def MeasureCharts(model: VizModel) -> None:
    update_counter.get()
    df = model.datacollector.get_model_vars_dataframe()
    fig = solara.use_memo(lambda: measures_figure(df), dependencies=[id(model), model.steps])
    solara.FigurePlotly(fig, dependencies=[id(model), model.steps])


@solara.component
def Summary(model: VizModel) -> None:
    update_counter.get()
    df = model.datacollector.get_model_vars_dataframe()
    on = ", ".join(model.reforms_on) or "none"
    s = model.structure
    with solara.Columns([2, 3]):
        Html(
            f"**{model.spec.meta.name}** · seed {model.spec.simulation.seed} · month {model.steps} of "
            f"{model.horizon} · {s.n_gov} governments, {s.n_agencies:,} agencies\n\n"
            + (f"**Note:** {model.viz_seed_note}\n\n" if model.viz_seed_note else "")
            + f"Reforms on: {on}\n\n{values_table(df)}"
        )
        with solara.Details("Legend", expand=True):
            Html(legend_markdown())


model = VizModel()
page = SolaraViz(
    model,
    components=[NetworkView, MeasureCharts, Summary],
    model_params=model_params(),
    name=f"govsim — digital-government reform ({launch_scenario()})",
)
page  # noqa: B018  (solara picks up the module-level `page`)
