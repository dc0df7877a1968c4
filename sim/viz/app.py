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

import html
import warnings
from collections.abc import Callable
from typing import Any

import markdown
import mesa.visualization.solara_viz as mesa_solara_viz
import solara
from mesa.visualization import SolaraViz
from mesa.visualization.utils import update_counter

from sim.viz.charts import measures_spec, starts_text, values_table
from sim.viz.legend import legend_markdown
from sim.viz.network_view import (
    AGGREGATED,
    ALL_LINES,
    aggregated_view,
    drill_label,
    drill_options,
    drilldown_view,
    network_spec,
    snapshot,
)
from sim.viz.params import VizModel, model_params, plan_reset, plan_text, shown_params
from sim.viz.plotly_widget import PlotlyFigure


def quiet_samesite_warning() -> None:
    """Solara warns (12 lines) on every page load that a samesite=none cookie needs https
    and falls back to samesite=lax: right for a page on 127.0.0.1, not in an iframe."""
    warnings.filterwarnings("ignore", message="Cookies with samesite=none require https", category=UserWarning)


quiet_samesite_warning()

GRID = (
    {"i": 0, "x": 0, "y": 0, "w": 7, "h": 23},  # network view
    {"i": 1, "x": 7, "y": 0, "w": 5, "h": 23},  # charts
    {"i": 2, "x": 0, "y": 23, "w": 12, "h": 20},  # summary and legend
)
# Mesa's sidebar puts a slider's label and the slider on one row: with our labels the
# slider was 8-40 px wide. Label on its own line, slider full width, value always shown
# (Mesa's UserInputs does not pass solara's thumb_label="always"; the CSS does its job).
SIDEBAR_CSS = """
.v-navigation-drawer .v-input__slider .v-input__slot { flex-wrap: wrap; }
.v-navigation-drawer .v-input__slider .v-input__slot > .v-label {
  flex: 0 0 100%; max-width: 100%; white-space: normal; height: auto; margin: 0 0 24px 0;
}
.v-navigation-drawer .v-slider__thumb-label-container { display: block !important; }
.v-navigation-drawer .v-slider__thumb-label {
  transform: translateY(-10px) translateX(-50%) !important; border-radius: 4px;
  width: auto !important; min-width: 26px; height: 18px !important; padding: 0 4px; font-size: 11px;
}
.v-navigation-drawer .v-slider__thumb-label > * { transform: none !important; }
/* Mesa disables ▶ only when the run is over, but leaves it reading ❚❚ if it was playing:
   a disabled play button reads ▶ (the summary says to press Reset) */
.v-navigation-drawer .v-card__text > .d-flex > button:nth-child(2):disabled .v-btn__content { font-size: 0; }
.v-navigation-drawer .v-card__text > .d-flex > button:nth-child(2):disabled .v-btn__content::after {
  content: "▶"; font-size: 14px;
}
.govsim-plan { font-size: 13px; color: #555; margin: -8px 0 16px 0; line-height: 1.35; }
"""


def grid_layout(num_components: int) -> list[dict]:
    """Initial tiles (12 columns, rows of 30 px): Mesa's default gives every component the
    same 6x10 tile, too small for a province network. Tiles stay draggable and resizable."""
    out = [{**d, "moved": False} for d in GRID[:num_components]]
    for i in range(len(out), num_components):
        out.append({"i": i, "x": 0, "y": 43 + 10 * i, "w": 6, "h": 10, "moved": False})
    return out


# SolaraViz reads its initial tile layout from this module function; there is no parameter.
# tests/test_viz.py fails if a Mesa upgrade renames it or stops calling it.
mesa_solara_viz.make_initial_grid_layout = grid_layout

MesaUserInputs = mesa_solara_viz.UserInputs


@solara.component
def PresetInputs(user_params: dict, on_change: Callable[[str, Any], None] | None = None) -> None:
    """Mesa's `UserInputs` (the sidebar's model parameters), following the preset menu.

    Mesa draws each input from its launched value and never changes it, so after picking
    another preset the switches still showed the launched preset's reforms. Here every
    control the user has not changed shows the picked preset's value; a line under the
    menu says what Reset will run; and Reset gets `touched`, the controls the user changed
    (the only ones that override the picked preset, see params.plan_reset)."""
    touched = solara.use_reactive({})  # name -> value the user set, read when called (no stale copy)

    def change(name: str, value: Any) -> None:
        touched.set({**touched.value, name: value})
        if on_change is not None:
            on_change(name, value)
            on_change("touched", tuple(sorted(touched.value)))

    shown = list(shown_params(user_params, touched.value).items())
    inputs = {k: v["value"] for k, v in user_params.items()} | touched.value
    plan = plan_reset(**inputs, touched=tuple(touched.value))
    MesaUserInputs(dict(shown[:1]), on_change=change)  # the preset menu
    solara.HTML(tag="div", unsafe_innerHTML=html.escape(plan_text(plan)), classes=["govsim-plan"])
    MesaUserInputs(dict(shown[1:]), on_change=change)


# ModelCreator draws the inputs with this module function; tests/test_viz.py checks it still does.
mesa_solara_viz.UserInputs = PresetInputs


