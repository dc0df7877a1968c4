"""A plotly figure component that updates the drawn figure in place.

`solara.FigurePlotly` replaces every trace on each new figure: at Guangdong size a step
re-sent the static layers too (the drill-down's 720-segment vertical bundle, the rings'
positions) and plotly redrew from scratch. `PlotlyFigure` does what `FigurePlotly` does
when the layers change (another view, a line filter) and otherwise assigns the new values
to the existing traces inside one `batch_update`: plotly's widget sends only the
properties that changed (colours, served links, names with counts, titles) in one message.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import ipyvuetify as v
import numpy as np
import plotly.graph_objects as go
import solara
from plotly.serializers import custom_serializers
from traitlets import Dict, Unicode

KEEP_IN_PLACE = ("type", "uid", "visible")
"""Not re-assigned in place: the layer identity, and `visible`, which a click on a legend
entry sets in the browser (so a layer the user hid or showed stays that way)."""


Spec = dict[str, Any]
"""A figure as a plain plotly dict: {"data": [trace dicts], "layout": {...}}."""


def as_spec(fig: go.Figure | Spec) -> Spec:
    if isinstance(fig, dict):
        return fig
    return {"data": [t.to_plotly_json() for t in fig.data], "layout": fig.layout.to_plotly_json()}


def layers(spec: Spec) -> list[Any]:
    """The figure's view (its uirevision) and layers: (type, uid) per trace, which the
    figure builders set. Another view is drawn afresh, so its legend starts as built."""
    return [spec["layout"].get("uirevision"), *((t.get("type", "scatter"), t.get("uid")) for t in spec["data"])]


def same_value(a: Any, b: Any) -> bool:
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        a, b = np.asarray(a), np.asarray(b)
        if a.shape != b.shape or a.dtype.kind != b.dtype.kind:
            return False
        return bool(np.array_equal(a, b, equal_nan=a.dtype.kind == "f"))
    try:
        return bool(a == b)
    except ValueError:  # sequences holding arrays
        return False


def changed(old: dict, new: dict) -> dict:
    """The part of `new` that differs from `old` (nested dicts compared key by key)."""
    out = {}
    for key, value in new.items():
        before = old.get(key)
        if isinstance(value, dict) and isinstance(before, dict):
            sub = changed(before, value)
            if sub:
                out[key] = sub
        elif key not in old or not same_value(before, value):
            out[key] = value
    return out


def apply_figure(widget: go.FigureWidget, fig: go.Figure | Spec) -> bool:
    """Make `widget` show `fig`; True when it was updated in place (same view, same
    layers in the same order, every trace with a uid), False when its traces were replaced."""
    spec = as_spec(fig)
    new = layers(spec)
    traces, layout = spec["data"], spec["layout"]
    # what was last sent, as built: comparing numpy arrays here is much cheaper than
    # letting plotly validate and compare whole lists (0.15 s a step at Guangdong size)
    sent = getattr(widget, "_govsim_sent", None)
    if sent is None or sent[0] != new or not all(uid for _, uid in new[1:]):  # what solara.FigurePlotly does
        widget.layout = layout
        n = len(widget.data)
        widget.add_traces(traces)
        widget.data = widget.data[n:]
        widget._govsim_sent = (new, traces, layout)
        return False
    with widget.batch_update():
        for trace, before, now in zip(widget.data, sent[1], traces, strict=True):
            diff = changed(before, now)
            for key in KEEP_IN_PLACE:
                diff.pop(key, None)
            if diff:
                trace.update(diff)
        diff = changed(sent[2], layout)
        if diff:
            widget.layout.update(diff)
    widget._govsim_sent = (new, traces, layout)
    return True


class QuietFigureWidget(go.FigureWidget):
    """A FigureWidget that ignores the browser's report of every trace's defaults.

    After each update plotly's browser side sends the defaults it filled in (65-110 kB at
    Guangdong size, every step); the server validated them into the Python figure and
    echoed them back, before it could handle the next click. `apply_figure` keeps its own
    record of what was sent, so the defaults are not needed: not processed, not echoed.
    """

    _js2py_traceDeltas = Dict(allow_none=True).tag(sync=True, echo_update=False, **custom_serializers)
    _js2py_layoutDelta = Dict(allow_none=True).tag(sync=True, echo_update=False, **custom_serializers)

    # plain methods replace plotly's @observe handlers of the same name (not registered)
    def _handler_js2py_traceDeltas(self, change: dict) -> None:
        pass

    def _handler_js2py_layoutDelta(self, change: dict) -> None:
        pass


FIT_WIDTH_VUE = """
<template><span style="display: none"></span></template>
<script>
module.exports = {
  mounted() {
    const box = this.$el.parentElement;
    let timer = null;
    const fit = () => {
      const plot = box.querySelector('.js-plotly-plot');
      const drawn = plot && plot._fullLayout && plot._fullLayout.width;
      if (drawn && plot.clientWidth > 0 && Math.abs(drawn - plot.clientWidth) > 1 && window.Plotly) {
        clearTimeout(timer);
        timer = setTimeout(() => window.Plotly.Plots.resize(plot), 30);
      }
    };
    this.observer = new ResizeObserver(fit);
    this.observer.observe(box);
  },
  beforeDestroy() { this.observer.disconnect(); },
}
</script>
"""


class FitWidth(v.VuetifyTemplate):
    """Makes the plotly figure beside it as wide as its container.

    A figure without a width is sized when first drawn, and plotly's widget draws it
    before it is in the page: it came out at plotly's default 700 px, wider than its tile
    in a 1,344 px window. Nor does it follow later changes: under Solara the widget never
    gets the messages that make it listen to window resizes. This watches the box holding
    the figure (its height changes when the figure is drawn, its width with the window or
    the tile) and, when the drawn width is not the box's, resizes the figure with the
    widget's own plotly (`window.Plotly`, which plotly's widget bundle sets).
    """

    template = Unicode(FIT_WIDTH_VUE).tag(sync=True)


@solara.component
def PlotlyFigure(
    fig: go.Figure | Spec,
    on_click: Callable[[dict], None] | None = None,
    dependencies: list[Any] | None = None,
) -> Any:
    """`solara.FigurePlotly` with in-place updates (see the module docstring), as wide as
    its container (`FitWidth`)."""
    with solara.Div(style={"width": "100%"}) as box:
        _Figure(fig, on_click, dependencies)
        FitWidth.element()
    return box


@solara.component
def _Figure(
    fig: go.Figure | Spec,
    on_click: Callable[[dict], None] | None = None,
    dependencies: list[Any] | None = None,
) -> Any:
    def on_points(data: dict | None) -> None:
        if data and data.get("event_type") == "plotly_click" and on_click:
            on_click(data)

    element = QuietFigureWidget.element(on__js2py_pointsCallback=on_points)

    def update() -> None:
        apply_figure(solara.get_widget(element), fig)

    solara.use_effect(update, dependencies or [fig])
    return element
