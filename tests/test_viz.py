"""The viz page's parts without a browser: inputs -> overrides, network views, CLI."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.cli import build_parser, main
from sim.measures import MEASURES
from sim.network import EDGE_TYPES
from sim.reforms import REGISTRY
from sim.scenario import GovScenario, load_spec
from sim.viz.charts import KEY_MEASURES, fmt, fmt_pair, measures_figure, month_dtick, starts_text, values_table
from sim.viz.cli import DEFAULT_HOST, server_command, url_for
from sim.viz.legend import legend_markdown
from sim.viz.network_view import (
    AGGREGATED,
    EDGE_STYLE,
    aggregated_view,
    drill_label,
    drill_options,
    drilldown_view,
    full_names,
    gov_layout,
    gov_names,
    model_edges,
    network_figure,
    sharing_scores,
    short_line,
    snapshot,
)
from sim.viz.params import (
    ENV_SCENARIO,
    STRENGTH,
    VizModel,
    model_params,
    param_paths,
    parse_seed,
    same_input,
    strength_key,
    switch_overrides,
)
from sim.viz.plotly_widget import QuietFigureWidget, apply_figure


@pytest.fixture(scope="module")
def stepped():
    m = VizModel(preset="baseline", rng=1, ops_separation=True, data_bureau=True)
    for _ in range(6):
        m.step()
    return m


# ----------------------------------------------------------------------------- inputs
def test_every_input_is_an_identifier_and_maps_to_a_real_scenario_key():
    spec, _ = load_spec("baseline")
    params = model_params("baseline")
    for name, path in param_paths().items():
        assert name.isidentifier()
        assert name in params
        _, reform, field = path.split(".")
        assert hasattr(getattr(spec.reforms, reform), field), path
    assert set(STRENGTH) == set(REGISTRY)  # every reform has a strength slider


def test_defaults_follow_the_launched_scenario():
    p = model_params("guangdong")
    assert p["preset"]["value"] == "guangdong" and "baseline" in p["preset"]["values"]
    assert p["ops_separation"]["value"] is True and p["one_window"]["value"] is False
    assert p[strength_key("ops_separation")]["value"] == pytest.approx(0.51)
    assert p[strength_key("shared_platform")]["type"] == "SliderInt"
    assert p["rng"]["type"] == "InputText"


def test_toggles_and_sliders_become_overrides_of_the_right_type():
    spec, _ = load_spec("baseline")
    out = switch_overrides(
        {"unified_approval": True, "unified_approval_capacity": 4, "base_data_build_months": 7.0}, spec
    )
    assert out == {
        "reforms.unified_approval.enabled": True,
        "reforms.unified_approval.capacity": 4.0,
        "reforms.base_data.build_months": 7,
    }
    assert isinstance(out["reforms.base_data.build_months"], int)
    with pytest.raises(ValueError, match="unknown viz inputs"):
        switch_overrides({"unified_aproval": True}, spec)


def test_toggling_a_reform_changes_the_resolved_scenario():
    off = VizModel(preset="baseline", rng=2)
    on = VizModel(preset="baseline", rng=2, unified_approval=True, unified_approval_capacity=3.0)
    assert not off.spec.reforms.unified_approval.enabled
    assert on.spec.reforms.unified_approval.enabled and on.spec.reforms.unified_approval.capacity == 3.0
    assert on.reforms_on == ["unified_approval"] and off.reforms_on == []
    assert on.scenario.overrides["reforms.unified_approval.enabled"] is True


def page_inputs(scenario: str, **changes) -> dict:
    """What Mesa's Reset passes: every input at the launched scenario's value, plus changes."""
    return {k: v["value"] for k, v in model_params(scenario).items()} | changes


def test_a_preset_picked_in_the_menu_runs_its_own_reforms(monkeypatch):
    monkeypatch.setenv(ENV_SCENARIO, "guangdong")
    zj, _ = load_spec("zhejiang")
    picked = VizModel(**page_inputs("guangdong", preset="zhejiang"))
    assert picked.spec.meta.name == "zhejiang"
    own = [k for k in REGISTRY if getattr(zj.reforms, k).enabled]
    assert picked.reforms_on == own and {"one_window", "open_data"} <= set(own)
    assert "unified_approval" not in picked.reforms_on  # Guangdong's switch, untouched: not carried over
    assert picked.spec.reforms.data_bureau.it_attention == zj.reforms.data_bureau.it_attention != 0.6
    assert picked.changes_from_preset() == []


def test_controls_the_user_changed_still_override_the_picked_preset(monkeypatch):
    monkeypatch.setenv(ENV_SCENARIO, "guangdong")
    m = VizModel(
        **page_inputs(
            "guangdong", preset="zhejiang", ops_separation=False, traceable_sharing=True, leadership_pressure=1.25
        )
    )
    assert "ops_separation" not in m.reforms_on and "traceable_sharing" in m.reforms_on
    assert m.spec.reforms.leadership.pressure == 1.25
    assert m.changes_from_preset() == ["+traceable_sharing", "−ops_separation", "leadership: pressure 0.5 → 1.25"]
    rows = {r.key: r for r in m.reform_rows()}
    assert rows["traceable_sharing"].change == "added" and rows["data_bureau"].change == ""
    # the launched preset itself: a switch turned off is the only change
    same = VizModel(**page_inputs("guangdong", ops_separation=False))
    assert not same.spec.reforms.ops_separation.enabled and same.changes_from_preset() == ["−ops_separation"]
    # "run the preset as its file says" ignores even the user's changes
    as_file = VizModel(**page_inputs("guangdong", preset="zhejiang", follow_preset=True, ops_separation=False))
    assert "ops_separation" in as_file.reforms_on and as_file.viz_overrides == {}


def test_the_sidebar_follows_the_picked_preset_except_what_the_user_changed():
    from sim.viz.params import shown_params

    launched = model_params("guangdong")
    zj, _ = load_spec("zhejiang")
    shown = shown_params(launched, {"preset": "zhejiang", "traceable_sharing": True, "leadership_pressure": 1.25})
    assert shown["preset"]["value"] == "zhejiang" and shown["preset"]["values"] == launched["preset"]["values"]
    for key in REGISTRY:
        expected = True if key == "traceable_sharing" else getattr(zj.reforms, key).enabled
        assert shown[key]["value"] is expected, key
        assert shown[key]["label"] == launched[key]["label"]
    assert shown["unified_approval"]["value"] is False and shown["one_window"]["value"] is True  # was guangdong's
    assert shown[strength_key("data_bureau")]["value"] == zj.reforms.data_bureau.it_attention
    assert shown["leadership_pressure"]["value"] == 1.25 and shown["rng"]["value"] == str(zj.simulation.seed)
    assert shown_params(launched, {}) == launched  # nothing picked or changed: as launched


def test_reset_runs_what_the_sidebar_shows(monkeypatch):
    from sim.viz.params import plan_reset, plan_text

    monkeypatch.setenv(ENV_SCENARIO, "guangdong")
    zj, _ = load_spec("zhejiang")
    # picked zhejiang, then switched off one_window (on in zhejiang, off in guangdong: the
    # value equals guangdong's, so without `touched` it could not count as a change)
    inputs = page_inputs("guangdong", preset="zhejiang", one_window=False, rng="5")
    m = VizModel(**inputs, touched=("one_window", "preset", "rng"))
    assert m.spec.meta.name == "zhejiang" and "one_window" not in m.reforms_on
    assert m.changes_from_preset() == ["−one_window"] and m.spec.simulation.seed == 5
    # untouched controls (still at guangdong's values in Mesa's inputs) are not carried over
    assert "unified_approval" not in m.reforms_on and zj.reforms.open_data.enabled and "open_data" in m.reforms_on
    plan = plan_reset(**inputs, touched=("one_window", "preset", "rng"))
    assert plan.reforms_on() == m.reforms_on
    assert plan_text(plan) == f"Reset runs zhejiang (seed 5), reforms on: {', '.join(m.reforms_on)}"
    assert "(seed 1)" in plan_text(plan_reset(**page_inputs("guangdong"), touched=()))


def test_slider_noise_is_not_a_change():
    assert same_input(0.6, 0.6000000000000001) and same_input(4, 4.0) and same_input("1", "1 ")
    assert not same_input(0.6, 0.65) and not same_input(True, False)


def test_reform_start_months_are_listed(monkeypatch):
    monkeypatch.setenv(ENV_SCENARIO, "guangdong")
    m = VizModel(**page_inputs("guangdong", one_window=True))
    rows = {r.key: r for r in m.reform_rows()}
    assert (rows["data_bureau"].start_month, rows["unified_approval"].start_month, rows["standards"].start_month) == (
        9,
        9,
        12,
    )
    assert rows["one_window"].start_month == 0  # switched on in the page: runs from the start
    assert rows["leadership"].strength_label == STRENGTH["leadership"].label and rows["leadership"].strength_value
    starts = m.start_months()
    assert starts[9] == ["data_bureau", "unified_approval"] and 0 not in starts
    from sim.viz.app import reforms_table

    table = reforms_table(m)
    assert "| data_bureau | **9** (in 9) |" in table and "| one_window (added) | 0 |" in table


def test_seed_from_a_text_box_and_mesa_reset_arguments(monkeypatch):
    assert parse_seed("7") == 7 and parse_seed(" 12 ") == 12 and parse_seed(5) == 5
    assert parse_seed("") is None and parse_seed("x1") is None and parse_seed(None) is None
    m = VizModel(preset="baseline", rng="7")
    assert m.spec.simulation.seed == 7 and m.viz_seed_note == ""
    junk = VizModel(preset="baseline", rng="abc")  # shown on the page, not silently dropped
    assert "'abc'" in junk.viz_seed_note and str(junk.spec.simulation.seed) in junk.viz_seed_note
    # Mesa's Reset adds scenario=<default GovScenario>; the preset input wins
    monkeypatch.setenv(ENV_SCENARIO, "guangdong")
    r = VizModel(preset="zhejiang", rng="3", scenario=GovScenario())
    assert r.spec.meta.name == "zhejiang" and r.spec.simulation.seed == 3
    assert VizModel().spec.meta.name == "guangdong"  # no preset: the launched scenario


def test_same_seed_same_run_and_mesa_accepts_the_params():
    from mesa.visualization.solara_viz import _build_model_init_kwargs, _check_model_params

    a, b = VizModel(preset="baseline", rng=3), VizModel(preset="baseline", rng=3)
    for m in (a, b):
        m.step()
    assert a.measures == b.measures
    params = model_params("baseline")
    _check_model_params(a, params)  # what SolaraViz checks on the page
    values = {k: v["value"] for k, v in params.items()}
    kwargs = _build_model_init_kwargs(a, values, add_scenario_when_empty=True, require_model_accepts_scenario=True)
    again = type(a)(**kwargs)  # what Reset does
    assert again.spec.meta.name == "baseline" and again.spec.simulation.seed == 1


# ----------------------------------------------------------------------------- network
def test_aggregated_view_has_one_node_per_government(stepped):
    s = stepped.structure
    v = aggregated_view(stepped)
    govs = v.nodes[v.nodes["kind"] == "government"]
    assert len(govs) == s.n_gov and govs["id"].is_unique
    assert (v.nodes["kind"] == "company").sum() == len(stepped.companies) == 1
    assert (v.nodes["kind"] == "bureau").sum() == sum(1 for b in stepped.bodies if not b.superseded)
    assert {"vertical", "contract", "oversight"} <= set(v.edges["kind"])
    vert = v.edges[v.edges["kind"] == "vertical"]
    assert len(vert) == s.n_gov - 1  # the jurisdiction tree
    assert vert["weight"].sum() == (s.gov_parent[s.agency_gov] >= 0).sum()
    assert set(v.edges["source"]) | set(v.edges["target"]) <= set(v.nodes["id"])


def test_drilldown_shows_a_citys_agencies(stepped):
    s = stepped.structure
    snap = snapshot(stepped)
    options = drill_options(snap)
    assert options[AGGREGATED] is None
    label, city = next((k, g) for k, g in options.items() if g is not None)
    assert label.startswith("city 0 and ") and s.gov_level[city] == 1
    kids = np.flatnonzero(s.gov_parent == city)
    v = drilldown_view(stepped, city)
    agencies = v.nodes[v.nodes["kind"] == "agency"]
    expected = {f"a{i}" for i in np.flatnonzero(np.isin(s.agency_gov, [city, *kids]))}
    assert set(agencies["id"]) == expected
    assert {"vertical", "horizontal", "contract", "oversight"} <= set(v.edges["kind"])
    assert set(v.edges["source"]) | set(v.edges["target"]) <= set(v.nodes["id"])
    # a click on a county opens its city; on the province, nothing
    assert drill_label(options, snap, int(kids[0])) == label == drill_label(options, snap, int(city))
    assert drill_label(options, snap, 0) is None
    one_line = drilldown_view(stepped, city, line=s.lines[0])
    assert (one_line.nodes["kind"] == "agency").sum() == 1 + len(kids)


def test_scores_match_the_silo_index(stepped):
    snap = snapshot(stepped)
    agency, gov = sharing_scores(snap)
    ok = np.isfinite(agency)
    assert ok.any() and ((agency[ok] >= 0) & (agency[ok] <= 1)).all()
    assert np.nanmin(gov) >= 0 and np.nanmax(gov) <= 1
    w, served = snap.link_weight, snap.link_served
    assert 1 - (w * served).sum() / w.sum() == pytest.approx(stepped.measures["silo_index"])


def test_layout_is_cached_and_deterministic(stepped):
    snap = snapshot(stepped)
    a, b = gov_layout(snap), gov_layout(snapshot(VizModel(preset="baseline", rng=1)))
    assert a is b  # same tree, same cached array
    assert np.allclose(a[0], 0)  # the province at the centre
    r = np.linalg.norm(a, axis=1)
    assert np.allclose(r, stepped.structure.gov_level)


def test_figures_draw_every_edge_type_and_the_measures(stepped):
    fig = network_figure(drilldown_view(stepped, 1), month=stepped.steps)
    names = " ".join(t.name for t in fig.data)
    for style in EDGE_STYLE.values():
        assert style["label"] in names
    df = stepped.datacollector.get_model_vars_dataframe()
    charts = measures_figure(df)
    assert len(charts.data) == len(KEY_MEASURES) and len(charts.data[0].x) == stepped.steps + 1
    table = values_table(df)
    assert all(f"`{m}`" in table for m in KEY_MEASURES)
    assert "sharing score" in legend_markdown() and "silo_index" in legend_markdown()


def test_guangdong_aggregated_view_stays_small():
    m = VizModel(preset="guangdong", rng=1)
    for _ in range(10):
        m.step()
    v = aggregated_view(m)
    assert m.structure.n_agencies > 5000
    assert len(v.nodes) < 400 and len(v.edges) < 1000
    assert set(v.edges["kind"]) == {"vertical", "contract", "oversight", "share"}  # horizontal: inside a node


# ----------------------------------------------------------------------------- CLI
def test_cli_defaults_to_localhost_and_prints_the_address(capsys):
    args = build_parser().parse_args(["viz"])
    assert (args.scenario, args.host, args.port) == ("baseline", DEFAULT_HOST, 8765)
    assert DEFAULT_HOST == "127.0.0.1"
    assert main(["viz", "guangdong", "--port", "8899", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "http://127.0.0.1:8899/" in out and "solara run" in out and "--host 127.0.0.1" in out
    assert "0.0.0.0" not in out


def test_server_command_passes_the_scenario_and_a_free_port():
    cmd, env, url = server_command("zhejiang", "127.0.0.1", 0)
    assert env[ENV_SCENARIO] == "zhejiang"
    port = int(cmd[cmd.index("--port") + 1])
    assert port > 0 and url == f"http://127.0.0.1:{port}/"
    assert cmd[-2:] == ["--production", "--no-open"] and cmd[cmd.index("run") + 1].endswith("app.py")
    assert url_for("0.0.0.0", 80) == "http://127.0.0.1:80/" and url_for("::1", 80) == "http://[::1]:80/"


def test_cli_rejects_an_unknown_scenario(capsys):
    assert main(["viz", "nowhere", "--dry-run"]) == 2
    assert "unknown scenario 'nowhere'" in capsys.readouterr().err


def test_cli_refuses_a_port_in_use_with_one_line(capsys):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        assert main(["viz", "baseline", "--port", str(port), "--dry-run"]) == 2
    err = capsys.readouterr().err.strip()
    assert f"--port {port}" in err and "already in use" in err and "\n" not in err


# ----------------------------------------------------------------------------- charts
def test_values_keep_the_digits_that_tell_them_apart():
    assert fmt_pair(0.15, 0.14995) == ("0.15", "0.1499")  # was 0.1500 → 0.1500
    assert fmt_pair(0.2437, 0.2443) == ("0.2437", "0.2443") and fmt_pair(0.15, 0.15) == ("0.15", "0.15")
    assert fmt_pair(19023.0, 24023.0) == ("19,023", "24,023") and fmt(1e-5) == "0.00001"
    assert "0.1499" in values_table(pd.DataFrame({m: [0.15, 0.14995] for m in KEY_MEASURES}))


def test_chart_axes_start_at_zero_and_months_are_whole():
    df = pd.DataFrame({m: [0.15, 0.1499, 0.1498] for m in KEY_MEASURES})
    fig = measures_figure(df, starts={9: ["data_bureau"], 12: ["standards"]})
    for i, m in enumerate(KEY_MEASURES, start=1):
        ax = fig.layout[f"yaxis{i if i > 1 else ''}"]
        if "0-1" in MEASURES[m].unit:
            assert list(ax.range) == [0, 1.02], m
        else:
            assert ax.rangemode == "tozero" and ax.range is None, m
    assert fig.layout.xaxis.dtick in (1, 2, 3) and fig.layout.xaxis.tick0 == 0
    assert fig.layout.xaxis.range[1] >= 12  # reaches the last reform start
    starts = [s for s in fig.layout.shapes if s.x0 == s.x1]
    assert sorted({s.x0 for s in starts}) == [9, 12] and len(starts) == 2 * len(KEY_MEASURES)
    assert month_dtick(5) == 1 and month_dtick(60) == 12 and month_dtick(500) % 12 == 0
    assert starts_text({9: ["a", "b"]}) == "Dotted lines: reforms start — month 9: a, b."


# ----------------------------------------------------------------------------- network (2)
def test_edges_read_from_arrays_match_the_networkx_graph():
    from sim.network import build_network

    m = VizModel(preset="guangdong", rng=2)
    for month in range(1, 14):
        m.step()
        if month % 4:
            continue
        mine = model_edges(m)
        G = build_network(m)
        for kind in EDGE_TYPES:
            ref = sorted((u, v) for u, v, k in G.edges(keys=True) if k == kind)
            assert sorted(zip(*(a.tolist() for a in mine[kind]), strict=True)) == ref, (month, kind)
        bodies = [b for b in m.bodies if not b.superseded]
        assert len(bodies) > 0 and snapshot(m).bodies["node"].tolist() == [b.node for b in bodies]


def test_drilldown_is_readable(stepped):
    city = 1
    v = drilldown_view(stepped, city)
    fig = network_figure(v, month=stepped.steps)
    agencies = v.nodes[v.nodes["kind"] == "agency"]
    own = agencies[agencies["gov"] == city]
    # each government a ring of its lines; only the city's is labelled, with whole words
    r = np.hypot(own["x"], own["y"])
    assert np.allclose(r, r.iloc[0])
    assert set(own["text"]) == {short_line(ln) for ln in stepped.structure.lines}
    assert (agencies[agencies["gov"] != city]["text"] == "").all()
    by_uid = {t.uid: t for t in fig.data}
    scored, grey = by_uid["nodes-scored"], by_uid["nodes-none"]
    assert np.isfinite(np.asarray(scored.marker.color, float)).all()  # no NaN drawn red under the grey
    assert len(scored.x) + len(grey.x) == len(agencies) and len(grey.x) > 0
    assert scored.mode == "markers+text" or grey.mode == "markers+text"
    assert scored.textfont.size >= 9
    vertical = by_uid["edge-vertical"]
    assert vertical.opacity < 0.5 and [t.uid for t in fig.data].index("edge-vertical") == 0  # faint, underneath
    assert all(t.uid for t in fig.data) and len({t.uid for t in fig.data}) == len(fig.data)
    assert fig.layout.title.y < 1 - 30 / fig.layout.height  # below the modebar
    # contracts and their suppliers start hidden, one legend entry brings them back
    hidden = [t for t in fig.data if t.visible == "legendonly"]
    assert {t.uid for t in hidden} == {"edge-contract", "node-company", "node-vendor", "node-vendors"}
    assert {t.legendgroup for t in hidden} == {"contract"} and fig.layout.legend.traceorder == "normal"
    agg = network_figure(aggregated_view(stepped))
    assert [t.uid for t in agg.data if t.visible == "legendonly"] == ["edge-oversight"]


def test_line_labels_keep_whole_first_words():
    assert short_line("housing_fund") == "housing fund" and short_line("public_security") == "public s."
    assert short_line("intellectual_property") == "intellectual p." and short_line("meteorology") == "meteorology"


@pytest.mark.parametrize("n_kids", [0, 2, 5, 9, 12, 15, 19])
def test_drilldown_rings_do_not_overlap_and_labels_have_a_row_each(n_kids):
    from sim.viz.network_view import DRAWING_PX, LABEL_PX, LABEL_ROW_PX, _ring, ring_layout

    names = load_spec("guangdong")[0].government.lines
    lines = len(names)
    geo = ring_layout(n_kids, lines)
    px = DRAWING_PX / 2 / geo.extent  # pixels per unit in the drawing the sizes assume
    # a child's ring (radius 1): neighbours further apart than the markers
    child = _ring(lines, False)
    gaps = np.hypot(*np.diff(np.vstack([child, child[:1]]), axis=0).T) * px
    assert gaps.min() >= geo.node_px + 1, (gaps.min(), geo.node_px)
    # the city's ring: label rows at least LABEL_ROW_PX apart ...
    city = _ring(lines, True) * geo.city * px
    right = city[city[:, 0] > 0]
    assert np.diff(np.sort(right[:, 1])).min() >= LABEL_ROW_PX - 1e-9 > LABEL_PX
    # ... and the two labels of a row, pointing inwards from either side, do not meet
    # glyphs average 0.46 em in the page's font (measured on a screenshot), plus half a marker
    width = np.array([0.5 * LABEL_PX * len(short_line(n)) + 5 for n in names])
    for y in np.unique(np.round(city[:, 1], 6)):
        row = np.flatnonzero(np.isclose(city[:, 1], y))
        if len(row) == 2:
            (xa, wa), (xb, wb) = sorted(zip(city[row, 0], width[row], strict=True))
            assert xa + wa < xb - wb, (y, names[row[0]], names[row[1]])
    # rings apart: children from the city's ring and from each other, all inside the extent
    if n_kids:
        assert geo.centre - 1 - geo.city >= 0.3 - 1e-9
        assert 2 * geo.centre * np.sin(np.pi / n_kids) >= 2 + 0.3 - 1e-9 or n_kids == 1
        assert geo.centre + 1 <= geo.extent + 1e-9
    assert geo.city * px >= 100  # the labelled ring stays large


def test_figures_follow_their_tile_width(stepped):
    df = stepped.datacollector.get_model_vars_dataframe()
    for fig in (
        network_figure(drilldown_view(stepped, 1)),
        network_figure(aggregated_view(stepped)),
        measures_figure(df),
    ):
        assert fig.layout.width is None and fig.layout.autosize is True
    charts = measures_figure(df)
    domains = [charts.layout[f"xaxis{i if i > 1 else ''}"].domain for i in range(1, len(KEY_MEASURES) + 1)]
    assert all(tuple(d) == (0.0, 1.0) for d in domains)  # one column: fits a narrow tile


def test_hover_names_a_county_with_its_city(stepped):
    snap = snapshot(stepped)
    names = full_names(snap)
    county = int(np.flatnonzero(snap.gov_level == 2)[0])
    parent = int(snap.gov_parent[county])
    assert names[county] == f"{gov_names(snap)[county]} of {gov_names(snap)[parent]}"
    assert names[parent] == gov_names(snap)[parent]  # a city: its name alone
    v = aggregated_view(stepped)
    assert f"<b>{names[county]}</b>" in v.nodes.set_index("id").loc[f"g{county}", "label"]


# ----------------------------------------------------------------------------- page
def test_a_step_updates_the_drawn_figure_in_place(stepped):
    import plotly.graph_objects as go

    widget = go.FigureWidget()
    sent: list[dict] = []
    real = widget._send_update_msg

    def spy(*args, **kwargs):
        sent.append(kwargs)
        return real(*args, **kwargs)

    widget._send_update_msg = spy
    m = VizModel(preset="baseline", rng=4, data_bureau=True)
    for _ in range(3):
        m.step()
    assert apply_figure(widget, network_figure(drilldown_view(m, 1), month=m.steps)) is False  # first: replaced
    widget.data[0].visible = "legendonly"  # as a click on its legend entry does
    scores = np.nan_to_num(drilldown_view(m, 1).nodes["score"].to_numpy(float), nan=-1)
    for _ in range(12):  # step until some sharing score of the drawn city changes
        m.step()
        if not np.array_equal(np.nan_to_num(drilldown_view(m, 1).nodes["score"].to_numpy(float), nan=-1), scores):
            break
    assert apply_figure(widget, network_figure(drilldown_view(m, 1), month=m.steps)) is True
    restyle = sent[-1]["restyle_data"]
    assert widget.layout.title.text.endswith(f"month {m.steps}") and widget.data[0].meta == f"month {m.steps}"
    assert widget.data[0].visible == "legendonly"  # the user's legend choice survives a step
    xs = restyle.get("x")
    assert xs is None or not isinstance(xs[0], list)  # the static vertical bundle is not re-sent
    assert "marker.color" in restyle  # the colours, which changed, are
    assert apply_figure(widget, network_figure(aggregated_view(m), month=m.steps)) is False  # other layers
    # the browser's report of trace defaults (~100 kB a step) is neither processed nor echoed
    quiet = QuietFigureWidget()
    assert quiet.trait_metadata("_js2py_traceDeltas", "echo_update") is False
    # plotly's own handler raises on a delta for an unknown trace
    quiet._js2py_traceDeltas = {"trace_deltas": [{"uid": "x"}], "trace_edit_id": quiet._last_trace_edit_id}


def test_mesa_still_reads_the_grid_layout_we_replace():
    import inspect

    import mesa.visualization.solara_viz as sv

    from sim.viz.app import grid_layout

    source = inspect.getsource(sv)
    assert "def make_initial_grid_layout(num_components):" in source, "Mesa renamed the function app.py patches"
    assert "make_initial_grid_layout(len(pages[index]))" in inspect.getsource(sv.ComponentsView)
    assert sv.make_initial_grid_layout is grid_layout
    tiles = grid_layout(4)
    assert [t["i"] for t in tiles] == [0, 1, 2, 3]
    assert all({"i", "x", "y", "w", "h", "moved"} == set(t) for t in tiles)


def test_mesa_still_draws_the_inputs_with_the_function_we_replace():
    import inspect

    import mesa.visualization.solara_viz as sv

    from sim.viz.app import MesaUserInputs, PresetInputs

    assert "UserInputs(user_adjust_params, on_change=on_change)" in inspect.getsource(sv.ModelCreator)
    assert sv.UserInputs is PresetInputs and MesaUserInputs is not PresetInputs
    assert "def UserInputs(user_params, on_change=None):" in inspect.getsource(MesaUserInputs.f)


def test_the_end_of_the_run_says_to_press_reset():
    from sim.viz.app import end_text, ended

    m = VizModel(preset="baseline", rng=1)
    assert not ended(m)
    m.steps = m.horizon  # as after the last step (the model sets running = False then too)
    assert ended(m) and end_text(m) == f"End of the run ({m.horizon} months): press Reset to start again."


def test_only_solaras_samesite_warning_is_silenced():
    import warnings

    from sim.viz.app import quiet_samesite_warning

    with warnings.catch_warnings(record=True) as caught:
        quiet_samesite_warning()
        warnings.warn("Cookies with samesite=none require https, but ...", UserWarning, stacklevel=1)
        warnings.warn("something else", UserWarning, stacklevel=1)
    assert [str(w.message) for w in caught] == ["something else"]