def Html(md_text: str) -> None:
    """Markdown rendered on the server. solara.Markdown would load KaTeX and mermaid from
    the CDN (not in solara-assets 1.58.2), which fails offline with a page error."""
    with solara.Column(gap="0px"):
        solara.Style(".govsim-md td, .govsim-md th {padding: 1px 10px} .govsim-md td + td {text-align: right}")
        body = markdown.markdown(md_text, extensions=["tables"])
        solara.HTML(tag="div", unsafe_innerHTML=body, classes=["govsim-md"])


END_STYLE = {"color": "#b71c1c", "font-weight": "bold"}


def ended(model: VizModel) -> bool:
    return model.steps >= model.horizon or not model.running


def end_text(model: VizModel) -> str:
    return f"End of the run ({model.horizon} months): press Reset to start again."


@solara.component
def RunStatus(model: VizModel) -> None:
    """Which preset runs and the month; at the horizon, that Reset starts again (Mesa
    greys Play and Step out without a word)."""
    update_counter.get()  # redrawn every step, like Mesa's own components
    text = f"Running {model.viz_preset} · month {model.steps} of {model.horizon}"
    if ended(model):
        solara.Text(f"{text}. {end_text(model)}", style=END_STYLE)
    else:
        solara.Text(text, style={"color": "#555"})


@solara.component
def NetworkView(model: VizModel) -> None:
    update_counter.get()
    solara.Style(SIDEBAR_CSS)  # styles the sidebar too: one <style> for the whole page
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
        return network_spec(view, month=model.steps)

    fig = solara.use_memo(build, dependencies=[id(model), model.steps, choice, line])

    def on_click(data) -> None:
        if gov is not None:
            return
        points = (data or {}).get("points", {})
        traces, idx = points.get("trace_indexes", []), points.get("point_indexes", [])
        if not traces:
            return
        govs = fig["data"][traces[0]].get("customdata")
        if govs is None or idx[0] >= len(govs):
            return
        label = drill_label(options, snap, int(govs[idx[0]]))
        if label:
            set_choice(label)

    with solara.Column(style={"width": "100%"}):
        RunStatus(model)  # first line of the first tile: seen without scrolling
        with solara.Row():
            solara.Select("Network view", value=choice, values=list(options), on_value=set_choice)
            solara.Select("Line", value=line, values=[ALL_LINES, *snap.lines], on_value=set_line)
        PlotlyFigure(fig, on_click=on_click, dependencies=[id(model), model.steps, choice, line])
        if gov is None:
            solara.Text("Click a government (or pick a city above) to see its agencies.")
        elif line == ALL_LINES:
            solara.Text(
                "Each ring is one government's lines, in the same order on every ring (names on the city's, "
                "hover for any). Contracts and suppliers: click “contract” in the legend."
            )


@solara.component
def MeasureCharts(model: VizModel) -> None:
    update_counter.get()
    df = model.datacollector.get_model_vars_dataframe()
    starts = model.start_months()
    fig = solara.use_memo(lambda: measures_spec(df, starts=starts), dependencies=[id(model), model.steps])
    with solara.Column(style={"width": "100%"}):
        PlotlyFigure(fig, dependencies=[id(model), model.steps])
        if starts:
            solara.Text(starts_text(starts), style={"font-size": "12px", "color": "#555"})


def reforms_table(model: VizModel) -> str:
    """Markdown: each reform on, the month it starts and its strength."""
    rows = model.reform_rows()
    if not rows:
        return "Reforms on: none"
    out = ["| reform on | from month | strength | |", "|---|---:|:---|---:|"]
    for r in rows:
        start = str(r.start_month)
        if r.start_month > model.steps:
            start = f"**{r.start_month}** (in {r.start_month - model.steps})"  # not active yet: say so
        mark = " (added)" if r.change == "added" else ""
        out.append(f"| {r.key}{mark} | {start} | {r.strength_label} | {r.strength_value} |")
    return "\n".join(out)


def summary_markdown(model: VizModel) -> str:
    df = model.datacollector.get_model_vars_dataframe()
    s = model.structure
    changes = model.changes_from_preset()
    preset = f"**{model.spec.meta.name}**"
    preset += f" (changed from its file: {', '.join(changes)})" if changes else " (as its file says)"
    parts = [
        f"{preset} · seed {model.spec.simulation.seed} · month {model.steps} of {model.horizon} · "
        f"{s.n_gov} governments, {s.n_agencies:,} agencies",
        f"**Note:** {model.viz_seed_note}" if model.viz_seed_note else "",
        reforms_table(model),
        values_table(df),
    ]
    return "\n\n".join(p for p in parts if p)


@solara.component
def Summary(model: VizModel) -> None:
    update_counter.get()
    with solara.Columns([3, 2]):  # the reforms table needs the room
        with solara.Column(gap="8px"):
            if ended(model):
                solara.Text(end_text(model), style=END_STYLE)
            Html(summary_markdown(model))
        with solara.Details("Legend", expand=True):
            Html(legend_markdown())


model = VizModel()
page = SolaraViz(
    model,
    components=[NetworkView, MeasureCharts, Summary],
    model_params=model_params(),
    # no preset in the header: Mesa draws it once, and Reset may run another preset (the
    # network tile's first line names the one running)
    name="govsim — digital-government reform",
)
page  # noqa: B018  (solara picks up the module-level `page`)
