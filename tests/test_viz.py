"""The viz page's parts without a browser: inputs -> overrides, network views, CLI."""

from __future__ import annotations

import numpy as np
import pytest

from sim.cli import build_parser, main
from sim.reforms import REGISTRY
from sim.scenario import GovScenario, load_spec
from sim.viz.charts import KEY_MEASURES, measures_figure, values_table
from sim.viz.cli import DEFAULT_HOST, server_command, url_for
from sim.viz.legend import legend_markdown
from sim.viz.network_view import (
    AGGREGATED,
    EDGE_STYLE,
    aggregated_view,
    drill_label,
    drill_options,
    drilldown_view,
    gov_layout,
    network_figure,
    sharing_scores,
    snapshot,
)
from sim.viz.params import (
    ENV_SCENARIO,
    STRENGTH,
    VizModel,
    model_params,
    param_paths,
    parse_seed,
    strength_key,
    switch_overrides,
)


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


def test_switches_win_over_the_preset_unless_following_it():
    switched_off = VizModel(preset="guangdong", rng=1, ops_separation=False)
    assert not switched_off.spec.reforms.ops_separation.enabled
    as_file = VizModel(preset="guangdong", rng=1, follow_preset=True, ops_separation=False)
    assert as_file.spec.reforms.ops_separation.enabled


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
